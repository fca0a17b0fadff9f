# shellcheck shell=bash
# What the hostile tests share, on top of tests/lib/testlib.sh (source that,
# call tl_init, then source this):
#
#   hl_setuid_helper        installs the build's helper set-user-ID root as
#                           $HL_SUID (in the test's private /run)
#   hl_as USER CMD...       CMD as USER (real, effective and saved ids, and
#                           USER's groups), environment as it is
#   hl_snapshot             records the host: the machine's mount table and
#                           the test's own (where the helper runs), the
#                           hostname, a checksum of /etc
#   hl_unchanged WHAT       checks (TAP) that all of it is as recorded, and
#                           that nothing is left: no process of a test user,
#                           no session state, no cgroup but the test's root
#                           and its inits, no process in them
#   hl_refused OUT RC WHAT  checks the one refusal sentence and status 1
#   hl_evil_dir USER        a directory owned by USER holding libevil.so (and
#                           a gconv-modules file naming it), in $HL_EVIL_DIR
#   hl_hits                 the marks libevil.so left there (hit.COMM.EUID)
#   hl_tripwire PATH        a FIFO at PATH whose opening leaves PATH.hit
#   hl_session_bg USER      a session of USER running 'sleep 1000' in the
#                           background, up once its state file exists; its
#                           pamdrive's pid in HL_APP, its id in HL_SID
#   hl_session_end USER     ends it the normal way (its sleep exits, pamdrive
#                           closes the session); fails if pamdrive does

HL_LAUNCH=$CORRAL_BUILD/tests/hostile/hostile-launch
HL_CLIENT=$CORRAL_BUILD/tests/hostile/hostile-client
HL_EVIL=$CORRAL_BUILD/tests/hostile/libevil.so
HL_REFUSAL='corral-helper: refused: this program is run by pam_corral.so only'

# hl_mallory: the attacker, an ordinary user ($mallory, $uid, $gid), and the
# set-user-ID helper it runs ($HL_SUID). as_mallory runs a command as that user
# through hostile-launch; hl_norm blanks the usage figures of `status` output.
hl_mallory() {
	tl_user mallory
	uid=$(id -u "$mallory")
	gid=$(id -g "$mallory")
	hl_setuid_helper
}
as_mallory() { "$HL_LAUNCH" --user "$uid:$gid" "$@"; }
hl_norm() { sed -E 's/^(  (memory|pids)) [0-9]+$/\1 N/'; }

hl_setuid_helper() {
	mkdir -p "$TL_WORK/bin"
	install -o root -g root -m 4755 "$TL_HELPER" "$TL_WORK/bin/corral-helper"
	HL_SUID=$TL_WORK/bin/corral-helper
}

# setpriv keeps its capabilities through its own exec (the kernel clears them
# there): env, exec'd after, runs CMD with none, as the user's own shell would.
hl_as() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$user" --init-groups -- /usr/bin/env -- "$@"
}

hl_refused() { # hl_refused OUTPUT STATUS DESCRIPTION
	is "$2:$1" "1:$HL_REFUSAL" "$3: the one refusal sentence, status 1"
}

# The machine's and this test's mount tables, without the fields that other
# tests' private namespaces cannot change anyway.
hl_mounts() { awk '{ print $1, $2, $4, $5, $6 }' "$1"; }

hl_etc_sum() {
	# User and group databases change under every test that adds a user.
	find /etc -xdev ! -name 'passwd*' ! -name 'shadow*' ! -name 'group*' ! -name 'gshadow*' \
		! -name 'subuid*' ! -name 'subgid*' ! -name '.pwd.lock' \
		-printf '%y %m %U %G %p %l\n' 2>/dev/null | sort > "$TL_WORK/etc.list.new"
	{
		cat "$TL_WORK/etc.list.new"
		awk '$1 == "f" { print $5 }' "$TL_WORK/etc.list.new" | xargs -d '\n' sha256sum
	} | sha256sum | cut -d' ' -f1
}

hl_snapshot() {
	HL_MNT_HOST=$(hl_mounts /proc/1/mountinfo)
	HL_MNT_SELF=$(hl_mounts /proc/self/mountinfo)
	HL_HOSTNAME=$(hostname)
	HL_ETC=$(hl_etc_sum)
	cp "$TL_WORK/etc.list.new" "$TL_WORK/etc.list"
}

hl_no_user_procs() {
	local u
	for u in "${TL_USERS[@]}"; do
		pgrep -u "$u" >/dev/null && return 1
	done
	return 0
}

hl_no_state() {
	[ -z "$(find /run/corral/sessions -mindepth 1 ! -name .lock ! -name .counters 2>/dev/null)" ]
}

# Only <root> and <root>/inits may be left, with no process in either.
hl_cgroups_clean() {
	local root dir
	for root in $(tl_cgroup_roots); do
		for dir in $(find "$root" -mindepth 1 -type d); do
			[ "$dir" = "$root/inits" ] || return 1
		done
		for dir in "$root" "$root/inits"; do
			[ -s "$dir/cgroup.procs" ] && return 1
		done
	done
	return 0
}

hl_unchanged() {
	local what=$1 now
	check "$what: no process of a test user is left" -- tl_wait_for 10 hl_no_user_procs
	check "$what: no session state is left" -- tl_wait_for 10 hl_no_state
	check "$what: the test's cgroup tree holds only its root and inits, empty" -- \
		tl_wait_for 10 hl_cgroups_clean ||
		diag "$(for r in $(tl_cgroup_roots); do find "$r" -type d; done)"
	now=$(hl_mounts /proc/1/mountinfo)
	is "$now" "$HL_MNT_HOST" "$what: the machine's mount table is unchanged" ||
		diag "$(diff <(echo "$HL_MNT_HOST") <(echo "$now"))"
	now=$(hl_mounts /proc/self/mountinfo)
	is "$now" "$HL_MNT_SELF" "$what: the mount table the helper runs in is unchanged" ||
		diag "$(diff <(echo "$HL_MNT_SELF") <(echo "$now"))"
	is "$(hostname)" "$HL_HOSTNAME" "$what: the hostname is unchanged"
	now=$(hl_etc_sum)
	is "$now" "$HL_ETC" "$what: /etc is unchanged" ||
		diag "$(diff "$TL_WORK/etc.list" "$TL_WORK/etc.list.new")"
}

hl_evil_dir() {
	HL_EVIL_DIR=$TL_WORK/evil
	mkdir -p "$HL_EVIL_DIR"
	cp "$HL_EVIL" "$HL_EVIL_DIR/libevil.so"
	# PwnKit's shape: a charset whose converter is our library.
	printf 'module  UTF-8//  EVIL//  libevil  1\nmodule  EVIL//  UTF-8//  libevil  1\n' \
		> "$HL_EVIL_DIR/gconv-modules"
	chown -R "$1:" "$HL_EVIL_DIR"
	chmod 0777 "$HL_EVIL_DIR"
}

hl_hits() { (cd "$HL_EVIL_DIR" && ls hit.* 2>/dev/null | tr '\n' ' '); }
hl_clear_hits() { rm -f "$HL_EVIL_DIR"/hit.*; }

# hl_tripwire PATH: a FIFO; whoever opens it for reading lets the writer in
# the background go on and leave PATH.hit. The writer gives up after 60 s.
# The writer never creates PATH (dd conv=nocreat), and a new tripwire on the
# same PATH first ends the old writer: a writer that a loaded machine starts
# late must not find PATH removed, create a plain file there and "hit" it.
declare -gA HL_TRIPWIRES=()
hl_tripwire() {
	local old=${HL_TRIPWIRES[$1]:-}
	if [ -n "$old" ]; then
		tl_kill_tree "$old"
		{ wait "$old"; } 2>/dev/null
	fi
	rm -f "$1" "$1.hit"
	mkfifo -m 0666 "$1"
	timeout 60 dd if=/dev/null of="$1" conv=nocreat,notrunc status=none 2>/dev/null &&
		: > "$1.hit" &
	HL_TRIPWIRES[$1]=$!
	TL_PIDS+=("$!")
}

hl_sessions() { ls /run/corral/sessions/"$(id -u "$1")" 2>/dev/null; }
hl_has_session() { [ -n "$(hl_sessions "$1")" ]; }

# The command of the login whose pamdrive is $1, once it runs (pamdrive's child, exec'd).
hl_command_of() { pgrep -P "$1" -x sleep; }

hl_session_bg() {
	tl_login_bg "$1" -- sleep 1000 </dev/null >/dev/null 2>&1
	HL_APP=$TL_BG
	tl_wait_for 10 hl_has_session "$1" || bail "no session of $1 came up"
	tl_wait_for 10 hl_command_of "$HL_APP" >/dev/null || bail "the login of $1 runs no command"
	HL_SID=$(hl_sessions "$1")
}

hl_session_end() {
	local pid
	tl_wait_for 10 hl_command_of "$HL_APP" >/dev/null
	for pid in $(hl_command_of "$HL_APP"); do
		kill "$pid"
	done
	wait "$HL_APP"
	[ $? -eq 143 ]	# pamdrive: its command's SIGTERM; 101-103 would be a failed close
}
