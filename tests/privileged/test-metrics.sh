#!/bin/bash
# corralctl metrics: its output is the Prometheus text format (checked by a
# strict parser, tests/lib/promtext.py, which is first shown to fail on what
# the format forbids); a user's figures are those of the user's cgroup files;
# the host counters grow by one per login that got a session and per login
# refused (max_sessions, a broken configuration); a non-root caller is refused;
# --output replaces its file whole, so a reader never sees half of one.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
tl_init "$@"

corralctl=$CORRAL_BUILD/tools/corralctl
hog=$CORRAL_BUILD/tests/lib/hog
prom() { python3 "$CORRAL_SRC/tests/lib/promtext.py" "$@"; }
work=$TL_WORK/metrics
mkdir -m 0777 "$work"

# --- the parser fails where the format says no ------------------------------------------
printf '# HELP a_total A \\\\ and \\n.\n# TYPE a_total counter\na_total{user="x\\"y\\\\z\\n",uid="1",} 1e3 1700000000000\n# HELP b B.\n# TYPE b gauge\nb +Inf\n' \
	> "$work/good"
check "the parser accepts escapes, a trailing comma, a timestamp and +Inf" -- prom check "$work/good"
bad() { # bad DESCRIPTION PRINTF_FORMAT: the parser must reject that text
	printf "$2" > "$work/bad"
	! prom check "$work/bad" 2>/dev/null
	ok $? "the parser rejects $1"
}
fam='# HELP a A.\n# TYPE a gauge\n'
bad "a missing final newline" "${fam}a 1"
bad "a bad metric name" '# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n'
bad "a bad label name" "${fam}"'a{1u="x"} 1\n'
bad "a reserved label name" "${fam}"'a{__u="x"} 1\n'
bad "an unescaped quote in a label value" "${fam}"'a{u="x"y"} 1\n'
bad "a raw newline in a label value" "${fam}"'a{u="x\ny"} 1\n'
bad "an unknown escape in a label value" "${fam}"'a{u="x\\q"} 1\n'
bad "a label value that is not UTF-8" "${fam}"'a{u="\xff"} 1\n'
bad "a label given twice" "${fam}"'a{u="x",u="y"} 1\n'
bad "a series given twice" "${fam}"'a{u="x"} 1\na{u="x"} 2\n'
bad "a sample before its TYPE" '# HELP a A.\na 1\n# TYPE a gauge\n'
bad "a sample with no TYPE" 'a 1\n'
bad "a family split in two" "${fam}"'a{u="x"} 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{u="y"} 1\n'
bad "a second TYPE" "${fam}"'# TYPE a gauge\na 1\n'
bad "a second HELP" "${fam}"'# HELP a A.\na 1\n'
bad "an unknown type" '# HELP a A.\n# TYPE a number\na 1\n'
bad "a value that is not a number" "${fam}"'a one\n'
bad "a decimal comma" "${fam}"'a 1,5\n'
bad "a counter not ending in _total" '# HELP a A.\n# TYPE a counter\na 1\n'
bad "a negative counter" '# HELP a_total A.\n# TYPE a_total counter\na_total -1\n'
bad "a carriage return" "${fam}"'a 1\r\n'

# --- refused unless root -----------------------------------------------------------------
tl_user alice
tl_user bob
auid=$(id -u "$alice")
buid=$(id -u "$bob")
out=$(setpriv --reuid="$bob" --regid="$(id -g "$bob")" --init-groups -- "$corralctl" metrics 2>&1)
is "$?" 1 "corralctl metrics refuses a non-root caller"
like "$out" "metrics needs root" "... and says why"

# snap: the metrics now, in $work/m (exactly as printed); val NAME [LABEL=VALUE...]: one value.
snap() { "$corralctl" metrics > "$work/m" 2> "$work/m.err"; }
val() { prom value "$@" < "$work/m"; }
counters() { echo "$(val corral_sessions_opened_total):$(val corral_sessions_failed_total)"; }

snap
is "$?" 0 "corralctl metrics runs with no session since boot" || diag "$(cat "$work/m.err")"
check "... and its output parses" -- prom check "$work/m"
is "$(counters)" "0:0" "... with both host counters at 0"
is "$(prom count corral_user_sessions < "$work/m")" 0 "... and no user series"

# --- the host counters -----------------------------------------------------------------------
tl_conf '[defaults]'
tl_login "$alice" -- true
snap
is "$(counters)" "1:0" "a login adds one to corral_sessions_opened_total"
tl_login "$bob" -- true
snap
is "$(counters)" "2:0" "... and the next one another"

# --- a live session: the user's figures are the user's cgroup's --------------------------------
mem_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
pids_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)pids(,|$)/ { print $5; exit }' /proc/self/mountinfo)
cpu_opts=$(awk '$9 == "cgroup" && $NF ~ /(^|,)cpu(,|$)/ { print $NF; exit }' /proc/self/mountinfo)
cpu_hier=$(awk '$9 == "cgroup" && $NF ~ /(^|,)cpu(,|$)/ { print $5; exit }' /proc/self/mountinfo)
v2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
version=2
[ -n "$mem_hier" ] && version=1
: "${mem_hier:=$v2}" "${pids_hier:=$v2}"
mem_dir=$mem_hier/$TL_CGROUP_ROOT/$auid
pids_dir=$pids_hier/$TL_CGROUP_ROOT/$auid
labels=(user="$alice" uid="$auid" cgroup_root="$TL_CGROUP_ROOT")

tl_conf '[defaults]' 'memory_max = 64M' 'memory_swap_max = 0' 'pids_max = 300' 'max_sessions = 1'
# The hog is OOM-killed at memory_max; the shell, and so the session, live on.
tl_login_bg "$alice" -- sh -c "$hog mem 128 >/dev/null 2>&1; touch $work/oomed; while [ ! -e $work/go ]; do sleep 0.05; done"
alice_bg=$TL_BG
tl_login_bg "$bob" -- sh -c "touch $work/bob; while [ ! -e $work/go ]; do sleep 0.05; done"
bob_bg=$TL_BG
tl_wait_for 30 test -e "$work/oomed" -a -e "$work/bob" || bail "the sessions did not start"

if [ "$version" = 2 ]; then
	mem_file=memory.current max_file=memory.max
	oom_want=$(awk '$1 == "oom_kill" { print $2 }' "$mem_dir/memory.events")
	cpu_file=$v2/$TL_CGROUP_ROOT/$auid/cpu.stat
else
	mem_file=memory.usage_in_bytes max_file=memory.limit_in_bytes
	# v1 counts a kill in the victim's cgroup only: the session's.
	oom_want=$(cat "$mem_dir/memory.oom_control" "$mem_dir"/*/memory.oom_control |
		awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }')
	cpu_file=
	[[ $cpu_opts =~ (^|,)cpuacct(,|$) ]] && cpu_file=$cpu_hier/$TL_CGROUP_ROOT/$auid/cpuacct.usage
fi
cpu_usec() { # the user's CPU time from the cgroup file, in microseconds
	if [ "$version" = 2 ]; then awk '$1 == "usage_usec" { print $2 }' "$cpu_file"
	else echo $(($(cat "$cpu_file") / 1000)); fi
}
[ -n "$cpu_file" ] && cpu_before=$(cpu_usec)
mem_before=$(cat "$mem_dir/$mem_file")
pids_before=$(cat "$pids_dir/pids.current")
snap
rc=$?
mem_after=$(cat "$mem_dir/$mem_file")
pids_after=$(cat "$pids_dir/pids.current")
[ -n "$cpu_file" ] && cpu_after=$(cpu_usec)
is "$rc" 0 "corralctl metrics runs with two live sessions" || diag "$(cat "$work/m.err")"
check "... and its output parses" -- prom check "$work/m" || diag "$(cat "$work/m")"
is "$(counters)" "4:0" "... and corral_sessions_opened_total counted both logins"
is "$(val corral_user_sessions "${labels[@]}"):$(val corral_user_sessions user="$bob" uid="$buid")" "1:1" \
	"corral_user_sessions: one for alice, one for bob, labelled with user, uid and cgroup_root" ||
	diag "$(cat "$work/m")"
is "$(val corral_user_memory_max_bytes "${labels[@]}")" "$(cat "$mem_dir/$max_file")" \
	"corral_user_memory_max_bytes is the user's $max_file"
is "$(val corral_user_memory_max_bytes "${labels[@]}")" $((64 << 20)) "... that is, memory_max = 64M"
is "$(val corral_user_pids_max "${labels[@]}")" "$(cat "$pids_dir/pids.max")" \
	"corral_user_pids_max is the user's pids.max (300)"
mem=$(val corral_user_memory_bytes "${labels[@]}")
lo=$((mem_before < mem_after ? mem_before : mem_after)) hi=$((mem_before > mem_after ? mem_before : mem_after))
[ "${mem:-0}" -gt 0 ] && [ "$mem" -ge $((lo - (1 << 20))) ] && [ "$mem" -le $((hi + (1 << 20))) ]
ok $? "corral_user_memory_bytes is the user's $mem_file ($mem; the file read $mem_before, then $mem_after)"
pids=$(val corral_user_pids "${labels[@]}")
[ "${pids:-0}" -ge 1 ] && [ "$pids" -ge $((pids_before - 2)) ] && [ "$pids" -le $((pids_after + 2)) ]
ok $? "corral_user_pids is the user's pids.current ($pids; the file read $pids_before, then $pids_after)"
oom=$(val corral_user_oom_kills_total "${labels[@]}")
is "$oom" "$oom_want" "corral_user_oom_kills_total is what the cgroup files count ($oom_want)"
[ "${oom:-0}" -ge 1 ]
ok $? "... which includes the hog the OOM killer took"
is "$(val corral_user_oom_kills_total user="$bob")" 0 "... and bob has none"
if [ -n "$cpu_file" ]; then
	cpu=$(val corral_user_cpu_seconds_total "${labels[@]}")
	awk -v c="$cpu" -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { exit !(c * 1e6 >= a - 1 && c * 1e6 <= b + 1 && c > 0) }'
	ok $? "corral_user_cpu_seconds_total is the user's CPU time ($cpu s; the file read $cpu_before, then $cpu_after us)"
else
	is "$(prom count corral_user_cpu_seconds_total < "$work/m")" 0 \
		"no corral_user_cpu_seconds_total where cpuacct is not mounted with cpu ($cpu_opts): absent, not 0"
fi

# --- refused logins count as failed --------------------------------------------------------------
out=$(tl_login "$alice" -- true 2>&1)
is "$?" 100 "max_sessions = 1: a second login of alice is refused"
snap
is "$(counters)" "4:1" "... and adds one to corral_sessions_failed_total, not to opened"
tl_conf '[defaults]' 'no_such_key = 1'
out=$(tl_login "$bob" -- true 2>&1)
is "$?" 100 "a broken configuration refuses a login (on_error = deny)"
snap
is "$(counters)" "4:2" "... and adds one to corral_sessions_failed_total"
tl_conf '[defaults]'

# --- --output: written whole, then renamed ----------------------------------------------------------
dir=$work/textfile
mkdir "$dir"
out=$("$corralctl" metrics --output "relative.prom" 2>&1)
is "$?" 2 "--output refuses a relative path"
# What a killed run leaves behind, and a symlink planted at the temporary name.
echo stale > "$dir/.corral.prom.tmp"
"$corralctl" metrics --output "$dir/corral.prom"
is "$?" 0 "--output FILE writes FILE, over a stale temporary file"
is "$(ls -A "$dir")" "corral.prom" "... and leaves only FILE in the directory"
is "$(stat -c %a "$dir/corral.prom")" 644 "... with mode 0644, for node_exporter"
check "... and FILE parses" -- prom check "$dir/corral.prom"
is "$(prom value corral_user_sessions "${labels[@]}" < "$dir/corral.prom")" 1 "... with the live session in it"
echo victim > "$work/victim"
ln -s "$work/victim" "$dir/.corral.prom.tmp"
ino=$(stat -c %i "$dir/corral.prom")
exec {old}< "$dir/corral.prom"
"$corralctl" metrics --output "$dir/corral.prom"
is "$(cat "$work/victim")" victim "a symlink at the temporary name is replaced, not followed"
[ "$(stat -c %i "$dir/corral.prom")" != "$ino" ]
ok $? "FILE is a new file each time (renamed over the old one, never rewritten in place)"
check "... so a reader of the old one still reads it whole" -- prom check "/dev/fd/$old"
exec {old}<&-
# A writer in a loop and a reader: the reader never sees a partial (or empty) file.
(n=0; while [ ! -e "$work/stop" ]; do
	"$corralctl" metrics --output "$dir/corral.prom" || echo "run $n failed"
	n=$((n + 1))
done; echo "runs $n") > "$work/writer" 2>&1 &
writer=$!
TL_PIDS+=("$writer")
bad_reads=0
for i in $(seq 1 20); do
	prom value corral_sessions_opened_total < "$dir/corral.prom" > /dev/null 2>> "$work/reader" ||
		bad_reads=$((bad_reads + 1))
done
touch "$work/stop"
wait "$writer"
like "$bad_reads:$(cat "$work/writer")" "^0:runs [0-9]+$" \
	"while --output rewrites FILE in a loop ($(cat "$work/writer")), each of 20 reads finds a whole file" ||
	diag "$(cat "$work/reader")"
# Two runs at once take turns: neither loses its temporary file to the other.
"$corralctl" metrics --output "$dir/corral.prom" & one=$!
"$corralctl" metrics --output "$dir/corral.prom" & two=$!
wait "$one"; r1=$?
wait "$two"; r2=$?
is "$r1:$r2:$(ls -A "$dir")" "0:0:corral.prom" "two runs at once both succeed and leave only FILE"

# --- logged out: the user's series go ---------------------------------------------------------------
touch "$work/go"
wait "$alice_bg" "$bob_bg"
snap
is "$(prom count corral_user_sessions < "$work/m")" 0 "after the logouts no user has a series"
is "$(counters)" "4:2" "... and logouts change no host counter"

tl_done
