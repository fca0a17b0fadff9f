#!/bin/bash
# Hostile process state (../shared/notes/security.md (b) 8-11, (c) 26): rlimits
# (NOFILE 3, FSIZE 0, NPROC 0, CORE unlimited), umask 0 and 0777, every signal
# blocked or ignored, and a user who stops or kills the set-user-ID helper
# half-way. The helper either works as usual or fails cleanly, never dumps
# core, drops its privileges before the caller can touch it, and every object
# a login creates has its explicit mode whatever the umask.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

hl_mallory
tl_conf '[defaults]'
hl_snapshot
# login SECONDS [hostile-launch options]: a login whose command sleeps SECONDS.
login() {
	local nap=$1
	shift
	"$HL_LAUNCH" "$@" -- "$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" \
		--user "$mallory" -- /bin/sh -c 'echo "in=$CORRAL_SESSION"; sleep "$1"' sh "$nap"
}

hl_session_bg "$mallory"
want=$(as_mallory -- "$HL_SUID" status 2>&1 | hl_norm)

# --- rlimits, the user's helper -----------------------------------------------------------------
# A soft limit the helper lifts by itself; a lowered hard limit only with
# CAP_SYS_RESOURCE, which a machine's bounding set may lack (this development
# VM's does): then the helper must refuse, not run half-limited.
can_raise=0
(( 0x$(awk '/^CapBnd:/ { print $2 }' /proc/self/status) >> 24 & 1 )) && can_raise=1
diag "CAP_SYS_RESOURCE in the bounding set: $can_raise"
out=$(as_mallory --rlimit NOFILE=3 -- "$HL_SUID" status 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]
ok $? "NOFILE 3: the loader cannot even start the helper; it fails cleanly (status $rc)" ||
	diag "$out"
for lim in NOFILE=5:- FSIZE=0:- AS=100000000:- NPROC=0 NPROC=0:0; do
	out=$(as_mallory --rlimit "$lim" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
	is "$?:$out" "0:$want" "soft $lim: status as usual"
	out=$(as_mallory --rlimit "$lim" -- "$HL_SUID" open 2>&1)
	hl_refused "$out" $? "soft $lim, 'open'"
done
for lim in NOFILE=5 FSIZE=0 AS=100000000; do
	out=$(as_mallory --rlimit "$lim" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
	if [ "$can_raise" = 1 ]; then
		is "$?:$out" "0:$want" "hard $lim: the helper lifts it, status as usual"
	else
		hl_refused "$out" $? "hard $lim, without CAP_SYS_RESOURCE: the helper fails closed"
	fi
done
[ "$can_raise" = 1 ] ||
	like "$(cat "$TL_LOG")" "Refused a request from uid $uid: Failed to reset rlimit" \
		"the log says which limit it could not reset"

# --- stopped and killed half-way by its caller ---------------------------------------------------------
# A full pipe on stdout holds the helper at its first write: after the drop.
mkfifo "$TL_WORK/out"
exec 8<>"$TL_WORK/out"
head -c 65536 /dev/zero >&8
mkdir -m 0777 "$TL_WORK/cwd"
(cd "$TL_WORK/cwd" && exec "$HL_LAUNCH" --user "$uid:$gid" --rlimit CORE=1000000000 -- \
	"$HL_SUID" status >&8 2>/dev/null) &
helper=$!
dropped() { grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "/proc/$helper/status"; }
check "held at its first write, the helper runs as the user in all four uids" -- \
	tl_wait_for 5 dropped
like "$(grep -E '^Cap(Prm|Eff|Inh|Amb):' "/proc/$helper/status" | awk '{print $2}' | sort -u)" \
	'^0+$' "and holds no capability"
is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$helper/status")" "$gid $gid $gid $gid" \
	"and runs with the user's gid in all four"
is "$(stat -c %U "/proc/$helper/fd" "/proc/$helper/environ" | sort -u)" root \
	"it is not dumpable: its /proc entries stay root's"
hl_as "$mallory" cat "/proc/$helper/environ" >/dev/null 2>&1
isnt=$?
[ "$isnt" -ne 0 ]
ok $? "the user cannot read its /proc/PID/environ"
hl_as "$mallory" kill -STOP "$helper"
ok $? "the user may stop it (it is the user's now)"
tl_wait_for 3 grep -q '^State:.*stopped' "/proc/$helper/status"
hl_as "$mallory" kill -CONT "$helper"
cat < "$TL_WORK/out" > "$TL_WORK/status.out" 8>&- &
reader=$!
wait "$helper"
is $? 0 "stopped and continued, it finishes"
exec 8>&-
wait "$reader"
is "$(tail -c +65537 "$TL_WORK/status.out" | hl_norm)" "$want" "with the usual output"

exec 8<>"$TL_WORK/out"
head -c 65536 /dev/zero >&8
(cd "$TL_WORK/cwd" && exec "$HL_LAUNCH" --user "$uid:$gid" --rlimit CORE=1000000000 -- \
	"$HL_SUID" status >&8 2>/dev/null) &
helper=$!
tl_wait_for 5 dropped
hl_as "$mallory" kill -SEGV "$helper"
wait "$helper"
is $? $((128 + 11)) "killed with SIGSEGV by its caller, with RLIMIT_CORE unlimited"
exec 8>&-
is "$(find "$TL_WORK/cwd" -mindepth 1; ls -d /core* 2>/dev/null)" "" \
	"no core dump, in the caller's directory or in /"
check "mallory's background session ends normally" -- hl_session_end "$mallory"

# --- rlimits, signals and umask of the PAM application ------------------------------------------
for fsize in 0:- 0; do
	# Through a pipe: a file as its stdout would stop pamdrive itself (SIGXFSZ).
	(login 2 --rlimit "FSIZE=$fsize" 2>&1 | cat > "$TL_WORK/login.out"; exit "${PIPESTATUS[0]}") &
	app=$!
	TL_PIDS+=("$app")
	if [ "$fsize" = 0 ] && [ "$can_raise" = 0 ]; then
		wait "$app"
		is $? 100 "an application with a hard RLIMIT_FSIZE of 0, without CAP_SYS_RESOURCE: refused"
		continue
	fi
	tl_wait_for 5 hl_has_session "$mallory"
	like "$(cat /run/corral/sessions/"$uid"/*)" 'limit=max_sessions' \
		"an application with RLIMIT_FSIZE $fsize: the state file is whole (written to the end)"
	wait "$app"
	is "$?:$(grep -c '^in=[0-9a-f]\{16\}$' "$TL_WORK/login.out")" "0:1" \
		"an application with RLIMIT_FSIZE $fsize: the login works, isolated"
done

for m in 0000 0777; do
	login 2 --umask "$m" >/dev/null 2>&1 &
	app=$!
	TL_PIDS+=("$app")
	tl_wait_for 5 hl_has_session "$mallory"
	sid=$(hl_sessions "$mallory")
	is "$(stat -c %a /run/corral /run/corral/sessions /run/corral/sessions/"$uid" \
		/run/corral/sessions/"$uid"/"$sid" | tr '\n' ' ')" "755 700 700 600 " \
		"umask $m: the state directories and file have their own modes"
	modes=$(for r in $(tl_cgroup_roots); do stat -c %a "$r/$uid" "$r/$uid/$sid"; done | sort -u)
	is "$modes" 755 "umask $m: the user's and the session's cgroups are 0755"
	wait "$app"
	is $? 0 "umask $m: the login ends normally"
done

out=$(login 0 --block-signals 2>&1)
is "$?:$(echo "$out" | grep -c '^in=')" "0:1" "an application with every signal blocked: the login works"
out=$(login 1 --ignore-signals 2>&1)
like "$out" '^in=[0-9a-f]{16}$' "an application ignoring every signal (SIGCHLD too): the login works"
check "and its session was closed" -- tl_wait_for 5 test -z "$(hl_sessions "$mallory")"

hl_unchanged "after the hostile process states"
tl_done
