#!/bin/bash
# Bad input: argv, caller and PAM items (../shared/notes/security.md (c) 14-20).
# The set-user-ID helper run by an ordinary user directly (setpriv, runuser),
# through su, with argc 0, with huge, repeated and crafted arguments: one
# refusal for everything but the exact 'status', which shows the caller's
# own sessions only. Hostile PAM_USER values through the real module.
# tests/privileged/test-caller.sh has the plain cases; these are the rest.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

hl_mallory
tl_user alice
tl_conf '[defaults]' 'pids_max = 321'
hl_snapshot

# --- who runs it --------------------------------------------------------------------------
out=$(hl_as "$mallory" "$HL_SUID" open 2>&1 </dev/null)
hl_refused "$out" $? "setpriv as the user, 'open'"
out=$(runuser -u "$mallory" -- "$HL_SUID" close 2>&1 </dev/null)
hl_refused "$out" $? "runuser as the user, 'close'"
out=$(su -s /bin/sh -c "'$HL_SUID' --config=/tmp/x open" "$mallory" 2>&1 </dev/null)
hl_refused "$out" $? "su to the user, '--config=/tmp/x open'"
out=$(su -s /bin/sh -c "'$HL_SUID' status" "$mallory" 2>&1 </dev/null)
is "$?:$out" "0:uid $uid has no corral sessions" "su to the user, 'status': the user's own (none)"

# --- argc 0 (PwnKit) ------------------------------------------------------------------------
# envp[0] is what a helper that read argv[1] past argc 0 would take for its verb.
out=$("$HL_LAUNCH" --user "$uid:$gid" --argc0 --env status --env 'PATH=.' -- "$HL_SUID" 2>&1)
hl_refused "$out" $? "argc 0 with envp[0] = 'status'"
out=$("$HL_LAUNCH" --argc0 --env open --env status -- "$HL_SUID" 2>&1)
is $? 1 "argc 0 from root is refused too"
like "$out" "^$HL_REFUSAL\$" "with the same sentence"
like "$(cat "$TL_LOG")" "Refused a request from uid $uid: empty argv \\(argc 0\\)" \
	"the log says why: argc 0"

# --- argv shape -----------------------------------------------------------------------------
# Each case is one argv, its words separated by '|'.
long=$(head -c 131071 /dev/zero | tr '\0' a)	# the longest one argument can be
for args in "status|status" "status|--debug" "--debug|status" "STATUS" " status" "status " \
	"status\n" "--config=/home/$mallory/c.conf|status" "--config=/etc/shadow|status" \
	"--|status" "status|--" "--init=/bin/sh|status" "open" "close" "open|status" "--help" \
	"-h" "--version" "" "$long" "status|$long"; do
	IFS='|' read -r -a argv <<< "$args"
	[ "$args" = "status\n" ] && argv=($'status\n')
	out=$(hl_as "$mallory" "$HL_SUID" "${argv[@]}" 2>&1 </dev/null)
	hl_refused "$out" $? "argv '${args:0:40}'"
done
mapfile -t many < <(yes status | head -n 100000)
out=$(hl_as "$mallory" "$HL_SUID" "${many[@]}" 2>&1 </dev/null)
hl_refused "$out" $? "100000 arguments 'status'"
# A verb that only root may use, through every spelling of the options root has.
for opt in --config=/tmp/evil.conf --init=/tmp/evil --debug; do
	out=$(hl_as "$mallory" "$HL_SUID" "$opt" open 2>&1 </dev/null)
	hl_refused "$out" $? "'$opt open'"
done
check "no file was read or created for a refused caller" -- hl_no_state

# --- status shows the caller's own, nothing else ----------------------------------------------
hl_session_bg "$alice"
alice_app=$HL_APP alice_sid=$HL_SID
out=$(hl_as "$mallory" "$HL_SUID" status 2>&1)
is "$?:$out" "0:uid $uid has no corral sessions" "status while alice is logged in: nothing of alice's"
out=$(tl_login "$mallory" -- "$HL_SUID" status 2>&1)
is $? 0 "status inside a session of mallory's"
unlike "$out" "$alice_sid|$alice" "it never names alice or her session"
like "$out" "^user $mallory \\(uid $uid\\), 1 session" "it names mallory's one session"
like "$out" "pids_max 321" "with the limits set at its login"
like "$out" "usage of this session" "and the usage of that session"
check "alice's session was there all along" -- hl_has_session "$alice"
HL_APP=$alice_app hl_session_end "$alice"
ok $? "alice's session ends normally"

# --- hostile PAM_USER, straight to the helper (as pam_corral.so passes it) ----------------------
# pamdrive resolves the user itself first, so these go through hostile-client.
for u in "../$mallory" "/etc/passwd" "$mallory/.." "$(head -c 256 /dev/zero | tr '\0' m)" \
	"#0" "#-1" "4294967295" "-1" "0" "root/../$mallory" "$mallory " " $mallory" ""; do
	out=$("$HL_CLIENT" --user "$u" "$TL_HELPER" open)
	like "$out" 'reply status=-[0-9]+' "PAM_USER '${u:0:40}': the helper refuses it"
done
check "nothing was created for the hostile PAM_USER values" -- hl_no_state
unlike "$(find /run/corral -mindepth 1 2>/dev/null)" '\.\.|passwd|#' \
	"no name in /run/corral comes from a PAM_USER value"

hl_unchanged "after the hostile callers"
tl_done
