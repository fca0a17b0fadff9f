/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* The files a session gets LXCFS's view of, in this order everywhere. */
enum proc_view_file {
	PROC_VIEW_MEMINFO,	/* /proc/meminfo */
	PROC_VIEW_CPUINFO,	/* /proc/cpuinfo */
	PROC_VIEW_STAT,		/* /proc/stat */
	PROC_VIEW_LOADAVG,	/* /proc/loadavg */
	PROC_VIEW_UPTIME,	/* /proc/uptime */
	PROC_VIEW_SWAPS,	/* /proc/swaps */
	PROC_VIEW_DISKSTATS,	/* /proc/diskstats */
	PROC_VIEW_CPU_ONLINE,	/* /sys/devices/system/cpu/online */
	_PROC_VIEW_MAX,
};

/* "/proc/meminfo"... as the session sees it; NULL out of range. */
const char *proc_view_file_path(unsigned file);

/* Where LXCFS runs when nobody says (Debian's and upstream's unit). */
#define PROC_VIEW_LXCFS_DIR "/var/lib/lxcfs"
#define PROC_VIEW_DIR_MAX 256

/* What proc_view_open() found, for proc_view_mount() in the new namespace. */
struct proc_view {
	char dir[PROC_VIEW_DIR_MAX];	/* LXCFS's mount point */
	dev_t dev;			/* its device: every file used must be on it */
	/*
	 * Bit (1u << PROC_VIEW_*) for each file LXCFS has; the caller may clear
	 * bits before proc_view_mount() to leave files out (/proc/uptime when
	 * the session has a time namespace of its own, for instance).
	 */
	unsigned offered;
	/*
	 * Detached clones (open_tree) of the files offered, already read-only,
	 * nosuid, nodev and noexec unless `remount`; all -1 when the kernel (or
	 * a seccomp filter) has no open_tree: the child then binds with mount(2).
	 */
	int tree[_PROC_VIEW_MAX];
	bool remount;			/* no mount_setattr (Linux < 5.12): the child remounts */
};

#define PROC_VIEW_INIT { .tree = { -1, -1, -1, -1, -1, -1, -1, -1 } }

/*
 * In the helper, in the host's mount namespace, before the clone: the LXCFS
 * mounted on lxcfs_dir, or with NULL the one on PROC_VIEW_LXCFS_DIR or else
 * the first fuse.lxcfs mount of /proc/self/mountinfo. The mount point is
 * reached from "/" without following a symlink, through root's directories
 * that only root can write, and must be the root of a fuse.lxcfs mount served
 * by uid 0 with allow_other (without it the session's users could not read
 * the files). Each file of enum proc_view_file is looked up below it the same
 * way and must be root's regular file on that mount, writable by nobody else;
 * one LXCFS does not have is left out of ret->offered. Then each is cloned
 * (open_tree OPEN_TREE_CLONE: a clone of a mount of another namespace cannot
 * be made from the child, see proc-view.c) and made read-only, nosuid, nodev
 * and noexec. The fds are close-on-exec.
 *
 * -ENOENT, "LXCFS is not running (no fuse.lxcfs mount[ on DIR])", when there
 * is no such mount (or nothing at lxcfs_dir), for the caller to apply
 * on_error and log why. Any other failure is a negative errno as well; ret
 * then holds no fd. Each FUSE lookup is answered by the LXCFS daemon: a
 * stopped (SIGSTOP) daemon stalls this call until it goes on.
 */
int proc_view_open(const char *lxcfs_dir, struct proc_view *ret, struct corral_err *err);

/*
 * In the cloned child, after the session's own /proc is mounted
 * (setup_mounts()), before exec and before any process of the user is in the
 * namespace: each offered file mounted over the session's file of the same
 * name. Each target is reached from "/" one component at a time without
 * following a symlink, through root's directories that only root can write,
 * and must be root's regular file on a procfs (/proc/...) or sysfs (/sys/...);
 * all are checked before anything is mounted. A target the session does not
 * have (no /sys) is skipped.
 *
 * Returns the set of files mounted, bit (1u << PROC_VIEW_*), for the caller
 * to log; negative errno on failure (a mount may be left in place then: the
 * caller discards the namespace).
 */
int proc_view_mount(const struct proc_view *pv, struct corral_err *err);

/* Close what proc_view_open() returned; *pv is PROC_VIEW_INIT afterwards. */
void proc_view_close(struct proc_view *pv);
