/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"

/*
 * Parse the leading run of decimal digits; *end points past it, even when the
 * value overflows (-ERANGE): "99999999999999999999x" is malformed, not too big.
 */
static int parse_digits(const char *s, uint64_t *ret, const char **end)
{
	uint64_t v = 0;
	const char *p = s;
	bool overflow = false;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	*end = p;
	if (overflow)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	r = parse_digits(s, &v, &end);
	if (r == -EINVAL || *end != '\0')
		return -EINVAL;
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = parse_u64(s, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

static int mul_checked(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor != 0 && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	static const struct {
		char suffix;
		uint64_t factor;
	} units[] = {
		{ 'K', 1ULL << 10 }, { 'M', 1ULL << 20 }, { 'G', 1ULL << 30 }, { 'T', 1ULL << 40 },
	};
	const char *end;
	uint64_t v;
	int r;

	r = parse_digits(s, &v, &end);
	if (r == -EINVAL)
		return r;
	if (*end == '\0') {
		if (r == 0)
			*ret = v;
		return r;
	}
	if (end[1] != '\0')
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (*end == units[i].suffix)
			return r < 0 ? r : mul_checked(v, units[i].factor, ret);
	return -EINVAL;
}

int parse_bool(const char *s, bool *ret)
{
	if (!s)
		return -EINVAL;
	if (streq(s, "yes") || streq(s, "true")) {
		*ret = true;
		return 0;
	}
	if (streq(s, "no") || streq(s, "false")) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

int parse_duration_ms(const char *s, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		uint64_t factor;
	} units[] = {
		{ "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60 * 1000 },
	};
	const char *end;
	uint64_t v;
	int r;

	r = parse_digits(s, &v, &end);
	if (r == -EINVAL)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (streq(end, units[i].suffix))
			return r < 0 ? r : mul_checked(v, units[i].factor, ret);
	return -EINVAL;
}

int parse_uid(const char *s, uid_t *ret)
{
	uint32_t v;
	int r;

	r = parse_u32(s, &v);
	if (r < 0)
		return r;
	/* (uid_t)-1 means "unchanged" to setresuid() and friends. */
	if (v == (uint32_t)-1)
		return -ERANGE;
	*ret = (uid_t)v;
	return 0;
}

int parse_pid(const char *s, pid_t *ret)
{
	uint64_t v;
	int r;

	r = parse_u64(s, &v);
	if (r < 0)
		return r;
	if (v == 0 || v > INT_MAX)
		return -ERANGE;
	*ret = (pid_t)v;
	return 0;
}

void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}
