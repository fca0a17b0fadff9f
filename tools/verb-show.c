/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * show SESSION|USER: everything corral knows of one session, or of a user
 * and each of the user's sessions: where it came from, its init and
 * namespaces, its limits, what it uses, and its processes as the host and
 * the session number them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "corralctl.h"
#include "fd-util.h"
#include "login.h"
#include "parse-util.h"
#include "spawn-init.h"

#define SHOW_PIDS_MAX 4096
#define CMDLINE_SHOWN 80

const char verb_show_details[] =
	"SESSION is an id from 'corralctl list'; anything else is taken for a user\n"
	"(a name, or a uid in digits), whose cgroup and every live session are shown.\n"
	"\n"
	"For a session: its user, PAM service, terminal and remote host, when it\n"
	"started, its init (host pid and PID namespace), network mode, what happens\n"
	"at logout, its cgroup, the memory, pids and CPU it uses against its user's\n"
	"caps, the limits recorded for its user, and its processes: host pid, pid\n"
	"inside the session (SPID; '-' for the PAM application, which waits in the\n"
	"session's cgroup outside its PID namespace), user and command line.\n"
	"\n"
	"Exit status: 0 shown; 1 no such live session or user, or no session of the\n"
	"user; 2 usage error.\n"
	"\n"
	"Examples:\n"
	"  corralctl show 3f2a9c0d1b7e4a55\n"
	"  corralctl show alice\n";

static void field(const char *name, const char *value)
{
	printf("  %-12s ", name);
	print_safe(stdout, value[0] ? value : "-");
	putchar('\n');
}

static void show_started(uint64_t started)
{
	time_t t = (time_t)started, now = time(NULL);
	uint64_t ago = now > t ? (uint64_t)(now - t) : 0;
	char when[32] = "?";

	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", localtime(&t));
	printf("  %-12s %s, %" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s ago\n", "started:", when,
	       ago / 3600, ago / 60 % 60, ago % 60);
}

/* "used" or "used of cap", in bytes or tasks; "-" where the host does not count it. */
static void show_amount(const char *name, bool has, uint64_t v, bool has_max, uint64_t max,
			bool bytes)
{
	printf("  %-12s ", name);
	if (has)
		printf("%" PRIu64 "%s", v, bytes ? " bytes" : "");
	else
		printf("-");
	if (has_max && max != CG_UNLIMITED)
		printf(" of %" PRIu64 " (the user's cap)", max);
	else if (has_max)
		printf(" (no cap)");
	putchar('\n');
}

/*
 * Field i of the "Key:" line of a /proc/PID/status text (-1: the last one,
 * which for NSpid is the pid in the innermost namespace); "-" if absent.
 */
static const char *status_field(const char *text, const char *key, int i, char *buf,
				size_t size)
{
	char line[256], *save = NULL, *f, *last = NULL;
	size_t klen = strlen(key);
	const char *p = text;

	while (p && strncmp(p, key, klen) != 0)
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	if (!p)
		return "-";
	(void)snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + klen, "\n"), p + klen);
	for (f = strtok_r(line, " \t", &save); f; f = strtok_r(NULL, " \t", &save), i--) {
		last = f;
		if (i == 0)
			break;
	}
	(void)snprintf(buf, size, "%s", last && (i <= 0) ? last : "-");
	return buf;
}

static void show_process(pid_t pid, uint64_t pidns)
{
	_cleanup_free_ char *status = NULL, *cmd = NULL;
	struct corral_err ignored = CORRAL_ERR_INIT;
	char path[64], spid[24] = "-", uid[24] = "?", name[64];
	struct passwd *pw;
	uint64_t ino = 0;
	size_t len = 0;
	uid_t u;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (fd_read_file_at(AT_FDCWD, path, 65536, &status, NULL, &ignored) < 0)
		return;	/* exited meanwhile */
	if (ns_inode(pid, "pid", &ino, &ignored) == 0 && ino == pidns)
		(void)status_field(status, "NSpid:", -1, spid, sizeof(spid));
	(void)status_field(status, "Uid:", 0, uid, sizeof(uid));	/* the real uid */
	pw = parse_uid(uid, &u) == 0 ? getpwuid(u) : NULL;
	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (fd_read_file_at(AT_FDCWD, path, CMDLINE_SHOWN, &cmd, &len, &ignored) < 0 || len == 0) {
		free(cmd);
		cmd = NULL;
	}
	for (size_t i = 0; cmd && i + 1 < len; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	printf("    %8d %6s %-12s ", (int)pid, spid, pw ? pw->pw_name : uid);
	if (cmd)
		print_safe(stdout, cmd);
	else
		printf("[%s]", status_field(status, "Name:", 0, name, sizeof(name)));
	puts(ino == pidns ? "" : "  (PAM application, outside the session)");
}

static void show_processes(const struct cg_host *host, const struct cg_session *s,
			   const struct session_state *st)
{
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_free_ pid_t *pids = calloc(SHOW_PIDS_MAX, sizeof(*pids));
	size_t n = 0;
	int r;

	if (!pids)
		return;
	r = cg_session_pids(host, s, pids, SHOW_PIDS_MAX, &n, &err);
	if (r < 0) {
		printf("  processes:   cannot be listed: %s\n", err.msg);
		return;
	}
	printf("  processes:   %zu%s (the init, pid %d, is not counted: it lives in %s/%u/%s)\n",
	       n, r > 0 ? " or more" : "", (int)st->init_pid, host->root, (unsigned)st->uid,
	       CG_INIT_SCOPE);
	printf("    %8s %6s %-12s %s\n", "PID", "SPID", "USER", "COMMAND");
	for (size_t i = 0; i < n; i++)
		show_process(pids[i], st->pidns);
}

static void show_cgroup(const struct session_state *st)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct cg_session_now u;
	struct cg_host host;
	struct cg_session s;

	if (!st->cgroup_root[0] || cg_host_open(st->cgroup_root, &host, &err) < 0) {
		field("cgroup:", st->cgroup_root[0] ? err.msg : "none (a session from before cgroups)");
		return;
	}
	printf("  %-12s %s/%u/%s (%s)\n", "cgroup:", st->cgroup_root, (unsigned)st->uid, st->id,
	       cg_layout_name(host.layout));
	if (cg_session_open(&host, st->uid, st->id, &s, &err) < 0) {
		field("usage:", err.msg);
		cg_host_close(&host);
		return;
	}
	cg_session_now(&host, &s, &u);
	if (u.has_frozen)
		field("state:", u.frozen ? "frozen (corralctl thaw resumes it)" : "running");
	show_amount("memory:", u.has_memory, u.memory, u.has_memory_max, u.memory_max, true);
	show_amount("pids:", u.has_pids, u.pids, u.has_pids_max, u.pids_max, false);
	if (u.has_cpu)
		printf("  %-12s %" PRIu64 ".%06" PRIu64 " s\n", "cpu:", u.cpu_usec / 1000000,
		       u.cpu_usec % 1000000);
	else
		field("cpu:", "- (not counted on this host)");
	show_processes(&host, &s, st);
	cg_session_close(&s);
	cg_host_close(&host);
}

static void show_limits(const struct session_state *st)
{
	char copy[sizeof(st->limits)], *save = NULL;

	printf("  %-12s %s\n", "limits:", st->limits[0] ? "" : "none");
	(void)snprintf(copy, sizeof(copy), "%s", st->limits);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		printf("    ");
		print_safe(stdout, l);
		putchar('\n');
	}
}

static int show_login(const struct session_state *l, void *data)
{
	char when[32] = "?";
	time_t t = (time_t)l->started;

	(*(unsigned *)data)++;
	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("    %s  %s  application pid %d  ", l->id, when, (int)l->app_pid);
	print_safe(stdout, l->service[0] ? l->service : "-");
	putchar(' ');
	print_safe(stdout, l->tty[0] ? l->tty : "-");
	putchar(' ');
	print_safe(stdout, l->rhost[0] ? l->rhost : "-");
	putchar('\n');
	return 0;
}

/* scope = user: the set's logins, each with its PAM application. */
static void show_logins(const struct session_state *st)
{
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;
	unsigned n = 0;

	printf("  %-12s user (one namespace set for all of the user's logins)\n", "scope:");
	printf("  %-12s\n", "logins:");
	if (state_open_dir((uid_t)-1, &fd, &err) < 0 ||
	    login_for_each(fd, st, show_login, &n, &err) < 0)
		printf("    ? (%s)\n", err.msg);
	else if (n == 0)
		printf("    none (the set lingers while it has processes)\n");
}

static int show_session(const struct session_state *st, void *data)
{
	char buf[64];

	(void)data;
	printf("session %s\n", st->id);
	printf("  %-12s ", "user:");
	print_safe(stdout, st->user);
	printf(" (uid %u)\n", (unsigned)st->uid);
	field("service:", st->service);
	field("tty:", st->tty);
	field("remote host:", st->rhost);
	show_started(st->started);
	printf("  %-12s pid %d, PID namespace %" PRIu64 "\n", "init:", (int)st->init_pid,
	       st->pidns);
	field("network:", ctl_network_of(st, buf, sizeof(buf)));
	if (st->scope_user)
		show_logins(st);
	if (st->kill_on_logout)
		printf("  %-12s end every process (SIGTERM, SIGKILL after %" PRIu64 " ms)%s\n",
		       "at logout:", st->kill_grace_ms, st->scope_user ? " after the last login" : "");
	else
		field("at logout:", st->scope_user ?
			      "leave processes running after the last login (linger = yes)" :
			      "leave processes running (kill_on_logout = no)");
	show_limits(st);
	show_cgroup(st);
	return EXIT_SUCCESS;
}

static int show_of_user(const struct session_state *st, void *data)
{
	bool *first = data;

	if (*first) {
		printf("user ");
		print_safe(stdout, st->user);
		printf(" (uid %u)\n", (unsigned)st->uid);
		*first = false;
	}
	putchar('\n');
	return show_session(st, NULL);
}

static int show_user(const char *arg)
{
	struct corral_err err = CORRAL_ERR_INIT;
	bool first = true;
	unsigned n;
	uid_t uid;
	int rc;

	if (ctl_resolve_uid(arg, &uid, &err) < 0) {
		err_clear(&err);
		err_set(&err, -ESRCH, "'%s' is neither a live session nor a user", arg);
		return fail(&err);
	}
	rc = ctl_for_each_user_session(uid, show_of_user, &first, &n);
	if (n == 0) {
		fprintf(stderr, "corralctl: user '%s' has no live session\n", arg);
		return EXIT_FAILURE;
	}
	return rc;
}

int verb_show(int argc, char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_state st;

	if (argc != 2)
		return usage_error("show takes one SESSION or USER");
	if (need_root("show") < 0)
		return EXIT_FAILURE;
	if (!state_valid_id(argv[1]))
		return show_user(argv[1]);
	if (ctl_session_find(argv[1], &st, &err) < 0)
		return fail(&err);
	return show_session(&st, NULL);
}
