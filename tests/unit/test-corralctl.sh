#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# corralctl as an admin runs it: exit statuses, what goes to stdout and to
# stderr, exact messages. Configurations are scratch files under /tmp, read
# with --no-owner-check (/tmp is world-writable, so with the checks every
# file there is refused: that refusal is tested too).
#
# usage: test-corralctl.sh PATH-TO-corralctl PATH-TO-SHIPPED-corral.conf
# The predicates below are only ever called through t().
# shellcheck disable=SC2317
set -u

CTL=${1:?usage: $0 CORRALCTL SHIPPED-CONF}
SHIPPED=${2:?usage: $0 CORRALCTL SHIPPED-CONF}
D=$(mktemp -d /tmp/corral-test-XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0

# t DESCRIPTION COMMAND...: one TAP line; on failure, the last run's output as diagnostics.
t() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
		echo "# exit status $rc; stdout:"
		sed 's/^/#   /' "$D/out"
		echo "# stderr:"
		sed 's/^/#   /' "$D/err"
	fi
}

# skip WHY: a skip, or a failure under CORRAL_TEST_STRICT=1 (meson test --setup ci).
skip() {
	n=$((n + 1))
	if [ "${CORRAL_TEST_STRICT:-}" = 1 ]; then
		echo "not ok $n - skipped, and CORRAL_TEST_STRICT=1 forbids skips: $1"
		failed=1
	else
		echo "ok $n # SKIP $1"
	fi
}

# run ARGS...: corralctl's stdout, stderr and status into $D/out, $D/err and $rc.
run() {
	"$CTL" "$@" >"$D/out" 2>"$D/err"
	rc=$?
}

status() { [ "$rc" = "$1" ]; }
err_is() { [ "$(cat "$D/err")" = "$1" ]; }
out_has_line() { grep -qxF -- "$1" "$D/out"; }
out_lacks() { ! grep -qF -- "$1" "$D/out"; }
err_matches() { grep -qE -- "$1" "$D/err"; }
empty() { [ ! -s "$D/$1" ]; }
# A row of `policy` output: the key column is 21 wide (network_bridge_create), the value 15.
row() { printf '%-21s %s' "$1" "$2"; }
row3() { printf '%-21s %-15s %s' "$1" "$2" "$3"; }

# --- the command line ---
run --help
t "--help: exit 0" status 0
t "--help: usage on stdout" grep -q '^usage: corralctl ' "$D/out"
t "--help: lists check and policy" grep -q '^  policy ' "$D/out"
run --version
t "--version: exit 0" status 0
t "--version: prints the version" grep -qE '^corralctl [0-9]+\.[0-9]+' "$D/out"
run
t "no command: exit 2" status 2
t "no command: says so" err_is "corralctl: missing command
Try 'corralctl --help'."
run frobnicate
t "unknown command: exit 2" status 2
t "unknown command: named" err_matches "^corralctl: unknown command 'frobnicate'$"
t "unknown command: nothing on stdout" empty out
run --frob check
t "unknown option: exit 2" status 2
t "unknown option: named" err_matches "^corralctl: unknown option '--frob'$"
run check --frob
t "unknown option of a verb: exit 2" status 2
t "unknown option of a verb: named" err_matches "^corralctl: unknown option '--frob'$"
run check a b
t "check with two files: exit 2" status 2
t "check with two files: names the extra one" err_matches "^corralctl: check: unexpected argument 'b'$"
run policy --config
t "--config without a file: exit 2" status 2
t "--config without a file: says so" err_matches "^corralctl: option '--config' needs an argument$"
run policy --no-owner-check
t "policy without a user: exit 2" status 2
run check --help
t "check --help: exit 0" status 0
t "check --help: its usage" grep -q '^usage: corralctl check ' "$D/out"

# --- check ---
mkdir "$D/corral.conf.d"
cat >"$D/corral.conf" <<'EOF'
[global]
exempt_users = root

[defaults]
kill_grace = 3s

[user:nobody]
kill_grace = 2s
hostname = %u-lab
EOF
printf '[defaults]\non_error = allow\nscope = user\n' >"$D/corral.conf.d/50-site.conf"
echo 'garbage' >"$D/corral.conf.d/README"

run check --no-owner-check "$D/corral.conf"
t "check good files: exit 0" status 0
t "check good files: the summary" out_has_line "$D/corral.conf: OK (2 files, ownership not checked)"
t "check good files: lists the main file" out_has_line "  $D/corral.conf"
t "check good files: lists the drop-in" out_has_line "  $D/corral.conf.d/50-site.conf"
t "check good files: ignores README" out_lacks README
t "check good files: nothing on stderr" empty err

run check --no-owner-check "$SHIPPED"
t "check the shipped file: exit 0" status 0
t "check the shipped file: no warning" empty err

mkdir "$D/dropin.conf.d"
printf '[global]\nexempt_users = root\n' >"$D/dropin.conf"
printf '[global]\nexempt_users = backup\n' >"$D/dropin.conf.d/50-site.conf"
run check --no-owner-check "$D/dropin.conf"
t "check a drop-in whose exempt_users leaves root out: exit 0 (valid)" status 0
t "check a drop-in whose exempt_users leaves root out: a warning, where and what it means" \
	err_is "corralctl: warning: $D/dropin.conf.d/50-site.conf:2: [global] exempt_users: root is not listed (nor in a group of exempt_groups): root's logins are isolated"
printf '[global]\nexempt_users = backup\nexempt_groups = root\n' >"$D/dropin.conf.d/50-site.conf"
run check --no-owner-check "$D/dropin.conf"
t "check: root exempt through exempt_groups: no warning" empty err

printf '[defaults]\n[group:corral-no-such-group]\nkill_grace = 1s\n' >"$D/group.conf"
run check --no-owner-check "$D/group.conf"
t "check a [group:NAME] for a group this host lacks: exit 0 (valid)" status 0
t "check a [group:NAME] for a group this host lacks: a warning" \
	err_is "corralctl: warning: $D/group.conf:2: [group:corral-no-such-group]: no group 'corral-no-such-group': the section applies to nobody"
run check --no-owner-check --no-host-check "$D/group.conf"
t "check --no-host-check: no warning about groups" empty err

printf '[defaults]\nkill_on_logout = yes\nkill_grace = 5q\n' >"$D/bad.conf"
run check --no-owner-check "$D/bad.conf"
t "check a bad file: exit 1" status 1
t "check a bad file: file, line, section, key" \
	err_is "corralctl: $D/bad.conf:3: [defaults] kill_grace: '5q' is not a duration (use 5, 5s, 250ms or 2m)"
t "check a bad file: nothing on stdout" empty out

printf '[defaults]\nio_max = /nonexistent wbps=1M\n' >"$D/host.conf"
run check --no-owner-check "$D/host.conf"
t "check a limit this host cannot carry: exit 1" status 1
t "check a limit this host cannot carry: file, line, section, key, why" \
	err_matches "^$D/host.conf:2: \\[defaults\\] io_max: /nonexistent: No such file or directory$"
t "check a limit this host cannot carry: how many, and what follows" \
	err_matches "^corralctl: 1 setting cannot be carried on this host \\(.*\\): logins they apply to fail, per on_error$"
run check --no-owner-check --no-host-check "$D/host.conf"
t "check --no-host-check: exit 0" status 0

run check --no-owner-check "$D/missing.conf"
t "check a missing file: exit 1" status 1
t "check a missing file: says so" err_is "corralctl: $D/missing.conf: does not exist"

run check "$D/corral.conf"
t "check with owner checks under /tmp: exit 1" status 1
t "check with owner checks under /tmp: the reason" \
	err_matches '^corralctl: /.*: (file|directory) is (writable by group or others|not owned by root)'

# --- policy ---
run policy --no-owner-check --config "$D/corral.conf" root
t "policy root: exit 0" status 0
t "policy root: exempt, and by which line" \
	out_has_line "$(row exempt "yes: user 'root' is listed in exempt_users ($D/corral.conf:2 [global])")"
t "policy root: a built-in default" out_has_line "$(row3 kill_on_logout yes 'built-in default')"
t "policy root: a value from a drop-in" \
	out_has_line "$(row3 on_error allow "$D/corral.conf.d/50-site.conf:2 [defaults]")"
t "policy root: scope, from the drop-in" \
	out_has_line "$(row3 scope user "$D/corral.conf.d/50-site.conf:3 [defaults]")"
t "policy root: linger, a built-in default" out_has_line "$(row3 linger no 'built-in default')"
t "policy root: private_tmp, a built-in default" \
	out_has_line "$(row3 private_tmp no 'built-in default')"
t "policy root: tmp_size unset, shown as \"\"" \
	out_has_line "$(row3 tmp_size '""' 'built-in default')"

if getent passwd nobody >/dev/null 2>&1; then
	run policy --no-owner-check "--config=$D/corral.conf" nobody
	t "policy nobody: exit 0" status 0
	t "policy nobody: not exempt" \
		out_has_line "$(row exempt "no: not listed in exempt_users ($D/corral.conf:2 [global]), in no group listed in exempt_groups")"
	t "policy nobody: [user:nobody] beats [defaults]" \
		out_has_line "$(row3 kill_grace 2s "$D/corral.conf:8 [user:nobody]")"
	t "policy nobody: the template expanded" \
		out_has_line "$(row3 hostname nobody-lab "$D/corral.conf:9 [user:nobody]")"
else
	skip "no user 'nobody' on this system"
fi

# The longest values (io_max of several disks) are printed whole.
printf '[defaults]\nio_max = /dev/vda rbps=50M wbps=20M riops=500 wiops=500, /dev/vdb rbps=1G\n' \
	>"$D/io.conf"
run policy --no-owner-check --config "$D/io.conf" root
t "policy with a long io_max: exit 0" status 0
t "policy with a long io_max: the whole value" out_has_line "$(row3 io_max \
	'/dev/vda rbps=52428800 wbps=20971520 riops=500 wiops=500, /dev/vdb rbps=1073741824' \
	"$D/io.conf:2 [defaults]")"

run policy --no-owner-check --config "$D/corral.conf" corral-t-no-such-user
t "policy for a missing user: exit 1" status 1
t "policy for a missing user: says so" err_is "corralctl: no such user 'corral-t-no-such-user'"
t "policy for a missing user: nothing on stdout" empty out

run policy --no-owner-check --config "$D/bad.conf" root
t "policy with a bad file: exit 1" status 1
t "policy with a bad file: the file's error" \
	err_is "corralctl: $D/bad.conf:3: [defaults] kill_grace: '5q' is not a duration (use 5, 5s, 250ms or 2m)"

echo "1..$n"
exit $failed
