#!/bin/bash
# Runs inside the test VM (tests/vm/run-in-vm.sh): the guest really is a
# cgroup v2 unified host, so the vm suite proves corral on v2. The cgroup2
# root lists cpu, memory, pids and io; a child with +memory +pids +cpu in its
# parent's subtree_control gets memory.max, pids.max and cpu.max; pids.max = 5
# really stops forks (at most 20 tried, under a timeout). Uses only cgroups it
# creates, removed at exit.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99

[ "${CORRAL_VM:-}" = 1 ] || bail "run this inside the VM: tests/vm/run-in-vm.sh -- $0"
[ "$(id -u)" -eq 0 ] || bail "needs root"
diag "kernel $(uname -r)"

cg=/sys/fs/cgroup
fstypes=$(awk '$9 ~ /^cgroup2?$/ { print $9 " " $5 }' /proc/self/mountinfo)
is "$(awk '$5 == "/sys/fs/cgroup" { print $9 }' /proc/self/mountinfo)" cgroup2 \
	"/sys/fs/cgroup is a cgroup2 mount"
unlike "$fstypes" '^cgroup ' "no cgroup v1 hierarchy is mounted (unified layout)"
diag "cgroup mounts: $fstypes"
self_cg=$(cat /proc/self/cgroup)
like "$self_cg" '^0::/' "/proc/self/cgroup has the v2 line"
is "$(printf '%s\n' "$self_cg" | wc -l)" 1 "... and no other (no v1 hierarchy)"

controllers=$(cat $cg/cgroup.controllers)
diag "cgroup.controllers: $controllers"
for c in cpu memory pids io; do
	like " $controllers " " $c " "the root's cgroup.controllers lists $c"
done

parent=$cg/vm-cgroup2-test-$$
child=$parent/child
cleanup() {
	local d pid
	for d in "$child" "$parent"; do
		[ -d "$d" ] || continue
		for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	sleep 0.2
	rmdir "$child" "$parent" 2>/dev/null
}
trap cleanup EXIT

check "a cgroup can be created under the root" -- mkdir "$parent"
check "+memory +pids +cpu can be enabled in its subtree_control" -- \
	sh -c 'echo "+memory +pids +cpu" > "$1/cgroup.subtree_control"' sh "$parent"
check "a child cgroup can be created" -- mkdir "$child"
like " $(cat "$child/cgroup.controllers" 2>&1) " ' cpu .*memory pids ' \
	"the child's cgroup.controllers has cpu, memory and pids"
for f in memory.max pids.max cpu.max; do
	check "the child has $f" -- test -f "$child/$f"
done
echo 64M > "$child/memory.max" 2>/dev/null
is "$(cat "$child/memory.max" 2>&1)" 67108864 "memory.max takes 64M"
echo "50000 100000" > "$child/cpu.max" 2>/dev/null
is "$(cat "$child/cpu.max" 2>&1)" "50000 100000" "cpu.max takes a quota"
echo 5 > "$child/pids.max" 2>/dev/null
is "$(cat "$child/pids.max" 2>&1)" 5 "pids.max takes 5"

# The forker moves itself in (1 task), then tries 20 forks: 4 fit under 5.
out=$(timeout 60 perl -e '
	open(my $f, ">", "$ARGV[0]/cgroup.procs") or die "cgroup.procs: $!\n";
	print $f "$$\n"; close($f) or die "moving in: $!\n";
	my @kids;
	for (1 .. 20) {
		my $p = fork;
		if (!defined $p) { print "fork failed: $!\n"; last; }
		if ($p == 0) { sleep 30; exit 0; }
		push @kids, $p;
	}
	print "forked " . scalar(@kids) . "\n";
	kill "KILL", @kids;
	waitpid($_, 0) for @kids;
' "$child" 2>&1)
rc=$?
diag "$out"
is "$rc" 0 "the forker ran to its end (within 60 s)"
is "$(printf '%s\n' "$out" | sed -n 's/^forked //p')" 4 \
	"with pids.max = 5, a process can fork 4 more and no more"
like "$out" 'fork failed: Resource temporarily unavailable' "the 5th fork fails with EAGAIN"
like "$(cat "$child/pids.events")" '^max [1-9]' "pids.events counts the refused forks"

tl_done
