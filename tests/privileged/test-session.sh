#!/bin/bash
# The core promise, through real PAM (pamdrive, the test's own service): a login
# lands in fresh PID, mount, UTS and IPC namespaces with corral-init as PID 1,
# sees only its own processes, keeps its credentials, and leaves nothing
# behind at logout.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
uid=$(id -u "$alice")
tl_conf '[defaults]' 'hostname = %u-box'

out=$(tl_login "$alice" -- /bin/sh -c '
	echo "procs=$(echo /proc/[0-9]*)"
	echo "pid1=$(cat /proc/1/comm)"
	echo "self=$$"
	echo "host=$(hostname)"
	echo "uid=$(id -u) euid=$(id -u) groups=$(id -G)"
	echo "capbnd=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/self/status)"
	echo "capeff=$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status)"
	echo "session=$CORRAL_SESSION"
	for ns in pid mnt uts ipc net; do echo "ns_$ns=$(readlink /proc/self/ns/$ns)"; done
	echo "state=$(ls /run/corral/sessions/'"$uid"' 2>&1)"
	echo "--ps"; ps -e -o pid=,comm=
' 2>&1)
rc=$?
is "$rc" 0 "the login succeeds"
diag "$out"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }

is "$(get pid1)" corral-init "PID 1 of the session is corral-init"
like "$(get procs)" '^/proc/1 /proc/[0-9]+ /proc/[0-9]+$' "the session's /proc lists init, the shell and its subshell only"
ps=$(printf '%s\n' "$out" | sed -n '/^--ps$/,$p' | tail -n +2 | tr -s ' ' | tr '\n' ';')
like "$ps" '^ ?1 corral-init; ?[0-9]+ sh; ?[0-9]+ ps;$' "ps -e shows the session's processes and nothing else"
is "$(get host)" "$alice-box" "the hostname comes from the policy template"
is "$(hostname)" "$(uname -n)" "the host's hostname is untouched"
is "$(get uid)" "$(id -u "$alice") euid=$(id -u "$alice") groups=$(id -G "$alice")" \
	"the session keeps the user's credentials"
is "$(get capbnd)" "$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)" \
	"the session keeps the host's capability bounding set (sudo works)"
is "$(get capeff)" 0000000000000000 "the user's shell has no effective capabilities"
like "$(get session)" '^[0-9a-f]{16}$' "CORRAL_SESSION is set in the session's environment"
for ns in pid mnt uts ipc; do
	isnt=$(readlink /proc/self/ns/$ns)
	[ "$(get ns_$ns)" != "$isnt" ] && [ -n "$(get ns_$ns)" ]
	ok $? "the session has its own $ns namespace"
done
is "$(get ns_net)" "$(readlink /proc/self/ns/net)" "the network namespace is shared (network isolation is off)"
like "$(get state)" 'Permission denied' "the user cannot read corral's state directory"

sid=$(get session)
tl_wait_for 5 bash -c "[ ! -e /run/corral/sessions/$uid/$sid ]"
ok $? "the session's state is removed at logout"
tl_wait_for 5 bash -c "[ ! -e /run/corral/sessions/$uid ]"
ok $? "the user's state directory is removed with the last session"
like "$(cat "$TL_LOG")" "corral-helper.*session opened for user '$alice' \\(uid $uid\\) service=$TL_SERVICE .*session=$sid namespaces=pid,mnt,uts,ipc,cgroup init=[0-9]+ cgroup=$TL_CGROUP_ROOT/$uid/$sid " \
	"the helper logs the opening with user, service and namespaces"
like "$(cat "$TL_LOG")" "corral-helper.*session closed .*$sid" "the helper logs the close"
init_pid=$(sed -n "s/.*session=$sid namespaces=[a-z,]* init=\([0-9]*\).*/\1/p" "$TL_LOG" | head -n1)
tl_wait_for 5 bash -c "! kill -0 $init_pid 2>/dev/null"
ok $? "the session's init (pid $init_pid) is gone after logout"

tl_done
