/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup layout detection from /proc/self/mountinfo text (cgroup-detect.c
 * cg_host_parse()): line splitting, field splitting, octal unescaping, v1
 * super options, the controller map. Mount points the input names are
 * really opened (O_PATH, then fstatfs), so lines copied from this host find
 * its hierarchies; nothing is written. Checked: the host it returns is
 * consistent, and every fd it opened is closed by cg_host_close() or on
 * failure.
 */
#include <errno.h>

#include "cgroup.h"
#include "fuzz.h"

static void check_hier(const struct cg_host *h, unsigned i)
{
	const struct cg_hier *x = &h->h[i];

	fuzz_check(x->version == 1 || x->version == 2, "version %d", x->version);
	fuzz_check(x->fd >= 0, "hierarchy %u has no fd", i);
	fuzz_check(strnlen(x->opts, sizeof(x->opts)) < sizeof(x->opts), "opts");
	fuzz_check(strnlen(x->mnt, sizeof(x->mnt)) < sizeof(x->mnt), "mnt");
	fuzz_check(x->version == 1 || (int)i == h->unified, "a second cgroup2 mount");
	for (unsigned j = 0; j < i; j++)
		fuzz_check(x->version == 2 || h->h[j].version == 2 ||
			   !streq(x->opts, h->h[j].opts), "hierarchy '%s' twice", x->opts);
}

static void check_host(const struct cg_host *h)
{
	bool any_v1 = false;

	fuzz_check(h->n >= 1 && h->n <= CG_HIER_MAX, "%u hierarchies", h->n);
	fuzz_check(h->unified >= -1 && h->unified < (int)h->n, "unified %d", h->unified);
	fuzz_check(h->freezer >= -1 && h->freezer < (int)h->n, "freezer %d", h->freezer);
	for (unsigned i = 0; i < h->n; i++) {
		check_hier(h, i);
		any_v1 |= h->h[i].version == 1;
	}
	for (int c = 0; c < _CG_CTRL_MAX; c++) {
		int i = h->ctrl[c];

		fuzz_check(i >= -1 && i < (int)h->n, "ctrl[%d] = %d", c, i);
		fuzz_check(i < 0 || (h->h[i].ctrl_mask & (1u << c)), "ctrl_mask of %d", i);
	}
	fuzz_check(h->layout == (!any_v1 ? CG_LAYOUT_UNIFIED : h->unified >= 0 ?
				 CG_LAYOUT_HYBRID : CG_LAYOUT_LEGACY), "layout %d", h->layout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct cg_host host;
	char *text = fuzz_strndup(data, size);
	int fd = fuzz_lowest_fd(), r;
	FILE *f;

	/* fmemopen() refuses an empty buffer. */
	f = size > 0 ? fmemopen(text, size, "r") : fopen("/dev/null", "re");
	if (!f)
		abort();
	r = cg_host_parse("corral", f, &host, &err);
	(void)fclose(f);
	if (r < 0) {
		fuzz_check(r >= -4095 && err.code == r && err.msg[0], "error %d", r);
	} else {
		check_host(&host);
		cg_host_close(&host);
	}
	fuzz_check(fuzz_lowest_fd() == fd, "an fd was left open");
	free(text);
	return 0;
}
