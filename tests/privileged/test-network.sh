#!/bin/bash
# network = loopback: the session gets a network namespace of its own whose
# only interface, lo, is up (set up through rtnetlink by the helper). A server
# on the host's 127.0.0.1 is out of reach from inside, a server the user starts
# on 127.0.0.1 inside is reachable inside only. network = host (the default)
# is the control: the same connection reaches the host's server.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob

# A TCP server on the host's loopback, answering "host" to each connection.
exec {srv}< <(exec python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"host\n")
    c.close()
')
TL_PIDS+=("$!")
read -r -t 10 port <&"$srv" || bail "the host's test server did not start"
# And an abstract unix socket of the host's (abstract names belong to a network namespace).
abstract=corral-t-net-$$
exec {asrv}< <(exec python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + sys.argv[1])
s.listen(16)
print("ready", flush=True)
while True:
    s.accept()[0].close()
' "$abstract")
TL_PIDS+=("$!")
read -r -t 10 ready <&"$asrv" || bail "the host's abstract socket server did not start"

# Inside: interfaces, a connection to the host's server, then a server of the
# session's own on 127.0.0.1 and a connection to it.
probe='
	echo "net=$(readlink /proc/self/ns/net)"
	echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " ")"
	if exec 3<>/dev/tcp/127.0.0.1/'"$port"'; then read -r a <&3; echo "host_server=$a"; exec 3<&-
	else echo "host_server=unreachable"; fi
	python3 -c "
import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(\"\\0'"$abstract"'\"); print(\"abstract=reachable\")
except OSError as e:
    print(\"abstract=unreachable\")
"
	python3 -c "
import socket, os
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
port = s.getsockname()[1]
open(os.environ[\"HOME\"] + \"/port\", \"w\").write(str(port))
c = socket.create_connection((\"127.0.0.1\", port), timeout=5)
a, _ = s.accept(); a.sendall(b\"inside\n\"); print(\"own_server=\" + c.makefile().readline().strip())
"
'
home=$(getent passwd "$alice" | cut -d: -f6)

tl_conf '[defaults]' 'network = loopback'
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
is $? 0 "network = loopback: the login succeeds"
diag "$out"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
isnt_host_net() { [ "$(get net)" != "$(readlink /proc/self/ns/net)" ]; }
check "network = loopback: the session has a network namespace of its own" -- isnt_host_net
is "$(get ifaces)" "lo " "network = loopback: lo is the session's only interface"
is "$(get host_server)" unreachable "network = loopback: the host's 127.0.0.1 server is out of reach"
is "$(get abstract)" unreachable "network = loopback: the host's abstract unix socket is out of reach"
is "$(get own_server)" inside "network = loopback: lo is up, a server on 127.0.0.1 inside answers"
like "$(cat "$TL_LOG")" "session opened for user '$alice' .* namespaces=pid,mnt,uts,ipc,cgroup,net " \
	"network = loopback: the log lists the network namespace"

# The session's server, seen from the host: nothing listens there on the host's lo.
tl_login_bg "$alice" -- /bin/bash -c 'python3 -c "
import socket, os
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
open(os.environ[\"HOME\"] + \"/port2\", \"w\").write(str(s.getsockname()[1]))
s.settimeout(20)
try:
    s.accept()[0].sendall(b\"leak\n\")
except OSError:
    pass
"'
app=$TL_BG
tl_wait_for 10 test -s "$home/port2" || bail "the session's server did not start"
inner=$(cat "$home/port2")
reach=$( (exec 3<>"/dev/tcp/127.0.0.1/$inner" && read -r a <&3 && echo "$a") 2>/dev/null || echo unreachable)
is "$reach" unreachable "network = loopback: the session's 127.0.0.1 server is out of the host's reach"
kill "$app" 2>/dev/null; wait "$app" 2>/dev/null

# Two sessions of the same user: two namespaces.
tl_login_bg "$alice" -- sleep 30
first=$TL_BG
tl_wait_for 10 pgrep -u "$alice" -x sleep >/dev/null
net1=$(readlink "/proc/$(pgrep -u "$alice" -x sleep)/ns/net")
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
[ -n "$(get net)" ] && [ "$(get net)" != "$net1" ]
ok $? "network = loopback: two sessions of one user have two network namespaces"
kill "$first" 2>/dev/null; wait "$first" 2>/dev/null

# The control.
tl_conf '[defaults]' 'network = host' "[user:$bob]" 'network = loopback'
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
is "$(get net)" "$(readlink /proc/self/ns/net)" "control: network = host keeps the host's network namespace"
is "$(get host_server)" host "control: network = host reaches the host's 127.0.0.1 server"
is "$(get abstract)" reachable "control: network = host reaches the host's abstract unix socket"
out=$(tl_login "$bob" -- /bin/bash -c "$probe" 2>&1)
is "$(get host_server)" unreachable "network = loopback in [user:bob] applies to bob only"

# Bad input: a clear error naming the file, line and key; on_error decides the login.
tl_conf '[defaults]' 'network = veth0'
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "network = veth0: the login is refused (on_error = deny)"
like "$(cat "$TL_LOG")" "corral\\.conf:2: \\[defaults\\] network: 'veth0' is not a valid choice \\(use host, loopback or veth\\)" \
	"network = veth0: the log names the file, line, key and the choices"
tl_done
