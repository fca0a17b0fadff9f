#!/bin/bash
# check-hardening.sh FILE...: each ELF file was built hardened, or say what is missing.
#
#   PIE             an executable (one with an interpreter) is ET_DYN with DF_1_PIE
#   RELRO, BIND_NOW a GNU_RELRO segment and immediate binding (-Wl,-z,relro,-z,now):
#                   the GOT is read-only before main()
#   NX stack        GNU_STACK without the execute bit
#   stack protector __stack_chk_fail is imported (-fstack-protector-strong)
#   FORTIFY         at least one __*_chk function is imported (-D_FORTIFY_SOURCE with -O)
#   no TEXTREL      no relocations in the text (would make it writable)
#   no RPATH        no RPATH/RUNPATH: a setuid helper must not load libraries from
#                   a directory named at build time
#
# Works on the build tree and on installed files (meson install strips the build
# rpath). Exit 0 when every file passes, 1 otherwise, 2 on usage errors.
set -uo pipefail

export LC_ALL=C

if [ $# -eq 0 ]; then
  echo "usage: $0 ELF-FILE..." >&2
  exit 2
fi
if ! command -v readelf >/dev/null; then
  echo "check-hardening: readelf not found (Debian: binutils)" >&2
  exit 2
fi

failed=0

bad() {
  echo "check-hardening: $file: $*" >&2
  failed=1
}

check_file() {
  local header segments dynamic imports
  if ! header=$(readelf -hW "$file" 2>/dev/null); then
    bad "not an ELF file"
    return
  fi
  segments=$(readelf -lW "$file" 2>/dev/null)
  dynamic=$(readelf -dW "$file" 2>/dev/null)
  # Undefined dynamic symbols: what the file imports.
  imports=$(readelf --dyn-syms -W "$file" 2>/dev/null | awk '$7 == "UND" { sub(/@.*/, "", $8); print $8 }')

  if grep -q '^ *INTERP ' <<<"$segments"; then
    grep -q 'Type: *DYN' <<<"$header" && grep -q 'FLAGS_1).*PIE' <<<"$dynamic" ||
      bad "not a position-independent executable (meson b_pie=true, -fPIE -pie)"
  fi
  grep -q '^ *GNU_RELRO ' <<<"$segments" || bad "no GNU_RELRO segment (-Wl,-z,relro)"
  grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' <<<"$dynamic" ||
    bad "no BIND_NOW: lazy binding leaves the GOT writable (-Wl,-z,now)"
  if ! grep -q '^ *GNU_STACK ' <<<"$segments"; then
    bad "no GNU_STACK segment: the stack may be executable"
  elif grep '^ *GNU_STACK ' <<<"$segments" | grep -q 'RWE'; then
    bad "executable stack (GNU_STACK is RWE)"
  fi
  grep -qx '__stack_chk_fail' <<<"$imports" ||
    bad "no stack protector: __stack_chk_fail is not imported (-fstack-protector-strong)"
  grep -Ex '__[a-z0-9_]+_chk' <<<"$imports" | grep -qvx '__stack_chk_fail' ||
    bad "not fortified: no __*_chk function is imported (-D_FORTIFY_SOURCE with -O1 or more)"
  grep -q '(TEXTREL)' <<<"$dynamic" && bad "text relocations (TEXTREL): build with -fPIC/-fPIE"
  grep -Eq '\((RPATH|RUNPATH)\)' <<<"$dynamic" &&
    bad "has an RPATH/RUNPATH: $(grep -E '\((RPATH|RUNPATH)\)' <<<"$dynamic" | grep -Eo '\[.*\]' | head -1)"
  return 0
}

for file in "$@"; do
  if [ ! -f "$file" ]; then
    bad "no such file"
    continue
  fi
  check_file
done
exit $failed
