/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cgroup.h"

#define CG_INITS "inits"

/* cgroup-fs.c: one path component at a time, beneath a directory fd, no symlinks. */
int cg_dir_open(int parent, const char *name, bool create, int *ret_fd, struct corral_err *err);
int cg_dir_walk(int top, const char *const *names, size_t n, bool create, int *ret_fd,
		struct corral_err *err);
int cg_write(int dirfd, const char *file, const char *value, struct corral_err *err);
int cg_read(int dirfd, const char *file, char *buf, size_t size, struct corral_err *err);
/* An fd of the file (flags: O_RDONLY or O_WRONLY), to poll or read more than once. */
int cg_open_file(int dirfd, const char *file, int flags, int *ret_fd, struct corral_err *err);
/* cg_write(), unless the file reads value already (for writes that cost more than a read). */
int cg_write_changed(int dirfd, const char *file, const char *value, struct corral_err *err);
int cg_fs_check(int fd, int version, const char *what, struct corral_err *err);
bool cg_has_file(int dirfd, const char *file);
/* Remove the empty directory name beneath parent; 0, -EBUSY (populated) or an error. */
int cg_rmdir(int parent, const char *name, struct corral_err *err);

/* cgroup-v1.c, cgroup-v2.c */
int cg1_apply(const struct cg_host *host, int hier, int userfd, const struct cg_limits *lim,
	      struct corral_err *err);
int cg2_apply(const struct cg_host *host, int userfd, const struct cg_limits *lim,
	      struct corral_err *err);
/* cgroup-io.c: io_max as the limits say; devices capped before and not named now are freed. */
int cg1_io_max(int fd, const struct cg_limits *lim, struct corral_err *err);
int cg2_io_max(int fd, const struct cg_limits *lim, struct corral_err *err);
int cg2_enable_controllers(const struct cg_host *host, int dirfd, const char *what,
			   struct corral_err *err);
/*
 * cgroup-cpuset.c. v1: fill an empty cpuset.cpus and cpuset.mems of child
 * from parent (a cpuset cgroup without them takes no task); an admin's
 * narrower set stays.
 */
int cg1_cpuset_fill(int parent, int child, struct corral_err *err);
/* v1: a new session's cpus and mems are its user's. */
int cg1_cpuset_session(int userfd, int sessfd, struct corral_err *err);
/* The user's cpuset (hierarchy i carries cpuset): the placement of cpus, or all of root's. */
int cg_cpuset_apply(const struct cg_host *host, unsigned i, int rootfd, int userfd, uid_t uid,
		    const struct cg_limits *lim, struct corral_err *err);
/* cgroup.c: fn for each child cgroup (a directory, not hidden) of the directory fd. */
void cg_for_each_child(int fd, void (*fn)(int fd, const char *name, void *data), void *data);
/* cgroup-freeze.c: thaw the cgroup name beneath parent if it is frozen (v1 or v2); best effort. */
void cg_thaw_child(int parent, const char *name);
