/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * end SESSION... | end --user USER: end sessions the way a logout with
 * kill_on_logout does, whatever the session's own setting (ending is what
 * was asked). The PAM application (sshd's monitor, su) waits in the
 * session's cgroups, outside its PID namespace: it is handed back to the
 * cgroups it came from first, so it survives to see its child end and to
 * close the session as after any logout. Then the session's processes get
 * SIGTERM, kill_grace, SIGKILL, from inside its PID namespace; its init is
 * asked to end (it removes the state), and what is left in its cgroups is
 * killed and they are removed. The end is logged with its accounting, like
 * a logout.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "cgroup.h"
#include "corralctl.h"
#include "login.h"
#include "parse-util.h"
#include "session-cgroup.h"
#include "spawn-init.h"

const char verb_end_details[] =
	"Ends each SESSION (an id from 'corralctl list'), or every session of USER (a\n"
	"name or a uid), as a logout with kill_on_logout = yes does, whatever the\n"
	"session's own setting. The PAM application (sshd, su, login) is moved back to\n"
	"the cgroups it came from, so it sees the session end and closes it as usual;\n"
	"every process of the session gets SIGTERM, and SIGKILL after the session's\n"
	"kill_grace; the session's init then removes its state, and its cgroups are\n"
	"removed. The end is logged (LOG_AUTHPRIV) with the session's accounting.\n"
	"\n"
	"Options:\n"
	"  -u, --user USER  every live session of USER\n"
	"\n"
	"Exit status: 0 when every session named was ended; 1 when one was not found\n"
	"or could not be ended (the others are still ended); 2 usage error.\n"
	"\n"
	"Examples:\n"
	"  corralctl end 3f2a9c0d1b7e4a55\n"
	"  corralctl end --user alice\n";

/* The init ends once the application has reaped its child: usually at once. */
#define END_INIT_WAIT_MS 2000
#define INIT_GONE_WAIT_MS 1000
/* Enough for any session: above that, the application is looked for in the first ones. */
#define END_PIDS_MAX 65536

/*
 * A pidfd for the init the state names: the same pid in the same PID
 * namespace, checked after the pidfd pins the process, so a recycled pid is
 * never signalled (CVE-2017-2616).
 */
int ctl_open_init(const struct session_state *st, int *ret_pidfd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	uint64_t ino;

	fd = (int)syscall(SYS_pidfd_open, st->init_pid, 0);
	if (fd < 0 && errno == ESRCH)
		return err_set(err, -ESRCH, "Session %s has ended", st->id);
	if (fd < 0)
		return err_errno(err, -errno, "Cannot open the init of session %s (pid %d)", st->id,
				 (int)st->init_pid);
	if (ns_inode(st->init_pid, "pid", &ino, err) < 0 || ino != st->pidns ||
	    syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0) {
		err_clear(err);
		return err_set(err, -ESRCH, "Session %s has ended", st->id);
	}
	*ret_pidfd = TAKE_FD(fd);
	return 0;
}

/* Where the application pid came from: its login's record in a scope = user set. */
static const char *app_cgroups_of(const struct session_state *st, pid_t pid,
				  struct session_state *login)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;

	if (st->scope_user && state_open_dir((uid_t)-1, &fd, &ignored) == 0 &&
	    login_find_app(fd, st, pid, login, &ignored) > 0)
		return login->app_cgroups;
	return st->app_cgroups;
}

/* Processes in the session's cgroups outside its PID namespace go back where the application was. */
static int hand_back_app(struct session_cgroup *sc, const struct session_state *st,
			 struct corral_err *err)
{
	_cleanup_free_ pid_t *pids = calloc(END_PIDS_MAX, sizeof(*pids));
	size_t n;
	int r;

	if (!pids)
		return err_set(err, -ENOMEM, "Out of memory");
	r = cg_session_pids(&sc->host, &sc->s, pids, END_PIDS_MAX, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct corral_err gone = CORRAL_ERR_INIT;
		struct session_state login;
		uint64_t ino;

		if (ns_inode(pids[i], "pid", &ino, &gone) < 0 || ino == st->pidns)
			continue;

		r = session_cgroup_release_app(sc, pids[i], app_cgroups_of(st, pids[i], &login), err);
		if (r < 0 && r != -ESRCH)
			return r;
		err_clear(err);
	}
	return 0;
}

/* An init that is ending reports it once the last process of its namespace is gone. */
static bool init_gone(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, INIT_GONE_WAIT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static int end_processes(struct session_cgroup *sc, const struct session_state *st, int pidfd,
			 struct cg_account *acct, struct corral_err *err)
{
	int r = 0;

	if (st->cgroup_root[0]) {
		r = session_cgroup_open(sc, st->cgroup_root, st->uid, st->id, err);
		if (r == 0)
			r = hand_back_app(sc, st, err);
		if (r == 0) {
			cg_session_account(&sc->host, &sc->s, acct);
			/* Frozen (corralctl freeze), its processes could not act on the SIGTERM. */
			cg_session_thaw(&sc->host, &sc->s);
		}
	}
	if (r == 0)
		r = session_terminate(pidfd, st->kill_grace_ms, err);
	/*
	 * The application, seeing its child end, closes the session itself: its
	 * helper ends the init, and the kernel then kills our terminator inside.
	 */
	if (r < 0 && init_gone(pidfd)) {
		err_clear(err);
		r = 0;
	}
	if (r < 0)
		return r;
	/* The init removes the state; it may wait for the application to reap its child. */
	(void)session_end_init(pidfd, END_INIT_WAIT_MS);
	return sc->created ? session_cgroup_end(sc, err) : 0;
}

/*
 * A user's set: no login may join it while it ends (helper/login.h). Under
 * the session lock, like the joins.
 */
static void mark_ending(const struct session_state *st)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF, lock = -EBADF;
	struct session_state s = *st;

	if (!st->scope_user || state_open_dir((uid_t)-1, &fd, &ignored) < 0 ||
	    state_lock(fd, &lock, &ignored) < 0)
		return;
	s.ending = true;
	(void)state_rewrite(fd, &s, &ignored);
}

static int end_one(const struct session_state *st, void *data)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_cgroup sc = { 0 };
	struct cg_account acct = { 0 };
	_cleanup_close_ int pidfd = -EBADF;
	char usage[128];
	int r;

	(void)data;
	r = ctl_open_init(st, &pidfd, &err);
	if (r == 0) {
		mark_ending(st);
		r = end_processes(&sc, st, pidfd, &acct, &err);
	}
	session_cgroup_done(&sc);
	if (r < 0) {
		syslog(LOG_ERR, "Failed to end session %s of user '%s': %s", st->id, st->user,
		       err.msg);
		return fail(&err);
	}
	session_usage_format(st, &acct, usage, sizeof(usage));
	syslog(LOG_INFO, "session ended by corralctl (uid %u) for user '%s' (uid %u) service=%s "
	       "tty=%s rhost=%s session=%s init=%d %s", (unsigned)getuid(), st->user,
	       (unsigned)st->uid, st->service, st->tty, st->rhost, st->id, (int)st->init_pid, usage);
	printf("ended session %s of user ", st->id);
	print_safe(stdout, st->user);
	printf(" (uid %u): %s\n", (unsigned)st->uid, usage);
	return EXIT_SUCCESS;
}

static int end_user(const char *user)
{
	struct corral_err err = CORRAL_ERR_INIT;
	unsigned n;
	uid_t uid;
	int rc;

	if (ctl_resolve_uid(user, &uid, &err) < 0)
		return fail(&err);
	rc = ctl_for_each_user_session(uid, end_one, NULL, &n);
	if (n == 0) {
		fprintf(stderr, "corralctl: user '%s' has no live session\n", user);
		return EXIT_FAILURE;
	}
	return rc;
}

int verb_end(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *user = NULL;
	int c, rc = EXIT_SUCCESS;

	while ((c = getopt_long(argc, argv, "+:u:h", opts, NULL)) != -1) {
		if (c == 'h')
			return verb_usage("end");
		if (c != 'u')
			return option_error(c, argv);
		user = optarg;
	}
	if (!user && optind >= argc)
		return usage_error("end needs a SESSION or --user USER");
	if (user && optind < argc)
		return usage_error("end takes SESSION... or --user USER, not both");
	if (need_root("end") < 0)
		return EXIT_FAILURE;
	openlog("corralctl", LOG_PID, LOG_AUTHPRIV);
	if (user)
		return end_user(user);
	for (int i = optind; i < argc; i++) {
		struct corral_err err = CORRAL_ERR_INIT;
		struct session_state st;

		if (ctl_session_find(argv[i], &st, &err) < 0)
			rc = fail(&err);
		else if (end_one(&st, NULL) != EXIT_SUCCESS)
			rc = EXIT_FAILURE;
	}
	return rc;
}
