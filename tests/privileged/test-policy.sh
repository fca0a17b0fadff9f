#!/bin/bash
# Who is isolated and what happens when isolation fails: exempt users and
# groups, on_error = deny / allow, a broken configuration, bad module
# arguments, and two concurrent logins of one user. A failed login must leave
# nothing behind (pamdrive itself checks its fds and namespaces: exit 102/103).
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
tl_user carol
tl_group corral-t-$$-adm
usermod -aG "corral-t-$$-adm" "$carol"
host_pidns=$(readlink /proc/self/ns/pid)
pidns_of_login() { tl_login "$1" -- readlink /proc/self/ns/pid; }
# No process is left in any cgroup of this test's root: no init, no half-made session.
no_init_left() {
	local root
	for root in $(tl_cgroup_roots); do
		[ -z "$(find "$root" -name cgroup.procs -exec cat {} +)" ] || return 1
	done
	return 0
}
no_state() {
	local left
	left=$(find /run/corral/sessions -mindepth 1 ! -name .lock ! -name .counters \
		-printf '%p %y %u %m\n' 2>/dev/null)
	[ -z "$left" ] || { diag "left in /run/corral/sessions:" "$left"; false; }
}

# --- exemptions ----------------------------------------------------------------
tl_conf '[global]' "exempt_users = root, $bob" "exempt_groups = corral-t-$$-adm" '[defaults]'
is "$(pidns_of_login root)" "$host_pidns" "root (the default exemption) is not isolated"
is "$(pidns_of_login "$bob")" "$host_pidns" "a user listed in exempt_users is not isolated"
is "$(pidns_of_login "$carol")" "$host_pidns" "a member of an exempt group is not isolated"
ns=$(pidns_of_login "$alice")
[ -n "$ns" ] && [ "$ns" != "$host_pidns" ]
ok $? "a user who is not exempt is isolated"
like "$(cat "$TL_LOG")" "user '$carol' \\(uid [0-9]+\\) is exempt" "the helper logs the exemption"

# --- the user's groups are looked up only when the policy asks ---------------------
# Each lookup may go to LDAP; a policy without [group:] sections or
# exempt_groups needs none. Traced through one login, both ways.
helper_group_reads() { # helper_group_reads USER: /etc/group opens of the helper's open
	local t=$TL_WORK/trace-groups
	rm -f "$t".*
	# LeakSanitizer cannot stop a traced process's threads (ASan build): no leak check here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -ff -qq -o "$t" -e trace=execve,open,openat "$TL_DRIVER" \
		--confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$1" -- true >/dev/null 2>&1 ||
		return 1
	# Only the helper's processes: the driver itself runs initgroups() for the user.
	grep -l 'execve(".*corral-helper"' "$t".* | xargs cat | grep -c '"/etc/group"'
}
if command -v strace >/dev/null; then
	tl_conf '[defaults]'
	is "$(helper_group_reads "$alice")" 0 "a policy that names no group looks up no group"
	tl_conf '[defaults]' "[group:corral-t-$$-adm]" 'pids_max = 100'
	n=$(helper_group_reads "$alice")
	[ "${n:-0}" -gt 0 ]
	ok $? "a policy with a [group:] section looks the user's groups up (control: $n opens)"
else
	ok 0 "# SKIP strace is not installed"
fi

# --- a setuid program works inside a session -------------------------------------
out=$(tl_login "$alice" -- sh -c 'grep NoNewPrivs /proc/self/status; passwd -S "$USER"' 2>&1)
like "$out" 'NoNewPrivs:[[:space:]]+0' "the session's processes may gain privileges (no_new_privs unset)"
like "$out" "^$alice (P|L|NP) " "a setuid-root program (passwd -S reads /etc/shadow) works inside"

# --- on_error ------------------------------------------------------------------
tl_conf '[defaults]' 'on_error = deny'
TL_INIT=/nonexistent/corral-init tl_service
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "on_error = deny: a login whose isolation fails is refused"
like "$out" "pamdrive: pam: Your login session could not be isolated" "on_error = deny: the user is told why"
like "$(cat "$TL_LOG")" "Failed to isolate the session of user '$alice': .*nonexistent.*login refused \\(on_error = deny\\)" \
	"on_error = deny: the log names the cause"
check "on_error = deny: no session init is left" -- tl_wait_for 3 no_init_left
check "on_error = deny: no session state is left" -- no_state

tl_conf '[defaults]' 'on_error = allow'
out=$(tl_login "$alice" -- readlink /proc/self/ns/pid 2>&1)
is $? 0 "on_error = allow: the login proceeds"
is "$out" "$host_pidns" "on_error = allow: the session is not isolated"
like "$(cat "$TL_LOG")" "Failed to isolate the session of user '$alice': .*login continues un-isolated \\(on_error = allow\\)" \
	"on_error = allow: the log warns"
check "on_error = allow: no session init is left" -- tl_wait_for 3 no_init_left
check "on_error = allow: no session state is left" -- no_state
tl_service

# --- a broken configuration ---------------------------------------------------------
tl_conf '[defaults]' 'kill_grace = 5q'
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "a broken configuration refuses isolated logins"
like "$(cat "$TL_LOG")" "$TL_CONF:2: \\[defaults\\] kill_grace: '5q' is not a duration" \
	"the log names the file, line, section and key"
is "$(pidns_of_login root)" "$host_pidns" "root still gets in (un-isolated) to fix it"
like "$(cat "$TL_LOG")" "letting root in un-isolated" "the log says root was let in because of the error"
chmod 0666 "$TL_CONF"
tl_conf '[defaults]'
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "a configuration writable by others is refused"
like "$(cat "$TL_LOG")" "$TL_CONF: file is writable by group or others" "the log says why"
chmod 0644 "$TL_CONF"
rm -f "$TL_CONF"
tl_login "$alice" -- true >/dev/null 2>&1
is $? 100 "a missing configuration refuses isolated logins"
like "$(cat "$TL_LOG")" "$TL_CONF: does not exist" "the log says the file is missing"
tl_conf '[defaults]'

# --- bad module arguments --------------------------------------------------------
tl_service "bogus=1"
tl_login "$alice" -- true >/dev/null 2>&1
is $? 100 "an unknown module argument refuses the login"
like "$(cat "$TL_LOG")" "Failed to isolate the session of user '$alice': Unknown module argument 'bogus=1'; login refused" \
	"the log names the argument"
: > "$TL_LOG"
is "$(pidns_of_login root)" "$host_pidns" "root still gets in (un-isolated) to fix the line"
like "$(cat "$TL_LOG")" "user 'root': Unknown module argument 'bogus=1'; letting root in un-isolated so it can be fixed" \
	"the log says root was let in because of the bad argument"
tl_service "config=relative.conf"
tl_login "$alice" -- true >/dev/null 2>&1
is $? 100 "a second, relative config= argument refuses the login"
tl_service

# --- two concurrent logins of one user ---------------------------------------------
work=$TL_WORK/concurrent
mkdir -m 0777 "$work"
tl_login_bg "$alice" -- sh -c "ps -e -o pid=,comm= > $work/a; touch $work/a.ready; while [ ! -e $work/go ]; do sleep 0.05; done"
a=$TL_BG
tl_login_bg "$alice" -- sh -c "ps -e -o pid=,comm= > $work/b; touch $work/b.ready; while [ ! -e $work/go ]; do sleep 0.05; done"
b=$TL_BG
tl_wait_for 10 test -e "$work/a.ready" -a -e "$work/b.ready"
ok $? "two logins of the same user run at once"
is "$(tl_sessions_of "$(id -u "$alice")")" 2 "each has a session of its own"
is "$(awk '{print $2}' "$work/a" | tr '\n' ' ')" "corral-init sh ps " "the first login sees only its own processes"
is "$(awk '{print $2}' "$work/b" | tr '\n' ' ')" "corral-init sh ps " "the second login sees only its own processes"
touch "$work/go"
wait "$a"; ra=$?
wait "$b"; rb=$?
is "$ra $rb" "0 0" "both log out cleanly"
check "no session init is left" -- tl_wait_for 3 no_init_left
check "no session state is left" -- no_state

# --- su or sudo to another user from inside a session -------------------------------
tl_conf '[defaults]'
tl_login_bg "$alice" -- sh -c "touch $work/outer; while [ ! -e $work/outer-go ]; do sleep 0.05; done"
outer=$TL_BG
tl_wait_for 10 test -e "$work/outer"
init=$(sed -n "s/.*session opened for user '$alice' .* init=\([0-9]*\).*/\1/p" "$TL_LOG" | tail -n1)
# What su or sudo would do: a root process inside alice's session opens one for bob.
out=$(nsenter -t "$init" -p -m -u -i -C -- "$TL_DRIVER" --confdir "$TL_WORK/pam.d" \
	--service "$TL_SERVICE" --user "$bob" -- true 2>&1)
is $? 100 "a session for another user from inside a session is refused"
like "$(tail -n 4 "$TL_LOG")" "Cannot open a session for '$bob' from inside session [0-9a-f]{16} of '$alice'" \
	"the log says why"
touch "$work/outer-go"
wait "$outer"

# That check reads one entry of an index of sessions by PID namespace inode
# (sessions/.pidns/<inode> -> ../<uid>/<session>). An entry whose state file is
# gone (its init was killed, then the session closed) refuses nothing and goes.
index=/run/corral/sessions/.pidns
host_ino=$(stat -L -c %i /proc/self/ns/pid)
mkdir -p -m 0700 "$index"
ln -s "../$(id -u "$alice")/0123456789abcdef" "$index/$host_ino"
out=$(tl_login "$alice" -- true 2>&1)
is $? 0 "a dangling entry for the caller's PID namespace refuses no login" || diag "$out"
check "... and is removed" -- test ! -L "$index/$host_ino"
check "no session state and no index entry is left" -- tl_wait_for 3 no_state

tl_done
