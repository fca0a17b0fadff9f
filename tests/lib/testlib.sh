# shellcheck shell=bash
# The library of the privileged and e2e tests: TAP output, a private world to
# run in, throwaway users, a PAM service and configuration of the test's own.
#
#   . "${CORRAL_SRC:?...}/tests/lib/testlib.sh" || exit 99
#   tl_init "$@"          # re-runs the test inside its own mount namespace
#
# The private world (set up by tl_init, gone when the test ends):
#   - a mount namespace of its own, so nothing mounted here reaches the host;
#   - a tmpfs on /run: corral's state (/run/corral) and the test's files
#     ($TL_WORK) start empty and vanish;
#   - /dev as an overlay of the host's /dev with /dev/log added: a log sink
#     writes every syslog line to $TL_LOG (this machine has no syslog daemon,
#     and the host's /dev is never written to);
#   - users named corral-t-*, deleted at exit, and sessions ended by pid.
# Environment from meson: CORRAL_BUILD, CORRAL_SRC; CORRAL_TEST_STRICT=1 makes
# a skip a failure.

set -uo pipefail

TL_COUNT=0
TL_FAILED=0
TL_USERS=()
TL_GROUPS=()
TL_PIDS=()

# --- TAP ------------------------------------------------------------------

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# What a failure says goes to stderr as well: meson's --print-errorlogs shows a
# TAP test's stderr only, and CI's log is often all there is to read.
fail_diag() { # fail_diag LINE...: one diagnostic line per argument
	local l
	for l; do diag "$l"; diag "$l" >&2; done
}

ok() { # ok CONDITION_STATUS DESCRIPTION   (use: ok $? "desc", or tl_check)
	local status=$1; shift
	TL_COUNT=$((TL_COUNT + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $TL_COUNT - $*"
	else
		echo "not ok $TL_COUNT - $*"
		echo "not ok $TL_COUNT - $*" >&2
		TL_FAILED=$((TL_FAILED + 1))
	fi
	return "$status"
}

check() { # check DESCRIPTION -- COMMAND...: ok when COMMAND succeeds
	local desc=$1; shift
	[ "$1" = "--" ] && shift
	"$@"
	ok $? "$desc"
}

is() { # is GOT WANT DESCRIPTION
	local got=$1 want=$2; shift 2
	[ "$got" = "$want" ]
	ok $? "$*" || fail_diag "got:  '$got'" "want: '$want'"
}

like() { # like GOT EXTENDED_REGEX DESCRIPTION
	local got=$1 re=$2; shift 2
	# Not through a pipe: grep -q stops at the first match, and with pipefail the
	# writer's SIGPIPE on a long text would fail the check.
	grep -Eq -- "$re" <<< "$got"
	ok $? "$*" || fail_diag "got:" "$got" "want match: $re"
}

unlike() {
	local got=$1 re=$2; shift 2
	! grep -Eq -- "$re" <<< "$got"
	ok $? "$*" || fail_diag "got:" "$got" "want no match: $re"
}

skip() {
	if [ "${CORRAL_TEST_STRICT:-}" = 1 ]; then
		ok 1 "skipped, and CORRAL_TEST_STRICT=1 forbids skips: $*"
		return
	fi
	TL_COUNT=$((TL_COUNT + 1))
	echo "ok $TL_COUNT # SKIP $*"
}

skip_all() { # the whole test cannot run here
	if [ "${CORRAL_TEST_STRICT:-}" = 1 ]; then
		echo "not ok 1 - cannot run, and CORRAL_TEST_STRICT=1 forbids skips: $*"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 1
}

tl_done() {
	echo "1..$TL_COUNT"
	[ "$TL_FAILED" -eq 0 ]
	exit $?
}

# --- the private world ------------------------------------------------------

tl_init() {
	: "${CORRAL_BUILD:?CORRAL_BUILD is not set (run through meson test)}"
	: "${CORRAL_SRC:?CORRAL_SRC is not set (run through meson test)}"
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
	if [ -z "${TL_IN_NS:-}" ]; then
		TL_IN_NS=1 exec unshare --mount --propagation private -- bash "$0" "$@"
	fi
	trap tl_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	mount -t tmpfs -o mode=0755,size=64m corral-test /run || bail "cannot mount a tmpfs on /run"
	TL_WORK=/run/corral-test
	TL_LOG=$TL_WORK/log
	mkdir -p "$TL_WORK/pam.d" "$TL_WORK/etc/corral.conf.d" /run/sshd
	tl_overlay_dev
	tl_start_logsink
	TL_SERVICE=corral-test-$$
	TL_DRIVER=$CORRAL_BUILD/tests/privileged/pamdrive
	TL_HELPER=$CORRAL_BUILD/helper/corral-helper
	TL_INIT=$CORRAL_BUILD/init/corral-init
	TL_CONF=$TL_WORK/etc/corral.conf
	# corral's cgroups go under a root of this test's own, removed at exit.
	TL_CGROUP_ROOT=corral-t-$$
	printf '[global]\ncgroup_root = %s\n' "$TL_CGROUP_ROOT" \
		> "$TL_WORK/etc/corral.conf.d/00-test-cgroup-root.conf"
	tl_conf '[defaults]'
	tl_service
}

# The directories of corral's cgroup root of this test, one per hierarchy it used.
tl_cgroup_roots() {
	awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo |
		while read -r mnt; do
			[ -d "$mnt/$TL_CGROUP_ROOT" ] && echo "$mnt/$TL_CGROUP_ROOT"
		done
}

# Remove the test's cgroup tree bottom up, killing what is still in it (by pid).
# A test stopped while a session was frozen first thaws it, in every hierarchy
# before any kill: v1's freezer holds even a SIGKILLed process until then.
tl_cleanup_cgroups() {
	local roots dir pid i
	[ -n "${TL_CGROUP_ROOT:-}" ] || return 0
	roots=$(tl_cgroup_roots)
	[ -n "$roots" ] || return 0
	for dir in $(find $roots -type d); do
		[ -f "$dir/freezer.state" ] && echo THAWED > "$dir/freezer.state" 2>/dev/null
		[ -f "$dir/cgroup.freeze" ] && echo 0 > "$dir/cgroup.freeze" 2>/dev/null
	done
	for dir in $(find $roots -depth -type d); do
		for pid in $(cat "$dir/cgroup.procs" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for i in $(seq 30); do
		[ -z "$(find $roots -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && break
		sleep 0.1
	done
	find $roots -depth -type d -exec rmdir {} \; 2>/dev/null
	return 0
}

# /dev with /dev/log added, without writing to the host's /dev.
tl_overlay_dev() {
	local d=$TL_WORK/dev sub
	local subs=()
	mkdir -p "$d/upper" "$d/work" "$d/keep"
	for sub in pts shm mqueue hugepages; do
		if mountpoint -q "/dev/$sub"; then
			mkdir -p "$d/keep/$sub"
			mount --rbind "/dev/$sub" "$d/keep/$sub"
			subs+=("$sub")
		fi
	done
	mount -t overlay corral-test-dev \
		-o "lowerdir=/dev,upperdir=$d/upper,workdir=$d/work" /dev ||
		bail "cannot overlay /dev"
	for sub in "${subs[@]}"; do
		mount --move "$d/keep/$sub" "/dev/$sub"
	done
}

tl_start_logsink() {
	local ready fd
	rm -f /dev/log
	: > "$TL_LOG"
	# A process substitution, not a job: bash reports nothing when it is killed.
	exec {fd}< <(exec "$CORRAL_BUILD/tests/lib/logsink" /dev/log "$TL_LOG")
	TL_PIDS+=("$!")
	read -r -t 5 ready <&"$fd"
	[ "$ready" = ready ] || bail "the log sink did not start"
}

tl_cleanup() {
	local status=$? pid u f
	if [ "$TL_FAILED" -gt 0 ] && [ -s "${TL_LOG:-}" ]; then
		diag "the last lines of the log:"
		diag "$(tail -n 15 "$TL_LOG")"
	fi
	# Sessions still alive: end them by their init's pid.
	for f in /run/corral/sessions/*/*; do
		[ -f "$f" ] || continue
		pid=$(sed -n 's/^init_pid=//p' "$f")
		# Only if that pid is still a session init: it may have been reused.
		[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = corral-init ] &&
			kill -KILL "$pid" 2>/dev/null
	done
	for u in "${TL_USERS[@]}"; do
		for pid in $(pgrep -u "$u" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in "${TL_PIDS[@]}"; do
		tl_kill_tree "$pid"
	done
	sleep 0.1
	tl_cleanup_cgroups
	for u in "${TL_USERS[@]}"; do
		userdel -r "$u" >/dev/null 2>&1 || userdel -f "$u" >/dev/null 2>&1
	done
	for u in "${TL_GROUPS[@]}"; do
		groupdel "$u" >/dev/null 2>&1
	done
	exit "$status"
}

# SIGKILL a process and all its descendants, by pid (an sshd's per-connection
# monitors run as root and outlive their listener).
tl_kill_tree() {
	local child
	for child in $(ps -eo pid=,ppid= | awk -v p="$1" '$2 == p { print $1 }'); do
		tl_kill_tree "$child"
	done
	kill -KILL "$1" 2>/dev/null
}

# --- users, configuration, PAM ----------------------------------------------

# tl_user VAR [useradd options]: a fresh user corral-t-N; its name goes into VAR.
tl_user() {
	local __var=$1 name
	shift
	name=corral-t-$$-${#TL_USERS[@]}
	useradd -m -s /bin/bash "$@" "$name" || bail "useradd $name failed"
	TL_USERS+=("$name")
	printf -v "$__var" '%s' "$name"
}

tl_group() { # tl_group NAME: a group for this test, deleted when the test ends
	groupadd "$1" || bail "groupadd $1 failed"
	TL_GROUPS+=("$1")
}

tl_conf() { # tl_conf LINE...: the test's corral.conf
	printf '%s\n' "$@" > "$TL_CONF"
}

# tl_service [MODULE_ARGS...]: the test's PAM service, pam_corral from the build tree.
tl_service() {
	{
		echo "auth     required pam_permit.so"
		echo "account  required pam_permit.so"
		echo "session  required $CORRAL_BUILD/pam_module/pam_corral.so" \
			"helper=$TL_HELPER init=$TL_INIT config=$TL_CONF debug $*"
	} > "$TL_WORK/pam.d/$TL_SERVICE"
}

# tl_login USER [pamdrive options] -- COMMAND...: a login through the test's service.
tl_login() {
	local user=$1
	shift
	"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$user" "$@"
}

# tl_login_t SECONDS USER [pamdrive options] -- COMMAND...: tl_login under a timeout.
tl_login_t() {
	local t=$1 user=$2
	shift 2
	timeout "$t" "$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$user" "$@"
}

# tl_login_bg USER [pamdrive options] -- COMMAND...: the same in the background,
# its pid (pamdrive's own, not a subshell's) in TL_BG.
tl_login_bg() {
	local user=$1
	shift
	"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$user" "$@" &
	TL_BG=$!
	TL_PIDS+=("$TL_BG")
}

# tl_wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
tl_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

tl_log_has() { grep -Eq -- "$1" "$TL_LOG"; }

tl_sessions_of() { # the number of open session state files of uid $1
	local n=0 f
	for f in /run/corral/sessions/"$1"/*; do
		[ -f "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# --- e2e helpers (tests/e2e/) ------------------------------------------------

# todo STATUS REASON DESCRIPTION: a check of a known, reported bug, as a TAP
# "# TODO": its failure is expected and fails nothing (meson: EXPECTEDFAIL).
# When it passes the bug is fixed: the test fails (meson: UNEXPECTEDPASS) so
# that the todo is turned into an ordinary check.
todo() {
	local status=$1 reason=$2
	shift 2
	TL_COUNT=$((TL_COUNT + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $TL_COUNT - $* # TODO $reason"
		diag "this known bug looks fixed: make the todo an ordinary check"
		TL_FAILED=$((TL_FAILED + 1))
	else
		echo "not ok $TL_COUNT - $* # TODO $reason"
	fi
	return 0
}

# tl_opened FIELD USER: FIELD (session, init) of USER's last session opening in the log.
tl_opened() {
	sed -n "s/.*corral-helper.*session opened for user '$2' .* $1=\([0-9a-f]*\).*/\1/p" \
		"$TL_LOG" | tail -n 1
}
