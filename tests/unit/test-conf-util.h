/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the test-conf*.c programs: a scratch directory under /tmp, files
 * written into it, and a fake user for conf_resolve() whose groups are a
 * comma-separated list (no NSS involved).
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "tap.h"

/* A fresh mode-0755 directory under base (a mkdtemp template prefix); NULL on failure. */
char *scratch_make(const char *base);
/* Remove the directory and everything below it; never follows symlinks. */
void scratch_remove(char *dir);

/*
 * Run test in a fresh scratch directory under /tmp, removed afterwards.
 * Inline, because tap.h's counters are per translation unit.
 */
static inline void with_scratch(const char *what, void (*test)(const char *dir))
{
	char *dir = scratch_make("/tmp");

	if (!ok(dir != NULL, "%s: scratch directory", what))
		return;
	test(dir);
	scratch_remove(dir);
}

/* dir/name with len bytes of content, mode 0644; 0 or a negative errno. */
int write_bytes(const char *dir, const char *name, const char *content, size_t len);
int write_str(const char *dir, const char *name, const char *content);
/* dir/name as a directory, mode 0755. */
int make_dir(const char *dir, const char *name);
/* "dir/name" in a static buffer, for the duration of one call. */
const char *path_in(const char *dir, const char *name);

struct fake_user {
	const char *name;
	uid_t uid;
	const char *groups;	/* "staff,students": exact names, comma-separated */
	const char *host;
};

bool fake_in_group(const char *group, void *userdata);

/* conf_load() of dir/corral.conf (drop-ins from dir/corral.conf.d), without owner checks. */
int load_dir(const char *dir, struct conf **ret, struct corral_err *err);
int resolve_as(const struct conf *c, const struct fake_user *u, struct policy *ret,
	       struct corral_err *err);
