# shellcheck shell=bash
# An LXCFS of the test's own, for the proc_view tests. Source it before
# testlib.sh (lx_fuse_or_skip must run before tl_init re-runs the test in its
# namespace), then, after tl_init:
#
#   lx_fuse_or_skip        # skip_all unless lxcfs and FUSE are here
#   lx_start DIR           # lxcfs -l on DIR, mounted in the test's namespace only
#   lx_stop                # unmount (lazily) and end it, by pid
#   trap lx_exit EXIT      # lx_stop, then testlib's cleanup
#
# LX_PID is the daemon's pid while it runs. A read of a stopped FUSE daemon
# hangs, so it is unmounted before it is killed, and callers read its files
# under a timeout.

LX_PID=
LX_DIR=

# In the cgroup v2 VM the fuse module is not loaded at boot (the guest has the
# host's modules); on the host a module is never loaded for a test.
if [ "${CORRAL_VM:-}" = 1 ] && [ "$(id -u)" -eq 0 ] && ! grep -qw fuse /proc/filesystems; then
	modprobe fuse 2> /dev/null
fi

lx_fuse_or_skip() {
	command -v lxcfs > /dev/null || skip_all "lxcfs is not installed (apt-get install lxcfs)"
	grep -qw fuse /proc/filesystems ||
		skip_all "this kernel has no FUSE (no fuse in /proc/filesystems${CORRAL_VM:+, and modprobe fuse failed in the VM}): LXCFS cannot run"
	[ -c /dev/fuse ] || skip_all "no /dev/fuse: LXCFS cannot run"
}

# FSTYPE SUPER of the mount on $1 in mountinfo $2 (the last one: the top).
lx_mount_of() {
	awk -v p="$1" '$5 == p { for (i = 7; i <= NF; i++) if ($i == "-") { m = $(i + 1) " " $(i + 3); break } }
		END { if (m != "") print m }' "${2:-/proc/self/mountinfo}"
}

# shellcheck disable=SC2317 # run by tl_wait_for
lx_up() { [ "$(lx_mount_of "$LX_DIR" | cut -d' ' -f1)" = fuse.lxcfs ]; }

lx_start() {
	LX_DIR=$1
	mkdir -p "$LX_DIR"
	# -l: /proc/loadavg of the reader's cgroup (without it, the host's). The pid
	# file is the test's: the default, /run/lxcfs.pid, would be the system's.
	lxcfs -f -l -p "$TL_WORK/lxcfs.pid" "$LX_DIR" > "$TL_WORK/lxcfs.log" 2>&1 &
	LX_PID=$!
	TL_PIDS+=("$LX_PID")
	tl_wait_for 10 lx_up
}

lx_stop() {
	[ -n "$LX_PID" ] || return 0
	umount -l "$LX_DIR" 2> /dev/null
	kill -TERM "$LX_PID" 2> /dev/null
	for _ in $(seq 50); do
		kill -0 "$LX_PID" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL "$LX_PID" 2> /dev/null
	wait "$LX_PID" 2> /dev/null
	LX_PID=
	return 0
}

# The EXIT trap: LXCFS goes before testlib's cleanup, which kills what is left by pid.
# shellcheck disable=SC2317 # run by the EXIT trap
lx_exit() {
	local status=$?
	lx_stop
	(exit "$status")
	tl_cleanup
}
