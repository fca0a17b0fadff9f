#!/bin/bash
# Limits are real: a memory hog is OOM-killed inside its own cgroup while
# another user's session runs on, a fork bomb stops at pids_max, a CPU hog
# gets its cpu_max share, two sessions of one user share one limit,
# max_sessions refuses one more login with a message, a limit the host
# cannot express refuses the login, and many logins leave no cgroup behind.
# Every hog is bounded (tests/lib/hog.c) and runs under a timeout.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
hog=$CORRAL_BUILD/tests/lib/hog
auid=$(id -u "$alice")
mem_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
[ -n "$mem_hier" ] || mem_hier=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
runs() { pgrep -u "$1" -x "$2" >/dev/null; }
# Nothing of alice's is left under the test's root. Bob's application is killed
# below: his abandoned session's cgroup is collected at his next login or by the
# collection of every user's leftovers at most once a minute (test-lifecycle.sh).
cg_gone() { [ ! -e "$mem_hier/$TL_CGROUP_ROOT/$auid" ]; }
version=2
awk '$9 == "cgroup" { f = 1 } END { exit !f }' /proc/self/mountinfo && version=1

# --- memory -------------------------------------------------------------------
tl_conf '[defaults]' 'memory_max = 64M' 'memory_swap_max = 0'
tl_login_bg "$bob" -- sleep 300
bob_app=$TL_BG
tl_wait_for 5 pgrep -u "$bob" -x sleep >/dev/null
out=$(tl_login_t 60 "$alice" -- sh -c "$hog mem 128; echo hog-exit=\$?" 2>&1)
like "$out" 'hog-exit=137' "a memory hog past memory_max = 64M is killed (SIGKILL)"
unlike "$out" 'allocated 128' "the hog never gets its 128M"
like "$(tail -n 5 "$TL_LOG")" "session closed for user '$alice' .* oom_kills=[1-9]" \
	"the OOM kill shows in corral's close log line"
check "another user's session keeps running" -- kill -0 "$bob_app"
check "... and its processes too" -- runs "$bob" sleep
kill -TERM "$bob_app"
wait "$bob_app" 2>/dev/null

# --- accounting at logout ---------------------------------------------------------
# The close line says what the session used: 1 s of CPU and 32M held at once.
tl_conf '[defaults]'
out=$(tl_login_t 60 "$alice" -- sh -c "$hog cpu 1 && $hog mem 32" 2>&1)
is $? 0 "a session burns 1 s of CPU and holds 32M" || diag "$out"
line=$(grep "session closed for user '$alice'" "$TL_LOG" | tail -n 1)
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$line"; }
like "$line" ' duration_s=[0-9]+ ' "the close line carries the session's duration"
cpu=$(field cpu_s) peak=$(field memory_peak_bytes)
# CPU time comes from v2's cpu.stat or v1's cpuacct, where it shares the cpu
# hierarchy (as distributions mount it); a host with cpuacct apart has none.
cpu_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)cpu(,|$)/ { print $NF; exit }' /proc/self/mountinfo)
if [ "$version" = 2 ] || [[ $cpu_hier =~ (^|,)cpuacct(,|$) ]]; then
	awk -v c="${cpu:-0}" 'BEGIN { exit !(c >= 0.8 && c < 30) }'
	ok $? "... its CPU time (cpu_s=$cpu, 1 s burnt)"
else
	unlike "$line" ' cpu_s=' "... no CPU time where cpuacct is not mounted with cpu ($cpu_hier)"
fi
[ "${peak:-0}" -ge $((32 << 20)) ] && [ "${peak:-0}" -lt $((1 << 30)) ]
ok $? "... its peak memory (memory_peak_bytes=$peak, 32M held)"
like "$line" ' oom_kills=0( |$)' "... and no OOM kill"

# --- pids -------------------------------------------------------------------------
tl_conf '[defaults]' 'pids_max = 20'
out=$(tl_login_t 60 "$alice" -- sh -c "$hog fork 200" 2>&1)
rc=$?
forked=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
[ -n "$forked" ] && [ "$forked" -lt 20 ]
ok $? "a fork bomb stops below pids_max = 20 (forked ${forked:-nothing})"
is "$rc" 0 "the session still ends normally"

# --- cpu --------------------------------------------------------------------------
tl_conf '[defaults]' 'cpu_max = 50%'
out=$(tl_login_t 60 "$alice" -- "$hog" cpu 3 2>&1)
pct=$(printf '%s\n' "$out" | sed -n 's/^cpu //p')
[ -n "$pct" ] && [ "$pct" -ge 40 ] && [ "$pct" -le 60 ]
ok $? "a CPU hog under cpu_max = 50% gets 40-60% of a CPU (got ${pct:-nothing}%)"

work=$TL_WORK/cpu
mkdir -m 0777 "$work"
# Both hogs start together once both sessions are up: a login can take a second
# on a loaded (or emulated) machine, and a hog that spins alone meanwhile gets
# the whole 50% to itself, which would inflate the sum.
hogs=()
for s in a b; do
	tl_login_bg "$alice" -- sh -c "touch $work/$s.up; while [ ! -e $work/hogs-go ]; do sleep 0.01; done; $hog cpu 3 > $work/$s"
	hogs+=("$TL_BG")
done
tl_wait_for 60 test -e "$work/a.up" -a -e "$work/b.up"
touch "$work/hogs-go"
wait "${hogs[@]}"
sum=$(( $(sed -n 's/^cpu //p' "$work/a") + $(sed -n 's/^cpu //p' "$work/b") ))
[ "$sum" -ge 40 ] && [ "$sum" -le 60 ]
ok $? "two sessions of one user share cpu_max = 50% (together ${sum}%)"

# --- max_sessions --------------------------------------------------------------------
tl_conf '[defaults]' 'max_sessions = 2'
tl_login_bg "$alice" -- sh -c "touch $work/s1; while [ ! -e $work/go ]; do sleep 0.05; done"
s1=$TL_BG
tl_login_bg "$alice" -- sh -c "touch $work/s2; while [ ! -e $work/go ]; do sleep 0.05; done"
s2=$TL_BG
tl_wait_for 10 test -e "$work/s1" -a -e "$work/s2"
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "max_sessions = 2: a third login is refused"
like "$out" "pamdrive: pam: You already have 2 sessions open, and 2 is the most allowed" \
	"max_sessions: the user is told why"
touch "$work/go"
wait "$s1" "$s2"
out=$(tl_login "$alice" -- true 2>&1)
is $? 0 "max_sessions: after a logout the next login works"

# --- io_max ---------------------------------------------------------------------------
# A directory on a real disk: alice's home on the host; in the VM (9p root) the
# blank scratch disk, formatted and mounted in this test's mount namespace.
io_dir=$(getent passwd "$alice" | cut -d: -f6)/io
if [ "${CORRAL_VM:-}" = 1 ]; then
	mkfs.ext4 -q -F /dev/vda && mkdir -p "$TL_WORK/disk" && mount /dev/vda "$TL_WORK/disk" ||
		bail "cannot use the VM's scratch disk"
	io_dir=$TL_WORK/disk/io
fi
mkdir -p "$io_dir" && chown "$alice" "$io_dir"
io_dev=$(stat -c '%d' "$io_dir")
[ $((io_dev >> 8)) -ne 0 ] || bail "$io_dir is not on a block device: io_max cannot be tested here"
# rate SPEC: dd's bytes per second for 8M of direct I/O in the session ("" if dd failed).
dd_rate() {
	tl_login_t 60 "$alice" -- sh -c "dd $1 bs=1M count=8 2>&1" |
		awk '/bytes/ && / s,/ { for (i = 1; i <= NF; i++) if ($i == "s,") { printf "%d", $1 / $(i - 1) } }'
}
tl_conf '[defaults]'
free=$(dd_rate "if=/dev/zero of=$io_dir/f oflag=direct")
[ -n "$free" ] && [ "$free" -gt $((8 << 20)) ]
ok $? "without io_max, a direct write runs faster than 8M/s (${free:-?} B/s): the disk can show a cap"
tl_conf '[defaults]' "io_max = $io_dir wbps=2M rbps=3M"
wrate=$(dd_rate "if=/dev/zero of=$io_dir/f oflag=direct")
[ -n "$wrate" ] && [ "$wrate" -le $((3 << 20)) ]
ok $? "io_max wbps=2M caps a direct write (${wrate:-?} B/s)"
rrate=$(dd_rate "if=$io_dir/f of=/dev/null iflag=direct")
[ -n "$rrate" ] && [ "$rrate" -le $((9 << 19)) ]
ok $? "io_max rbps=3M caps a direct read (${rrate:-?} B/s)"
tl_conf '[defaults]' "io_max = /nonexistent wbps=2M"
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "io_max on a missing path refuses the login (on_error = deny)"
like "$(tail -n 3 "$TL_LOG")" "io_max: /nonexistent: No such file or directory" "the log says why"
tl_conf '[defaults]' 'io_max = /run wbps=2M'
out=$(tl_login "$alice" -- true 2>&1)
like "$(tail -n 3 "$TL_LOG")" "io_max: /run is on a filesystem with no block device" \
	"io_max on a tmpfs path is refused with the reason"
rm -rf "$io_dir"

# --- a limit the host cannot express ----------------------------------------------------
if [ "$version" = 1 ]; then
	tl_conf '[defaults]' 'memory_high = 64M'
	tl_login "$alice" -- true >/dev/null 2>&1
	is $? 100 "memory_high on a cgroup v1 host refuses the login (on_error = deny)"
	like "$(tail -n 3 "$TL_LOG")" "memory_high: needs cgroup v2" "the log says why"
else
	tl_conf '[defaults]' 'memory_high = 64M' 'memory_max = 128M'
	tl_login_bg "$alice" -- sh -c "touch $work/high; while [ ! -e $work/high-go ]; do sleep 0.05; done"
	high=$TL_BG
	check "memory_high on a cgroup v2 host is accepted" -- tl_wait_for 10 test -e "$work/high"
	is "$(cat "$mem_hier/$TL_CGROUP_ROOT/$auid/memory.high" 2>&1)" $((64 << 20)) \
		"... and is the user's memory.high"
	touch "$work/high-go"
	wait "$high"
fi
check "a refused login leaves no session cgroup" -- tl_wait_for 3 cg_gone

# --- live changes: corralctl list and apply -------------------------------------------
corralctl=$CORRAL_BUILD/tools/corralctl
limit_file=memory.max
[ "$version" = 1 ] && limit_file=memory.limit_in_bytes
tl_conf '[defaults]' 'memory_max = 64M'
tl_login_bg "$alice" -- sh -c "touch $work/live; while [ ! -e $work/live-go ]; do sleep 0.05; done"
live=$TL_BG
tl_wait_for 10 test -e "$work/live"
is "$(cat "$mem_hier/$TL_CGROUP_ROOT/$auid/$limit_file")" $((64 << 20)) "the user's cgroup has memory_max = 64M"
like "$("$corralctl" list)" "^$alice +$auid +[0-9a-f]{16} +[0-9]+ .* $TL_SERVICE .* [0-9.]+[KMG]?B?/64\.0M +[0-9]+/(max|[0-9]+) .* host " \
	"corralctl list shows the live session, its memory against the user's 64M and its network"
# --json: one object per session, its figures those of the session's cgroups.
json=$("$corralctl" list --json)
py_field() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[0][sys.argv[1]] if len(d) == 1 else "rows=%d" % len(d))' "$1" <<< "$json"; }
sid=$(py_field session)
is "$(py_field user):$(py_field uid):$(py_field network)" "$alice:$auid:host" \
	"list --json parses, with one session: user, uid, network" || diag "$json"
is "$(py_field memory_max_bytes)" $((64 << 20)) "... memory_max_bytes is the user's cgroup's"
pids_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)pids(,|$)/ { print $5; exit }' /proc/self/mountinfo)
[ -n "$pids_hier" ] || pids_hier=$mem_hier
want=$(cat "$pids_hier/$TL_CGROUP_ROOT/$auid/$sid/pids.current" 2>/dev/null)
got=$(py_field pids)
[ -n "$want" ] && [ "$got" -ge 1 ] && [ "$got" -le $((want + 2)) ] && [ "$got" -ge $((want - 2)) ]
ok $? "... pids is the session cgroup's pids.current ($got, the file says $want)"
mem=$(py_field memory_bytes)
[ "${mem:-0}" -gt 0 ] 2>/dev/null
ok $? "... memory_bytes is the session's memory in use ($mem)"
tl_conf '[defaults]' 'memory_max = 96M'
out=$("$corralctl" apply --config "$TL_CONF" 2>&1)
is "$?:$out" "0:applied the current limits to $alice (uid $auid)" "corralctl apply updates the live user"
is "$(cat "$mem_hier/$TL_CGROUP_ROOT/$auid/$limit_file")" $((96 << 20)) "... and the new memory_max is in force"
setpriv --reuid="$bob" --regid="$(id -g "$bob")" --init-groups -- sleep 30 &
stray=$!
TL_PIDS+=("$stray")
tl_wait_for 5 grep -qx sleep "/proc/$stray/comm"
out=$("$corralctl" strays --config "$TL_CONF" "$alice" "$bob")
rc=$?
is "$rc" 1 "corralctl strays exits 1 when it finds a process outside corral"
like "$out" "^$stray +$bob +sleep$" "it lists bob's process started outside any session"
unlike "$out" " $alice " "it does not list alice's processes inside her session" ||
	for p in $(printf '%s\n' "$out" | awk -v u="$alice" '$2 == u { print $1 }'); do
		diag "$p: $(tr '\n' ' ' < "/proc/$p/cgroup" 2>&1) ppid $(awk '/^PPid/ { print $2 }' "/proc/$p/status" 2>&1)"
	done
kill "$stray"
touch "$work/live-go"
wait "$live"
out=$("$corralctl" strays --config "$TL_CONF" "$alice" "$bob")
is "$?" 0 "with nothing outside, corralctl strays exits 0"

# --- many logins -------------------------------------------------------------------------
tl_conf '[defaults]' 'memory_max = 256M' 'pids_max = 100' 'cpu_max = 200%'
# 500 on the host; 100 in the emulated (TCG) guest, where a login takes half a
# second and 500 of them would take most of the test's time budget.
rounds=500
[ -n "${CORRAL_VM:-}" ] && rounds=100
fails=0
for i in $(seq 1 "$rounds"); do
	tl_login "$alice" -- true >/dev/null 2>&1 || fails=$((fails + 1))
done
is "$fails" 0 "$rounds logins and logouts in a row all succeed"
check "... and leave no session or user cgroup behind" -- tl_wait_for 3 cg_gone
is "$(tl_sessions_of "$auid")" 0 "... and no session state"

tl_done
