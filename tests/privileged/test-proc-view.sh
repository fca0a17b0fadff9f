#!/bin/bash
# helper/proc-view.c against a real LXCFS: an instance of the test's own, on a
# directory of its private /run (never the system's /var/lib/lxcfs), driven
# by proc-view-drive: proc_view_open() here, proc_view_mount() in a child in
# new mount and PID namespaces, in a cgroup of the test's limited to 300 MiB.
#
# - the session's free -m, /proc/meminfo, /proc/uptime come from LXCFS (the
#   cgroup's limit, the PID namespace's age); all 8 files are LXCFS's mounts,
#   read-only, nosuid, nodev, noexec; the test's own namespace (the child's is
#   a slave of it, as a session's is of the host's) and the host's are
#   unchanged;
# - a file the caller leaves out (offered bit cleared) stays the kernel's;
# - the fallbacks: open_tree or mount_setattr made ENOSYS by seccomp;
# - refusals: a directory that is not LXCFS, a symlink to it, a bind mount of
#   a part of it, a group-writable directory above it; in the child, a
#   symlink or a non-sysfs file as /sys/devices/system/cpu/online (nothing
#   mounted at all), and no /sys (that file skipped, the rest mounted);
# - LXCFS stopped: -ENOENT "LXCFS is not running (no fuse.lxcfs mount...)".
#
# Every run of the driver and every read of LXCFS is under a timeout; LXCFS is
# unmounted lazily before it is killed (a read of a stuck FUSE daemon hangs).

. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/lxcfs.sh" || exit 99
. "$CORRAL_SRC/tests/lib/testlib.sh" || exit 99
lx_fuse_or_skip
tl_init "$@"
trap lx_exit EXIT

DRIVE=$CORRAL_BUILD/tests/privileged/proc-view-drive
LX=$TL_WORK/lxcfs
CG=
TARGETS="/proc/meminfo /proc/cpuinfo /proc/stat /proc/loadavg /proc/uptime /proc/swaps /proc/diskstats /sys/devices/system/cpu/online"

pv_count_lxcfs() { # fuse.lxcfs mounts in mountinfo $1
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "fuse.lxcfs") n++; break } }
		END { print n + 0 }' "$1"
}

# A cgroup of 300 MiB below the test's cgroup root (testlib removes it, and
# kills what is in it, at exit): the v1 memory hierarchy, else cgroup2's.
pv_cgroup() {
	local mnt
	mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) print $5; break } }' \
		/proc/self/mountinfo | head -n 1)
	if [ -n "$mnt" ]; then
		CG=$mnt/$TL_CGROUP_ROOT/pv-$RANDOM
		mkdir -p "$CG" && echo 300M > "$CG/memory.limit_in_bytes"
		return
	fi
	mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
		/proc/self/mountinfo | head -n 1)
	[ -n "$mnt" ] && grep -qw memory "$mnt/cgroup.controllers" || return 1
	CG=$mnt/$TL_CGROUP_ROOT/pv-$RANDOM
	mkdir -p "$CG" && echo +memory > "$mnt/$TL_CGROUP_ROOT/cgroup.subtree_control" &&
		echo 300M > "$CG/memory.max"
}

# drive [OPTIONS] open|run ...: the driver in the test's cgroup, bounded.
drive() {
	# shellcheck disable=SC2016 # expanded by that sh
	timeout -k 5 30 sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$DRIVE" "$@" 2>&1
}

val() { sed -n "s/^$1=//p" <<< "$2" | head -n 1; }  # val KEY TEXT: the rest of the line KEY=
word() { grep -o "\\b$1=[^ ]*" <<< "$2" | head -n 1 | cut -d= -f2-; }  # word KEY TEXT: KEY=WORD anywhere

# What the session sees, as PID 1 of the driver's namespaces.
cat > "$TL_WORK/inside.sh" << 'EOF'
free -m | awk '/^Mem:/ { print "free_total=" $2 }'
echo "meminfo=$(head -n 1 /proc/meminfo)"
echo "uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "online=$(cat /sys/devices/system/cpu/online)"
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print "mnt " $5 " " $(i + 1) " " $6; break } }' /proc/self/mountinfo
awk '$5 == "/" { print "root_tags=" $7 }' /proc/self/mountinfo | tail -n 1
if (echo x > /proc/meminfo) 2> /dev/null; then echo write=done; else echo write=refused; fi
EOF
# The child's fuse.lxcfs mounts, whatever proc_view_mount() said.
cat > "$TL_WORK/lxcfs-mounts.sh" << 'EOF'
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "fuse.lxcfs") print "lxcfs-mount=" $5; break } }' /proc/self/mountinfo
EOF

# Every target a read-only LXCFS mount with the session's flags, in output $1.
pv_all_mounted() {
	local t line bad=0
	for t in $TARGETS; do
		line=$(grep "^mnt $t " <<< "$1" | tail -n 1)
		case " $line " in
		*" fuse.lxcfs ro,nosuid,nodev,noexec"*) ;;
		*) fail_diag "$t: ${line:-no mount}"; bad=1 ;;
		esac
	done
	return $bad
}

# MiB of "MemTotal: N kB" within 5% of 300.
pv_about_300() { local mib=$(($1 / 1024)); [ "$mib" -ge 285 ] && [ "$mib" -le 315 ]; }

pv_cgroup || skip_all "no memory cgroup controller to limit the session with"
lx_start "$LX"
ok $? "lxcfs started, fuse.lxcfs mounted on $LX" || { diag "$(cat "$TL_WORK/lxcfs.log")"; tl_done; }
diag "lxcfs $(lxcfs --version 2>&1 | head -n 1): $(lx_mount_of "$LX")"
# The child's namespace is made a slave of this one, as a session's of the
# host's: this one shared, so that a mount propagating back would show here.
mount --make-rshared /

# --- proc_view_open ------------------------------------------------------------
out=$(drive open "$LX")
is "$(word dir "$out") $(word offered "$out")" "$LX 0xff" "open: LXCFS 5 offers all 8 files" || diag "$out"
like "$out" "cloned=8 remount=0" "open: 8 detached read-only clones (open_tree, mount_setattr)"

out=$(drive open -)
if [ "$(lx_mount_of /var/lib/lxcfs | cut -d' ' -f1)" = fuse.lxcfs ]; then
	is "$(word dir "$out")" /var/lib/lxcfs "open with no directory: the system's LXCFS first"
else
	is "$(word dir "$out")" "$LX" "open with no directory: found in mountinfo" || diag "$out"
fi

out=$(drive open "$TL_WORK")
like "$out" "^error=-2 ENOENT: LXCFS is not running \(no fuse.lxcfs mount on $TL_WORK: it is on a tmpfs mount\)$" \
	"a directory that is not LXCFS: ENOENT, not running"

ln -s "$LX" "$TL_WORK/lxcfs-link"
out=$(drive open "$TL_WORK/lxcfs-link")
like "$out" "^error=-40 ELOOP: $TL_WORK/lxcfs-link is a symbolic link: not followed$" \
	"a symlink to LXCFS: refused, not followed"

mkdir -p "$TL_WORK/part"
mount --bind "$LX/proc" "$TL_WORK/part"
out=$(drive open "$TL_WORK/part")
like "$out" "^error=-18 EXDEV: $TL_WORK/part is not the mount point of LXCFS" \
	"a bind mount of LXCFS's proc/: refused"
umount -l "$TL_WORK/part"

mkdir "$TL_WORK/gw" "$TL_WORK/gw/lx" && chmod 0775 "$TL_WORK/gw"
mount --bind "$LX" "$TL_WORK/gw/lx"
out=$(drive open "$TL_WORK/gw/lx")
like "$out" "^error=-1 EPERM: $TL_WORK/gw is writable by its group \(mode 0775\)$" \
	"LXCFS below a group-writable directory: refused"
umount -l "$TL_WORK/gw/lx"

# --- proc_view_mount: what the session sees ----------------------------------------
host_meminfo=$(head -n 1 /proc/meminfo)
host_online=$(cat /sys/devices/system/cpu/online)
host_uptime=$(cut -d' ' -f1 /proc/uptime)
self_before=$(pv_count_lxcfs /proc/self/mountinfo)
init_before=$(pv_count_lxcfs /proc/1/mountinfo)

out=$(drive run "$LX" -- sh "$TL_WORK/inside.sh")
is "$(val mounted "$out")" 0xff "all 8 files mounted in the child" || diag "$out"
pv_all_mounted "$out"
ok $? "each a fuse.lxcfs mount, ro,nosuid,nodev,noexec"
free_total=$(val free_total "$out")
[ -n "$free_total" ] && [ "$free_total" -ge 285 ] && [ "$free_total" -le 315 ]
ok $? "free -m in the session: total $free_total MiB, the cgroup's 300 (within 5%)"
mem_kb=$(val meminfo "$out" | awk '{ print $2 }')
[ -n "$mem_kb" ] && pv_about_300 "$mem_kb" && [ $((mem_kb / 1024 - free_total)) -ge -1 ] &&
	[ $((mem_kb / 1024 - free_total)) -le 1 ]
ok $? "head -1 /proc/meminfo agrees: $(val meminfo "$out")"
up=$(val uptime "$out")
awk -v u="$up" 'BEGIN { exit !(u != "" && u < 10) }'
ok $? "/proc/uptime is the PID namespace's age: $up s (the host's: $host_uptime s)"
like "$(val online "$out")" '^[0-9]' "/sys/devices/system/cpu/online readable: $(val online "$out")"
is "$(val write "$out")" refused "a write to /proc/meminfo is refused"
like "$(val root_tags "$out")" '^master:[0-9]+$' "the child's / is a slave of the test's namespace"

is "$(head -n 1 /proc/meminfo)" "$host_meminfo" "outside, /proc/meminfo is the host's still"
is "$(cat /sys/devices/system/cpu/online)" "$host_online" "outside, cpu/online is the host's still"
is "$(pv_count_lxcfs /proc/self/mountinfo)" "$self_before" \
	"nothing propagated back to the (shared) namespace the child was cloned from"
is "$(pv_count_lxcfs /proc/1/mountinfo)" "$init_before" "nor to the host's"

# PROC_VIEW_UPTIME (bit 4) left out by the caller: the session's own procfs file stays.
out=$(drive --only=0xef run "$LX" -- sh "$TL_WORK/inside.sh")
is "$(val mounted "$out")" 0xef "a file the caller leaves out is not mounted" || diag "$out"
unlike "$out" "^mnt /proc/uptime fuse" "... /proc/uptime is the session's procfs file"

# --- the fallbacks -----------------------------------------------------------------
out=$(drive --block=open_tree run "$LX" -- sh "$TL_WORK/inside.sh")
like "$out" "cloned=0 remount=0" "no open_tree: nothing cloned in the helper" || diag "$out"
is "$(val mounted "$out")" 0xff "no open_tree: all 8 bound with mount(2) in the child"
pv_all_mounted "$out"
ok $? "no open_tree: each fuse.lxcfs, remounted ro,nosuid,nodev,noexec"
mem_kb=$(val meminfo "$out" | awk '{ print $2 }')
[ -n "$mem_kb" ] && pv_about_300 "$mem_kb"
ok $? "no open_tree: /proc/meminfo is the cgroup's: $(val meminfo "$out")"

out=$(drive --block=mount_setattr run "$LX" -- sh "$TL_WORK/inside.sh")
like "$out" "cloned=8 remount=1" "no mount_setattr: clones left for the child to remount" || diag "$out"
is "$(val mounted "$out")" 0xff "no mount_setattr: all 8 mounted"
pv_all_mounted "$out"
ok $? "no mount_setattr: each fuse.lxcfs, remounted ro,nosuid,nodev,noexec"

# --- a hostile tree in the child ----------------------------------------------------------
out=$(drive --tamper=sys-symlink --keep-going run "$LX" -- sh "$TL_WORK/lxcfs-mounts.sh")
like "$out" "^mount-error=-40 ELOOP: /sys/devices/system/cpu/online is a symbolic link: not followed$" \
	"cpu/online a symlink: refused" || diag "$out"
unlike "$out" "^lxcfs-mount=/(proc|sys)/" "... and nothing mounted, not even on /proc"

out=$(drive --tamper=sys-file --keep-going run "$LX" -- sh "$TL_WORK/lxcfs-mounts.sh")
like "$out" "^mount-error=-18 EXDEV: /sys/devices/system/cpu/online is not on a sysfs" \
	"cpu/online a file on a tmpfs: refused" || diag "$out"
unlike "$out" "^lxcfs-mount=/(proc|sys)/" "... and nothing mounted"

out=$(drive --tamper=no-sys run "$LX" -- sh "$TL_WORK/lxcfs-mounts.sh")
is "$(val mounted "$out")" 0x7f "no /sys in the session: cpu/online skipped, the 7 others mounted" ||
	diag "$out"

# --- LXCFS stopped -------------------------------------------------------------------
lx_stop
out=$(drive open "$LX")
like "$out" "^error=-2 ENOENT: LXCFS is not running \(no fuse.lxcfs mount on $LX: it is on a tmpfs mount\)$" \
	"LXCFS stopped: ENOENT, not running"
if [ "$(pv_count_lxcfs /proc/self/mountinfo)" = 0 ]; then
	out=$(drive open -)
	is "$out" "error=-2 ENOENT: LXCFS is not running (no fuse.lxcfs mount)" \
		"LXCFS stopped, none found in mountinfo: ENOENT, the message"
else
	skip "another LXCFS is mounted: the no-directory case cannot find none"
fi

tl_done
