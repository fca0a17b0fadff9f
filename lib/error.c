/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static void vset(struct corral_err *err, int code, const char *fmt, va_list ap)
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
	va_list ap;
	int n;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		(void)snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", old);
	if (err->code == 0)
		err->code = -EIO;
	return err->code;
}

void err_clear(struct corral_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
