#!/bin/bash
# The main job, shown: a throwaway user logs in through PAM with pam_corral.so and the
# installed configuration, and prints what its session sees. Run by `./dev.sh demo`
# after `meson install`; $1 is the build directory (for the PAM driver program).
set -euo pipefail
build=${1:?usage: demo.sh BUILDDIR}
driver=$build/tests/privileged/pamdrive
user=corral-demo-$$
confdir=$(mktemp -d -p /run corral-demo.XXXXXX)

# corral's cgroup root (cgroup_root = corral) is made at the first login; a demo on a
# machine that had none leaves none behind (rmdir only removes empty cgroups).
cgroup_roots() {
  awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 "/corral" }' /proc/self/mountinfo
}
fresh_roots=$(for d in $(cgroup_roots); do [ -d "$d" ] || echo "$d"; done)

cleanup() {
  userdel -r "$user" >/dev/null 2>&1 || true
  rm -rf "$confdir"
  for d in $fresh_roots; do
    rmdir "$d/inits" "$d" 2>/dev/null || true
  done
}
trap cleanup EXIT

useradd -m -s /bin/bash "$user"
cat > "$confdir/corral-demo" <<PAM
auth     required pam_permit.so
account  required pam_permit.so
session  required pam_corral.so
PAM

echo "== the host sees $(ls /proc | grep -c '^[0-9]') processes, hostname $(hostname)"
echo "== configuration: $(corralctl check 2>&1 | tail -n 1)"
echo "== an isolated login of $user through PAM (service corral-demo):"
"$driver" --confdir "$confdir" --service corral-demo --user "$user" -- /bin/sh -c '
  echo "   ps -e:"; ps -e | sed "s/^/     /"
  echo "   PID 1:    $(cat /proc/1/comm)"
  echo "   hostname: $(hostname)"
  echo "   session:  $CORRAL_SESSION"
  echo "   cgroups:  $(cut -d: -f3 /proc/self/cgroup | sort -u | tr "\n" " ")(the session is the root of its cgroup namespace)"
  echo "   /sys/fs/cgroup: $(ls /sys/fs/cgroup | tr "\n" " ")"'
echo "== the limits that applied, from 'corralctl policy $user':"
corralctl policy "$user" | grep -E '^(memory_max|cpu_max|pids_max|max_sessions) ' | sed 's/^/   /'
echo "== after logout: $(ls /run/corral/sessions 2>/dev/null | wc -l) session(s) left for any user in /run/corral/sessions"
