/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live sessions, as every root verb sees them: the state files under
 * RUN_DIR/sessions/<uid>/<id>, each trusted only while the init it names
 * still runs (same pid, same PID namespace). A state whose init is gone (an
 * init killed by root or the OOM killer, a helper killed mid-open) is stale:
 * it is removed on the way, under the lock opens take, and never acted on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "corralctl.h"
#include "parse-util.h"

struct walk {
	session_fn fn;
	void *data;
	int sessions_fd;
	int rc;
};

/* Re-checked under the lock: state_live() removes the state if the init is still gone. */
static void reap(int sessions_fd, const struct session_state *st)
{
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_close_ int lock = -EBADF;

	if (state_lock(sessions_fd, &lock, &err) == 0)
		(void)state_live(sessions_fd, st->uid, st->id);
}

static void walk_uid(struct walk *w, uid_t uid, const char *name)
{
	struct dirent *de;
	int fd;
	DIR *d;

	fd = openat(w->sessions_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			(void)close(fd);
		return;	/* the user's last session ended meanwhile */
	}
	while ((de = readdir(d))) {
		struct corral_err err = CORRAL_ERR_INIT;
		struct session_state st;

		if (!state_valid_id(de->d_name) ||
		    state_read_user(dirfd(d), uid, de->d_name, &st, &err) < 0)
			continue;
		if (!state_init_alive(&st)) {
			reap(w->sessions_fd, &st);
			continue;
		}
		if (w->fn(&st, w->data) != EXIT_SUCCESS)
			w->rc = EXIT_FAILURE;
	}
	(void)closedir(d);
}

int ctl_open_sessions(int *ret_fd, struct corral_err *err)
{
	int fd;

	fd = open(CORRAL_RUN_DIR "/sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*ret_fd = -EBADF;
		return 0;
	}
	if (fd < 0)
		return err_errno(err, -errno, "Cannot open %s/sessions", CORRAL_RUN_DIR);
	*ret_fd = fd;
	return 0;
}

static int walk_all(struct walk *w, struct corral_err *err)
{
	struct dirent *de;
	DIR *d;
	int r;

	r = ctl_open_sessions(&w->sessions_fd, err);
	if (r < 0 || w->sessions_fd < 0)
		return r;	/* no sessions directory: no session since boot */
	d = fdopendir(dup(w->sessions_fd));
	if (!d) {
		r = err_errno(err, -errno, "Cannot list %s/sessions", CORRAL_RUN_DIR);
		(void)close(w->sessions_fd);
		return r;
	}
	while ((de = readdir(d))) {
		uid_t uid;

		if (parse_uid(de->d_name, &uid) == 0)
			walk_uid(w, uid, de->d_name);
	}
	(void)closedir(d);
	(void)close(w->sessions_fd);
	return 0;
}

int ctl_for_each_session(session_fn fn, void *data)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct walk w = { .fn = fn, .data = data, .rc = EXIT_SUCCESS };

	if (walk_all(&w, &err) < 0)
		return fail(&err);
	return w.rc;
}

struct find {
	const char *id;
	struct session_state *ret;
	bool found;
};

static int match_id(const struct session_state *st, void *data)
{
	struct find *f = data;

	if (!f->found && streq(st->id, f->id)) {
		*f->ret = *st;
		f->found = true;
	}
	return EXIT_SUCCESS;
}

int ctl_session_find(const char *id, struct session_state *ret, struct corral_err *err)
{
	struct find f = { .id = id, .ret = ret };
	struct walk w = { .fn = match_id, .data = &f, .rc = EXIT_SUCCESS };
	int r;

	if (!state_valid_id(id))
		return err_set(err, -EINVAL, "'%s' is not a session id (16 hex digits, as "
			       "'corralctl list' shows them)", id);
	r = walk_all(&w, err);
	if (r < 0)
		return r;
	if (!f.found)
		return err_set(err, -ESRCH, "No live session '%s' (see 'corralctl list')", id);
	return 0;
}

/* The session's network mode, from the limits it recorded ("network loopback"). */
const char *ctl_network_of(const struct session_state *st, char *buf, size_t size)
{
	const char *p = strstr(st->limits, "network ");

	if (!p || (p != st->limits && p[-1] != '\n'))
		return "host";
	(void)snprintf(buf, size, "%.*s", (int)strcspn(p + 8, "\n"), p + 8);
	return buf;
}

struct user_filter {
	uid_t uid;
	session_fn fn;
	void *data;
	unsigned n;
};

static int filter_user(const struct session_state *st, void *data)
{
	struct user_filter *f = data;

	if (st->uid != f->uid)
		return EXIT_SUCCESS;
	f->n++;
	return f->fn(st, f->data);
}

int ctl_for_each_user_session(uid_t uid, session_fn fn, void *data, unsigned *ret_n)
{
	struct user_filter f = { .uid = uid, .fn = fn, .data = data };
	int rc = ctl_for_each_session(filter_user, &f);

	*ret_n = f.n;
	return rc;
}

int ctl_resolve_uid(const char *user, uid_t *ret, struct corral_err *err)
{
	struct passwd *pw;

	if (parse_uid(user, ret) == 0)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return err_set(err, -ESRCH, "No user '%s'%s%s", user, errno ? ": " : "",
			       errno ? strerror(errno) : "");
	*ret = pw->pw_uid;
	return 0;
}

struct record {
	uid_t uid;
	const char *limits;
	int sessions_fd;
};

static int record_one(const struct session_state *st, void *data)
{
	const struct record *rec = data;
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_state copy;

	if (st->uid != rec->uid || streq(st->limits, rec->limits))
		return EXIT_SUCCESS;
	copy = *st;
	(void)snprintf(copy.limits, sizeof(copy.limits), "%s", rec->limits);
	(void)state_rewrite(rec->sessions_fd, &copy, &err);	/* ended meanwhile: fine */
	return EXIT_SUCCESS;
}

void ctl_record_limits(uid_t uid, const char *limits)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct record rec = { .uid = uid, .limits = limits };

	if (ctl_open_sessions(&rec.sessions_fd, &err) < 0 || rec.sessions_fd < 0)
		return;
	(void)ctl_for_each_session(record_one, &rec);
	(void)close(rec.sessions_fd);
}

int need_root(const char *verb)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "corralctl: %s needs root: corral's session state is root's only. "
			"'corralctl status' shows your own sessions.\n", verb);
	return -EPERM;
}
