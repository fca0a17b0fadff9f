/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* The definitions below, not error.h's model of them for the analyzer. */
#undef err_set
#undef err_errno
#undef err_wrap

static _printf_(3, 0) void vset(struct corral_err *err, int code, const char *fmt, va_list ap)
{
	err->code = code < 0 ? code : -EIO;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int err_set(struct corral_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return err->code;
}

int err_errno(struct corral_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	if (len < sizeof(err->msg))
		(void)snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(-err->code));
	return err->code;
}

int err_wrap(struct corral_err *err, const char *fmt, ...)
{
	char old[CORRAL_ERR_MAX];
	size_t len, oldlen;
	va_list ap;
	int n;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = n < 0 ? 0 : strnlen(err->msg, sizeof(err->msg) - 1);
	oldlen = strnlen(old, sizeof(old) - 1);
	/* "context: old message", cut at the buffer's end. */
	if (len + 2 < sizeof(err->msg)) {
		memcpy(err->msg + len, ": ", 2);
		len += 2;
		if (oldlen > sizeof(err->msg) - 1 - len)
			oldlen = sizeof(err->msg) - 1 - len;
		memcpy(err->msg + len, old, oldlen);
		err->msg[len + oldlen] = '\0';
	}
	if (err->code == 0)
		err->code = -EIO;
	return err->code;
}

void err_clear(struct corral_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
