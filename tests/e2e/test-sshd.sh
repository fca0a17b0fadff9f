#!/bin/bash
# A real sshd on loopback with a PAM service name of its own: sshd names its
# PAM service after the program, so a symlink corral-test-sshd-PID ->
# /usr/sbin/sshd reads /etc/pam.d/corral-test-sshd-PID, which exists only in
# this test's mount namespace (a copy of /etc/pam.d bind-mounted over it).
# The system's sshd, its config and its PAM files are never touched.
. "$CORRAL_SRC/tests/lib/testlib.sh"
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

port=$((20000 + $$ % 20000))
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
ln -s /usr/sbin/sshd "$TL_WORK/bin/$svc"
"$TL_WORK/bin/$svc" -D -e -f "$ssh_dir/sshd_config" -E "$ssh_dir/sshd.log" &
TL_PIDS+=("$!")
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
tl_wait_for 10 listening || { diag "$(cat "$ssh_dir/sshd.log")"; bail "sshd did not start"; }

SSH=(ssh -F /dev/null -i "$ssh_dir/client_key" -p "$port" -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR)
rssh() { local u=$1; shift; timeout 60 "${SSH[@]}" "$u@127.0.0.1" "$@"; }
no_procs() { ! pgrep -u "$1" >/dev/null; }

# --- a command login ------------------------------------------------------------------
out=$(rssh "$alice" 'echo "pid1=$(cat /proc/1/comm)"; echo "host=$(hostname)";
	echo "pidns=$(readlink /proc/self/ns/pid)"; echo "session=$CORRAL_SESSION";
	echo "--ps"; ps -e -o pid=,comm=; true' </dev/null 2>&1)
is $? 0 "ssh USER@127.0.0.1 CMD succeeds"
diag "$out"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
is "$(get pid1)" corral-init "PID 1 of the ssh session is corral-init"
is "$(get host)" "$alice-ssh" "the hostname follows the policy"
[ -n "$(get pidns)" ] && [ "$(get pidns)" != "$host_pidns" ]
ok $? "the ssh session has its own PID namespace"
like "$(get session)" '^[0-9a-f]{16}$' "CORRAL_SESSION is in the session's environment"
# sshd's [priv] monitor opens the session and then forks the unprivileged child
# that runs the user's shell: that child is inside too.
like "$(printf '%s\n' "$out" | sed -n '/^--ps$/,$p' | tail -n +2 | awk '{print $2}' | tr '\n' ' ')" \
	'^corral-init (sshd|corral-test-ssh) (bash|sh) ps $' "ps -e lists the session only: init, sshd's user child, the shell, ps"
rssh "$alice" 'exit 7' </dev/null
is $? 7 "the command's exit status comes back through ssh"
check "after logout no process of the user is left" -- tl_wait_for 5 no_procs "$alice"
check "after logout no session state is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid"
like "$(cat "$TL_LOG")" "session opened for user '$alice' \\(uid $auid\\) service=$svc tty=ssh rhost=127.0.0.1 " \
	"the log names the service, tty and remote host"

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
rssh "$alice" 'readlink /proc/self/ns/pid; sleep 2' </dev/null > "$TL_WORK/c1" 2>&1 &
c1=$!
rssh "$alice" 'readlink /proc/self/ns/pid; sleep 2' </dev/null > "$TL_WORK/c2" 2>&1 &
c2=$!
wait "$c1" "$c2"
[ -s "$TL_WORK/c1" ] && [ "$(cat "$TL_WORK/c1")" != "$(cat "$TL_WORK/c2")" ]
ok $? "two concurrent logins of one user get different PID namespaces"

# --- the connection drops --------------------------------------------------------------------------
"${SSH[@]}" "$alice@127.0.0.1" 'sleep 1000' </dev/null >/dev/null 2>&1 &
client=$!
tl_wait_for 10 pgrep -u "$alice" -x sleep >/dev/null
kill -KILL "$client"
wait "$client" 2>/dev/null
check "a dropped connection ends the session's processes" -- tl_wait_for 15 no_procs "$alice"
check "... and removes its state" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid"

# --- an exempt user ------------------------------------------------------------------------------
tl_conf '[global]' "exempt_users = root $bob" '[defaults]'
is "$(rssh "$bob" 'readlink /proc/self/ns/pid' </dev/null 2>&1)" "$host_pidns" "an exempt user is not isolated"

tl_done
