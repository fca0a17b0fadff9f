#!/bin/bash
# run-in-vm.sh [--timeout SECS] [--tap] -- COMMAND...
#
# Runs COMMAND as root on a real cgroup v2 kernel: boots Debian's own kernel
# (linux-image-amd64) under qemu-system-x86_64 -accel tcg with a busybox
# initramfs (tests/vm/guest-init.sh as /init, built once and cached in the
# build dir), the host's root shared read-only over 9p and chrooted into, with
# /etc, /home, /var, /root writable overlays and /tmp, /run, /var/tmp tmpfs in
# the guest, and a unified cgroup2 hierarchy on /sys/fs/cgroup. COMMAND's
# stdout is this script's stdout (streamed), its stderr this script's stderr,
# and its exit status this script's. A missing kernel, qemu or busybox, a VM
# that does not come up, or a timeout is an error (exit 99, with the reason on
# stderr, and a TAP "Bail out!" on stdout with --tap): never a skip.
#
# Runs as root. COMMAND runs with the host's cwd, a standard PATH, HOME=/root,
# and the caller's CORRAL_* (CORRAL_BUILD, CORRAL_SRC, CORRAL_TEST_STRICT...),
# MALLOC_PERTURB_, LD_LIBRARY_PATH and *SAN_OPTIONS; CORRAL_VM=1 tells it where
# it is. The build tree is read-only there. Knobs: CORRAL_VM_KVER (kernel
# version, default: the newest /boot/vmlinuz-*-amd64 with modules),
# CORRAL_VM_MEM (MiB, 1024), CORRAL_VM_CPUS (2), CORRAL_VM_CGROUP (unified, or
# legacy: cgroup v1 only, cpu,cpuacct co-mounted, cpuset), CORRAL_VM_CGROUP2_OPTS (the
# cgroup2 mount options, default systemd's nsdelegate,memory_recursiveprot),
# CORRAL_VM_APPEND (more kernel arguments), CORRAL_VM_KEEP=1 (keep the run
# directory: console log, dmesg, command), CORRAL_VM_OVERLAY (more top-level
# directories of the host's root made writable overlays, separated by spaces:
# "usr" for a test that installs a package; what is written stays in the VM).
# The guest has a blank 256 MiB scratch disk, /dev/vda, for tests that need a
# block device.
set -uo pipefail

timeout=600
tap=0
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
	--timeout=*) timeout=${1#--timeout=}; shift ;;
	--tap) tap=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) break ;;
	esac
done

fail() {
	[ "$tap" = 1 ] && echo "Bail out! run-in-vm: $*"
	echo "run-in-vm: $*" >&2
	exit 99
}

[ $# -gt 0 ] || fail "usage: run-in-vm.sh [--timeout SECS] [--tap] -- COMMAND..."
case $timeout in '' | *[!0-9]*) fail "--timeout wants whole seconds, not '$timeout'" ;; esac
# The extra overlays go to the guest's init on the kernel command line, comma-separated.
overlays=
for d in ${CORRAL_VM_OVERLAY:-}; do
	case $d in
	. | .. | *[!A-Za-z0-9._-]*) fail "CORRAL_VM_OVERLAY: '$d' is not a directory name of the root" ;;
	esac
	if [ ! -d "/$d" ] || [ -L "/$d" ]; then
		fail "CORRAL_VM_OVERLAY: /$d is not a directory of the root (a symlink?)"
	fi
	overlays=${overlays:+$overlays,}$d
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${CORRAL_SRC:=$(cd "$here/../.." && pwd)}"
: "${CORRAL_BUILD:=$CORRAL_SRC/build}"
export CORRAL_SRC CORRAL_BUILD

# --- what the VM needs --------------------------------------------------------
[ "$(id -u)" -eq 0 ] || fail "needs root (the 9p server must read the whole host root, /etc/shadow included)"
qemu=$(command -v qemu-system-x86_64) ||
	fail "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] || continue
	case $(LC_ALL=C ldd "$b" 2>&1) in
	*"not a dynamic executable"* | *"statically linked"*) busybox=$b; break ;;
	esac
done
[ -n "$busybox" ] || fail "no static busybox (/bin/busybox): apt-get install busybox-static"
modprobe=$(PATH=$PATH:/sbin:/usr/sbin command -v modprobe) ||
	fail "modprobe is missing: apt-get install kmod"

kver=${CORRAL_VM_KVER:-}
if [ -z "$kver" ]; then
	kver=$(for k in /boot/vmlinuz-*-amd64; do
		[ -f "$k" ] || continue
		k=${k#/boot/vmlinuz-}
		[ -f "/lib/modules/$k/modules.dep" ] && echo "$k"
	done | sort -V | tail -n 1)
fi
[ -n "$kver" ] || fail "no kernel: no /boot/vmlinuz-*-amd64 with modules in /lib/modules: apt-get install linux-image-amd64"
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || fail "cannot read $kernel"
[ -f "/lib/modules/$kver/modules.dep" ] || fail "no modules for $kver in /lib/modules/$kver"
[ -d "$CORRAL_BUILD" ] || fail "no build directory $CORRAL_BUILD (set CORRAL_BUILD)"

# The modules the guest loads, dependencies first (kmod's own order).
modules=()
# virtio_blk and ext4: the scratch disk. CPU-specific crypto modules (softdeps,
# such as crc32c-intel) are left out: TCG's CPU may lack the instructions, and
# the generic ones do the same work. veth and bridge: network = veth (test-veth.sh).
for m in 9p 9pnet_virtio virtio_pci overlay virtio_blk ext4 veth bridge; do
	out=$("$modprobe" -S "$kver" --show-depends "$m" 2>&1) ||
		fail "modprobe -S $kver --show-depends $m: $out"
	while read -r verb path _; do
		case $verb in
		insmod)
			case $path in */arch/x86/crypto/*) continue ;; esac
			case " ${modules[*]} " in *" $path "*) ;; *) modules+=("$path") ;; esac ;;
		builtin) ;;
		*) fail "unexpected output from modprobe --show-depends $m: $verb $path" ;;
		esac
	done <<< "$out"
done

# --- the initramfs, cached in the build dir -------------------------------------
cache=$CORRAL_BUILD/tests/vm
mkdir -p "$cache" || fail "cannot create $cache"
key=$({
	echo "$kver"
	sha256sum "$busybox" "$here/guest-init.sh" "${modules[@]}"
} | sha256sum | cut -c1-16)
initramfs=$cache/initramfs-$kver-$key.cpio
if [ ! -s "$initramfs" ]; then
	tmp=$(mktemp -d "$cache/initramfs.XXXXXX") || fail "mktemp in $cache"
	(
		set -e
		mkdir -p "$tmp/root/bin" "$tmp/root/modules"
		cp "$busybox" "$tmp/root/bin/busybox"
		cp "$here/guest-init.sh" "$tmp/root/init"
		chmod 0755 "$tmp/root/init" "$tmp/root/bin/busybox"
		: > "$tmp/root/modules/order"
		for path in "${modules[@]}"; do
			name=$(basename "$path")
			case $name in
			*.ko.xz) name=${name%.xz}; xz -dc "$path" > "$tmp/root/modules/$name" ;;
			*.ko.zst) name=${name%.zst}; zstd -qdc "$path" > "$tmp/root/modules/$name" ;;
			*.ko.gz) name=${name%.gz}; gzip -dc "$path" > "$tmp/root/modules/$name" ;;
			*) cp "$path" "$tmp/root/modules/$name" ;;
			esac
			echo "$name" >> "$tmp/root/modules/order"
		done
		cd "$tmp/root"
		find . | "$busybox" cpio -o -H newc -R 0:0 > "$tmp/initramfs.cpio" 2>/dev/null
		rm -f "$cache"/initramfs-*.cpio
		mv -f "$tmp/initramfs.cpio" "$initramfs"
	)
	st=$?
	rm -rf "$tmp"
	[ $st -eq 0 ] || fail "could not build the initramfs in $cache"
fi

# --- one run ---------------------------------------------------------------------
run=$(mktemp -d "$cache/run.XXXXXX") || fail "mktemp in $cache"
mkdir "$run/share"
qpid=''
tails=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	for p in "${tails[@]}"; do kill "$p" 2>/dev/null; done
	if [ "${CORRAL_VM_KEEP:-}" = 1 ]; then
		echo "run-in-vm: kept $run" >&2
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

{
	echo "# Written by run-in-vm.sh; run by /bin/bash in the guest's chroot."
	echo "export CORRAL_VM=1"
	while IFS='=' read -r name _; do
		case $name in CORRAL_VM_*) continue ;; esac
		printf 'export %s=%q\n' "$name" "${!name}"
	done < <(env | grep -E '^(CORRAL_[A-Za-z0-9_]*|ASAN_OPTIONS|UBSAN_OPTIONS|LSAN_OPTIONS|MALLOC_PERTURB_|LD_LIBRARY_PATH)=' | sort)
	echo "umask 022"
	printf 'cd %q 2>/dev/null || { echo "run-in-vm: no %q in the guest, running in /" >&2; cd /; }\n' "$PWD" "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	echo
} > "$run/share/command"
: > "$run/share/stdout"
: > "$run/share/stderr"

# A blank scratch disk (/dev/vda in the guest) for tests that need a block device.
truncate -s 256M "$run/scratch.img" || fail "cannot create the scratch disk"

start=$SECONDS
"$qemu" -accel tcg -nodefaults -no-user-config -display none -monitor none \
	-no-reboot -m "${CORRAL_VM_MEM:-1024}" -smp "${CORRAL_VM_CPUS:-2}" \
	-kernel "$kernel" -initrd "$initramfs" \
	-append "console=ttyS0 quiet panic=-1 corral_vm.cgroup=${CORRAL_VM_CGROUP:-unified} ${CORRAL_VM_CGROUP2_OPTS:+corral_vm.cgroup2_opts=$CORRAL_VM_CGROUP2_OPTS} ${overlays:+corral_vm.overlay=$overlays} ${CORRAL_VM_APPEND:-}" \
	-serial "file:$run/console.log" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$run/share,mount_tag=out,security_model=none,multidevs=remap" \
	-drive "file=$run/scratch.img,format=raw,if=virtio" \
	< /dev/null > "$run/qemu.log" 2>&1 &
qpid=$!
tail -n +1 -f --pid="$qpid" "$run/share/stdout" &
tails+=($!)
tail -n +1 -f --pid="$qpid" "$run/share/stderr" >&2 &
tails+=($!)

timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		timed_out=1
		kill -TERM "$qpid" 2>/dev/null
		sleep 2
		kill -KILL "$qpid" 2>/dev/null
		break
	fi
	sleep 0.2
done
wait "$qpid"
qrc=$?
qpid=
wait "${tails[@]}" 2>/dev/null
tails=()
elapsed=$((SECONDS - start))

console_tail() {
	echo "run-in-vm: the last lines of the guest console ($kernel):" >&2
	tail -n 25 "$run/console.log" 2>/dev/null | sed 's/^/  | /' >&2
	[ -s "$run/qemu.log" ] && sed 's/^/  qemu: /' "$run/qemu.log" >&2
}

# Kernel trouble is worth knowing about even when the command passed.
# (An OOM kill's report has a Call Trace too, and is no problem: not matched.)
trouble='BUG:|Oops|WARNING: CPU|general protection|Kernel panic|blocked for more than'
if [ -s "$run/share/dmesg" ] && grep -Eq "$trouble" "$run/share/dmesg"; then
	echo "run-in-vm: the guest kernel logged a problem:" >&2
	grep -E -A 12 "$trouble" "$run/share/dmesg" | head -n 60 | sed 's/^/  | /' >&2
fi

if [ "$timed_out" = 1 ]; then
	console_tail
	fail "timed out after ${timeout}s (QEMU pid killed)"
fi
if [ ! -s "$run/share/rc" ]; then
	[ -s "$run/share/init-error" ] && echo "run-in-vm: guest init: $(cat "$run/share/init-error")" >&2
	console_tail
	fail "the VM ended (qemu status $qrc, after ${elapsed}s) without running the command to its end"
fi
rc=$(cat "$run/share/rc")
echo "run-in-vm: kernel $kver, command exited $rc, VM ran ${elapsed}s" >&2
exit "$rc"
