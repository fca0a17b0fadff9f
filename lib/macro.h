/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Cleanup attributes and ownership transfer, in the systemd/bubblewrap style:
 * a variable declared with _cleanup_close_ is closed when it leaves scope, and
 * TAKE_FD()/TAKE_PTR() hand ownership out so the cleanup becomes a no-op.
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Enough room for the decimal form of any integer type, sign and NUL included. */
#define DECIMAL_STR_MAX(type) (2 + (sizeof(type) <= 1 ? 3 : sizeof(type) <= 2 ? 5 : \
					 sizeof(type) <= 4 ? 10 : 20))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Closing must not clobber the errno the caller is about to report. */
static inline int close_nointr_keep_errno(int fd)
{
	int saved = errno;

	if (fd >= 0)
		(void)close(fd);
	errno = saved;
	return -EBADF;
}

static inline void closep(int *fd)
{
	*fd = close_nointr_keep_errno(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_FD(fd)                      \
	({                               \
		int _fd_ = (fd);         \
		(fd) = -EBADF;           \
		_fd_;                    \
	})

#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) _p_ = (p);     \
		(p) = NULL;                  \
		_p_;                         \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)
