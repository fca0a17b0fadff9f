#!/bin/bash
# Escape attempts on processes, run by an ordinary user inside a session:
# what it can see (ps, /proc, pid guessing), signal (kill, kill -1), trace or
# read (ptrace, process_vm_readv, pidfd_open) of a bystander session of another
# user, that user's host process, and its own host process and other session;
# and what it can do to its session's init without breaking the teardown.
# Each attack is first run on the host, outside corral, to show it would work.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
. "$CORRAL_SRC/tests/escape/esclib.sh"
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
tl_conf '[defaults]' 'kill_grace = 1s'
esc_world "$alice" "$bob"
diag "targets (host pids): bob's session $ESC_VICTIM_SESSION, bob on the host $ESC_VICTIM_HOST," \
	"alice on the host $ESC_ATTACKER_HOST, alice's other session $ESC_ATTACKER_OTHER"

# --- the attacks work from the host (so the checks below can fail) ---------------
scan=$(esc_host "$alice" "$ESC_PROBE" scan)
for pid in $ESC_TARGETS; do
	printf '%s\n' "$scan" | grep -qx "$pid"
	ok $? "control: on the host, a pid scan finds target $pid"
done
is "$(esc_host "$alice" "$ESC_PROBE" ptrace "$ESC_ATTACKER_HOST")" ok \
	"control: on the host, alice can ptrace her own host process"
is "$(esc_host "$alice" "$ESC_PROBE" pidfd "$ESC_VICTIM_HOST")" ok \
	"control: on the host, alice can pidfd_open bob's process"
is "$(esc_host "$alice" "$ESC_PROBE" kill "$ESC_VICTIM_HOST" 0)" EPERM \
	"control: on the host, signalling bob's process is EPERM (it is seen)"

# --- seeing -------------------------------------------------------------------
esc_attack "$alice" '
	ps=$(ps -e -o pid=,comm=)
	echo "ps=$(echo "$ps" | tr -s " " | tr "\n" ";")"
	proc=$(cd /proc && echo [0-9]*)
	echo "proc=$proc"
	scan=$($P scan)
	echo "scan=$(echo $scan)"
	echo "self=$$"
	for pid in "$@"; do
		echo "exists_$pid=$(test -e /proc/$pid && echo yes || echo no)"
	done
' $ESC_TARGETS
is "$ESC_RC" 0 "the attacking login runs"
like "$(esc_get ps)" '^ ?1 corral-init; ?[0-9]+ bash; ?[0-9]+ ps;$' "ps -e lists the session's processes only"
unlike "$(esc_get ps)" 'sleep' "ps -e shows no sleep of the targets"
like "$(esc_get proc)" '^1 [0-9]+ [0-9]+$' "/proc lists the init, the shell and the subshell reading it only"
is "$(esc_get scan)" "1 $(esc_get self)" "kill(PID, 0) over every pid up to pid_max finds only the init and the shell"
for pid in $ESC_TARGETS; do
	is "$(esc_get "exists_$pid")" no "/proc/$pid of a target host pid does not exist inside"
done

# --- touching ---------------------------------------------------------------------
esc_attack "$alice" '
	for pid in "$@"; do
		echo "kill_$pid=$($P kill $pid 9)"
		echo "ptrace_$pid=$($P ptrace $pid)"
		echo "vmread_$pid=$($P vmread $pid 400000)"
		echo "pidfd_$pid=$($P pidfd $pid)"
	done
	sleep 1006 & child=$!
	echo "ptrace_child=$($P ptrace $child)"
	echo "child=$child"
	# kill(-1) spares only its caller: the shell becomes the probe.
	exec $P kill -1 9
' $ESC_TARGETS
is "$ESC_RC" 0 "the attacking login runs"
for pid in $ESC_TARGETS; do
	is "$(esc_get "kill_$pid")" ESRCH "kill of target $pid from inside: ESRCH"
	is "$(esc_get "ptrace_$pid")" ESRCH "ptrace of target $pid from inside: ESRCH"
	is "$(esc_get "vmread_$pid")" ESRCH "process_vm_readv of target $pid from inside: ESRCH"
	is "$(esc_get "pidfd_$pid")" ESRCH "pidfd_open of target $pid from inside: ESRCH"
done
is "$(esc_get ptrace_child)" ok "by design: the user may ptrace its own processes in the session"
# kill(-1) fails with ESRCH when it signals nobody: here it ended the background job.
is "$(printf '%s\n' "$ESC_OUT" | tail -n 1)" ok "kill(-1, SIGKILL) from inside signals the session's own job"
check "kill(-1) from inside reached none of the targets" -- esc_world_alive

# --- the session's init -----------------------------------------------------------
esc_attack "$alice" '
	for sig in 1 2 9 10 15 19; do echo "kill1_$sig=$($P kill 1 $sig)"; done
	echo "ptrace1=$($P ptrace 1)"
	echo "vmread1=$($P vmread 1 400000)"
	echo "environ1=$(cat /proc/1/environ >/dev/null 2>&1 && echo read || echo denied)"
	echo "fd1=$(ls /proc/1/fd >/dev/null 2>&1 && echo read || echo denied)"
	echo "root1=$(readlink /proc/1/root >/dev/null 2>&1 && echo read || echo denied)"
	echo "mem1=$($P write /proc/1/mem x)"
	echo "stat1=$(cut -d " " -f 6,7 /proc/1/stat)"
	echo "init_after=$(cat /proc/1/comm)"
	echo "session=$CORRAL_SESSION"
	setsid sh -c "trap \"\" TERM HUP; exec sleep 1005" </dev/null >/dev/null 2>&1 &
	sleep 0.2
'
is "$ESC_RC" 0 "the attacking login runs"
for sig in 1 2 9 10 15 19; do
	is "$(esc_get "kill1_$sig")" EPERM "signal $sig to the session init: EPERM"
done
is "$(esc_get ptrace1)" EPERM "ptrace of the session init: EPERM"
is "$(esc_get vmread1)" EPERM "process_vm_readv of the session init: EPERM"
is "$(esc_get environ1)" denied "/proc/1/environ of the init is not readable"
is "$(esc_get fd1)" denied "/proc/1/fd of the init (its state and cgroup fds) is not readable"
is "$(esc_get root1)" denied "/proc/1/root of the init is not readable"
is "$(esc_get mem1)" EACCES "/proc/1/mem of the init is not writable"
is "$(esc_get stat1)" "1 0" "the init leads a session of its own, with no controlling terminal"
is "$(esc_get init_after)" corral-init "the init survives the attacks"
sid=$(esc_get session)
check "teardown after the attacks: no process of the session is left" -- \
	tl_wait_for 20 bash -c '! pgrep -fx "sleep 1005" >/dev/null'
check "teardown after the attacks: the session's state is removed" -- \
	tl_wait_for 20 test ! -e "/run/corral/sessions/$auid/$sid"
for root in $(tl_cgroup_roots); do
	check "teardown after the attacks: the session cgroup is removed in $root" -- \
		tl_wait_for 20 test ! -e "$root/$auid/$sid"
done
check "the targets outlived every attack" -- esc_world_alive

tl_done
