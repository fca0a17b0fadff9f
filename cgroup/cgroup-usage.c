/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a user's cgroups use now, read-only, for `corralctl status`. It runs
 * with the caller's rights (the files are world-readable), so it opens
 * nothing it creates and takes no lock: a value may be a moment old.
 * And what a session used over its life, read by the helper at its close.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"
#include "macro.h"
#include "parse-util.h"

/* The first line of a cgroup file, without its newline; false when absent. */
static bool read_line(int dirfd, const char *file, char buf[64])
{
	struct corral_err ignored = CORRAL_ERR_INIT;

	if (cg_read(dirfd, file, buf, 64, &ignored) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* A cgroup file holding one number; false when absent or not a number ("max"). */
static bool read_u64(int dirfd, const char *file, uint64_t *ret)
{
	char buf[64];

	return read_line(dirfd, file, buf) && parse_u64(buf, ret) == 0;
}

/* The directory of controller c: names beneath its hierarchy's mount, or -ENOENT. */
static int open_ctrl_dir(const struct cg_host *host, enum cg_controller c,
			 const char *const *names, size_t n)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	int h = host->ctrl[c], fd;

	if (h < 0 || cg_dir_walk(host->h[h].fd, names, n, false, &fd, &ignored) < 0)
		return -ENOENT;
	return fd;
}

/* Memory and tasks in use in the memory and pids directories of one cgroup (-1: none). */
static void read_usage(int mem, int pids, struct cg_usage *u)
{
	/* v2 and v1 name the memory in use differently. */
	u->has_memory = mem >= 0 && (read_u64(mem, "memory.current", &u->memory) ||
				     read_u64(mem, "memory.usage_in_bytes", &u->memory));
	u->has_pids = pids >= 0 && read_u64(pids, "pids.current", &u->pids);
}

static int usage_at(const struct cg_host *host, const char *const *names, size_t n,
		    struct cg_usage *ret, struct corral_err *err)
{
	_cleanup_close_ int mem = -EBADF, pids = -EBADF;
	struct cg_usage u = {};

	mem = open_ctrl_dir(host, CG_CTRL_MEMORY, names, n);
	pids = open_ctrl_dir(host, CG_CTRL_PIDS, names, n);
	if (mem < 0 && pids < 0)
		return err_set(err, -ENOENT, "No cgroup of corral's is visible here");
	read_usage(mem, pids, &u);
	*ret = u;
	return 0;
}

int cg_user_usage(const struct cg_host *host, uid_t uid, struct cg_usage *ret,
		  struct corral_err *err)
{
	char name[DECIMAL_STR_MAX(uid_t)];
	const char *names[] = { host->root, name };

	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	return usage_at(host, names, ARRAY_SIZE(names), ret, err);
}

int cg_view_usage(const struct cg_host *host, struct cg_usage *ret, struct corral_err *err)
{
	return usage_at(host, NULL, 0, ret, err);
}

/* "KEY N" in a flat-keyed file (cpu.stat, memory.events, memory.oom_control). */
static bool read_key(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	char buf[1024];
	size_t len = strlen(key);

	if (cg_read(dirfd, file, buf, sizeof(buf), &ignored) < 0)
		return false;
	for (char *line = buf; *line;) {
		char *end = line + strcspn(line, "\n");
		bool last = *end == '\0';

		*end = '\0';
		if (strncmp(line, key, len) == 0 && line[len] == ' ')
			return parse_u64(line + len + 1, ret) == 0;
		if (last)
			break;
		line = end + 1;
	}
	return false;
}

/* The session's directory of controller c, or -1. */
static int session_dir(const struct cg_host *host, const struct cg_session *s,
		       enum cg_controller c)
{
	int h = host->ctrl[c];

	return h < 0 ? -1 : s->fd[h];
}

static void account_cpu(const struct cg_host *host, const struct cg_session *s,
			struct cg_account *a)
{
	int fd = session_dir(host, s, CG_CTRL_CPU);
	uint64_t ns;

	/* cpu.stat's usage_usec is there on v2 whatever the controllers. */
	if (host->unified >= 0 && s->fd[host->unified] >= 0 &&
	    read_key(s->fd[host->unified], "cpu.stat", "usage_usec", &a->cpu_usec)) {
		a->has_cpu = true;
		return;
	}
	/* v1: cpuacct, where it is mounted with cpu ("cpu,cpuacct", as distributions do). */
	if (fd >= 0 && read_u64(fd, "cpuacct.usage", &ns)) {
		a->cpu_usec = ns / 1000;
		a->has_cpu = true;
	}
}

void cg_session_account(const struct cg_host *host, const struct cg_session *s,
			struct cg_account *ret)
{
	struct cg_account a = {};
	int mem = session_dir(host, s, CG_CTRL_MEMORY);

	account_cpu(host, s, &a);
	if (mem >= 0) {
		bool v2 = host->h[host->ctrl[CG_CTRL_MEMORY]].version == 2;

		a.has_memory_peak = read_u64(mem, v2 ? "memory.peak" : "memory.max_usage_in_bytes",
					     &a.memory_peak);
		/* v2 counts in memory.events, v1 in memory.oom_control; both "oom_kill N". */
		(void)read_key(mem, v2 ? "memory.events" : "memory.oom_control", "oom_kill",
			       &a.oom_kills);
	}
	*ret = a;
}

/* A cap: a number, or "max" (v2, pids) or v1 memory's page-rounded LONG_MAX for none. */
static bool read_cap(int dirfd, const char *file, uint64_t *ret)
{
	char buf[64];

	if (!read_line(dirfd, file, buf))
		return false;
	if (streq(buf, "max")) {
		*ret = CG_UNLIMITED;
		return true;
	}
	if (parse_u64(buf, ret) < 0)
		return false;
	if (*ret >= (UINT64_C(1) << 62))
		*ret = CG_UNLIMITED;
	return true;
}

void cg_session_now(const struct cg_host *host, const struct cg_session *s,
		    struct cg_session_now *ret)
{
	char uid[DECIMAL_STR_MAX(uid_t)];
	const char *names[] = { host->root, uid };
	struct cg_session_now n = {};
	struct cg_account a = {};
	struct cg_usage u = {};
	int mem = session_dir(host, s, CG_CTRL_MEMORY), pids = session_dir(host, s, CG_CTRL_PIDS);
	_cleanup_close_ int umem = -EBADF, upids = -EBADF;

	(void)snprintf(uid, sizeof(uid), "%u", (unsigned)s->uid);
	umem = open_ctrl_dir(host, CG_CTRL_MEMORY, names, ARRAY_SIZE(names));
	upids = open_ctrl_dir(host, CG_CTRL_PIDS, names, ARRAY_SIZE(names));
	read_usage(mem, pids, &u);
	n.has_memory = u.has_memory;
	n.memory = u.memory;
	n.has_pids = u.has_pids;
	n.pids = u.pids;
	n.has_memory_max = umem >= 0 && (read_cap(umem, "memory.max", &n.memory_max) ||
					 read_cap(umem, "memory.limit_in_bytes", &n.memory_max));
	n.has_pids_max = upids >= 0 && read_cap(upids, "pids.max", &n.pids_max);
	account_cpu(host, s, &a);
	n.has_cpu = a.has_cpu;
	n.cpu_usec = a.cpu_usec;
	n.has_frozen = cg_session_frozen(host, s, &n.frozen) == 0;
	*ret = n;
}

/*
 * The user's cgroup in every hierarchy corral uses (as cgroup.c's hier_used():
 * a hybrid host's controller-less cgroup2 is not), as a cg_session without an
 * id, so that the session readers apply.
 */
static int user_dirs(const struct cg_host *host, uid_t uid, struct cg_session *ret)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	char name[DECIMAL_STR_MAX(uid_t)];
	const char *names[] = { host->root, name };
	bool any = false;

	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	*ret = (struct cg_session){ .uid = uid };
	for (unsigned i = 0; i < CG_HIER_MAX; i++)
		ret->fd[i] = -EBADF;
	for (unsigned i = 0; i < host->n; i++)
		if (host->h[i].ctrl_mask != 0 ||
		    (host->layout == CG_LAYOUT_UNIFIED && (int)i == host->unified))
			any |= cg_dir_walk(host->h[i].fd, names, ARRAY_SIZE(names), false,
					   &ret->fd[i], &ignored) == 0;
	return any ? 0 : -ENOENT;
}

/* v1 memory.oom_control counts a kill in the victim's cgroup only, never in its parents. */
static bool oom_kills_v1(int user_mem, uint64_t *ret)
{
	uint64_t sum = 0, n;
	struct dirent *de;
	int fd;
	DIR *d;

	if (!read_key(user_mem, "memory.oom_control", "oom_kill", &sum))
		return false;
	fd = openat(user_mem, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		(void)close_nointr_keep_errno(fd);
		return false;
	}
	while ((de = readdir(d))) {
		struct corral_err ignored = CORRAL_ERR_INIT;
		_cleanup_close_ int s = -EBADF;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    cg_dir_open(user_mem, de->d_name, false, &s, &ignored) < 0)
			continue;
		if (read_key(s, "memory.oom_control", "oom_kill", &n))
			sum += n;
	}
	(void)closedir(d);
	*ret = sum;
	return true;
}

int cg_user_now(const struct cg_host *host, uid_t uid, struct cg_user_now *ret,
		struct corral_err *err)
{
	struct cg_user_now n = {};
	struct cg_account a = {};
	struct cg_usage u = {};
	struct cg_session dirs;
	int mem, pids;

	if (user_dirs(host, uid, &dirs) < 0)
		return err_set(err, -ENOENT, "uid %u has no cgroup under %s", (unsigned)uid,
			       host->root);
	mem = session_dir(host, &dirs, CG_CTRL_MEMORY);
	pids = session_dir(host, &dirs, CG_CTRL_PIDS);
	read_usage(mem, pids, &u);
	n.has_memory = u.has_memory;
	n.memory = u.memory;
	n.has_pids = u.has_pids;
	n.pids = u.pids;
	n.has_memory_max = mem >= 0 && (read_cap(mem, "memory.max", &n.memory_max) ||
					read_cap(mem, "memory.limit_in_bytes", &n.memory_max));
	n.has_pids_max = pids >= 0 && read_cap(pids, "pids.max", &n.pids_max);
	account_cpu(host, &dirs, &a);
	n.has_cpu = a.has_cpu;
	n.cpu_usec = a.cpu_usec;
	if (mem >= 0)
		n.has_oom_kills = host->h[host->ctrl[CG_CTRL_MEMORY]].version == 2 ?
			read_key(mem, "memory.events", "oom_kill", &n.oom_kills) :
			oom_kills_v1(mem, &n.oom_kills);
	cg_session_close(&dirs);
	*ret = n;
	return 0;
}
