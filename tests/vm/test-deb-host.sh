#!/bin/bash
# vm-deb, the host's half: builds the Debian package (debian/) from a copy of
# the checkout with dpkg-buildpackage, then has test-deb.sh install, use,
# remove and purge it in the cgroup v2 guest (run-in-vm.sh with /usr made
# writable: CORRAL_VM_OVERLAY=usr), where what dpkg writes stays. The copy and
# the .deb live in a temporary directory of the build tree, which the guest
# sees read-only at the same path: nothing is written next to the checkout.
# A missing dpkg-buildpackage or debhelper, or a failed build, is an error
# (exit 99, TAP "Bail out!"), never a skip.
#
# usage (meson test vm-deb): test-deb-host.sh [run-in-vm.sh options]
set -uo pipefail
: "${CORRAL_SRC:?run the tests through meson test (README)}"
: "${CORRAL_BUILD:?run the tests through meson test (README)}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

bail() {
	echo "Bail out! vm-deb: $*"
	echo "vm-deb: $*" >&2
	exit 99
}

[ "$(id -u)" -eq 0 ] || bail "needs root (for the VM: run-in-vm.sh)"
command -v dpkg-buildpackage >/dev/null || bail "dpkg-buildpackage is missing: apt-get install dpkg-dev"
command -v dh >/dev/null || bail "debhelper is missing: apt-get install debhelper"

mkdir -p "$CORRAL_BUILD/tests/vm" || bail "cannot create $CORRAL_BUILD/tests/vm"
work=$(mktemp -d "$CORRAL_BUILD/tests/vm/deb.XXXXXX") || bail "mktemp in $CORRAL_BUILD/tests/vm"
trap 'rm -rf "$work"' EXIT
trap 'exit 143' TERM INT HUP

# The checkout's files, committed or not (what the developer has), without
# what .gitignore names (build directories). Without git (a release tarball):
# the tree without its meson build directories.
src=$work/corral
mkdir "$src" || bail "mkdir $src"
if git -C "$CORRAL_SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(
		set -e
		cd "$CORRAL_SRC"
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				# A file deleted but not yet committed is still listed.
				if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
			done | xargs -0 cp --parents -a -t "$src"
	) || bail "cannot copy the checkout to $src"
else
	excl=()
	for d in "$CORRAL_SRC"/*/; do
		[ -d "$d/meson-private" ] && excl+=("--exclude=./$(basename "$d")")
	done
	tar -C "$CORRAL_SRC" --exclude-vcs "${excl[@]}" -cf - . | tar -C "$src" -xf - ||
		bail "cannot copy $CORRAL_SRC to $src"
fi
[ -f "$src/debian/control" ] || bail "no debian/control in $CORRAL_SRC"

# nocheck, as an option and as a build profile: the unit suite is a test of
# its own (meson test --suite unit), so neither its programs nor mandoc.
echo "# building the package in $src"
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" DEB_BUILD_PROFILES=nocheck \
	dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" | sed 's/^/# /'
	bail "dpkg-buildpackage failed (its last lines above)"
fi
debs=("$work"/libpam-corral_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
	bail "dpkg-buildpackage made no single libpam-corral_*.deb: ${debs[*]}"
fi
echo "# built $(basename "${debs[0]}")"

CORRAL_DEB=${debs[0]} CORRAL_VM_OVERLAY="${CORRAL_VM_OVERLAY:-} usr" \
	"$here/run-in-vm.sh" "$@" -- "$here/test-deb.sh"
