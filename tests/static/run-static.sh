#!/bin/bash
# Static analysis of corral, as CI runs it:
#
#   tests/static/run-static.sh [BUILD_DIR]
#
#   hardening  the shipped binaries of BUILD_DIR (default: build) are PIE, RELRO,
#              BIND_NOW, stack-protected and fortified (check-hardening.sh); the
#              checker itself must reject a binary built without those
#   analyzer   gcc -fanalyzer over every C file, warnings as errors, in BUILD_DIR-analyzer
#   cppcheck   over BUILD_DIR's compile_commands.json (suppressions: cppcheck.supp)
#   clang-tidy the same files, with the checks of /.clang-tidy
#
# BUILD_DIR is set up with the project's defaults if it does not exist; it must be
# optimized and without sanitizers (FORTIFY needs both). Every step runs, then the
# script exits 1 naming the steps that found something (2: a tool is missing).
# Debian packages: gcc meson ninja-build binutils python3 cppcheck clang-tidy.
# STATIC_STEPS="cppcheck clang-tidy" runs a subset; STATIC_JOBS sets the parallelism.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m -- "${1:-$src/build}")
analyzer_dir=$build-analyzer
jobs=${STATIC_JOBS:-$(nproc)}
steps=${STATIC_STEPS:-hardening analyzer cppcheck clang-tidy}
cd "$src"

say() { printf 'run-static: %s\n' "$*"; }

need() {
  command -v "$1" >/dev/null && return 0
  say "$1 not found (Debian package: $2)" >&2
  exit 2
}
need meson meson
need ninja ninja-build
need gcc gcc
need readelf binutils
need python3 python3
need cppcheck cppcheck
need clang-tidy clang-tidy

# The shipped binaries, relative to a build directory.
SHIPPED=(helper/corral-helper init/corral-init tools/corralctl pam_module/pam_corral.so)

# BUILD_DIR's option NAME, from meson's own introspection.
build_option() {
  meson introspect "$build" --buildoptions |
    python3 -c 'import json, sys
print(next(str(o["value"]) for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}

prepare_build() {
  [ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
  ninja -C "$build" >/dev/null
}

# check-hardening.sh must fail on a binary built without any of the flags, with
# one message per flag: otherwise a readelf format change could make it pass anything.
hardening_selftest() {
  local tmp out rc=0
  tmp=$(mktemp -d)
  printf '%s\n' '#include <stdio.h>' '#include <string.h>' \
    'int main(int argc, char **argv) { char b[64]; strcpy(b, argv[argc - 1]); puts(b); return 0; }' \
    >"$tmp/weak.c"
  gcc -O2 -fno-stack-protector -U_FORTIFY_SOURCE -no-pie -Wl,-z,norelro -Wl,-z,lazy \
    -Wl,-z,execstack -Wl,-rpath,/nonexistent -o "$tmp/weak" "$tmp/weak.c"
  out=$(tests/static/check-hardening.sh "$tmp/weak" 2>&1) && rc=1
  for what in 'position-independent' 'GNU_RELRO' 'BIND_NOW' 'executable stack' \
    'stack protector' 'not fortified' 'RUNPATH'; do
    grep -q "$what" <<<"$out" || { say "check-hardening.sh did not report '$what' for $tmp/weak.c"; rc=1; }
  done
  rm -rf "$tmp"
  return $rc
}

step_hardening() {
  local sanitize optimization rc=0
  sanitize=$(build_option b_sanitize)
  optimization=$(build_option optimization)
  if [ "$sanitize" != none ] || [[ "$optimization" =~ ^(0|g|plain)$ ]]; then
    say "$build has b_sanitize=$sanitize optimization=$optimization: FORTIFY is off in such a build;"
    say "give a build without sanitizers and with -O1 or more (the default debugoptimized, or release)"
    return 1
  fi
  hardening_selftest || rc=1
  tests/static/check-hardening.sh "${SHIPPED[@]/#/$build/}" || rc=1
  return $rc
}

# -O0: gcc 12's analyzer works on the code after early inlining and, optimized,
# reports _cleanup_ variables as uninitialized (false: they are initialized, and
# the report disappears with -fno-inline). At -O0 it sees the code as written.
step_analyzer() {
  local log
  if [ -f "$analyzer_dir/build.ninja" ]; then
    meson configure "$analyzer_dir" -Danalyzer=true -Dbuildtype=debug -Db_colorout=never >/dev/null
  else
    meson setup "$analyzer_dir" -Danalyzer=true --buildtype=debug -Db_colorout=never >/dev/null
  fi
  log=$(mktemp)
  if ! ninja -C "$analyzer_dir" -k 0 >"$log" 2>&1; then
    grep -v '^\[[0-9]*/[0-9]*\] ' "$log" || true
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# cppcheck 2.10 does not know C11's _Thread_local and then takes the members of
# a thread-local struct for unused: it is told the GNU spelling, which it knows.
step_cppcheck() {
  cppcheck --project="$build/compile_commands.json" --quiet -j "$jobs" \
    --enable=warning,style,performance,portability --inline-suppr \
    --suppressions-list=tests/static/cppcheck.supp -D_Thread_local=__thread \
    --error-exitcode=1 --template='{file}:{line}:{column}: {severity}: {message} [{id}]'
}

# One clang-tidy per file: clang-tidy 14 carries checker state from one file to
# the next (a false valist.Uninitialized when several files share a process).
step_clang_tidy() {
  python3 -c 'import json, os, sys
seen = set()
for e in json.load(open(sys.argv[1])):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if f not in seen and os.path.exists(f):
        seen.add(f)
        print(f)' "$build/compile_commands.json" |
    xargs -P "$jobs" -I{} sh -c '
      out=$(clang-tidy -p "$1" --quiet "$2" 2>&1); rc=$?
      if [ $rc -ne 0 ] || printf "%s\n" "$out" | grep -Eq ": (warning|error):"; then
        printf "%s\n" "$out" | grep -v "warnings\? generated\.$"
        exit 1
      fi' sh "$build" {}
}

prepare_build
failed=()
for step in $steps; do
  say "$step ..."
  start=$SECONDS
  if "step_${step//-/_}"; then
    say "$step: clean ($((SECONDS - start)) s)"
  else
    say "$step: FOUND PROBLEMS (above)"
    failed+=("$step")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED: ${failed[*]}" >&2
  exit 1
fi
say "all clean: $steps"
