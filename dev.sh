#!/bin/bash
# Developer entry point (run as root on Debian 12 / Ubuntu 22.04+):
#   ./dev.sh deps   install the build and test dependencies (apt-get; 'deps test' adds the VM's)
#   ./dev.sh demo   deps, build, install, then an isolated login of a throwaway user
#   ./dev.sh test   deps, build (normal and ASan/UBSan), run every test suite
set -euo pipefail
cd "$(dirname "$0")"

DEPS=(
  meson ninja-build pkg-config gcc
  libpam0g-dev libcap-dev libmnl-dev libiniparser-dev
  libpam-modules libpam-runtime login passwd procps util-linux psmisc
  openssh-server openssh-client mandoc strace python3
)
# Tests only: the vm suite (a cgroup v2 kernel under QEMU, tests/vm/run-in-vm.sh;
# vm-deb builds the Debian package, which needs build-essential, implied by
# every Debian build, dpkg-dev and debhelper), the static suite
# (tests/static/run-static.sh), the bench suite's anchors, the fuzzers (clang's
# libFuzzer, tests/fuzz/) and LXCFS (privileged/proc-view runs its own
# instance; on a systemd host the package also starts the system's).
TEST_DEPS=(qemu-system-x86 linux-image-amd64 busybox-static kmod cppcheck clang-tidy
  bubblewrap firejail clang libclang-rt-14-dev llvm tmux lxcfs build-essential dpkg-dev debhelper)

# install [apt-get options...] -- packages...: only when one is missing.
install() {
  local opts=() missing
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>&1 | grep -v '^ii ' || true)
  [ -z "$missing" ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${opts[@]}" "$@" >/dev/null
}

deps() {
  install -- "${DEPS[@]}"
  # Without recommends: qemu's would bring a GUI stack.
  [ "${1:-}" = test ] && install --no-install-recommends -- "${TEST_DEPS[@]}"
  return 0
}

build() {
  local dir=$1; shift
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
  ninja -C "$dir"
}

summary() {
  # One line for CI: N passed, N failed, over every test log of this run and the fuzz run.
  python3 - "$@" <<'PY'
import json, sys
# argv[1]: 1 if the fuzz run failed (it counts as one test), then the meson logs.
fuzz_failed = sys.argv[1] == "1"
passed, failed = (0, 1) if fuzz_failed else (1, 0)
for path in sys.argv[2:]:
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("result") == "OK":
                passed += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed")
PY
}

run_tests() {
  local rc=0 fuzz_failed=0
  build build
  build build-asan -Db_sanitize=address,undefined -Db_lundef=false
  # -O3 finds what -O2 misses (maybe-uninitialized): the release build must compile too.
  build build-release --buildtype=release
  # libFuzzer: every parser, 20 s each on its committed corpus (tests/fuzz/README.md).
  CC=clang build build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
  tests/fuzz/run-fuzz.sh build-fuzz 20 || { rc=1; fuzz_failed=1; }
  meson test -C build --setup ci --print-errorlogs --num-processes 2 || rc=1
  # An ASan PAM module cannot be loaded into the system's sshd or su: e2e runs on the normal build.
  ASAN_OPTIONS=detect_leaks=1 meson test -C build-asan --setup ci --print-errorlogs \
    --suite unit --suite privileged --no-suite e2e --num-processes 2 || rc=1
  summary "$fuzz_failed" build/meson-logs/testlog-ci.json build-asan/meson-logs/testlog-ci.json
  return $rc
}

demo() {
  build build-demo --prefix=/usr --sysconfdir=/etc --buildtype=release
  meson install -C build-demo --quiet
  ./tests/demo.sh build-demo
}

case "${1:-}" in
  deps) deps "${2:-}" ;;
  demo) deps; demo ;;
  test) deps test; run_tests ;;
  *) echo "usage: $0 deps|demo|test" >&2; exit 2 ;;
esac
