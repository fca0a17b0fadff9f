/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which limits a host can express. A key the host's cgroup setup cannot
 * carry is an error with the reason, never silently dropped: the admin
 * asked for it.
 */
#include <errno.h>

#include "cgroup-internal.h"

static const struct {
	const char *name;		/* the policy key */
	enum cg_controller ctrl;
	bool v2_only;
} limits[_CG_LIMIT_MAX] = {
	[CG_MEMORY_MAX] = { "memory_max", CG_CTRL_MEMORY, false },
	[CG_MEMORY_HIGH] = { "memory_high", CG_CTRL_MEMORY, true },
	[CG_MEMORY_SWAP_MAX] = { "memory_swap_max", CG_CTRL_MEMORY, false },
	[CG_CPU_MAX] = { "cpu_max", CG_CTRL_CPU, false },
	[CG_CPU_WEIGHT] = { "cpu_weight", CG_CTRL_CPU, false },
	[CG_PIDS_MAX] = { "pids_max", CG_CTRL_PIDS, false },
	[CG_IO_WEIGHT] = { "io_weight", CG_CTRL_IO, false },
	[CG_IO_MAX] = { "io_max", CG_CTRL_IO, false },
	[CG_CPUS] = { "cpus", CG_CTRL_CPUSET, false },
};

const char *cg_limit_name(enum cg_limit l)
{
	return (unsigned)l < _CG_LIMIT_MAX ? limits[l].name : "unknown";
}

int cg_limit_supported(const struct cg_host *host, enum cg_limit l, struct corral_err *err)
{
	int h = host->ctrl[limits[l].ctrl];

	if (h < 0)
		return err_set(err, -EOPNOTSUPP, "%s: this host has no %s controller",
			       limits[l].name, cg_controller_name(limits[l].ctrl));
	if (limits[l].v2_only && host->h[h].version != 2)
		return err_set(err, -EOPNOTSUPP, "%s: needs cgroup v2, and this host's %s "
			       "controller is on cgroup v1 (use memory_max)", limits[l].name,
			       cg_controller_name(limits[l].ctrl));
	if (l == CG_MEMORY_SWAP_MAX && host->h[h].version == 1 &&
	    !cg_has_file(host->h[h].fd, "memory.memsw.limit_in_bytes"))
		return err_set(err, -EOPNOTSUPP, "memory_swap_max: swap accounting is off on this "
			       "host (boot with swapaccount=1)");
	if (l == CG_IO_WEIGHT && host->h[h].version == 1 &&
	    !cg_has_file(host->h[h].fd, "blkio.weight") &&
	    !cg_has_file(host->h[h].fd, "blkio.bfq.weight"))
		return err_set(err, -EOPNOTSUPP, "io_weight: the blkio controller here has no "
			       "weight (no BFQ or CFQ I/O scheduler)");
	if (l == CG_IO_MAX && host->h[h].version == 1 &&
	    !cg_has_file(host->h[h].fd, "blkio.throttle.read_bps_device"))
		return err_set(err, -EOPNOTSUPP, "io_max: this kernel has no block I/O throttling "
			       "(CONFIG_BLK_DEV_THROTTLING)");
	return 0;
}

int cg_limits_check(const struct cg_host *host, const struct cg_limits *lim,
		    struct corral_err *err)
{
	int r;

	for (int l = 0; l < _CG_LIMIT_MAX; l++) {
		if (!lim->set[l])
			continue;
		r = cg_limit_supported(host, (enum cg_limit)l, err);
		if (r < 0)
			return r;
	}
	/* v1 limits memory plus swap together, so a swap limit needs a memory limit. */
	if (lim->set[CG_MEMORY_SWAP_MAX] && !lim->set[CG_MEMORY_MAX] &&
	    host->h[host->ctrl[CG_CTRL_MEMORY]].version == 1)
		return err_set(err, -EINVAL, "memory_swap_max: on cgroup v1 it needs memory_max "
			       "as well");
	return 0;
}
