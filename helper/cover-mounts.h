/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "error.h"

/* Mount points of the host's procfs and mqueue instances other than /proc. */
struct cover_list {
	char **path;
	int *type;	/* COVER_PROC or COVER_MQUEUE */
	size_t n;
};

enum { COVER_PROC, COVER_MQUEUE };

/* Read the list from /proc/self/mountinfo: before the session's own /proc is mounted. */
int cover_list_read(struct cover_list *ret, struct corral_err *err);
/* Mount an instance of the caller's PID or IPC namespace over each. */
int cover_list_apply(const struct cover_list *l, struct corral_err *err);
void cover_list_free(struct cover_list *l);
