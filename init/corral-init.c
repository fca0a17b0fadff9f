/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * corral-init: PID 1 of a corral session.
 *
 * The helper's cloned child has already made the mount tree a slave, mounted
 * the session's procfs and set the hostname; it execs this program, which
 *   - drops every capability and sets no_new_privs, so nothing inside the
 *     session gains privilege through it;
 *   - reaps the orphans the kernel hands to a namespace's init;
 *   - watches the PAM application (fd 3, a pidfd): while it lives it may still
 *     fork into the session, so the session cannot be over;
 *   - once the application is gone (or the helper says the session was
 *     closed, SIGUSR1), exits as soon as no other process is left in the PID
 *     namespace, removing the session's state file (fd 4 is the root-owned
 *     state directory) on the way out.
 * With --kill-on-abandon, an application that dies without closing the
 * session ends it at once: our exit makes the kernel SIGKILL the namespace.
 * With --scope-user the session is a user's namespace set, joined by every
 * login of the user: the fd after the leave fds is a listening socket on
 * which the helper hands us the pidfd of each application that joins, and
 * "the application is gone" means the last of them is.
 *
 * A uid-0 process without capabilities cannot signal the user's processes,
 * so graceful termination at logout is the helper's job, not ours.
 * After start-up we never exit on an error: we log and go on (catatonit).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sys/capability.h>

#include "macro.h"
#include "parse-util.h"

#define FD_APP 3	/* pidfd of the PAM application, or closed */
#define FD_STATE 4	/* the state directory, RUN_DIR/sessions */
/*
 * 5..5+N-1: corral's cgroup root in each of the N hierarchies it uses; then
 * N leave fds, <root>/inits/cgroup.procs of each, opened by the helper's
 * child in the host's cgroup namespace: we live in the user's init.scope,
 * and must go before it can be removed, to a cgroup outside our own
 * namespace (see leave_init_scope()).
 */
#define FD_CGROUP 5
#define MAX_CGROUP_FDS 8
#define MAX_WATCH 64	/* processes whose parent lives outside the namespace */
#define MAX_APPS 128	/* logins of a scope = user set: helper/login.h LOGINS_MAX */

struct init {
	char state_name[64];	/* "<uid>/<session id>" below FD_STATE */
	char pidns_entry[32];	/* ".pidns/<inode of our PID namespace>", helper/state.c */
	char uid[16];
	unsigned n_cgroup_fds;
	bool kill_on_abandon;
	bool app_gone;
	int sigfd;
	int listen_fd;		/* --scope-user: where joining applications come in; else -1 */
	int app[MAX_APPS];	/* pidfds of the PAM applications */
	unsigned n_app;
	int watch[MAX_WATCH];	/* pidfds */
	pid_t watch_pid[MAX_WATCH];
	unsigned n_watch;
};

static _noreturn_ void die(const char *msg)
{
	syslog(LOG_ERR, "%s", msg);
	_exit(EXIT_FAILURE);
}

static int parse_flag(struct init *in, const char *arg)
{
	if (streq(arg, "--kill-on-abandon"))
		in->kill_on_abandon = true;
	else if (streq(arg, "--scope-user"))
		in->listen_fd = 0;	/* placed after the cgroup fds, below */
	else
		return -EINVAL;
	return 0;
}

static int parse_args(struct init *in, int argc, char **argv)
{
	uint32_t n;
	uid_t uid;

	/* corral-init UID SESSION-ID --cgroup-fds=N [--kill-on-abandon] [--scope-user] */
	if (argc < 4 || argc > 6 || parse_uid(argv[1], &uid) < 0 || strlen(argv[2]) != 16 ||
	    strspn(argv[2], "0123456789abcdef") != 16 || strncmp(argv[3], "--cgroup-fds=", 13) != 0 ||
	    parse_u32(argv[3] + 13, &n) < 0 || n > MAX_CGROUP_FDS)
		return -EINVAL;
	for (int i = 4; i < argc; i++)
		if (parse_flag(in, argv[i]) < 0)
			return -EINVAL;
	in->n_cgroup_fds = n;
	if (in->listen_fd == 0)
		in->listen_fd = FD_CGROUP + 2 * (int)n;
	(void)snprintf(in->uid, sizeof(in->uid), "%u", (unsigned)uid);
	(void)snprintf(in->state_name, sizeof(in->state_name), "%s/%s", in->uid, argv[2]);
	return 0;
}

/* Drop the bounding set first: it needs CAP_SETPCAP, which the next step removes. */
static int drop_capabilities(void)
{
	cap_t none;
	int r;

	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -errno;
	if (cap_reset_ambient() < 0)
		return -errno;
	none = cap_init();
	if (!none)
		return -ENOMEM;
	r = cap_set_proc(none);
	cap_free(none);
	if (r < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static int setup_signals(struct init *in)
{
	sigset_t all;

	(void)sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
		return -errno;
	in->sigfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	return in->sigfd < 0 ? -errno : 0;
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Field 4 of /proc/PID/stat; 0 when the parent lives outside our namespace. */
static pid_t parent_of(int procfd, const char *pid)
{
	char path[NAME_MAX + 8], buf[512], *p;
	ssize_t n;
	pid_t ppid;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/stat", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* NOLINTNEXTLINE(cert-err34-c): the kernel's decimal ppid, after the last ')' of comm */
	if (!p || sscanf(p, ") %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static bool watched(const struct init *in, pid_t pid)
{
	for (unsigned i = 0; i < in->n_watch; i++)
		if (in->watch_pid[i] == pid)
			return true;
	return false;
}

static void watch(struct init *in, pid_t pid)
{
	int fd;

	if (in->n_watch == MAX_WATCH || watched(in, pid))
		return;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return;
	in->watch[in->n_watch] = fd;
	in->watch_pid[in->n_watch++] = pid;
}

/*
 * Is anyone but us left? The last process to exit is always either our child
 * (SIGCHLD) or one whose parent is outside the namespace (watched by pidfd),
 * because an orphan inside the namespace is reparented to us. So rescanning
 * on those two events is enough to notice the end.
 */
static bool session_empty(struct init *in)
{
	struct dirent *de;
	bool empty = true;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return false;
	while ((de = readdir(d))) {
		pid_t pid;

		if (parse_pid(de->d_name, &pid) < 0 || pid == 1)
			continue;
		empty = false;
		if (parent_of(dirfd(d), de->d_name) == 0)
			watch(in, pid);
	}
	(void)closedir(d);
	return empty;
}

/*
 * A process that just exited leaves its cgroup a moment later, and a zombie
 * whose parent is outside (sshd's user child) only once that parent reaps it,
 * right after the helper's close returns: retry, for up to two seconds over
 * all hierarchies (*tries, 25 ms each), not two per hierarchy, since what
 * holds one up holds them all. When we are about to kill the namespace
 * (abandoned, or SIGTERM from root) it stays busy until we are gone; the
 * helper removes it at the next login or logout.
 */
/*
 * Out of the user's init.scope into <root>/inits, in every hierarchy, so
 * that the last init of the user can remove it: "0" is the writer. The
 * kernel checks the move against the cgroup namespace of the fd's opener
 * (Linux 5.16; before, against ours, rooted at the session, from where
 * neither cgroup can be reached under nsdelegate: then init.scope and the
 * user's cgroup stay for the helper's collection).
 */
static void leave_init_scope(const struct init *in)
{
	for (unsigned i = 0; i < in->n_cgroup_fds; i++)
		if (write(FD_CGROUP + (int)(in->n_cgroup_fds + i), "0", 1) < 0)
			syslog(LOG_WARNING, "Failed to leave the user's init.scope: %m");
}

/* The user's cgroup, with its init.scope, unless another session or init is left in it. */
static void remove_user_cgroup(int fd, const struct init *in)
{
	char scope[sizeof(in->uid) + sizeof("/init.scope")];

	(void)snprintf(scope, sizeof(scope), "%s/init.scope", in->uid);
	if (unlinkat(fd, scope, AT_REMOVEDIR) == 0 || errno == ENOENT)
		(void)unlinkat(fd, in->uid, AT_REMOVEDIR);
}

static void remove_cgroup(int fd, const struct init *in, bool expect_empty, int *tries)
{
	for (;;) {
		if (unlinkat(fd, in->state_name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
			remove_user_cgroup(fd, in);
			return;
		}
		if (errno != EBUSY || !expect_empty || *tries <= 0)
			break;
		(*tries)--;
		(void)nanosleep(&(struct timespec){ 0, 25 * 1000 * 1000 }, NULL);
	}
	if (expect_empty)
		syslog(LOG_WARNING, "Failed to remove cgroup %s: %m", in->state_name);
}

/*
 * Before we go with processes left (abandoned, or SIGTERM from root): a
 * session frozen by corralctl freeze must be thawed, or on cgroup v1 the
 * SIGKILL our exit sends its processes takes no effect, and the PAM
 * application, outside our namespace, stays frozen for good. The files are
 * root's own, so uid 0 needs no capability to write them. Best effort: a
 * hierarchy has one of the two files, and with nsdelegate (v2) the session
 * cgroup is our cgroup namespace's root, whose files we may not write; v2's
 * frozen tasks die of SIGKILL anyway, and the helper thaws the rest when it
 * collects the session's cgroup.
 */
static void thaw_session(const struct init *in)
{
	static const char *const files[][2] = {
		{ "freezer.state", "THAWED" },	/* v1 */
		{ "cgroup.freeze", "0" },	/* v2 */
	};
	char path[sizeof(in->state_name) + 16];

	for (unsigned i = 0; i < in->n_cgroup_fds; i++)
		for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
			int fd;

			(void)snprintf(path, sizeof(path), "%s/%s", in->state_name, files[f][0]);
			fd = openat(FD_CGROUP + (int)i, path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				continue;
			(void)!write(fd, files[f][1], strlen(files[f][1]));
			(void)close(fd);
		}
}

/*
 * The helper indexes the session by our PID namespace's inode. We may remove
 * that entry while we live (the number cannot go to a newer namespace yet), so
 * we note it now, before anything can go wrong.
 */
static void note_pidns_entry(struct init *in)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) == 0)
		(void)snprintf(in->pidns_entry, sizeof(in->pidns_entry), ".pidns/%llu",
			       (unsigned long long)st.st_ino);
}

/* A set's socket and login records: "<session id>.*" beside the state (helper/login.h). */
static void remove_companions(const struct init *in)
{
	const char *id = in->state_name + strlen(in->uid) + 1;
	struct dirent *de;
	DIR *d;
	int fd;

	if (in->listen_fd < 0)
		return;
	fd = openat(FD_STATE, in->uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, id, 16) == 0 && de->d_name[16] == '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	(void)closedir(d);
}

static _noreturn_ void finish(struct init *in, const char *why, bool expect_empty)
{
	int tries = 80;

	if (in->pidns_entry[0]) {
		(void)unlinkat(FD_STATE, in->pidns_entry, 0);
		(void)unlinkat(FD_STATE, ".pidns", AT_REMOVEDIR);	/* ENOTEMPTY: others live */
	}
	if (unlinkat(FD_STATE, in->state_name, 0) < 0 && errno != ENOENT)
		syslog(LOG_WARNING, "Failed to remove state %s: %m, ignoring", in->state_name);
	remove_companions(in);
	(void)unlinkat(FD_STATE, in->uid, AT_REMOVEDIR);
	/*
	 * The session's cgroups are empty now (we live in the user's init.scope,
	 * not in them). They are named like the state; the user's goes with the
	 * last session and the last init, so we leave init.scope first.
	 */
	leave_init_scope(in);
	for (unsigned i = 0; i < in->n_cgroup_fds; i++)
		remove_cgroup(FD_CGROUP + (int)i, in, expect_empty, &tries);
	syslog(LOG_INFO, "session %s ended (%s)", in->state_name + strlen(in->uid) + 1, why);
	/* Our exit SIGKILLs whatever is left in the namespace. */
	_exit(EXIT_SUCCESS);
}

static void handle_signals(struct init *in)
{
	struct signalfd_siginfo si;

	while (read(in->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGUSR1:
			/* The helper closed the session (kill_on_logout = no). */
			in->app_gone = true;
			break;
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
			/* Only root outside the namespace can send these: end now. */
			thaw_session(in);
			finish(in, "terminated", true);
		default:
			break;
		}
	}
}

static void drop_finished_watches(struct init *in, const struct pollfd *p)
{
	unsigned j = 0;

	for (unsigned i = 0; i < in->n_watch; i++) {
		if (p[i].revents) {
			(void)close(in->watch[i]);
			continue;
		}
		in->watch[j] = in->watch[i];
		in->watch_pid[j++] = in->watch_pid[i];
	}
	in->n_watch = j;
}

/* The last application is gone: none can fork into the session any more. */
static void apps_gone(struct init *in)
{
	in->app_gone = true;
	if (in->kill_on_abandon) {
		thaw_session(in);
		finish(in, "the PAM application exited without closing the session", false);
	}
}

/* p: the pollfds of the first n applications (those polled; a login may have joined since). */
static void drop_finished_apps(struct init *in, const struct pollfd *p, unsigned n)
{
	unsigned j = 0, before = in->n_app;

	for (unsigned i = 0; i < in->n_app; i++) {
		if (i < n && p[i].revents) {
			(void)close(in->app[i]);
			continue;
		}
		in->app[j++] = in->app[i];
	}
	in->n_app = j;
	if (before > 0 && j == 0)
		apps_gone(in);
}

/* The pidfd passed with a one-byte message, or -1. */
static int recv_pidfd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1 || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (byte != 'a' && fd >= 0) {
		(void)close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * A login joins (scope = user): the helper, which holds the session lock,
 * waits for our answer before it lets the application go on, so we know of
 * the application before it can fork into the session. Only root can reach
 * the socket (root's 0700 directory).
 */
static void accept_login(struct init *in)
{
	int sock, fd;
	char answer = 'f';

	sock = accept4(in->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return;
	(void)setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 1, 0 },
			 sizeof(struct timeval));
	fd = recv_pidfd(sock);
	if (fd >= 0 && in->n_app < MAX_APPS) {
		in->app[in->n_app++] = fd;
		in->app_gone = false;
		answer = 'k';
	} else if (fd >= 0) {
		(void)close(fd);
	}
	if (fd >= 0)
		(void)!write(sock, &answer, 1);
	(void)close(sock);
}

static void run(struct init *in)
{
	struct pollfd p[MAX_APPS + MAX_WATCH + 2];

	for (;;) {
		unsigned na = in->n_app, nw = in->n_watch;

		for (unsigned i = 0; i < na; i++)
			p[i] = (struct pollfd){ .fd = in->app[i], .events = POLLIN };
		for (unsigned i = 0; i < nw; i++)
			p[na + i] = (struct pollfd){ .fd = in->watch[i], .events = POLLIN };
		p[na + nw] = (struct pollfd){ .fd = in->sigfd, .events = POLLIN };
		p[na + nw + 1] = (struct pollfd){ .fd = in->listen_fd, .events = POLLIN };
		if (poll(p, na + nw + 2, -1) < 0) {
			if (errno != EINTR)
				syslog(LOG_ERR, "poll failed: %m, retrying");
			continue;
		}
		drop_finished_watches(in, p + na);
		if (p[na + nw].revents)
			handle_signals(in);
		/* Before the apps: one may join as another leaves. */
		if (p[na + nw + 1].revents)
			accept_login(in);
		drop_finished_apps(in, p, na);
		if (in->app_gone && session_empty(in))
			finish(in, "no process left", true);
	}
}

int main(int argc, char **argv)
{
	struct init in = { .sigfd = -EBADF, .listen_fd = -1 };

	openlog("corral-init", LOG_PID, LOG_AUTHPRIV);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (getpid() != 1 || parse_args(&in, argc, argv) < 0)
		die("corral-init is started by corral-helper only");
	note_pidns_entry(&in);
	if (drop_capabilities() < 0)
		die("Failed to drop capabilities");
	if (setup_signals(&in) < 0)
		die("Failed to set up signals");
	/* An invalid fd 3 means the application is already gone: start watching now. */
	if (fcntl(FD_APP, F_GETFD) < 0)
		in.app_gone = true;
	else
		in.app[in.n_app++] = FD_APP;
	if (in.listen_fd >= 0 && fcntl(in.listen_fd, F_GETFD) < 0)
		die("corral-init --scope-user needs the set's socket");
	run(&in);
	return EXIT_FAILURE;
}
