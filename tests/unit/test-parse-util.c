/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/parse-util.c, as tables of input -> result. The inputs are the ones
 * iniparser 4.1's typed getters get wrong ("042" = 34, "10G" = 10, "yesno" =
 * true) and the usual edge cases: sign, space, empty, overflow, exponent.
 */
#include <errno.h>
#include <stdint.h>

#include "parse-util.h"
#include "tap.h"

#define SENTINEL UINT64_C(0xdeadbeef)

struct num_case {
	const char *s;
	int r;
	uint64_t v;
};

static const struct num_case u64_cases[] = {
	{ "0", 0, 0 },
	{ "5", 0, 5 },
	{ "042", 0, 42 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
	/* Found by fuzzing: too many digits, then junk, is malformed (was -ERANGE). */
	{ "99999999999999999999999x", -EINVAL, 0 },
	{ "10G", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+5", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "5 ", -EINVAL, 0 },
	{ "5\n", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "five", -EINVAL, 0 },
};

static const struct num_case size_cases[] = {
	{ "0", 0, 0 },
	{ "10", 0, 10 },
	{ "042", 0, 42 },
	{ "1K", 0, 1024 },
	{ "10G", 0, UINT64_C(10) << 30 },
	{ "3M", 0, UINT64_C(3) << 20 },
	{ "16777215T", 0, UINT64_C(16777215) << 40 },
	{ "16777216T", -ERANGE, 0 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "1k", -EINVAL, 0 },
	{ "10GB", -EINVAL, 0 },
	{ "10 G", -EINVAL, 0 },
	{ "G", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "5 ", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "1P", -EINVAL, 0 },
	{ "99999999999999999999999K", -ERANGE, 0 },
	{ "99999999999999999999999KB", -EINVAL, 0 },
};

static const struct num_case duration_cases[] = {
	{ "0", 0, 0 },
	{ "5", 0, 5000 },
	{ "5s", 0, 5000 },
	{ "250ms", 0, 250 },
	{ "2m", 0, 120000 },
	{ "042", 0, 42000 },
	{ "18446744073709551615ms", 0, UINT64_MAX },
	{ "18446744073709551615", -ERANGE, 0 },
	{ "18446744073709551615m", -ERANGE, 0 },
	{ "99999999999999999999999ms", -ERANGE, 0 },
	{ "99999999999999999999999h", -EINVAL, 0 },
	{ "5 s", -EINVAL, 0 },
	{ " 5s", -EINVAL, 0 },
	{ "5s ", -EINVAL, 0 },
	{ "5h", -EINVAL, 0 },
	{ "5S", -EINVAL, 0 },
	{ "5sec", -EINVAL, 0 },
	{ "1.5s", -EINVAL, 0 },
	{ "ms", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "yesno", -EINVAL, 0 },
};

static void run_u64(const char *what, int (*parse)(const char *, uint64_t *),
		    const struct num_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = SENTINEL;
		int r = parse(cases[i].s, &v);

		is_int(r, cases[i].r, "%s('%s') returns %d", what, cases[i].s, cases[i].r);
		if (cases[i].r == 0)
			ok(v == cases[i].v, "%s('%s') = %llu", what, cases[i].s,
			   (unsigned long long)cases[i].v);
		else
			ok(v == SENTINEL, "%s('%s') leaves the result untouched", what,
			   cases[i].s);
	}
}

static void test_bool(void)
{
	static const struct {
		const char *s;
		int r;
		bool v;
	} cases[] = {
		{ "yes", 0, true }, { "true", 0, true }, { "no", 0, false },
		{ "false", 0, false }, { "yesno", -EINVAL, false }, { "2", -EINVAL, false },
		{ "1", -EINVAL, false }, { "0", -EINVAL, false }, { "on", -EINVAL, false },
		{ "on ", -EINVAL, false }, { " yes", -EINVAL, false }, { "Yes", -EINVAL, false },
		{ "YES", -EINVAL, false }, { "y", -EINVAL, false }, { "", -EINVAL, false },
		{ "nope", -EINVAL, false }, { "truely", -EINVAL, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool v = !cases[i].v;
		int r = parse_bool(cases[i].s, &v);

		is_int(r, cases[i].r, "parse_bool('%s') returns %d", cases[i].s, cases[i].r);
		if (r == 0)
			ok(v == cases[i].v, "parse_bool('%s') = %d", cases[i].s, cases[i].v);
	}
	is_int(parse_bool(NULL, &(bool){ false }), -EINVAL, "parse_bool(NULL) is refused");
}

static void test_u32_uid_pid(void)
{
	uint32_t u32 = 7;
	uid_t uid = 7;
	pid_t pid = 7;

	is_int(parse_u32("4294967295", &u32), 0, "parse_u32 takes UINT32_MAX");
	ok(u32 == UINT32_MAX, "parse_u32('4294967295') = UINT32_MAX");
	is_int(parse_u32("4294967296", &u32), -ERANGE, "parse_u32 refuses UINT32_MAX + 1");
	is_int(parse_uid("0", &uid), 0, "parse_uid('0')");
	is_int(uid, 0, "parse_uid('0') = 0");
	is_int(parse_uid("4294967294", &uid), 0, "parse_uid takes 4294967294");
	is_int(parse_uid("4294967295", &uid), -ERANGE, "parse_uid refuses (uid_t)-1");
	is_int(parse_uid("-1", &uid), -EINVAL, "parse_uid refuses '-1'");
	is_int(parse_uid("4294967296", &uid), -ERANGE, "parse_uid refuses 2^32");
	is_int(parse_pid("1", &pid), 0, "parse_pid('1')");
	is_int(parse_pid("2147483647", &pid), 0, "parse_pid takes INT_MAX");
	is_int(parse_pid("2147483648", &pid), -ERANGE, "parse_pid refuses INT_MAX + 1");
	is_int(parse_pid("0", &pid), -ERANGE, "parse_pid refuses 0");
	is_int(parse_u64(NULL, &(uint64_t){ 0 }), -EINVAL, "parse_u64(NULL) is refused");
}

static void test_unescape_octal(void)
{
	char a[] = "/mnt/with\\040space\\011tab", b[] = "\\134x\\400\\12", c[] = "";

	unescape_octal(a);
	is_str(a, "/mnt/with space\ttab", "unescape_octal: \\040 and \\011");
	unescape_octal(b);
	is_str(b, "\\x\\400\\12", "unescape_octal: \\134 is a backslash; out of range or short stays");
	unescape_octal(c);
	is_str(c, "", "unescape_octal: empty");
}

int main(void)
{
	run_u64("parse_u64", parse_u64, u64_cases, ARRAY_SIZE(u64_cases));
	run_u64("parse_size", parse_size, size_cases, ARRAY_SIZE(size_cases));
	run_u64("parse_duration_ms", parse_duration_ms, duration_cases,
		ARRAY_SIZE(duration_cases));
	test_bool();
	test_u32_uid_pid();
	test_unescape_octal();
	return done();
}
