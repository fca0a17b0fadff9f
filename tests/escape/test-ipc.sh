#!/bin/bash
# Escape attempts on IPC, run by an ordinary user inside a session: SysV shared
# memory, semaphores and message queues and POSIX message queues of the host
# (world-accessible, of another user) are out of reach; what the session
# creates never reaches the host and goes with the session. Abstract unix
# sockets are shared, by design, without a network namespace (README, "Limits
# of what is promised"): the check pins that down.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
. "$CORRAL_SRC/tests/escape/esclib.sh"
esc_private_ipc "$@"
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")

# bob's objects on the host, open to everyone.
esc_host "$bob" ipcmk -M 4096 -p 0666 >/dev/null &&
	esc_host "$bob" ipcmk -S 1 -p 0666 >/dev/null &&
	esc_host "$bob" ipcmk -Q -p 0666 >/dev/null || bail "ipcmk failed"
# The test's IPC namespace holds nothing else.
key_of() { ipcs "$1" | awk '/^0x/ { print $1 }'; }
shm=$(key_of -m)
sem=$(key_of -s)
msg=$(key_of -q)
mq=/corral-esc-$$
sock=corral-esc-$$
is "$(esc_host "$bob" "$ESC_PROBE" mq-create "$mq")" ok "bob creates POSIX message queue $mq"
exec {listen}< <(exec setpriv --reuid="$bob" --regid="$bob" --init-groups -- "$ESC_PROBE" listen "$sock")
TL_PIDS+=("$!")
read -r -t 5 ready <&"$listen"
is "$ready" ready "bob listens on the abstract unix socket @$sock"

for k in shm:$shm sem:$sem msg:$msg; do
	is "$(esc_host "$alice" "$ESC_PROBE" "${k%%:*}" "${k#*:}")" ok \
		"control: on the host, alice reaches bob's ${k%%:*} ${k#*:}"
done
is "$(esc_host "$alice" "$ESC_PROBE" mq "$mq")" ok "control: on the host, alice opens bob's $mq"

esc_attack "$alice" '
	echo "ipcs=$(ipcs -a | grep -c "^0x")"
	echo "shm=$($P shm $1)"
	echo "sem=$($P sem $2)"
	echo "msg=$($P msg $3)"
	echo "mq=$($P mq $4)"
	echo "socket=$($P connect $5)"
	echo "own=$(ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null && [ "$($P mq-create /alice)" = ok ] && ipcs -a | grep -c "^0x")"
' "$shm" "$sem" "$msg" "$mq" "$sock"
is "$ESC_RC" 0 "the attacking login runs"
is "$(esc_get ipcs)" 0 "ipcs -a inside lists no SysV object of the host"
is "$(esc_get shm)" ENOENT "shmget of bob's segment $shm from inside: ENOENT"
is "$(esc_get sem)" ENOENT "semget of bob's semaphores $sem from inside: ENOENT"
is "$(esc_get msg)" ENOENT "msgget of bob's queue $msg from inside: ENOENT"
is "$(esc_get mq)" ENOENT "mq_open of bob's $mq from inside: ENOENT"
is "$(esc_get own)" 2 "the session may create IPC objects of its own"
is "$(ipcs -a | grep -c "^0x")" 3 "none of the session's IPC objects reached the host"
is "$(esc_host "$alice" "$ESC_PROBE" mq /alice)" ENOENT "nor its message queue"
is "$(esc_get socket)" hello "by design: without a network namespace, abstract unix sockets are shared"

tl_done
