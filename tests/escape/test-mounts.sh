#!/bin/bash
# Escape attempts on namespaces and mounts, run by an ordinary user inside a
# session: what its mount table shows (every procfs and mqueue in it is the
# session's, none of the host's), mount, umount, pivot_root, chroot, unshare,
# setns and sethostname (all need CAP_SYS_ADMIN: refused), leaving through the
# namespace files of host processes, and what an unprivileged user namespace
# (where the host allows them) lets it do: nothing that reaches the host.
#
# The test's world plays a host with more than /proc: a chroot with its own
# /proc mounted, systemd's /dev/mqueue, and shared mount propagation.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
. "$CORRAL_SRC/tests/escape/esclib.sh"
esc_private_ipc "$@"
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
tl_conf '[defaults]' 'hostname = %u-box'
esc_world "$alice" "$bob"
host_name=$(hostname)

mount --make-rshared / || bail "cannot make the test's mount tree shared"
chroot_proc=$TL_WORK/chroot/proc
mkdir -p "$chroot_proc" "$TL_WORK/mnt"
chmod 0755 "$TL_WORK/chroot"
mount -t proc proc "$chroot_proc" || bail "cannot mount a second procfs"
mkdir -p /dev/mqueue
mount -t mqueue mqueue /dev/mqueue || bail "cannot mount mqueue on /dev/mqueue"
mq=/corral-esc-$$
is "$(esc_host "$bob" "$ESC_PROBE" mq-create "$mq")" ok "bob creates message queue $mq on the host"
check "control: the host's /dev/mqueue lists it" -- test -e "/dev/mqueue$mq"
check "control: the host's second procfs shows bob's host process" -- test -d "$chroot_proc/$ESC_VICTIM_HOST"
mounts_before=$(md5sum < /proc/self/mountinfo)

# --- what the session's mount table shows ----------------------------------------------
esc_attack "$alice" '
	awk "\$9 == \"proc\" { print \$5 }" /proc/self/mountinfo | sort -u | while read -r m; do
		echo "proc_at=$m $(cd "$m" && echo [0-9]*)"
		echo "proc_init=$m $(cat "$m/1/comm")"
	done
	echo "mqueue=$(ls /dev/mqueue)"
	echo "mq=$($P mq '"$mq"')"
	echo "proc_opts=$(awk "\$5 == \"/proc\" { o = \$6 } END { print o }" /proc/self/mountinfo)"
	echo "same_as_init=$(cmp -s /proc/1/mountinfo /proc/self/mountinfo && echo yes || echo no)"
	echo "shared=$(grep -c " shared:" /proc/self/mountinfo)"
	echo "root=$(readlink /proc/self/root)"
	echo "hostname=$(hostname)"
	awk "{ print \$5 }" /proc/self/mountinfo | LC_ALL=C sort -u | sed "s/^/mountpoint=/"
'
is "$ESC_RC" 0 "the attacking login runs"
procs=$(esc_get proc_at)
diag "procfs mounts inside:" "$procs"
like "$procs" '^/proc 1 [0-9]+ ' "/proc inside lists the session's processes"
printf '%s\n' "$(esc_get proc_init)" | grep -qx "$chroot_proc corral-init"
ok $? "PID 1 in the chroot's /proc inside is the session's init"
is "$(esc_get proc_init | grep -v ' corral-init$')" "" "PID 1 in every procfs inside is the session's init"
for pid in $ESC_TARGETS; do
	unlike "$procs" " $pid( |$)" "no procfs inside lists target host pid $pid"
done
is "$(esc_get mqueue)" "" "the /dev/mqueue inside lists none of the host's message queues"
is "$(esc_get mq)" ENOENT "mq_open of the host's queue from inside: ENOENT"
like "$(esc_get proc_opts)" 'nosuid,nodev,noexec' "/proc inside is mounted nosuid,nodev,noexec"
is "$(esc_get same_as_init)" yes "the shell's mount table is the session init's"
is "$(esc_get shared)" 0 "no mount inside propagates back to the host (no shared: peer group)"
is "$(esc_get root)" / "the shell's root is the session's /"
is "$(esc_get hostname)" "$alice-box" "the hostname inside is the policy's"
# By design the session's mount table is a copy of the host's: every host mount
# point is there too (mounts made later on the host arrive through slave propagation).
missing=$(LC_ALL=C comm -23 <(awk '{ print $5 }' /proc/self/mountinfo | LC_ALL=C sort -u) <(esc_get mountpoint))
is "$missing" "" "by design: every mount point of the host is in the session's mount table"

# --- what it cannot do ------------------------------------------------------------------
esc_attack "$alice" '
	m=$HOME/m
	mkdir -p $m/old
	echo "mount_proc=$($P mount proc $m)"
	echo "mount_tmpfs=$($P mount tmpfs $m)"
	echo "bind=$($P bind / $m)"
	echo "umount_proc=$($P umount /proc)"
	echo "umount_cgroup=$($P umount /sys/fs/cgroup)"
	echo "pivot=$($P pivot $m $m/old)"
	echo "chroot=$($P chroot $m)"
	for ns in mnt pid uts ipc net cgroup; do
		echo "unshare_$ns=$($P unshare $ns)"
		echo "setns_self_$ns=$($P setns /proc/self/ns/$ns)"
		echo "setns_init_$ns=$($P setns /proc/1/ns/$ns)"
		for pid in "$@"; do echo "setns_${pid}_$ns=$($P setns /proc/$pid/ns/$ns)"; done
	done
	echo "sethostname=$($P sethostname evil)"
	echo "hostname=$(hostname)"
' $ESC_TARGETS
is "$ESC_RC" 0 "the attacking login runs"
for what in mount_proc mount_tmpfs bind umount_proc umount_cgroup pivot chroot sethostname; do
	is "$(esc_get $what)" EPERM "$what from inside: EPERM"
done
for ns in mnt pid uts ipc net cgroup; do
	is "$(esc_get "unshare_$ns")" EPERM "unshare of a $ns namespace from inside: EPERM"
	is "$(esc_get "setns_self_$ns")" EPERM "setns into its own $ns namespace: EPERM"
	is "$(esc_get "setns_init_$ns")" EACCES "the init's $ns namespace file cannot be opened"
	for pid in $ESC_TARGETS; do
		is "$(esc_get "setns_${pid}_$ns")" ENOENT "/proc/$pid/ns/$ns of a target host pid is out of reach"
	done
done
is "$(esc_get hostname)" "$alice-box" "the hostname inside is unchanged"
is "$(hostname)" "$host_name" "the host's hostname is unchanged"
is "$(md5sum < /proc/self/mountinfo)" "$mounts_before" "the host's mount table is unchanged"

# --- an unprivileged user namespace ------------------------------------------------------
# Where the host allows them, a user may create one inside its session (as on the
# host): root there has capabilities over its own namespaces only.
if [ "$(esc_host "$alice" unshare -U true 2>&1 && echo yes)" != yes ]; then
	skip "unprivileged user namespaces are disabled on this host"
else
	esc_attack "$alice" '
		m=$HOME/m
		echo "umount_proc=$(unshare -Urm $P umount /proc)"
		echo "umount_cgroup=$(unshare -Urm $P umount /sys/fs/cgroup)"
		echo "mount_proc=$(unshare -Urm $P mount proc $m)"
		echo "nested_proc=$(unshare -Urpf --mount-proc sh -c "cd /proc && echo [0-9]*")"
		# Namespaces of the initial user namespace, opened before unshare:
		# the mount namespace of the session, and the network one it shares with the host.
		exec 7</proc/self/ns/mnt 8</proc/self/ns/net
		echo "setns_mnt=$(unshare -Urm $P setns /proc/self/fd/7)"
		echo "setns_net=$(unshare -Urn $P setns /proc/self/fd/8)"
		echo "nested_hostname=$(unshare -Uru sh -c "hostname nested && hostname")"
		echo "hostname=$(hostname)"
		echo "pids_after=$(cd /proc && echo [0-9]*)"
	'
	is "$ESC_RC" 0 "the attacking login runs"
	is "$(esc_get umount_proc)" EINVAL "in a user namespace, /proc (over the host's) is locked: EINVAL"
	is "$(esc_get umount_cgroup)" EINVAL "in a user namespace, /sys/fs/cgroup (over the host's) is locked: EINVAL"
	is "$(esc_get mount_proc)" EPERM "in a user namespace, a procfs of the session's PID namespace: EPERM"
	is "$(esc_get nested_proc)" 1 "a procfs of a nested PID namespace shows that namespace only"
	is "$(esc_get setns_mnt)" EPERM "from a user namespace, back into the session's mount namespace: EPERM"
	is "$(esc_get setns_net)" EPERM "from a user namespace, into the host's network namespace: EPERM"
	is "$(esc_get nested_hostname)" nested "a nested UTS namespace may have a hostname of its own"
	is "$(esc_get hostname)" "$alice-box" "the session's hostname stays"
	like "$(esc_get pids_after)" '^1 [0-9]+ [0-9]+$' "the session still sees only its own processes"
fi
is "$(hostname)" "$host_name" "the host's hostname is unchanged"
check "the targets outlived every attack" -- esc_world_alive

tl_done
