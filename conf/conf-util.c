/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"

/* The definition below, not conf-internal.h's model of it for the analyzer. */
#undef conf_err_at

#define PATH_QUOTE_MAX 200

/* Make room for one more element in a doubling array; *array is untouched on failure. */
int conf_grow(void **array, size_t *n_alloc, size_t n, size_t elem_size)
{
	size_t want;
	void *p;

	if (n < *n_alloc)
		return 0;
	want = *n_alloc ? *n_alloc * 2 : 8;
	p = reallocarray(*array, want, elem_size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *n_alloc * elem_size, 0, (want - *n_alloc) * elem_size);
	*array = p;
	*n_alloc = want;
	return 0;
}

static size_t escape_one(char *out, unsigned char c)
{
	if (c == '\\' || c == '\'')
		return (size_t)sprintf(out, "\\%c", c);
	if (c == '\t')
		return (size_t)sprintf(out, "\\t");
	if (c < 0x20 || c >= 0x7f)
		return (size_t)sprintf(out, "\\x%02x", c);
	out[0] = (char)c;
	out[1] = '\0';
	return 1;
}

/*
 * At most max bytes of s (len bytes, NULs allowed) made safe for a log line or a
 * terminal: quotes, backslashes, control and non-ASCII bytes escaped, "..."
 * appended when cut. Returns buf, for use as a printf argument.
 */
char *conf_escape(char *buf, size_t size, const char *s, size_t len, size_t max)
{
	char one[5];
	size_t off = 0;
	size_t i;

	if (size == 0)
		return buf;
	for (i = 0; i < len && i < max; i++) {
		size_t n = escape_one(one, (unsigned char)s[i]);

		if (off + n + 4 > size)
			break;
		memcpy(buf + off, one, n);
		off += n;
	}
	if (i < len && off + 4 <= size) {
		memcpy(buf + off, "...", 3);
		off += 3;
	}
	buf[off] = '\0';
	return buf;
}

/* "PATH:LINE: [SECTION] KEY: message"; line 0, section NULL or key NULL leave parts out. */
int conf_err_at(struct corral_err *err, int code, const char *path, unsigned line,
		const struct conf_section *s, const char *key, const char *fmt, ...)
{
	char epath[PATH_QUOTE_MAX * 4 + 4], esec[CONF_ESCAPED_SIZE], ekey[CONF_ESCAPED_SIZE];
	char where[DECIMAL_STR_MAX(unsigned) + 2] = "";
	char msg[CORRAL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)snprintf(where, sizeof(where), ":%u", line);
	conf_escape(epath, sizeof(epath), path, strlen(path), PATH_QUOTE_MAX);
	if (s)
		conf_escape(esec, sizeof(esec), s->name, strlen(s->name), CONF_QUOTE_MAX);
	if (key)
		conf_escape(ekey, sizeof(ekey), key, strlen(key), CONF_QUOTE_MAX);
	return err_set(err, code, "%s%s: %s%s%s%s%s%s", epath, where, s ? "[" : "",
		       s ? esec : "", s ? "] " : "", key ? ekey : "", key ? ": " : "", msg);
}

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '.')
		return true;
	return !first && (c == '-' || c == '@');
}

/*
 * A user or group name as the POSIX portable set has it (letters, digits, '.',
 * '_', '-', not starting with '-'), plus '@' for SSSD/AD qualified names and a
 * final '$' for Samba machine accounts. Case matters.
 */
bool conf_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > CONF_NAME_MAX)
		return false;
	if (s[len - 1] == '$')
		len--;
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i], i == 0))
			return false;
	return true;
}

/* Lower-case ASCII only, whatever the locale (iniparser's tolower() follows the locale). */
void conf_ascii_lower(char *dst, const char *src, size_t size)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
}

/*
 * The next name of a list separated by spaces, tabs or commas: 1 with the name
 * in name, 0 at the end, -ENAMETOOLONG for a name over CONF_NAME_MAX bytes
 * (skipped, so the caller may go on).
 */
int conf_names_next(const char **p, char name[CONF_NAME_MAX + 1])
{
	size_t n;

	*p += strspn(*p, " \t,");
	n = strcspn(*p, " \t,");
	if (n == 0)
		return 0;
	if (n > CONF_NAME_MAX) {
		*p += n;
		return -ENAMETOOLONG;
	}
	memcpy(name, *p, n);
	name[n] = '\0';
	*p += n;
	return 1;
}
