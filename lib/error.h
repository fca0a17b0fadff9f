/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one error idiom of corral: a fallible function returns 0 (or a count) on
 * success and a negative errno on failure, and takes `struct corral_err *err`
 * last. The first failing site writes the human message; callers may prefix
 * context with err_wrap(); nobody rewrites it. The struct lives on the caller's
 * stack, so reporting an error never allocates.
 */

#include "macro.h"

#define CORRAL_ERR_MAX 512

struct corral_err {
	int code;		/* negative errno, 0 when no error was recorded */
	char msg[CORRAL_ERR_MAX];
};

#define CORRAL_ERR_INIT { .code = 0, .msg = "" }

/* Record a message; returns code (a negative errno) so callers can `return err_set(...)`. */
int err_set(struct corral_err *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Like err_set(), and appends ": <strerror(-code)>". */
int err_errno(struct corral_err *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Prefix context to an existing message ("fmt: old message"); returns err->code. */
int err_wrap(struct corral_err *err, const char *fmt, ...) _printf_(2, 3);

void err_clear(struct corral_err *err);

#ifdef __clang_analyzer__
/*
 * clang-analyzer sees one file at a time: it takes these for calls that may
 * return >= 0 and then follows impossible paths where a failed call "succeeded"
 * without writing its outputs. Tell it what error.c guarantees: the result is
 * always a negative errno. Compiled code never sees this.
 */
static inline int err_analyzer_negative_(int r)
{
	__builtin_assume(r < 0);
	return r;
}
#define err_set(...) err_analyzer_negative_(err_set(__VA_ARGS__))
#define err_errno(...) err_analyzer_negative_(err_errno(__VA_ARGS__))
#define err_wrap(...) err_analyzer_negative_(err_wrap(__VA_ARGS__))
#endif
