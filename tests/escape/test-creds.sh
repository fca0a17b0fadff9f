#!/bin/bash
# What a session's shell holds, and what it can do with its terminal, checked
# as an ordinary user inside: no fd but 0-2 (nothing of the helper, the init or
# the PAM application), a cwd inside the session's mount tree (the
# application's too: runc CVE-2024-21626), no capability but the bounding set
# intact and no_new_privs unset (setuid programs such as passwd work inside as
# outside), and no way to type into the terminal of the login it came from
# once it has logged out (TIOCSTI, CVE-2017-5226): corral ends the session's
# processes first. Each check has a control run showing it can fail.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
. "$CORRAL_SRC/tests/escape/esclib.sh"
tl_init "$@"

tl_user alice
tl_user bob
tl_user carol
tl_conf '[global]' "exempt_users = root $carol" '[defaults]'
esc_world "$alice" "$bob"

# --- fds ----------------------------------------------------------------------------
# Listed by a child writing to a file: a $(...) would open a pipe in the shell itself.
fds='
	ls /proc/$$/fd > $HOME/fds
	ls -l /proc/$$/fd > $HOME/fdl
	echo "fds=$(echo $(cat $HOME/fds))"
	sed -n "s/.* \([0-9]*\) -> /fd_\1=/p" $HOME/fdl
	echo "ppid=$(cut -d " " -f 4 /proc/$$/stat)"
	echo "init_fds=$(ls /proc/1/fd >/dev/null 2>&1 && echo read || echo denied)"
'
esc_attack "$alice" "$fds"
is "$ESC_RC" 0 "the attacking login runs"
diag "the shell's fds:" "$(printf '%s\n' "$ESC_OUT" | grep '^fd_')"
is "$(esc_get fds)" "0 1 2" "the shell has fds 0, 1 and 2 only"
is "$(esc_get fd_0)" /dev/null "fd 0 is the stdin the application gave it"
is "$(esc_get ppid)" 0 "the shell's parent (the PAM application) lives outside: nothing of it is visible"
is "$(esc_get init_fds)" denied "the init's fds cannot be listed"
# Control: an fd the application passes on (here: one pamdrive inherits) is seen.
ESC_OUT=$(timeout 60 "$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" \
	--user "$alice" -- bash -c "$fds" 7</dev/null </dev/null 2>&1)
like "$(esc_get fds)" '(^| )7( |$)' "control: an fd leaked into the login shows in the shell's list"

# --- cwd ----------------------------------------------------------------------------
# An fd's mnt_id names the mount it is on; a mount of the session's tree is listed in
# the session's mountinfo, one of the host's is not (mount ids are never reused at once).
esc_attack "$alice" '
	exec 9<.
	mnt=$(sed -n "s/^mnt_id:[[:space:]]*//p" /proc/$$/fdinfo/9)
	echo "cwd=$(readlink /proc/$$/cwd)"
	echo "cwd_mount=$(awk -v m=$mnt "\$1 == m { print \"session\" }" /proc/$$/mountinfo)"
	cd .. && echo "parent=$(pwd -P)"
'
is "$ESC_RC" 0 "the attacking login runs"
is "$(esc_get cwd)" "$(getent passwd "$alice" | cut -d: -f6)" "the shell starts in the user's home"
is "$(esc_get cwd_mount)" session "the shell's cwd is on a mount of the session's tree"
is "$(esc_get parent)" /home "its parent directory is reachable by path"
app_cwd_mount() { # the mount of process $1's cwd: "session" if in $2's mount table, "host" if in ours
	local mnt
	exec {fd}< "/proc/$1/cwd"
	mnt=$(sed -n 's/^mnt_id:[[:space:]]*//p' "/proc/self/fdinfo/$fd")
	exec {fd}<&-
	awk -v m="$mnt" '$1 == m { print "session" }' "/proc/$2/mountinfo"
	awk -v m="$mnt" '$1 == m { print "host" }' /proc/self/mountinfo
}
is "$(app_cwd_mount "$ESC_ATTACKER_APP" "$ESC_ATTACKER_OTHER")" session \
	"the PAM application's cwd after open_session is on a mount of the session's tree"
is "$(app_cwd_mount $$ "$ESC_ATTACKER_OTHER")" host "control: the test's own cwd is the host's"

# --- credentials -------------------------------------------------------------------------
creds='
	grep -E "^(Cap|NoNewPrivs)" /proc/self/status | tr -d "\t" | tr ":" "="
	echo "passwd=$(passwd -S "$(id -un)" 2>&1)"
'
esc_attack "$alice" "$creds"
is "$ESC_RC" 0 "the attacking login runs"
for set in CapInh CapPrm CapEff CapAmb; do
	is "$(esc_get "$set")" 0000000000000000 "$set of the shell is empty"
done
is "$(esc_get CapBnd)" "$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)" \
	"CapBnd of the shell is the host's (setuid programs keep their capabilities)"
is "$(esc_get NoNewPrivs)" 0 "no_new_privs is not set on the shell"
# passwd -S shows the password's dates from /etc/shadow, which only root can read.
shadow_status=$(passwd -S "$alice")
is "$(esc_get passwd)" "$shadow_status" "passwd -S (setuid root, reads /etc/shadow) works inside"
isnt=$(esc_host "$alice" setpriv --no-new-privs passwd -S "$alice" 2>&1)
[ "$isnt" != "$shadow_status" ]
ok $? "control: with no_new_privs set, passwd -S cannot read /etc/shadow" || diag "$isnt"

# --- the terminal --------------------------------------------------------------------------
# The login runs on a terminal (script(1)'s pty), as su's does on root's. A job the
# user leaves behind types a command into it 5 s after logout; the "outer shell"
# then reads the terminal. corral ends the job at logout, so nothing arrives.
tty_login() { # tty_login USER: what the outer shell reads after USER's login on a pty
	local cmd stdin sleeper
	cmd="$TL_DRIVER --confdir $TL_WORK/pam.d --service $TL_SERVICE --user $1 -- sh -c '
		echo init_tty=\$(cut -d \" \" -f 7 /proc/1/stat) shell_tty=\$(cut -d \" \" -f 7 /proc/\$\$/stat)
		exec $ESC_PROBE inject-later 5 \"echo INJECTED
\"'
	read -r -t 10 line; rc=\$?; echo \"outer-read=[\$line] rc=\$rc\""
	# script's stdin stays open: EOF there would end the outer read at once.
	exec {stdin}< <(exec sleep 60)
	sleeper=$!
	# script(1) runs the command with $SHELL, which CI's environment leaves unset
	# (sh, whose read has no -t): name bash.
	SHELL=/bin/bash timeout 30 script -q -e -c "$cmd" /dev/null <&"$stdin" 2>&1 | tr -d '\r'
	kill "$sleeper" 2>/dev/null
	exec {stdin}<&-
}
out=$(tty_login "$alice")
diag "$out"
# bash's read returns 142 (128 + SIGALRM) on its timeout: the outer shell really
# waited the 10 s and nothing came.
is "$(printf '%s\n' "$out" | sed -n 's/^outer-read=//p')" "[] rc=142" \
	"a job left behind cannot type into the login's terminal after logout (TIOCSTI)"
like "$out" 'init_tty=0 shell_tty=[1-9]' "the init has no controlling terminal, the shell has the login's"
out=$(tty_login "$carol")
is "$(printf '%s\n' "$out" | sed -n 's/^outer-read=//p')" "[echo INJECTED] rc=0" \
	"control: without corral (exempt user) the job left behind types into the terminal"

check "the targets outlived every attack" -- esc_world_alive
tl_done
