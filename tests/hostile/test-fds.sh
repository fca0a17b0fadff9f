#!/bin/bash
# Hostile file descriptors (../shared/notes/security.md (b) 7, runc
# CVE-2024-21626): the set-user-ID helper run by a user with fd 3 a socket to
# an attacker or a FIFO, with 0-2 closed, with 1000 fds open; root's helper
# with a FIFO for its socket; logins from a PAM application that leaks 1000
# fds or has 0-2 closed. The helper talks to nobody but its stdout, never
# hangs, and no inherited fd reaches the session's init.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

hl_mallory
tl_conf '[defaults]'
hl_snapshot

hl_session_bg "$mallory"
want=$(as_mallory -- "$HL_SUID" status 2>&1 | hl_norm)
like "$want" "^session $HL_SID " "status, plain (the reference)"

# --- fd 3: a socket to an attacker, a FIFO ----------------------------------------------------------
log=$TL_WORK/attacker.log
: > "$log"
out=$(as_mallory --fd3-socket "$log" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "fd 3 a socket to an attacker: status as usual, on stdout"
out=$(as_mallory --fd3-socket "$log" -- "$HL_SUID" open 2>&1)
hl_refused "$out" $? "fd 3 a socket to an attacker, 'open'"
sleep 0.2
is "$(cat "$log")" "" "the attacker received nothing (its request went unread)"
mkfifo -m 0666 "$TL_WORK/fifo"
exec 7<>"$TL_WORK/fifo"
out=$(as_mallory -- "$HL_SUID" status 3<&7 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "fd 3 a FIFO: status as usual"
out=$(timeout 0.5 cat <&7)
is "$out" "" "nothing was written to the FIFO"
out=$(timeout 10 "$HL_SUID" open 3<&7 2>&1)
is $? 1 "root's helper with a FIFO for its socket: refused at once, no hang"
like "$out" "fd 3 is not a socket" "it says why"
exec 7>&-

# --- 0, 1, 2 closed; 1000 fds open ----------------------------------------------------------------
as_mallory --close 0 --close 1 --close 2 -- "$HL_SUID" status
is $? 1 "stdin, stdout and stderr closed: status fails (its output cannot be written) and says so"
out=$(as_mallory --close 0 -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "stdin closed: status as usual"
out=$(as_mallory --close 2 -- "$HL_SUID" open)
is "$?:$out" "1:" "stderr closed, 'open': refused, and nothing of it on stdout"
out=$(as_mallory --fds 1000 -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "1000 fds open: status as usual"
out=$(as_mallory --fds 1000 -- "$HL_SUID" --config=/tmp/x open 2>&1)
hl_refused "$out" $? "1000 fds open, '--config=/tmp/x open'"
check "mallory's background session ends normally" -- hl_session_end "$mallory"

# --- fd 3 closed: syslog's socket takes it ------------------------------------------------------
# status closes fd 3 and up; a log line written afterwards (here: about a
# malformed state file) must not go to, nor close, whatever reuses its number.
mkdir -p -m 0700 /run/corral/sessions/"$uid"
for i in 1 2 3 4 5 6; do
	id=$(printf '%016x' "$i")
	printf 'version=1\nsession=%s\nuid=%s\nuser=%s\nservice=s%s\ntty=\nrhost=\ninit_pid=%s\npidns=1\nstarted=%s\nkill_on_logout=yes\nkill_grace_ms=1\ncgroup_root=%s\n' \
		"$id" "$uid" "$mallory" "$i" "$((100 + i))" "$i" "$TL_CGROUP_ROOT" \
		> /run/corral/sessions/"$uid"/"$id"
done
echo garbage > /run/corral/sessions/"$uid"/00000000000000ff
out=$(as_mallory --close 3 -- "$HL_SUID" status 2>&1)
is "$?:$(printf '%s\n' "$out" | grep -c '^session 00000000000000')" 0:6 \
	"fd 3 closed, a malformed state file among six: status lists all six"
check "and logs the malformed one" -- tl_wait_for 3 grep -q 'status: skipping session 00000000000000ff' "$TL_LOG"
rm -rf /run/corral/sessions/"$uid"

# --- the PAM application leaks 1000 fds, or has 0-2 closed ---------------------------------------------
# The session's init gets exactly: 0-2 /dev/null, 3 the application's pidfd, 4 the
# state directory, then the cgroup roots and as many leave fds, <root>/inits/cgroup.procs
# (design.md). Nothing the application left open.
init_fds() {
	local pid=$1 fd
	for fd in /proc/"$pid"/fd/*; do
		printf '%s=%s\n' "${fd##*/}" "$(readlink "$fd")"
	done
}
"$HL_LAUNCH" --fds 1000 -- "$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" \
	--user "$mallory" -- sleep 1000 </dev/null >/dev/null 2>&1 &
app=$!
TL_PIDS+=("$app")
tl_wait_for 10 hl_has_session "$mallory" || bail "no session came up"
init=$(sed -n 's/^init_pid=//p' /run/corral/sessions/"$uid"/*)
fds=$(init_fds "$init")
diag "$fds"
# Past 0-4 the init has the cgroup roots, the leave fds and fds of its own (a signalfd,
# pidfds it watches).
unlike "$(printf '%s\n' "$fds" | grep -Ev '^[0-2]=/dev/null$|^[0-9]+=anon_inode:\[(pidfd|signalfd)\]$|^4=/run/corral/sessions$' |
	grep -Ev "=/sys/fs/cgroup/[^/]+/$TL_CGROUP_ROOT(/inits/cgroup.procs)?\$")" . \
	"an application with 1000 open fds: its session's init holds only its own fds"
is "$(printf '%s\n' "$fds" | grep -c "/$TL_CGROUP_ROOT/inits/cgroup.procs\$")" \
	"$(printf '%s\n' "$fds" | grep -c "/$TL_CGROUP_ROOT\$")" \
	"... one leave fd per cgroup root"
is "$(printf '%s\n' "$fds" | grep -c '^[012]=/dev/null$')" 3 "0-2 of the init are /dev/null"
like "$(printf '%s\n' "$fds" | grep '^4=')" "^4=/run/corral/sessions\$" "fd 4 is the state directory"
HL_APP=$app hl_session_end "$mallory"
ok $? "that login ends normally"

"$HL_LAUNCH" --close 0 --close 1 --close 2 -- "$TL_DRIVER" --confdir "$TL_WORK/pam.d" \
	--service "$TL_SERVICE" --user "$mallory" -- /bin/true
is $? 0 "an application with 0, 1 and 2 closed: the login works"

hl_unchanged "after the hostile fds"
tl_done
