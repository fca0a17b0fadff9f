/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * io_max = DEVICE KEY=VALUE..., DEVICE KEY=VALUE...
 *
 *   io_max = /dev/vda rbps=50M wbps=20M, /home wiops=500
 *
 * DEVICE is an absolute path or MAJOR:MINOR; KEY is rbps or wbps (bytes per
 * second, with K/M/G/T) or riops or wiops (operations per second); VALUE may
 * be max. A key left out is not capped. The value is checked here for shape
 * only: whether the device exists is a fact of the host, checked where the
 * limit is applied (and by corralctl check).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"
#include "parse-util.h"

#define SEPARATORS " \t"

static const char *const key_names[_IO_MAX_KEY_MAX] = {
	[IO_MAX_RBPS] = "rbps",
	[IO_MAX_WBPS] = "wbps",
	[IO_MAX_RIOPS] = "riops",
	[IO_MAX_WIOPS] = "wiops",
};

const char *io_max_key_name(enum io_max_key k)
{
	return (unsigned)k < _IO_MAX_KEY_MAX ? key_names[k] : "unknown";
}

static bool is_bps(enum io_max_key k)
{
	return k == IO_MAX_RBPS || k == IO_MAX_WBPS;
}

static bool device_valid(const char *s)
{
	uint32_t major, minor;
	const char *colon;
	char num[16];

	if (s[0] == '/')
		return strlen(s) < POLICY_IO_DEV_NAME_MAX && !strchr(s, ',');
	colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(num))
		return false;
	memcpy(num, s, (size_t)(colon - s));
	num[colon - s] = '\0';
	return parse_u32(num, &major) == 0 && parse_u32(colon + 1, &minor) == 0;
}

/* The config's bytes made fit for a message: non-ASCII escaped, cut at CONF_QUOTE_MAX. */
static const char *quote(char buf[CONF_ESCAPED_SIZE], const char *s)
{
	return conf_escape(buf, CONF_ESCAPED_SIZE, s, strlen(s), CONF_QUOTE_MAX);
}

static int parse_setting(const char *tok, struct policy_io_dev *d, bool seen[], char *why,
			 size_t size)
{
	char e1[CONF_ESCAPED_SIZE], e2[CONF_ESCAPED_SIZE];
	const char *eq = strchr(tok, '=');
	uint64_t v;
	int k;

	for (k = 0; k < _IO_MAX_KEY_MAX; k++)
		if (eq && (size_t)(eq - tok) == strlen(key_names[k]) &&
		    strncmp(tok, key_names[k], (size_t)(eq - tok)) == 0)
			break;
	if (k == _IO_MAX_KEY_MAX) {
		(void)snprintf(why, size, "has '%s' for %s, which is not rbps=, wbps=, riops= "
			       "or wiops=", quote(e1, tok), quote(e2, d->name));
		return -EINVAL;
	}
	if (seen[k]) {
		(void)snprintf(why, size, "sets %s twice for %s", key_names[k], quote(e1, d->name));
		return -EINVAL;
	}
	seen[k] = true;
	if (streq(eq + 1, "max")) {
		d->v[k] = POLICY_UNLIMITED;
		return 0;
	}
	if ((is_bps(k) ? parse_size(eq + 1, &v) : parse_u64(eq + 1, &v)) < 0 || v == 0) {
		(void)snprintf(why, size, "has %s=%s for %s, which is not %s", key_names[k],
			       quote(e1, eq + 1), quote(e2, d->name),
			       is_bps(k) ? "a rate in bytes per second (such as 20M) or max" :
					   "a positive number or max");
		return -EINVAL;
	}
	d->v[k] = v;
	return 0;
}

/* One "DEVICE KEY=VALUE..." entry, in place (tokens are cut with '\0'). */
static int parse_entry(char *entry, struct policy_io_max *io, char *why, size_t size)
{
	struct policy_io_dev *d = &io->dev[io->n];
	bool seen[_IO_MAX_KEY_MAX] = { false };
	char esc[CONF_ESCAPED_SIZE];
	char *save = NULL, *tok = strtok_r(entry, SEPARATORS, &save);
	int r;

	if (!tok) {
		(void)snprintf(why, size, "has an empty entry (entries are separated by ',')");
		return -EINVAL;
	}
	if (!device_valid(tok)) {
		(void)snprintf(why, size, "names the device '%s', which is neither an absolute "
			       "path nor MAJOR:MINOR", quote(esc, tok));
		return -EINVAL;
	}
	for (unsigned i = 0; i < io->n; i++)
		if (streq(io->dev[i].name, tok)) {
			(void)snprintf(why, size, "names %s twice", quote(esc, tok));
			return -EINVAL;
		}
	(void)snprintf(d->name, sizeof(d->name), "%s", tok);
	for (int k = 0; k < _IO_MAX_KEY_MAX; k++)
		d->v[k] = POLICY_UNLIMITED;
	while ((tok = strtok_r(NULL, SEPARATORS, &save))) {
		r = parse_setting(tok, d, seen, why, size);
		if (r < 0)
			return r;
	}
	if (!seen[IO_MAX_RBPS] && !seen[IO_MAX_WBPS] && !seen[IO_MAX_RIOPS] &&
	    !seen[IO_MAX_WIOPS]) {
		(void)snprintf(why, size, "gives %s no rbps=, wbps=, riops= or wiops=",
			       quote(esc, d->name));
		return -EINVAL;
	}
	io->n++;
	return 0;
}

int policy_io_max_parse(const char *s, struct policy_io_max *ret, char *why, size_t why_size)
{
	char copy[POLICY_IO_DEVS_MAX * (POLICY_IO_DEV_NAME_MAX + 96)];
	struct policy_io_max io = { .n = 0 };
	char *p = copy, *entry;
	int r;

	if (strlen(s) >= sizeof(copy)) {
		(void)snprintf(why, why_size, "is too long");
		return -EINVAL;
	}
	memcpy(copy, s, strlen(s) + 1);
	if (strspn(copy, SEPARATORS) == strlen(copy)) {
		*ret = io;
		return 0;
	}
	while ((entry = strsep(&p, ","))) {
		if (io.n == POLICY_IO_DEVS_MAX) {
			(void)snprintf(why, why_size, "names more than %d devices",
				       POLICY_IO_DEVS_MAX);
			return -EINVAL;
		}
		r = parse_entry(entry, &io, why, why_size);
		if (r < 0)
			return r;
	}
	*ret = io;
	return 0;
}

static int _printf_(4, 5) append(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *off)
		return -ENOBUFS;
	*off += (size_t)n;
	return 0;
}

/* As the config spells it, sizes as plain bytes: "/dev/vda rbps=52428800 wiops=500". */
int policy_io_max_format(const struct policy_io_max *io, char *buf, size_t size)
{
	size_t off = 0;
	int r = 0;

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (unsigned i = 0; i < io->n && r == 0; i++) {
		bool capped = false;

		r = append(buf, size, &off, "%s%s", i ? ", " : "", io->dev[i].name);
		for (int k = 0; k < _IO_MAX_KEY_MAX && r == 0; k++)
			if (io->dev[i].v[k] != POLICY_UNLIMITED) {
				capped = true;
				r = append(buf, size, &off, " %s=%llu", key_names[k],
					   (unsigned long long)io->dev[i].v[k]);
			}
		/* A device whose caps are all max is still named, and must parse back. */
		if (r == 0 && !capped)
			r = append(buf, size, &off, " %s=max", key_names[IO_MAX_RBPS]);
	}
	return r < 0 ? r : (int)off;
}
