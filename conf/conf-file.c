/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening and reading configuration files safely. Whoever can write the
 * configuration decides who is isolated, so with check_owner every file, the
 * drop-in directory and every directory above them must be owned by root and
 * writable by nobody else (group ownership never makes it fine: a root-group
 * writable directory lets any member of that group swap the file). Symbolic
 * links are never followed at the last component, and with check_owner not on
 * the way either. A FIFO planted as the config must not hang a login, hence
 * O_NONBLOCK (CVE-2024-22365); the size is capped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-internal.h"

#define FILE_OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

static int open_error(int dirfd, const char *name, const char *path, int error,
		      struct corral_err *err)
{
	struct stat st;

	if ((error == ELOOP || error == ENOTDIR) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return conf_err_at(err, -ELOOP, path, 0, NULL, NULL,
					   "is a symbolic link (not followed)");
		if (error == ENOTDIR)
			return conf_err_at(err, -ENOTDIR, path, 0, NULL, NULL,
					   "is not a directory");
	}
	if (error == ENOENT)
		return conf_err_at(err, -ENOENT, path, 0, NULL, NULL, "does not exist");
	return conf_err_at(err, -error, path, 0, NULL, NULL, "cannot open: %s", strerror(error));
}

/* Mode before owner, so the more specific reason shows when both apply. */
static int check_owner_mode(const struct stat *st, const char *path, const char *what,
			    struct corral_err *err)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return conf_err_at(err, -EPERM, path, 0, NULL, NULL,
				   "%s is writable by group or others (mode %04o)", what,
				   (unsigned)(st->st_mode & 07777));
	if (st->st_uid != 0)
		return conf_err_at(err, -EPERM, path, 0, NULL, NULL,
				   "%s is not owned by root (owner uid %u)", what,
				   (unsigned)st->st_uid);
	return 0;
}

static int check_dir(int fd, const char *path, struct corral_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return conf_err_at(err, -errno, path, 0, NULL, NULL, "cannot stat: %s",
				   strerror(errno));
	return check_owner_mode(&st, path, "directory", err);
}

/* Step from the directory *fd to its entry name, checking it; prefix names it in errors. */
static int walk_step(int *fd, const char *name, const char *prefix, struct corral_err *err)
{
	int nfd;

	nfd = openat(*fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd < 0)
		return open_error(*fd, name, prefix, errno, err);
	(void)close(*fd);
	*fd = nfd;
	return check_dir(nfd, prefix, err);
}

/* Step to the next component of path after *p; 0 at the end, 1 after a step. */
static int walk_next(int *fd, const char *path, const char **p, struct corral_err *err)
{
	char prefix[PATH_MAX], name[NAME_MAX + 1];
	size_t n, end;
	int r;

	*p += strspn(*p, "/");
	n = strcspn(*p, "/");
	if (n == 0)
		return 0;
	if (n > NAME_MAX)
		return conf_err_at(err, -ENAMETOOLONG, path, 0, NULL, NULL,
				   "path component is too long");
	memcpy(name, *p, n);
	name[n] = '\0';
	end = (size_t)(*p - path) + n;
	memcpy(prefix, path, end);
	prefix[end] = '\0';
	*p += n;
	r = walk_step(fd, name, prefix, err);
	return r < 0 ? r : 1;
}

/*
 * Open the absolute directory path component by component from "/", never
 * following a symlink, each directory checked. Returns an O_PATH fd.
 */
static int walk_dirs(const char *path, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	const char *p = path;
	int r;

	if (path[0] != '/')
		return conf_err_at(err, -EINVAL, path, 0, NULL, NULL,
				   "must be an absolute path when ownership is checked");
	if (strlen(path) >= PATH_MAX)
		return conf_err_at(err, -ENAMETOOLONG, path, 0, NULL, NULL, "path is too long");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return conf_err_at(err, -errno, "/", 0, NULL, NULL, "cannot open: %s",
				   strerror(errno));
	r = check_dir(fd, "/", err);
	while (r >= 0 && (r = walk_next(&fd, path, &p, err)) > 0)
		;
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The file we opened by path must be the one found through the checked directories. */
static int check_parents(const char *path, const struct stat *st, struct corral_err *err)
{
	_cleanup_close_ int dirfd = -EBADF;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st2;
	int r;

	/* Checked here, not in walk_dirs(), so the message names the file the caller gave. */
	if (path[0] != '/' || !slash || slash[1] == '\0')
		return conf_err_at(err, -EINVAL, path, 0, NULL, NULL,
				   "must be an absolute path to a file when ownership is checked");
	if (strlen(path) >= sizeof(dir))
		return conf_err_at(err, -ENAMETOOLONG, path, 0, NULL, NULL, "path is too long");
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	r = walk_dirs(slash == path ? "/" : dir, &dirfd, err);
	if (r < 0)
		return r;
	if (fstatat(dirfd, slash + 1, &st2, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st2.st_dev != st->st_dev || st2.st_ino != st->st_ino)
		return conf_err_at(err, -ESTALE, path, 0, NULL, NULL,
				   "was replaced while being checked");
	return 0;
}

static int open_checked(int dirfd, const char *name, const char *path, bool check_owner,
			int *ret_fd, struct stat *ret_st, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dirfd, name, FILE_OPEN_FLAGS);
	if (fd < 0)
		return open_error(dirfd, name, path, errno, err);
	if (fstat(fd, ret_st) < 0)
		return conf_err_at(err, -errno, path, 0, NULL, NULL, "cannot stat: %s",
				   strerror(errno));
	if (!S_ISREG(ret_st->st_mode))
		return conf_err_at(err, -EINVAL, path, 0, NULL, NULL, "is not a regular file");
	if (check_owner) {
		r = check_owner_mode(ret_st, path, "file", err);
		if (r < 0)
			return r;
	}
	if (ret_st->st_size > CONF_FILE_MAX)
		return conf_err_at(err, -EFBIG, path, 0, NULL, NULL,
				   "is larger than %d bytes", CONF_FILE_MAX);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Read exactly the size fstat reported; a file that grows meanwhile is refused. */
static int read_all(int fd, const char *path, size_t size, char **ret, size_t *ret_len,
		    struct corral_err *err)
{
	_cleanup_free_ char *buf = malloc(size + 2);
	size_t len = 0;

	if (!buf)
		return conf_err_at(err, -ENOMEM, path, 0, NULL, NULL, "out of memory");
	while (len <= size) {
		ssize_t n = read(fd, buf + len, size + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return conf_err_at(err, -errno, path, 0, NULL, NULL, "cannot read: %s",
					   strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > size)
		return conf_err_at(err, -ESTALE, path, 0, NULL, NULL, "grew while being read");
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int conf_file_read_at(int dirfd, const char *name, const char *path, bool check_owner,
		      char **ret, size_t *ret_len, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	r = open_checked(dirfd, name, path, check_owner, &fd, &st, err);
	if (r < 0)
		return r;
	return read_all(fd, path, (size_t)st.st_size, ret, ret_len, err);
}

int conf_file_read(const char *path, bool check_owner, char **ret, size_t *ret_len,
		   struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	/* The file's own faults first, then the directories it lives in. */
	r = open_checked(AT_FDCWD, path, path, check_owner, &fd, &st, err);
	if (r < 0)
		return r;
	if (check_owner) {
		r = check_parents(path, &st, err);
		if (r < 0)
			return r;
	}
	return read_all(fd, path, (size_t)st.st_size, ret, ret_len, err);
}

/* A directory fd for listing; -ENOENT (with a message) when it does not exist. */
int conf_dir_open(const char *path, bool check_owner, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int pfd = -EBADF;
	int fd, r;

	if (!check_owner) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return open_error(AT_FDCWD, path, path, errno, err);
		*ret_fd = fd;
		return 0;
	}
	r = walk_dirs(path, &pfd, err);
	if (r < 0)
		return r;
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return conf_err_at(err, -errno, path, 0, NULL, NULL, "cannot open: %s",
				   strerror(errno));
	*ret_fd = fd;
	return 0;
}
