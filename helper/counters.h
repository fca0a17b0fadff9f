/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Host-wide counters of session opens, kept by the helper for `corralctl
 * metrics`: RUN_DIR/sessions/.counters, root's 0600 file in root's 0700
 * directory, one "NAME VALUE" line each. They start from zero at boot (RUN_DIR
 * is a tmpfs), which is what a Prometheus counter's reset looks like.
 */

#include <stdint.h>

#include "error.h"

enum counter {
	COUNTER_OPENED,		/* opens that made a session */
	COUNTER_FAILED,		/* opens that did not: refused by policy, or an error */
	_COUNTER_MAX,
};

struct counters {
	uint64_t v[_COUNTER_MAX];
};

/*
 * Add one to c, beneath sessions_fd (state_open_dir()). For the open path:
 * a few syscalls, and never more than a fraction of a second behind a stuck
 * reader; the caller ignores a failure.
 */
int counters_bump(int sessions_fd, enum counter c, struct corral_err *err);
/* All of them; zeros when nothing was counted since boot. */
int counters_read(int sessions_fd, struct counters *ret, struct corral_err *err);
