/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status: the only request corral-helper takes from a caller who is not root
 * (`corralctl status`): the caller's own sessions, limits and usage. There is
 * nothing to choose: the argv is exactly "status", and the user is the real
 * uid the kernel gave us.
 *
 * The privileged part is collect() and nothing else: walk to
 * RUN_DIR/sessions/<real uid> without following a symlink, and read the state
 * files there. Then drop_to_caller() gives every id to the caller for good,
 * checked, before anything is printed or any other file (cgroupfs, /proc) is
 * opened: the rest runs with exactly the caller's rights.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "fd-util.h"
#include "helper.h"
#include "macro.h"
#include "spawn-init.h"
#include "state.h"

/* Far above any max_sessions worth having; a bound on what we hold while privileged. */
#define STATUS_SESSIONS_MAX 1024

struct status_list {
	struct session_state *s;
	size_t n;
	bool truncated;
};

static void status_list_free(struct status_list *l)
{
	free(l->s);
	l->s = NULL;
	l->n = 0;
}

/* One component beneath parent: a directory owned by root that only root may write to. */
static int open_root_dir(int parent, const char *name, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open '%s'", name);
	if (fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat '%s'", name);
	if (st.st_uid != 0 || (st.st_mode & 022))
		return err_set(err, -EPERM, "'%s' is not a directory only root can write to", name);
	return TAKE_FD(fd);
}

/* RUN_DIR/sessions/<uid>, one component at a time from "/"; -ENOENT: no sessions. */
static int open_user_dir(uid_t uid, struct corral_err *err)
{
	char path[] = CORRAL_RUN_DIR "/sessions/XXXXXXXXXXXX", *save = NULL;
	int fd, next = -EBADF;

	(void)snprintf(path, sizeof(path), "%s/sessions/%u", CORRAL_RUN_DIR, (unsigned)uid);
	fd = open_root_dir(AT_FDCWD, "/", err);
	for (char *c = strtok_r(path, "/", &save); fd >= 0 && c; c = strtok_r(NULL, "/", &save)) {
		next = open_root_dir(fd, c, err);
		(void)close(fd);
		fd = next;
	}
	return fd;
}

static int collect_one(int dirfd, uid_t uid, const char *id, struct status_list *l)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_state st, *grown;
	int r;

	r = state_read_user(dirfd, uid, id, &st, &err);
	if (r == -ENOENT)
		return 0;	/* the session ended meanwhile */
	if (r < 0) {
		hlog(LOG_WARNING, "status: skipping session %s of uid %u: %s", id, (unsigned)uid,
		     err.msg);
		return 0;
	}
	if (l->n == STATUS_SESSIONS_MAX) {
		l->truncated = true;
		return 0;
	}
	grown = realloc(l->s, (l->n + 1) * sizeof(*l->s));
	if (!grown)
		return -ENOMEM;
	l->s = grown;
	l->s[l->n++] = st;
	return 0;
}

/* Privileged: read the state files of uid, and nothing else. */
static int collect(uid_t uid, struct status_list *l, struct corral_err *err)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = open_user_dir(uid, err);
	if (fd == -ENOENT) {
		err_clear(err);
		return 0;
	}
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = err_errno(err, -errno, "Failed to list the sessions of uid %u", (unsigned)uid);
		(void)close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d)))
		if (state_valid_id(de->d_name))
			r = collect_one(fd, uid, de->d_name, l);
	(void)closedir(d);
	return r < 0 ? err_set(err, r, "Out of memory") : 0;
}

static bool caps_empty(void)
{
	cap_t now = cap_get_proc(), none = cap_init();
	bool empty = now && none && cap_compare(now, none) == 0;

	(void)cap_free(now);
	(void)cap_free(none);
	return empty;
}

/*
 * For good: the caller's ids in all three slots, then proof that they stuck
 * and that root cannot come back (bubblewrap CVE-2020-5291: never infer the
 * privilege state, check it).
 */
static int drop_to_caller(uid_t uid, gid_t gid, struct corral_err *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return err_errno(err, -errno, "Failed to drop privileges to uid %u", (unsigned)uid);
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid ||
	    eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return err_set(err, -EPERM, "Privileges are not those of uid %u after the drop",
			       (unsigned)uid);
	if (uid == 0)
		return 0;	/* root asked about root's sessions: nothing to give up */
	if (setresuid(0, 0, 0) == 0 || !caps_empty())
		return err_set(err, -EPERM, "Root privileges survived the drop to uid %u",
			       (unsigned)uid);
	return 0;
}

/* Everything below runs as the caller. */

static void print_time(uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32] = "?";

	if (localtime_r(&tt, &tm))
		(void)strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	(void)fputs(buf, stdout);
}

/* Strings that came from PAM items: no terminal escapes (util-linux CVE-2024-28085). */
static void print_safe(const char *s)
{
	if (!s[0])
		s = "-";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
}

static void print_session(const struct session_state *s, bool current)
{
	printf("session %s started ", s->id);
	print_time(s->started);
	printf(" init %d (host pid) service ", (int)s->init_pid);
	print_safe(s->service);
	(void)fputs(" tty ", stdout);
	print_safe(s->tty);
	puts(current ? " (this session)" : "");
}

static void print_limits(const struct session_state *s)
{
	char copy[sizeof(s->limits)], *save = NULL;

	printf("limits, over all of your sessions together (set at the login of session %s):\n",
	       s->id);
	(void)snprintf(copy, sizeof(copy), "%s", s->limits);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		(void)fputs("  ", stdout);
		print_safe(l);
		putchar('\n');
	}
	if (!s->limits[0])
		puts("  none");
}

static void print_usage(const struct session_state *s, uid_t uid, bool inside)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	struct cg_usage u;
	struct cg_host host;
	int r;

	if (!s->cgroup_root[0] || cg_host_open(s->cgroup_root, &host, &ignored) < 0)
		return;
	/* Inside, the cgroup namespace makes this session's cgroup the root of what we see. */
	r = inside ? cg_view_usage(&host, &u, &ignored) : cg_user_usage(&host, uid, &u, &ignored);
	cg_host_close(&host);
	if (r < 0)
		return;
	puts(inside ? "usage of this session (your other sessions are not visible from inside one):" :
		      "usage of all of your sessions together:");
	if (u.has_memory)
		printf("  memory %" PRIu64 "\n", u.memory);
	if (u.has_pids)
		printf("  pids %" PRIu64 "\n", u.pids);
}

static int print_status(const struct status_list *l, uid_t uid)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	const struct session_state *newest = NULL, *current = NULL;
	uint64_t pidns = 0;

	(void)ns_inode(0, "pid", &pidns, &ignored);
	for (size_t i = 0; i < l->n; i++) {
		if (!newest || l->s[i].started >= newest->started)
			newest = &l->s[i];
		if (l->s[i].pidns == pidns)
			current = &l->s[i];
	}
	if (!newest) {
		printf("uid %u has no corral sessions\n", (unsigned)uid);
		return 0;
	}
	(void)fputs("user ", stdout);
	print_safe(newest->user);
	printf(" (uid %u), %zu session%s%s\n", (unsigned)uid, l->n, l->n == 1 ? "" : "s",
	       l->truncated ? " (more not shown)" : "");
	for (size_t i = 0; i < l->n; i++)
		print_session(&l->s[i], &l->s[i] == current);
	print_limits(current ? current : newest);
	print_usage(current ? current : newest, uid, current != NULL);
	return 0;
}

int verb_status(struct helper *h)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct status_list l = {};
	int r;

	/*
	 * fd 3 is the module's socket on the other paths; here it is whatever the
	 * caller left. The syslog socket may sit on it or above: closed with the
	 * rest and opened again, or glibc would later write to (and close) the fd
	 * that reuses its number.
	 */
	closelog();
	r = fd_close_from(HELPER_SOCK_FD, &err);
	log_open();
	if (r == 0)
		r = collect(h->caller_uid, &l, &err);
	if (r == 0)
		r = drop_to_caller(h->caller_uid, getgid(), &err);
	if (r < 0) {
		hlog(LOG_ERR, "status for uid %u failed: %s", (unsigned)h->caller_uid, err.msg);
		(void)fputs("corral-helper: status is not available right now\n", stderr);
		status_list_free(&l);
		return r;
	}
	r = print_status(&l, h->caller_uid);
	status_list_free(&l);
	if (fflush(stdout) != 0 || ferror(stdout))
		return -EIO;
	return r;
}
