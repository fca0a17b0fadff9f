#!/bin/bash
# The setuid helper and its callers: anyone but root gets one uniform refusal
# whatever the arguments, and root without the module's socket gets nothing
# done either. Nothing changes on the system in any of these cases.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

tl_user mallory
uid=$(id -u "$mallory")
gid=$(id -g "$mallory")
mkdir -p "$TL_WORK/bin"
install -o root -g root -m 4755 "$TL_HELPER" "$TL_WORK/bin/corral-helper"
helper=$TL_WORK/bin/corral-helper
refusal='corral-helper: refused: this program is run by pam_corral.so only'
nothing_changed() { [ ! -e /run/corral/sessions ] || [ -z "$(ls -A /run/corral/sessions)" ]; }

as_user() { setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"; }

for args in "open" "close" "" "--config=/tmp/evil.conf open" "--init=/tmp/evil open" \
	"--debug open" "--help" "open extra"; do
	# shellcheck disable=SC2086 # word splitting of args is the point
	out=$(as_user "$helper" $args 2>&1 </dev/null)
	rc=$?
	is "$rc:$out" "1:$refusal" "a non-root caller is refused the same way: '$args'"
done
like "$(cat "$TL_LOG")" "corral-helper.*Refused a request from uid $uid: the caller is not root" \
	"the refusal is logged with the caller's uid"
check "nothing was created for a non-root caller" -- nothing_changed

# Root, but not through the module: fd 3 is not the module's socket.
out=$("$helper" open 2>&1 3</dev/null)
is $? 1 "root without the module's socket is refused"
like "$out" "corral-helper: " "it says why on stderr"
out=$("$helper" open 2>&1 3>&-)
is $? 1 "root with fd 3 closed is refused"
out=$("$helper" bogus-verb 2>&1)
is $? 1 "an unknown verb is refused"
like "$out" "usage: corral-helper" "with a usage line"
check "nothing was created for a root caller without the module" -- nothing_changed

tl_done
