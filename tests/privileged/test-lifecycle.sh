#!/bin/bash
# How a session ends: at logout every process is ended (SIGTERM first, SIGKILL
# after kill_grace); with kill_on_logout = no the session outlives the logout
# until its last process exits; an application that dies without closing the
# session still gets it cleaned up. Each case checks nothing is left behind.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
buid=$(id -u "$bob")
ahome=$(getent passwd "$alice" | cut -d: -f6)
bhome=$(getent passwd "$bob" | cut -d: -f6)
tl_conf '[defaults]' 'kill_grace = 1s' "[user:$bob]" 'kill_on_logout = no'

no_procs_of() { ! pgrep -u "$1" >/dev/null; }
runs() { pgrep -u "$1" -x "$2" >/dev/null; }
no_state_of() { [ ! -e "/run/corral/sessions/$1" ]; }
init_of() { # the init pid the helper logged for the last session of user $1
	sed -n "s/.*session opened for user '$1' .* init=\([0-9]*\).*/\1/p" "$TL_LOG" | tail -n1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
cgroup_left() { # cgroup_left PATH: PATH (UID or UID/SESSION) is under the test's root somewhere
	local root
	for root in $(tl_cgroup_roots); do
		[ -d "$root/$1" ] && return 0
	done
	return 1
}

# --- kill at logout ------------------------------------------------------------
tl_login "$alice" -- /bin/sh -c '
	setsid sh -c "trap \"\" TERM HUP; exec sleep 1000" </dev/null >/dev/null 2>&1 &
	sh -c "trap \"echo got-term > \$HOME/term; exit 0\" TERM; while :; do sleep 0.1; done" \
		</dev/null >/dev/null 2>&1 &
	nohup sleep 1000 </dev/null >/dev/null 2>&1 &
	sleep 0.3'
is $? 0 "a login that leaves background jobs behind logs out cleanly"
init=$(init_of "$alice")
check "no process of the user is left after logout (TERM-proof and setsid jobs included)" -- \
	tl_wait_for 3 no_procs_of "$alice"
is "$(cat "$ahome/term" 2>/dev/null)" got-term "a job that handles SIGTERM gets SIGTERM first"
check "the session init is gone" -- tl_wait_for 3 gone "$init"
check "the session state is gone" -- no_state_of "$auid"

# --- kill_on_logout = no ---------------------------------------------------------
tl_login "$bob" -- /bin/sh -c '
	sh -c "sleep 1.5; echo finished > \$HOME/bg" </dev/null >/dev/null 2>&1 &
	exit 0'
is $? 0 "kill_on_logout = no: the login logs out"
init=$(init_of "$bob")
check "kill_on_logout = no: the background job outlives the logout" -- runs "$bob" sleep
check "kill_on_logout = no: the session init stays while the job runs" -- kill -0 "$init"
is "$(tl_sessions_of "$buid")" 1 "kill_on_logout = no: the session stays recorded"
check "kill_on_logout = no: the job runs to its end" -- \
	tl_wait_for 5 test -e "$bhome/bg"
check "kill_on_logout = no: the init exits after the last process" -- tl_wait_for 3 gone "$init"
check "kill_on_logout = no: the init removes the session state" -- no_state_of "$buid"
like "$(cat "$TL_LOG")" "corral-init.*session [0-9a-f]{16} ended" "the init logs the end of the session"

# --- the application never calls close_session ----------------------------------
tl_login "$bob" --no-close -- /bin/sh -c '
	sh -c "sleep 1; echo finished > \$HOME/abandoned" </dev/null >/dev/null 2>&1 &
	exit 0'
is $? 0 "an application that exits without closing the session"
init=$(init_of "$bob")
check "abandoned, kill_on_logout = no: the session lives on while it has processes" -- \
	kill -0 "$init"
check "abandoned, kill_on_logout = no: the job runs to its end" -- \
	tl_wait_for 5 test -e "$bhome/abandoned"
check "abandoned, kill_on_logout = no: the init exits after the last process" -- \
	tl_wait_for 3 gone "$init"
check "abandoned, kill_on_logout = no: the state is removed" -- no_state_of "$buid"

tl_login "$alice" --no-close -- /bin/sh -c '
	nohup sleep 1000 </dev/null >/dev/null 2>&1 &
	exit 0'
is $? 0 "an application that exits without closing a kill_on_logout session"
init=$(init_of "$alice")
check "abandoned, kill_on_logout = yes: every process of the session ends" -- \
	tl_wait_for 3 no_procs_of "$alice"
check "abandoned, kill_on_logout = yes: the init is gone" -- tl_wait_for 3 gone "$init"
check "abandoned, kill_on_logout = yes: the state is removed" -- \
	tl_wait_for 3 no_state_of "$auid"

# --- leftover cgroups --------------------------------------------------------------
# The abandoned session's processes died only after its init, which therefore
# could not remove the session cgroup: opens collect it. Each open collects its
# own user's leftovers; everyone's only when the last such collection (the mtime
# of the session lock) is a minute old, so a login costs the same however many
# sessions other users have.
sid=$(tl_opened session "$alice")
check "abandoned, kill_on_logout = yes: its session cgroup is left behind" -- \
	cgroup_left "$auid/$sid"
touch /run/corral/sessions/.lock
tl_login "$bob" -- true
is $? 0 "another user logs in"
check "within a minute of the last collection of everyone's, another user's login leaves it" -- \
	cgroup_left "$auid/$sid"
touch -d '-61 seconds' /run/corral/sessions/.lock
tl_login "$bob" -- true
is $? 0 "another user logs in a minute after the last collection of everyone's"
check "... and that login collects the leftover, and the user's cgroup with it" -- \
	tl_wait_for 3 eval '! cgroup_left "$auid"'

# --- the application is killed while the session runs ----------------------------
tl_login_bg "$alice" -- /bin/sh -c 'exec sleep 1000'
app=$TL_BG
tl_wait_for 5 pgrep -u "$alice" -x sleep >/dev/null
init=$(init_of "$alice")
kill -KILL "$app"
wait "$app" 2>/dev/null
check "killed application: every process of the session ends" -- \
	tl_wait_for 3 no_procs_of "$alice"
check "killed application: the init is gone" -- tl_wait_for 3 gone "$init"
check "killed application: the state is removed" -- tl_wait_for 3 no_state_of "$auid"
sid=$(tl_opened session "$alice")
check "killed application: its session cgroup is left behind" -- cgroup_left "$auid/$sid"
touch /run/corral/sessions/.lock
tl_login "$alice" -- true
is $? 0 "the user logs in again"
check "... and that login collects the user's own leftover at once" -- \
	eval '! cgroup_left "$auid/$sid"'

# --- the session init is killed (by root, or the OOM killer) ---------------------
# With the application killed at the same time nobody logs the session out: its
# state must not count toward max_sessions forever. Opens check, under the
# session lock, that each counted session's init still runs (a zombie init, not
# yet reaped by PID 1, does not).
tl_conf '[defaults]' 'kill_grace = 1s' 'max_sessions = 1'
tl_login_bg "$alice" -- /bin/sh -c 'exec sleep 1000'
app=$TL_BG
tl_wait_for 5 pgrep -u "$alice" -x sleep >/dev/null
init=$(init_of "$alice")
sid=$(tl_opened session "$alice")
kill -KILL "$init" "$app"
wait "$app" 2>/dev/null
check "killed init: every process of the session ends" -- tl_wait_for 3 no_procs_of "$alice"
check "control: killed init and application: the state is left behind" -- \
	test -e "/run/corral/sessions/$auid/$sid"
out=$(tl_login "$alice" -- true 2>&1)
is $? 0 "killed init, max_sessions = 1: the user logs in again" || diag "$out"
check "... and that login removes the dead session's state" -- \
	test ! -e "/run/corral/sessions/$auid/$sid"
check "... and its cgroup" -- eval '! cgroup_left "$auid/$sid"'
check "... and its PID namespace index entry" -- \
	eval '[ -z "$(find /run/corral/sessions/.pidns -lname "*$sid")" ]'

# --- logout while the user database does not know the user (LDAP down) -----------
# close finds the session through the init's pidfd and PID namespace: no NSS.
tl_conf '[defaults]' 'kill_grace = 1s'
tl_login_bg "$alice" -- sleep 1000
app=$TL_BG
tl_wait_for 5 pgrep -u "$alice" -x sleep >/dev/null
sid=$(tl_opened session "$alice")
grep -v "^$alice:" /etc/passwd > "$TL_WORK/passwd.nouser"
mount --bind "$TL_WORK/passwd.nouser" /etc/passwd
check "control: NSS no longer knows the user" -- eval '! getent passwd "$alice" >/dev/null'
kill "$(pgrep -u "$auid" -x sleep)"	# by uid: the name no longer resolves
timeout 10 tail --pid="$app" -f /dev/null
wait "$app"
diag "pamdrive exited $? (103: its mount table changed during the login, our bind mount)"
umount /etc/passwd
# The module logs a failed close and lets the application go on (pamdrive's status
# does not show it): the log does.
unlike "$(cat "$TL_LOG")" "Failed to close|close.*$sid.*(failed|error)" \
	"the logout of a user NSS no longer knows logs no close error"
check "... its state is removed" -- test ! -e "/run/corral/sessions/$auid/$sid"
like "$(cat "$TL_LOG")" "session closed for user '$alice' .* session=$sid" "... and the helper logs the close"

tl_done
