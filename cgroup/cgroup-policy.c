/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy's limits in cgroup terms, on this host: a percentage of RAM
 * becomes bytes here (the policy layer does not know the machine), and
 * cpus = auto a count of CPUs.
 */
#include <sys/sysinfo.h>

#include "cgroup-policy.h"

#define CPU_HUNDREDTHS 10000		/* cpu_max of one whole CPU: 100.00% */

static uint64_t ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

_Static_assert(_IO_MAX_KEY_MAX == ARRAY_SIZE(((struct cg_io_dev *)NULL)->v),
	       "cg_io_dev.v[] is in enum io_max_key order");

/* io_max names devices; here they become whole disks of this host. */
static int io_from_policy(const struct policy_io_max *io, struct cg_limits *lim,
			  struct corral_err *err)
{
	int r;

	for (unsigned i = 0; i < io->n && i < CG_IO_DEVS_MAX; i++) {
		struct cg_io_dev *d = &lim->io[lim->n_io];

		r = cg_io_device(io->dev[i].name, &d->major, &d->minor, err);
		if (r < 0)
			return r;
		/* Two names of one disk ("/" and "/dev/vda"): the same device twice is ambiguous. */
		for (unsigned j = 0; j < lim->n_io; j++)
			if (lim->io[j].major == d->major && lim->io[j].minor == d->minor)
				return err_set(err, -EINVAL, "io_max: %s and %s are the same disk "
					       "%u:%u", io->dev[j].name, io->dev[i].name,
					       d->major, d->minor);
		for (int k = 0; k < _IO_MAX_KEY_MAX; k++)
			d->v[k] = io->dev[i].v[k] == POLICY_UNLIMITED ? CG_UNLIMITED :
									 io->dev[i].v[k];
		lim->n_io++;
	}
	lim->set[CG_IO_MAX] = true;
	return 0;
}

_Static_assert(POLICY_CPUS_MAX <= CG_CPUS_MAX, "every count cpus accepts fits a struct cg_cpus");

/* cpus = auto: as many CPUs as cpu_max, rounded up (150% is 2); none without a cpu_max. */
static void cpus_from_policy(const struct policy *pol, struct cg_limits *lim)
{
	const struct policy_limit *max = &pol->limit[LIMIT_CPU_MAX];
	uint64_t n = pol->cpus.v;

	if (!pol->cpus.set)
		return;
	if (n == POLICY_CPUS_AUTO) {
		if (!max->set || max->v == POLICY_UNLIMITED)
			return;
		n = (max->v + CPU_HUNDREDTHS - 1) / CPU_HUNDREDTHS;
	}
	lim->set[CG_CPUS] = true;
	lim->v[CG_CPUS] = n;
}

int cg_limits_from_policy(const struct policy *pol, struct cg_limits *ret,
			  struct corral_err *err)
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
	int r;

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
	cpus_from_policy(pol, &lim);
	if (pol->io_max.n > 0) {
		r = io_from_policy(&pol->io_max, &lim, err);
		if (r < 0)
			return r;
	}
	*ret = lim;
	return 0;
}

