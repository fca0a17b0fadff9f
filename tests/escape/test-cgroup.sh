#!/bin/bash
# Escape attempts on cgroups, run by an ordinary user inside a session: its
# cgroup namespace view (/proc/self/cgroup, /sys/fs/cgroup), moving itself out
# (cgroup.procs), raising its limits, delegating (cgroup.subtree_control,
# mkdir), and, in an unprivileged user namespace, mounting cgroup hierarchies
# itself and writing release_agent (CVE-2022-0492). Runs on cgroup v1/hybrid
# hosts and (suite vm) on cgroup v2.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
. "$CORRAL_SRC/tests/escape/esclib.sh"
tl_init "$@"

tl_user alice
tl_user bob
auid=$(id -u "$alice")
buid=$(id -u "$bob")
tl_conf '[defaults]' 'pids_max = 64' 'memory_max = 256M'
esc_world "$alice" "$bob"

# The user's cgroup directories and limit files, as the host sees them.
limits_of() {
	local root f
	for root in $(tl_cgroup_roots); do
		for f in pids.max memory.max memory.limit_in_bytes; do
			[ -f "$root/$1/$f" ] && echo "$root/$1/$f=$(cat "$root/$1/$f")"
		done
	done
}
limits_before=$(limits_of "$auid")
like "$limits_before" 'pids.max=64' "control: alice's user cgroup has pids.max 64 on the host"
if awk '$9 == "cgroup" { f = 1 } END { exit !f }' /proc/self/mountinfo; then
	v1=1
	views="blkio cpu cpuset memory pids"	# the v1 hierarchies corral uses, as the session sees them
else
	v1=0
	views=.
fi

# --- the view -----------------------------------------------------------------------
esc_attack "$alice" '
	echo "self=$(cut -d: -f3 /proc/self/cgroup | sort -u | tr "\n" " ")"
	echo "dirs=$(cd /sys/fs/cgroup && find . -mindepth 1 -type d | sort | tr "\n" " ")"
	echo "names=$(find /sys/fs/cgroup | grep -E "'"$TL_CGROUP_ROOT|/$auid|/$buid"'")"
	echo "release_agent=$(find /sys/fs/cgroup -name release_agent)"
	for v in '"$views"'; do
		mapfile -t pids < /sys/fs/cgroup/$v/cgroup.procs
		zeros=0
		for p in "${pids[@]}"; do
			if [ "$p" = 0 ]; then zeros=$((zeros + 1)); else [ -d /proc/$p ] || echo "foreign_$v=$p"; fi
		done
		echo "zeros_${v#.}=$zeros"
	done
'
is "$ESC_RC" 0 "the attacking login runs"
is "$(esc_get self)" "/ " "/proc/self/cgroup shows / in every hierarchy (a cgroup namespace)"
if [ "$v1" = 1 ]; then
	is "$(esc_get dirs)" "./blkio ./cpu ./cpuset ./memory ./pids " \
		"/sys/fs/cgroup inside has the session's view of corral's hierarchies, no cgroup below"
else
	is "$(esc_get dirs)" "" "/sys/fs/cgroup inside is the session's cgroup, no cgroup below"
fi
is "$(esc_get names)" "" "no cgroup of corral's root, of alice's or of bob's uid is visible inside"
is "$(esc_get release_agent)" "" "no release_agent is visible inside"
is "$(esc_get "foreign_[a-z.]*")" "" "every cgroup.procs inside lists processes of the session only"
# cgroup v2 lists a process of another PID namespace as 0 (v1 leaves it out): the one
# such process in the session's cgroup is the PAM application, moved there by design.
is "$(esc_get "zeros_[a-z]*" | sort -u | tr '\n' ' ')" "$([ "$v1" = 1 ] && echo 0 || echo 1) " \
	"the only process from outside in the session's cgroups is the PAM application (as pid 0)"

# --- moving out, raising limits, delegating --------------------------------------
esc_attack "$alice" '
	before=$(cat /proc/self/cgroup)
	for v in '"$views"'; do
		d=/sys/fs/cgroup/$v
		for f in cgroup.procs tasks cgroup.threads cgroup.subtree_control cgroup.kill \
			notify_on_release pids.max memory.max memory.high memory.swap.max \
			memory.limit_in_bytes memory.memsw.limit_in_bytes cpu.max cpu.cfs_quota_us \
			cpu.weight cpu.shares io.weight blkio.weight cpuset.cpus cpuset.mems; do
			[ -e $d/$f ] || continue
			case $f in
			cgroup.procs|tasks|cgroup.threads) value=$$ ;;
			cgroup.subtree_control) value=+pids ;;
			cgroup.kill|notify_on_release) value=1 ;;
			*) value=max ;;
			esac
			echo "write_${v#.}_$f=$($P write $d/$f $value)"
		done
		echo "mkdir_${v#.}=$($P mkdir $d/escape)"
	done
	echo "moved=$(test "$(cat /proc/self/cgroup)" = "$before" && echo no || echo yes)"
'
is "$ESC_RC" 0 "the attacking login runs"
writes=$(printf '%s\n' "$ESC_OUT" | grep -E '^(write|mkdir)_')
like "$writes" 'cgroup.procs=' "the attack found cgroup.procs to write"
like "$writes" 'pids.max=' "the attack found pids.max to write"
unlike "$writes" '=[^E]|=E[^A]' "every write to a cgroup file and every mkdir inside is refused (EACCES)"
is "$(esc_get moved)" no "the shell is still in its session's cgroups"
is "$(limits_of "$auid")" "$limits_before" "alice's limits on the host are unchanged"

# --- in a user namespace ------------------------------------------------------------
# Root of a user namespace with a cgroup namespace of its own may mount cgroup
# hierarchies. What it mounts is rooted where the session's cgroup namespace is.
if [ "$(esc_host "$alice" unshare -U true 2>&1 && echo yes)" != yes ]; then
	skip "unprivileged user namespaces are disabled on this host"
else
	esc_attack "$alice" '
		m=$HOME/cg
		unshare -UrmC sh -c "
			for h in $*; do
				mkdir -p $m/\$h
				case \$h in
				unified) mount -t cgroup2 none $m/\$h || continue ;;
				*) mount -t cgroup -o \$h none $m/\$h || continue ;;
				esac
				echo mounted_\$h=yes
				echo dirs_\$h=\$(find $m/\$h -mindepth 1 -type d | wc -l)
				echo procs_\$h=\$(wc -l < $m/\$h/cgroup.procs)
				echo write_procs_\$h=\$($P write $m/\$h/cgroup.procs \$\$)
				[ -e $m/\$h/release_agent ] &&
					echo release_agent_\$h=\$($P write $m/\$h/release_agent /bin/true)
			done
			echo procs_self=\$(cd /proc && echo [0-9]* | wc -w)
		"
	' $(if [ "$v1" = 1 ]; then echo memory pids cpu blkio cpuset freezer devices name=systemd unified; else echo unified; fi)
	is "$ESC_RC" 0 "the attacking login runs"
	for h in $(if [ "$v1" = 1 ]; then echo memory pids cpu blkio cpuset; else echo unified; fi); do
		is "$(esc_get "mounted_$h")" yes "in a user namespace, the $h hierarchy can be mounted"
		is "$(esc_get "dirs_$h")" 0 "... and shows the session's cgroup only, no cgroup below ($h)"
		[ "$(esc_get "procs_$h")" -le "$(esc_get procs_self)" ]
		ok $? "... whose cgroup.procs lists no more processes than the session has ($h)"
		is "$(esc_get "write_procs_$h")" EACCES "... and its cgroup.procs is not writable ($h)"
	done
	if [ "$v1" = 1 ]; then
		for h in freezer devices name=systemd unified; do
			[ "$(esc_get "mounted_$h")" = yes ] &&
				diag "in a user namespace, $h shows $(esc_get "dirs_$h") cgroups below its root" \
					"and $(esc_get "procs_$h") processes in it (the session has $(esc_get procs_self))"
		done
	fi
fi
# A cgroup namespace is rooted where its creator was, in every hierarchy: where
# that is not a cgroup of corral's (the hierarchies corral does not limit, on v1
# and hybrid hosts), a user namespace can mount the host's tree from there.
outside=$(grep -v ":/$TL_CGROUP_ROOT/$auid/" "/proc/$ESC_ATTACKER_OTHER/cgroup")
if [ "$v1" = 1 ]; then
	[ -z "$outside" ]
	todo $? "corral puts sessions into cgroups of its own only in the hierarchies it limits" \
		"every hierarchy of a session process is a session cgroup of corral's (none of the host's can be mounted)"
	diag "hierarchies of the session outside corral's tree:" "$outside"
else
	is "$outside" "" "the session's cgroup (and namespace root) is corral's session cgroup"
fi
if [ "$(esc_host "$alice" unshare -U true 2>&1 && echo yes)" = yes ]; then
	ra=$(printf '%s\n' "$ESC_OUT" | grep '^release_agent_')
	unlike "$ra" '=ok' "release_agent is never writable from a user namespace (CVE-2022-0492)"
	[ -n "$ra" ] && diag "release_agent reached and refused:" "$ra"
fi
is "$(limits_of "$auid")" "$limits_before" "alice's limits on the host are unchanged"
check "the targets outlived every attack" -- esc_world_alive

tl_done
