/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc_view: LXCFS's views of /proc/meminfo, cpuinfo, stat, loadavg, uptime,
 * swaps, diskstats and /sys/devices/system/cpu/online over the session's own,
 * so that free, top and uptime inside show the session's limits and usage.
 * LXCFS computes each read from the reader: memory and CPUs from its cgroup
 * (the session's), uptime from the start of PID 1 of its PID namespace (the
 * session's init). Nothing is copied: the files are bind mounts of LXCFS's.
 *
 * LXCFS is found, and checked, by the helper in the host's mount namespace
 * before the clone; the mounts are made by the cloned child in the session's
 * namespace. A mount of another namespace cannot be cloned or bind-mounted
 * from there: open_tree(OPEN_TREE_CLONE) and mount(2) MS_BIND both refuse
 * (EINVAL) an fd opened before clone(CLONE_NEWNS), whose mount belongs to the
 * parent's namespace. So the helper makes detached clones (open_tree), which
 * belong to no namespace and can be attached into any, as private-tmp.c does
 * for a shared /tmp; the child only move_mount()s them. Where the kernel (or
 * a seccomp filter) has no open_tree, the child finds the same files again in
 * its own copy of the tree, by path, and binds them with mount(2).
 *
 * As everywhere in corral, no path given to the kernel for a mount is one a
 * symlink could redirect (CVE-2025-6020, CVE-2015-1335): every path is opened
 * from "/" one component at a time without following a symlink, each
 * directory on the way must be root's and writable by root only (so nobody
 * else can rename anything on the way afterwards), and the mount is made on
 * the fd. What is mounted must be LXCFS's: a fuse.lxcfs mount (its subtype
 * is only in mountinfo, so the mount is identified by the fd's mount id)
 * served by root (user_id=0: a user's FUSE mount, through fusermount, has the
 * user's) with allow_other (else FUSE refuses every reader but root).
 *
 * What corral.conf(5) should tell the admin: the mounts hold the FUSE
 * connection of the LXCFS that was running at login. If it dies, or is
 * restarted rather than reloaded (SIGUSR1 reloads its library in place),
 * those files fail with ENOTCONN in the sessions made before (free: "Unable
 * to create meminfo structure") until their next login. LXCFS's uptime is
 * the session's age, but /proc/PID/stat start times stay counted from the
 * host's boot, so ps's ELAPSED (uptime - start) goes negative and wraps; a
 * time namespace with a boottime offset (Linux 5.6) makes the kernel's own
 * /proc/uptime and the start times agree: with one, leave PROC_VIEW_UPTIME
 * out. LXCFS (5.0.3) virtualizes /proc/loadavg only when run with -l, which
 * Debian's unit does not do; the CPUs it shows follow the cgroup's cpuset
 * (a v1 CFS quota of one CPU left two shown, even with --enable-cfs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "mount-api.h"
#include "parse-util.h"
#include "proc-view.h"

#define FILE_N _PROC_VIEW_MAX
#define LXCFS_FSTYPE "fuse.lxcfs"
#define VIEW_ATTR (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

_Static_assert(FILE_N == 8, "PROC_VIEW_INIT has one -1 per file");

static const struct {
	const char *path;	/* in the session, and below LXCFS's mount point */
	unsigned long magic;	/* what the session's file must be on */
	const char *fs;		/* its name, for messages */
} files[FILE_N] = {
	[PROC_VIEW_MEMINFO] = { "/proc/meminfo", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_CPUINFO] = { "/proc/cpuinfo", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_STAT] = { "/proc/stat", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_LOADAVG] = { "/proc/loadavg", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_UPTIME] = { "/proc/uptime", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_SWAPS] = { "/proc/swaps", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_DISKSTATS] = { "/proc/diskstats", PROC_SUPER_MAGIC, "procfs" },
	[PROC_VIEW_CPU_ONLINE] = { "/sys/devices/system/cpu/online", SYSFS_MAGIC, "sysfs" },
};

const char *proc_view_file_path(unsigned file)
{
	return file < FILE_N ? files[file].path : NULL;
}

void proc_view_close(struct proc_view *pv)
{
	for (unsigned i = 0; i < FILE_N; i++)
		(void)close_nointr_keep_errno(pv->tree[i]);
	*pv = (struct proc_view)PROC_VIEW_INIT;
}

static void fds_close(int (*fds)[FILE_N])
{
	for (unsigned i = 0; i < FILE_N; i++) {
		(void)close_nointr_keep_errno((*fds)[i]);
		(*fds)[i] = -1;
	}
}
#define _cleanup_file_fds_ _cleanup_(fds_close)

/* ---- paths, one component at a time ---- */

/* path_walk(), its refusals worded; *ret_fd is -1 when a component does not exist. */
static int open_path(int dirfd, const char *full, size_t skip, unsigned flags, int *ret_fd,
		     struct corral_err *err)
{
	struct path_walk w;

	*ret_fd = path_walk(dirfd, full, skip, flags, &w);
	if (*ret_fd < 0 && w.fault != PATH_MISSING)
		return path_walk_err(&w, full, err);
	return 0;
}

/* ---- finding LXCFS ---- */

struct mount_entry {
	unsigned id;
	char *root, *point, *fstype, *super;	/* into the line, unescaped */
};

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPER" */
static bool parse_mount(char *line, struct mount_entry *m)
{
	char *dash = strstr(line, " - "), *save = NULL, *f[5] = { NULL };

	if (!dash)
		return false;
	*dash = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 5 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save);
	if (!f[0] || !f[4] || parse_u32(f[0], &m->id) < 0)
		return false;
	save = NULL;
	m->fstype = strtok_r(dash + 3, " \n", &save);
	(void)strtok_r(NULL, " \n", &save);	/* the source: LXCFS's fsname, anything */
	m->super = strtok_r(NULL, " \n", &save);
	if (!m->fstype || !m->super)
		return false;
	m->root = f[3];
	m->point = f[4];
	unescape_octal(m->root);
	unescape_octal(m->point);
	return true;
}

/* Calls visit for each mount of /proc/self/mountinfo until it returns true. */
static int mountinfo_scan(int proc, bool (*visit)(const struct mount_entry *m, void *data),
			  void *data, struct corral_err *err)
{
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	FILE *f;
	int fd;

	fd = openat(proc, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open /proc/self/mountinfo");
	f = fdopen(fd, "re");
	if (!f) {
		(void)close_nointr_keep_errno(fd);
		return err_errno(err, -errno, "Failed to open /proc/self/mountinfo");
	}
	while (getline(&line, &size, f) >= 0) {
		struct mount_entry m;

		if (parse_mount(line, &m) && visit(&m, data))
			break;
	}
	(void)fclose(f);
	return 0;
}

/* The candidate with no directory given: PROC_VIEW_LXCFS_DIR, or else the first one. */
static bool visit_lxcfs(const struct mount_entry *m, void *data)
{
	char *dir = data;

	if (!streq(m->fstype, LXCFS_FSTYPE) || !streq(m->root, "/") ||
	    strlen(m->point) >= PROC_VIEW_DIR_MAX)
		return false;
	if (!dir[0] || streq(m->point, PROC_VIEW_LXCFS_DIR))
		(void)snprintf(dir, PROC_VIEW_DIR_MAX, "%s", m->point);
	return streq(m->point, PROC_VIEW_LXCFS_DIR);
}

/* What the checks need of one mount, copied out of the line. */
struct mount_facts {
	unsigned id;
	bool found, root, allow_other;
	bool point_ok;			/* its mount point is the directory asked for */
	const char *want_point;
	long user_id;			/* -1: none given */
	char fstype[64];
};

/* Option key of a "a,b=c" list: *ret_value is what follows "key=", or "" for a bare key. */
static bool super_option(const char *super, const char *key, const char **ret_value)
{
	size_t klen = strlen(key);

	for (const char *o = super; *o;) {
		size_t n = strcspn(o, ",");

		if (n >= klen && strncmp(o, key, klen) == 0 && (n == klen || o[klen] == '=')) {
			*ret_value = o + klen + (n > klen);
			return true;
		}
		o += n + (o[n] == ',');
	}
	return false;
}

static bool visit_id(const struct mount_entry *m, void *data)
{
	struct mount_facts *mf = data;
	const char *v;
	char num[16];
	uint32_t uid;

	if (m->id != mf->id)
		return false;
	mf->found = true;
	mf->root = streq(m->root, "/");
	mf->point_ok = streq(m->point, mf->want_point);
	mf->allow_other = super_option(m->super, "allow_other", &v);
	mf->user_id = -1;
	if (super_option(m->super, "user_id", &v)) {
		(void)snprintf(num, sizeof(num), "%.*s", (int)strcspn(v, ","), v);
		if (parse_u32(num, &uid) == 0)
			mf->user_id = uid;
	}
	(void)snprintf(mf->fstype, sizeof(mf->fstype), "%s", m->fstype);
	return true;
}

static int not_running(const char *dir, const char *what, struct corral_err *err)
{
	if (!dir)
		return err_set(err, -ENOENT, "LXCFS is not running (no " LXCFS_FSTYPE " mount)");
	return err_set(err, -ENOENT, "LXCFS is not running (no " LXCFS_FSTYPE " mount on %s%s%s)",
		       dir, what ? ": " : "", what ? what : "");
}

/*
 * The mount id of fd, as mountinfo numbers mounts: from /proc/self/fdinfo
 * (Linux 3.15). statx's STATX_MNT_ID is Linux 5.8, above the floor, and not
 * in glibc 2.36's struct statx.
 */
static int fd_mount_id(int proc, int fd, unsigned *ret, struct corral_err *err)
{
	char name[sizeof("self/fdinfo/") + DECIMAL_STR_MAX(int)], num[16];
	_cleanup_free_ char *text = NULL;
	const char *p;
	int r;

	(void)snprintf(name, sizeof(name), "self/fdinfo/%d", fd);
	r = fd_read_file_at(proc, name, 4096, &text, NULL, err);
	if (r < 0)
		return r;
	p = strstr(text, "mnt_id:");
	if (!p || (p != text && p[-1] != '\n'))
		return err_set(err, -EIO, "No mnt_id in /proc/%s", name);
	p += strlen("mnt_id:");
	p += strspn(p, " \t");
	(void)snprintf(num, sizeof(num), "%.*s", (int)strcspn(p, "\n"), p);
	if (parse_u32(num, ret) < 0)
		return err_set(err, -EIO, "Invalid mnt_id in /proc/%s", name);
	return 0;
}

/* The mount fd is on, by its id: LXCFS's root, served by root to everyone. */
static int check_mount(int proc, int fd, const char *dir, struct corral_err *err)
{
	struct mount_facts mf = { .want_point = dir };
	char what[96];
	int r;

	r = fd_mount_id(proc, fd, &mf.id, err);
	if (r == 0)
		r = mountinfo_scan(proc, visit_id, &mf, err);
	if (r < 0)
		return r;
	if (!mf.found)
		return err_set(err, -EIO, "The mount of %s (id %u) is not in /proc/self/mountinfo",
			       dir, mf.id);
	if (!streq(mf.fstype, LXCFS_FSTYPE)) {
		(void)snprintf(what, sizeof(what), "it is on a %s mount", mf.fstype);
		return not_running(dir, what, err);
	}
	if (!mf.root || !mf.point_ok)
		return err_set(err, -EXDEV, "%s is not the mount point of LXCFS (a bind mount of a "
			       "part of it?)", dir);
	if (mf.user_id != 0)
		return err_set(err, -EPERM, "The " LXCFS_FSTYPE " mount on %s is not root's (user_id %ld)",
			       dir, mf.user_id);
	if (!mf.allow_other)
		return err_set(err, -EACCES, "The " LXCFS_FSTYPE " mount on %s has no allow_other: "
			       "the session's users could not read it", dir);
	return 0;
}

/* LXCFS's mount point, found or given, opened and checked; pv->dir and pv->dev set. */
static int open_lxcfs(const char *lxcfs_dir, struct proc_view *pv, int *ret_fd,
		      struct corral_err *err)
{
	_cleanup_close_ int proc = -EBADF, root = -EBADF, fd = -EBADF;
	struct statfs sfs;
	struct stat st;
	int r;

	r = fd_open_proc(&proc, err);
	if (r < 0)
		return r;
	if (!lxcfs_dir) {
		r = mountinfo_scan(proc, visit_lxcfs, pv->dir, err);
		if (r < 0)
			return r;
		if (!pv->dir[0])
			return not_running(NULL, NULL, err);
	} else if (lxcfs_dir[0] != '/' || !lxcfs_dir[1] || strlen(lxcfs_dir) >= PROC_VIEW_DIR_MAX) {
		return err_set(err, -EINVAL, "Invalid LXCFS directory '%.*s'", PROC_VIEW_DIR_MAX, lxcfs_dir);
	} else {
		(void)snprintf(pv->dir, sizeof(pv->dir), "%s", lxcfs_dir);
	}
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_errno(err, -errno, "Failed to open /");
	r = open_path(root, pv->dir, 1, 0, &fd, err);
	if (r < 0)
		return r;
	if (fd < 0)
		return not_running(pv->dir, "it does not exist", err);
	r = check_mount(proc, fd, pv->dir, err);
	if (r < 0)
		return r;
	/* The fd's own word too: mountinfo named its mount, this names its superblock. */
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat %s", pv->dir);
	if (sfs.f_type != FUSE_SUPER_MAGIC)
		return err_set(err, -EXDEV, "%s is not a FUSE file system", pv->dir);
	pv->dev = st.st_dev;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * LXCFS's file i, on LXCFS's mount: its O_PATH fd, or -1 when LXCFS does not
 * have it. dirfd is pv->dir (skip: its length + 1), or "/" (skip 1) for the
 * child's mount(2) fallback, which finds it again in its own copy of the tree.
 */
static int open_lxcfs_file(int dirfd, size_t skip, const struct proc_view *pv, unsigned i,
			   int *ret_fd, struct corral_err *err)
{
	char full[PROC_VIEW_DIR_MAX + PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	(void)snprintf(full, sizeof(full), "%s%s", pv->dir, files[i].path);
	r = open_path(dirfd, full, skip, PATH_WALK_FILE, &fd, err);
	if (r < 0 || fd < 0) {
		*ret_fd = -1;
		return r;
	}
	if (fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat %s", full);
	if (st.st_dev != pv->dev)
		return err_set(err, -EXDEV, "%s is not on the LXCFS mount of %s", full, pv->dir);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * The detached, read-only clone of fd. *legacy (no open_tree) and
 * pv->remount (no mount_setattr) are set once, the first time the kernel
 * says ENOSYS.
 */
static int clone_file(int fd, unsigned i, bool *legacy, struct proc_view *pv,
		      struct corral_err *err)
{
	_cleanup_close_ int tree = -EBADF;

	tree = sys_open_tree(fd);
	/* FIXME: dead code once open_tree (Linux 5.2) cannot be filtered out. */
	if (tree < 0 && errno == ENOSYS) {
		*legacy = true;
		return 0;
	}
	if (tree < 0)
		return err_errno(err, -errno, "Failed to clone LXCFS's %s", files[i].path);
	if (!pv->remount && sys_mount_setattr(tree, VIEW_ATTR) < 0) {
		/* FIXME: dead code once Linux 5.12 is the floor. */
		if (errno != ENOSYS)
			return err_errno(err, -errno, "Failed to make the clone of LXCFS's %s read-only",
					 files[i].path);
		pv->remount = true;
	}
	pv->tree[i] = TAKE_FD(tree);
	return 0;
}

static int open_files(int dirfd, struct proc_view *pv, struct corral_err *err)
{
	size_t skip = strlen(pv->dir) + 1;
	bool legacy = false;
	int r;

	for (unsigned i = 0; i < FILE_N; i++) {
		_cleanup_close_ int fd = -EBADF;

		r = open_lxcfs_file(dirfd, skip, pv, i, &fd, err);
		if (r < 0)
			return r;
		if (fd < 0)
			continue;	/* not offered by this LXCFS: the session keeps its own */
		pv->offered |= 1u << i;
		if (!legacy) {
			r = clone_file(fd, i, &legacy, pv, err);
			if (r < 0)
				return r;
		}
	}
	if (!pv->offered)
		return err_set(err, -ENOENT, "LXCFS on %s has none of /proc/meminfo, /proc/cpuinfo... "
			       "(is it LXCFS?)", pv->dir);
	if (legacy)	/* mount(2) in the child for all: no half-cloned set */
		for (unsigned i = 0; i < FILE_N; i++) {
			(void)close_nointr_keep_errno(pv->tree[i]);
			pv->tree[i] = -1;
		}
	return 0;
}

int proc_view_open(const char *lxcfs_dir, struct proc_view *ret, struct corral_err *err)
{
	_cleanup_close_ int dirfd = -EBADF;
	struct proc_view pv = PROC_VIEW_INIT;
	int r;

	*ret = pv;
	r = open_lxcfs(lxcfs_dir, &pv, &dirfd, err);
	if (r == 0)
		r = open_files(dirfd, &pv, err);
	if (r < 0) {
		proc_view_close(&pv);
		return r;
	}
	*ret = pv;
	return 0;
}

/* ---- in the session's namespace ---- */

/* The session's file i, checked to be the kernel's (procfs or sysfs); -1 when it has none. */
static int open_target(int root, unsigned i, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct statfs sfs;
	int r;

	r = open_path(root, files[i].path, 1, PATH_WALK_FILE, &fd, err);
	if (r < 0 || fd < 0) {
		*ret_fd = -1;
		return r;
	}
	if (fstatfs(fd, &sfs) < 0)
		return err_errno(err, -errno, "Failed to stat %s", files[i].path);
	if ((unsigned long)sfs.f_type != files[i].magic)
		return err_set(err, -EXDEV, "%s is not on a %s: LXCFS's view will not be mounted over it",
			       files[i].path, files[i].fs);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * The bind mount now on file i, read-only, nosuid, nodev, noexec: for kernels
 * without mount_setattr, and for mount(2), which makes a bind mount with the
 * source mount's flags whatever it is asked.
 */
static int remount_ro(int root, const struct proc_view *pv, unsigned i, struct corral_err *err)
{
	char link[sizeof("/proc/self/fd/") + DECIMAL_STR_MAX(int)];
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	r = open_path(root, files[i].path, 1, PATH_WALK_FILE, &fd, err);
	if (r == 0 && fd < 0)
		r = err_set(err, -ENOENT, "%s is gone", files[i].path);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return err_errno(err, -errno, "Failed to stat %s", files[i].path);
	if (st.st_dev != pv->dev)
		return err_set(err, -EXDEV, "%s is not LXCFS's after mounting it", files[i].path);
	r = fd_proc_link(fd, link, sizeof(link), files[i].path, err);
	if (r < 0)
		return r;
	if (mount(NULL, link, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return err_errno(err, -errno, "Failed to make LXCFS's view on %s read-only", files[i].path);
	return 0;
}

/* Without open_tree: LXCFS's file found again in this namespace's tree, bound with mount(2). */
static int bind_legacy(int root, const struct proc_view *pv, unsigned i, int target,
		       struct corral_err *err)
{
	char src_link[sizeof("/proc/self/fd/") + DECIMAL_STR_MAX(int)], dst_link[sizeof(src_link)];
	_cleanup_close_ int src = -EBADF;
	int r;

	r = open_lxcfs_file(root, 1, pv, i, &src, err);
	if (r == 0 && src < 0)
		r = err_set(err, -ENOENT, "LXCFS's %s is gone", files[i].path);
	if (r == 0)
		r = fd_proc_link(src, src_link, sizeof(src_link), "LXCFS's file", err);
	if (r == 0)
		r = fd_proc_link(target, dst_link, sizeof(dst_link), files[i].path, err);
	if (r < 0)
		return r;
	if (mount(src_link, dst_link, NULL, MS_BIND, NULL) < 0)
		return err_errno(err, -errno, "Failed to mount LXCFS's view on %s", files[i].path);
	return 0;
}

static int attach(int root, const struct proc_view *pv, unsigned i, int target,
		  struct corral_err *err)
{
	int r;

	if (pv->tree[i] < 0) {
		r = bind_legacy(root, pv, i, target, err);
		return r < 0 ? r : remount_ro(root, pv, i, err);
	}
	if (sys_move_mount(pv->tree[i], target) < 0)
		return err_errno(err, -errno, "Failed to mount LXCFS's view on %s", files[i].path);
	return pv->remount ? remount_ro(root, pv, i, err) : 0;
}

int proc_view_mount(const struct proc_view *pv, struct corral_err *err)
{
	_cleanup_file_fds_ int target[FILE_N] = { -1, -1, -1, -1, -1, -1, -1, -1 };
	_cleanup_close_ int root = -EBADF;
	int mounted = 0, r;

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_errno(err, -errno, "Failed to open /");
	/* Every target checked before anything is mounted: a refusal leaves the tree as it was. */
	for (unsigned i = 0; i < FILE_N; i++) {
		if (!(pv->offered & (1u << i)))
			continue;
		r = open_target(root, i, &target[i], err);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < FILE_N; i++) {
		if (target[i] < 0)
			continue;	/* the session has no such file: nothing to show */
		r = attach(root, pv, i, target[i], err);
		if (r < 0)
			return r;
		mounted |= 1 << i;
	}
	return mounted;
}
