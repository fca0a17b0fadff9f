#!/bin/bash
# Run every libFuzzer target of a -Dfuzz=true build for a bounded time:
#
#   tests/fuzz/run-fuzz.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
#
# The targets are the directories of tests/fuzz/corpus (or those named). Each
# runs alone (one process, -max_total_time) on a scratch copy of its corpus
# and regression inputs, so the committed ones never change, with its
# dictionary when there is one. Any crash, sanitizer report, leak, timeout or
# out-of-memory fails the run: the script names the target and keeps the
# input that did it (and the log) in a scratch directory it prints; every
# other scratch directory is removed. Exit status: 0 all clean, 1 a target
# failed, 2 usage or setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET [TARGET...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
build=$1 secs=$2
shift 2
[[ $secs =~ ^[1-9][0-9]*$ ]] || usage
[ -d "$build" ] || { echo "$0: no build directory $build" >&2; exit 2; }

# Longest input per target: past each parser's own limits, small enough to stay fast.
declare -A max_len=(
  [args]=8192 [conf]=16384 [mountinfo]=16384 [parse-util]=256
  [netlink-reply]=4096 [proc-cgroup]=4096 [proto]=8192 [state]=8192
)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/corral-fuzz.XXXXXX")
keep=false
cleanup() { $keep || rm -rf "$scratch"; }
trap cleanup EXIT

failed=()
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz-$t
  if [ ! -x "$exe" ]; then
    echo "$0: $exe is missing: configure $build with -Dfuzz=true (see tests/fuzz/README.md)" >&2
    exit 2
  fi
  work=$scratch/$t
  mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
  cp -r "$here/corpus/$t/." "$work/corpus/"
  [ -d "$here/regressions/$t" ] && cp -r "$here/regressions/$t/." "$work/corpus/"
  args=(
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]:-4096}"
    -artifact_prefix="$work/artifacts/" -print_final_stats=1
  )
  [ -f "$here/dict/$t.dict" ] && args+=(-dict="$here/dict/$t.dict")
  rc=0
  # libFuzzer stops itself; the outer timeout is for a hang it cannot see.
  # TMPDIR: scratch files of a target (fuzz-conf's) go with the rest.
  TMPDIR=$work/tmp timeout --kill-after=10 $((secs + 120)) "$exe" "${args[@]}" "$work/corpus" \
    >"$work/log" 2>&1 || rc=$?
  stats=$(grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$work/log" |
          sed 's/^stat::\([a-z_]*\): */\1=/' | tr '\n' ' ')
  artifact=$(find "$work/artifacts" -type f ! -name 'slow-unit-*' -print -quit)
  if [ $rc -eq 0 ] && [ -z "$artifact" ]; then
    echo "fuzz-$t: ok, ${secs}s, $stats"
    continue
  fi
  keep=true
  failed+=("$t")
  echo "fuzz-$t: FAILED (exit status $rc), input: ${artifact:-none saved}, log: $work/log"
  grep -E 'ERROR: |SUMMARY: |check failed|runtime error' "$work/log" | head -5 | sed 's/^/  /'
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (inputs and logs under $scratch;" \
       "add each input to tests/fuzz/regressions/TARGET/ with the fix)"
  exit 1
fi
echo "all ${#targets[@]} targets ran ${secs}s each without a finding"
