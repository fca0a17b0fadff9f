#!/bin/bash
# proc_view = lxcfs through real PAM logins, against an LXCFS of the test's own
# mounted on /var/lib/lxcfs in the test's mount namespace only (where the
# helper looks first; the system's, if any, is covered, never touched):
#
# - memory_max = 300M and cpus = 1: free -m and /proc/meminfo say 300 MB,
#   /proc/cpuinfo, /sys/devices/system/cpu/online, nproc, getconf and
#   Python's os.cpu_count() say one CPU,
#   /proc/uptime is the session's age; outside, the host's files are unchanged;
# - scope = user: a second login joins the set's view;
# - LXCFS ends under a live session: a read of its files there fails at once
#   (not a hang), and the session goes on;
# - LXCFS stopped: on_error = allow lets the user in isolated, with the host's
#   /proc, and the log says why; on_error = deny refuses the login with the
#   reason and leaves no session behind.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/lxcfs.sh" || exit 99
. "$CORRAL_SRC/tests/lib/testlib.sh" || exit 99
lx_fuse_or_skip
[ -d /var/lib/lxcfs ] || skip_all "no /var/lib/lxcfs (the lxcfs package makes it)"
tl_init "$@"
trap lx_exit EXIT

tl_user alice
auid=$(id -u "$alice")
mem_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
[ -n "$mem_hier" ] || mem_hier=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)

val() { sed -n "s/^$1=//p" <<< "$2" | head -n 1; }  # val KEY TEXT: the rest of the line KEY=

# What a session sees; every read of LXCFS under the login's timeout.
cat > "$TL_WORK/inside.sh" << 'EOF'
free -m | awk '/^Mem:/ { print "free_total=" $2 }'
echo "meminfo=$(head -n 1 /proc/meminfo)"
echo "processors=$(grep -c '^processor' /proc/cpuinfo)"
echo "online=$(cat /sys/devices/system/cpu/online)"
echo "nproc=$(nproc)"
echo "getconf=$(getconf _NPROCESSORS_ONLN)"
echo "python=$(python3 -c 'import os; print(os.cpu_count())')"
echo "uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "pids=$(ps -e --no-headers | wc -l)"
EOF
chmod 0644 "$TL_WORK/inside.sh"
# Where the sessions leave their marks (the user cannot write $TL_WORK).
marks=$TL_WORK/marks
mkdir -m 0777 "$marks"

host_meminfo=$(head -n 1 /proc/meminfo)
host_online=$(cat /sys/devices/system/cpu/online)

lx_start /var/lib/lxcfs
ok $? "lxcfs started on /var/lib/lxcfs (the test's namespace only)" ||
	{ diag "$(cat "$TL_WORK/lxcfs.log")"; exit 1; }

# --- the view ------------------------------------------------------------------------
tl_conf '[defaults]' 'proc_view = lxcfs' 'memory_max = 300M' 'cpus = 1'
out=$(tl_login_t 60 "$alice" -- sh "$TL_WORK/inside.sh" 2>&1)
is $? 0 "a login with proc_view = lxcfs" || diag "$out"
free_total=$(val free_total "$out")
[ -n "$free_total" ] && [ "$free_total" -ge 285 ] && [ "$free_total" -le 315 ]
ok $? "free -m in the session: total ${free_total:-nothing} MiB, memory_max's 300 (within 5%)"
mem_kb=$(val meminfo "$out" | awk '{ print $2 }')
[ -n "$mem_kb" ] && [ $((mem_kb / 1024 - free_total)) -ge -1 ] && [ $((mem_kb / 1024 - free_total)) -le 1 ]
ok $? "head -1 /proc/meminfo agrees: $(val meminfo "$out")"
is "$(val processors "$out")" 1 "/proc/cpuinfo lists the one CPU of cpus = 1"
like "$(val online "$out")" '^[0-9]+$' "/sys/devices/system/cpu/online names one CPU ($(val online "$out"))"
is "$(val nproc "$out")" 1 "nproc says 1"
is "$(val getconf "$out")" 1 "getconf _NPROCESSORS_ONLN says 1 (glibc reads cpu/online)"
is "$(val python "$out")" 1 "Python's os.cpu_count() says 1"
up=$(val uptime "$out")
awk -v u="$up" 'BEGIN { exit !(u != "" && u < 30) }'
ok $? "/proc/uptime is the session's age: ${up:-nothing} s"
is "$(head -n 1 /proc/meminfo)" "$host_meminfo" "outside, /proc/meminfo is the host's still"
is "$(cat /sys/devices/system/cpu/online)" "$host_online" "outside, cpu/online is the host's still"
like "$(grep "session opened for user '$alice'" "$TL_LOG" | tail -n 1)" "proc_view=lxcfs" \
	"the open log line says the session has LXCFS's view"

# --- scope = user: a joining login has the set's view ---------------------------------
tl_conf '[defaults]' 'proc_view = lxcfs' 'memory_max = 300M' 'scope = user'
tl_login_bg "$alice" -- sh -c "touch $marks/first-up; while [ ! -e $marks/first-go ]; do sleep 0.05; done"
first=$TL_BG
tl_wait_for 30 test -e "$marks/first-up" || bail "the first login of the set did not come up"
out=$(tl_login_t 60 "$alice" -- sh "$TL_WORK/inside.sh" 2>&1)
free_total=$(val free_total "$out")
[ -n "$free_total" ] && [ "$free_total" -ge 285 ] && [ "$free_total" -le 315 ]
ok $? "scope = user: a second login joins the set and sees 300 MiB too (${free_total:-nothing})" ||
	diag "$out"
touch "$marks/first-go"
wait "$first"

# --- LXCFS ends under a live session ---------------------------------------------------
# The session keeps the files of the LXCFS it logged in with: once that daemon
# is gone, reading them fails at once (ENOTCONN), it does not hang, and the
# rest of the session goes on.
tl_conf '[defaults]' 'proc_view = lxcfs' 'memory_max = 300M'
cat > "$TL_WORK/live.sh" << EOF
ps -o etimes=,etime=,lstart= -p \$\$ > $marks/live-ps
touch $marks/live-up
while [ ! -e $marks/live-go ]; do sleep 0.05; done
timeout 10 cat /proc/meminfo > /dev/null 2> $marks/live-err
echo \$? > $marks/live-status
ps -e --no-headers | wc -l > $marks/live-pids
EOF
chmod 0644 "$TL_WORK/live.sh"
tl_login_bg "$alice" -- sh "$TL_WORK/live.sh"
live=$TL_BG
tl_wait_for 30 test -e "$marks/live-up" || bail "the live session did not come up"
diag "ps -o etimes,etime,lstart in a session with LXCFS's /proc/uptime: $(cat "$marks/live-ps")"
# As a crash or a restart leaves it: the daemon gone, its mount still there
# (pamdrive checks that its own mount table is as it was, so no unmount yet).
kill -KILL "$LX_PID"
touch "$marks/live-go"
tl_wait_for 30 test -s "$marks/live-pids"
status=$(cat "$marks/live-status" 2> /dev/null)
[ -n "$status" ] && [ "$status" != 0 ] && [ "$status" != 124 ]
ok $? "LXCFS gone under a live session: a read of /proc/meminfo fails at once (status ${status:-none})"
like "$(cat "$marks/live-err" 2> /dev/null)" "not connected" \
	"... with ENOTCONN: $(cat "$marks/live-err" 2> /dev/null)"
pids=$(cat "$marks/live-pids" 2> /dev/null)
[ -n "$pids" ] && [ "$pids" -ge 2 ] && [ "$pids" -le 6 ]
ok $? "... and the session goes on: ps -e inside shows ${pids:-nothing} processes"
wait "$live"
is $? 0 "... and logs out cleanly"
lx_stop

# --- LXCFS stopped --------------------------------------------------------------------
lx_stop
if [ "$(lx_mount_of /var/lib/lxcfs | cut -d' ' -f1)" = fuse.lxcfs ]; then
	# The system's LXCFS shows through: cover it, in this namespace only.
	mount -t tmpfs -o mode=0755 none /var/lib/lxcfs
fi

tl_conf '[defaults]' 'proc_view = lxcfs' 'memory_max = 300M' 'on_error = allow'
out=$(tl_login_t 60 "$alice" -- sh "$TL_WORK/inside.sh" 2>&1)
is $? 0 "LXCFS stopped, on_error = allow: the login goes on" || diag "$out"
is "$(val meminfo "$out")" "$host_meminfo" "... with the host's /proc/meminfo"
pids=$(val pids "$out")
[ -n "$pids" ] && [ "$pids" -le 5 ]
ok $? "... still isolated: ps -e inside shows ${pids:-nothing} processes"
like "$(grep "user '$alice'" "$TL_LOG" | tail -n 3)" \
	"proc_view = lxcfs: LXCFS is not running \(no fuse.lxcfs mount.*\); user '$alice' sees the host's /proc \(on_error = allow\)" \
	"... and the log says why"
unlike "$(grep "session opened for user '$alice'" "$TL_LOG" | tail -n 1)" "proc_view=lxcfs" \
	"... and its open line does not claim LXCFS's view"

tl_conf '[defaults]' 'proc_view = lxcfs' 'memory_max = 300M' 'on_error = deny'
out=$(tl_login_t 60 "$alice" -- true 2>&1)
is $? 100 "LXCFS stopped, on_error = deny: the login is refused"
like "$(tail -n 3 "$TL_LOG")" \
	"Failed to open a session for user '$alice': proc_view = lxcfs: LXCFS is not running" \
	"... and the log says why"
is "$(tl_sessions_of "$auid")" 0 "... leaving no session state"
check "... and no cgroup of the user's" -- tl_wait_for 3 test ! -e "$mem_hier/$TL_CGROUP_ROOT/$auid"
tl_done
