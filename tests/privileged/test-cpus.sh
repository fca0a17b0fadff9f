#!/bin/bash
# cpus = N: a session sees N CPUs (nproc, its affinity mask, its cgroup
# view), a busy loop of two processes is held to them, users are spread over
# the CPUs by uid as documented (cgroup/cgroup-cpuset.c), cpus = auto follows
# cpu_max, a count beyond the host's is all CPUs, corralctl limits moves a
# live session, and a removed key gives every CPU back at the next login, to
# the live sessions as well. On cgroup v1 the test's root cgroup is made
# beforehand with neither CPUs nor memory nodes and without clone_children, so
# what every level gets is corral's own doing. The busy loops stop when
# measured, and under timeout 8 at the latest.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
buid=$(id -u "$bob")
corralctl=$CORRAL_BUILD/tools/corralctl
work=$TL_WORK/cpus
mkdir -m 0777 "$work"

version=2
awk '$9 == "cgroup" { f = 1 } END { exit !f }' /proc/self/mountinfo && version=1
if [ "$version" = 1 ]; then
	cs_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)cpuset(,|$)/ { print $5; exit }' /proc/self/mountinfo)
	[ -n "$cs_hier" ] || skip_all "no cgroup v1 cpuset hierarchy is mounted"
else
	cs_hier=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	grep -qw cpuset "$cs_hier/cgroup.controllers" 2>/dev/null ||
		skip_all "the cgroup2 root offers no cpuset controller"
fi
root=$cs_hier/$TL_CGROUP_ROOT

# "0-2,5" -> "0 1 2 5"
expand() {
	local r c out=()
	local -a ranges
	IFS=, read -ra ranges <<< "$1"
	for r in "${ranges[@]}"; do
		for ((c = ${r%-*}; c <= ${r#*-}; c++)); do out+=("$c"); done
	done
	echo "${out[*]}"
}
# CPU numbers -> the kernel's list ("0 1 2 5" -> "0-2,5")
to_list() {
	sort -n | awk '
		function flush() { if (n) out = out (out == "" ? "" : ",") (lo == hi ? lo : lo "-" hi) }
		{ if (n && $1 == hi + 1) { hi = $1 } else { flush(); lo = hi = $1; n = 1 } }
		END { flush(); print out }'
}
read -ra online <<< "$(expand "$(cat /sys/devices/system/cpu/online)")"
m=${#online[@]}
all=$(printf '%s\n' "${online[@]}" | to_list)
diag "cgroup v$version, cpuset in $cs_hier, $m online CPUs ($all)"
# place UID N: the CPUs the documented rule gives: of the online CPUs in order
# p[0..m-1], p[(UID * n + j) mod m] for j < n = min(N, m).
place() {
	local n=$2 j start
	((n > m)) && n=$m
	start=$(($1 * n % m))
	for ((j = 0; j < n; j++)); do echo "${online[(start + j) % m]}"; done | to_list
}

# v1: a root without CPUs, memory nodes or clone_children (mkdir copied the
# parent's where the hierarchy has clone_children: taken away again).
if [ "$version" = 1 ]; then
	mkdir "$root" && echo 0 > "$root/cgroup.clone_children" &&
		echo > "$root/cpuset.cpus" && echo > "$root/cpuset.mems" ||
		bail "cannot prepare $root"
fi

# What a login sees: nproc, its affinity, its cgroup view's CPUs, Python's counts.
probe='echo nproc=$(nproc)
	echo allowed=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)
	v=/sys/fs/cgroup/cpuset.cpus.effective
	[ -e $v ] || v=/sys/fs/cgroup/cpuset/cpuset.cpus
	echo view=$(cat $v 2>/dev/null)
	echo onln=$(getconf _NPROCESSORS_ONLN)
	/usr/bin/python3 -c "import os; print(\"py=%d %d\" % (len(os.sched_getaffinity(0)), os.cpu_count()))"'
login_probe() { # login_probe USER: the probe's output, or why the login failed
	tl_login_t 60 "$1" -- sh -c "$probe" 2>&1
}
field() { sed -n "s/^$1=//p" <<< "$2"; }

# --- cpus = 1 -----------------------------------------------------------------------
tl_conf '[defaults]' 'cpus = 1'
out=$(login_probe "$alice")
want=$(place "$auid" 1)
is "$(field nproc "$out")" 1 "cpus = 1: nproc in the session prints 1" || diag "$out"
is "$(field allowed "$out")" "$want" "... Cpus_allowed_list is one CPU, the rule's for uid $auid"
is "$(field view "$out")" "$want" "... and the session's cgroup view lists that CPU"
is "$(field py "$out")" "1 $m" \
	"... Python: os.sched_getaffinity(0) has 1 CPU, os.cpu_count() the host's $m (documented)"
is "$(field onln "$out")" "$m" "... getconf _NPROCESSORS_ONLN counts the host's $m (documented)"
if [ "$version" = 1 ]; then
	is "$(cat "$root/cpuset.cpus")" "$(cat "$cs_hier/cpuset.cpus")" \
		"v1: corral filled its empty root cpuset with its parent's CPUs"
	[ -n "$(cat "$root/cpuset.mems")" ] && [ -n "$(cat "$root/inits/cpuset.mems")" ]
	ok $? "v1: ... and memory nodes, in its root and in inits"
	is "$(cat "$root/inits/cpuset.cpus")" "$(cat "$root/cpuset.cpus")" \
		"v1: the inits cgroup has every CPU of the root"
fi

out=$(login_probe "$bob")
bwant=$(place "$buid" 1)
is "$(field allowed "$out")" "$bwant" "bob (uid $buid) gets the rule's CPU too" || diag "$out"
if [ "$m" -ge 2 ]; then
	[ "$bwant" != "$want" ]
	ok $? "alice and bob (consecutive uids) are on different CPUs ($want, $bwant)"
else
	skip "one CPU: two users cannot be on different CPUs"
fi

# Two busy processes, held to one CPU: the CPU time alice's sessions use over
# about 2 s of wall time, from the cgroup (v2 cpu.stat; v1 cpuacct where it
# shares corral's cpu hierarchy), else from /proc of the session's processes.
acct=$(awk '$9 == "cgroup" && $NF ~ /(^|,)cpu(,|$)/ && $NF ~ /(^|,)cpuacct(,|$)/ { print $5; exit }' \
	/proc/self/mountinfo)
src=proc
[ "$version" = 2 ] && src=cpu.stat
[ "$version" = 1 ] && [ -n "$acct" ] && src=cpuacct
hz=$(getconf CLK_TCK)
usage_us() {
	local p
	case $src in
	cpu.stat) awk '$1 == "usage_usec" { print $2 }' "$root/$auid/cpu.stat" ;;
	cpuacct) echo $(($(cat "$acct/$TL_CGROUP_ROOT/$auid/cpuacct.usage") / 1000)) ;;
	proc)
		for p in $(cat "$root/$auid"/*/cgroup.procs 2>/dev/null); do
			sed 's/.*) //' "/proc/$p/stat" 2>/dev/null
		done | awk -v hz="$hz" '{ t += $12 + $13 } END { printf "%d\n", t * 1000000 / hz }'
		;;
	esac
}
# spin.sh READY STOP: two busy loops until STOP appears, 8 s at most.
cat > "$work/spin.sh" <<'EOF'
timeout 8 sh -c 'while :; do :; done' &
a=$!
timeout 8 sh -c 'while :; do :; done' &
b=$!
touch "$1"
while [ ! -e "$2" ] && kill -0 "$a" 2>/dev/null; do sleep 0.05; done
kill "$a" "$b" 2>/dev/null
wait
EOF
# Wall time from a clock that never steps back (a TCG guest's realtime clock may).
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# spin: "CPU_US_BEFORE CPU_US_AFTER UPTIME_BEFORE UPTIME_AFTER" of alice's two busy
# loops over 2 s, nothing if they did not start.
spin() {
	local pid u0 t0
	rm -f "$work/spinning" "$work/stop"
	tl_login_bg "$alice" -- sh "$work/spin.sh" "$work/spinning" "$work/stop"
	pid=$TL_BG
	if tl_wait_for 10 test -e "$work/spinning"; then
		sleep 0.2
		u0=$(usage_us) t0=$(uptime_s)
		sleep 2
		echo "$u0 $(usage_us) $t0 $(uptime_s)"
	fi
	touch "$work/stop"
	wait "$pid"
}
rate() { # CPU-seconds per wall second of spin's figures
	awk '{ if (NF == 4 && $4 > $3) printf "%.2f\n", ($2 - $1) / 1e6 / ($4 - $3) }' <<< "$1"
}
fig=$(spin)
rate=$(rate "$fig")
awk -v r="${rate:-9}" 'BEGIN { exit !(r <= 1.2 && r >= 0.2) }'
ok $? "cpus = 1: two busy loops use ${rate:-?} CPU-seconds per second ($src), at most 1.2" ||
	diag "CPU time (us) before, after; uptime (s) before, after: ${fig:-the loops did not start}"
# For the reader only: how far they go without a cpuset depends on the host's other load.
tl_conf '[defaults]'
fig=$(spin)
diag "without cpus, the same loops use $(rate "$fig") CPU-seconds per second ($fig)"

# --- auto, and more CPUs than the host has ---------------------------------------------
if [ "$m" -ge 2 ]; then
	tl_conf '[defaults]' 'cpus = auto' 'cpu_max = 150%'
	out=$(login_probe "$alice")
	is "$(field nproc "$out")" 2 "cpus = auto with cpu_max = 150%: 2 CPUs" || diag "$out"
	is "$(field allowed "$out")" "$(place "$auid" 2)" "... the rule's two for uid $auid"
else
	skip "cpus = auto with cpu_max = 150% wants 2 CPUs, and this host has $m"
fi
tl_conf '[defaults]' 'cpus = auto'
out=$(login_probe "$alice")
is "$(field allowed "$out")" "$all" "cpus = auto without cpu_max: no cpuset, every CPU" ||
	diag "$out"
tl_conf '[defaults]' 'cpus = 8192'
out=$(login_probe "$alice")
is "$(field nproc "$out"):$(field allowed "$out")" "$m:$all" \
	"cpus = 8192 on a host of $m CPUs: all of them" || diag "$out"
tl_conf '[defaults]' 'cpus = 0'
out=$(login_probe "$alice")
is "$?" 100 "cpus = 0 refuses the login (on_error = deny)"
like "$(tail -n 3 "$TL_LOG")" "$TL_CONF:2: \[defaults\] cpus: '0' is out of range" \
	"... and the log names the file, line and key"

# --- live sessions: corralctl limits, and the key removed --------------------------------
allowed_of() { # the Cpus_allowed_list of every process in uid $1's session cgroups, once each
	local p
	for p in $(cat "$root/$1"/*/cgroup.procs 2>/dev/null); do
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null
	done | sort -u | tr '\n' ' '
}
tl_conf '[defaults]' 'cpus = 1'
tl_login_bg "$alice" -- sh -c "touch $work/live; while [ ! -e $work/live-go ]; do sleep 0.05; done"
live=$TL_BG
tl_wait_for 10 test -e "$work/live"
is "$(allowed_of "$auid")" "$want " "a live session of alice's runs on her one CPU"
out=$("$corralctl" limits "$alice" cpus=2 2>&1)
is "$?" 0 "corralctl limits alice cpus=2 works" || diag "$out"
is "$(allowed_of "$auid")" "$(place "$auid" 2) " "... and moves the live session onto the rule's 2 CPUs"
# Narrower again: on v1 the session's cpuset must shrink before the user's.
out=$("$corralctl" limits "$alice" cpus=1 2>&1)
is "$?" 0 "corralctl limits alice cpus=1 works" || diag "$out"
is "$(allowed_of "$auid")" "$want " "... and moves the live session back onto one CPU"
tl_conf '[defaults]'
out=$(login_probe "$alice")
is "$(field nproc "$out"):$(field allowed "$out")" "$m:$all" \
	"cpus removed: the next login has every CPU again" || diag "$out"
is "$(allowed_of "$auid")" "$all " "... and so has the session that was live all along"
touch "$work/live-go"
wait "$live"

tl_done
