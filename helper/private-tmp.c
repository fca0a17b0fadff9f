/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * private_tmp: /tmp, /var/tmp and /dev/shm of a session are tmpfs instances
 * of its own (private_tmp = session), or the instances of a live session of
 * the same user (private_tmp = user).
 *
 * Mounting is done as root on paths a user may have shaped: pam_namespace
 * CVE-2025-6020 and LXC CVE-2015-1335 came from mounting onto a path that a
 * symlink redirected. So no path is ever given to the kernel for a mount:
 * each mount point is opened from "/" one component at a time, never
 * following a symlink, checked on the fd (a directory, root's, and every
 * directory above it writable by root only, so nobody else can rename or
 * replace anything on the way afterwards), and the tmpfs is attached to that
 * fd (move_mount, or mount(2) on /proc/self/fd/N before Linux 5.2). A symlink
 * where a mount point should be (/var/tmp -> /tmp on some systems) is an
 * error naming it, never followed: the admin decides what it should be.
 *
 * Sharing a live session's instances (private_tmp_clone) reads that session's
 * mount tree through /proc/<init>/root, the one magic link followed on
 * purpose, reached through a /proc/<pid> directory fd whose PID namespace was
 * checked first: everything afterwards names that process, never a recycled
 * pid. RESOLVE_NO_XDEV cannot be used there: /tmp itself is a mount point in
 * that tree, and /var or /dev usually are. Crossing mounts is safe because
 * nobody but root can mount in the session's namespace (the user has no
 * capability in the initial user namespace, and a mount namespace the user
 * makes in a user namespace of its own is another namespace, not the one
 * /proc/<init>/root leads into), and every directory on the way must be
 * root's and writable by root only. What is found is checked again anyway:
 * a tmpfs mount root, 1777, root:root, nosuid and nodev, and none of the
 * host's own instances (a session made without private_tmp has the host's
 * /dev/shm, which must not be handed out as private).
 *
 * open_tree(OPEN_TREE_CLONE) refuses (EINVAL) a mount of another mount
 * namespace than the caller's, so the clones are made by a short-lived child
 * that setns()es into the session's mount namespace, clones the fds checked
 * here (no path is resolved there) and sends the detached trees back over
 * SCM_RIGHTS. A detached tree can then be attached into any namespace:
 * the new session's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "mount-api.h"
#include "private-tmp.h"

#define TMPFS_MODE 01777
#define DIR_N _PRIVATE_TMP_DIR_MAX

static const char *const dirs[DIR_N] = {
	[PRIVATE_TMP_DIR_TMP] = "/tmp",
	[PRIVATE_TMP_DIR_VAR_TMP] = "/var/tmp",
	[PRIVATE_TMP_DIR_DEV_SHM] = "/dev/shm",
};

const char *private_tmp_dir_path(unsigned dir)
{
	return dir < DIR_N ? dirs[dir] : NULL;
}

void private_tmp_close(int fds[DIR_N])
{
	for (unsigned i = 0; i < DIR_N; i++) {
		(void)close_nointr_keep_errno(fds[i]);
		fds[i] = -1;
	}
}

static void private_tmp_closep(int (*fds)[DIR_N])
{
	private_tmp_close(*fds);
}
#define _cleanup_dir_fds_ _cleanup_(private_tmp_closep)

/* path_walk()'s refusals, worded for private_tmp. */
static int walk_error(const struct path_walk *w, const char *path, bool sharing,
		      struct corral_err *err)
{
	int len = w->len;

	switch (w->fault) {
	case PATH_SYMLINK:
		return err_set(err, -ELOOP, "%.*s is a symbolic link: private_tmp will not %s it",
			       len, path, !w->last ? "follow" : sharing ? "share" : "mount over");
	case PATH_OWNER:
		return err_set(err, -EPERM, "%.*s is owned by uid %u, not root: private_tmp will not use it",
			       len, path, (unsigned)w->st.st_uid);
	case PATH_WRITABLE:
		return err_set(err, -EPERM,
			       "%.*s is writable by %s (mode %04o): private_tmp will not use what is below it",
			       len, path, w->st.st_mode & S_IWOTH ? "others" : "its group",
			       (unsigned)(w->st.st_mode & 07777));
	default:
		return path_walk_err(w, path, err);
	}
}

/*
 * dirs[dir] below root_fd (the root of the tree it is in). *ret_fd is -1 when
 * a component does not exist. With ret_parent, the stat of the directory
 * holding the last component. The last, the mount point, may be writable by
 * others (/tmp is 1777): it is mounted over, not looked into.
 */
static int open_dir(int root_fd, unsigned dir, bool sharing, int *ret_fd, struct stat *ret_parent,
		    struct corral_err *err)
{
	struct path_walk w;

	*ret_fd = path_walk(root_fd, dirs[dir], 1, PATH_WALK_LAST_WRITABLE, &w);
	if (*ret_fd < 0)
		return w.fault == PATH_MISSING ? 0 : walk_error(&w, dirs[dir], sharing, err);
	if (ret_parent)
		*ret_parent = w.parent;
	return 0;
}

/* The size comes from a validated policy; it goes into a mount option string all the same. */
static int check_size(const char *size, struct corral_err *err)
{
	size_t len = strnlen(size, PRIVATE_TMP_SIZE_MAX);

	if (len == PRIVATE_TMP_SIZE_MAX)
		return err_set(err, -EINVAL, "private_tmp: the tmpfs size is longer than %d bytes",
			       PRIVATE_TMP_SIZE_MAX - 1);
	if (strspn(size, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ%") != len)
		return err_set(err, -EINVAL, "private_tmp: invalid tmpfs size '%s'", size);
	return 0;
}

/* The kernel's own words on a failed fsconfig ("e tmpfs: Bad value for 'size'"), if any. */
static void fs_context_log(int fs, char *buf, size_t size)
{
	ssize_t n = read(fs, buf, size - 1);

	if (n <= 2) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* "e " (error), "w " (warning) or "i " (information) first. */
	memmove(buf, buf + 2, (size_t)n - 1);
}

static int fs_set(int fs, const char *key, const char *value, const char *path,
		  struct corral_err *err)
{
	char log[256];
	int r;

	if (sys_fsconfig(fs, FSCONFIG_SET_STRING, key, value) == 0)
		return 0;
	r = -errno;
	fs_context_log(fs, log, sizeof(log));
	return err_errno(err, r, "Failed to set %s=%s for the tmpfs of %s%s%s", key, value, path,
			 log[0] ? ": " : "", log);
}

/* Linux before 5.2 (or a seccomp filter without the mount API): mount(2) on the fd's magic link. */
static int mount_tmpfs_legacy(const char *size, int target, const char *path,
			      struct corral_err *err)
{
	char proc[sizeof("/proc/self/fd/") + DECIMAL_STR_MAX(int)];
	char opts[sizeof("mode=1777,uid=0,gid=0,size=") + PRIVATE_TMP_SIZE_MAX];
	int r;

	(void)snprintf(opts, sizeof(opts), "mode=%o,uid=0,gid=0%s%s", TMPFS_MODE,
		       size[0] ? ",size=" : "", size);
	/* /proc is the session's own, but check. */
	r = fd_proc_link(target, proc, sizeof(proc), path, err);
	if (r < 0)
		return r;
	if (mount("tmpfs", proc, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return err_errno(err, -errno, "Failed to mount a tmpfs on %s", path);
	return 0;
}

/*
 * A fresh tmpfs, not attached anywhere yet: fsopen, fsconfig, fsmount (Linux
 * 5.2). -ENOSYS, with nothing recorded in err, when the kernel (or a seccomp
 * filter) has no mount API: the caller mounts with mount(2) instead.
 */
static int tmpfs_create(const char *size, const char *path, int *ret_mnt, struct corral_err *err)
{
	_cleanup_close_ int fs = -EBADF;
	char mode[8], log[256];
	int mnt, r;

	fs = sys_fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 && errno == ENOSYS)
		return -ENOSYS;
	if (fs < 0)
		return err_errno(err, -errno, "Failed to open a tmpfs context for %s", path);
	(void)snprintf(mode, sizeof(mode), "%o", TMPFS_MODE);
	r = fs_set(fs, "source", "tmpfs", path, err);
	if (r == 0)
		r = fs_set(fs, "mode", mode, path, err);
	if (r == 0)
		r = fs_set(fs, "uid", "0", path, err);
	if (r == 0)
		r = fs_set(fs, "gid", "0", path, err);
	if (r == 0 && size[0])
		r = fs_set(fs, "size", size, path, err);
	if (r < 0)
		return r;
	if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL) < 0) {
		r = -errno;
		fs_context_log(fs, log, sizeof(log));
		return err_errno(err, r, "Failed to create the tmpfs of %s%s%s", path,
				 log[0] ? ": " : "", log);
	}
	mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return err_errno(err, -errno, "Failed to make a mount of the tmpfs of %s", path);
	*ret_mnt = mnt;
	return 0;
}

/*
 * Whether fd is one of the instances private_tmp_mount() makes: tmpfs,
 * nosuid and nodev, root:root 1777, and the root of its mount (by statx from
 * Linux 5.8; before, by a device other than parent's, when known). Not a
 * proof that corral made it: the caller rules out the host's own.
 */
static int check_instance(int fd, const char *path, const struct stat *parent,
			  struct corral_err *err)
{
	struct statfs sfs;
	struct statx stx;
	struct stat st;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat %s", path);
	if ((unsigned long)sfs.f_type != (unsigned long)TMPFS_MAGIC)
		return err_set(err, -EXDEV, "%s is not a tmpfs", path);
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0)
		return err_errno(err, -errno, "Failed to stat %s", path);
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
		if (!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			return err_set(err, -EXDEV, "%s is not the root of a mount", path);
	} else if (parent && parent->st_dev == st.st_dev) {
		return err_set(err, -EXDEV, "%s is not the root of a mount", path);
	}
	if (!(sfs.f_flags & ST_NOSUID) || !(sfs.f_flags & ST_NODEV))
		return err_set(err, -EPERM, "%s is not mounted nosuid,nodev", path);
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 07777) != TMPFS_MODE || st.st_uid != 0 ||
	    st.st_gid != 0)
		return err_set(err, -EPERM, "%s is not a directory of mode %o owned by root:root "
			       "(mode %04o, uid %u, gid %u)", path, TMPFS_MODE,
			       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
	return 0;
}

/*
 * First pass, for dirs[i]: the mount point, and what is to go on it, checked
 * (a shared instance) or made (a fresh tmpfs, unless the kernel has no mount
 * API: *legacy then, and mount(2) in the second pass).
 */
static int prepare(int root, unsigned i, const struct private_tmp_spec *spec, bool *legacy,
		   int *ret_target, int *ret_fresh, struct corral_err *err)
{
	int r;

	r = open_dir(root, i, false, ret_target, NULL, err);
	if (r < 0 || *ret_target < 0)
		return r;
	if (spec->share_fds[i] >= 0) {
		r = check_instance(spec->share_fds[i], dirs[i], NULL, err);
		return r < 0 ? err_wrap(err, "private_tmp: the shared instance of %s", dirs[i]) : 0;
	}
	if (*legacy)
		return 0;
	r = tmpfs_create(spec->size, dirs[i], ret_fresh, err);
	/* Below the 5.3 floor, or a seccomp filter hiding the mount API. */
	if (r == -ENOSYS) {
		*legacy = true;
		return 0;
	}
	return r;
}

/* Second pass: onto the mount point's fd, never a path. */
static int attach(unsigned i, const struct private_tmp_spec *spec, int target, int fresh,
		  struct corral_err *err)
{
	if (spec->share_fds[i] >= 0) {
		if (sys_move_mount(spec->share_fds[i], target) < 0)
			return err_errno(err, -errno, "Failed to attach the shared tmpfs on %s",
					 dirs[i]);
		return 0;
	}
	if (fresh < 0)
		return mount_tmpfs_legacy(spec->size, target, dirs[i], err);
	if (sys_move_mount(fresh, target) < 0)
		return err_errno(err, -errno, "Failed to attach the tmpfs on %s", dirs[i]);
	return 0;
}

int private_tmp_mount(const struct private_tmp_spec *spec, struct corral_err *err)
{
	_cleanup_dir_fds_ int target[DIR_N] = { -1, -1, -1 }, fresh[DIR_N] = { -1, -1, -1 };
	_cleanup_close_ int root = -EBADF;
	bool legacy = false;
	int mounted = 0, r;

	r = check_size(spec->size, err);
	if (r < 0)
		return r;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_errno(err, -errno, "Failed to open /");
	/*
	 * Every mount point and shared instance is checked, and every fresh
	 * tmpfs made, before anything is attached: a refusal, ours or the
	 * kernel's (a size it does not take), leaves the tree as it was. Not
	 * so with mount(2), which creates and attaches at once; the caller
	 * discards the namespace on any error anyway.
	 */
	for (unsigned i = 0; i < DIR_N; i++) {
		r = prepare(root, i, spec, &legacy, &target[i], &fresh[i], err);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < DIR_N; i++) {
		if (target[i] < 0)
			continue;	/* nothing there to hide */
		r = attach(i, spec, target[i], fresh[i], err);
		if (r < 0)
			return r;
		mounted |= 1 << i;
	}
	return mounted;
}

/*
 * /proc/<pid> of the helper's procfs, as a directory fd that names that
 * process from now on (a recycled pid is another directory), checked to be
 * in the PID namespace the caller recorded.
 */
static int open_pid_dir(pid_t pid, uint64_t pidns, int *ret_fd, struct corral_err *err)
{
	char name[DECIMAL_STR_MAX(pid_t)];
	_cleanup_close_ int proc = -EBADF, fd = -EBADF;
	struct stat st;
	int r;

	r = fd_open_proc(&proc, err);
	if (r < 0)
		return r;
	(void)snprintf(name, sizeof(name), "%d", (int)pid);
	fd = openat(proc, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_errno(err, errno == ENOENT ? -ESRCH : -errno, "Failed to open /proc/%d", (int)pid);
	if (fstatat(fd, "ns/pid", &st, 0) < 0)
		return err_errno(err, errno == ENOENT ? -ESRCH : -errno,
				 "Failed to stat /proc/%d/ns/pid", (int)pid);
	if ((uint64_t)st.st_ino != pidns)
		return err_set(err, -ESRCH, "it is not the session's init any more (PID namespace %llu, not %llu)",
			       (unsigned long long)st.st_ino, (unsigned long long)pidns);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * The instances of the session whose root is root_fd, checked; -1 where it
 * has none. None may be an instance the helper itself sees at one of the
 * three paths (the host's), nor may two be the same.
 */
static int open_instances(int root_fd, int ret[DIR_N], struct corral_err *err)
{
	struct stat parent, st, host[DIR_N];
	bool have_host[DIR_N];
	dev_t seen[DIR_N];
	unsigned n_seen = 0;
	int r;

	/*
	 * The helper's own view, the host's. stat() follows a symlink there:
	 * harmless, only the device is used, and the session's copy of such a
	 * path is the same symlink, which open_dir() refuses.
	 */
	for (unsigned i = 0; i < DIR_N; i++)
		have_host[i] = stat(dirs[i], &host[i]) == 0;
	for (unsigned i = 0; i < DIR_N; i++) {
		r = open_dir(root_fd, i, true, &ret[i], &parent, err);
		if (r < 0)
			return r;
		if (ret[i] < 0)
			continue;
		r = check_instance(ret[i], dirs[i], &parent, err);
		if (r < 0)
			return r;
		if (fstat(ret[i], &st) < 0)
			return err_errno(err, -errno, "Failed to stat %s", dirs[i]);
		for (unsigned h = 0; h < DIR_N; h++)
			if (have_host[h] && host[h].st_dev == st.st_dev)
				return err_set(err, -EXDEV, "%s is the host's tmpfs of %s, not a private one",
					       dirs[i], dirs[h]);
		for (unsigned k = 0; k < n_seen; k++)
			if (seen[k] == st.st_dev)
				return err_set(err, -EXDEV, "%s is the same tmpfs as another of the session's",
					       dirs[i]);
		seen[n_seen++] = st.st_dev;
	}
	return 0;
}

/* What the cloning child sends: its error, or none and the clones as SCM_RIGHTS. */
static _noreturn_ void clone_child(int sock, int mntns, const int src[DIR_N])
{
	struct corral_err err = CORRAL_ERR_INIT;
	int fds[DIR_N];
	unsigned n = 0;
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&control, 0, sizeof(control));
	if (setns(mntns, CLONE_NEWNS) < 0) {
		err_errno(&err, -errno, "Failed to enter the session's mount namespace");
	} else {
		for (unsigned i = 0; i < DIR_N && err.code == 0; i++) {
			if (src[i] < 0)
				continue;
			fds[n] = sys_open_tree(src[i]);
			if (fds[n] < 0)
				err_errno(&err, -errno, "Failed to clone the mount of %s", dirs[i]);
			else
				n++;
		}
	}
	if (err.code == 0 && n > 0) {
		struct cmsghdr *c;

		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	_exit(sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(err) ? 0 : 1);
}

/* The child's answer: n clones into out[] at the indexes where src[] >= 0. */
static int clone_receive(int sock, const int src[DIR_N], int out[DIR_N], struct corral_err *err)
{
	struct corral_err child = CORRAL_ERR_INIT;
	int fds[DIR_N];
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &child, .iov_len = sizeof(child) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	unsigned want = 0, got = 0;
	struct cmsghdr *c;
	ssize_t n;

	for (unsigned i = 0; i < DIR_N; i++)
		want += src[i] >= 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_errno(err, -errno, "Failed to receive the cloned mounts");
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len >= CMSG_LEN(0)) {
		got = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (got > DIR_N)
			got = DIR_N;	/* MSG_CTRUNC below */
		memcpy(fds, CMSG_DATA(c), got * sizeof(int));
	}
	/* Whatever arrived is placed or closed: the caller's cleanup closes out[] on any error. */
	for (unsigned i = 0, k = 0; k < got; i++)
		if (i >= DIR_N)
			(void)close(fds[k++]);
		else if (src[i] >= 0)
			out[i] = fds[k++];
	if (n != (ssize_t)sizeof(child))
		return err_set(err, -EIO, "The mount cloning child sent a malformed answer");
	if (child.code < 0) {
		child.msg[sizeof(child.msg) - 1] = '\0';
		return err_set(err, child.code, "%s", child.msg);
	}
	if ((msg.msg_flags & MSG_CTRUNC) || got != want || (c && CMSG_NXTHDR(&msg, c)))
		return err_set(err, -EIO, "The mount cloning child sent %u file descriptors, not %u",
			       got, want);
	return 0;
}

static int clone_in_ns(int mntns, const int src[DIR_N], int out[DIR_N], struct corral_err *err)
{
	int sock[2], status, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		return err_errno(err, -errno, "Failed to create a socket pair");
	pid = fork();
	if (pid < 0) {
		r = -errno;
		(void)close(sock[0]);
		(void)close(sock[1]);
		return err_errno(err, r, "Failed to fork");
	}
	if (pid == 0) {
		(void)close(sock[0]);
		clone_child(sock[1], mntns, src);
	}
	(void)close(sock[1]);
	r = clone_receive(sock[0], src, out, err);
	(void)close(sock[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* Each clone must be the very directory checked (same device and inode). */
static int check_clones(const int src[DIR_N], const int clones[DIR_N], struct corral_err *err)
{
	for (unsigned i = 0; i < DIR_N; i++) {
		struct stat a, b;

		if (src[i] < 0)
			continue;
		if (fstat(src[i], &a) < 0 || fstat(clones[i], &b) < 0)
			return err_errno(err, -errno, "Failed to stat the clone of %s", dirs[i]);
		if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			return err_set(err, -EXDEV, "The clone of %s is another directory", dirs[i]);
	}
	return 0;
}

/* private_tmp_clone() without the context its errors get. */
static int clone_session(pid_t pid, uint64_t pidns, int ret_fds[DIR_N], struct corral_err *err)
{
	_cleanup_dir_fds_ int src[DIR_N] = { -1, -1, -1 }, clones[DIR_N] = { -1, -1, -1 };
	_cleanup_close_ int pid_dir = -EBADF, root = -EBADF, mntns = -EBADF;
	struct stat ours, theirs;
	bool any = false;
	int r;

	r = open_pid_dir(pid, pidns, &pid_dir, err);
	if (r < 0)
		return r;
	mntns = openat(pid_dir, "ns/mnt", O_RDONLY | O_CLOEXEC);
	if (mntns < 0 || fstat(mntns, &theirs) < 0)
		return err_errno(err, -errno, "Failed to open /proc/%d/ns/mnt", (int)pid);
	if (stat("/proc/self/ns/mnt", &ours) < 0)
		return err_errno(err, -errno, "Failed to stat /proc/self/ns/mnt");
	if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino)
		return err_set(err, -EXDEV, "it is in the helper's own mount namespace: it has no private /tmp");
	/* The one magic link followed: into the session's tree. */
	root = openat(pid_dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_errno(err, errno == ENOENT ? -ESRCH : -errno, "Failed to open /proc/%d/root",
				 (int)pid);
	r = open_instances(root, src, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < DIR_N; i++)
		any |= src[i] >= 0;
	if (!any)
		return 0;
	r = clone_in_ns(mntns, src, clones, err);
	if (r == 0)
		r = check_clones(src, clones, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < DIR_N; i++) {
		ret_fds[i] = clones[i];
		clones[i] = -1;
	}
	return 0;
}

int private_tmp_clone(pid_t init_pid, uint64_t init_pidns, int ret_fds[DIR_N],
		      struct corral_err *err)
{
	int r;

	for (unsigned i = 0; i < DIR_N; i++)
		ret_fds[i] = -1;
	if (init_pid <= 0)
		return err_set(err, -EINVAL, "private_tmp: invalid init pid %d", (int)init_pid);
	r = clone_session(init_pid, init_pidns, ret_fds, err);
	if (r < 0)
		return err_wrap(err, "private_tmp: sharing the instances of the session of pid %d",
				(int)init_pid);
	return 0;
}
