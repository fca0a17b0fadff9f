#!/bin/bash
# A real /usr/bin/su (util-linux) with pam_corral in its session stack. The PAM
# file is the system's own su stack plus our line, bind-mounted over
# /etc/pam.d/su in the test's private mount namespace only: the host's file is
# never touched. `su -` uses the PAM service su-l, whose Debian file includes
# su, so both services reach our stack; the log names the service as su or su-l.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
uid=$(id -u "$alice")
buid=$(id -u "$bob")
host_pidns=$(readlink /proc/self/ns/pid)
tl_conf '[defaults]' 'hostname = %u-e2e' 'kill_grace = 1s' "[user:$bob]" 'kill_on_logout = no'

{
	grep -v '^@include common-session' /etc/pam.d/su
	echo "session required pam_unix.so"
	echo "session required $CORRAL_BUILD/pam_module/pam_corral.so helper=$TL_HELPER" \
		"init=$TL_INIT config=$TL_CONF debug"
} > "$TL_WORK/su.pam"
mount --bind "$TL_WORK/su.pam" /etc/pam.d/su || bail "cannot bind-mount over /etc/pam.d/su"
grep -q pam_corral /etc/pam.d/su
ok $? "/etc/pam.d/su has pam_corral in this test's mount namespace only"
grep -q '^@include su$\|include[[:space:]]*su$' /etc/pam.d/su-l
ok $? "/etc/pam.d/su-l (the service of su -) includes su" ||
	diag "su - would not reach pam_corral: $(cat /etc/pam.d/su-l)"

no_procs() { ! pgrep -u "$1" >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# After every login: nothing of the user left, the init gone, no state.
check_logout() { # check_logout USER UID INIT WHAT
	check "$4: no process of the user is left" -- tl_wait_for 5 no_procs "$1"
	check "$4: the session's init (pid $3) is gone" -- tl_wait_for 5 gone "$3"
	check "$4: no session state is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$2"
}
opened_re() { # opened_re USER UID SERVICE SESSION
	echo "corral-helper.*session opened for user '$1' \\(uid $2\\) service=$3 .*session=$4 "
}
closed_re() {
	echo "corral-helper.*session closed for user '$1' \\(uid $2\\) service=$3 .*session=$4 "
}

# --- su - USER -c CMD (a login shell, service su-l) -------------------------------------
out=$(timeout 60 su - "$alice" -c '
	echo "pid1=$(cat /proc/1/comm)"
	echo "host=$(hostname)"
	echo "pidns=$(readlink /proc/self/ns/pid)"
	echo "user=$(id -un)"
	echo "session=$CORRAL_SESSION"
	echo "--ps"; ps -e -o comm=; true' 2>&1)
is $? 0 "su - USER -c CMD succeeds"
diag "$out"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
is "$(get pid1)" corral-init "PID 1 under su is corral-init"
is "$(get host)" "$alice-e2e" "the hostname follows the policy"
is "$(hostname)" "$(uname -n)" "the host's hostname is untouched"
[ -n "$(get pidns)" ] && [ "$(get pidns)" != "$host_pidns" ]
ok $? "the su session has its own PID namespace"
is "$(get user)" "$alice" "the command runs as the user"
like "$(get session)" '^[0-9a-f]{16}$' "CORRAL_SESSION reaches the su session's environment"
# su (the PAM application) stays outside; the login shell it forks is PID 2.
is "$(printf '%s\n' "$out" | sed -n '/^--ps$/,$p' | tail -n +2 | tr '\n' ' ')" \
	"corral-init bash ps " "ps -e shows only the session: init, the login shell, ps"
sid=$(get session)
check_logout "$alice" "$uid" "$(tl_opened init "$alice")" "su -"
like "$(cat "$TL_LOG")" "$(opened_re "$alice" "$uid" su-l "$sid")" \
	"the log has the opening, with service=su-l (the PAM service of su -)"
like "$(cat "$TL_LOG")" "$(closed_re "$alice" "$uid" su-l "$sid")" "the log has the close"

# --- su USER -c CMD (no login shell, service su) ------------------------------------------
out=$(timeout 60 su "$alice" -c 'echo "pid1=$(cat /proc/1/comm)"; echo "session=$CORRAL_SESSION"
	echo "--ps"; ps -e -o comm=; true' 2>&1)
is $? 0 "su USER -c CMD succeeds"
is "$(get pid1)" corral-init "PID 1 under su without - is corral-init"
is "$(printf '%s\n' "$out" | sed -n '/^--ps$/,$p' | tail -n +2 | tr '\n' ' ')" \
	"corral-init bash ps " "ps -e shows only the session (su without -)"
sid=$(get session)
check_logout "$alice" "$uid" "$(tl_opened init "$alice")" "su"
like "$(cat "$TL_LOG")" "$(opened_re "$alice" "$uid" su "$sid")" "the log has the opening, with service=su"
like "$(cat "$TL_LOG")" "$(closed_re "$alice" "$uid" su "$sid")" "the log has the close, with service=su"

# --- exit status ----------------------------------------------------------------------------
timeout 60 su "$alice" -c 'exit 7'
is $? 7 "su passes the command's exit status through"
timeout 60 su - "$alice" -c 'exit 9'
is $? 9 "su - passes the command's exit status through"
timeout 60 su "$alice" -c 'kill -KILL $$' 2>/dev/null
is $? 137 "su reports a command killed by SIGKILL as 128+9"
check "no process of the user is left after these logins" -- tl_wait_for 5 no_procs "$alice"

# --- a background job at logout -------------------------------------------------------------
timeout 60 su - "$alice" -c 'nohup sleep 1000 >/dev/null 2>&1 & echo started' >/dev/null
is $? 0 "a login that leaves a background job"
check_logout "$alice" "$uid" "$(tl_opened init "$alice")" "background job"

# --- root is exempt -------------------------------------------------------------------------
is "$(timeout 60 su - root -c 'readlink /proc/self/ns/pid')" "$host_pidns" \
	"root through su is exempt (not isolated)"
is "$(timeout 60 su - root -c 'cat /proc/1/comm')" "$(cat /proc/1/comm)" \
	"root through su sees the host's PID 1"

# --- signals to su's process group ----------------------------------------------------------
# The session's init is a session leader of its own (setsid in the helper's
# cloned child), so what signals the PAM application's group (timeout(1), a
# terminal's ^C or hangup, kill -- -PGID) does not reach it.
timeout -s KILL 3 su - "$alice" -c 'exec sleep 1000' </dev/null >/dev/null 2>&1 &
to=$!
TL_PIDS+=("$to")
tl_wait_for 10 pgrep -u "$alice" -x sleep >/dev/null
init=$(tl_opened init "$alice")
sid=$(tl_opened session "$alice")
su_pid=$(ps -o pid= --ppid "$to" | tr -d ' ')
is "$(ps -o comm= -p "$su_pid")" su "timeout's child is su (pid $su_pid), session $sid, init $init"
[ "$(ps -o pgid= -p "$init")" != "$(ps -o pgid= -p "$su_pid")" ]
ok $? "the session's init is not in the PAM application's process group"
wait "$to" 2>/dev/null
is $? 137 "timeout -s KILL ended su and itself"
check "SIGKILL to su's process group: the user's processes end" -- tl_wait_for 5 no_procs "$alice"
tl_wait_for 5 test ! -e "/run/corral/sessions/$uid/$sid"
ok $? "SIGKILL to su's process group: the session's state is removed"

# With kill_on_logout = no (bob), a job must outlive the logout however it comes.
timeout -s TERM 3 su - "$bob" -c 'nohup sleep 1001 >/dev/null 2>&1 & exec sleep 1000' \
	</dev/null >/dev/null 2>&1
is $? 124 "timeout (SIGTERM to its process group) ended su"
sid=$(tl_opened session "$bob")
init=$(tl_opened init "$bob")
# The init, signalled, first tries for 2 s per cgroup hierarchy to remove the
# session's cgroups (busy: the job is in them), then exits.
tl_wait_for 8 tl_log_has "corral-init.*session $sid ended"
sleep 0.3
pgrep -u "$bob" -f 'sleep 1001' >/dev/null
ok $? "kill_on_logout = no: the background job survives a logout by SIGTERM to su's group"
! grep -q "Failed to close session $sid" "$TL_LOG"
ok $? "SIGTERM to su's group: su's pam_close_session succeeds"
for pid in $(pgrep -u "$bob"); do kill -KILL "$pid"; done
check "kill_on_logout = no: the init ends once the job is gone" -- tl_wait_for 5 gone "$init"
check "... and no state of the user is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$buid"

tl_done
