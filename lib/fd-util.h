/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"

/* Make sure fds 0, 1 and 2 are open (on /dev/null), so a later open cannot become stdout. */
int fd_ensure_stdio(struct corral_err *err);
/* Close every fd >= from (close_range, with a /proc/self/fd walk before Linux 5.9). */
int fd_close_from(int from, struct corral_err *err);
/* Close every fd >= 3 except those listed. */
int fd_close_all_but(const int *keep, size_t n_keep, struct corral_err *err);
/* Move fd to exactly target (dup3 without O_CLOEXEC, so it survives execve). */
int fd_move_to(int fd, int target, struct corral_err *err);
/* Read a whole small file relative to dirfd, NUL-terminated; refuses symlinks and non-regular files. */
int fd_read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
		    struct corral_err *err);
/* Write data to dirfd/name atomically (temp file + rename), mode applied with fchmod. */
int fd_write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len,
			    mode_t mode, struct corral_err *err);

/*
 * openat2(dirfd, name, flags | O_CLOEXEC, resolve) when the kernel has it
 * (5.6, remembered); before that openat with O_NOFOLLOW, which only refuses
 * a symlink as the last component: callers pass one component at a time.
 */
int fd_open_beneath(int dirfd, const char *name, int flags, uint64_t resolve);
/* /proc as an O_PATH fd, checked to be a procfs. */
int fd_open_proc(int *ret, struct corral_err *err);
/* /proc/self/fd/N of fd into buf, checked to lead to fd; what names fd in messages. */
int fd_proc_link(int fd, char *buf, size_t size, const char *what, struct corral_err *err);

enum {
	PATH_WALK_FILE = 1 << 0,		/* the last is a regular file, not a directory */
	PATH_WALK_LAST_WRITABLE = 1 << 1,	/* it may be writable by group or others */
};

/* Why path_walk() stopped, for the caller to word its own message. */
struct path_walk {
	enum {
		PATH_OK, PATH_MISSING, PATH_DUP, PATH_OPEN, PATH_STAT, PATH_NAME, PATH_SYMLINK,
		PATH_NOT_DIR, PATH_NOT_FILE, PATH_OWNER, PATH_WRITABLE,
	} fault;
	int error;		/* its errno */
	int len;		/* path[0..len) names the component at fault ("/var") */
	bool last;		/* it is the last one */
	struct stat st;		/* its stat, once taken */
	struct stat parent;	/* the directory holding the last component */
};

/*
 * path, whose first skip characters dirfd is ("/var/lib/lxcfs/"; "/" with
 * skip 1), opened O_PATH one plain name at a time (no "", "." or "..":
 * PATH_NAME). dirfd and each component must be no symlink (none is followed),
 * a directory (the last one as flags say), root's, and writable by root only,
 * so that nobody else can rename anything on the way afterwards. Returns the
 * last one's fd, or -1 and w says why (PATH_MISSING: one does not exist).
 */
int path_walk(int dirfd, const char *path, size_t skip, unsigned flags, struct path_walk *w);
/* The message for w: "<path up to w->len> is a symbolic link: not followed"... */
int path_walk_err(const struct path_walk *w, const char *path, struct corral_err *err);
