/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a user's cgroups use now, read-only, for `corralctl status`. It runs
 * with the caller's rights (the files are world-readable), so it opens
 * nothing it creates and takes no lock: a value may be a moment old.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"
#include "macro.h"
#include "parse-util.h"

/* A cgroup file holding one number; false when absent or not a number ("max"). */
static bool read_u64(int dirfd, const char *file, uint64_t *ret)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	char buf[64];

	if (cg_read(dirfd, file, buf, sizeof(buf), &ignored) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, ret) == 0;
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

static int usage_at(const struct cg_host *host, const char *const *names, size_t n,
		    struct cg_usage *ret, struct corral_err *err)
{
	_cleanup_close_ int mem = -EBADF, pids = -EBADF;
	struct cg_usage u = {};

	mem = open_ctrl_dir(host, CG_CTRL_MEMORY, names, n);
	pids = open_ctrl_dir(host, CG_CTRL_PIDS, names, n);
	if (mem < 0 && pids < 0)
		return err_set(err, -ENOENT, "No cgroup of corral's is visible here");
	/* v2 and v1 name the memory in use differently. */
	u.has_memory = mem >= 0 && (read_u64(mem, "memory.current", &u.memory) ||
				    read_u64(mem, "memory.usage_in_bytes", &u.memory));
	u.has_pids = pids >= 0 && read_u64(pids, "pids.current", &u.pids);
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
