#!/bin/bash
# Resource exhaustion (../shared/notes/security.md (c) 39, 42-44), what
# tests/privileged/test-limits.sh does not already cover: another user's and
# root's logins while a fork bomb runs; far more logins than max_sessions;
# /tmp and /dev/shm full; corral's own state filesystem out of space or
# inodes (the login is refused and undone, nothing half-made is left); a
# zombie factory inside a session. Every hog is bounded and under a timeout.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

tl_user mallory
tl_user alice
host_pidns=$(readlink /proc/self/ns/pid)
tl_conf '[defaults]' 'kill_grace = 1s'
hl_snapshot
isolated() { tl_login_t 30 "$1" -- printenv CORRAL_SESSION 2>/dev/null | grep -Eq '^[0-9a-f]{16}$'; }

# --- a fork bomb, and everyone else still logs in -------------------------------------------------
tl_conf "[user:$mallory]" 'pids_max = 40'
# Forks as fast as it can for 30 s, each child living 5 s: pids_max is all that holds it.
tl_login_bg "$mallory" -- timeout 30 perl -e \
	'$SIG{CHLD} = "IGNORE"; while (1) { my $p = fork; if (defined $p && !$p) { sleep 5; exit 0 } }' \
	</dev/null >/dev/null 2>&1
bomb=$TL_BG
bombing() { [ "$(pgrep -u "$mallory" | wc -l)" -ge 30 ]; }
check "the fork bomb runs" -- tl_wait_for 10 bombing
start=$SECONDS
isolated "$alice"
ok $? "while mallory's session fork-bombs, alice logs in, isolated"
is "$(tl_login_t 30 root -- readlink /proc/self/ns/pid 2>/dev/null)" "$host_pidns" \
	"and root logs in"
[ $((SECONDS - start)) -le 20 ]
ok $? "both within 20 s ($((SECONDS - start)) s)"
[ "$(pgrep -u "$mallory" | wc -l)" -le 40 ]
ok $? "the bomb stays within pids_max = 40 ($(pgrep -u "$mallory" | wc -l) processes)"
for pid in $(pgrep -u "$mallory" -x timeout); do kill "$pid"; done
wait "$bomb"
is $? 143 "the bomb's login ends normally when its command is stopped"
tl_conf '[defaults]' 'kill_grace = 1s'

# --- far more logins than max_sessions ------------------------------------------------------------------
tl_conf '[defaults]' 'kill_grace = 1s' 'max_sessions = 10'
for i in $(seq 1 10); do
	tl_login_bg "$mallory" -- sleep 1000 </dev/null >/dev/null 2>&1
	echo "$TL_BG" >> "$TL_WORK/holders"
done
tl_wait_for 20 test "$(tl_sessions_of "$(id -u "$mallory")")" = 10
refused=0
start=$SECONDS
for i in $(seq 1 100); do
	tl_login_t 10 "$mallory" -- true >/dev/null 2>&1
	[ $? -eq 100 ] && refused=$((refused + 1))
done
is "$refused" 100 "10 sessions held: 100 more logins are all refused ($((SECONDS - start)) s)"
is "$(tl_sessions_of "$(id -u "$mallory")")" 10 "and the state holds exactly the 10"
isolated "$alice"
ok $? "another user is not affected"
ended=0
while read -r pid; do
	HL_APP=$pid hl_session_end "$mallory" && ended=$((ended + 1))
done < "$TL_WORK/holders"
is "$ended" 10 "the 10 sessions end normally"
tl_conf '[defaults]' 'kill_grace = 1s'

# --- /tmp and /dev/shm full (this test's own, in its mount namespace) ------------------------------------
# A checkout under /tmp (CI clones anywhere) stays reachable: its top directory
# is bound back over the full tmpfs before the filling.
mkdir -p "$TL_WORK/oldtmp" && mount --bind /tmp "$TL_WORK/oldtmp"
mount -t tmpfs -o size=1m,nr_inodes=16 corral-test-tmp /tmp
for d in "$CORRAL_SRC" "$CORRAL_BUILD"; do
	case $d in /tmp/?*) d=${d#/tmp/}; d=${d%%/*} ;; *) continue ;; esac
	[ -d "/tmp/$d" ] && continue
	mkdir "/tmp/$d" && mount --bind "$TL_WORK/oldtmp/$d" "/tmp/$d" || bail "cannot keep /tmp/$d"
done
mount -t tmpfs -o size=1m,nr_inodes=16 corral-test-shm /dev/shm
head -c 2M /dev/zero > /tmp/fill 2>/dev/null
for i in $(seq 1 20); do : > "/dev/shm/f$i" 2>/dev/null; done
isolated "$mallory"
ok $? "/tmp and /dev/shm full (space and inodes): the login works"
umount -R /tmp && umount /dev/shm "$TL_WORK/oldtmp"

# --- corral's state out of space, out of inodes ---------------------------------------------------------
for opts in size=4k nr_inodes=3; do
	mount -t tmpfs -o "mode=0755,$opts" corral-test-state /run/corral
	head -c 1M /dev/zero > /run/corral/fill 2>/dev/null
	tl_login_t 30 "$mallory" -- true >/dev/null 2>&1
	is $? 100 "/run/corral full ($opts): the login is refused"
	check "/run/corral full ($opts): no state was left behind" -- \
		test -z "$(find /run/corral -mindepth 1 ! -name fill ! -name sessions ! -name .lock ! -name .counters)"
	check "/run/corral full ($opts): no session init is left" -- tl_wait_for 10 hl_no_user_procs
	rm -f /run/corral/fill
	umount -l /run/corral
done
# A half-made session's cgroups were undone, or the next open collects them.
isolated "$mallory"
ok $? "with room again, the login works"

# --- a zombie factory inside a session ----------------------------------------------------------
out=$(tl_login_t 60 "$mallory" -- /bin/sh -c '
	perl -e "for (1 .. 200) { exit 0 unless fork } sleep 2" &
	sleep 1
	echo "during=$(ps -e -o stat= | grep -c "^Z")"
	wait
	sleep 1
	echo "after=$(ps -e -o stat= | grep -c "^Z")"' 2>&1)
during=$(printf '%s\n' "$out" | sed -n 's/^during=//p')
[ "${during:-0}" -ge 100 ]
ok $? "200 children nobody waits for are zombies while their parent lives (${during:-none})"
is "$(printf '%s\n' "$out" | sed -n 's/^after=//p')" 0 "once it exits, the session's init reaps them all"

hl_unchanged "after the exhaustion"
tl_done
