#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion of corralctl (completion/corralctl): the file is sourced
# and _corralctl called the way bash calls it (COMP_WORDS split at '=' as
# COMP_WORDBREAKS splits them, COMP_CWORD, COMP_LINE, COMP_POINT, and the
# command, the word completed and the word before it as arguments); COMPREPLY
# is what is checked. Its verbs and each verb's options are checked against
# what the real, built corralctl prints for --help, so they cannot drift.
#
# Session ids come from a MOCK: a fake corralctl on PATH whose `list --json`
# prints two sessions. This is a unit test: it checks what the completion does
# with that output, not corralctl list (tests/unit/test-corralctl.sh and the
# privileged suite do that).
#
# usage: test-completion.sh COMPLETION-FILE PATH-TO-corralctl conf/conf-schema.c
# The predicates below are only ever called through t().
# shellcheck disable=SC2317
set -u

COMPLETION=${1:?usage: $0 COMPLETION-FILE CORRALCTL CONF-SCHEMA}
CTL=${2:?usage: $0 COMPLETION-FILE CORRALCTL CONF-SCHEMA}
SCHEMA=${3:?usage: $0 COMPLETION-FILE CORRALCTL CONF-SCHEMA}
D=$(mktemp -d /tmp/corral-test-XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' HUP INT TERM
chmod 755 "$D"
# File completion lists the working directory: an empty one of our own.
mkdir "$D/cwd" && cd "$D/cwd" || exit 1

n=0
failed=0
diag=''

# t DESCRIPTION COMMAND...: one TAP line; on failure, what was completed and
# the reply (and whatever the predicate put in $diag) as diagnostics.
t() {
	local desc=$1
	shift
	n=$((n + 1))
	diag=''
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
		if [ -n "${COMP_LINE-}" ]; then
			echo "# completed: '$COMP_LINE'"
			echo "# reply: $(printf '[%s] ' "${COMPREPLY[@]}")"
		fi
		[ -n "$diag" ] && printf '%s\n' "$diag" | sed 's/^/# /'
	fi
}

# skip WHY: a skip, or a failure under CORRAL_TEST_STRICT=1 (meson test --setup ci).
skip() {
	n=$((n + 1))
	if [ "${CORRAL_TEST_STRICT:-}" = 1 ]; then
		echo "not ok $n - skipped, and CORRAL_TEST_STRICT=1 forbids skips: $1"
		failed=1
	else
		echo "ok $n # SKIP $1"
	fi
}

# The mock corralctl: its list --json prints two sessions (and noise on
# stderr, which must not reach the terminal); every call is logged.
mkdir "$D/bin"
cat >"$D/bin/corralctl" <<EOF
#!/bin/sh
echo "\$*" >>"$D/calls"
echo "corralctl: mock noise on stderr" >&2
[ "\$1 \$2" = "list --json" ] || exit 2
printf '%s\n' '[{"session":"9f2c4e1a77b3d021","user":"alice","uid":1001,"tty":"pts/0"},' \
	' {"session":"0a1b2c3d4e5f6071","user":"bob","uid":1002,"tty":"ssh"}]'
EOF
printf '#!/bin/sh\n' >"$D/bin/corral-t-fakecmd"
chmod 755 "$D/bin/corralctl" "$D/bin/corral-t-fakecmd"
: >"$D/calls"
chmod 666 "$D/calls"
mkdir "$D/conf" "$D/conf/corral.conf.d"
: >"$D/conf/corral.conf"
cp "$COMPLETION" "$D/completion"
chmod 644 "$D/completion"

# shellcheck source=/dev/null
. "$COMPLETION"

# The reply's flags: compopt only works inside a real completion.
COMPOPTS=''
compopt() {
	[ "$1" = -o ] && COMPOPTS+=" $2"
	return 0
}

# comp LINE: complete at the end of LINE as bash would.
comp() {
	local line=$1 w
	COMP_WORDS=()
	for w in $line; do
		# COMP_WORDBREAKS: '=' is a word of its own.
		while [[ $w == *=* ]]; do
			[[ -n ${w%%=*} ]] && COMP_WORDS+=("${w%%=*}")
			COMP_WORDS+=("=")
			w=${w#*=}
		done
		[[ -n $w ]] && COMP_WORDS+=("$w")
	done
	# A space at the end, or a word ending at a '=': an empty word is completed.
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	local word=${COMP_WORDS[COMP_CWORD]}
	[[ $word == = ]] && word=''
	COMPOPTS=''
	COMPREPLY=()
	_corralctl "${COMP_WORDS[0]}" "$word" "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$D/err"
}

# reply_is WORD...: the reply is exactly these words, in any order.
reply_is() {
	local got want
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
	want=$(printf '%s\n' "$@" | sort)
	[ "$got" = "$want" ] || { diag="want: $*"; return 1; }
}
reply_has() {
	local w r
	for w; do
		for r in "${COMPREPLY[@]}"; do [ "$r" = "$w" ] && continue 2; done
		diag="missing: $w"
		return 1
	done
}
reply_lacks() {
	local w r
	for w; do
		for r in "${COMPREPLY[@]}"; do [ "$r" = "$w" ] && { diag="has: $w"; return 1; }; done
	done
}
reply_empty() { [ ${#COMPREPLY[@]} -eq 0 ] || { diag="want nothing"; return 1; }; }
# Every reply starts with $1.
reply_all() {
	local r
	for r in "${COMPREPLY[@]}"; do [[ $r == "$1"* ]] || { diag="not $1*: $r"; return 1; }; done
}
nospace() { [[ " $COMPOPTS " == *" nospace "* ]]; }
filenames() { [[ " $COMPOPTS " == *" filenames "* ]]; }
quiet() { [ ! -s "$D/err" ] || { diag="stderr: $(cat "$D/err")"; return 1; }; }
not_called() { [ ! -s "$D/calls" ] || { diag="corralctl ran: $(cat "$D/calls")"; return 1; }; }

VERBS=(apply check end enter freeze limits list ls metrics policy show status strays thaw)
KEYS=(memory_max= memory_high= memory_swap_max= cpu_max= cpu_weight= pids_max= io_weight= io_max= cpus=)
ROOT_ONLY='session ids are offered to root only: run the test as root'

# --- verbs and global options ---
comp 'corralctl '
t "every verb" reply_is "${VERBS[@]}"
t "nothing printed while completing" quiet
comp 'corralctl l'
t "corralctl l: list, limits, ls" reply_is limits list ls
comp 'corralctl st'
t "corralctl st: status, strays" reply_is status strays
comp 'corralctl -'
t "global options" reply_is --help --version
comp 'corralctl --help '
t "verbs after a global option" reply_is "${VERBS[@]}"
comp 'corralctl frob '
t "nothing after an unknown verb" reply_empty

# --- options of the verbs ---
comp 'corralctl list --'
t "list --: --json and --help" reply_is --json --help
comp 'corralctl ls --j'
t "ls (list's alias) --j: --json" reply_is --json
comp 'corralctl check --'
t "check's options" reply_is --no-owner-check --no-host-check --help
comp 'corralctl check --no-owner-check --no-h'
t "check: options after an option" reply_is --no-host-check
comp 'corralctl policy -'
t "policy's options" reply_is --config --no-owner-check --help
comp 'corralctl strays --'
t "strays' options" reply_is --config --help
comp 'corralctl apply --'
t "apply's options" reply_is --config --help
comp 'corralctl metrics --'
t "metrics' options" reply_is --output --help
comp 'corralctl end --'
t "end's options" reply_is --user --help
for v in show enter freeze thaw limits status; do
	comp "corralctl $v -"
	t "$v: --help only" reply_is --help
done
comp 'corralctl check -- -'
t "no option after --" reply_empty

# --- FILE and USER arguments ---
comp "corralctl check $D/conf/corral"
t "check FILE: files" reply_is "$D/conf/corral.conf" "$D/conf/corral.conf.d"
t "check FILE: as file names (a / after directories)" filenames
comp "corralctl check --no-owner-check $D/conf/corral.conf "
t "check: one FILE only" reply_empty
comp "corralctl policy --config $D/conf/corral.c"
t "policy --config FILE: files" reply_is "$D/conf/corral.conf" "$D/conf/corral.conf.d"
comp "corralctl policy --config=$D/conf/corral.c"
t "policy --config=FILE: files, replacing the part after '='" \
	reply_is "$D/conf/corral.conf" "$D/conf/corral.conf.d"
comp "corralctl metrics --output $D/conf/corral.c"
t "metrics --output FILE: files" reply_is "$D/conf/corral.conf" "$D/conf/corral.conf.d"
comp "corralctl apply --config=$D/conf/corral.conf r"
t "apply USER after --config=FILE: users" reply_has root
comp 'corralctl policy ro'
t "policy USER: users" reply_has root
t "policy USER: users only" reply_all ro
comp "corralctl policy --config $D/conf/corral.conf ro"
t "policy USER after --config FILE" reply_has root
comp 'corralctl policy root '
t "policy: one USER only" reply_empty
comp 'corralctl strays root ro'
t "strays USER...: users" reply_has root
comp 'corralctl apply ro'
t "apply USER...: users" reply_has root
comp 'corralctl list '
t "list takes no argument" reply_empty
comp 'corralctl status '
t "status takes no argument" reply_empty

# --- limits USER KEY=VALUE... ---
comp 'corralctl limits ro'
t "limits USER: users" reply_has root
comp 'corralctl limits root '
t "limits USER KEY=: every limit key" reply_is "${KEYS[@]}"
t "limits KEY=: no space after the '='" nospace
comp 'corralctl limits root memory_'
t "limits memory_: the memory keys" reply_is memory_max= memory_high= memory_swap_max=
comp 'corralctl limits root memory_m'
t "limits memory_m: memory_max=" reply_is memory_max=
t "limits memory_m: no space after the '='" nospace
comp 'corralctl limits root pids_max=100 cpu_max=50% '
t "limits: a key already set is not offered again" \
	reply_is memory_max= memory_high= memory_swap_max= cpu_weight= io_weight= io_max= cpus=
comp 'corralctl limits root memory_max='
t "limits KEY=: no guess at the value" reply_empty
comp 'corralctl limits root memory_max=1G'
t "limits KEY=VALUE: no guess at the value" reply_empty
comp 'corralctl limits root nosuchkey'
t "limits: nothing for an unknown key" reply_empty
keys_known() {
	local k
	for k in "${KEYS[@]}"; do
		grep -qF "{ \"${k%=}\", SCOPE_POLICY" "$SCHEMA" || { diag="not in $SCHEMA: ${k%=}"; return 1; }
	done
}
t "the limit keys are policy keys of conf/conf-schema.c" keys_known

# --- SESSION arguments (from the mock) ---
IDS=(9f2c4e1a77b3d021 0a1b2c3d4e5f6071)
OLDPATH=$PATH
PATH=$D/bin:$PATH
: >"$D/calls"
if [ "$EUID" = 0 ]; then
	for v in freeze thaw end enter; do
		comp "corralctl $v "
		t "$v SESSION: the live session ids" reply_is "${IDS[@]}"
	done
	t "session ids: corralctl's stderr does not reach the terminal" quiet
	comp 'corralctl freeze 9f'
	t "freeze 9f: the matching id" reply_is 9f2c4e1a77b3d021
	comp 'corralctl end 9f2c4e1a77b3d021 '
	t "end SESSION...: the other sessions" reply_is 0a1b2c3d4e5f6071
	comp 'corralctl show '
	t "show: session ids" reply_has "${IDS[@]}"
	t "show: and user names" reply_has root nobody
	comp 'corralctl show 0a'
	t "show 0a: the matching id" reply_is 0a1b2c3d4e5f6071
	PATH=$OLDPATH
	comp "$D/bin/corralctl thaw "
	t "the corralctl completed is the one asked (a path)" reply_is "${IDS[@]}"
	PATH=$D/bin:$PATH
else
	skip "$ROOT_ONLY"
fi
comp 'corralctl enter 9f2c4e1a77b3d021 corral-t-fake'
t "enter SESSION COMMAND: commands" reply_is corral-t-fakecmd
comp 'corralctl enter 9f2c4e1a77b3d021 -'
t "enter SESSION: no corralctl option after the session" reply_lacks --help
comp "corralctl enter 9f2c4e1a77b3d021 cat $D/conf/corral.c"
t "enter SESSION COMMAND ARG: files (no bash-completion loaded)" \
	reply_is "$D/conf/corral.conf" "$D/conf/corral.conf.d"
# With bash-completion loaded, its _command_offset (here a stub) gets the
# index in COMP_WORDS of the command.
_command_offset() { OFFSET=$1; }
OFFSET=''
comp 'corralctl enter 9f2c4e1a77b3d021 ls --'
offset_is() { [ "$OFFSET" = "$1" ] || { diag="offset: '$OFFSET'"; return 1; }; }
t "enter SESSION COMMAND ARG: COMMAND's own completion" offset_is 3
unset -f _command_offset
comp 'corralctl freeze 9f2c4e1a77b3d021 '
t "freeze: one SESSION only" reply_empty
comp 'corralctl end --user '
t "end --user USER: users" reply_has root nobody
comp 'corralctl end --user=ro'
t "end --user=USER: users" reply_has root
comp 'corralctl end --user root '
t "end --user USER: no SESSION too" reply_empty
t "nothing printed while completing" quiet

# Not root: no session id, nothing run, nothing printed; show still offers users.
# As root, the checks run as nobody (setpriv), the mock still first on PATH.
as_user() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	local script='
		. "$1/completion"; compopt() { :; }
		PATH=$1/bin:$PATH
		for line in "corralctl freeze " "corralctl end " "corralctl show "; do
			read -ra COMP_WORDS <<<"$line"; COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
			COMPREPLY=()
			_corralctl corralctl "" "${COMP_WORDS[COMP_CWORD - 1]}"
			echo "$line:${COMPREPLY[*]}"
		done'
	if [ "$EUID" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- bash -c "$script" sh "$D"
	else
		bash -c "$script" sh "$D"
	fi
}
: >"$D/calls"
user_out=$(as_user 2>"$D/err")
user_has() { grep -qxF -- "$1" <<<"$user_out" || { diag="got: $user_out"; return 1; }; }
user_show() {
	if grep -qE "^corralctl show :(.* )?root( |$)" <<<"$user_out" && ! grep -q 9f2c <<<"$user_out"; then
		return 0
	fi
	diag="got: $user_out"
	return 1
}
COMP_LINE='(as an ordinary user)' COMPREPLY=()
t "not root: freeze offers no session" user_has "corralctl freeze :"
t "not root: end offers no session" user_has "corralctl end :"
t "not root: show offers user names only" user_show
t "not root: corralctl is not run" not_called
t "not root: nothing printed" quiet
PATH=$OLDPATH

# --- no drift from the real corralctl ---
# The verbs of `corralctl --help`: the two-space-indented first words of its
# Commands section; "list, ls", "list|ls" and "(alias ls)" name aliases too.
"$CTL" --help >"$D/help" 2>"$D/err"
help_rc=$?
help_verbs=$(awk '
	/^Commands:/ { on = 1; next }
	on && /^[^ ]/ { on = 0 }
	on && /^  [^ ]/ {
		name = $1
		line = $0
		sub(/^  [^ ]+/, "", line)
		n = split(name, parts, /[,|\/]/)
		for (i = 1; i <= n; i++) if (parts[i] != "") print parts[i]
		# "list, ls [--json]": the words after a comma
		while (match(line, /^, *[a-z][a-z0-9-]*/)) {
			w = substr(line, RSTART, RLENGTH); sub(/^, */, "", w); print w
			line = substr(line, RSTART + RLENGTH)
		}
	}
	on && match($0, /\(?alias(es)?:? +[a-z][a-z0-9-]*(, *[a-z][a-z0-9-]*)*/) {
		w = substr($0, RSTART, RLENGTH); sub(/^\(?alias(es)?:? +/, "", w)
		n = split(w, parts, /, */)
		for (i = 1; i <= n; i++) print parts[i]
	}' "$D/help" | sort -u)
comp 'corralctl '
completed_verbs=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u)
COMP_LINE=''
t "corralctl --help runs" [ "$help_rc" = 0 ]
# Every verb of --help is completed; every verb completed is one of --help's or
# one corralctl takes (an alias --help does not name).
same_verbs() {
	local v missing='' unknown=''
	for v in $help_verbs; do
		grep -qxF -- "$v" <<<"$completed_verbs" || missing+=" $v"
	done
	for v in $completed_verbs; do
		grep -qxF -- "$v" <<<"$help_verbs" && continue
		"$CTL" "$v" --help >/dev/null 2>"$D/verb-err" </dev/null
		grep -qF "unknown command '$v'" "$D/verb-err" && unknown+=" $v"
	done
	[ -z "$missing$unknown" ] && return 0
	diag="verbs of corralctl --help: $(tr '\n' ' ' <<<"$help_verbs")"
	[ -n "$missing" ] && diag+=$'\n'"in corralctl --help, not completed:$missing"
	[ -n "$unknown" ] && diag+=$'\n'"completed, but corralctl says unknown command:$unknown"
	return 1
}
t "the verbs completed are those of corralctl --help" same_verbs
# Each verb's options are those of its usage line in --help.
for v in $help_verbs; do
	usage=$(grep -E "^  $v([ ,|]|$)" "$D/help" | head -n1)
	want=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$usage" | sort -u)
	comp "corralctl $v --"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | grep -vxF -- --help | sort -u)
	same_opts() {
		[ "$got" = "$want" ] && return 0
		diag="usage line: $usage"$'\n'"options completed: $(tr '\n' ' ' <<<"$got")"
		return 1
	}
	t "$v: the options of its usage line, and --help" same_opts
	t "$v: --help offered" reply_has --help
done

# The limit keys are those `corralctl limits --help` names among corral.conf's keys.
if grep -qxF limits <<<"$help_verbs"; then
	"$CTL" limits --help >"$D/limits-help" 2>&1
	want=$(grep -oE '\{ "[a-z_]+", SCOPE_POLICY' "$SCHEMA" | cut -d'"' -f2 |
		grep -xF -f - <(grep -owE '[a-z_]+' "$D/limits-help") | sort -u)
	got=$(printf '%s\n' "${KEYS[@]%=}" | sort -u)
	same_keys() {
		[ "$got" = "$want" ] && return 0
		diag="keys of corralctl limits --help: $(tr '\n' ' ' <<<"$want")"
		return 1
	}
	t "limits: the keys are those of corralctl limits --help" same_keys
	comp 'corralctl limits root '
	t "limits: every one of them completed" reply_is "${KEYS[@]}"
else
	skip "corralctl has no limits verb yet"
fi

echo "1..$n"
exit "$failed"
