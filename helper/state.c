/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"
#include "state.h"

#define STATE_MAX 4096

int state_new_id(char ret[SESSION_ID_LEN + 1], struct corral_err *err)
{
	uint8_t b[SESSION_ID_LEN / 2];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return err_errno(err, -errno, "Failed to get random bytes");
	for (size_t i = 0; i < sizeof(b); i++)
		(void)snprintf(ret + 2 * i, 3, "%02x", b[i]);
	return 0;
}

bool state_valid_id(const char *id)
{
	return strlen(id) == SESSION_ID_LEN && strspn(id, "0123456789abcdef") == SESSION_ID_LEN;
}

/* mkdirat + open without following symlinks, then insist on root:root and the mode. */
static int open_owned_dir(int parent, const char *name, mode_t mode, int *ret_fd,
			  struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
		return err_errno(err, -errno, "Failed to create directory '%s'", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open directory '%s'", name);
	if (fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat directory '%s'", name);
	if (st.st_uid != 0 || st.st_gid != 0)
		return err_set(err, -EPERM, "Directory '%s' is not owned by root", name);
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		return err_errno(err, -errno, "Failed to set the mode of '%s'", name);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int state_open_dir(uid_t uid, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int run = -EBADF, sessions = -EBADF;
	char name[DECIMAL_STR_MAX(uid_t)];
	int r;

	r = open_owned_dir(AT_FDCWD, CORRAL_RUN_DIR, 0755, &run, err);
	if (r < 0)
		return r;
	r = open_owned_dir(run, "sessions", 0700, &sessions, err);
	if (r < 0)
		return r;
	if (uid != (uid_t)-1) {
		_cleanup_close_ int user = -EBADF;

		(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
		r = open_owned_dir(sessions, name, 0700, &user, err);
		if (r < 0)
			return r;
	}
	*ret_fd = TAKE_FD(sessions);
	return 0;
}

static void state_path(char *buf, size_t size, uid_t uid, const char *id)
{
	(void)snprintf(buf, size, "%u/%s", (unsigned)uid, id);
}

static int write_once(int dirfd, const struct session_state *s, const char *buf, size_t len,
		      struct corral_err *err)
{
	char user[DECIMAL_STR_MAX(uid_t)];
	_cleanup_close_ int ufd = -EBADF;
	int r;

	(void)snprintf(user, sizeof(user), "%u", (unsigned)s->uid);
	r = open_owned_dir(dirfd, user, 0700, &ufd, err);
	if (r < 0)
		return r;
	return fd_write_file_atomic_at(ufd, s->id, buf, len, 0600, err);
}

/* One "KEY=LINE" per line of a multi-line field (app_cgroups, limits). */
static int append_lines(char *buf, size_t size, int n, const char *key, const char *lines)
{
	char copy[1024], *save = NULL;

	(void)snprintf(copy, sizeof(copy), "%s", lines);
	for (char *l = strtok_r(copy, "\n", &save); l && n >= 0 && (size_t)n < size;
	     l = strtok_r(NULL, "\n", &save))
		n += snprintf(buf + n, size - (size_t)n, "%s=%s\n", key, l);
	return n;
}

int state_write(int dirfd, const struct session_state *s, struct corral_err *err)
{
	char buf[STATE_MAX];
	int n, r;

	n = snprintf(buf, sizeof(buf),
		     "version=1\nsession=%s\nuid=%u\nuser=%s\nservice=%s\ntty=%s\nrhost=%s\n"
		     "init_pid=%d\npidns=%" PRIu64 "\nstarted=%" PRIu64 "\nkill_on_logout=%s\n"
		     "kill_grace_ms=%" PRIu64 "\ncgroup_root=%s\n",
		     s->id, (unsigned)s->uid, s->user, s->service, s->tty, s->rhost, (int)s->init_pid,
		     s->pidns, s->started, s->kill_on_logout ? "yes" : "no", s->kill_grace_ms,
		     s->cgroup_root);
	if (n >= 0 && (size_t)n < sizeof(buf))
		n = append_lines(buf, sizeof(buf), n, "app_cgroup", s->app_cgroups);
	if (n >= 0 && (size_t)n < sizeof(buf))
		n = append_lines(buf, sizeof(buf), n, "limit", s->limits);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return err_set(err, -E2BIG, "Session state does not fit in %d bytes", STATE_MAX);
	/* The user's last other session may remove sessions/<uid> under our feet: retry. */
	for (int attempt = 0;; attempt++) {
		r = write_once(dirfd, s, buf, (size_t)n, err);
		if (r != -ENOENT || attempt == 3)
			return r;
	}
}

static int copy_str(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return -E2BIG;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int add_line(char *field, size_t size, const char *v)
{
	size_t len = strlen(field);

	if (len + strlen(v) + 2 > size)
		return -E2BIG;
	(void)snprintf(field + len, size - len, "%s\n", v);
	return 0;
}

static int parse_line(struct session_state *s, const char *key, const char *v)
{
	uint64_t u;
	int r;

	if (streq(key, "session"))
		return state_valid_id(v) ? copy_str(s->id, sizeof(s->id), v) : -EINVAL;
	if (streq(key, "uid"))
		return parse_uid(v, &s->uid);
	if (streq(key, "user"))
		return copy_str(s->user, sizeof(s->user), v);
	if (streq(key, "service"))
		return copy_str(s->service, sizeof(s->service), v);
	if (streq(key, "tty"))
		return copy_str(s->tty, sizeof(s->tty), v);
	if (streq(key, "rhost"))
		return copy_str(s->rhost, sizeof(s->rhost), v);
	if (streq(key, "init_pid"))
		return parse_pid(v, &s->init_pid);
	if (streq(key, "pidns"))
		return parse_u64(v, &s->pidns);
	if (streq(key, "started"))
		return parse_u64(v, &s->started);
	if (streq(key, "kill_on_logout"))
		return parse_bool(v, &s->kill_on_logout);
	if (streq(key, "kill_grace_ms"))
		return parse_u64(v, &s->kill_grace_ms);
	if (streq(key, "cgroup_root"))
		return copy_str(s->cgroup_root, sizeof(s->cgroup_root), v);
	if (streq(key, "app_cgroup"))
		return add_line(s->app_cgroups, sizeof(s->app_cgroups), v);
	if (streq(key, "limit"))
		return add_line(s->limits, sizeof(s->limits), v);
	if (streq(key, "version")) {
		r = parse_u64(v, &u);
		return r < 0 ? r : u == 1 ? 0 : -EPROTO;
	}
	return -EINVAL;
}

int state_parse(char *text, const char *path, uid_t uid, const char *id,
		struct session_state *ret, struct corral_err *err)
{
	struct session_state s = { 0 };
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			return err_set(err, -EINVAL, "Malformed state file %s", path);
		*eq = '\0';
		if (parse_line(&s, line, eq + 1) < 0)
			return err_set(err, -EINVAL, "Malformed key '%s' in state file %s", line,
				       path);
	}
	if (s.uid != uid || !streq(s.id, id) || s.init_pid == 0)
		return err_set(err, -EINVAL, "State file %s does not describe session %s", path,
			       id);
	*ret = s;
	return 0;
}

static int read_parse(int dirfd, const char *path, uid_t uid, const char *id,
		      struct session_state *ret, struct corral_err *err)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	if (!state_valid_id(id))
		return err_set(err, -EINVAL, "Invalid session id '%.32s'", id);
	r = fd_read_file_at(dirfd, path, STATE_MAX, &buf, NULL, err);
	if (r < 0)
		return r;
	return state_parse(buf, path, uid, id, ret, err);
}

int state_read(int dirfd, uid_t uid, const char *id, struct session_state *ret,
	       struct corral_err *err)
{
	char path[64];

	state_path(path, sizeof(path), uid, id);
	return read_parse(dirfd, path, uid, id, ret, err);
}

int state_read_user(int user_dirfd, uid_t uid, const char *id, struct session_state *ret,
		    struct corral_err *err)
{
	return read_parse(user_dirfd, id, uid, id, ret, err);
}

void state_remove(int dirfd, uid_t uid, const char *id)
{
	char path[64], user[DECIMAL_STR_MAX(uid_t)];

	state_path(path, sizeof(path), uid, id);
	(void)unlinkat(dirfd, path, 0);
	(void)snprintf(user, sizeof(user), "%u", (unsigned)uid);
	/* Fails with ENOTEMPTY while the user has other sessions. */
	(void)unlinkat(dirfd, user, AT_REMOVEDIR);
}

int state_count(int dirfd, uid_t uid, unsigned *ret, struct corral_err *err)
{
	char name[DECIMAL_STR_MAX(uid_t)];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;
	int fd;

	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*ret = 0;
		return 0;
	}
	if (fd < 0 || !(d = fdopendir(fd))) {
		int r = err_errno(err, -errno, "Failed to list the sessions of uid %s", name);

		(void)close_nointr_keep_errno(fd);
		return r;
	}
	while ((de = readdir(d)))
		n += state_valid_id(de->d_name);
	(void)closedir(d);
	*ret = n;
	return 0;
}

int state_lock(int dirfd, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;

	fd = openat(dirfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open the session lock");
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_errno(err, -errno, "Failed to take the session lock");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int find_in_uid(int dirfd, const char *uid_name, uint64_t pidns, struct session_state *ret)
{
	struct dirent *de;
	uid_t uid;
	DIR *d;
	int fd, found = 0;

	if (parse_uid(uid_name, &uid) < 0)
		return 0;
	fd = openat(dirfd, uid_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		(void)close_nointr_keep_errno(fd);
		return 0;
	}
	while (!found && (de = readdir(d))) {
		struct corral_err ignored = CORRAL_ERR_INIT;

		found = state_valid_id(de->d_name) &&
			state_read(dirfd, uid, de->d_name, ret, &ignored) == 0 && ret->pidns == pidns;
	}
	(void)closedir(d);
	return found;
}

int state_find_pidns(int dirfd, uint64_t pidns, struct session_state *ret)
{
	struct dirent *de;
	DIR *d;
	int fd, found = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		(void)close_nointr_keep_errno(fd);
		return 0;
	}
	while (!found && (de = readdir(d)))
		found = find_in_uid(dirfd, de->d_name, pidns, ret);
	(void)closedir(d);
	return found;
}
