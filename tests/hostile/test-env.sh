#!/bin/bash
# Hostile environment (../shared/notes/security.md (c) 21-22): the set-user-ID
# helper run by an ordinary user, and logins through PAM, with the variables
# that have taken over set-user-ID programs before. Each trap is first sprung
# on an ordinary program (or a copy of the helper without the set-user-ID
# bit), so a quiet trap means corral ignored the variable, not that the trap
# is broken. The traps: libevil.so leaves hit.COMM.EUID wherever it is loaded
# (LD_PRELOAD, LD_AUDIT, GCONV_PATH); a tripwire FIFO leaves NAME.hit when
# anyone opens it (TZ, LOCPATH, NLSPATH, INPUTRC).
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

hl_mallory
install -o "$mallory" -m 0755 "$TL_HELPER" "$TL_WORK/bin/plain-helper"	# no set-user-ID bit
hl_evil_dir "$mallory"
evil=$HL_EVIL_DIR
mkdir -p "$evil/lib" "$evil/bin" "$evil/loc/xx_XX.UTF-8"
cp "$HL_EVIL" "$evil/lib/libcap.so.2"	# what the helper links, by name
for f in sh bash cat id corral-init ls; do
	printf '#!/bin/sh\n: > %s/hit.path-%s.$(id -u)\n' "$evil" "$f" > "$evil/bin/$f"
	chmod 0755 "$evil/bin/$f"
done
chown -R "$mallory:" "$evil"
tl_conf '[defaults]'
hl_snapshot

# launch-as-mallory with exactly the given environment, the rest of the arguments the command.
# status output without the usage numbers, which move between two runs.

hl_session_bg "$mallory"	# so status has a session, with a start time, to print
want=$(as_mallory -- "$HL_SUID" status 2>&1 | hl_norm)
like "$want" "^session [0-9a-f]{16} started [0-9]{4}-" "status with a clean environment (the reference)"

# --- the loader: LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH --------------------------------------
for var in LD_PRELOAD LD_AUDIT; do
	hl_clear_hits
	as_mallory --env "$var=$evil/libevil.so" -- "$TL_WORK/bin/plain-helper" status >/dev/null 2>&1
	like "$(hl_hits)" "hit\\.plain-helper\\.$uid" "control: $var loads the library into a plain copy"
	hl_clear_hits
	out=$(as_mallory --env "$var=$evil/libevil.so" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
	is "$?:$out" "0:$want" "$var: status works as without it"
	is "$(hl_hits)" "" "$var: the set-user-ID helper loaded nothing"
	out=$(as_mallory --env "$var=$evil/libevil.so" -- "$HL_SUID" open 2>&1)
	hl_refused "$out" $? "$var, 'open'"
	is "$(hl_hits)" "" "$var: nothing loaded on the refusal path either"
done
out=$(as_mallory --env "LD_LIBRARY_PATH=$evil/lib" -- "$TL_WORK/bin/plain-helper" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
like "$out" "symbol lookup error|libcap" "control: LD_LIBRARY_PATH swaps libcap under a plain copy"
out=$(as_mallory --env "LD_LIBRARY_PATH=$evil/lib" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "LD_LIBRARY_PATH: the set-user-ID helper uses the system's libraries"

# --- GCONV_PATH (PwnKit's payload), CHARSET ----------------------------------------------------
hl_clear_hits
as_mallory --env "GCONV_PATH=$evil" -- /usr/bin/iconv -f UTF-8 -t EVIL /dev/null >/dev/null 2>&1
like "$(hl_hits)" "hit\\.iconv\\.$uid" "control: GCONV_PATH makes iconv load the module"
hl_clear_hits
out=$(as_mallory --env "GCONV_PATH=$evil" --env CHARSET=EVIL --env LC_ALL=C.UTF-8 -- \
	"$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "GCONV_PATH: status works as without it"
is "$(hl_hits)" "" "GCONV_PATH: no gconv module was loaded"

# --- GLIBC_TUNABLES (CVE-2023-4911's shape) and malloc's variables --------------------------------
tun="glibc.malloc.mxfast=glibc.malloc.mxfast=$(head -c 4000 /dev/zero | tr '\0' A)"
for env in "GLIBC_TUNABLES=$tun" "GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.perturb=85" \
	MALLOC_CHECK_=3 MALLOC_PERTURB_=165 MALLOC_ARENA_MAX=1 MALLOC_TOP_PAD_=1 \
	MALLOC_MMAP_THRESHOLD_=1; do
	out=$(as_mallory --env "$env" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
	is "$?:$out" "0:$want" "${env:0:50}: status works as without it"
done

# --- files named by the environment: TZ, LOCPATH, NLSPATH, INPUTRC ------------------------------
hl_tripwire "$evil/tz"
as_mallory --env "TZ=$evil/tz" -- /bin/date >/dev/null 2>&1
check "control: TZ=FILE makes date open FILE" -- tl_wait_for 3 test -e "$evil/tz.hit"
for tz in "$evil/tz" ":$evil/tz"; do
	hl_tripwire "$evil/tz"
	out=$(as_mallory --env "TZ=$tz" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
	is "$?:$out" "0:$want" "TZ=$tz: status prints the host's local time"
	check "TZ=$tz: the file was never opened" -- test ! -e "$evil/tz.hit"
done
for c in LC_CTYPE LC_NUMERIC LC_TIME LC_COLLATE LC_MONETARY LC_MESSAGES LC_IDENTIFICATION; do
	hl_tripwire "$evil/loc/xx_XX.UTF-8/$c"
done
as_mallory --env "LOCPATH=$evil/loc" --env LC_ALL=xx_XX.UTF-8 -- /bin/date >/dev/null 2>&1
sleep 0.2
like "$(ls "$evil/loc/xx_XX.UTF-8")" '\.hit' "control: LOCPATH makes date open the locale files"
for c in LC_CTYPE LC_NUMERIC LC_TIME LC_COLLATE LC_MONETARY LC_MESSAGES LC_IDENTIFICATION; do
	hl_tripwire "$evil/loc/xx_XX.UTF-8/$c"
done
hl_tripwire "$evil/nls"
hl_tripwire "$evil/inputrc"
out=$(as_mallory --env "LOCPATH=$evil/loc" --env LC_ALL=xx_XX.UTF-8 --env LANG=xx_XX.UTF-8 \
	--env "NLSPATH=$evil/nls" --env LANGUAGE=xx --env "INPUTRC=$evil/inputrc" -- \
	"$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "LOCPATH, LC_ALL, NLSPATH, INPUTRC: status works as without them"
out=$(as_mallory --env "LOCPATH=$evil/loc" --env LC_ALL=xx_XX.UTF-8 --env "NLSPATH=$evil/nls" \
	--env "INPUTRC=$evil/inputrc" -- "$HL_SUID" --config=/x open 2>&1)
hl_refused "$out" $? "LOCPATH, LC_ALL, NLSPATH, INPUTRC, '--config=/x open'"
sleep 0.2
is "$(cd "$evil" && ls loc/xx_XX.UTF-8/*.hit nls.hit inputrc.hit 2>/dev/null)" "" \
	"no locale, message catalog or inputrc file was opened"

# --- PATH, IFS, HOME, TMPDIR, XDG_*, CORRAL_SESSION --------------------------------------------
out=$(as_mallory --env "PATH=$evil/bin" --env "IFS=/" --env "HOME=$evil" --env "TMPDIR=$evil" \
	--env XDG_SEAT=seat1 --env XDG_VTNR=1 --env CORRAL_SESSION=0000000000000000 \
	--env "SHELL=$evil/bin/sh" -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "PATH, IFS, HOME, TMPDIR, XDG_*, CORRAL_SESSION: status as without them"
is "$(cd "$evil" && ls hit.path-* 2>/dev/null)" "" "nothing was run from the user's PATH"

# --- a huge environment ------------------------------------------------------------------------
out=$(as_mallory --env-bytes 131000 -- "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "one variable of 128 KiB: status works"
mapfile -t many < <(seq -f 'V%g=x' 1 20000)
out=$(hl_as "$mallory" env -i "${many[@]}" "$HL_SUID" status 2>&1 | hl_norm; exit "${PIPESTATUS[0]}")
is "$?:$out" "0:$want" "20000 variables: status works"
out=$(hl_as "$mallory" env -i "${many[@]}" "$HL_SUID" open 2>&1)
hl_refused "$out" $? "20000 variables, 'open'"

# --- through PAM: the environment of the PAM application never reaches the helper ---------------
hl_clear_hits
hl_tripwire "$evil/tz"
out=$(env LD_PRELOAD="$evil/libevil.so" GCONV_PATH="$evil" TZ="$evil/tz" LOCPATH="$evil/loc" \
	LC_ALL=xx_XX.UTF-8 PATH="$evil/bin:$PATH" "$TL_DRIVER" --confdir "$TL_WORK/pam.d" \
	--service "$TL_SERVICE" --user "$mallory" -- /usr/bin/printenv CORRAL_SESSION 2>&1)
is $? 0 "a login from a PAM application with a hostile environment works"
like "$out" '^[0-9a-f]{16}$' "and is isolated (CORRAL_SESSION is set)"
like "$(hl_hits)" "hit\\.pamdrive\\.0" "control: LD_PRELOAD reached the PAM application itself"
unlike "$(hl_hits)" "corral" "neither the helper nor the session init loaded the library"
unlike "$(cd "$evil" && ls hit.path-* 2>/dev/null)" "." "nothing was run from the application's PATH"

# --- through su, run by the user ------------------------------------------------------------------
{
	echo "auth     sufficient pam_permit.so"
	echo "account  sufficient pam_permit.so"
	echo "session  required pam_unix.so"
	echo "session  required $CORRAL_BUILD/pam_module/pam_corral.so helper=$TL_HELPER" \
		"init=$TL_INIT config=$TL_CONF"
} > "$TL_WORK/su.pam"
mount --bind "$TL_WORK/su.pam" /etc/pam.d/su || bail "cannot bind-mount over /etc/pam.d/su"
hl_clear_hits
out=$(as_mallory --env "LD_PRELOAD=$evil/libevil.so" --env "LD_AUDIT=$evil/libevil.so" \
	--env "GCONV_PATH=$evil" --env "PATH=$evil/bin:/usr/bin:/bin" --env "TZ=$evil/nowhere" \
	-- /bin/su -s /bin/sh -c 'printenv CORRAL_SESSION' "$mallory" 2>&1 </dev/null)
is $? 0 "su from the user with a hostile environment works"
like "$out" '^[0-9a-f]{16}$' "and the su session is isolated"
unlike "$(hl_hits)" "corral|su\\." "no program of corral's (nor su) loaded the library"
umount /etc/pam.d/su

check "mallory's background session ends normally" -- hl_session_end "$mallory"
hl_unchanged "after the hostile environments"
tl_done
