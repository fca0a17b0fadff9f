#!/bin/bash
# corralctl acting on live sessions: show lists a session's figures and
# processes, enter lands in its PID namespace and cgroup, limits changes a
# logged-in user's cgroup at once (and nothing on a bad value), end ends
# sessions as a logout does, and a session whose init is gone (killed, or
# left by a helper killed in the middle of an open) is stale: never listed,
# never acted on, its state removed.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
ctl=$CORRAL_BUILD/tools/corralctl
auid=$(id -u "$alice")
work=$TL_WORK/ctl
mkdir -m 0777 "$work"
hier() { # the mount point of the v1 hierarchy of controller $1, else the v2 one
	local h
	h=$(awk -v c="$1" '$9 == "cgroup" && $NF ~ "(^|,)" c "(,|$)" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$h" ] || h=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	echo "$h"
}
mem_hier=$(hier memory)
pids_hier=$(hier pids)
version=2
awk '$9 == "cgroup" { f = 1 } END { exit !f }' /proc/self/mountinfo && version=1
mem_file=memory.max
[ "$version" = 1 ] && mem_file=memory.limit_in_bytes
user_cg() { echo "$1/$TL_CGROUP_ROOT/$auid"; }
as_bob() { setpriv --reuid="$bob" --regid="$(id -g "$bob")" --init-groups -- "$@"; }

# hold NAME: a session of alice running sh and a sleep (until corralctl end);
# its pamdrive's pid in TL_BG, its id in SID.
hold() {
	tl_login_bg "$alice" -- sh -c "sleep 300 & touch $work/$1; wait"
	tl_wait_for 10 test -e "$work/$1" || bail "session $1 did not start"
	SID=$(tl_opened session "$alice")
}
ns_of() { readlink "/proc/$1/ns/pid"; }
init_of() { sed -n 's/^init_pid=//p' "/run/corral/sessions/$auid/$1"; }

tl_conf '[defaults]' 'memory_max = 64M' 'pids_max = 50'
hold one
app1=$TL_BG sid1=$SID
init1=$(init_of "$sid1")
[ -n "$init1" ] || bail "no state for session $sid1"

# --- show ------------------------------------------------------------------------------
out=$("$ctl" show "$sid1" 2>&1)
is "$?" 0 "show SESSION succeeds"
like "$out" "^session $sid1$" "... names the session"
like "$out" "user: +$alice \\(uid $auid\\)" "... its user"
like "$out" "service: +$TL_SERVICE" "... its PAM service"
like "$out" "init: +pid $init1, PID namespace [0-9]+" "... its init"
like "$out" "memory: +[0-9]+ bytes of $((64 << 20)) \\(the user's cap\\)" "... its memory against the user's 64M"
like "$out" "pids: +[0-9]+ of 50 \\(the user's cap\\)" "... its pids against pids_max = 50"
like "$out" "memory_max 64M" "... the limits in force"
sleep_pid=$(for p in $(pgrep -u "$alice" -x sleep); do [ "$(ns_of "$p")" = "$(ns_of "$init1")" ] && echo "$p"; done | head -n 1)
sleep_spid=$(awk '/^NSpid:/ { print $NF }' "/proc/$sleep_pid/status" 2>/dev/null)
like "$out" "^ +$sleep_pid +$sleep_spid +$alice +sleep 300$" \
	"... its processes, with host pid and pid in the session (the sleep: $sleep_pid, $sleep_spid)"
like "$out" "^ +$app1 +- +root .*\\(PAM application, outside the session\\)$" \
	"... and the PAM application waiting in its cgroup outside its PID namespace"
out=$("$ctl" show "$alice" 2>&1)
like "$?:$out" "^0:user $alice \\(uid $auid\\)" "show USER shows the user"
like "$out" "^session $sid1$" "... and the user's session"
out=$("$ctl" show ffffffffffffffff 2>&1)
is "$?:$out" "1:corralctl: No live session 'ffffffffffffffff' (see 'corralctl list')" \
	"show of an unknown session fails, naming it"
out=$("$ctl" show "$bob" 2>&1)
is "$?:$out" "1:corralctl: user '$bob' has no live session" "show of a user without sessions says so"
out=$(as_bob "$ctl" show "$sid1" 2>&1)
like "$?:$out" "^1:corralctl: show needs root" "show refuses a non-root caller"

# --- enter -----------------------------------------------------------------------------
is "$("$ctl" enter "$sid1" readlink /proc/self/ns/pid 2>&1)" "$(ns_of "$init1")" \
	"enter runs the command in the session's PID namespace"
# Its ps lists what the session's own processes see: the init, the session's
# processes (numbered as inside) and nothing of the host's.
session_pids() { # the pids inside session $1 (init $2) as its own ps numbers them
	local p
	echo 1
	for p in $(cat "$(user_cg "$pids_hier")/$1/cgroup.procs"); do
		[ "$(ns_of "$p")" = "$(ns_of "$2")" ] && awk '/^NSpid:/ { print $NF }' "/proc/$p/status"
	done
}
want=$(session_pids "$sid1" "$init1" | sort -n | tr '\n' ' ')
got=$("$ctl" enter "$sid1" ps -e -o pid=,comm= 2>&1 | awk '$2 != "ps" { print $1 }' | sort -n | tr '\n' ' ')
is "$got" "$want" "enter's ps shows the session's processes and only those"
"$ctl" enter "$sid1" sleep 30 &
ctl_pid=$!
TL_PIDS+=("$ctl_pid")
# corralctl, then the process that joined the PID namespace, then the command.
inner_of() { local m; m=$(pgrep -P "$ctl_pid") && pgrep -P "$m" -x sleep; }
tl_wait_for 5 inner_of >/dev/null
inner=$(inner_of)
like "$(cat "/proc/$inner/cgroup" 2>&1)" "/$TL_CGROUP_ROOT/$auid/$sid1$" \
	"... in the session's cgroup"
is "$(ns_of "$inner")" "$(ns_of "$init1")" "... and its host pid ($inner) is in the session's PID namespace"
unlike "$(ns_of "$ctl_pid")" "^$(ns_of "$init1")$" "... while corralctl itself waits outside"
kill "$inner"
wait "$ctl_pid"
is "$?" $((128 + 15)) "enter's status is the command's: killed by SIGTERM, 143"
"$ctl" enter "$sid1" -- sh -c 'exit 7'
is "$?" 7 "enter passes the command's exit status on"
is "$("$ctl" enter "$sid1" sh -c 'echo $CORRAL_SESSION')" "$sid1" "... and sets CORRAL_SESSION"
out=$(as_bob "$ctl" enter "$sid1" true 2>&1)
like "$?:$out" "^1:corralctl: enter needs root" "enter refuses a non-root caller"
out=$("$ctl" enter 0123 true 2>&1)
like "$?:$out" "^1:corralctl: '0123' is not a session id" "enter of a malformed id fails, naming it"

# --- limits ----------------------------------------------------------------------------
out=$("$ctl" limits "$alice" memory_max=96M pids_max=40 2>&1)
like "$?:$out" "^0:set the limits of $alice \\(uid $auid\\) over its 1 live session" \
	"limits USER KEY=VALUE succeeds on a logged-in user"
is "$(cat "$(user_cg "$mem_hier")/$mem_file")" $((96 << 20)) "... memory_max = 96M is in the user's cgroup now"
is "$(cat "$(user_cg "$pids_hier")/pids.max")" 40 "... and pids_max = 40"
out=$("$ctl" show "$sid1")
like "$out" "memory_max 96M" "... the session records the new limits (show, status)"
like "$out" "pids: +[0-9]+ of 40 " "... and show measures against them"
tl_log_has "limits of user '$alice' \\(uid $auid\\) changed by uid 0: memory_max=96M"
ok $? "... and the change is logged"
for bad in "memory_max=5q:memory_max: '5q' is not" "memory_mx=1G:memory_mx: unknown key \\(did you mean 'memory_max'\\?\\)" \
	"kill_on_logout=no:kill_on_logout is not a cgroup limit" "pids_max:'pids_max' is not KEY=VALUE"; do
	out=$("$ctl" limits "$alice" pids_max=30 "${bad%%:*}" 2>&1)
	like "$?:$out" "^1:corralctl: ${bad#*:}" "limits refuses ${bad%%:*}, naming it"
done
is "$(cat "$(user_cg "$pids_hier")/pids.max"):$(cat "$(user_cg "$mem_hier")/$mem_file")" "40:$((96 << 20))" \
	"... and changes nothing, not even the good value beside the bad one"
out=$("$ctl" limits "$bob" pids_max=10 2>&1)
like "$?:$out" "^1:corralctl: user '$bob' has no live session" "limits of a user without a session says so"

# --- end -------------------------------------------------------------------------------
hold two
app2=$TL_BG sid2=$SID
out=$("$ctl" end "$sid1" 2>&1)
like "$?:$out" "^0:ended session $sid1 of user $alice \\(uid $auid\\): duration_s=" "end SESSION succeeds"
check "... its processes are gone" -- tl_wait_for 5 sh -c "! kill -0 $sleep_pid 2>/dev/null"
check "... its PAM application sees its child end and exits by itself" -- tl_wait_for 10 sh -c "! kill -0 $app1 2>/dev/null"
wait "$app1"
unlike "$?" '^137$' "... not killed"
check "... its state is gone" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid/$sid1"
check "... and its cgroups" -- tl_wait_for 5 test ! -e "$(user_cg "$mem_hier")/$sid1" -a ! -e "$(user_cg "$pids_hier")/$sid1"
like "$(grep "session ended by corralctl" "$TL_LOG")" "for user '$alice' \\(uid $auid\\) .*session=$sid1 .*duration_s=[0-9]+" \
	"... and the end is logged with its accounting"
like "$("$ctl" list)" " $sid2 " "the user's other session lives on"
# A session left running after its application is gone (kill_on_logout = no).
tl_conf '[defaults]' 'kill_on_logout = no'
tl_login "$alice" -- sh -c "sleep 300 >/dev/null 2>&1 &"
sid3=$(tl_opened session "$alice")
like "$("$ctl" list)" " $sid3 " "a session whose application has gone lingers (kill_on_logout = no)"
out=$("$ctl" end --user "$alice" 2>&1)
is "$?" 0 "end --user ends every session of the user"
like "$out" "ended session $sid2 " "... the held one"
like "$out" "ended session $sid3 " "... and the lingering one"
check "... after which alice has no process" -- tl_wait_for 10 sh -c "! pgrep -u $alice >/dev/null"
wait "$app2"
check "... no cgroup" -- tl_wait_for 10 test ! -e "$(user_cg "$mem_hier")"
is "$(tl_sessions_of "$auid")" 0 "... and no session state"
out=$("$ctl" end "$sid2" 2>&1)
is "$?:$out" "1:corralctl: No live session '$sid2' (see 'corralctl list')" "end of an ended session fails, naming it"
out=$(as_bob "$ctl" end --user "$alice" 2>&1)
like "$?:$out" "^1:corralctl: end needs root" "end refuses a non-root caller"

# --- stale state -----------------------------------------------------------------------
# An init killed outright (by root, or the OOM killer) leaves its state file.
tl_conf '[defaults]'
hold three
app3=$TL_BG sid3=$SID
init3=$(init_of "$sid3")
kill -KILL "$init3"
tl_wait_for 5 sh -c "! kill -0 $init3 2>/dev/null || grep -q '^State:.*Z' /proc/$init3/status"
out=$("$ctl" list)
unlike "$out" " $sid3 " "list does not show a session whose init was killed"
is "$(tl_sessions_of "$auid")" 0 "... and removes its stale state"
out=$("$ctl" end "$sid3" 2>&1)
is "$?:$out" "1:corralctl: No live session '$sid3' (see 'corralctl list')" "end does not act on it"
wait "$app3"
# A helper SIGKILLed in the middle of an open, right after it wrote the
# session's state (strace kills it as it enters symlinkat(), the state's
# index entry): the login is refused, and the half-made session ends.
if command -v strace >/dev/null; then
	out=$(timeout 60 strace -f -qq -o /dev/null -e trace=symlinkat -e inject=symlinkat:signal=KILL \
		"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$alice" -- true 2>&1)
	like "$?:$out" "^[1-9]" "a login whose helper was SIGKILLed mid-open is refused" || diag "$out"
	check "... the half-made session ends: no state" -- tl_wait_for 10 sh -c "[ \$(ls /run/corral/sessions/$auid 2>/dev/null | wc -l) = 0 ]"
	unlike "$("$ctl" list)" " $alice " "... not listed"
	check "... no process of alice's" -- tl_wait_for 10 sh -c "! pgrep -u $alice >/dev/null"
	check "... and no cgroup" -- tl_wait_for 10 test ! -e "$(user_cg "$mem_hier")"
else
	skip "strace is not installed"
fi
tl_done
