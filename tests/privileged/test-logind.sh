#!/bin/bash
# Coexistence with systemd-logind, the part that can be tested without
# systemd as PID 1 (docs/design.md says what cannot): pam_systemd comes
# before pam_corral in the stack, as in Debian's common-session, and the PAM
# application starts inside a session scope, as pam_systemd leaves it
# (emulated here: <hierarchy>/corral-t-PID-logind.slice/session-c1.scope).
# corral moves the application into its own tree only in the hierarchies it
# uses, creates nothing below the slice, and moves it back into the scope at
# close, where logind expects it.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user alice
auid=$(id -u "$alice")
slice_name=corral-t-$$-logind.slice
scope_name=session-c1.scope

# Every hierarchy, as "mount-point<TAB>used-by-corral" (yes/no): v1 ones with
# a controller corral limits, and the v1 freezer beside them (corralctl
# freeze); cgroup2 only when it is the only hierarchy with controllers
# (unified layout). cpuset is left out: it needs cpus and mems set
# before a process may join a new cgroup, and no one would put a scope there.
hierarchies() {
	awk -v unified="$unified" '
		$9 == "cgroup" && $NF !~ /(^|,)cpuset(,|$)/ {
			used = $NF ~ /(^|,)(memory|cpu|pids|blkio)(,|$)/ ? "yes" : "no"
			if ($NF ~ /(^|,)freezer(,|$)/ && unified == "no")
				used = "yes"
			print $5 "\t" used
		}
		$9 == "cgroup2" { print $5 "\t" unified }' /proc/self/mountinfo
}
unified=yes
awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { f = 1 } END { exit !f }' /proc/self/mountinfo &&
	unified=no
mapfile -t hiers < <(hierarchies)
[ "${#hiers[@]}" -gt 0 ] || bail "no cgroup hierarchy mounted"

logind_cleanup() {
	local h mnt
	for h in "${hiers[@]}"; do
		mnt=${h%%$'\t'*}
		rmdir "$mnt/$slice_name/$scope_name" "$mnt/$slice_name" 2>/dev/null
	done
}
trap 'st=$?; logind_cleanup; (exit $st); tl_cleanup' EXIT

for h in "${hiers[@]}"; do
	mnt=${h%%$'\t'*}
	mkdir -p "$mnt/$slice_name/$scope_name" || bail "cannot create the scope in $mnt"
done
find_slices() {
	for h in "${hiers[@]}"; do
		find "${h%%$'\t'*}/$slice_name" -mindepth 1 -type d
	done | sort
}
before=$(find_slices)

# The stack: pam_systemd first (optional; without logind running it steps
# aside), corral, then pam_exec, which at close runs after corral's turn and
# records where the application is (its child starts in the same cgroups).
rec=$TL_WORK/where
cat > "$TL_WORK/record.sh" <<EOF
#!/bin/sh
[ "\$PAM_TYPE" = close_session ] && cat /proc/self/cgroup > $rec.close
exit 0
EOF
chmod 0755 "$TL_WORK/record.sh"
{
	echo "auth     required pam_permit.so"
	echo "account  required pam_permit.so"
	echo "session  optional pam_systemd.so"
	echo "session  required $CORRAL_BUILD/pam_module/pam_corral.so" \
		"helper=$TL_HELPER init=$TL_INIT config=$TL_CONF debug"
	echo "session  optional pam_exec.so quiet $TL_WORK/record.sh"
} > "$TL_WORK/pam.d/$TL_SERVICE"

work=$TL_WORK/logind
mkdir -m 0777 "$work"
# The application starts in the scope in every hierarchy, as pam_systemd leaves it.
scopes=()
for h in "${hiers[@]}"; do
	scopes+=("${h%%$'\t'*}/$slice_name/$scope_name/cgroup.procs")
done
sh -c 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 97; shift; done; shift; exec "$@"' \
	sh "${scopes[@]}" -- \
	"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$alice" \
	-- sh -c "sleep 300 & touch $work/up; while [ ! -e $work/go ]; do sleep 0.05; done" &
app=$!
TL_PIDS+=("$app")
check "a login with pam_systemd before pam_corral opens" -- tl_wait_for 10 test -e "$work/up"

# cgroup_in FILE MNT: the path, in FILE (a /proc/PID/cgroup), of the hierarchy mounted at MNT.
cgroup_in() {
	local fstype opts ctrls path
	fstype=$(awk -v m="$2" '$5 == m { print $9; exit }' /proc/self/mountinfo)
	opts=$(awk -v m="$2" '$5 == m { print $NF; exit }' /proc/self/mountinfo)
	while IFS=: read -r _ ctrls path; do
		if [ "$fstype" = cgroup2 ]; then
			[ -z "$ctrls" ] && echo "$path"
		elif [ -n "$ctrls" ] && [[ ",$opts," == *",${ctrls%%,*},"* ]]; then
			echo "$path"
		fi
	done < "$1"
}

session_re="^/$TL_CGROUP_ROOT/$auid/[0-9a-f]{16}\$"
scope_path=/$slice_name/$scope_name
tl_wait_for 5 pgrep -u "$alice" -fx "sleep 300" >/dev/null
child=$(pgrep -u "$alice" -fx "sleep 300")
for h in "${hiers[@]}"; do
	mnt=${h%%$'\t'*}
	used=${h#*$'\t'}
	if [ "$used" = yes ]; then
		like "$(cgroup_in "/proc/$app/cgroup" "$mnt")" "$session_re" \
			"$mnt: during the session the application is in corral's session cgroup"
		like "$(cgroup_in "/proc/$child/cgroup" "$mnt")" "$session_re" \
			"$mnt: ... and so is the session's process"
	else
		is "$(cgroup_in "/proc/$app/cgroup" "$mnt")" "$scope_path" \
			"$mnt: a hierarchy corral does not use: the application stays in its scope"
	fi
done
is "$(find_slices)" "$before" "corral created nothing below the logind slice"

touch "$work/go"
wait "$app"
is "$?" 0 "the session closes"
check "pam_exec ran after corral's close" -- test -s "$rec.close"
for h in "${hiers[@]}"; do
	mnt=${h%%$'\t'*}
	is "$(cgroup_in "$rec.close" "$mnt")" "$scope_path" \
		"$mnt: after corral's close the application is back in its scope"
done
for h in "${hiers[@]}"; do
	mnt=${h%%$'\t'*}
	is "$(cat "$mnt/$slice_name/$scope_name/cgroup.procs")" "" \
		"$mnt: the scope is empty after the application exited"
done
removable() {
	local h
	for h in "${hiers[@]}"; do
		rmdir "${h%%$'\t'*}/$slice_name/$scope_name" || return 1
	done
}
check "... and logind can remove it: corral left nothing inside" -- removable

tl_done
