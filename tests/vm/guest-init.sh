#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the test VM (copied into the initramfs by run-in-vm.sh as /init).
# Loads the 9p/virtio/overlay modules, mounts the host's root (9p, read-only)
# at /host, makes /etc, /home, /var, /root, /tmp and those named by
# corral_vm.overlay=DIR,... (run-in-vm.sh's CORRAL_VM_OVERLAY) writable with
# overlays (tmpfs upper) and /run a tmpfs, mounts proc, sysfs, devtmpfs, devpts
# and a unified cgroup2 hierarchy (or, with corral_vm.cgroup=legacy, cgroup
# v1 hierarchies only), moves the host's root to / (as switch_root
# does), then runs /out/command (written by the host on the second, writable
# 9p share "out") chrooted into it as root, in a leaf cgroup as a service of a
# systemd host would be. Its stdout, stderr and exit status go to /out/stdout,
# /out/stderr, /out/rc; then the VM powers off. Messages of this script go to
# the serial console (the host's console.log).

PATH=/bin
export PATH
/bin/busybox mkdir -p /proc /sys /dev /host /out /rw /tmp
/bin/busybox --install -s /bin

say() { echo "corral-vm-init: $*" > /dev/console; }
die() {
	say "FATAL: $*"
	echo "$*" > /out/init-error 2>/dev/null
	sync
	poweroff -f
	sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec < /dev/null > /dev/console 2>&1

while read -r mod; do
	insmod "/modules/$mod" || die "insmod $mod failed"
done < /modules/order

# The virtio devices may take a moment to show up after virtio_pci loads.
mnt9p() { # TAG DIR OPTS
	i=0
	until mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$3" "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 50 ] && die "cannot mount the 9p share '$1'"
		sleep 0.1
	done
}
mnt9p out /out cache=none
mnt9p host /host ro,cache=loose
[ -f /out/command ] || die "no /out/command on the out share"

# Writable places. /etc, /home, /var (so /var/tmp), /root and /tmp keep the
# host's contents (overlays over the read-only share: a checkout under /tmp is
# visible); what the tests write stays in the VM. corral_vm.overlay= adds
# more (usr, for a test that installs a package).
extra=
for arg in $(cat /proc/cmdline); do
	case $arg in corral_vm.overlay=*) extra=$(echo "${arg#*=}" | tr , ' ') ;; esac
done
mount -t tmpfs -o mode=0755,size=256m rw /rw || die "tmpfs /rw"
for d in etc home var root tmp $extra; do
	[ -d "/host/$d" ] || continue
	mkdir -p "/rw/$d/upper" "/rw/$d/work"
	mount -t overlay "vm-$d" -o "lowerdir=/host/$d,upperdir=/rw/$d/upper,workdir=/rw/$d/work" "/host/$d" ||
		die "cannot overlay /$d"
done
mount -t tmpfs -o mode=0755,size=64m run /host/run || die "tmpfs /run"
mkdir -p /host/run/lock /host/run/corral-vm
chmod 1777 /host/run/lock

mount -t proc proc /host/proc || die "proc"
mount -t sysfs sysfs /host/sys || die "sysfs"
mount -t devtmpfs devtmpfs /host/dev || die "devtmpfs"
mkdir -p /host/dev/pts /host/dev/shm /host/dev/mqueue
mount -t devpts -o newinstance,gid=5,mode=620,ptmxmode=0666 devpts /host/dev/pts || die "devpts"
ln -sf pts/ptmx /host/dev/ptmx 2>/dev/null
# What udev/systemd would add to a devtmpfs (bash's process substitution needs /dev/fd).
ln -sfn /proc/self/fd /host/dev/fd
ln -sf /proc/self/fd/0 /host/dev/stdin
ln -sf /proc/self/fd/1 /host/dev/stdout
ln -sf /proc/self/fd/2 /host/dev/stderr
mount -t tmpfs -o mode=1777 shm /host/dev/shm || die "tmpfs /dev/shm"
mount -t mqueue mqueue /host/dev/mqueue 2>/dev/null
# The cgroup layout, from the kernel command line (run-in-vm.sh sets it):
# corral_vm.cgroup=unified (the default) or legacy, corral_vm.cgroup2_opts=.
layout=unified
cg2opts=nsdelegate,memory_recursiveprot
for arg in $(cat /proc/cmdline); do
	case $arg in
	corral_vm.cgroup=*) layout=${arg#*=} ;;
	corral_vm.cgroup2_opts=*) cg2opts=${arg#*=} ;;
	esac
done
cg=/host/sys/fs/cgroup
case $layout in
unified)
	# Unified only, with systemd's mount options; controllers enabled at the
	# top and the command in a leaf, as a service on a current distribution.
	mount -t cgroup2 -o "$cg2opts" cgroup2 $cg ||
		die "cannot mount cgroup2 with options '$cg2opts'"
	for c in cpu io memory pids; do
		echo "+$c" > $cg/cgroup.subtree_control || die "cannot enable the $c controller"
	done
	scope=$cg/corral-vm.scope
	;;
legacy)
	# cgroup v1 only, as systemd laid it out before v2 (CentOS 7, Ubuntu
	# 18.04): a tmpfs of hierarchies, cpu and cpuacct co-mounted with the
	# two names as symlinks, cpuset without clone_children (a new cgroup
	# there has no CPUs), and a named hierarchy without controllers.
	mount -t tmpfs -o mode=0755 cgroup $cg || die "cannot mount a tmpfs on $cg"
	for h in cpu,cpuacct cpuset memory pids blkio; do
		mkdir $cg/$h && mount -t cgroup -o $h cgroup $cg/$h || die "cannot mount cgroup $h"
	done
	ln -s cpu,cpuacct $cg/cpu && ln -s cpu,cpuacct $cg/cpuacct || die "symlinks in $cg"
	mkdir $cg/systemd && mount -t cgroup -o none,name=systemd cgroup $cg/systemd ||
		die "cannot mount the name=systemd hierarchy"
	scope=$cg/systemd/corral-vm.scope
	;;
*) die "unknown corral_vm.cgroup=$layout" ;;
esac
mkdir $scope || die "cannot create the test's cgroup"
scope=.${scope#/host}

hostname corral-vm
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

cp /out/command /host/run/corral-vm/command || die "cannot copy the command"

# The host's root becomes the root of the mount namespace, as switch_root
# does: a plain chroot is not enough, since setns(CLONE_NEWNS) (corral joins
# a session's mount namespace) puts the caller at the namespace's root. This
# process keeps the initramfs as its root (a root covered by a mount stays
# what it was), so /out and busybox stay at hand; the host's root is "." now.
cd /host || die "cannot cd to /host"
mount --move /host / || die "cannot move the host's root to /"
say "running the command (cgroup layout: $layout)"
sh -c 'echo $$ > "$0/cgroup.procs" || exit 126; exec "$@"' "$scope" \
	chroot . /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 TERM=dumb USER=root LOGNAME=root SHELL=/bin/bash \
	/bin/bash /run/corral-vm/command > /out/stdout 2> /out/stderr < /dev/null
rc=$?
dmesg > /out/dmesg 2>/dev/null
echo "$rc" > /out/rc
sync
say "command exited with $rc, powering off"
poweroff -f
sleep 60
