/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Limits on cgroup v1, written to the user's cgroup of each hierarchy. v1
 * speaks other units than corral's policy (which follows v2): the
 * conversions are the named functions below.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cgroup-internal.h"

#define CPU_PERIOD_US 100000

static void fmt_bytes(char *buf, size_t size, uint64_t v)
{
	if (v == CG_UNLIMITED)
		(void)snprintf(buf, size, "-1");
	else
		(void)snprintf(buf, size, "%" PRIu64, v);
}

/* cpu.shares: weight 100 (v2's default) is 1024 shares (v1's default); at least 2. */
static uint64_t weight_to_shares(uint64_t w)
{
	uint64_t s = w * 1024 / 100;

	return s < 2 ? 2 : s;
}

/* blkio.weight is 10..1000 (default 500) against v2's 1..10000 (default 100). */
static uint64_t weight_to_blkio(uint64_t w)
{
	if (w <= 100)
		return 10 + (w - 1) * 490 / 99;
	return 500 + (w - 100) * 500 / 9900;
}

static int memory(int fd, const struct cg_limits *lim, struct corral_err *err)
{
	uint64_t mem = lim->set[CG_MEMORY_MAX] ? lim->v[CG_MEMORY_MAX] : CG_UNLIMITED;
	bool memsw = cg_has_file(fd, "memory.memsw.limit_in_bytes");
	char buf[32];
	int r;

	/* memsw must stay >= limit at every step: lift it, set the limit, then set it. */
	if (memsw) {
		r = cg_write(fd, "memory.memsw.limit_in_bytes", "-1", err);
		if (r < 0)
			return r;
	}
	fmt_bytes(buf, sizeof(buf), mem);
	r = cg_write(fd, "memory.limit_in_bytes", buf, err);
	if (r < 0 || !memsw)
		return r < 0 ? err_wrap(err, "memory_max") : 0;
	if (!lim->set[CG_MEMORY_SWAP_MAX] || mem == CG_UNLIMITED ||
	    lim->v[CG_MEMORY_SWAP_MAX] == CG_UNLIMITED)
		return 0;
	/* memsw limits memory plus swap. */
	fmt_bytes(buf, sizeof(buf), mem + lim->v[CG_MEMORY_SWAP_MAX]);
	r = cg_write(fd, "memory.memsw.limit_in_bytes", buf, err);
	return r < 0 ? err_wrap(err, "memory_swap_max") : 0;
}

/*
 * The bandwidth files are written only when they change: on each write the
 * kernel checks every CPU cgroup of the host (tg_set_cfs_bandwidth() walks the
 * whole task group tree), which would make every login cost in proportion to
 * all sessions, while the user's cgroup usually holds the value already.
 */
static int cpu(int fd, const struct cg_limits *lim, struct corral_err *err)
{
	uint64_t max = lim->set[CG_CPU_MAX] ? lim->v[CG_CPU_MAX] : CG_UNLIMITED;
	uint64_t w = lim->set[CG_CPU_WEIGHT] ? lim->v[CG_CPU_WEIGHT] : 100;
	char buf[32];
	int r;

	(void)snprintf(buf, sizeof(buf), "%d", CPU_PERIOD_US);
	r = cg_write_changed(fd, "cpu.cfs_period_us", buf, err);
	if (r >= 0) {
		if (max == CG_UNLIMITED)
			(void)snprintf(buf, sizeof(buf), "-1");
		else
			(void)snprintf(buf, sizeof(buf), "%" PRIu64, max * CPU_PERIOD_US / 10000);
		r = cg_write_changed(fd, "cpu.cfs_quota_us", buf, err);
	}
	if (r < 0)
		return err_wrap(err, "cpu_max");
	(void)snprintf(buf, sizeof(buf), "%" PRIu64, weight_to_shares(w));
	r = cg_write(fd, "cpu.shares", buf, err);
	return r < 0 ? err_wrap(err, "cpu_weight") : 0;
}

static int pids(int fd, const struct cg_limits *lim, struct corral_err *err)
{
	uint64_t max = lim->set[CG_PIDS_MAX] ? lim->v[CG_PIDS_MAX] : CG_UNLIMITED;
	char buf[32];

	if (max == CG_UNLIMITED)
		(void)snprintf(buf, sizeof(buf), "max");
	else
		(void)snprintf(buf, sizeof(buf), "%" PRIu64, max);
	return cg_write(fd, "pids.max", buf, err) < 0 ? err_wrap(err, "pids_max") : 0;
}

static int io(int fd, const struct cg_limits *lim, struct corral_err *err)
{
	const char *file = cg_has_file(fd, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
	char buf[32];

	struct corral_err ignored = CORRAL_ERR_INIT;

	if (lim->set[CG_IO_MAX] && cg1_io_max(fd, lim, err) < 0)
		return err->code;
	/* No io_max now: lift the caps an earlier config set, where this kernel has them. */
	if (!lim->set[CG_IO_MAX] && cg_has_file(fd, "blkio.throttle.read_bps_device"))
		(void)cg1_io_max(fd, lim, &ignored);
	if (!lim->set[CG_IO_WEIGHT])
		return 0;
	(void)snprintf(buf, sizeof(buf), "%" PRIu64, weight_to_blkio(lim->v[CG_IO_WEIGHT]));
	return cg_write(fd, file, buf, err) < 0 ? err_wrap(err, "io_weight") : 0;
}

int cg1_apply(const struct cg_host *host, int hier, int userfd, const struct cg_limits *lim,
	      struct corral_err *err)
{
	static int (*const apply[_CG_CTRL_MAX])(int, const struct cg_limits *,
						 struct corral_err *) = {
		[CG_CTRL_MEMORY] = memory,
		[CG_CTRL_CPU] = cpu,
		[CG_CTRL_PIDS] = pids,
		[CG_CTRL_IO] = io,
	};
	int r;

	for (int c = 0; c < _CG_CTRL_MAX; c++) {
		/* cpuset: cg_cpuset_apply(), which writes the parent and the sessions too. */
		if (host->ctrl[c] != hier || !apply[c])
			continue;
		r = apply[c](userfd, lim, err);
		if (r < 0)
			return r;
	}
	return 0;
}
