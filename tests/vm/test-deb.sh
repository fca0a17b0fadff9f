#!/bin/bash
# vm-deb, the guest's half (test-deb-host.sh runs it through run-in-vm.sh with
# /usr writable; anywhere else it refuses to run): the Debian package
# $CORRAL_DEB as an administrator meets it.
#  - dpkg -i: the files where they belong, the helper set-user-ID root, the
#    binaries hardened, the configuration a conffile, and /etc/pam.d
#    untouched (Default: no);
#  - pam-auth-update --enable corral: pam_corral.so last in common-session;
#  - a real sshd on loopback with a PAM service of its own, a copy of Debian's
#    /etc/pam.d/sshd (common-session in it), so the installed module, helper
#    and init with the shipped /etc/corral/corral.conf as it is: a login is
#    isolated, and after the logout nothing is left; with the helper made
#    root-only by dpkg-statoverride too;
#  - dpkg -r takes the module out of the PAM configuration (logins work, not
#    isolated), dpkg --purge leaves /etc/pam.d byte for byte as it found it,
#    and no configuration, module, helper or state.
. "${CORRAL_SRC:?run the tests through meson test (README)}/tests/lib/testlib.sh" || exit 99
if [ "${CORRAL_VM:-}" != 1 ]; then
	echo "Bail out! test-deb.sh installs a package: it runs in the VM only (meson test vm-deb)"
	exit 99
fi
tl_init "$@"

deb=${CORRAL_DEB:?CORRAL_DEB is not set (test-deb-host.sh sets it)}
[ -r "$deb" ] || bail "cannot read $deb"
{ : > /usr/.corral-test-rw && rm -f /usr/.corral-test-rw; } 2>/dev/null ||
	bail "/usr is read-only: run-in-vm.sh needs CORRAL_VM_OVERLAY=usr"
export DEBIAN_FRONTEND=noninteractive
# man-db's trigger would rebuild the whole man page index, a minute in this
# guest: off with man-db's own switch (debconf man-db/auto-update), in the VM's /var.
rm -f /var/lib/man-db/auto-update
pkg=$(dpkg-deb -f "$deb" Package)
helper=/usr/libexec/corral/corral-helper
init=/usr/libexec/corral/corral-init
secdir=
for f in /usr/lib/*/security/pam_unix.so /lib/*/security/pam_unix.so; do
	[ -f "$f" ] && secdir=$(cd "${f%/*}" && pwd -P) && break
done
[ -n "$secdir" ] || bail "no pam_unix.so: where does libpam look for modules?"
module=$secdir/pam_corral.so

installed() { # the package's dpkg status: installed, config-files, not-installed
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
	echo "${st:-not-installed}"
}
pam_sums() { (cd /etc/pam.d && sha256sum -- *); }
uses_corral() { grep -lE '^[^#]*pam_corral\.so' /etc/pam.d/* 2>/dev/null | tr '\n' ' '; }

[ "$(installed)" = not-installed ] || bail "$pkg is already installed ($(installed))"
# What a `meson install` on the host left would be taken for the package's:
# gone in this VM (its /etc and /usr are overlays), so the test starts clean.
left=()
for f in /etc/corral /usr/libexec/corral /usr/share/corral /usr/sbin/corralctl "$module" \
	/usr/share/man/man8/{pam_corral,corral-helper,corralctl}.8 /usr/share/man/man5/corral.conf.5 \
	/usr/share/bash-completion/completions/corralctl; do
	[ -e "$f" ] && left+=("$f")
done
if [ ${#left[@]} -gt 0 ]; then
	diag "removed in the VM, left by a meson install on the host: ${left[*]}"
	rm -rf "${left[@]}"
fi
is "$(uses_corral)" "" "before: no PAM file uses pam_corral.so"
pam_sums > "$TL_WORK/pam.before"
pam_unchanged() { diff -u "$TL_WORK/pam.before" <(pam_sums) >&2; }

# --- install ------------------------------------------------------------------------
out=$(dpkg -i "$deb" 2>&1)
ok $? "dpkg -i $(basename "$deb")" || diag "$out"
is "$(installed)" installed "$pkg is installed"
version=$(sed -n "s/^ *version: '\\(.*\\)',\$/\\1/p" "$CORRAL_SRC/meson.build" | head -n 1)
is "$(dpkg-query -W -f='${Version}' "$pkg")" "$version" "the package's version is meson.build's"
is "$(stat -c '%a %U:%G' "$helper" 2>&1)" "4755 root:root" \
	"corral-helper is set-user-ID root (4755 root:root) despite dh_fixperms"
is "$(stat -c '%a %U:%G' "$init" 2>&1)" "755 root:root" "corral-init is 0755 root:root"
is "$(stat -c '%a %U:%G' /usr/sbin/corralctl 2>&1)" "755 root:root" "corralctl is 0755 root:root"
m=$(dpkg -L "$pkg" | grep '/security/pam_corral\.so$')
is "$(cd "$(dirname "$m")" 2>/dev/null && pwd -P)" "$secdir" \
	"the package's $m is in libpam's module directory, beside pam_unix.so"
out=$("$CORRAL_SRC/tests/static/check-hardening.sh" "$helper" "$init" /usr/sbin/corralctl "$module" 2>&1)
ok $? "the packaged binaries are hardened (PIE, RELRO, BIND_NOW, stack protector, FORTIFY...)" ||
	diag "$out"
check "the man pages are installed" -- test -f /usr/share/man/man8/pam_corral.8.gz -a \
	-f /usr/share/man/man8/corral-helper.8.gz -a -f /usr/share/man/man8/corralctl.8.gz -a \
	-f /usr/share/man/man5/corral.conf.5.gz
check "the bash completion of corralctl is installed" -- \
	test -f /usr/share/bash-completion/completions/corralctl
check "the pam-auth-update profile is installed" -- test -f /usr/share/pam-configs/corral
doc=/usr/share/doc/$pkg
is "$(cd "$doc" && ls README.Debian* troubleshooting.md* quickstart.md* SECURITY.md* 2>&1 | sed 's/\.gz$//' | LC_ALL=C sort | tr '\n' ' ')" \
	"README.Debian SECURITY.md quickstart.md troubleshooting.md " "the docs are in $doc"
like "$(dpkg-query -W -f='${Conffiles}' "$pkg")" '^ /etc/corral/corral\.conf [0-9a-f]{32}$' \
	"/etc/corral/corral.conf is a conffile"
check "/etc/corral/corral.conf is the shipped conf/corral.conf" -- cmp /etc/corral/corral.conf "$CORRAL_SRC/conf/corral.conf"
out=$(corralctl check 2>&1)
ok $? "corralctl check accepts the installed configuration" || diag "$out"
is "$(uses_corral)" "" "installing enables nothing: no PAM file uses pam_corral.so"
check "installing leaves /etc/pam.d as it was" -- pam_unchanged

# --- enable ---------------------------------------------------------------------------
out=$(pam-auth-update --enable corral 2>&1)
ok $? "pam-auth-update --enable corral" || diag "$out"
stack=$(awk '$1 == "session" { print $2, $3 }' /etc/pam.d/common-session)
diag "common-session:" "$stack"
is "$(printf '%s\n' "$stack" | tail -n 1)" "required pam_corral.so" \
	"common-session ends with 'session required pam_corral.so'"
is "$(printf '%s\n' "$stack" | grep -c pam_corral)" 1 "... once"
like "$stack" 'pam_unix\.so' "... after pam_unix (and every other profile's module)"
is "$(uses_corral)" "/etc/pam.d/common-session " \
	"no other file uses it (common-session-noninteractive: Session-Interactive-Only)"

# --- a real sshd, its PAM service Debian's sshd stack -------------------------------
tl_user alice
auid=$(id -u "$alice")
host_pidns=$(readlink /proc/self/ns/pid)
svc=corral-test-sshd-$$
ssh_dir=$TL_WORK/ssh
mkdir -p "$ssh_dir/keys" "$TL_WORK/bin"
# Debian's own sshd stack: common-session and, after it, pam_motd, pam_limits,
# pam_env..., which run inside the session then.
cp /etc/pam.d/sshd "/etc/pam.d/$svc" || bail "no /etc/pam.d/sshd (openssh-server)"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/host_key" || bail "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/client_key" || bail "ssh-keygen failed"
install -m 0644 "$ssh_dir/client_key.pub" "$ssh_dir/keys/$alice"
# sshd's PAM service is the name it is started by (tests/e2e/test-sshd.sh).
ln -s /usr/sbin/sshd "$TL_WORK/bin/$svc"
port=$((20000 + $$ % 20000))
cat > "$ssh_dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $ssh_dir/keys/%u
StrictModes yes
PermitRootLogin no
LogLevel VERBOSE
CONF
: > "$ssh_dir/sshd.log"
"$TL_WORK/bin/$svc" -D -e -f "$ssh_dir/sshd_config" -E "$ssh_dir/sshd.log" &
sshd_pid=$!
TL_PIDS+=("$sshd_pid")
tl_wait_for 20 grep -q "Server listening on 127.0.0.1 port $port\\." "$ssh_dir/sshd.log" ||
	bail "sshd did not start: $(cat "$ssh_dir/sshd.log")"
diag "sshd (pid $sshd_pid, PAM service $svc) listens on 127.0.0.1:$port"

rssh() {
	timeout 60 ssh -F /dev/null -i "$ssh_dir/client_key" -p "$port" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=10 "$alice@127.0.0.1" "$@" </dev/null
}
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
no_procs() { ! pgrep -u "$alice" >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
report='echo "pid1=$(cat /proc/1/comm)"; echo "pidns=$(readlink /proc/self/ns/pid)";
	echo "host=$(hostname)"; echo "session=$CORRAL_SESSION"; echo --ps; ps -e -o comm=; true'
ps_list() { printf '%s\n' "$out" | sed -n '/^--ps$/,$p' | tail -n +2 | tr '\n' ' '; }

out=$(rssh "$report" 2>&1)
is $? 0 "an ssh login through common-session succeeds"
diag "$out"
is "$(get pid1)" corral-init "PID 1 of the login is corral-init"
[ -n "$(get pidns)" ] && [ "$(get pidns)" != "$host_pidns" ]
ok $? "the login has a PID namespace of its own"
# The shipped defaults (conf/corral.conf): the host's name, and the session
# only: its init, sshd's child for the user (its name cut to 15 characters),
# the shell, ps.
is "$(get host)" "$(hostname)" "the hostname is the host's (hostname = empty)"
is "$(ps_list)" "corral-init corral-test-ssh bash ps " "ps -e lists the session only"
sid=$(get session)
like "$(cat "$TL_LOG")" "corral-helper.*session opened for user '$alice' \\(uid $auid\\) service=$svc .*session=$sid .*cgroup=corral/$auid/$sid " \
	"the installed helper opened it, in the shipped cgroup_root (corral/$auid/$sid)"
init_pid=$(tl_opened init "$alice")
check "after the logout no process of the user is left" -- tl_wait_for 10 no_procs
check "... the session's init (pid $init_pid) is gone" -- tl_wait_for 5 gone "$init_pid"
check "... no session state is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid"
check "... nor the user's cgroup (/sys/fs/cgroup/corral/$auid)" -- \
	tl_wait_for 5 test ! -e "/sys/fs/cgroup/corral/$auid"
like "$(cat "$TL_LOG")" "corral-helper.*session closed for user '$alice' .*session=$sid " \
	"the log has the close"

# README.Debian: dpkg-statoverride makes the helper root-only, and logins
# still work (the module runs it as root).
dpkg-statoverride --update --add root root 0750 "$helper"
is "$(stat -c '%a %U:%G' "$helper")" "750 root:root" "dpkg-statoverride makes the helper root-only (0750)"
out=$(rssh 'echo "pid1=$(cat /proc/1/comm)"; nohup sleep 1000 >/dev/null 2>&1 & echo started' 2>&1)
is "$(get pid1)" corral-init "... and a login is still isolated"
like "$out" started "... (one that leaves a background job behind)"
check "kill_on_logout = yes (shipped): the job ends with the logout" -- tl_wait_for 15 no_procs
check "... and no state is left" -- tl_wait_for 5 test ! -e "/run/corral/sessions/$auid"
dpkg-statoverride --remove "$helper" && chmod 4755 "$helper"

# --- remove -------------------------------------------------------------------------
# A service an administrator pointed at the module by hand: prerm says so.
hand=/etc/pam.d/corral-test-hand-$$
echo "session required pam_corral.so" > "$hand"
check "there is state in /run/corral before the purge" -- test -d /run/corral/sessions
out=$(dpkg -r "$pkg" 2>&1)
ok $? "dpkg -r $pkg" || diag "$out"
like "$out" "warning: $hand still uses pam_corral\\.so" "dpkg -r warns about a file that still uses the module"
rm -f "$hand"
is "$(installed)" config-files "$pkg is removed, its configuration kept"
is "$(uses_corral)" "" "dpkg -r took pam_corral.so out of common-session"
check "... and removed the module" -- test ! -e "$module"
out=$(rssh "$report" 2>&1)
is $? 0 "after dpkg -r an ssh login through common-session still works"
is "$(get pidns)" "$host_pidns" "... and is not isolated"
check "the configuration stays until the purge" -- test -f /etc/corral/corral.conf

kill -TERM "$sshd_pid"
wait "$sshd_pid" 2>/dev/null
rm -f "/etc/pam.d/$svc"
check "after dpkg -r /etc/pam.d is byte for byte as before the install" -- pam_unchanged

# --- purge ------------------------------------------------------------------------------
check "corral's cgroup is there before the purge" -- test -d /sys/fs/cgroup/corral
out=$(dpkg --purge "$pkg" 2>&1)
ok $? "dpkg --purge $pkg" || diag "$out"
is "$(installed)" not-installed "$pkg is purged"
check "after the purge /etc/pam.d is byte for byte as before the install" -- pam_unchanged
check "no /etc/corral" -- test ! -e /etc/corral
check "no pam_corral.so" -- test ! -e "$module"
check "no helper or init (/usr/libexec/corral)" -- test ! -e /usr/libexec/corral
check "no corralctl" -- test ! -e /usr/sbin/corralctl
check "no pam-auth-update profile" -- test ! -e /usr/share/pam-configs/corral
check "no state (/run/corral)" -- test ! -e /run/corral
check "no corral cgroup (/sys/fs/cgroup/corral)" -- test ! -e /sys/fs/cgroup/corral
tl_done
