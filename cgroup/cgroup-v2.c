/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Limits on cgroup v2, written to the user's cgroup. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"

#define CPU_PERIOD_US 100000

static void fmt_max(char *buf, size_t size, uint64_t v)
{
	if (v == CG_UNLIMITED)
		(void)snprintf(buf, size, "max");
	else
		(void)snprintf(buf, size, "%" PRIu64, v);
}

/* cpu_max is in hundredths of a percent of one CPU: quota = v * period / 10000. */
static void fmt_cpu_max(char *buf, size_t size, uint64_t v)
{
	if (v == CG_UNLIMITED)
		(void)snprintf(buf, size, "max %d", CPU_PERIOD_US);
	else
		(void)snprintf(buf, size, "%" PRIu64 " %d", v * CPU_PERIOD_US / 10000,
			       CPU_PERIOD_US);
}

static int write_limit(int fd, enum cg_limit l, uint64_t v, struct corral_err *err)
{
	static const char *const files[_CG_LIMIT_MAX] = {
		[CG_MEMORY_MAX] = "memory.max",
		[CG_MEMORY_HIGH] = "memory.high",
		[CG_MEMORY_SWAP_MAX] = "memory.swap.max",
		[CG_CPU_MAX] = "cpu.max",
		[CG_CPU_WEIGHT] = "cpu.weight",
		[CG_PIDS_MAX] = "pids.max",
		[CG_IO_WEIGHT] = "io.weight",
	};
	char buf[64];

	/* Only when it changes: the kernel checks every CPU cgroup on each write (cgroup-v1.c). */
	if (l == CG_CPU_MAX) {
		fmt_cpu_max(buf, sizeof(buf), v);
		return cg_write_changed(fd, files[l], buf, err);
	}
	if (l == CG_IO_WEIGHT)
		(void)snprintf(buf, sizeof(buf), "default %" PRIu64, v);
	else
		fmt_max(buf, sizeof(buf), v);
	return cg_write(fd, files[l], buf, err);
}

/* An unset limit is reset to the kernel's default, so a removed key takes effect too. */
static uint64_t reset_value(enum cg_limit l)
{
	return l == CG_CPU_WEIGHT || l == CG_IO_WEIGHT ? 100 : CG_UNLIMITED;
}

int cg2_apply(const struct cg_host *host, int userfd, const struct cg_limits *lim,
	      struct corral_err *err)
{
	int r = 0;

	for (int l = 0; l < _CG_LIMIT_MAX; l++) {
		struct corral_err ignored = CORRAL_ERR_INIT;

		if (l == CG_CPUS)
			continue;	/* cg_cpuset_apply(): it takes the parent's CPUs */
		if (l == CG_IO_MAX) {
			if (!lim->set[l] && cg_limit_supported(host, CG_IO_MAX, &ignored) == 0)
				(void)cg2_io_max(userfd, lim, &ignored);
			else if (lim->set[l] && (r = cg2_io_max(userfd, lim, err)) < 0)
				return r;
		} else if (lim->set[l]) {
			r = write_limit(userfd, (enum cg_limit)l, lim->v[l], err);
			if (r < 0)
				return err_wrap(err, "%s", cg_limit_name((enum cg_limit)l));
		} else if (cg_limit_supported(host, (enum cg_limit)l, &ignored) == 0) {
			(void)write_limit(userfd, (enum cg_limit)l, reset_value((enum cg_limit)l),
					  &ignored);
		}
	}
	return 0;
}

/* Enable every controller corral uses that this cgroup's parent offers. */
int cg2_enable_controllers(const struct cg_host *host, int dirfd, const char *what,
			   struct corral_err *err)
{
	char avail[256], want[128] = "";
	size_t off = 0;
	int r;

	r = cg_read(dirfd, "cgroup.controllers", avail, sizeof(avail), err);
	if (r < 0)
		return r;
	for (int c = 0; c < _CG_CTRL_MAX; c++) {
		const char *name = cg_controller_name((enum cg_controller)c);
		int h = host->ctrl[c];

		if (h < 0 || host->h[h].version != 2 || !strstr(avail, name))
			continue;
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s+%s", off ? " " : "",
					name);
	}
	if (off == 0)
		return 0;
	r = cg_write(dirfd, "cgroup.subtree_control", want, err);
	return r < 0 ? err_wrap(err, "Failed to enable controllers in %s", what) : 0;
}
