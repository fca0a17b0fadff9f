#!/bin/bash
# Bad input: configuration (../shared/notes/security.md (c) 1-12), through the
# real helper at login rather than the library (tests/unit/test-conf-*.c has
# every message): the file or a drop-in a symlink, a FIFO, 100 MiB, owned by a
# user, group-writable, in a group-writable or user-owned directory, or
# broken in the ways iniparser gets wrong. Every login is refused at once,
# the log names the file, root still gets in, and the host is unchanged. Then
# the file swapped with a symlink in a loop while users log in: the symlink's
# content is never used.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

tl_user mallory
conf=$TL_CONF
dropins=$TL_WORK/etc/corral.conf.d
good() { tl_conf '[defaults]' 'hostname = good-%u'; chmod 0644 "$conf"; }
good
hl_snapshot
host_pidns=$(readlink /proc/self/ns/pid)

# refused WHAT LOG_REGEX: a login of mallory is refused within 20 s, the log says why.
refused() {
	local what=$1 re=$2 start=$SECONDS out rc lines
	lines=$(wc -l < "$TL_LOG")
	out=$(tl_login_t 20 "$mallory" -- hostname 2>&1)
	rc=$?
	is "$rc" 100 "$what: the login is refused ($((SECONDS - start)) s)" || diag "$out"
	# The log sink writes a moment later.
	new_log_has() { tail -n +"$((lines + 1))" "$TL_LOG" | grep 'corral-helper' | grep -Eq -- "$re"; }
	check "$what: the helper's log line names the file and the fault" -- \
		tl_wait_for 3 new_log_has || diag "$(tail -n +"$((lines + 1))" "$TL_LOG")"
}
root_gets_in() {
	is "$(tl_login_t 20 root -- readlink /proc/self/ns/pid 2>/dev/null)" "$host_pidns" \
		"$1: root still gets in (not isolated) to fix it"
}

# --- the main file ------------------------------------------------------------------------------
cp "$conf" "$TL_WORK/etc/real.conf"
rm -f "$conf"
ln -s real.conf "$conf"
refused "a symlink to a valid root-owned file" "$conf: .*(symbolic link|symlink)"
root_gets_in "main file a symlink"
rm -f "$conf"
ln -s /dev/zero "$conf"
refused "a symlink to /dev/zero" "$conf: "
rm -f "$conf"
mkfifo -m 0644 "$conf"
refused "a FIFO nobody writes to" "$conf: "
rm -f "$conf"
good
truncate -s 100M "$conf"
refused "100 MiB" "$conf: .*(large|big|size)"
good
chown "$mallory" "$conf"
refused "owned by a user" "$conf: .*owned"
chown root "$conf"
chmod 0664 "$conf"
refused "mode 0664 (group root may write)" "$conf: .*writable"
chmod 0644 "$conf"
chmod 0775 "$TL_WORK/etc"
refused "its directory group-writable (even group root)" "$TL_WORK/etc: .*writable"
chmod 0755 "$TL_WORK/etc"
chown "$mallory" "$TL_WORK/etc"
refused "its directory owned by a user" "$TL_WORK/etc: .*owned"
root_gets_in "directory owned by a user"
chown root "$TL_WORK/etc"

# --- a drop-in ------------------------------------------------------------------------------------
mkfifo -m 0644 "$dropins/50-fifo.conf"
refused "a drop-in that is a FIFO" "50-fifo.conf: "
rm -f "$dropins/50-fifo.conf"
ln -s "$TL_WORK/etc/real.conf" "$dropins/50-link.conf"
refused "a drop-in that is a symlink" "50-link.conf: "
rm -f "$dropins/50-link.conf"
printf '[defaults]\nhostname = evil\n' > "$dropins/50-user.conf"
chown "$mallory" "$dropins/50-user.conf"
refused "a drop-in owned by a user" "50-user.conf: .*owned"
rm -f "$dropins/50-user.conf"
chmod 0777 "$dropins"
refused "the drop-in directory writable by all" "corral.conf.d: .*writable"
chmod 0755 "$dropins"

# --- broken text ---------------------------------------------------------------------------------
broken() { # broken WHAT LOG_REGEX PRINTF_FORMAT
	# shellcheck disable=SC2059 # the format is the file's content
	printf "$3" > "$conf"
	refused "$1" "$2"
}
broken "a NUL byte" "$conf:2: " '[defaults]\nhostname = a\0b\n'
broken "CRLF line ends" "$conf:1: " '[defaults]\r\nhostname = x\r\n'
broken "a line of 2000 bytes" "$conf:2: " "[defaults]\nhostname = $(head -c 2000 /dev/zero | tr '\0' a)\n"
broken "invalid UTF-8" "$conf:2: " '[defaults]\nhostname = \xff\xfe\n'
broken "a backslash at the end of the file" "$conf:2: " '[defaults]\nhostname = x\\'
broken "[defaults] twice, in two cases" "$conf:2: duplicate section" '[defaults]\n[DEFAULTS]\nhostname = x\n'
broken "a key twice" "$conf:3: .*pids_max" '[defaults]\npids_max = 10\npids_max = 20\n'
broken "a section where a key would be (CVE-2023-33461's shape)" "$conf:1: " \
	'[defaults:pids_max]\n[defaults]\n'
broken "':' in a key ([user] alice:limits)" "$conf:2: " "[user]\n$mallory:pids_max = 1\n"
broken "a misspelt key" "$conf:2: .*memroy_max" '[defaults]\nmemroy_max = 1G\n'
for v in 0x10 -1 '" 5"' '"5 "' 18446744073709551616 1e3 10G; do
	broken "pids_max = '$v'" "$conf:2: \\[defaults\\] pids_max" "[defaults]\npids_max = $v\n"
done
for v in yesno 2 '"on "'; do
	broken "kill_on_logout = '$v'" "$conf:2: \\[defaults\\] kill_on_logout" \
		"[defaults]\nkill_on_logout = $v\n"
done
# Decimal, whatever the leading zero: 042 is 42 (iniparser's own getter says 34).
printf '[defaults]\npids_max = 042\n' > "$conf"
tl_login_bg "$mallory" -- sleep 1000 </dev/null >/dev/null 2>&1
app=$TL_BG
tl_wait_for 10 hl_has_session "$mallory"
pids=$(for r in $(tl_cgroup_roots); do cat "$r/$(id -u "$mallory")/pids.max" 2>/dev/null; done)
is "$pids" 42 "pids_max = 042: the user's cgroup gets pids.max 42, not 34"
HL_APP=$app hl_session_end "$mallory"
root_gets_in "broken text"
unlike "$(cat "$TL_LOG")" "No reply from the helper" "the helper answered every time (no crash)"
good
out=$(tl_login_t 20 "$mallory" -- hostname 2>&1)
is "$?:$out" "0:good-$mallory" "the configuration repaired, the next login is isolated again"

# --- the file swapped for a symlink while users log in --------------------------------------------------
# The symlink's target is a valid, root-owned file: were it ever followed,
# the session's hostname would say so.
printf '[defaults]\nhostname = evil-%%u\n' > "$TL_WORK/etc/evil.conf"
cp "$conf" "$TL_WORK/etc/good.conf"
ln -s evil.conf "$TL_WORK/etc/link.conf"
(
	end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		cp -P "$TL_WORK/etc/link.conf" "$TL_WORK/etc/swap" && mv -T "$TL_WORK/etc/swap" "$conf"
		cp "$TL_WORK/etc/good.conf" "$TL_WORK/etc/swap" && mv -T "$TL_WORK/etc/swap" "$conf"
	done
) &
swapper=$!
TL_PIDS+=("$swapper")
good_n=0 refused_n=0 other=
for i in $(seq 1 40); do
	out=$(tl_login_t 20 "$mallory" -- hostname 2>/dev/null)
	case "$?:$out" in
	"0:good-$mallory") good_n=$((good_n + 1)) ;;
	100:*) refused_n=$((refused_n + 1)) ;;
	*) other="$other [$i: $out]" ;;
	esac
done
kill "$swapper"
wait "$swapper" 2>/dev/null
diag "40 logins during the swaps: $good_n isolated with the real file, $refused_n refused"
is "$other" "" "no login used the symlink's target, or ended otherwise"
good

hl_unchanged "after the attacks on the configuration"
tl_done
