/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the fuzz targets. Each target defines LLVMFuzzerTestOneInput()
 * (and maybe LLVMFuzzerInitialize()); it is linked either with libFuzzer
 * (-Dfuzz=true, clang) or with replay.c, which runs the committed corpus in
 * every build. A target checks more than "did not crash": a broken promise of
 * the parser (a result out of range, an error message with raw control
 * bytes, a leaked fd) is a fuzz_check() failure, which aborts, so libFuzzer
 * saves the input and the replay test fails.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: libFuzzer calls it when a target defines it, and so does replay.c. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static inline _noreturn_ _printf_(4, 5) void fuzz_fail(const char *file, int line,
						       const char *cond, const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	abort();
}

#define fuzz_check(cond, ...) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

/* A NUL-terminated copy of the input (which may hold NULs of its own). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Whether s is fit for a log line or a terminal: printable ASCII only. */
static inline bool fuzz_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* The fd the next open() would get: a call that leaks one moves it up. */
static inline int fuzz_lowest_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd < 0)
		abort();
	(void)close(fd);
	return fd;
}
