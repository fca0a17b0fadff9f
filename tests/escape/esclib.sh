# shellcheck shell=bash
# What the escape tests share, on top of tests/lib/testlib.sh (source that and
# call tl_init first):
#
#   esc_world ATTACKER VICTIM   the targets: a session of VICTIM, a process of
#                               VICTIM on the host, a process of ATTACKER on the
#                               host and a second session of ATTACKER, each a
#                               sleep with its own length, their host pids in
#                               ESC_VICTIM_SESSION, ESC_VICTIM_HOST,
#                               ESC_ATTACKER_HOST, ESC_ATTACKER_OTHER (and
#                               the latter's PAM application: ESC_ATTACKER_APP)
#   esc_attack USER SCRIPT [ARG...]
#                               runs the bash SCRIPT as USER inside a new corral
#                               login (ARGs are its $1...; $ESC_PROBE is $P),
#                               output in ESC_OUT, exit status in ESC_RC
#   esc_get KEY                 the value of the line "KEY=value" of ESC_OUT
#   esc_host USER CMD...        CMD as USER on the host, outside any session
#
# The login inherits nothing but stdin (/dev/null), stdout and stderr, so any
# other fd its shell has comes from corral.

ESC_PROBE=$CORRAL_BUILD/tests/escape/escape-probe

esc_host() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$user" --init-groups --reset-env -- "$@"
}

# esc_pid_of VAR PATTERN: the one host pid whose full command line is PATTERN, into
# VAR. A login under a loaded TCG guest can take many seconds to come up.
esc_pid_of() {
	local pid
	tl_wait_for 60 pgrep -fx "$2" >/dev/null || bail "no process '$2'"
	pid=$(pgrep -fx "$2")
	case $pid in '' | *[!0-9]*) bail "not one process '$2': $pid" ;; esac
	printf -v "$1" '%s' "$pid"
}

esc_world() {
	local attacker=$1 victim=$2
	tl_login_bg "$victim" -- sleep 1001 </dev/null >/dev/null 2>&1
	# Disowned: bash reports nothing when the cleanup kills them.
	esc_host "$victim" sleep 1002 </dev/null >/dev/null 2>&1 &
	TL_PIDS+=("$!")
	disown
	esc_host "$attacker" sleep 1003 </dev/null >/dev/null 2>&1 &
	TL_PIDS+=("$!")
	disown
	tl_login_bg "$attacker" -- sleep 1004 </dev/null >/dev/null 2>&1
	ESC_ATTACKER_APP=$TL_BG
	esc_pid_of ESC_VICTIM_SESSION "sleep 1001"
	esc_pid_of ESC_VICTIM_HOST "sleep 1002"
	esc_pid_of ESC_ATTACKER_HOST "sleep 1003"
	esc_pid_of ESC_ATTACKER_OTHER "sleep 1004"
	ESC_TARGETS="$ESC_VICTIM_SESSION $ESC_VICTIM_HOST $ESC_ATTACKER_HOST $ESC_ATTACKER_OTHER"
}

# Every target still runs (after an attack that tried to end them).
esc_world_alive() {
	local pid dead=
	for pid in $ESC_TARGETS; do
		kill -0 "$pid" 2>/dev/null || dead="$dead $pid"
	done
	[ -z "$dead" ] && return 0
	diag "targets gone:$dead (of $ESC_TARGETS)"
	return 1
}

esc_attack() {
	local user=$1 script=$2
	shift 2
	ESC_OUT=$(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec timeout 120 "$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" \
			--user "$user" -- bash -c "P=$ESC_PROBE; $script" attack "$@" </dev/null 2>&1
	)
	ESC_RC=$?
	[ "$ESC_RC" -eq 0 ] || diag "the attacking login exited $ESC_RC:" "$ESC_OUT"
}

esc_get() {
	printf '%s\n' "$ESC_OUT" | sed -n "s/^$1=//p"
}

# esc_private_ipc "$@": before tl_init, re-run the test in an IPC namespace of
# its own, which plays the host's: the test's SysV objects and message queues
# never touch the machine's.
esc_private_ipc() {
	if [ -z "${ESC_IN_IPC:-}" ]; then
		ESC_IN_IPC=1 exec unshare --ipc -- bash "$0" "$@"
	fi
}
