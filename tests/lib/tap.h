/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A minimal TAP producer for the unit tests: one "ok N - ..." line per check,
 * diagnostics as "# ..." lines, the plan printed by done() at the end, and a
 * non-zero exit status when any check failed. With CORRAL_TEST_STRICT=1
 * (meson test --setup ci) a skip counts as a failure.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

static unsigned tap_count, tap_failed;

static inline _printf_(2, 0) bool tap_vok(bool pass, const char *fmt, va_list ap)
{
	tap_count++;
	tap_failed += !pass;
	char desc[1024];

	(void)vsnprintf(desc, sizeof(desc), fmt, ap);
	printf("%sok %u - ", pass ? "" : "not ", tap_count);
	/* One line per result: a description quoting test input may hold control bytes. */
	for (const char *p = desc; *p; p++)
		if ((unsigned char)*p < 0x20)
			printf("\\x%02x", (unsigned char)*p);
		else
			putchar(*p);
	putchar('\n');
	/* meson's --print-errorlogs shows stderr only: name the failure there too. */
	if (!pass) {
		(void)fflush(stdout);
		fprintf(stderr, "not ok %u - %.200s\n", tap_count, desc);
	}
	return pass;
}

static inline _printf_(1, 2) void diag(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)fputs("# ", stdout);
	for (const char *p = buf; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			(void)fputs("# ", stdout);
	}
	putchar('\n');
}

static inline _printf_(2, 3) bool ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = tap_vok(pass, fmt, ap);
	va_end(ap);
	return pass;
}

static inline _printf_(3, 4) bool is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	bool pass;

	va_start(ap, fmt);
	pass = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("got %lld, want %lld", got, want);
	return pass;
}

static inline _printf_(3, 4) bool is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool pass;

	va_start(ap, fmt);
	pass = tap_vok(got && want ? strcmp(got, want) == 0 : got == want, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("got  '%s'\nwant '%s'", got ? got : "(null)", want ? want : "(null)");
	return pass;
}

static inline void skip(const char *why)
{
	const char *strict = getenv("CORRAL_TEST_STRICT");

	if (strict && strcmp(strict, "1") == 0) {
		ok(false, "skipped, and CORRAL_TEST_STRICT=1 forbids skips: %s", why);
		return;
	}
	printf("ok %u # SKIP %s\n", ++tap_count, why);
}

static inline int done(void)
{
	printf("1..%u\n", tap_count);
	(void)fflush(stdout);
	return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#ifdef __clang_analyzer__
/*
 * clang-analyzer does not inline variadic functions, so it would not know that
 * a check returns its verdict and would follow "passed" branches of failed
 * checks. Spell the verdict out for it; compiled tests never see this.
 */
#define ok(pass, ...) ({ bool p_ = (pass); (void)ok(p_, __VA_ARGS__); p_; })
#define is_int(got, want, ...)                                \
	({                                                    \
		long long g_ = (got), w_ = (want);            \
		(void)is_int(g_, w_, __VA_ARGS__);            \
		g_ == w_;                                     \
	})
#define is_str(got, want, ...)                                      \
	({                                                          \
		const char *g_ = (got), *w_ = (want);               \
		(void)is_str(g_, w_, __VA_ARGS__);                  \
		g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;          \
	})
#endif
