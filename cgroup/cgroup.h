/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * corral's cgroups: one tree of its own under every hierarchy it uses,
 *
 *   <hierarchy>/<root>/<uid>/<session>    a session's processes
 *   <hierarchy>/<root>/<uid>              the user's limits, over all sessions
 *   <hierarchy>/<root>/<uid>/init.scope   the inits of the user's sessions
 *   <hierarchy>/<root>/inits              where an init goes at its end
 *
 * on unified cgroup v2, hybrid (v1 controllers beside a v2 mount: the v1
 * ones carry the limits) and legacy v1, detected from /proc/self/mountinfo.
 * Everything is opened beneath a directory fd of the hierarchy, without
 * following symlinks, and checked to be on a cgroup filesystem. <root> is a
 * single name from the configuration ([global] cgroup_root). Non-logging.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

#define CG_HIER_MAX 8
#define CG_NAME_MAX 64
#define CG_UNLIMITED UINT64_MAX

enum cg_layout {
	CG_LAYOUT_UNIFIED,
	CG_LAYOUT_HYBRID,
	CG_LAYOUT_LEGACY,
	_CG_LAYOUT_MAX,
};

/* The controllers corral sets limits with. */
enum cg_controller {
	CG_CTRL_MEMORY,
	CG_CTRL_CPU,
	CG_CTRL_PIDS,
	CG_CTRL_IO,
	CG_CTRL_CPUSET,		/* cpus (cgroup-cpuset.c); on v1 its cgroups need cpus and mems set */
	_CG_CTRL_MAX,
};

/* One limit; values are in corral's units (bytes, percent of a CPU times 100, ...). */
enum cg_limit {
	CG_MEMORY_MAX,		/* bytes */
	CG_MEMORY_HIGH,		/* bytes (v2 only) */
	CG_MEMORY_SWAP_MAX,	/* bytes of swap */
	CG_CPU_MAX,		/* hundredths of a percent of one CPU: 15000 = 1.5 CPUs */
	CG_CPU_WEIGHT,		/* 1..10000, v2 semantics (default 100) */
	CG_PIDS_MAX,		/* tasks */
	CG_IO_WEIGHT,		/* 1..10000, v2 semantics (default 100) */
	CG_IO_MAX,		/* per device caps: struct cg_limits.io, not v[] */
	CG_CPUS,		/* a cpuset of this many CPUs (clamped to the host's) */
	_CG_LIMIT_MAX,
};

#define CG_IO_DEVS_MAX 8

/* io_max of one whole disk; v[] in enum io_max_key order (rbps, wbps, riops, wiops). */
struct cg_io_dev {
	unsigned major, minor;
	uint64_t v[4];			/* CG_UNLIMITED: no cap */
};

struct cg_limits {
	bool set[_CG_LIMIT_MAX];
	uint64_t v[_CG_LIMIT_MAX];	/* CG_UNLIMITED: "max" */
	unsigned n_io;
	struct cg_io_dev io[CG_IO_DEVS_MAX];
};

struct cg_hier {
	int version;			/* 1 or 2 */
	char opts[128];			/* v1: the subsystems and name=, as mounted ("cpu,cpuacct") */
	char mnt[256];			/* the mount point, for messages and the session's view */
	int fd;				/* O_PATH directory fd of the mount point */
	unsigned ctrl_mask;		/* 1 << enum cg_controller, for the ones we use here */
};

struct cg_host {
	enum cg_layout layout;
	struct cg_hier h[CG_HIER_MAX];
	unsigned n;
	int ctrl[_CG_CTRL_MAX];		/* index into h of the hierarchy that carries it, or -1 */
	int unified;			/* index of the cgroup2 mount, or -1 */
	/*
	 * Index of the hierarchy whose freezer stops a session: the v1 freezer
	 * hierarchy (corral makes cgroups there too, without limits), or the
	 * cgroup2 mount on a unified host; -1: the host has no freezer for us.
	 */
	int freezer;
	char root[CG_NAME_MAX];		/* corral's root cgroup name */
};

/* cgroup-detect.c */
int cg_host_open(const char *root, struct cg_host *ret, struct corral_err *err);
/* The same from mountinfo text read from f (tests and fuzzing give a recorded one). */
int cg_host_parse(const char *root, FILE *mountinfo, struct cg_host *ret,
		  struct corral_err *err);
void cg_host_close(struct cg_host *host);
const char *cg_layout_name(enum cg_layout l);
const char *cg_controller_name(enum cg_controller c);
bool cg_root_name_valid(const char *name);

/* cgroup-limits.c */
const char *cg_limit_name(enum cg_limit l);
/* Whether the host can express l; if not, why (for validation and the log). */
int cg_limit_supported(const struct cg_host *host, enum cg_limit l, struct corral_err *err);
int cg_limits_check(const struct cg_host *host, const struct cg_limits *lim,
		    struct corral_err *err);

/*
 * cgroup-cpuset.c: sets of CPUs, as the kernel's lists spell them ("0-3,8-11").
 * CPUs (and memory nodes: cpuset.mems is a list of the same form) from 0 to
 * CG_CPUS_MAX - 1.
 */
#define CG_CPUS_MAX 8192		/* the kernel's largest NR_CPUS */
#define CG_CPULIST_MAX 32768		/* the longest list of them ("0-1,3-4,..."), NUL included */

struct cg_cpus {
	uint64_t bits[CG_CPUS_MAX / 64];
};

/*
 * Strict: ascending ranges "N" or "N-M" (N <= M) without overlap, separated
 * by ',', decimal without leading zeros, one trailing newline allowed; ""
 * is the empty set. -EINVAL (malformed) or -ERANGE (a CPU >= CG_CPUS_MAX),
 * ret written only on success.
 */
int cg_cpus_parse(const char *s, struct cg_cpus *ret);
/* The kernel's form, ranges merged; "" for the empty set. Its length, or -ENOBUFS. */
int cg_cpus_format(const struct cg_cpus *c, char *buf, size_t size);
unsigned cg_cpus_count(const struct cg_cpus *c);
bool cg_cpus_has(const struct cg_cpus *c, unsigned cpu);
/*
 * The n CPUs of pool for user uid (n clamped to pool's count): with pool's
 * CPUs in ascending order p[0..m-1], p[(uid * n + j) mod m] for j = 0..n-1.
 * Deterministic and stateless, so users with consecutive uids and the same n
 * get adjacent blocks of CPUs, disjoint while m / n of them fit.
 */
void cg_cpus_place(const struct cg_cpus *pool, uid_t uid, unsigned n, struct cg_cpus *ret);

/* cgroup-io.c: the whole disk that backs a path (device node or any file), or of "MAJ:MIN". */
int cg_io_device(const char *name, unsigned *ret_major, unsigned *ret_minor,
		 struct corral_err *err);

/* cgroup.c: the session's cgroups */
struct cg_session {
	uid_t uid;
	char id[CG_NAME_MAX];
	int fd[CG_HIER_MAX];		/* O_PATH fds of <root>/<uid>/<id>, per hierarchy; -1 if unused */
	bool created;
};

int cg_user_prepare(const struct cg_host *host, uid_t uid, const struct cg_limits *lim,
		    struct corral_err *err);
int cg_user_count_sessions(const struct cg_host *host, uid_t uid, unsigned *ret,
			   struct corral_err *err);
int cg_session_create(const struct cg_host *host, uid_t uid, const char *id,
		      const struct cg_limits *lim, struct cg_session *ret, struct corral_err *err);
/* Move pid into the session's cgroups (0: the caller). */
int cg_session_attach(const struct cg_host *host, const struct cg_session *s, pid_t pid,
		      struct corral_err *err);
/* Move pid into the cgroup at path ("/a/b", from /proc/PID/cgroup) of hierarchy hier. */
int cg_attach_path(const struct cg_host *host, unsigned hier, const char *path, pid_t pid,
		   struct corral_err *err);
/* Directory fds (O_RDONLY) of <root> in every hierarchy used, for the session init's cleanup. */
int cg_root_fds(const struct cg_host *host, int *ret, unsigned *ret_n, struct corral_err *err);
/*
 * Remove the session cgroups, of every user, that live() says are over and
 * that are empty, then user cgroups left empty: those of sessions whose init
 * could not remove them (an abandoned session's processes die after it).
 */
int cg_gc(const struct cg_host *host, bool (*live)(const char *uid, const char *id, void *data),
	  void *data, struct corral_err *err);
/* The same for the session cgroups of one user (whose own cgroup stays). */
int cg_gc_user(const struct cg_host *host, uid_t uid,
	       bool (*live)(const char *uid, const char *id, void *data), void *data,
	       struct corral_err *err);
/*
 * The cgroup of the user's session inits, <uid>/init.scope in every
 * hierarchy: inside the user's limits and usage, as a container's init is
 * (LXCFS answers for the cgroup of the PID namespace's init, and takes
 * "init.scope", systemd's name, for its parent), yet outside every
 * session's cgroup, so that a session is counted, frozen, killed and
 * emptied without its init. Move pid there (made if missing).
 */
#define CG_INIT_SCOPE "init.scope"
int cg_init_attach(const struct cg_host *host, const struct cg_session *s, pid_t pid,
		   struct corral_err *err);
/*
 * <root>/inits/cgroup.procs beneath rootfd (one of cg_root_fds()), for
 * writing: where the init moves itself at its end, so that it can remove
 * init.scope and, with the user's last session, the user's cgroup. Opened before the init's cgroup namespace exists:
 * the kernel checks a migration against the namespace of the opener (Linux
 * 5.16), and <root>/inits lies outside the session's.
 */
int cg_inits_procs_open(int rootfd, int *ret_fd, struct corral_err *err);
/* SIGKILL everything in the session's cgroups (cgroup.kill on v2 when present). */
int cg_session_kill(const struct cg_host *host, const struct cg_session *s,
		    struct corral_err *err);
/*
 * No process in any of the session's cgroups (false when one cannot be read).
 * Stays true: only a process inside could fork into them, and only root can
 * move one in.
 */
bool cg_session_empty(const struct cg_host *host, const struct cg_session *s);
/*
 * Stop (frozen) or resume every process of the session at once: v2
 * cgroup.freeze, waiting for cgroup.events to say so; v1 freezer.state,
 * waiting while it reads FREEZING. A freeze not done within timeout_ms is
 * undone (-ETIMEDOUT: a process in uninterruptible sleep holds it up).
 * Returns the number of processes in the session's cgroup; -EOPNOTSUPP on
 * a host without a freezer, -ENOENT for a session opened before corral
 * made freezer cgroups.
 */
int cg_session_freeze(const struct cg_host *host, const struct cg_session *s, bool frozen,
		      int timeout_ms, struct corral_err *err);
/* Whether the session is frozen (or being frozen); -errno as above when it cannot be. */
int cg_session_frozen(const struct cg_host *host, const struct cg_session *s, bool *ret);
/* Thaw the session if it is frozen, not waiting (a thaw takes effect at once); best effort. */
void cg_session_thaw(const struct cg_host *host, const struct cg_session *s);
/* Remove the session's cgroups (waiting up to timeout_ms for them to empty), then the user's if empty. */
int cg_session_remove(const struct cg_host *host, struct cg_session *s, int timeout_ms,
		      struct corral_err *err);
int cg_session_open(const struct cg_host *host, uid_t uid, const char *id,
		    struct cg_session *ret, struct corral_err *err);
void cg_session_close(struct cg_session *s);

/*
 * cgroup-procs.c: the pids in the session's cgroups, each once, sorted, at
 * most max of them; 1 when there were more than max.
 */
int cg_session_pids(const struct cg_host *host, const struct cg_session *s, pid_t *ret,
		    size_t max, size_t *ret_n, struct corral_err *err);

/* cgroup-usage.c: what is in use now (read-only; runs with the caller's rights) */
struct cg_usage {
	bool has_memory, has_pids;
	uint64_t memory;		/* bytes */
	uint64_t pids;			/* tasks */
};

/* Of <root>/<uid>, over all of the user's sessions. */
int cg_user_usage(const struct cg_host *host, uid_t uid, struct cg_usage *ret,
		  struct corral_err *err);
/* Of the root of each hierarchy as this process sees it: inside a session, the session's. */
int cg_view_usage(const struct cg_host *host, struct cg_usage *ret, struct corral_err *err);

/* What a session used over its life, for the log line of its end. */
struct cg_account {
	bool has_cpu, has_memory_peak;
	uint64_t cpu_usec;		/* CPU time of all its processes */
	uint64_t memory_peak;		/* bytes, the most it held at once */
	uint64_t oom_kills;		/* processes killed by the OOM killer (0 without memory) */
};

/*
 * What a session uses now, and the caps of its user's cgroup (CG_UNLIMITED:
 * none), for `corralctl list`; a has_ flag is false where the host does not count it.
 */
struct cg_session_now {
	bool has_memory, has_memory_max, has_pids, has_pids_max, has_cpu, has_frozen;
	uint64_t memory, memory_max;	/* bytes */
	uint64_t pids, pids_max;	/* tasks */
	uint64_t cpu_usec;
	bool frozen;			/* corralctl freeze */
};

void cg_session_now(const struct cg_host *host, const struct cg_session *s,
		    struct cg_session_now *ret);

/* Whatever of it the host's controllers count (cpuacct or cpu.stat, memory.peak (5.19)). */
void cg_session_account(const struct cg_host *host, const struct cg_session *s,
			struct cg_account *ret);

/*
 * What the user's cgroup <root>/<uid> holds now, over all of the user's
 * sessions, and its caps (CG_UNLIMITED: none), for `corralctl metrics`; a
 * has_ flag is false where the host does not count it.
 */
struct cg_user_now {
	bool has_memory, has_memory_max, has_pids, has_pids_max, has_cpu, has_oom_kills;
	uint64_t memory, memory_max;	/* bytes */
	uint64_t pids, pids_max;	/* tasks */
	uint64_t cpu_usec;		/* since the user's cgroup was made */
	/*
	 * v2: since the user's cgroup was made. v1 counts a kill only in the
	 * victim's own cgroup: the sum over the user's sessions there now.
	 */
	uint64_t oom_kills;
};

/* -ENOENT when the user has no cgroup under host->root in any hierarchy. */
int cg_user_now(const struct cg_host *host, uid_t uid, struct cg_user_now *ret,
		struct corral_err *err);
