/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
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

DIR *state_opendir_user(int sessions_fd, uid_t uid)
{
	char name[DECIMAL_STR_MAX(uid_t)];
	DIR *d;
	int fd;

	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(sessions_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		(void)close_nointr_keep_errno(fd);
	return d;
}

int state_find_live(int sessions_fd, uid_t uid, bool (*want)(const struct session_state *s),
		    struct session_state *ret, struct corral_err *err)
{
	struct dirent *de;
	int found = 0;
	DIR *d = state_opendir_user(sessions_fd, uid);

	if (!d && errno == ENOENT)
		return 0;
	if (!d)
		return err_errno(err, -errno, "Failed to list the sessions of uid %u", (unsigned)uid);
	while (!found && (de = readdir(d))) {
		struct corral_err e = CORRAL_ERR_INIT;

		if (!state_valid_id(de->d_name) ||
		    state_read_user(dirfd(d), uid, de->d_name, ret, &e) < 0)
			continue;
		found = want(ret) && !ret->ending && state_init_alive(ret);
	}
	(void)closedir(d);
	return found;
}

static int write_once(int dirfd, const struct session_state *s, const char *name,
		      const char *buf, size_t len, struct corral_err *err)
{
	char user[DECIMAL_STR_MAX(uid_t)];
	_cleanup_close_ int ufd = -EBADF;
	int r;

	(void)snprintf(user, sizeof(user), "%u", (unsigned)s->uid);
	r = open_owned_dir(dirfd, user, 0700, &ufd, err);
	if (r < 0)
		return r;
	return fd_write_file_atomic_at(ufd, name, buf, len, 0600, err);
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

static int state_index(int dirfd, const struct session_state *s, struct corral_err *err);

static int state_format(const struct session_state *s, char buf[STATE_MAX],
			struct corral_err *err)
{
	int n;

	n = snprintf(buf, STATE_MAX,
		     "version=1\nsession=%s\nuid=%u\nuser=%s\nservice=%s\ntty=%s\nrhost=%s\n"
		     "init_pid=%d\npidns=%" PRIu64 "\nstarted=%" PRIu64 "\nkill_on_logout=%s\n"
		     "kill_grace_ms=%" PRIu64 "\ncgroup_root=%s\n",
		     s->id, (unsigned)s->uid, s->user, s->service, s->tty, s->rhost, (int)s->init_pid,
		     s->pidns, s->started, s->kill_on_logout ? "yes" : "no", s->kill_grace_ms,
		     s->cgroup_root);
	if (n >= 0 && n < STATE_MAX && s->scope_user)
		n += snprintf(buf + n, STATE_MAX - (size_t)n, "scope=user\nending=%s\n",
			      s->ending ? "yes" : "no");
	if (n >= 0 && n < STATE_MAX && s->tmp_user)
		n += snprintf(buf + n, STATE_MAX - (size_t)n, "private_tmp=user\n");
	if (n >= 0 && n < STATE_MAX && s->set[0])
		n += snprintf(buf + n, STATE_MAX - (size_t)n, "set=%s\napp_pid=%d\napp_start=%" PRIu64 "\n",
			      s->set, (int)s->app_pid, s->app_start);
	if (n >= 0 && n < STATE_MAX)
		n = append_lines(buf, STATE_MAX, n, "app_cgroup", s->app_cgroups);
	if (n >= 0 && n < STATE_MAX)
		n = append_lines(buf, STATE_MAX, n, "limit", s->limits);
	if (n < 0 || n >= STATE_MAX)
		return err_set(err, -E2BIG, "Session state does not fit in %d bytes", STATE_MAX);
	return n;
}

int state_write(int dirfd, const struct session_state *s, struct corral_err *err)
{
	char buf[STATE_MAX];
	int n, r;

	n = state_format(s, buf, err);
	if (n < 0)
		return n;
	/* The user's last other session may remove sessions/<uid> under our feet: retry. */
	for (int attempt = 0;; attempt++) {
		r = write_once(dirfd, s, s->id, buf, (size_t)n, err);
		if (r != -ENOENT || attempt == 3)
			break;
	}
	return r < 0 ? r : state_index(dirfd, s, err);
}

int state_write_name(int dirfd, const struct session_state *s, const char *name,
		     struct corral_err *err)
{
	char buf[STATE_MAX];
	int n;

	n = state_format(s, buf, err);
	if (n < 0)
		return n;
	return write_once(dirfd, s, name, buf, (size_t)n, err);
}

int state_rewrite(int dirfd, const struct session_state *s, struct corral_err *err)
{
	char buf[STATE_MAX], path[64];
	int n;

	n = state_format(s, buf, err);
	if (n < 0)
		return n;
	state_path(path, sizeof(path), s->uid, s->id);
	/*
	 * Only over a file that is there. A session that ends between the check
	 * and the write leaves a state whose init is gone: stale, reaped as such.
	 */
	if (faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(err, -errno, "Session %s has ended", s->id);
	return write_once(dirfd, s, s->id, buf, (size_t)n, err);
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

/* The keys of scope = user sets and their login records (login.h); 1: not one of them. */
static int parse_set_line(struct session_state *s, const char *key, const char *v)
{
	if (streq(key, "scope")) {
		s->scope_user = streq(v, "user");
		return s->scope_user || streq(v, "session") ? 0 : -EINVAL;
	}
	if (streq(key, "private_tmp")) {
		s->tmp_user = true;
		return streq(v, "user") ? 0 : -EINVAL;
	}
	if (streq(key, "ending"))
		return parse_bool(v, &s->ending);
	if (streq(key, "set"))
		return state_valid_id(v) ? copy_str(s->set, sizeof(s->set), v) : -EINVAL;
	if (streq(key, "app_pid"))
		return parse_pid(v, &s->app_pid);
	if (streq(key, "app_start"))
		return parse_u64(v, &s->app_start);
	return 1;
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
	r = parse_set_line(s, key, v);
	return r == 1 ? -EINVAL : r;
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

int state_read_name_at(int user_dirfd, const char *name, uid_t uid, const char *id,
		       struct session_state *ret, struct corral_err *err)
{
	return read_parse(user_dirfd, name, uid, id, ret, err);
}

int state_read_name(int dirfd, uid_t uid, const char *name, const char *id,
		    struct session_state *ret, struct corral_err *err)
{
	char path[DECIMAL_STR_MAX(uid_t) + NAME_MAX + 2];

	(void)snprintf(path, sizeof(path), "%u/%s", (unsigned)uid, name);
	return read_parse(dirfd, path, uid, id, ret, err);
}

/* Whether name is "<id>.<anything>": a file of session id's (helper/login.c). */
static bool belongs_to(const char *name, const char *id)
{
	return strncmp(name, id, SESSION_ID_LEN) == 0 && name[SESSION_ID_LEN] == '.';
}

/* The files of session id beside its state: its login records and its set's socket. */
static void remove_companions(int sessions_fd, uid_t uid, const char *id)
{
	struct dirent *de;
	DIR *d = state_opendir_user(sessions_fd, uid);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (belongs_to(de->d_name, id))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	(void)closedir(d);
}

void state_remove(int dirfd, uid_t uid, const char *id)
{
	char path[64], user[DECIMAL_STR_MAX(uid_t)];

	state_path(path, sizeof(path), uid, id);
	(void)unlinkat(dirfd, path, 0);
	remove_companions(dirfd, uid, id);
	(void)snprintf(user, sizeof(user), "%u", (unsigned)uid);
	/* Fails with ENOTEMPTY while the user has other sessions. */
	(void)unlinkat(dirfd, user, AT_REMOVEDIR);
}

/*
 * The init is PID 1 of the session's PID namespace: while it runs, its pid
 * names a process in that namespace; once it is gone the pid is free or
 * another process's, in another namespace, or (until its parent reaps it) a
 * zombie, which still names the namespace. When unsure, alive.
 */
bool state_init_alive(const struct session_state *s)
{
	_cleanup_free_ char *stat_text = NULL;
	char path[64];
	struct corral_err e = CORRAL_ERR_INIT;
	struct stat st;
	const char *paren;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)s->init_pid);
	if (stat(path, &st) < 0)
		return errno != ENOENT && errno != ESRCH;
	if ((uint64_t)st.st_ino != s->pidns)
		return false;
	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->init_pid);
	if (fd_read_file_at(AT_FDCWD, path, 4096, &stat_text, NULL, &e) < 0)
		return e.code != -ENOENT && e.code != -ESRCH;
	/* "PID (COMM) STATE ...": COMM may hold ')' itself, the last one ends it. */
	paren = strrchr(stat_text, ')');
	if (!paren || paren[1] != ' ')
		return true;
	return paren[2] != 'Z' && paren[2] != 'X';
}

static bool live_or_reap(int dirfd, int user_fd, uid_t uid, const char *id,
			 struct session_state *s)
{
	struct corral_err e = CORRAL_ERR_INIT;

	*s = (struct session_state){ 0 };
	if (state_read_user(user_fd, uid, id, s, &e) < 0 || state_init_alive(s))
		return true;
	state_unindex(dirfd, s->pidns);
	state_remove(dirfd, uid, id);
	return false;
}

bool state_live(int dirfd, uid_t uid, const char *id)
{
	char name[DECIMAL_STR_MAX(uid_t)];
	_cleanup_close_ int fd = -EBADF;
	struct session_state s;

	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	if (faccessat(fd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return errno != ENOENT;
	return live_or_reap(dirfd, fd, uid, id, &s);
}

int state_proc_start(pid_t pid, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	struct corral_err e = CORRAL_ERR_INIT;
	const char *p;
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (fd_read_file_at(AT_FDCWD, path, 4096, &text, NULL, &e) < 0)
		return e.code;
	/* After "PID (COMM)", fields 3.. are space-separated; the start time is field 22. */
	p = strrchr(text, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EINVAL;
	/* NOLINTNEXTLINE(cert-err34-c): the kernel's decimal start time */
	return sscanf(p + 1, "%" SCNu64, ret) == 1 ? 0 : -EINVAL;
}

bool state_app_alive(const struct session_state *login)
{
	uint64_t start = 0;
	int r = state_proc_start(login->app_pid, &start);

	if (r == -ENOENT || r == -ESRCH)
		return false;
	return r < 0 || start == login->app_start;	/* when unsure, alive */
}

bool state_login_name(const char *name, const char *set)
{
	return strncmp(name, set, SESSION_ID_LEN) == 0 && name[SESSION_ID_LEN] == '.' &&
	       state_valid_id(name + SESSION_ID_LEN + 1);
}

/* The live logins of set s; the records of applications that are gone are removed. */
static unsigned count_logins(int sessions_fd, const struct session_state *s)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = state_opendir_user(sessions_fd, s->uid);

	if (!d)
		return 1;	/* when unsure, one */
	while ((de = readdir(d))) {
		struct corral_err e = CORRAL_ERR_INIT;
		struct session_state l;

		if (!state_login_name(de->d_name, s->id))
			continue;
		if (state_read_name_at(dirfd(d), de->d_name, s->uid, de->d_name + SESSION_ID_LEN + 1,
				       &l, &e) < 0 || state_app_alive(&l))
			n++;
		else
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	(void)closedir(d);
	return n;
}

unsigned state_count_set_logins(int dirfd, const struct session_state *set)
{
	return count_logins(dirfd, set);
}

static int count(int sessions_fd, uid_t uid, bool logins, unsigned *ret, struct corral_err *err)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = state_opendir_user(sessions_fd, uid);

	if (!d && errno == ENOENT) {
		*ret = 0;
		return 0;
	}
	if (!d)
		return err_errno(err, -errno, "Failed to list the sessions of uid %u", (unsigned)uid);
	while ((de = readdir(d))) {
		struct session_state s;

		if (!state_valid_id(de->d_name) ||
		    !live_or_reap(sessions_fd, dirfd(d), uid, de->d_name, &s))
			continue;
		n += logins && s.scope_user ? count_logins(sessions_fd, &s) : 1;
	}
	(void)closedir(d);
	*ret = n;
	return 0;
}

int state_count(int dirfd, uid_t uid, unsigned *ret, struct corral_err *err)
{
	return count(dirfd, uid, false, ret, err);
}

int state_count_logins(int dirfd, uid_t uid, unsigned *ret, struct corral_err *err)
{
	return count(dirfd, uid, true, ret, err);
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

bool state_gc_due(int lock_fd, unsigned interval_s)
{
	time_t now = time(NULL);
	struct stat st;

	if (fstat(lock_fd, &st) == 0 && st.st_mtime <= now &&
	    now - st.st_mtime < (time_t)interval_s)
		return false;
	(void)futimens(lock_fd, NULL);
	return true;
}

/*
 * The index of live sessions by PID namespace: sessions/.pidns/<inode>, a
 * symlink to "../<uid>/<session id>", written right after the state file and
 * removed right before it. "Is the caller inside a session?" (su or sudo in a
 * session, check_not_nested()) is then one readlinkat and one state file,
 * however many sessions live.
 *
 * Why the PID namespace and not the caller's cgroup (/proc/PID/cgroup, below
 * <cgroup_root>/<uid>/<session>): that file renders paths relative to the
 * reader's cgroup namespace, and a helper started from inside a session is in
 * the session's (the module joins it), so there the session's cgroup reads
 * "/", as the root cgroup does for a host process; the helper then also sees
 * only the session's view of /sys/fs/cgroup, and sessions opened under another
 * cgroup_root would not match the configured one. The PID namespace is what
 * makes a login nested (the new session would be built inside it), a user
 * cannot leave it (setns needs CAP_SYS_ADMIN; a nested one needs a user
 * namespace, where a setuid-root helper gains nothing) and the index is root's
 * alone, like the state.
 *
 * Stale entries. The kernel reuses a namespace inode number as soon as the
 * namespace is freed, lowest first, so an entry is removed only where it cannot
 * be a newer session's: under the session lock, which every writer holds (a
 * failed open, or a lookup that finds the entry's state file gone), or while
 * the namespace is pinned: by the session's init, which lives in it, or by the
 * helper's close, which holds it open. An entry whose state file is gone (its
 * init killed before it could clean up, and the session closed) is dropped by
 * the next lookup. An init killed with no close leaves its state file too: a
 * lookup from an unrelated PID namespace that later got the same inode would
 * then be refused, as the scan of every state file this replaces would have
 * been.
 */
#define PIDNS_DIR ".pidns"
#define PIDNS_ENTRY_MAX (sizeof(PIDNS_DIR) + DECIMAL_STR_MAX(uint64_t))

static void pidns_entry(char buf[PIDNS_ENTRY_MAX], uint64_t pidns)
{
	(void)snprintf(buf, PIDNS_ENTRY_MAX, PIDNS_DIR "/%" PRIu64, pidns);
}

static int index_once(int dirfd, const struct session_state *s, struct corral_err *err)
{
	char name[DECIMAL_STR_MAX(uint64_t)], tmp[DECIMAL_STR_MAX(uint64_t) + 8], target[64];
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = open_owned_dir(dirfd, PIDNS_DIR, 0700, &fd, err);
	if (r < 0)
		return r;
	(void)snprintf(name, sizeof(name), "%" PRIu64, s->pidns);
	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	(void)snprintf(target, sizeof(target), "../%u/%s", (unsigned)s->uid, s->id);
	(void)unlinkat(fd, tmp, 0);	/* left by a helper that died here */
	if (symlinkat(target, fd, tmp) < 0)
		return err_errno(err, -errno, "Failed to index session %s", s->id);
	if (renameat(fd, tmp, fd, name) < 0) {
		r = err_errno(err, -errno, "Failed to index session %s", s->id);
		(void)unlinkat(fd, tmp, 0);
		return r;
	}
	return 0;
}

static int state_index(int dirfd, const struct session_state *s, struct corral_err *err)
{
	/* An init removing the last entry may remove .pidns under our feet: retry. */
	for (int attempt = 0;; attempt++) {
		int r = index_once(dirfd, s, err);

		if (r != -ENOENT || attempt == 3)
			return r;
	}
}

void state_unindex(int dirfd, uint64_t pidns)
{
	char entry[PIDNS_ENTRY_MAX];

	pidns_entry(entry, pidns);
	(void)unlinkat(dirfd, entry, 0);
	/* Fails with ENOTEMPTY while other sessions live. */
	(void)unlinkat(dirfd, PIDNS_DIR, AT_REMOVEDIR);
}

/* "../<uid>/<id>", cut in place. */
static int parse_target(char *target, uid_t *ret_uid, const char **ret_id)
{
	char *slash;

	if (strncmp(target, "../", 3) != 0 || !(slash = strchr(target + 3, '/')))
		return -EINVAL;
	*slash = '\0';
	if (parse_uid(target + 3, ret_uid) < 0 || !state_valid_id(slash + 1))
		return -EINVAL;
	*ret_id = slash + 1;
	return 0;
}

int state_find_pidns(int dirfd, uint64_t pidns, struct session_state *ret,
		     struct corral_err *err)
{
	char entry[PIDNS_ENTRY_MAX], target[64];
	const char *id;
	ssize_t n;
	uid_t uid;
	int r;

	pidns_entry(entry, pidns);
	n = readlinkat(dirfd, entry, target, sizeof(target));
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n < 0)
		return err_errno(err, -errno, "Failed to read %s", entry);
	if ((size_t)n == sizeof(target))
		return err_set(err, -EINVAL, "Malformed session index entry %s", entry);
	target[n] = '\0';
	if (parse_target(target, &uid, &id) < 0)
		return err_set(err, -EINVAL, "Malformed session index entry %s", entry);
	r = state_read(dirfd, uid, id, ret, err);
	if (r == -ENOENT || (r == 0 && ret->pidns != pidns)) {
		err_clear(err);
		state_unindex(dirfd, pidns);	/* dangling: its init was killed */
		return 0;
	}
	return r < 0 ? r : 1;
}
