/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The directories a session gets private instances of, in this order everywhere. */
enum private_tmp_dir {
	PRIVATE_TMP_DIR_TMP,		/* /tmp */
	PRIVATE_TMP_DIR_VAR_TMP,	/* /var/tmp */
	PRIVATE_TMP_DIR_DEV_SHM,	/* /dev/shm */
	_PRIVATE_TMP_DIR_MAX,
};

/* "/tmp", "/var/tmp", "/dev/shm"; NULL out of range. */
const char *private_tmp_dir_path(unsigned dir);

#define PRIVATE_TMP_SIZE_MAX 32

/* What a session's /tmp, /var/tmp and /dev/shm become. */
struct private_tmp_spec {
	/* tmpfs size= value ("512m", "10%"), "" for the kernel default; [0-9a-zA-Z%] only */
	char size[PRIVATE_TMP_SIZE_MAX];
	/*
	 * private_tmp = user: detached clones of a live session's mounts, from
	 * private_tmp_clone(); -1 for a fresh tmpfs. Each can be attached once.
	 */
	int share_fds[_PRIVATE_TMP_DIR_MAX];
};

/*
 * In the session's new mount namespace (made a slave, with no process of the
 * user in it yet): on each of /tmp, /var/tmp and /dev/shm, a tmpfs of its own
 * (mode 1777, root:root, nosuid, nodev, `size`), or the clone share_fds[i]
 * where that is >= 0. Every mount point is resolved from "/" one component at
 * a time without following symlinks, and must be a root-owned directory below
 * root-owned directories that only root can write. All three are checked,
 * and their tmpfs instances made, before anything is attached: a refusal
 * mounts nothing (except through the mount(2) fallback, without fsopen, which
 * needs the session's /proc: call this after it is mounted). A clone is
 * attached as it is: its size is the live session's.
 *
 * Returns the set of directories mounted, bit (1u << PRIVATE_TMP_DIR_*): a
 * mount point that does not exist is skipped (there is nothing to hide; a
 * clone given for it stays unused), and its bit is clear, for the caller to
 * log. Negative errno on failure.
 */
int private_tmp_mount(const struct private_tmp_spec *spec, struct corral_err *err);

/*
 * In the helper, in the host's mount namespace, before the new session is
 * cloned: detached clones (open_tree OPEN_TREE_CLONE) of the /tmp, /var/tmp
 * and /dev/shm of the live session whose init is host pid init_pid, in the
 * PID namespace of inode init_pidns (what its state file records: a recycled
 * pid is refused with -ESRCH). Each must be a tmpfs mount root, a directory
 * of mode 1777 owned by root:root, nosuid and nodev, and not the host's own
 * instance; a path the session does not have is ret_fds[i] = -1. Any other
 * mismatch is an error, with every ret_fds[i] -1. The fds are close-on-exec.
 */
int private_tmp_clone(pid_t init_pid, uint64_t init_pidns, int ret_fds[_PRIVATE_TMP_DIR_MAX],
		      struct corral_err *err);

/* Close what private_tmp_clone() returned and set each to -1. */
void private_tmp_close(int fds[_PRIVATE_TMP_DIR_MAX]);
