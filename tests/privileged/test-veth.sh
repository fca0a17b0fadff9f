#!/bin/bash
# network = veth: each session gets eth0, one end of a veth pair whose other
# end, cr<uid>, is a port of the admin's bridge; eth0 has the user's address
# from network_pool and a default route through the bridge's address. All of
# it made by the helper through rtnetlink.
#
# This VM's network is shared: the whole test runs in a network namespace of
# its own (unshare --net, before tl_init's mount namespace), with a bridge
# and a pool (10.213.N.0/24) the test makes there; nothing reaches the
# host's interfaces, and everything goes with the namespace at the end.
if [ -z "${TV_IN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ]; then
	TV_IN_NETNS=1 exec unshare --net -- bash "$0" "$@"
fi
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

[ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] ||
	bail "not in a network namespace of the test's own"
ip link set lo up || bail "cannot set lo up in the test's namespace"
ip link add crt$$a type veth peer name crt$$b 2>/dev/null ||
	skip_all "this kernel cannot make a veth pair (CONFIG_VETH)"
ip link del crt$$a
br=crt$$
ip link add "$br" type bridge 2>/dev/null || skip_all "this kernel cannot make a bridge (CONFIG_BRIDGE)"
net=10.213.$((RANDOM % 250 + 1))
gw=$net.1
{ ip addr add "$gw/24" dev "$br" && ip link set "$br" mtu 1400 up; } || bail "cannot set up bridge $br"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
buid=$(id -u "$bob")
# The address rule of docs/design.md for a /24 with the bridge on .1.
addr_of() { echo "$net.$((2 + $1 % 253))"; }

# The test's server on the bridge's address: answers each connection with the
# client's address, so the session's source address is checked too.
exec {srv}< <(exec python3 -c '
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, a = s.accept()
    c.sendall(("bridge " + a[0] + "\n").encode())
    c.close()
' "$gw")
TL_PIDS+=("$!")
read -r -t 10 port <&"$srv" || bail "the test's server did not start"

probe='
	echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " ")"
	echo "addr=$(ip -4 -o addr show dev eth0 | awk "{ print \$4 }")"
	echo "route=$(ip -4 route show default)"
	echo "mtu=$(ip -o link show dev eth0 | sed -n "s/.* mtu \([0-9]*\) .*/\1/p")"
	if exec 3<>/dev/tcp/'"$gw/$port"'; then read -r a <&3; echo "server=$a"; exec 3<&-
	else echo "server=unreachable"; fi
'
# The log sink writes a line a moment after the helper sent it: wait for it.
log_like() { tl_wait_for 3 tl_log_has "$1"; like "$(cat "$TL_LOG")" "$@"; }
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
veths() { ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep '^cr[0-9]' | sort | tr '\n' ' '; }

conf_veth() { # conf_veth [EXTRA LINE...]
	tl_conf '[defaults]' 'network = veth' "network_bridge = $br" "network_pool = $net.0/24" "$@"
}

conf_veth
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
is $? 0 "veth: the login succeeds"
diag "$out"
is "$(get ifaces)" "eth0 lo " "veth: the session has lo and eth0"
is "$(get addr)" "$(addr_of "$auid")/24" "veth: eth0 has alice's address by the rule (uid $auid)"
like "$(get route)" "^default via $gw dev eth0( |$)" "veth: the default route goes through the bridge's address"
is "$(get mtu)" 1400 "veth: eth0 has the bridge's MTU"
is "$(get server)" "bridge $(addr_of "$auid")" "veth: the session reaches a server on the bridge's address, from its own"
log_like "session opened for user '$alice' .*namespaces=pid,mnt,uts,ipc,cgroup,net .* veth=cr$auid address=$(addr_of "$auid")/24 gateway=$gw" \
	"veth: the log names the interface, address and gateway"
is "$(veths)" "" "veth: after the logout no cr* interface is left"

first=$(get addr)
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
is "$(get addr)" "$first" "veth: alice gets the same address at the next login"
out=$(tl_login "$bob" -- /bin/bash -c "$probe" 2>&1)
is "$(get addr)" "$(addr_of "$buid")/24" "veth: bob gets his own address (uid $buid)"
isnt_first() { [ "$(get addr)" != "$first" ]; }
check "veth: bob's address is not alice's" -- isnt_first
is "$(get server)" "bridge $(addr_of "$buid")" "veth: bob reaches the server too"

# While a session lives: its host end, on the bridge, named for the user.
tl_login_bg "$alice" -- sleep 30
app=$TL_BG
tl_wait_for 10 sh -c "ip -o link show master $br | grep -q 'cr$auid@'"
ok $? "veth: the host end cr$auid is a port of the bridge while the session lives"
like "$(ip -o link show cr"$auid")" "mtu 1400 .*master $br .*state UP" "veth: the host end is up, on the bridge, at its MTU"

# A second session of alice meanwhile: refused (one address per user).
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "veth: a second concurrent session of the user is refused"
like "$out" "already has a live session with a veth \\(interface cr$auid\\)" \
	"veth: the user is told why"
conf_veth 'on_error = allow'
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "veth: the refusal holds with on_error = allow (the policy, like max_sessions)"
conf_veth
is "$(ip -o link show master "$br" | grep -c "cr$auid@")" 1 "veth: the first session's veth is untouched"
kill "$app" 2>/dev/null; wait "$app" 2>/dev/null
tl_wait_for 5 sh -c "! ip link show cr$auid >/dev/null 2>&1"
ok $? "veth: the first session's end removes its veth"

# scope = user: a second login joins the set, and its eth0, instead of being refused.
conf_veth 'scope = user'
tl_login_bg "$alice" -- sleep 30
app=$TL_BG
tl_wait_for 10 ip link show "cr$auid" >/dev/null 2>&1
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
is $? 0 "veth, scope = user: a second login of the user joins the set"
is "$(get addr)" "$(addr_of "$auid")/24" "veth, scope = user: the second login has the set's eth0 and address"
is "$(get server)" "bridge $(addr_of "$auid")" "veth, scope = user: ... and reaches the server through it"
is "$(ip -o link show master "$br" | grep -c "cr$auid@")" 1 "veth, scope = user: still one host end for the user"
kill "$app" 2>/dev/null; wait "$app" 2>/dev/null
tl_wait_for 5 sh -c "! ip link show cr$auid >/dev/null 2>&1"
ok $? "veth, scope = user: the set's end removes its veth"
conf_veth

# Another user on alice's address (uid + 253 in a /24): refused, naming alice's uid.
cuid=$((auid + 253))
if ! getent passwd "$cuid" >/dev/null; then
	tl_user carol -u "$cuid"
	tl_login_bg "$alice" -- sleep 30
	app=$TL_BG
	tl_wait_for 10 ip link show "cr$auid" >/dev/null 2>&1
	out=$(tl_login "$carol" -- true 2>&1)
	is $? 100 "collision: carol (uid $cuid) on alice's address is refused (on_error = deny)"
	log_like "network_pool: uid $cuid's address $(addr_of "$auid") is taken by a live session of uid $auid \\(interface cr$auid\\)" \
		"collision: the log names the other user's uid"
	is "$(veths)" "cr$auid " "collision: the refused open left no interface"
	conf_veth 'on_error = allow'
	out=$(tl_login "$carol" -- /bin/bash -c 'readlink /proc/self/ns/net' 2>&1)
	is $? 0 "collision: on_error = allow lets carol in"
	like "$out" "net:\\[" "collision: carol's login ran"
	conf_veth
	kill "$app" 2>/dev/null; wait "$app" 2>/dev/null
	tl_wait_for 5 sh -c "! ip link show cr$auid >/dev/null 2>&1"
else
	skip "collision: uid $cuid is taken on this host"
fi

# An application that dies without closing: the kernel frees the pair with
# the namespace; the next login finds nothing in its way either way.
tl_login "$alice" --no-close -- true
# Ended: its init saw the application go (until then it is a live session).
tl_wait_for 5 test "$(tl_sessions_of "$auid")" = 0
tl_login "$alice" -- true
is $? 0 "abandoned: the next login of the user succeeds"
tl_wait_for 5 sh -c '[ -z "$(ip -o link show | grep " cr[0-9]")" ]'
ok $? "abandoned: no veth is left"

# 200 logins in a row.
fails=0
for i in $(seq 200); do
	tl_login "$alice" -- true >/dev/null 2>&1 || fails=$((fails + 1))
done
is "$fails" 0 "200 open/close cycles: every login succeeds"
is "$(veths)" "" "200 open/close cycles: no cr* interface is left"
is "$(ip -o link show | wc -l)" 2 "200 open/close cycles: lo and the bridge are all the test's namespace has"

# network_bridge_create: a bridge the helper makes, with the pool's first address.
br2=crt$$c
net2=10.213.$(( (${net##*.} % 250) + 2 ))
tl_conf '[defaults]' 'network = veth' "network_bridge = $br2" "network_pool = $net2.0/24" \
	'network_bridge_create = yes'
out=$(tl_login "$alice" -- /bin/bash -c "$probe" 2>&1)
is $? 0 "network_bridge_create: the login succeeds"
like "$(ip -4 -o addr show dev "$br2" 2>&1)" "inet $net2.1/24 brd $net2.255 " "network_bridge_create: the bridge has the pool's first address"
like "$(ip -o link show "$br2" 2>&1)" "state UP|<.*UP" "network_bridge_create: the bridge is up"
is "$(get addr)" "$net2.$((2 + auid % 253))/24" "network_bridge_create: eth0 has alice's address in that pool"
ip link del "$br2"

# Bad input: a clear error naming the key; on_error decides.
tl_conf '[defaults]' 'network = veth' "network_bridge = ${br}x" "network_pool = $net.0/24"
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "missing bridge: the login is refused (on_error = deny)"
log_like "network_bridge: there is no interface '${br}x' \\(create the bridge, or set network_bridge_create = yes\\)" \
	"missing bridge: the log names the key and the way out"
tl_conf '[defaults]' 'on_error = allow' 'network = veth' "network_bridge = ${br}x" "network_pool = $net.0/24"
out=$(tl_login "$alice" -- true 2>&1)
is $? 0 "missing bridge: on_error = allow lets the user in"
tl_conf '[defaults]' 'network = veth' 'network_bridge = lo' "network_pool = $net.0/24"
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "not a bridge: refused"
log_like "network_bridge: 'lo' is not a bridge" "not a bridge: the log says so"
tl_conf '[defaults]' 'network = veth' "network_bridge = $br" "network_pool = 10.214.0.0/24"
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "bridge without an address in the pool: refused"
log_like "network_bridge: '$br' has no IPv4 address in network_pool 10.214.0.0/24" \
	"bridge without an address in the pool: the log names both keys"
tl_conf '[defaults]' 'network = veth' "network_bridge = $br" 'network_pool = 10.213.0.0/33'
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "invalid CIDR: refused"
log_like "corral\\.conf:4: \\[defaults\\] network_pool: '10\\.213\\.0\\.0/33' is not an IPv4 network in CIDR notation" \
	"invalid CIDR: the log names the file, line and key"
tl_conf '[defaults]' 'network = veth' "network_bridge = $br"
out=$(tl_login "$alice" -- true 2>&1)
is $? 100 "veth without a pool: refused"
log_like "corral\\.conf:2: \\[defaults\\] network: 'veth' needs network_bridge and network_pool, and network_pool is not set" \
	"veth without a pool: the log points at the network line"
is "$(veths)" "" "bad input: no interface left behind"
tl_done
