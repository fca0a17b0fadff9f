#!/bin/bash
# A real /usr/bin/su with pam_corral in its session stack. The PAM file is
# the system's own su stack plus our line, bind-mounted over /etc/pam.d/su in
# the test's private mount namespace only: the host's file is never touched.
. "$CORRAL_SRC/tests/lib/testlib.sh"
tl_init "$@"

tl_user alice
uid=$(id -u "$alice")
host_pidns=$(readlink /proc/self/ns/pid)
tl_conf '[defaults]' 'hostname = %u-e2e' 'kill_grace = 1s'

{
	grep -v '^@include common-session' /etc/pam.d/su
	echo "session required pam_unix.so"
	echo "session required $CORRAL_BUILD/pam_module/pam_corral.so helper=$TL_HELPER" \
		"init=$TL_INIT config=$TL_CONF debug"
} > "$TL_WORK/su.pam"
mount --bind "$TL_WORK/su.pam" /etc/pam.d/su || bail "cannot bind-mount over /etc/pam.d/su"
grep -q pam_corral /etc/pam.d/su
ok $? "/etc/pam.d/su has pam_corral in this test's mount namespace only"

out=$(timeout 60 su - "$alice" -c '
	echo "pid1=$(cat /proc/1/comm)"
	echo "host=$(hostname)"
	echo "pidns=$(readlink /proc/self/ns/pid)"
	echo "user=$(id -un)"
	echo "session=$CORRAL_SESSION"
	echo "--ps"; ps -e -o comm=; true' 2>&1)
is $? 0 "su - USER -c CMD succeeds"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
is "$(get pid1)" corral-init "PID 1 under su is corral-init"
is "$(get host)" "$alice-e2e" "the hostname follows the policy"
[ -n "$(get pidns)" ] && [ "$(get pidns)" != "$host_pidns" ]
ok $? "the su session has its own PID namespace"
is "$(get user)" "$alice" "the command runs as the user"
like "$(get session)" '^[0-9a-f]{16}$' "CORRAL_SESSION reaches the su session's environment"
is "$(printf '%s\n' "$out" | sed -n '/^--ps$/,$p' | tail -n +2 | tr '\n' ' ')" \
	"corral-init bash ps " "ps -e shows only the session: init, the login shell, ps"

timeout 60 su "$alice" -c 'exit 7'
is $? 7 "su passes the command's exit status through"

timeout 60 su - "$alice" -c 'nohup sleep 1000 >/dev/null 2>&1 & echo started' >/dev/null
is $? 0 "a login that leaves a background job"
check "the background job is ended at logout" -- tl_wait_for 5 bash -c "! pgrep -u $alice >/dev/null"
check "no session state is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$uid"
like "$(cat "$TL_LOG")" "corral-helper.*session opened for user '$alice' \\(uid $uid\\) service=su " \
	"the log has the opening, with service=su"
like "$(cat "$TL_LOG")" "corral-helper.*session closed for user '$alice' \\(uid $uid\\) service=su " \
	"the log has the close"

is "$(timeout 60 su - root -c 'readlink /proc/self/ns/pid')" "$host_pidns" \
	"root through su is exempt (not isolated)"

tl_done
