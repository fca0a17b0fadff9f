#!/bin/bash
# VPS mode (scope = user): one namespace set per user, joined by every login of
# that user, with private /tmp, /var/tmp and /dev/shm (private_tmp). Through
# real PAM (pamdrive, the test's own service); tests/e2e/test-sshd.sh does the
# same through sshd.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
tl_user carol
tl_user dave
tl_user eve
auid=$(id -u "$alice")
buid=$(id -u "$bob")
cuid=$(id -u "$carol")
duid=$(id -u "$dave")
ahome=$(getent passwd "$alice" | cut -d: -f6)
chome=$(getent passwd "$carol" | cut -d: -f6)
dhome=$(getent passwd "$dave" | cut -d: -f6)
euid=$(id -u "$eve")
ehome=$(getent passwd "$eve" | cut -d: -f6)
main_conf() {
	tl_conf '[defaults]' 'scope = user' 'private_tmp = session' 'tmp_size = 16M' \
		'kill_grace = 1s' 'hostname = %u-vps' \
		"[user:$carol]" 'linger = yes' \
		"[user:$dave]" 'scope = session' 'private_tmp = session' \
		"[user:$eve]" 'scope = session' 'private_tmp = user'
}
main_conf

sets_of() { # the number of namespace sets (state files named by a bare id) of uid $1
	local n=0 f
	for f in /run/corral/sessions/"$1"/*; do
		[[ "${f##*/}" =~ ^[0-9a-f]{16}$ ]] && n=$((n + 1))
	done
	echo "$n"
}
logins_of() { # the number of login records of uid $1
	local n=0 f
	for f in /run/corral/sessions/"$1"/*; do
		[[ "${f##*/}" =~ ^[0-9a-f]{16}\.[0-9a-f]{16}$ ]] && n=$((n + 1))
	done
	echo "$n"
}
no_state_of() { [ ! -e "/run/corral/sessions/$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
init_of() { # the init of uid $1's set, from its state
	sed -n 's/^init_pid=//p' /run/corral/sessions/"$1"/[0-9a-f]*[0-9a-f] 2>/dev/null | head -n1
}
cgroup_left() {
	local root
	for root in $(tl_cgroup_roots); do
		[ -d "$root/$1" ] && return 0
	done
	return 1
}
no_procs_of() { ! pgrep -u "$1" >/dev/null; }

# --- two logins of one user share one machine ------------------------------------
tl_login_bg "$alice" -- /bin/sh -c '
	echo from-first > /tmp/shared
	readlink /proc/self/ns/pid > "$HOME/first-ns"
	sleep 100 &
	echo $! > "$HOME/first-sleep"
	while [ ! -e "$HOME/second-done" ]; do sleep 0.05; done'
first=$TL_BG
check "the first login is up" -- tl_wait_for 10 test -s "$ahome/first-sleep"
is "$(sets_of "$auid")" 1 "the first login makes the user's set"
is "$(logins_of "$auid")" 1 "the set records its first login"
init=$(init_of "$auid")

out=$(tl_login "$alice" -- /bin/sh -c '
	echo "ns=$(readlink /proc/self/ns/pid)"
	echo "first_sleep=$(cat "$HOME/first-sleep")"
	echo "ps=$(ps -e -o pid=,comm= | tr -s " " | tr "\n" ";")"
	echo "tmp=$(cat /tmp/shared 2>&1)"
	echo "host=$(hostname)"
	echo "session=$CORRAL_SESSION"
	echo "logins_ok=1"' 2>&1)
is $? 0 "a second login of the same user succeeds"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
is "$(get ns)" "$(cat "$ahome/first-ns")" "the second login is in the first one's PID namespace"
like "$(get ps)" "(^|;) ?$(get first_sleep) sleep;" "ps -e in the second login shows the first login's processes"
is "$(get tmp)" from-first "a file the first login wrote to /tmp is there in the second"
is "$(get host)" "$alice-vps" "the hostname template applies to the set"
is "$(sets_of "$auid")" 1 "the second login made no set of its own"
like "$(cat "$TL_LOG")" "session joined by user '$alice' .* scope=user login=[0-9a-f]{16} logins=2" \
	"the join is logged with the number of logins"
is "$(cat /tmp/shared 2>/dev/null)" "" "the set's /tmp is not the host's"
check "the first login's job survives the second login's logout" -- kill -0 "$init"
is "$(logins_of "$auid")" 1 "the second login's record went with its logout"

out=$(tl_login "$bob" -- /bin/sh -c '
	echo "ps=$(ps -e -o comm= | tr "\n" ";")"
	echo "tmp=$(cat /tmp/shared 2>&1)"' 2>&1)
is $? 0 "another user logs in"
unlike "$(printf '%s\n' "$out" | sed -n 's/^ps=//p')" "sleep" "another user sees none of the first user's processes"
unlike "$(printf '%s\n' "$out" | sed -n 's/^tmp=//p')" "from-first" "another user does not see the first user's /tmp"
like "$(printf '%s\n' "$out" | sed -n 's/^ps=//p')" "^corral-init;" "another user is in a set of its own"

# --- tmux: a server started in one login, reached from another -----------------------
if command -v tmux >/dev/null; then
	tl_login "$alice" -- /bin/sh -c 'tmux new-session -d -s work "sleep 100"'
	is $? 0 "tmux new-session -d in one login"
	tl_login "$alice" -- /bin/sh -c 'tmux has-session -t work'
	is $? 0 "tmux has-session from another login finds it"
	tl_login "$bob" -- /bin/sh -c 'tmux has-session -t work 2>/dev/null'
	isnt_zero=$?
	ok $((isnt_zero == 0)) "another user's tmux does not find it"
else
	for i in 1 2 3; do skip "tmux is not installed"; done
fi

touch "$ahome/second-done"
wait "$first"
is $? 0 "the first login logs out"
check "the set ends with its last login (linger = no): its init is gone" -- tl_wait_for 5 gone "$init"
check "no process of the user is left (the tmux server included)" -- tl_wait_for 5 no_procs_of "$alice"
check "the user's state is gone" -- tl_wait_for 3 no_state_of "$auid"
check "the set's cgroup is gone" -- tl_wait_for 3 eval "! cgroup_left $auid"

# --- ten first logins at once make one set ---------------------------------------
rm -f "$ahome"/ns-* "$ahome/go"
pids=()
for i in 0 1 2 3 4 5 6 7 8 9; do
	tl_login_bg "$alice" -- /bin/sh -c "
		readlink /proc/self/ns/pid > \$HOME/ns-$i
		while [ ! -e \$HOME/go ]; do sleep 0.05; done"
	pids+=("$TL_BG")
done
check "ten simultaneous first logins all get in" -- \
	tl_wait_for 20 eval '[ "$(ls "$ahome"/ns-* 2>/dev/null | wc -l)" -eq 10 ]'
is "$(cat "$ahome"/ns-* | sort -u | wc -l)" 1 "ten simultaneous first logins share one PID namespace"
is "$(sets_of "$auid")" 1 "ten simultaneous first logins make exactly one set"
is "$(logins_of "$auid")" 10 "the set records ten logins"
ctl=$CORRAL_BUILD/tools/corralctl
json=$("$ctl" list --json)
is "$(printf '%s' "$json" | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin) if x["uid"] == int(sys.argv[1])]
print(len(s), s[0]["scope"], s[0]["logins"])' "$auid")" "1 user 10" \
	"corralctl list --json: one set of scope user with 10 logins"
show=$("$ctl" show "$alice")
like "$show" 'scope: +user' "corralctl show says the scope"
is "$(printf '%s\n' "$show" | grep -cE '^    [0-9a-f]{16}  .* application pid [0-9]+ ')" 10 \
	"corralctl show lists the ten logins with their applications"
is "$(tl_login "$alice" -- /bin/sh -c 'ps -e -o args= | grep -c "[H]OME/go"' 2>&1)" 10 \
	"an eleventh login sees the ten others' shells"
init=$(init_of "$auid")
touch "$ahome/go"
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
is $rc 0 "the ten logins log out"
check "the set ends after the tenth logout" -- tl_wait_for 5 gone "$init"
check "nothing of the ten is left" -- tl_wait_for 3 no_state_of "$auid"

# --- an application killed without closing ---------------------------------------
tl_login_bg "$alice" -- /bin/sh -c 'exec sleep 100'
keep=$TL_BG
check "a login is up" -- tl_wait_for 5 eval '[ "$(logins_of "$auid")" = 1 ]'
tl_login_bg "$alice" -- /bin/sh -c 'exec sleep 100'
victim=$TL_BG
check "a second login joins" -- tl_wait_for 5 eval '[ "$(logins_of "$auid")" = 2 ]'
init=$(init_of "$auid")
kill -KILL "$victim"
wait "$victim" 2>/dev/null
sleep 0.3
check "the set lives on with its other login after one application is SIGKILLed" -- kill -0 "$init"
out=$(tl_login "$alice" -- /bin/sh -c 'echo joined' 2>&1)
is "$out" joined "a new login still joins that set"
is "$(logins_of "$auid")" 1 "the dead application's login record is reaped"
kill -KILL "$keep"
wait "$keep" 2>/dev/null
check "the set ends when its last application dies without closing (linger = no)" -- \
	tl_wait_for 5 gone "$init"
check "no process of the user is left" -- tl_wait_for 5 no_procs_of "$alice"

# --- max_sessions counts logins ---------------------------------------------------
tl_conf '[defaults]' 'scope = user' 'max_sessions = 2' 'kill_grace = 1s'
tl_login_bg "$alice" -- /bin/sh -c 'exec sleep 100'
m1=$TL_BG
tl_login_bg "$alice" -- /bin/sh -c 'exec sleep 100'
m2=$TL_BG
check "two logins with max_sessions = 2" -- tl_wait_for 5 eval '[ "$(logins_of "$auid")" = 2 ]'
out=$(tl_login "$alice" -- /bin/true 2>&1)
is $? 100 "a third login is refused by max_sessions = 2"
like "$out" "You already have 2 sessions open" "the refusal says why"
kill -TERM "$m1" "$m2"
wait "$m1" "$m2" 2>/dev/null
check "the set ends" -- tl_wait_for 5 no_state_of "$auid"
main_conf

# --- linger = yes ------------------------------------------------------------------
tl_login "$carol" -- /bin/sh -c '
	nohup sh -c "while [ ! -e \$HOME/stop ]; do sleep 0.1; done; echo done > \$HOME/done" \
		</dev/null >/dev/null 2>&1 &
	echo kept > /tmp/kept'
is $? 0 "linger = yes: a login that leaves a job behind logs out"
cinit=$(init_of "$cuid")
check "linger = yes: the set stays after the last logout while a process remains" -- \
	kill -0 "$cinit"
is "$(logins_of "$cuid")" 0 "linger = yes: the lingering set has no login"
out=$(tl_login "$carol" -- /bin/sh -c 'cat /tmp/kept; ps -e -o args= | grep -c "[w]hile"' 2>&1)
is "$out" "$(printf 'kept\n1')" "linger = yes: the next login joins the lingering set (its /tmp and its job)"
check "linger = yes: the set survives that login too" -- kill -0 "$cinit"
touch "$chome/stop"
check "linger = yes: the set ends with its last process" -- tl_wait_for 5 gone "$cinit"
check "linger = yes: its state is gone" -- tl_wait_for 3 no_state_of "$cuid"
is "$(cat "$chome/done" 2>/dev/null)" done "linger = yes: the job ran to its end"

tl_login "$carol" -- /bin/sh -c 'nohup sleep 1000 </dev/null >/dev/null 2>&1 &'
cinit=$(init_of "$cuid")
set_id=$(ls /run/corral/sessions/"$cuid" | grep -E '^[0-9a-f]{16}$')
"$CORRAL_BUILD/tools/corralctl" end "$set_id" >/dev/null
is $? 0 "linger = yes: corralctl end ends the lingering set"
check "corralctl end: the set's init is gone" -- tl_wait_for 5 gone "$cinit"
check "corralctl end: no process is left" -- tl_wait_for 5 no_procs_of "$carol"

# --- scope = session: two logins, two machines --------------------------------------
tl_login_bg "$dave" -- /bin/sh -c '
	echo mine > /tmp/mine
	while [ ! -e "$HOME/go" ]; do sleep 0.05; done'
d1=$TL_BG
check "scope = session: the first login is up" -- tl_wait_for 5 eval '[ "$(sets_of "$duid")" = 1 ]'
out=$(tl_login "$dave" -- /bin/sh -c 'cat /tmp/mine 2>&1; ps -e -o comm= | grep -c "^sh$"' 2>&1)
unlike "$out" '^mine' "scope = session: a second login has a /tmp of its own"
like "$out" '1$' "scope = session: a second login does not see the first one's processes"
touch "$dhome/go"
wait "$d1"

# --- scope = session, private_tmp = user: separate machines, one /tmp -----------------------
tl_login_bg "$eve" -- /bin/sh -c '
	echo ours > /tmp/ours; echo shm > /dev/shm/ours; echo var > /var/tmp/ours
	readlink /proc/self/ns/pid > "$HOME/ns1"
	while [ ! -e "$HOME/go" ]; do sleep 0.05; done'
e1=$TL_BG
check "private_tmp = user: the first session is up" -- tl_wait_for 5 eval '[ "$(sets_of "$euid")" = 1 ]'
check "private_tmp = user: the first session wrote its files" -- tl_wait_for 5 test -s "$ehome/ns1"
out=$(tl_login "$eve" -- /bin/sh -c 'cat /tmp/ours /dev/shm/ours /var/tmp/ours 2>&1' 2>&1)
is "$out" "$(printf 'ours\nshm\nvar')" \
	"private_tmp = user: a second session (scope = session) shares /tmp, /dev/shm and /var/tmp"
out=$(tl_login "$eve" -- /bin/sh -c 'readlink /proc/self/ns/pid' 2>&1)
[ -n "$out" ] && [ "$out" != "$(cat "$ehome/ns1")" ]
ok $? "private_tmp = user: ... and is a machine of its own (another PID namespace)" || diag "$out vs $(cat "$ehome/ns1")"
touch "$ehome/go"
wait "$e1"
check "private_tmp = user: both sessions end" -- tl_wait_for 5 no_state_of "$euid"
out=$(tl_login "$eve" -- /bin/sh -c 'cat /tmp/ours 2>&1' 2>&1)
unlike "$out" '^ours' "private_tmp = user: the user's /tmp goes with the user's last session"
is "$(cat /tmp/ours 2>/dev/null)" "" "private_tmp = user: nothing was written to the host's /tmp"

# --- private tmp: what is mounted, and no path the user controls is followed ---------------
ln -s /etc "/tmp/corral-t-$$-link" && chown -h "$alice" "/tmp/corral-t-$$-link"
su -s /bin/sh "$alice" -c 'ln -s /etc "$HOME/tmp"; mkdir -p "$HOME/.cache"; ln -s /etc "$HOME/.cache/shm"'
hostmounts=$(awk '{ print $5 }' /proc/self/mountinfo | sort | md5sum)
out=$(tl_login "$alice" -- /bin/sh -c '
	awk "\$5 == \"/tmp\" || \$5 == \"/var/tmp\" || \$5 == \"/dev/shm\" { print \$5, \$6, \$9, \$11 }" /proc/self/mountinfo | sort
	echo "etc_mounts=$(awk "\$5 ~ /^\/etc/" /proc/self/mountinfo | wc -l)"
	echo "link=$(ls /tmp 2>&1 | tr "\n" " ")"
	echo "mode=$(stat -c "%a %U" /tmp /var/tmp /dev/shm | tr "\n" " ")"
	echo "size=$(df -k --output=size /tmp | tail -n1 | tr -d " ")"
	echo x > /dev/shm/seg && echo "shm=ok"' 2>&1)
is $? 0 "a login with private_tmp and hostile symlinks in /tmp and the home succeeds"
diag "$out"
like "$out" '/dev/shm [^ ]*nosuid,nodev[^ ]* tmpfs' "/dev/shm is a private tmpfs, nosuid,nodev"
like "$out" '/tmp [^ ]*nosuid,nodev[^ ]* tmpfs' "/tmp is a private tmpfs, nosuid,nodev"
like "$out" '/var/tmp [^ ]*nosuid,nodev[^ ]* tmpfs' "/var/tmp is a private tmpfs, nosuid,nodev"
is "$(printf '%s\n' "$out" | sed -n 's/^etc_mounts=//p')" "$(awk '$5 ~ /^\/etc/' /proc/self/mountinfo | wc -l)" \
	"nothing is mounted over /etc through the user's symlinks"
is "$(printf '%s\n' "$out" | sed -n 's/^link=//p')" "" "the host's /tmp (and the user's link in it) is hidden"
is "$(printf '%s\n' "$out" | sed -n 's/^mode=//p')" "1777 root 1777 root 1777 root " \
	"the private directories are root's, mode 1777"
is "$(printf '%s\n' "$out" | sed -n 's/^size=//p')" 16384 "tmp_size sets the tmpfs size"
is "$(printf '%s\n' "$out" | sed -n 's/^shm=//p')" ok "the user can write to its /dev/shm"
is "$(awk '{ print $5 }' /proc/self/mountinfo | sort | md5sum)" "$hostmounts" \
	"the host's mount table is unchanged"
is "$(readlink "/tmp/corral-t-$$-link")" /etc "the user's link in the host's /tmp is untouched"
rm -f "/tmp/corral-t-$$-link"

# A /var/tmp that is a symlink is refused, not followed (in a private mount namespace of ours).
scratch=$(mktemp -d)
mkdir "$scratch/var" "$scratch/target"
ln -s "$scratch/target" "$scratch/var/tmp"
out=$(unshare --mount --propagation private -- sh -c '
	mount --bind "$1/var" /var && shift && exec "$@"' sh "$scratch" \
	"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$alice" -- /bin/true 2>&1)
is $? 100 "a /var/tmp that is a symbolic link makes the login fail (on_error = deny)"
like "$(cat "$TL_LOG")" "/var/tmp is a symbolic link" "the log names the symbolic link"
is "$(awk -v d="$scratch/target" '$5 == d' /proc/self/mountinfo | wc -l)" 0 \
	"nothing was mounted on the link's target"
rm -rf "$scratch"

check "no state is left" -- tl_wait_for 5 eval 'no_state_of "$auid" && no_state_of "$buid" && no_state_of "$duid" && no_state_of "$euid"'
tl_done
