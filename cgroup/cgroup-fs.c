/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every cgroupfs access of corral: one path component at a time beneath a
 * directory fd we already checked, with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV) and, before
 * Linux 5.6, openat(O_NOFOLLOW); each directory is checked to be a cgroup
 * filesystem owned by root. Names are corral's own (a uid, a session id,
 * the configured root name), validated before they get here.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "fd-util.h"
#include "macro.h"

#define RESOLVE_STRICT \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static bool name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

int cg_fs_check(int fd, int version, const char *what, struct corral_err *err)
{
	struct statfs sfs;
	struct stat st;
	long want = version == 2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat %s", what);
	if (sfs.f_type != want)
		return err_set(err, -EXDEV, "%s is not on a cgroup%s filesystem", what,
			       version == 2 ? "2" : "");
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
		return err_set(err, -EPERM, "%s is not a directory owned by root", what);
	return 0;
}

int cg_dir_open(int parent, const char *name, bool create, int *ret_fd, struct corral_err *err)
{
	struct statfs sfs;
	int fd, r;

	if (!name_ok(name))
		return err_set(err, -EINVAL, "Invalid cgroup name '%.64s'", name);
	if (create && mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
		return err_errno(err, -errno, "Failed to create cgroup %s", name);
	fd = fd_open_beneath(parent, name, O_PATH | O_DIRECTORY, RESOLVE_STRICT);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open cgroup %s", name);
	r = fstatfs(fd, &sfs) < 0 ? -errno : 0;
	if (r == 0)
		r = cg_fs_check(fd, sfs.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1, name, err);
	else
		r = err_errno(err, r, "Failed to stat cgroup %s", name);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int cg_dir_walk(int top, const char *const *names, size_t n, bool create, int *ret_fd,
		struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	int next, r;

	fd = fcntl(top, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to duplicate a cgroup fd");
	for (size_t i = 0; i < n; i++) {
		r = cg_dir_open(fd, names[i], create, &next, err);
		if (r < 0)
			return r;
		(void)close(fd);
		fd = next;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int open_file(int dirfd, const char *file, int flags)
{
	return name_ok(file) ? fd_open_beneath(dirfd, file, flags, RESOLVE_STRICT) : -(errno = EINVAL);
}

int cg_write(int dirfd, const char *file, const char *value, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(value);
	ssize_t n;

	fd = open_file(dirfd, file, O_WRONLY);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open %s", file);
	n = write(fd, value, len);
	if (n < 0)
		return err_errno(err, -errno, "Failed to write '%s' to %s", value, file);
	if ((size_t)n != len)
		return err_set(err, -EIO, "Short write of '%s' to %s", value, file);
	return 0;
}

int cg_read(int dirfd, const char *file, char *buf, size_t size, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	fd = open_file(dirfd, file, O_RDONLY);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open %s", file);
	n = read(fd, buf, size - 1);
	if (n < 0)
		return err_errno(err, -errno, "Failed to read %s", file);
	buf[n] = '\0';
	return (int)n;
}

int cg_open_file(int dirfd, const char *file, int flags, int *ret_fd, struct corral_err *err)
{
	int fd = open_file(dirfd, file, flags);

	if (fd < 0)
		return err_errno(err, -errno, "Failed to open %s", file);
	*ret_fd = fd;
	return 0;
}

int cg_write_changed(int dirfd, const char *file, const char *value, struct corral_err *err)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	char cur[128];

	if (cg_read(dirfd, file, cur, sizeof(cur), &ignored) > 0) {
		cur[strcspn(cur, "\n")] = '\0';
		if (streq(cur, value))
			return 0;
	}
	return cg_write(dirfd, file, value, err);
}

bool cg_has_file(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int cg_rmdir(int parent, const char *name, struct corral_err *err)
{
	if (!name_ok(name))
		return err_set(err, -EINVAL, "Invalid cgroup name '%.64s'", name);
	if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno == EBUSY || errno == ENOTEMPTY)
		return -EBUSY;
	return err_errno(err, -errno, "Failed to remove cgroup %s", name);
}
