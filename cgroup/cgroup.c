/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The user's and the session's cgroups, in every hierarchy corral uses: on
 * v2 the one unified tree (controllers enabled along the path: v2 puts
 * processes only in leaves, so the user's cgroup holds no process itself),
 * on v1 each hierarchy that carries one of our controllers, and the freezer
 * hierarchy (no limits there: it is how corralctl freeze stops a session).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "macro.h"

#define POLL_MS 10

/* A hierarchy of the session's limits: every session has a cgroup there. */
static bool hier_limits(const struct cg_host *host, unsigned i)
{
	return host->h[i].ctrl_mask != 0 ||
	       (host->layout == CG_LAYOUT_UNIFIED && (int)i == host->unified);
}

static bool hier_used(const struct cg_host *host, unsigned i)
{
	return hier_limits(host, i) || (int)i == host->freezer;
}

/*
 * The v1 freezer and cpuset hierarchies: sessions opened before corral made
 * cgroups there have none, and live on without (they cannot be frozen, or
 * keep the CPUs they had, that is all).
 */
static bool hier_optional(const struct cg_host *host, unsigned i)
{
	return !hier_limits(host, i) ||
	       (host->h[i].version == 1 && host->h[i].ctrl_mask == 1u << CG_CTRL_CPUSET);
}

/* The v1 cpuset hierarchy: every cgroup there needs cpus and mems before a task may join. */
static bool cpuset_v1(const struct cg_host *host, unsigned i)
{
	return host->h[i].version == 1 && host->ctrl[CG_CTRL_CPUSET] == (int)i;
}

static void uid_name(char buf[DECIMAL_STR_MAX(uid_t)], uid_t uid)
{
	(void)snprintf(buf, DECIMAL_STR_MAX(uid_t), "%u", (unsigned)uid);
}

/*
 * <root> (and <root>/inits) in hierarchy i, created if missing; controllers
 * enabled on v2, CPUs and memory nodes filled in on v1's cpuset.
 */
static int open_root(const struct cg_host *host, unsigned i, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF, inits = -EBADF;
	int r;

	if (host->h[i].version == 2) {
		r = cg2_enable_controllers(host, host->h[i].fd, host->h[i].mnt, err);
		if (r < 0)
			return r;
	}
	r = cg_dir_open(host->h[i].fd, host->root, true, &fd, err);
	if (r >= 0 && cpuset_v1(host, i))
		r = cg1_cpuset_fill(host->h[i].fd, fd, err);
	if (r >= 0)
		r = cg_dir_open(fd, CG_INITS, true, &inits, err);
	if (r >= 0 && cpuset_v1(host, i))
		r = cg1_cpuset_fill(fd, inits, err);
	if (r >= 0 && host->h[i].version == 2)
		r = cg2_enable_controllers(host, fd, host->root, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int open_user(const struct cg_host *host, unsigned i, uid_t uid, int *ret_fd,
		     struct corral_err *err)
{
	_cleanup_close_ int root = -EBADF;
	char name[DECIMAL_STR_MAX(uid_t)];
	int r;

	uid_name(name, uid);
	r = cg_dir_open(host->h[i].fd, host->root, false, &root, err);
	if (r >= 0)
		r = cg_dir_open(root, name, false, ret_fd, err);
	return r;
}

/*
 * v1's blkio throttling is not hierarchical (a parent's cap does not bind its
 * children), so io_max goes on each session's cgroup as well: per session,
 * not per user. Here: the user's live sessions, for corralctl apply.
 */
static bool io_per_session(const struct cg_host *host, unsigned i)
{
	return host->h[i].version == 1 && host->ctrl[CG_CTRL_IO] == (int)i;
}

static int io_max_live_sessions(int userfd, const struct cg_limits *lim, struct corral_err *err)
{
	struct dirent *de;
	int dfd, r = 0;
	DIR *d;

	dfd = openat(userfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		r = err_errno(err, -errno, "Failed to list the user's cgroup");
		(void)close_nointr_keep_errno(dfd);
		return r;
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_close_ int fd = -EBADF;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		r = cg_dir_open(userfd, de->d_name, false, &fd, err);
		if (r == -ENOENT) {	/* the session ended meanwhile */
			err_clear(err);
			r = 0;
		} else if (r >= 0 && (lim->set[CG_IO_MAX] ||
				      cg_has_file(fd, "blkio.throttle.read_bps_device"))) {
			r = cg1_io_max(fd, lim, err);
		}
	}
	(void)closedir(d);
	return r;
}

/* The user's cgroup in hierarchy i, created if missing, with the limits it carries. */
static int prepare_user(const struct cg_host *host, unsigned i, uid_t uid,
			const struct cg_limits *lim, struct corral_err *err)
{
	_cleanup_close_ int root = -EBADF, fd = -EBADF;
	char name[DECIMAL_STR_MAX(uid_t)];
	bool v2 = host->h[i].version == 2;
	int r;

	uid_name(name, uid);
	r = open_root(host, i, &root, err);
	if (r >= 0)
		r = cg_dir_open(root, name, true, &fd, err);
	if (r >= 0 && v2)
		r = cg2_enable_controllers(host, fd, "the user's cgroup", err);
	if (r >= 0)
		r = v2 ? cg2_apply(host, fd, lim, err) : cg1_apply(host, (int)i, fd, lim, err);
	if (r >= 0 && host->ctrl[CG_CTRL_CPUSET] == (int)i)
		r = cg_cpuset_apply(host, i, root, fd, uid, lim, err);
	if (r >= 0 && io_per_session(host, i))
		r = io_max_live_sessions(fd, lim, err);
	return r;
}

int cg_user_prepare(const struct cg_host *host, uid_t uid, const struct cg_limits *lim,
		    struct corral_err *err)
{
	int r = cg_limits_check(host, lim, err);

	for (unsigned i = 0; r >= 0 && i < host->n; i++)
		if (hier_used(host, i))
			r = prepare_user(host, i, uid, lim, err);
	return r;
}

/* The session cgroups of the user, counted in the first hierarchy we use. */
int cg_user_count_sessions(const struct cg_host *host, uid_t uid, unsigned *ret,
			   struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct dirent *de;
	unsigned n = 0;
	DIR *d;
	int r = -ENOENT, dfd;

	/* Not in an optional hierarchy: sessions from before corral used it have no cgroup there. */
	for (unsigned i = 0; i < host->n && r == -ENOENT; i++)
		if (hier_limits(host, i) && !hier_optional(host, i))
			r = open_user(host, i, uid, &fd, err);
	if (r == -ENOENT || (r < 0 && err->code == -ENOENT)) {
		*ret = 0;
		err_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		r = err_errno(err, -errno, "Failed to list the user's cgroup");
		(void)close_nointr_keep_errno(dfd);
		return r;
	}
	while ((de = readdir(d)))
		n += de->d_type == DT_DIR && de->d_name[0] != '.' && !streq(de->d_name, CG_INIT_SCOPE);
	(void)closedir(d);
	*ret = n;
	return 0;
}

void cg_session_close(struct cg_session *s)
{
	for (unsigned i = 0; i < CG_HIER_MAX; i++)
		s->fd[i] = close_nointr_keep_errno(s->fd[i]);
}

static int session_dirs(const struct cg_host *host, uid_t uid, const char *id, bool create,
			struct cg_session *ret, struct corral_err *err)
{
	struct cg_session s = { .uid = uid, .created = create };
	int r = 0;

	for (unsigned i = 0; i < CG_HIER_MAX; i++)
		s.fd[i] = -EBADF;
	(void)snprintf(s.id, sizeof(s.id), "%s", id);
	for (unsigned i = 0; r >= 0 && i < host->n; i++) {
		_cleanup_close_ int user = -EBADF;

		if (!hier_used(host, i))
			continue;
		r = open_user(host, i, uid, &user, err);
		if (r >= 0)
			r = cg_dir_open(user, id, create, &s.fd[i], err);
		if (r == -ENOENT && !create && hier_optional(host, i)) {
			err_clear(err);
			r = 0;
		}
	}
	if (r < 0) {
		cg_session_close(&s);
		return r;
	}
	*ret = s;
	return 0;
}

/* v1: the session's cpuset cgroup takes its user's CPUs and memory nodes, or no task. */
static int session_cpuset(const struct cg_host *host, unsigned i, uid_t uid, int fd,
			  struct corral_err *err)
{
	_cleanup_close_ int user = -EBADF;
	int r = open_user(host, i, uid, &user, err);

	return r < 0 ? r : cg1_cpuset_session(user, fd, err);
}

int cg_session_create(const struct cg_host *host, uid_t uid, const char *id,
		      const struct cg_limits *lim, struct cg_session *ret, struct corral_err *err)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	struct cg_session s;
	int r;

	r = session_dirs(host, uid, id, true, &s, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; r >= 0 && i < host->n; i++) {
		if (io_per_session(host, i) && lim->set[CG_IO_MAX])
			r = cg1_io_max(s.fd[i], lim, err);
		if (r >= 0 && cpuset_v1(host, i))
			r = session_cpuset(host, i, uid, s.fd[i], err);
	}
	if (r < 0) {
		/* Nothing half-made stays behind: the new, empty session cgroups go. */
		(void)cg_session_remove(host, &s, 1, &ignored);
		cg_session_close(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int cg_session_open(const struct cg_host *host, uid_t uid, const char *id,
		    struct cg_session *ret, struct corral_err *err)
{
	return session_dirs(host, uid, id, false, ret, err);
}

static int write_pid(int dirfd, pid_t pid, struct corral_err *err)
{
	char buf[DECIMAL_STR_MAX(pid_t)];

	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(dirfd, "cgroup.procs", buf, err);
}

int cg_session_attach(const struct cg_host *host, const struct cg_session *s, pid_t pid,
		      struct corral_err *err)
{
	int r;

	for (unsigned i = 0; i < host->n; i++) {
		if (s->fd[i] < 0)
			continue;
		r = write_pid(s->fd[i], pid, err);
		if (r < 0)
			return err_wrap(err, "Failed to move process %d into its session cgroup in %s",
					(int)pid, host->h[i].mnt);
	}
	return 0;
}

/* <uid>/init.scope in hierarchy i, created if missing; on v1's cpuset, with the user's CPUs. */
static int init_scope_open(const struct cg_host *host, unsigned i, uid_t uid, int *ret_fd,
			   struct corral_err *err)
{
	_cleanup_close_ int user = -EBADF, fd = -EBADF;
	int r = open_user(host, i, uid, &user, err);

	if (r >= 0)
		r = cg_dir_open(user, CG_INIT_SCOPE, true, &fd, err);
	if (r >= 0 && cpuset_v1(host, i))
		r = cg1_cpuset_session(user, fd, err);
	if (r >= 0)
		*ret_fd = TAKE_FD(fd);
	return r;
}

int cg_init_attach(const struct cg_host *host, const struct cg_session *s, pid_t pid,
		   struct corral_err *err)
{
	for (unsigned i = 0; i < host->n; i++) {
		int r = 0;

		if (s->fd[i] < 0)
			continue;
		/*
		 * The last init of the user to end removes init.scope without our
		 * lock: made again when it went between our open and our write.
		 */
		for (int tries = 3; tries > 0; tries--) {
			_cleanup_close_ int fd = -EBADF;

			err_clear(err);
			r = init_scope_open(host, i, s->uid, &fd, err);
			if (r >= 0)
				r = write_pid(fd, pid, err);
			if (r != -ENODEV && r != -ENOENT)
				break;
		}
		if (r < 0)
			return err_wrap(err, "Failed to move the session init into its cgroup in %s",
					host->h[i].mnt);
	}
	return 0;
}

int cg_inits_procs_open(int rootfd, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int inits = -EBADF;
	int r, fd;

	r = cg_dir_open(rootfd, CG_INITS, false, &inits, err);
	if (r < 0)
		return r;
	fd = openat(inits, "cgroup.procs", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open %s/cgroup.procs", CG_INITS);
	*ret_fd = fd;
	return 0;
}

/* SIGKILL every pid listed in cgroup.procs; the count of pids seen. */
static int kill_listed(int dirfd, struct corral_err *err)
{
	char buf[16384];
	int n = 0, r;

	r = cg_read(dirfd, "cgroup.procs", buf, sizeof(buf), err);
	if (r == -ENOENT) {
		err_clear(err);
		return 0;	/* removed meanwhile: the session's init found it empty */
	}
	if (r < 0)
		return r;
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 1)
			n += kill((pid_t)pid, SIGKILL) == 0;
		end += strspn(end, "\n");
	}
	return n;
}

int cg_session_kill(const struct cg_host *host, const struct cg_session *s,
		    struct corral_err *err)
{
	int r;

	/* A v1 frozen process dies of SIGKILL only once thawed. */
	cg_session_thaw(host, s);
	for (unsigned i = 0; i < host->n; i++) {
		if (s->fd[i] < 0)
			continue;
		if (host->h[i].version == 2 && cg_has_file(s->fd[i], "cgroup.kill")) {
			r = cg_write(s->fd[i], "cgroup.kill", "1", err);
			if (r == -ENOENT || r == -ENODEV)
				err_clear(err);
			else if (r < 0)
				return r;
			continue;
		}
		/* v1, or v2 before 5.14: repeat, since processes may fork while we kill. */
		for (int round = 0; round < 10; round++) {
			r = kill_listed(s->fd[i], err);
			if (r <= 0)
				break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Bytes at the start of cgroup.procs (0: no process), or -errno. */
static int procs_length(int dirfd)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	char buf[64];

	return cg_read(dirfd, "cgroup.procs", buf, sizeof(buf), &ignored);
}

/* Empty, or gone already. */
static bool is_empty(int dirfd)
{
	int r = procs_length(dirfd);

	return r == 0 || r == -ENOENT;
}

bool cg_session_empty(const struct cg_host *host, const struct cg_session *s)
{
	bool known = false;

	for (unsigned i = 0; i < host->n; i++) {
		if (s->fd[i] < 0)
			continue;
		if (procs_length(s->fd[i]) != 0)
			return false;
		known = true;
	}
	return known;
}

/* The user's cgroup name beneath rootfd, once no session and no init is left in it. */
static void user_rmdir(int rootfd, const char *name)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;

	if (cg_dir_open(rootfd, name, false, &fd, &ignored) < 0)
		return;
	/* -EBUSY while an init lives, or a session. */
	if (cg_rmdir(fd, CG_INIT_SCOPE, &ignored) >= 0)
		(void)cg_rmdir(rootfd, name, &ignored);
}

static int remove_one(const struct cg_host *host, unsigned i, const struct cg_session *s,
		      int timeout_ms, struct corral_err *err)
{
	_cleanup_close_ int user = -EBADF, root = -EBADF;
	char name[DECIMAL_STR_MAX(uid_t)];
	int r;

	/* Killed processes leave their cgroup a moment after the signal. */
	for (int waited = 0; !is_empty(s->fd[i]) && waited < timeout_ms; waited += POLL_MS)
		(void)nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	uid_name(name, s->uid);
	r = cg_dir_open(host->h[i].fd, host->root, false, &root, err);
	if (r >= 0)
		r = cg_dir_open(root, name, false, &user, err);
	if (r == -ENOENT) {
		err_clear(err);
		return 0;	/* the session's init removed it already */
	}
	if (r >= 0)
		r = cg_rmdir(user, s->id, err);
	if (r == -EBUSY)
		return err_set(err, -EBUSY, "Session cgroup %s/%s/%s/%s still has processes",
			       host->h[i].mnt, host->root, name, s->id);
	if (r < 0)
		return r;
	user_rmdir(root, name);
	return 0;
}

int cg_session_remove(const struct cg_host *host, struct cg_session *s, int timeout_ms,
		      struct corral_err *err)
{
	int r = 0, first = 0;

	for (unsigned i = 0; i < host->n; i++) {
		if (s->fd[i] < 0)
			continue;
		r = remove_one(host, i, s, timeout_ms, err);
		if (r < 0 && first == 0)
			first = r;
		s->fd[i] = close_nointr_keep_errno(s->fd[i]);
	}
	return first;
}

#define PATH_DEPTH_MAX 32

int cg_attach_path(const struct cg_host *host, unsigned hier, const char *path, pid_t pid,
		   struct corral_err *err)
{
	char copy[1024], *save = NULL;
	const char *names[PATH_DEPTH_MAX];
	_cleanup_close_ int fd = -EBADF;
	size_t n = 0;
	int r;

	if (hier >= host->n || strlen(path) >= sizeof(copy))
		return err_set(err, -EINVAL, "Invalid cgroup path %.64s", path);
	memcpy(copy, path, strlen(path) + 1);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (n == PATH_DEPTH_MAX)
			return err_set(err, -E2BIG, "Cgroup path %.64s is too deep", path);
		names[n++] = c;
	}
	r = cg_dir_walk(host->h[hier].fd, names, n, false, &fd, err);
	return r < 0 ? r : write_pid(fd, pid, err);
}

int cg_root_fds(const struct cg_host *host, int *ret, unsigned *ret_n, struct corral_err *err)
{
	unsigned n = 0;
	int r = 0;

	for (unsigned i = 0; r >= 0 && i < host->n; i++) {
		_cleanup_close_ int root = -EBADF;
		int fd;

		if (!hier_used(host, i))
			continue;
		r = cg_dir_open(host->h[i].fd, host->root, false, &root, err);
		if (r < 0)
			break;
		fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			r = err_errno(err, -errno, "Failed to open cgroup %s", host->root);
		else
			ret[n++] = fd;
	}
	if (r < 0) {
		while (n > 0)
			(void)close(ret[--n]);
		return r;
	}
	*ret_n = n;
	return 0;
}

void cg_for_each_child(int fd, void (*fn)(int fd, const char *name, void *data), void *data)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		(void)close_nointr_keep_errno(dfd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			fn(fd, de->d_name, data);
	(void)closedir(d);
}

struct gc {
	bool (*live)(const char *uid, const char *id, void *data);
	void *data;
	const char *uid;
	bool freezer;		/* the hierarchy walked is the freezer's */
};

/*
 * A session over but frozen (root killed its init) keeps its processes for
 * good: on v1 they die of their SIGKILL only once thawed, and the PAM
 * application, outside the session's PID namespace, sits frozen in its
 * cgroup on v2 too. Thawed on the way; the next collection removes it.
 */
static void gc_session(int userfd, const char *id, void *data)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	struct gc *g = data;

	if (streq(id, CG_INIT_SCOPE))
		return;
	if (!g->live(g->uid, id, g->data) && cg_rmdir(userfd, id, &ignored) == -EBUSY &&
	    g->freezer)
		cg_thaw_child(userfd, id);
}

static void gc_user(int rootfd, const char *uid, void *data)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;
	struct gc *g = data;

	if (streq(uid, CG_INITS) || cg_dir_open(rootfd, uid, false, &fd, &ignored) < 0)
		return;
	g->uid = uid;
	cg_for_each_child(fd, gc_session, g);
	user_rmdir(rootfd, uid);
}

int cg_gc_user(const struct cg_host *host, uid_t uid,
	       bool (*live)(const char *uid, const char *id, void *data), void *data,
	       struct corral_err *err)
{
	char name[DECIMAL_STR_MAX(uid_t)];
	struct gc g = { live, data, name };

	uid_name(name, uid);
	for (unsigned i = 0; i < host->n; i++) {
		_cleanup_close_ int fd = -EBADF;

		if (!hier_used(host, i))
			continue;
		if (open_user(host, i, uid, &fd, err) < 0) {
			err_clear(err);
			continue;	/* no cgroup of the user here yet */
		}
		g.freezer = (int)i == host->freezer;
		cg_for_each_child(fd, gc_session, &g);
	}
	return 0;
}

int cg_gc(const struct cg_host *host, bool (*live)(const char *uid, const char *id, void *data),
	  void *data, struct corral_err *err)
{
	struct gc g = { live, data, NULL };

	for (unsigned i = 0; i < host->n; i++) {
		_cleanup_close_ int root = -EBADF;

		if (!hier_used(host, i))
			continue;
		if (cg_dir_open(host->h[i].fd, host->root, false, &root, err) < 0) {
			err_clear(err);
			continue;	/* nothing made here yet */
		}
		g.freezer = (int)i == host->freezer;
		cg_for_each_child(root, gc_user, &g);
	}
	return 0;
}

