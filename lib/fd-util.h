/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <stdbool.h>
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
