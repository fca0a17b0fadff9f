/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy's limits in cgroup terms, on this host: a percentage of RAM
 * becomes bytes here (the policy layer does not know the machine).
 */
#include <sys/sysinfo.h>

#include "cgroup-policy.h"

static uint64_t ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

void cg_limits_from_policy(const struct policy *pol, struct cg_limits *ret)
{
	static const enum cg_limit map[_LIMIT_MAX] = {
		[LIMIT_MEMORY_MAX] = CG_MEMORY_MAX,
		[LIMIT_MEMORY_HIGH] = CG_MEMORY_HIGH,
		[LIMIT_MEMORY_SWAP_MAX] = CG_MEMORY_SWAP_MAX,
		[LIMIT_CPU_MAX] = CG_CPU_MAX,
		[LIMIT_CPU_WEIGHT] = CG_CPU_WEIGHT,
		[LIMIT_PIDS_MAX] = CG_PIDS_MAX,
		[LIMIT_IO_WEIGHT] = CG_IO_WEIGHT,
	};
	struct cg_limits lim = { 0 };

	for (int l = 0; l < _LIMIT_MAX; l++) {
		const struct policy_limit *p = &pol->limit[l];
		uint64_t v = p->v;

		if (!p->set)
			continue;
		/* Percentages of RAM are hundredths of a percent; round down to whole pages. */
		if (p->percent)
			v = ram_bytes() / 10000 * v / 4096 * 4096;
		lim.set[map[l]] = true;
		lim.v[map[l]] = v;
	}
	*ret = lim;
}

