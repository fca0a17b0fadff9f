#!/bin/bash
# The two install modes of meson option helper_mode, built and installed for
# real (meson install into a prefix in this test's private /run, so the paths
# compiled in are the installed ones): setuid installs corral-helper 4755
# root:root and ordinary users get `corralctl status`; root-only installs it
# 0750 root:root without the set-user-ID bit, users cannot run it at all and
# corralctl says status is not available. A login works with either helper,
# and a root-only helper made set-user-ID by hand fails closed.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

tl_user mallory
uid=$(id -u "$mallory")
tl_conf '[defaults]' 'pids_max = 77'
hl_snapshot

# build_install MODE: configure (once), build and install into $TL_WORK/inst-MODE.
build_install() {
	local mode=$1 dir=$CORRAL_BUILD/tests/hostile/install-$1 prefix=$TL_WORK/inst-$1
	if [ -d "$dir/meson-private" ]; then
		meson configure "$dir" -Dprefix="$prefix" >/dev/null
	else
		meson setup "$dir" "$CORRAL_SRC" -Dhelper_mode="$mode" -Dtests=false \
			-Dprefix="$prefix" >/dev/null
	fi || return 1
	ninja -C "$dir" >/dev/null && meson install -C "$dir" --no-rebuild >/dev/null
}

for mode in setuid root-only; do
	prefix=$TL_WORK/inst-$mode
	out=$(build_install "$mode" 2>&1)
	ok $? "helper_mode=$mode: builds and installs" || { diag "$out"; continue; }
	helper=$prefix/libexec/corral/corral-helper
	init=$prefix/libexec/corral/corral-init
	ctl=$prefix/sbin/corralctl
	module=$(find "$prefix" -name pam_corral.so | head -n 1)
	if [ "$mode" = setuid ]; then
		is "$(stat -c '%a %U:%G' "$helper")" "4755 root:root" "setuid: corral-helper is 4755 root:root"
	else
		is "$(stat -c '%a %U:%G' "$helper")" "750 root:root" \
			"root-only: corral-helper is 0750 root:root, no set-user-ID bit"
	fi
	is "$(stat -c '%a %U' "$init")" "755 root" "$mode: corral-init is 0755 root, not set-user-ID"

	# A login through the installed module and helper.
	{
		echo "auth     required pam_permit.so"
		echo "account  required pam_permit.so"
		echo "session  required $module helper=$helper init=$init config=$TL_CONF"
	} > "$TL_WORK/pam.d/$TL_SERVICE"
	out=$(tl_login_t 30 "$mallory" -- /bin/sh -c 'cat /proc/1/comm; echo "$CORRAL_SESSION"' 2>&1)
	is "$?" 0 "$mode: a login through the installed helper works"
	like "$out" '^corral-init$' "$mode: and is isolated (PID 1 is corral-init)"

	# What an ordinary user gets.
	hl_session_bg "$mallory"
	out=$(hl_as "$mallory" "$ctl" status 2>&1)
	rc=$?
	if [ "$mode" = setuid ]; then
		is "$rc" 0 "setuid: corralctl status works for an ordinary user"
		like "$out" "^session $HL_SID started" "setuid: it lists the user's session"
		like "$out" "pids_max 77" "setuid: with its limits"
	else
		is "$rc" 1 "root-only: corralctl status fails for an ordinary user"
		like "$out" "status is not available to ordinary users.*root-only" \
			"root-only: and says status is not available, and why"
		out=$(hl_as "$mallory" "$helper" status 2>&1)
		is "$?:$(printf '%s' "$out" | grep -c 'Permission denied')" 126:1 \
			"root-only: the user cannot run corral-helper at all (EACCES)" || diag "$out"
		like "$("$ctl" status 2>&1)" "^uid 0 has no corral sessions" \
			"root-only: root still can"
		# Made set-user-ID by hand: the build knows it is root-only and refuses.
		install -m 4755 "$helper" "$TL_WORK/bin-suid-by-mistake"
		out=$(hl_as "$mallory" "$TL_WORK/bin-suid-by-mistake" status 2>&1)
		hl_refused "$out" $? "root-only helper chmod 4755 by mistake, 'status'"
		rm -f "$TL_WORK/bin-suid-by-mistake"
	fi
	check "$mode: the background session ends normally" -- hl_session_end "$mallory"
done
tl_service

hl_unchanged "after both installs"
tl_done
