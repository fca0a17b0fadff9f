/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <syslog.h>

#include "helper.h"

void log_open(void)
{
	openlog("corral-helper", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void hlog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}
