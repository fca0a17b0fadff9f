/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hostname template: %u the user name, %U the uid, %h the host's short
 * name, %% a percent sign. Checked at load (any other escape is an error), and
 * expanded at resolve into something sethostname() will take and a person can
 * read: bytes outside [A-Za-z0-9-.] become '-', leading '-' and '.' are
 * dropped, the result is cut at HOST_NAME_MAX and trailing '-' and '.' dropped.
 * An empty result means "keep the host's name".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"

int conf_template_check(const char *t, char *why, size_t why_size)
{
	char esc[8];

	for (const char *p = t; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '\0') {
			(void)snprintf(why, why_size, "ends with a lone '%%' (write %%%% for a "
				       "percent sign)");
			return -EINVAL;
		}
		if (!strchr("uUh%", *p)) {
			(void)snprintf(why, why_size, "has the unknown escape '%%%s' (use %%u, "
				       "%%U, %%h or %%%%)", conf_escape(esc, sizeof(esc), p, 1, 1));
			return -EINVAL;
		}
	}
	return 0;
}

struct out {
	char *buf;
	size_t n;
};

static bool hostname_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

static void put_char(struct out *o, char c)
{
	if (!hostname_char(c))
		c = '-';
	if (o->n == 0 && (c == '-' || c == '.'))
		return;
	if (o->n < HOST_NAME_MAX)
		o->buf[o->n++] = c;
}

static void put_str(struct out *o, const char *s)
{
	for (; s && *s; s++)
		put_char(o, *s);
}

static void put_escape(struct out *o, char e, const struct conf_subject *who)
{
	char uid[DECIMAL_STR_MAX(uid_t)];

	switch (e) {
	case 'u':
		put_str(o, who->user);
		break;
	case 'U':
		(void)snprintf(uid, sizeof(uid), "%u", (unsigned)who->uid);
		put_str(o, uid);
		break;
	case 'h':
		put_str(o, who->host);
		break;
	case '%':
		put_char(o, '%');
		break;
	default:
		/* Refused at load. */
		break;
	}
}

void conf_template_expand(const char *t, const struct conf_subject *who,
			  char ret[HOST_NAME_MAX + 1])
{
	struct out o = { .buf = ret, .n = 0 };

	for (const char *p = t; *p; p++) {
		if (*p != '%')
			put_char(&o, *p);
		else if (p[1] != '\0')
			put_escape(&o, *++p, who);
	}
	while (o.n > 0 && (ret[o.n - 1] == '-' || ret[o.n - 1] == '.'))
		o.n--;
	ret[o.n] = '\0';
}
