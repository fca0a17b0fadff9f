#!/bin/bash
# Races (../shared/notes/security.md (c) 37-38): many logins of one user at
# once (with and without max_sessions), logins whose application is killed
# while the session is being set up or torn down, and the user reading
# status all the while. Every loop is bounded and under a timeout. The end
# state is consistent: every session had its own namespaces and cgroup, the
# cap was kept exactly, status never failed, and nothing is left.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

tl_user mallory
uid=$(id -u "$mallory")
hl_setuid_helper
tl_conf '[defaults]' 'kill_grace = 1s'
hl_snapshot
work=$TL_WORK/races
mkdir -m 0777 "$work"

# --- 30 logins of one user at once ----------------------------------------------------------------
N=30
for i in $(seq 1 $N); do
	tl_login_t 60 "$mallory" -- /bin/sh -c \
		"echo \$(readlink /proc/self/ns/pid) \$(readlink /proc/self/ns/mnt) \$CORRAL_SESSION; sleep 3" \
		> "$work/p.$i" 2>&1 &
	TL_PIDS+=("$!")
done
fails=0
for pid in "${TL_PIDS[@]: -$N}"; do
	wait "$pid" || fails=$((fails + 1))
done
is "$fails" 0 "$N logins of one user at once all succeed"
is "$(cat "$work"/p.* | awk '{ print $1 }' | sort -u | wc -l)" $N "each has a PID namespace of its own"
is "$(cat "$work"/p.* | awk '{ print $2 }' | sort -u | wc -l)" $N "each has a mount namespace of its own"
is "$(cat "$work"/p.* | awk '{ print $3 }' | sort -u | grep -c '^[0-9a-f]\{16\}$')" $N \
	"each has a session id of its own"
is "$(grep -c "session opened for user '$mallory'" "$TL_LOG")" $N "the log has $N openings"
check "all $N were closed" -- tl_wait_for 10 test "$(grep -c "session closed for user '$mallory'" "$TL_LOG")" = $N
rm -f "$work"/p.*

# --- the same with max_sessions = 5: the cap holds exactly -------------------------------------------
tl_conf '[defaults]' 'kill_grace = 1s' 'max_sessions = 5'
for i in $(seq 1 $N); do
	tl_login_t 60 "$mallory" -- sleep 6 > /dev/null 2>&1 &
	echo "$!" > "$work/pid.$i"
done
isolated=0 refused=0 other=0
for i in $(seq 1 $N); do
	wait "$(cat "$work/pid.$i")"
	case $? in
	0) isolated=$((isolated + 1)) ;;
	100) refused=$((refused + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
done
is "$isolated:$refused:$other" "5:$((N - 5)):0" \
	"max_sessions = 5, $N logins at once: exactly 5 isolated, the rest refused"
tl_conf '[defaults]' 'kill_grace = 1s'

# --- the application killed while its session opens or closes ---------------------------------------------
# SIGKILL at a random point of the open (and the close, for the short logins):
# the session init cleans up after an application that is gone.
statusloop() {
	local end=$((SECONDS + $1)) n=0 bad=0
	while [ $SECONDS -lt $end ]; do
		hl_as "$mallory" "$HL_SUID" status > "$work/status.out" 2>&1 || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad"
}
statusloop 25 > "$work/statusloop" &
loop=$!
TL_PIDS+=("$loop")
for i in $(seq 1 40); do
	"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$mallory" \
		-- true >/dev/null 2>&1 &
	app=$!
	sleep "0.0$((RANDOM % 10))"
	kill -KILL "$app" 2>/dev/null
	wait "$app" 2>/dev/null
done
for i in $(seq 1 20); do	# and logins that end normally, meanwhile
	tl_login_t 30 "$mallory" -- true >/dev/null 2>&1 || diag "login $i failed"
done
wait "$loop"
read -r n bad < "$work/statusloop"
diag "status ran $n times while logins were killed"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
ok $? "status never failed while sessions came and went ($n runs)"
check "no session init of a killed login is left" -- tl_wait_for 15 hl_no_state
# An abandoned session's empty cgroup is collected by the next open (docs/design.md).
out=$(tl_login_t 30 "$mallory" -- printenv CORRAL_SESSION 2>&1)
like "$out" '^[0-9a-f]{16}$' "a login after the killings is isolated as usual"

hl_unchanged "after the races"
tl_done
