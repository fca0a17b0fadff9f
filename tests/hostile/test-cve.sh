#!/bin/bash
# Regression tests named after the CVEs of ../shared/notes/security.md (a)
# that apply to corral's callers, helper, configuration and PAM module, one
# per CVE as runc and LXC keep them: test-cve.sh CVE-YYYY-NNNN (meson: one
# test per CVE, `meson test -C build CVE-2021-4034`). The attacks from inside
# a session (CVE-2024-21626, CVE-2017-5226, CVE-2022-0492, CVE-2023-25809,
# CVE-2016-9962) are in tests/escape. Each case ends checking the host is
# unchanged.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"
. "$CORRAL_SRC/tests/hostile/hostile-lib.sh"

cve=${1:?usage: test-cve.sh CVE-YYYY-NNNN}
fn=cve_${cve#CVE-}
fn=${fn//-/_}

hl_mallory
tl_user alice
tl_conf '[defaults]' 'kill_grace = 1s'
host_pidns=$(readlink /proc/self/ns/pid)
log_since() { tail -n +"$(($1 + 1))" "$TL_LOG"; }
log_lines() { wc -l < "$TL_LOG"; }

cve_2021_4034() { # PwnKit: argc 0, so argv[1] is envp[0]
	hl_evil_dir "$mallory"
	local out
	out=$(as_mallory --argc0 --env status --env "GCONV_PATH=$HL_EVIL_DIR" --env CHARSET=EVIL \
		-- "$HL_SUID" 2>&1)
	hl_refused "$out" $? "$cve argc 0 is refused, even with envp[0] = 'status'"
	is "$(hl_hits)" "" "$cve no gconv module from envp was loaded"
	out=$(as_mallory --argc0 --env "GCONV_PATH=$HL_EVIL_DIR" --env open -- "$HL_SUID" 2>&1)
	hl_refused "$out" $? "$cve argc 0 with envp[0] = GCONV_PATH=..."
	tl_wait_for 3 grep -q "Refused a request from uid $uid: empty argv (argc 0)" "$TL_LOG"
	ok $? "$cve the log says argc 0"
}

cve_2019_14287() { # sudo: the uid -1 became root
	# Straight to the helper: pamdrive (the test's PAM application) resolves the
	# user itself first and never gets this far with a name NSS does not know.
	local u out
	for u in '#-1' '#4294967295' 4294967295 -1 '#0' 0; do
		out=$("$HL_CLIENT" --user "$u" "$TL_HELPER" open)
		like "$out" 'reply status=-[0-9]+' "$cve an open request for user '$u' fails"
	done
	is "$(ls -A /run/corral/sessions 2>/dev/null | grep -Ev '^\.(lock|counters)$')" "" \
		"$cve no state directory for uid 0 or 4294967295"
	is "$(tl_cgroup_roots | while read -r r; do ls "$r"; done | grep -v '^inits$' | sort -u)" "" \
		"$cve no cgroup for either"
}

cve_2022_47952() { # lxc-user-nic: error texts told which files exist
	local p out first=
	mkfifo -m 0600 "$TL_WORK/root-fifo"
	for p in /etc/shadow /root/.bashrc /nonexistent/x /etc "$TL_WORK/root-fifo" /dev/null; do
		for verb in open status close; do
			out=$(as_mallory -- "$HL_SUID" "--config=$p" "$verb" 2>&1; echo "rc=$?")
			[ -z "$first" ] && first=$out
			is "$out" "$first" "$cve --config=$p $verb: the same answer, whether it exists or not"
		done
	done
}

cve_2023_33461() { # iniparser: a section name asked for as a key crashed the typed getters
	local start out
	for text in '[defaults:pids_max]\n' '[defaults:pids_max]\n[defaults]\npids_max = 5\n' \
		'[defaults]\n[defaults:hostname]\nhostname = x\n' '[global:exempt_users]\n'; do
		# shellcheck disable=SC2059
		printf "$text" > "$TL_CONF"
		start=$(log_lines)
		out=$(tl_login_t 30 "$mallory" -- true 2>&1)
		is $? 100 "$cve config '${text//\\n/ }': the login is refused"
		tl_wait_for 3 sh -c "tail -n +$((start + 1)) '$TL_LOG' | grep -q 'corral-helper.*$TL_CONF:'"
		ok $? "$cve the helper answered with the file and line, it did not crash"
	done
	out=$(nm -D --undefined-only "$TL_HELPER" | grep -E 'iniparser_get(int|longint|int64|uint64|double|boolean)\b')
	is "$out" "" "$cve the helper links none of iniparser's typed getters"
	tl_conf '[defaults]'
}

cve_2025_0633() { # iniparser: overflows in the dump and escape paths
	local b
	for b in "$TL_HELPER" "$CORRAL_BUILD/tools/corralctl"; do
		is "$(nm -D --undefined-only "$b" | grep -E 'iniparser_dump')" "" \
			"$cve ${b##*/} never calls iniparser_dump*"
	done
}

cve_2022_31214() { # firejail --join trusted a namespace the attacker controlled
	local out init sid app victim
	hl_session_bg "$alice"
	sid=$HL_SID app=$HL_APP
	init=$(sed -n 's/^init_pid=//p' /run/corral/sessions/"$(id -u "$alice")"/"$sid")
	victim=$(pgrep -u "$alice" -x sleep)
	# A close naming the session with the pidfd of a process that is not its init.
	out=$("$HL_CLIENT" --user "$alice" --session "$sid" --pidfd "$victim" "$TL_HELPER" close)
	like "$out" 'reply status=-' "$cve close with a pidfd of the session's shell, not its init: refused"
	# A fake "init": PID 1 of a user's own user and PID namespaces.
	hl_as "$mallory" unshare --user --pid --fork --map-root-user sleep 30 &
	local fake=$!
	TL_PIDS+=("$fake")
	tl_wait_for 5 pgrep -u "$mallory" -x sleep >/dev/null
	out=$("$HL_CLIENT" --user "$alice" --session "$sid" --pidfd "$(pgrep -u "$mallory" -x sleep)" \
		"$TL_HELPER" close)
	like "$out" 'reply status=-' "$cve close with a pidfd of PID 1 of a user's own namespaces: refused"
	# SIGKILL: a PID 1 ignores every other signal it has no handler for.
	for pid in $(pgrep -u "$mallory"); do kill -KILL "$pid"; done
	wait "$fake" 2>/dev/null
	check "$cve the session's init lives on" -- kill -0 "$init"
	check "$cve and its state too" -- test -e /run/corral/sessions/"$(id -u "$alice")"/"$sid"
	hl_as "$mallory" sh -c ": > /run/corral/sessions/x" 2>/dev/null
	isnt=$?
	[ "$isnt" -ne 0 ] && [ ! -e /run/corral/sessions/x ]
	ok $? "$cve the state the helper trusts cannot be written by a user"
	HL_APP=$app hl_session_end "$alice"
	ok $? "$cve alice's session still ends the normal way"
}

# held_status: mallory's `status`, held at its first write (its stdout a full
# FIFO) with its credentials settled: its pid in HELD. held_release lets it
# write and waits for it (its exit status).
held_status() {
	mkfifo "$TL_WORK/out"
	exec 8<>"$TL_WORK/out"
	head -c 65536 /dev/zero >&8
	"$HL_LAUNCH" --user "$uid:$gid" -- "$HL_SUID" status >&8 2>/dev/null &
	HELD=$!
}
held_release() {
	local rc
	cat < "$TL_WORK/out" > /dev/null 8>&- &
	wait "$HELD"
	rc=$?
	exec 8>&-
	return "$rc"
}

cve_2020_5291() { # bubblewrap inferred its privilege state and stayed root
	local helper
	hl_session_bg "$mallory"
	held_status
	helper=$HELD
	dropped() { grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "/proc/$helper/status"; }
	check "$cve status, once it prints, runs as the caller in all four uids" -- tl_wait_for 5 dropped
	is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$helper/status")" "$gid $gid $gid $gid" \
		"$cve and all four gids"
	is "$(awk '/^Cap(Prm|Eff|Inh|Amb):/ { print $2 }' "/proc/$helper/status" | sort -u)" \
		0000000000000000 "$cve with no capability left (permitted, effective, inheritable, ambient)"
	held_release
	is $? 0 "$cve and it finishes as usual"
	HL_APP=$HL_APP hl_session_end "$mallory"
}

cve_2016_8659() { # bubblewrap was dumpable while privileged; the user ptraced it
	local helper out
	hl_session_bg "$mallory"
	held_status
	helper=$HELD
	check "$cve the helper, held at its first write, runs as the user" -- \
		tl_wait_for 5 grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "/proc/$helper/status"
	is "$(stat -c %U "/proc/$helper/environ" "/proc/$helper/mem" "/proc/$helper/fd" | sort -u)" root \
		"$cve the helper is not dumpable: its /proc entries are root's, though it runs as the user"
	out=$(hl_as "$mallory" timeout 5 strace -qq -p "$helper" -e trace=none 2>&1)
	like "$out" 'Operation not permitted' "$cve the user cannot ptrace it"
	out=$(hl_as "$mallory" cat "/proc/$helper/environ" 2>&1)
	like "$out" 'Permission denied' "$cve nor read its environment"
	held_release
	HL_APP=$HL_APP hl_session_end "$mallory"
}

cve_2025_6020() { # pam_namespace: root followed a symlink the user swapped into a path
	# The PAM application's cwd is a user's directory; the module re-enters it by
	# path inside the session (su without - passes that cwd on to the user's
	# shell). The user swaps a component for a symlink to a directory it cannot
	# reach (under a 0700 parent); were it followed, the application's cwd, and
	# so the user's, would be in there.
	local home i app cwd end inside=0 followed=0
	home=$(getent passwd "$mallory" | cut -d: -f6)
	mkdir -m 0700 "$TL_WORK/private"
	mkdir -m 0755 "$TL_WORK/private/x"
	hl_as "$mallory" mkdir -p "$home/d/x"
	hl_as "$mallory" ln -s "$TL_WORK/private" "$home/link"
	# Half of the time the directory, half of the time the symlink, 10 ms each.
	hl_as "$mallory" sh -c "end=\$((\$(date +%s) + 60)); while [ \$(date +%s) -lt \$end ]; do
		mv -T '$home/d' '$home/real'; cp -P '$home/link' '$home/d'; sleep 0.01
		rm -f '$home/d'; mv -T '$home/real' '$home/d'; sleep 0.01; done" 2>/dev/null &
	local swapper=$!
	TL_PIDS+=("$swapper")
	end=$((SECONDS + 45))
	while [ $SECONDS -lt $end ] && [ "$inside" -lt 40 ]; do
		# Start in the real directory (root may cd through the symlink; that is not the
		# test). By the kernel's word: bash's pwd -P re-resolves $PWD, the race again.
		cd "$home/d/x" 2>/dev/null && [ "$(readlink /proc/$$/cwd)" = "$home/d/x" ] ||
			{ cd /; continue; }
		"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$mallory" \
			-- sleep 1000 </dev/null >/dev/null 2>&1 &
		app=$!
		cd /
		tl_wait_for 10 hl_has_session "$mallory" || { kill "$app"; wait "$app"; continue; }
		cwd=$(readlink "/proc/$app/cwd")
		inside=$((inside + 1))
		case $cwd in "$TL_WORK/private"*) followed=$((followed + 1)); diag "followed: $cwd" ;; esac
		HL_APP=$app hl_session_end "$mallory" || diag "login $inside did not end normally"
	done
	for pid in $(pgrep -u "$mallory"); do kill "$pid"; done
	wait "$swapper" 2>/dev/null
	diag "$inside logins from the swapped directory"
	[ "$inside" -gt 10 ]
	ok $? "$cve logins ran while the user swapped its directory for a symlink ($inside)"
	is "$followed" 0 "$cve the application's cwd never ended up where the symlink led"
}

cve_2024_22365() { # pam_namespace blocked on a FIFO the user planted
	local start
	rm -f "$TL_CONF"
	mkfifo -m 0644 "$TL_CONF"
	start=$SECONDS
	tl_login_t 30 "$mallory" -- true >/dev/null 2>&1
	is $? 100 "$cve the configuration a FIFO: the login is refused"
	[ $((SECONDS - start)) -lt 10 ]
	ok $? "$cve at once ($((SECONDS - start)) s), not after a hang"
	rm -f "$TL_CONF"
	tl_conf '[defaults]'
	mkfifo -m 0644 "$TL_WORK/etc/corral.conf.d/50-fifo.conf"
	start=$SECONDS
	tl_login_t 30 "$mallory" -- true >/dev/null 2>&1
	is "$?:$((SECONDS - start < 10))" "100:1" "$cve a drop-in a FIFO: refused at once"
	rm -f "$TL_WORK/etc/corral.conf.d/50-fifo.conf"
	# The user's home a FIFO: corral never opens it.
	home=$(getent passwd "$mallory" | cut -d: -f6)
	mv "$home" "$home.real"
	mkfifo -m 0644 "$home"
	chown "$mallory:" "$home"
	start=$SECONDS
	out=$(cd / && tl_login_t 30 "$mallory" -- printenv CORRAL_SESSION 2>/dev/null)
	like "$out" '^[0-9a-f]{16}$' "$cve the user's home a FIFO: the login works, isolated"
	rm -f "$home"
	mv "$home.real" "$home"
}

cve_2017_5985() { # lxc-user-nic acted on a pid the caller named
	local out sid
	hl_session_bg "$alice"
	sid=$HL_SID
	for args in "status|0" "status|--uid=0" "status|$alice" "status|$sid" "--user=$alice|status"; do
		IFS='|' read -r -a argv <<< "$args"
		out=$(hl_as "$mallory" "$HL_SUID" "${argv[@]}" 2>&1)
		hl_refused "$out" $? "$cve '${args//|/ }': no way to name a user or session"
	done
	out=$(hl_as "$mallory" "$HL_SUID" status 2>&1)
	is "$?:$out" "0:uid $uid has no corral sessions" "$cve status shows the caller's own, nothing of alice's"
	HL_APP=$HL_APP hl_session_end "$alice"
}

cve_2018_6556() { # lxc-user-nic opened a path the caller chose, as root
	local p out
	for p in "$TL_WORK/trip-c" "$TL_WORK/trip-i"; do hl_tripwire "$p"; done
	out=$(hl_as "$mallory" "$HL_SUID" "--config=$TL_WORK/trip-c" open 2>&1)
	hl_refused "$out" $? "$cve --config=FIFO open"
	out=$(hl_as "$mallory" "$HL_SUID" "--init=$TL_WORK/trip-i" status 2>&1)
	hl_refused "$out" $? "$cve --init=FIFO status"
	sleep 0.3
	check "$cve neither path was ever opened" -- test ! -e "$TL_WORK/trip-c.hit" -a ! -e "$TL_WORK/trip-i.hit"
}

cve_2026_39402() { # lxc-user-nic authorized on a name, not on the whole (user, object)
	local out asid ainit mapp msid
	hl_session_bg "$alice"
	asid=$HL_SID aapp=$HL_APP
	ainit=$(sed -n 's/^init_pid=//p' /run/corral/sessions/"$(id -u "$alice")"/"$asid")
	hl_session_bg "$mallory"
	msid=$HL_SID mapp=$HL_APP
	minit=$(sed -n 's/^init_pid=//p' /run/corral/sessions/"$uid"/"$msid")
	out=$("$HL_CLIENT" --user "$mallory" --session "$asid" --pidfd "$ainit" "$TL_HELPER" close)
	like "$out" 'reply status=-' "$cve close of alice's session in mallory's name: refused"
	out=$("$HL_CLIENT" --user "$alice" --session "$asid" --pidfd "$minit" "$TL_HELPER" close)
	like "$out" 'reply status=-' "$cve close of alice's session with mallory's init: refused"
	out=$("$HL_CLIENT" --user "$alice" --session "$msid" --pidfd "$minit" "$TL_HELPER" close)
	like "$out" "reply status=-" "$cve close of mallory's session in alice's name: refused"
	check "$cve both inits live on" -- kill -0 "$ainit" "$minit"
	HL_APP=$aapp hl_session_end "$alice"
	ok $? "$cve alice's session ends the normal way"
	HL_APP=$mapp hl_session_end "$mallory"
	ok $? "$cve mallory's too"
}

cve_2013_4288() { # polkit keyed on a pid; the helper's peer must come from the kernel
	local out start
	start=$(log_lines)
	out=$("$HL_CLIENT" --peer "$uid:$gid" --user "$mallory" "$TL_HELPER" open)
	like "$out" 'helper exit=1' "$cve a request over fd 3 from a peer that is not root: refused"
	tl_wait_for 3 sh -c "tail -n +$((start + 1)) '$TL_LOG' | grep -q 'Peer uid $uid is not root'"
	ok $? "$cve the log names the peer's uid, as the kernel gave it (SO_PEERCRED)"
	is "$(hl_sessions "$mallory")" "" "$cve nothing was created"
}

cve_2021_3560() { # polkit: a failed identity lookup counted as uid 0
	local out u
	for u in corral-t-nosuchuser "" "root/../$mallory" "$mallory/"; do
		out=$("$HL_CLIENT" --user "$u" "$TL_HELPER" open)
		like "$out" 'reply status=-' "$cve user '$u' is not known: an error, not 'exempt' (root's)"
	done
}

cve_2021_3156() { # sudo: heap overflow unescaping argv
	local a out
	for a in 'status\' '\' "$(head -c 131071 /dev/zero | tr '\0' '\\')" '-s\' "status$(printf '\\%.0s' {1..4000})"; do
		out=$(hl_as "$mallory" "$HL_SUID" "$a" 2>&1)
		hl_refused "$out" $? "$cve argv of ${#a} bytes with backslashes"
	done
}

cve_2022_0563() { # chfn/chsh: readline read INPUTRC as root and echoed it
	local out
	out=$(as_mallory --env INPUTRC=/etc/shadow -- "$HL_SUID" --config=/etc/shadow open 2>&1)
	hl_refused "$out" $? "$cve --config=/etc/shadow with INPUTRC=/etc/shadow"
	unlike "$out$(tail -n 5 "$TL_LOG")" '^root:|:\$[0-9a-z]+\$' "$cve no line of /etc/shadow in the answer or the log"
	out=$(as_mallory --env INPUTRC=/etc/shadow -- "$HL_SUID" status 2>&1)
	is "$?:$out" "0:uid $uid has no corral sessions" "$cve status with INPUTRC=/etc/shadow: as usual"
}

cve_2025_14104() { # chfn: over-read on 256-byte user names
	local n out
	for n in 255 256 257 511; do
		out=$("$HL_CLIENT" --user "$(head -c "$n" /dev/zero | tr '\0' m)" "$TL_HELPER" open)
		is "$(printf '%s\n' "$out" | grep -c 'reply status=-')$(printf '%s\n' "$out" | grep -c 'helper exit=1')" \
			11 "$cve a user name of $n bytes: an error reply, a clean exit"
	done
	out=$(tl_login_t 30 "$mallory" -- printenv CORRAL_SESSION 2>&1)
	like "$out" '^[0-9a-f]{16}$' "$cve then an ordinary login works"
}

cve_2019_3842() { # pam_systemd trusted XDG_SEAT from the environment
	local out asid
	hl_session_bg "$alice"
	asid=$HL_SID
	out=$(env XDG_SEAT=seat0 XDG_VTNR=1 CORRAL_SESSION="$asid" CORRAL_CONFIG=/tmp/evil \
		"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$mallory" \
		-- /bin/sh -c 'echo "$CORRAL_SESSION"; readlink /proc/self/ns/pid' 2>&1)
	is $? 0 "$cve a login from an application whose environment names alice's session works"
	like "$(printf '%s\n' "$out" | head -n 1)" '^[0-9a-f]{16}$' "$cve and gets a session of its own"
	unlike "$out" "$asid" "$cve not alice's"
	check "$cve alice's session is untouched" -- hl_has_session "$alice"
	HL_APP=$HL_APP hl_session_end "$alice"
}

cve_2024_28085() { # wall wrote user strings with escapes to terminals
	local out
	tl_login_bg "$mallory" --rhost $'\e]0;owned\a\e[2J' --tty $'pts/\e[31m1' -- sleep 1000 \
		</dev/null >/dev/null 2>&1
	local app=$TL_BG
	tl_wait_for 10 hl_has_session "$mallory"
	out=$(hl_as "$mallory" "$HL_SUID" status 2>&1)
	is $? 0 "$cve status with escape sequences in the PAM items"
	unlike "$out" $'\e' "$cve no escape character reaches the terminal"
	unlike "$(cat /run/corral/sessions/"$uid"/*)" $'\e' "$cve none is stored in the state"
	unlike "$(cat "$TL_LOG")" $'\e' "$cve none reaches the log"
	HL_APP=$app hl_session_end "$mallory"
	ok $? "$cve the login ends normally"
}

cve_2020_17368() { # firejail passed user strings through a shell
	local out
	out=$(tl_login_t 30 "$mallory" --rhost '$(touch /tmp/corral-pwned);x' \
		--tty '`touch /tmp/corral-pwned`' -- printenv CORRAL_SESSION 2>&1)
	like "$out" '^[0-9a-f]{16}$' "$cve shell syntax in the PAM items: the login works"
	check "$cve and it was never run" -- test ! -e /tmp/corral-pwned
}

cve_2010_3853() { # pam_namespace ran its helper with the application's environment
	local init env
	LD_DEBUG=all MALLOC_CHECK_=3 FOO=bar "$TL_DRIVER" --confdir "$TL_WORK/pam.d" \
		--service "$TL_SERVICE" --user "$mallory" -- sleep 1000 </dev/null >/dev/null 2>&1 &
	local app=$!
	TL_PIDS+=("$app")
	tl_wait_for 10 hl_has_session "$mallory"
	init=$(sed -n 's/^init_pid=//p' /run/corral/sessions/"$uid"/*)
	env=$(tr '\0' '\n' < "/proc/$init/environ")
	diag "the init's environment: $env"
	unlike "$env" 'FOO|LD_|MALLOC_' "$cve the session's init has nothing of the application's environment"
	HL_APP=$app hl_session_end "$mallory"
	ok $? "$cve the login ends normally"
}

cve_2019_12439() { # bubblewrap used a predictable directory an attacker could plant
	local out
	rm -rf /run/corral
	ln -s "$TL_WORK/planted" /run/corral
	mkdir -p "$TL_WORK/planted"
	tl_login_t 30 "$mallory" -- true >/dev/null 2>&1
	is $? 100 "$cve /run/corral a symlink: the login is refused"
	is "$(ls -A "$TL_WORK/planted")" "" "$cve nothing was written through it"
	rm -f /run/corral
	mkdir -m 0755 /run/corral
	chown "$mallory" /run/corral
	tl_login_t 30 "$mallory" -- true >/dev/null 2>&1
	is $? 100 "$cve /run/corral owned by a user: the login is refused"
	is "$(ls -A /run/corral)" "" "$cve nothing was written in it"
	out=$(hl_as "$mallory" "$HL_SUID" status 2>&1)
	is "$?" 1 "$cve and status will not read from it either"
	rm -rf /run/corral
}

cve_2021_33910() { # systemd: a long mount path (alloca) crashed PID 1
	local long i out
	long=$TL_WORK/m
	for i in $(seq 1 31); do long=$long/$(head -c 120 /dev/zero | tr '\0' d); done
	long="$long/$(printf 's %.0s' $(seq 1 40))- cgroup2 cgroup2 rw"
	mkdir -p "$long"
	mount -t tmpfs "x - cgroup2 cgroup2 rw" "$long"
	diag "a mount point of ${#long} bytes, mountinfo line of $(grep -F 'x\040-\040cgroup2' /proc/self/mountinfo | wc -c)"
	out=$(tl_login_t 30 "$mallory" -- printenv CORRAL_SESSION 2>&1)
	like "$out" '^[0-9a-f]{16}$' "$cve a huge, odd mountinfo line: the login works"
	out=$(hl_as "$mallory" "$HL_SUID" status 2>&1)
	is "$?:$out" "0:uid $uid has no corral sessions" "$cve and status (it reads mountinfo as the user) works"
	umount "$long"
}

cve_2011_1676() { # mount: RLIMIT_FSIZE broke /etc/mtab half-way
	local out
	("$HL_LAUNCH" --rlimit FSIZE=0:- -- "$TL_DRIVER" --confdir "$TL_WORK/pam.d" \
		--service "$TL_SERVICE" --user "$mallory" -- /bin/sh -c 'printenv CORRAL_SESSION; sleep 3' \
		2>&1 | cat > "$TL_WORK/o") &
	local app=$!
	tl_wait_for 10 hl_has_session "$mallory"
	like "$(cat /run/corral/sessions/"$uid"/*)" 'limit=max_sessions' \
		"$cve an application with RLIMIT_FSIZE 0: the state file is written whole"
	wait "$app"
	like "$(cat "$TL_WORK/o")" '^[0-9a-f]{16}$' "$cve and the login ran, isolated"
}

cve_2023_4911() { # glibc: GLIBC_TUNABLES overflowed in ld.so of set-user-ID programs
	local out t
	t="glibc.malloc.mxfast=glibc.malloc.mxfast=$(head -c 3000 /dev/zero | tr '\0' A)"
	out=$(as_mallory --env "GLIBC_TUNABLES=$t" -- "$HL_SUID" status 2>&1)
	is "$?:$out" "0:uid $uid has no corral sessions" "$cve the exploit's GLIBC_TUNABLES: status as usual"
	out=$(as_mallory --env "GLIBC_TUNABLES=$t" --env "GLIBC_TUNABLES=$t" -- "$HL_SUID" open 2>&1)
	hl_refused "$out" $? "$cve twice, with 'open'"
	is "$(readelf -d "$TL_HELPER" | grep -E 'RPATH|RUNPATH')" "" \
		"$cve the helper has no RPATH or RUNPATH (\$ORIGIN, CVE-2010-3847)"
}

cve_2022_27649() { # podman: inheritable capabilities reached the container
	local init app
	setpriv --inh-caps=+net_raw,+sys_admin,+dac_override \
		--ambient-caps=+net_raw,+sys_admin,+dac_override -- "$TL_DRIVER" --confdir "$TL_WORK/pam.d" \
		--service "$TL_SERVICE" --user "$mallory" -- sleep 1000 </dev/null >/dev/null 2>&1 &
	app=$!
	TL_PIDS+=("$app")
	tl_wait_for 10 hl_has_session "$mallory"
	like "$(grep -E 'Cap(Inh|Amb)' /proc/$app/status)" 'CapAmb:\s+0*[1-9a-f]' \
		"$cve control: the application runs with inheritable and ambient capabilities"
	init=$(sed -n 's/^init_pid=//p' /run/corral/sessions/"$uid"/*)
	is "$(awk '/^Cap(Inh|Prm|Eff|Amb):/ { print $2 }' "/proc/$init/status" | sort -u)" \
		0000000000000000 "$cve the session's init has no capability of any set"
	HL_APP=$app hl_session_end "$mallory"
	ok $? "$cve the login ends normally"
}

cve_2025_32463() { # sudo --chroot: NSS resolved inside a root the user controlled
	# Every process the helper runs (itself, its children, the session init) is
	# traced, one file each (strace -ff, -y names the namespace of each setns
	# fd): NSS (nsswitch.conf, libnss_*, the passwd and group databases) may be
	# read only while the process is in the mount namespace it started in.
	local home report
	NSS_DIR=${CORRAL_KEEP_TRACE:-$TL_WORK/nss}
	mkdir -p "$NSS_DIR"
	home=$(readlink /proc/self/ns/mnt)
	strace -ff -y -qq -o "$NSS_DIR/t" -e trace=execve,clone,clone3,fork,vfork,unshare,setns,open,openat \
		"$TL_DRIVER" --confdir "$TL_WORK/pam.d" --service "$TL_SERVICE" --user "$mallory" \
		-- true </dev/null >/dev/null 2>&1
	is $? 0 "$cve a login under strace -ff works"
	report=$(nss_reads "$(ls "$NSS_DIR" | sed -n 's/^t\.//p' | sort -n | head -n 1)" "$home" no)
	diag "NSS reads of corral's processes (mount namespace at the time):" "$report"
	printf '%s\n' "$report" | awk -v h="$home" '$1 == h && /"\/etc\/(passwd|group)"/ { f = 1 } END { exit !f }'
	ok $? "$cve control: the trace shows the helper's own NSS lookups (in the host's mount namespace)"
	printf '%s\n' "$report" | awk -v h="$home" 'NF && $1 != h { f = 1 } END { exit f }'
	ok $? "$cve no process of corral's reads NSS in a mount namespace other than the host's"
}

# nss_reads PID MNTNS OURS: walk process PID's trace file ($NSS_DIR/t.PID) and its children's, in
# the order each ran; print "MNTNS LINE" for every NSS read by a process of
# corral's (one that exec'd the helper or the init, or was forked by one).
nss_reads() {
	local pid=$1 ns=$2 ours=$3 line c
	while IFS= read -r line; do
		case $line in
		execve\(*/corral-helper\"*" = 0" | execve\(*/corral-init\"*" = 0") ours=yes ;;
		setns\(*\<mnt:\[*" = 0") ns=${line#*<}; ns=${ns%%>*} ;;
		setns\(*anon_inode:\[pidfd\]*CLONE_NEWNS*" = 0") ns=session ;;
		unshare\(*CLONE_NEWNS*" = 0") ns=new ;;
		clone*" = "[0-9]* | fork*" = "[0-9]* | vfork*" = "[0-9]*)
			c=${line##*= }
			case $line in
			*CLONE_NEWNS*) nss_reads "$c" new "$ours" ;;
			*) nss_reads "$c" "$ns" "$ours" ;;
			esac ;;
		open*\"/etc/nsswitch.conf\"* | open*\"/etc/passwd\"* | open*\"/etc/group\"* | \
		open*\"/etc/shadow\"* | open*libnss_*)
			[ "$ours" = yes ] && printf '%s %s\n' "$ns" "$line" ;;
		esac
	done < "$NSS_DIR/t.$pid"
}

declare -F "$fn" >/dev/null || bail "no test for $cve"
hl_snapshot
"$fn"
hl_unchanged "$cve"
tl_done
