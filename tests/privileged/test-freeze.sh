#!/bin/bash
# corralctl freeze and thaw: a CPU hog in a frozen session uses no CPU at all
# and runs again after the thaw; the session's cgroup says frozen; both verbs
# are idempotent, root's only, and name a session they cannot find. A frozen
# session still ends and leaves nothing: frozen while it logs out (the
# logout waits kill_grace for a process that ignores SIGTERM), or ended by
# root through its init. On a cgroup v1 host without a freezer hierarchy,
# freeze says so. Every hog is bounded (tests/lib/hog.c).
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
hog=$CORRAL_BUILD/tests/lib/hog
corralctl=$CORRAL_BUILD/tools/corralctl
auid=$(id -u "$alice")
work=$TL_WORK/freeze
mkdir -m 0777 "$work"
hz=$(getconf CLK_TCK)

# The freezer corral uses: v1's freezer hierarchy, else on a unified host cgroup2's cgroup.freeze.
frz=$(awk '$9 == "cgroup" && $NF ~ /(^|,)freezer(,|$)/ { print $5; exit }' /proc/self/mountinfo)
version=1
if [ -z "$frz" ] && ! awk '$9 == "cgroup" { f = 1 } END { exit !f }' /proc/self/mountinfo; then
	frz=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	version=2
fi
# CPU time (user + system, in clock ticks) the process has used.
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# The ticks pid $1 uses in 1 s.
ticks_in_1s() {
	local t0
	t0=$(ticks "$1")
	sleep 1
	echo $(($(ticks "$1") - t0))
}
frozen_state() { # what the session's freezer says: frozen, thawed (or the file's text)
	local s
	if [ "$version" = 1 ]; then
		s=$(cat "$cg/freezer.state" 2>&1)
		case $s in FROZEN) echo frozen ;; THAWED) echo thawed ;; *) echo "$s" ;; esac
	else
		s=$(cat "$cg/cgroup.freeze" 2>&1):$(grep '^frozen ' "$cg/cgroup.events" 2>&1)
		case $s in '1:frozen 1') echo frozen ;; '0:frozen 0') echo thawed ;; *) echo "$s" ;; esac
	fi
}
gone() { ! kill -0 "$1" 2>/dev/null; }
no_procs() { ! pgrep -u "$alice" >/dev/null; }
# No cgroup of session $1 in any hierarchy under the test's root.
cg_gone() {
	local r
	for r in $(tl_cgroup_roots); do
		[ ! -e "$r/$auid/$1" ] || return 1
	done
}
start_hog() { # start_hog COMMAND...: a login running it; sets app, hogpid, sid, cg
	tl_login_bg "$alice" -- "$@"
	app=$TL_BG
	tl_wait_for 10 pgrep -u "$alice" -x hog >/dev/null || bail "the hog did not start"
	hogpid=$(pgrep -u "$alice" -x hog)
	sid=$(tl_opened session "$alice")
	cg=$frz/$TL_CGROUP_ROOT/$auid/$sid
}

tl_conf '[defaults]'
start_hog "$hog" cpu 40

# --- a host without a freezer ---------------------------------------------------
if [ -z "$frz" ]; then
	out=$("$corralctl" freeze "$sid" 2>&1)
	is "$?" 1 "on cgroup v1 without a freezer hierarchy, freeze fails"
	like "$out" "^corralctl: This host has no cgroup freezer: .*no cgroup v1 freezer hierarchy is mounted" \
		"... and says the host has no freezer"
	kill -KILL "$hogpid"
	wait "$app"
	tl_done
fi

# --- freeze and thaw ------------------------------------------------------------
check "the session has a cgroup in the freezer hierarchy ($frz)" -- test -d "$cg"
check "... and the hog is in it" -- grep -qx "$hogpid" "$cg/cgroup.procs"
[ "$(ticks_in_1s "$hogpid")" -gt 0 ]
ok $? "the hog runs before the freeze"
out=$("$corralctl" freeze "$sid" 2>&1)
is "$?" 0 "corralctl freeze succeeds" || diag "$out"
# The PAM application (pamdrive) sits in the session's cgroup too: it is frozen with it.
is "$out" "froze session $sid of user $alice (2 processes)" \
	"... and says which session, whose, and how many processes it stopped"
is "$(frozen_state)" frozen "the session's cgroup reads frozen (cgroup v$version)"
used=$(ticks_in_1s "$hogpid")
is "$used" 0 "a frozen CPU hog uses no CPU (utime+stime over 1 s)"
is "$(ticks_in_1s "$app")" 0 "... nor does the PAM application"
like "$("$corralctl" list)" " $sid +[0-9]+ +frozen " "corralctl list shows the session frozen"
like "$("$corralctl" list --json)" "\"session\":\"$sid\".*\"frozen\":true" "... and so does list --json"
like "$("$corralctl" show "$sid")" "state: +frozen" "... and show"
out=$("$corralctl" freeze "$sid" 2>&1)
is "$?:$out" "0:froze session $sid of user $alice (2 processes)" "freezing a frozen session again succeeds"
out=$(setpriv --reuid="$alice" --regid="$(id -g "$alice")" --init-groups -- \
	"$corralctl" thaw "$sid" 2>&1)
is "$?" 1 "thaw as an ordinary user is refused"
like "$out" "thaw needs root" "... with the reason"
is "$(frozen_state)" frozen "... and the session stays frozen"
out=$("$corralctl" thaw "$sid" 2>&1)
is "$?:$out" "0:thawed session $sid of user $alice (2 processes)" "corralctl thaw succeeds"
is "$(frozen_state)" thawed "the session's cgroup reads thawed"
like "$("$corralctl" list --json)" "\"session\":\"$sid\".*\"frozen\":false" "list --json shows it running again"
used=$(ticks_in_1s "$hogpid")
[ "$used" -ge $((hz / 5)) ]
ok $? "after the thaw the hog runs again ($used ticks of $hz in 1 s)"
out=$("$corralctl" thaw "$sid" 2>&1)
is "$?:$out" "0:thawed session $sid of user $alice (2 processes)" "thawing a thawed session again succeeds"

# --- what cannot be frozen -------------------------------------------------------
out=$("$corralctl" freeze 0123456789abcdef 2>&1)
is "$?" 1 "freeze of an unknown session fails"
like "$out" "No live session '0123456789abcdef'" "... naming it"
out=$("$corralctl" thaw not-a-session 2>&1)
is "$?" 1 "thaw of something that is no session id fails"
like "$out" "'not-a-session' is not a session id" "... naming it"
out=$(setpriv --reuid="$alice" --regid="$(id -g "$alice")" --init-groups -- \
	"$corralctl" freeze "$sid" 2>&1)
is "$?" 1 "freeze as an ordinary user is refused"
like "$out" "freeze needs root" "... with the reason"
is "$(frozen_state)" thawed "... and the session is not frozen"
"$corralctl" freeze >/dev/null 2>&1
is "$?" 2 "freeze without a SESSION is a usage error"

# --- root ends a frozen session through its init -----------------------------------
# The init thaws the session before its exit SIGKILLs the namespace (cgroup v1's
# frozen tasks die only once thawed). With nsdelegate (v2) it may not: the
# session's cgroup is its cgroup namespace's root. There the command dies
# frozen, but the PAM application, outside the namespace, stays frozen, and the
# init's exit waits for it to reap the command, until the user's next login
# collects the cgroup of the ended session and thaws it on the way.
"$corralctl" freeze "$sid" >/dev/null
init=$(tl_opened init "$alice")
no_state() { [ "$(tl_sessions_of "$auid")" = 0 ]; }
kill -TERM "$init"
check "a frozen session's init ends it on SIGTERM: its state goes" -- tl_wait_for 5 no_state
tl_login "$alice" -- true >/dev/null 2>&1
check "... its init ends (the next login at the latest)" -- tl_wait_for 10 gone "$init"
check "... and every process of the session" -- tl_wait_for 10 no_procs
check "... and the PAM application ends too" -- tl_wait_for 10 gone "$app"
wait "$app" 2>/dev/null
tl_login "$alice" -- true >/dev/null 2>&1
check "the frozen session's cgroups are collected, in every hierarchy" -- cg_gone "$sid"

# --- frozen while it logs out --------------------------------------------------------
# The hog ignores SIGTERM, so the logout waits kill_grace for it; it is frozen
# meanwhile, after the helper handed the application back (out of the session's
# cgroup) and thawed the session. The logout still kills it and removes all.
tl_conf '[defaults]' 'kill_grace = 4s'
start_hog sh -c "trap '' TERM; $hog cpu 40 & while [ ! -e $work/go ]; do sleep 0.05; done"
touch "$work/go"
check "the logout hands the application back out of the session's cgroup" -- \
	tl_wait_for 5 sh -c "! grep -qx $app $cg/cgroup.procs"
sleep 0.3	# past the thaw at the start of the logout: it waits kill_grace now
out=$("$corralctl" freeze "$sid" 2>&1)
is "$?:$out" "0:froze session $sid of user $alice (1 process)" \
	"a session waiting kill_grace at logout is frozen"
is "$(frozen_state)" frozen "... its cgroup reads frozen"
check "the logout of the frozen session completes" -- tl_wait_for 15 gone "$app"
wait "$app"
is "$?" 0 "... and pamdrive's close succeeds"
check "no process of the session is left" -- tl_wait_for 5 no_procs
check "no cgroup of the session is left, in any hierarchy" -- tl_wait_for 5 cg_gone "$sid"
is "$(tl_sessions_of "$auid")" 0 "no session state is left"
like "$(grep "session closed for user '$alice'" "$TL_LOG" | tail -n 1)" "session=$sid " \
	"the close is logged"

tl_done
