#!/bin/bash
# A real sshd on loopback with a PAM service name of its own: sshd names its
# PAM service after the program, so a symlink corral-test-sshd-PID ->
# /usr/sbin/sshd reads /etc/pam.d/corral-test-sshd-PID, which exists only in
# this test's mount namespace (a copy of /etc/pam.d bind-mounted over it).
# The system's sshd, its config and its PAM files are never touched.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
host_pidns=$(readlink /proc/self/ns/pid)
svc=corral-test-sshd-$$
ssh_dir=$TL_WORK/ssh
mkdir -p "$ssh_dir/keys" "$TL_WORK/bin" "$TL_WORK/pam.d-sys"
tl_conf '[defaults]' 'hostname = %u-ssh' 'kill_grace = 1s'

# PAM: the system's files plus ours, visible here only.
cp -a /etc/pam.d/. "$TL_WORK/pam.d-sys/"
{
	echo "account  required pam_permit.so"
	echo "session  required pam_unix.so"
	echo "session  required $CORRAL_BUILD/pam_module/pam_corral.so helper=$TL_HELPER" \
		"init=$TL_INIT config=$TL_CONF debug"
} > "$TL_WORK/pam.d-sys/$svc"
mount --bind "$TL_WORK/pam.d-sys" /etc/pam.d || bail "cannot bind-mount over /etc/pam.d"

# Keys: a host key, and one client key authorized for both users.
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/host_key" || bail "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/client_key" || bail "ssh-keygen failed"
for u in "$alice" "$bob"; do
	install -m 0644 "$ssh_dir/client_key.pub" "$ssh_dir/keys/$u"
done

# sshd re-executes itself by the path it was started with, so the symlink's
# absolute path; its PAM service name is the basename of that path.
ln -s /usr/sbin/sshd "$TL_WORK/bin/$svc"
write_config() {
	cat > "$ssh_dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $ssh_dir/keys/%u
StrictModes yes
PermitRootLogin no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel VERBOSE
CONF
}
taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
# Up (0), starting (1) or dead (2): sshd says it listens only once bound.
sshd_state() {
	kill -0 "$sshd_pid" 2>/dev/null || return 2
	grep -q "Server listening on 127.0.0.1 port $port\\." "$ssh_dir/sshd.log" || return 1
}
# A free port from a few candidates; one that another program grabs between
# our probe and sshd's bind makes sshd exit, and the next one is tried.
start_sshd() {
	local try i st
	for try in 0 1 2 3 4 5 6 7; do
		port=$((20000 + ($$ + try * 2477) % 20000))
		taken && continue
		write_config
		: > "$ssh_dir/sshd.log"
		"$TL_WORK/bin/$svc" -D -e -f "$ssh_dir/sshd_config" -E "$ssh_dir/sshd.log" &
		sshd_pid=$!
		TL_PIDS+=("$sshd_pid")
		for ((i = 0; i < 200; i++)); do
			sshd_state
			st=$?
			[ "$st" -eq 1 ] || break
			sleep 0.05
		done
		[ "$st" -eq 0 ] && return 0
		diag "sshd on port $port did not come up: $(cat "$ssh_dir/sshd.log")"
		kill -KILL "$sshd_pid" 2>/dev/null
		wait "$sshd_pid" 2>/dev/null
	done
	return 1
}
start_sshd || bail "sshd did not start on any port tried"
diag "sshd (pid $sshd_pid, PAM service $svc) listens on 127.0.0.1:$port"

SSH=(ssh -F /dev/null -i "$ssh_dir/client_key" -p "$port" -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR
	-o ConnectTimeout=10)
rssh() { local u=$1; shift; timeout 60 "${SSH[@]}" "$u@127.0.0.1" "$@"; }
no_procs() { ! pgrep -u "$1" >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
ps_list() { printf '%s\n' "$1" | sed -n '/^--ps$/,$p' | tail -n +2 | awk '{print $2}' | tr '\n' ' '; }
# After every logout: nothing of the user left, the init gone, no state.
check_logout() { # check_logout USER UID INIT WHAT [SECONDS]
	check "$4: no process of the user is left" -- tl_wait_for "${5:-5}" no_procs "$1"
	check "$4: the session's init (pid $3) is gone" -- tl_wait_for 5 gone "$3"
	check "$4: no session state is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$2"
}

# --- a command login ------------------------------------------------------------------
out=$(rssh "$alice" 'echo "pid1=$(cat /proc/1/comm)"; echo "host=$(hostname)";
	echo "pidns=$(readlink /proc/self/ns/pid)"; echo "session=$CORRAL_SESSION";
	echo "pid2=$(tr "\0" " " < /proc/2/cmdline | sed "s/ *\$//")";
	echo "--ps"; ps -e -o pid=,comm=; true' </dev/null 2>&1)
is $? 0 "ssh USER@127.0.0.1 CMD succeeds"
diag "$out"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
is "$(get pid1)" corral-init "PID 1 of the ssh session is corral-init"
is "$(get host)" "$alice-ssh" "the hostname follows the policy"
is "$(hostname)" "$(uname -n)" "the host's hostname is untouched"
[ -n "$(get pidns)" ] && [ "$(get pidns)" != "$host_pidns" ]
ok $? "the ssh session has its own PID namespace"
like "$(get session)" '^[0-9a-f]{16}$' "CORRAL_SESSION is in the session's environment"
# What a command session holds (observed with OpenSSH 9.2, UsePAM yes, privsep):
#   1 corral-init
#   2 corral-test-ssh   "corral-test-sshd-PID: USER@notty", the unprivileged
#                       child that sshd's [priv] monitor forks after
#                       pam_open_session (so it is born inside); it forks the shell
#   3 bash              the user's command (bash -c)
#   N ps
# The monitor itself (root, the PAM application) stays outside: its child is
# PID 2 with parent 0 (outside the namespace). sshd pads PID 2's title with
# spaces (setproctitle), hence the sed.
is "$(ps_list "$out")" "corral-init corral-test-ssh bash ps " \
	"ps -e lists the session only: init, sshd's user child, the shell, ps"
is "$(get pid2)" "$svc: $alice@notty" "PID 2 is sshd's unprivileged child for the user"
sid=$(get session)
check_logout "$alice" "$auid" "$(tl_opened init "$alice")" "command login"
# sshd passes its own name as the PAM service: our file, not /etc/pam.d/sshd.
like "$(cat "$TL_LOG")" "corral-helper.*session opened for user '$alice' \\(uid $auid\\) service=$svc tty=ssh rhost=127\\.0\\.0\\.1 session=$sid " \
	"the log names the opening with service=$svc, tty and rhost=127.0.0.1"
like "$(cat "$TL_LOG")" "corral-helper.*session closed for user '$alice' \\(uid $auid\\) service=$svc tty=ssh rhost=127\\.0\\.0\\.1 session=$sid " \
	"the log has the close"

rssh "$alice" 'exit 7' </dev/null
is $? 7 "the command's exit status comes back through ssh"
rssh "$alice" 'nohup sleep 1000 >/dev/null 2>&1 & echo started' </dev/null >/dev/null
is $? 0 "a login that leaves a background job"
check_logout "$alice" "$auid" "$(tl_opened init "$alice")" "background job"

# --- a pty login ------------------------------------------------------------------------
out=$(rssh "$alice" -tt 'tty; cat /proc/1/comm; exit' </dev/null 2>&1 | tr -d '\r')
like "$out" '^/dev/pts/[0-9]+' "ssh -tt gets a pty"
like "$out" 'corral-init' "the pty login is isolated too"

# --- sftp ---------------------------------------------------------------------------------
echo hello > "$TL_WORK/up.txt"
chmod 0644 "$TL_WORK/up.txt"
out=$(printf 'put %s up.txt\nls -1 /proc\n' "$TL_WORK/up.txt" |
	timeout 60 sftp -F /dev/null -i "$ssh_dir/client_key" -P "$port" -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -b - "$alice@127.0.0.1" 2>&1)
is $? 0 "sftp works inside a session"
is "$(cat "$(getent passwd "$alice" | cut -d: -f6)/up.txt" 2>/dev/null)" hello "sftp put a file"
n=$(printf '%s\n' "$out" | grep -cE '^/proc/[0-9]+$')
[ "$n" -ge 1 ] && [ "$n" -le 5 ]
ok $? "sftp-server sees the session's /proc ($n processes), not the host's"

# --- two logins at once ------------------------------------------------------------------------
# Each prints its PID namespace and, while both are open, its process list:
# its own sleep is there, the other login's is not.
conc='echo "pidns=$(readlink /proc/self/ns/pid)"; sleep 30 & j=$!; sleep 2;
	echo --ps; ps -e -o pid=,comm=; kill $j; true'
rssh "$alice" "$conc" </dev/null > "$TL_WORK/c1" 2>&1 &
c1=$!
rssh "$alice" "$conc" </dev/null > "$TL_WORK/c2" 2>&1 &
c2=$!
check "two logins of one user are open at once" -- \
	tl_wait_for 10 bash -c "[ \$(ls /run/corral/sessions/$auid 2>/dev/null | wc -l) -eq 2 ]"
wait "$c1"; r1=$?
wait "$c2"; r2=$?
is "$r1 $r2" "0 0" "both concurrent logins succeed"
n1=$(sed -n 's/^pidns=//p' "$TL_WORK/c1")
n2=$(sed -n 's/^pidns=//p' "$TL_WORK/c2")
[ -n "$n1" ] && [ -n "$n2" ] && [ "$n1" != "$n2" ] && [ "$n1" != "$host_pidns" ]
ok $? "two concurrent logins of one user get different PID namespaces ($n1, $n2)"
is "$(ps_list "$(cat "$TL_WORK/c1")")" "corral-init corral-test-ssh bash sleep ps " \
	"the first login sees its own processes only"
is "$(ps_list "$(cat "$TL_WORK/c2")")" "corral-init corral-test-ssh bash sleep ps " \
	"the second login sees its own processes only"
check "after both logouts no process of the user is left" -- tl_wait_for 5 no_procs "$alice"
check "... and no state" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid"

# --- the connection drops --------------------------------------------------------------------------
"${SSH[@]}" "$alice@127.0.0.1" 'sleep 1000' </dev/null >/dev/null 2>&1 &
client=$!
TL_PIDS+=("$client")
tl_wait_for 10 pgrep -u "$alice" -x sleep >/dev/null
ok $? "a login running sleep 1000"
sid=$(tl_opened session "$alice")
kill -KILL "$client"
wait "$client" 2>/dev/null
# sshd's monitor sees the connection close and closes the PAM session.
check_logout "$alice" "$auid" "$(tl_opened init "$alice")" "dropped connection" 15
like "$(cat "$TL_LOG")" "corral-helper.*session closed for user '$alice' .*session=$sid " \
	"dropped connection: sshd closes the session"

# --- sshd's monitor dies -----------------------------------------------------------------------------
# The PAM application (the [priv] monitor) is SIGKILLed, as by the OOM killer:
# nobody calls pam_close_session; the init sees the monitor go and ends it all.
"${SSH[@]}" "$alice@127.0.0.1" 'sleep 1000' </dev/null >/dev/null 2>&1 &
client=$!
TL_PIDS+=("$client")
tl_wait_for 10 pgrep -u "$alice" -x sleep >/dev/null
monitor=$(pgrep -P "$sshd_pid" -f "$alice \\[priv\\]")
like "$monitor" '^[0-9]+$' "the login's [priv] monitor is pid $monitor"
sid=$(tl_opened session "$alice")
kill -KILL "$monitor"
check_logout "$alice" "$auid" "$(tl_opened init "$alice")" "killed monitor"
like "$(cat "$TL_LOG")" "corral-init.*session $sid ended \\(the PAM application exited without closing the session\\)" \
	"killed monitor: the init logs the abandoned session's end"
check "killed monitor: the client's connection ends" -- tl_wait_for 10 gone "$client"
wait "$client" 2>/dev/null

# --- scope = user: every login joins the user's one machine ------------------------------
tl_conf '[defaults]' 'hostname = %u-ssh' 'kill_grace = 1s' 'scope = user' 'private_tmp = user'
"${SSH[@]}" "$alice@127.0.0.1" 'echo "pidns=$(readlink /proc/self/ns/pid)"; echo vps > /tmp/vps;
	tmux new-session -d -s vps "sleep 1000"; exec sleep 1000' </dev/null > "$TL_WORK/u1" 2>&1 &
u1=$!
TL_PIDS+=("$u1")
check "scope = user: a first ssh login is up" -- tl_wait_for 15 grep -q '^pidns=' "$TL_WORK/u1"
out=$(rssh "$alice" 'echo "pidns=$(readlink /proc/self/ns/pid)"; echo "tmp=$(cat /tmp/vps)";
	tmux has-session -t vps && echo tmux=yes; echo --ps; ps -e -o pid=,comm=' </dev/null 2>&1)
is $? 0 "scope = user: a second ssh login succeeds"
is "$(get pidns)" "$(sed -n 's/^pidns=//p' "$TL_WORK/u1")" \
	"scope = user: the second ssh login is in the first one's PID namespace"
is "$(get tmp)" vps "scope = user: /tmp is shared between the two ssh logins"
is "$(get tmux)" yes "scope = user: tmux has-session over ssh finds the other login's tmux"
like "$(ps_list "$out")" "tmux:" "scope = user: ps -e shows the other login's tmux server"
out=$(printf 'ls -1 /tmp\n' | timeout 60 sftp -F /dev/null -i "$ssh_dir/client_key" -P "$port" \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
	-b - "$alice@127.0.0.1" 2>&1)
like "$out" '/tmp/vps' "scope = user: an sftp login sees the set's /tmp"
is "$(cat /tmp/vps 2>/dev/null)" "" "scope = user: the set's /tmp is not the host's"
kill -TERM "$u1"
wait "$u1" 2>/dev/null
check "scope = user: after the last logout no process of the user is left" -- tl_wait_for 10 no_procs "$alice"
check "scope = user: ... and no state" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid"

# --- an exempt user ------------------------------------------------------------------------------
tl_conf '[global]' "exempt_users = root $bob" '[defaults]' 'hostname = %u-ssh'
out=$(rssh "$bob" 'echo "pidns=$(readlink /proc/self/ns/pid)"; echo "pid1=$(cat /proc/1/comm)"' </dev/null 2>&1)
is $? 0 "an exempt user logs in"
is "$(get pidns)" "$host_pidns" "an exempt user is not isolated"
is "$(get pid1)" "$(cat /proc/1/comm)" "an exempt user sees the host's PID 1"
! tl_log_has "session opened for user '$bob'"
ok $? "no session is opened for an exempt user"
check "... and no state is written for them" -- test ! -e "/run/corral/sessions/$(id -u "$bob")"

check "sshd is still running (no login took it down)" -- kill -0 "$sshd_pid"
tl_done
