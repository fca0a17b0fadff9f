/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"

int fd_ensure_stdio(struct corral_err *err)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", O_RDWR | O_NOCTTY);
		if (n < 0)
			return err_errno(err, -errno, "Failed to open /dev/null");
		if (n != fd) {
			(void)close(n);
			return err_set(err, -EBADF, "Opened /dev/null as fd %d instead of %d", n, fd);
		}
	}
	return 0;
}

static int close_from_proc(int from, struct corral_err *err)
{
	DIR *d;
	struct dirent *de;

	d = opendir("/proc/self/fd");
	if (!d)
		return err_errno(err, -errno, "Failed to open /proc/self/fd");
	while ((de = readdir(d))) {
		uint32_t fd;

		if (parse_u32(de->d_name, &fd) < 0 || fd > INT_MAX || (int)fd < from ||
		    (int)fd == dirfd(d))
			continue;
		(void)close((int)fd);
	}
	(void)closedir(d);
	return 0;
}

int fd_close_from(int from, struct corral_err *err)
{
	/* FIXME: the /proc walk is dead code once Linux 5.9 (close_range) is the floor. */
	if (syscall(SYS_close_range, (unsigned)from, ~0U, 0) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return err_errno(err, -errno, "Failed to close file descriptors");
	return close_from_proc(from, err);
}

static bool in_list(int fd, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == fd)
			return true;
	return false;
}

int fd_close_all_but(const int *keep, size_t n_keep, struct corral_err *err)
{
	int max = 2;

	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] > max)
			max = keep[i];
	for (int fd = 3; fd <= max; fd++)
		if (!in_list(fd, keep, n_keep))
			(void)close(fd);
	return fd_close_from(max + 1, err);
}

int fd_move_to(int fd, int target, struct corral_err *err)
{
	if (fd == target) {
		int flags = fcntl(fd, F_GETFD);

		if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return err_errno(err, -errno, "Failed to clear close-on-exec on fd %d", fd);
		return 0;
	}
	if (dup3(fd, target, 0) < 0)
		return err_errno(err, -errno, "Failed to move fd %d to %d", fd, target);
	(void)close(fd);
	return 0;
}

int fd_read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
		    struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	/* O_NONBLOCK: a FIFO planted in place of a file must not hang us (CVE-2024-22365). */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open '%s'", name);
	if (fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat '%s'", name);
	if (!S_ISREG(st.st_mode))
		return err_set(err, -EINVAL, "'%s' is not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return err_set(err, -EFBIG, "'%s' is larger than %zu bytes", name, max);
	buf = malloc(max + 1);
	if (!buf)
		return err_set(err, -ENOMEM, "Out of memory");
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(err, -errno, "Failed to read '%s'", name);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return err_set(err, -EFBIG, "'%s' is larger than %zu bytes", name, max);
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int fd_write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len,
			    mode_t mode, struct corral_err *err)
{
	char tmp[NAME_MAX + 1];
	_cleanup_close_ int fd = -EBADF;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return err_set(err, -ENAMETOOLONG, "File name '%s' is too long", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    mode);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to create '%s'", tmp);
	r = fchmod(fd, mode) < 0 ? -errno : write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return err_errno(err, r, "Failed to write '%s'", name);
	}
	return 0;
}

int fd_open_beneath(int dirfd, const char *name, int flags, uint64_t resolve)
{
	static bool no_openat2;
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve };
	int fd;

	if (!no_openat2) {
		fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		/* FIXME: dead code once Linux 5.6 is the floor. */
		no_openat2 = true;
	}
	return openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW);
}

int fd_open_proc(int *ret, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct statfs sfs;

	fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstatfs(fd, &sfs) < 0)
		return err_errno(err, -errno, "Failed to open /proc");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return err_set(err, -EXDEV, "/proc is not a procfs");
	*ret = TAKE_FD(fd);
	return 0;
}

int fd_proc_link(int fd, char *buf, size_t size, const char *what, struct corral_err *err)
{
	struct stat want, got;

	(void)snprintf(buf, size, "/proc/self/fd/%d", fd);
	if (fstat(fd, &want) < 0 || stat(buf, &got) < 0)
		return err_errno(err, -errno, "Failed to stat %s through %s", what, buf);
	if (want.st_dev != got.st_dev || want.st_ino != got.st_ino)
		return err_set(err, -EXDEV, "%s does not lead to %s: is /proc a procfs?", buf, what);
	return 0;
}

static int fault(struct path_walk *w, int why, int error)
{
	w->fault = why;
	w->error = error;
	return -1;
}

static int check(int fd, unsigned flags, bool last, struct path_walk *w)
{
	bool dir = !last || !(flags & PATH_WALK_FILE);

	w->last = last;
	if (fstat(fd, &w->st) < 0)
		return fault(w, PATH_STAT, errno);
	if (S_ISLNK(w->st.st_mode))
		return fault(w, PATH_SYMLINK, ELOOP);
	if (dir && !S_ISDIR(w->st.st_mode))
		return fault(w, PATH_NOT_DIR, ENOTDIR);
	if (!dir && !S_ISREG(w->st.st_mode))
		return fault(w, PATH_NOT_FILE, EINVAL);
	if (w->st.st_uid != 0)
		return fault(w, PATH_OWNER, EPERM);
	/* A mount point may be 1777 (/tmp): it is mounted over, not looked into. */
	if ((w->st.st_mode & (S_IWGRP | S_IWOTH)) && !(last && (flags & PATH_WALK_LAST_WRITABLE)))
		return fault(w, PATH_WRITABLE, EPERM);
	return 0;
}

static bool plain_name(const char *p, size_t n, bool last)
{
	return n > 0 && n <= NAME_MAX && !(n == 1 && p[0] == '.') &&
	       !(n == 2 && p[0] == '.' && p[1] == '.') && (last || p[n + 1] != '\0');
}

int path_walk(int dirfd, const char *path, size_t skip, unsigned flags, struct path_walk *w)
{
	_cleanup_close_ int fd = -EBADF;
	const char *p = path + skip;

	*w = (struct path_walk){ .len = skip > 1 ? (int)skip - 1 : 1 };
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return fault(w, PATH_DUP, errno);
	if (check(fd, flags, !*p, w) < 0)
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/");
		bool last = p[n] == '\0';
		char name[NAME_MAX + 1];
		int next;

		w->len = (int)(p + n - path);
		w->parent = w->st;
		if (!plain_name(p, n, last))
			return fault(w, PATH_NAME, EINVAL);
		memcpy(name, p, n);
		name[n] = '\0';
		/* O_PATH | O_NOFOLLOW: a symlink comes back as itself, for check() to name. */
		next = fd_open_beneath(fd, name, O_PATH | O_NOFOLLOW, RESOLVE_BENEATH |
				       RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (next < 0)
			return fault(w, errno == ENOENT ? PATH_MISSING : PATH_OPEN, errno);
		(void)close(fd);
		fd = next;
		if (check(fd, flags, last, w) < 0)
			return -1;
		p += n + !last;
	}
	return TAKE_FD(fd);
}

int path_walk_err(const struct path_walk *w, const char *path, struct corral_err *err)
{
	int len = w->len, r = -w->error;

	switch (w->fault) {
	case PATH_DUP:
		return err_errno(err, r, "Failed to duplicate a directory fd");
	case PATH_STAT:
		return err_errno(err, r, "Failed to stat %.*s", len, path);
	case PATH_NAME:
		return err_set(err, r, "%s is not a plain absolute path", path);
	case PATH_SYMLINK:
		return err_set(err, r, "%.*s is a symbolic link: not followed", len, path);
	case PATH_NOT_DIR:
		return err_set(err, r, "%.*s is not a directory", len, path);
	case PATH_NOT_FILE:
		return err_set(err, r, "%.*s is not a regular file", len, path);
	case PATH_OWNER:
		return err_set(err, r, "%.*s is owned by uid %u, not root", len, path,
			       (unsigned)w->st.st_uid);
	case PATH_WRITABLE:
		return err_set(err, r, "%.*s is writable by %s (mode %04o)", len, path,
			       w->st.st_mode & S_IWOTH ? "others" : "its group",
			       (unsigned)(w->st.st_mode & 07777));
	default:	/* PATH_OPEN, PATH_MISSING */
		return err_errno(err, r, "Failed to open %.*s", len, path);
	}
}
