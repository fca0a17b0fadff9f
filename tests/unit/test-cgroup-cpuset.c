/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/cgroup-cpuset.c without a cgroup: the strict parser of the kernel's
 * CPU lists (cpuset.cpus, /sys/devices/system/cpu/online), their formatting
 * (back to the kernel's form, and within CG_CPULIST_MAX at worst), and the
 * placement rule of cpus = N that corral.conf(5) documents.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "tap.h"

/* The list s parses as, formatted; "(error N)" when it does not parse. */
static const char *roundtrip(const char *s, char *buf, size_t size)
{
	struct cg_cpus c;
	int r = cg_cpus_parse(s, &c);

	if (r < 0)
		(void)snprintf(buf, size, "(error %d)", r);
	else if (cg_cpus_format(&c, buf, size) < 0)
		(void)snprintf(buf, size, "(too long)");
	return buf;
}

static void test_parse_good(void)
{
	static const struct {
		const char *in, *out;
		unsigned count;
	} rows[] = {
		{ "", "", 0 },
		{ "\n", "", 0 },
		{ "0", "0", 1 },
		{ "0-3,8-11\n", "0-3,8-11", 8 },
		{ "0,2,4", "0,2,4", 3 },
		{ "5-5", "5", 1 },
		{ "0-1,2-3", "0-3", 4 },	/* adjacent ranges: merged on the way out */
		{ "8191", "8191", 1 },
		{ "0-8191", "0-8191", 8192 },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct cg_cpus c;

		if (!is_int(cg_cpus_parse(rows[i].in, &c), 0, "'%s' parses", rows[i].in))
			continue;
		is_int(cg_cpus_count(&c), rows[i].count, "'%s' has %u CPUs", rows[i].in,
		       rows[i].count);
		is_str(roundtrip(rows[i].in, buf, sizeof(buf)), rows[i].out, "'%s' is shown as '%s'",
		       rows[i].in, rows[i].out);
	}
}

static void test_parse_bad(void)
{
	static const struct {
		const char *in;
		int code;
	} rows[] = {
		{ ",", -EINVAL }, { "0,", -EINVAL }, { ",0", -EINVAL }, { "0,,1", -EINVAL },
		{ "3-1", -EINVAL }, { "1,0", -EINVAL }, { "0-3,2", -EINVAL }, { "0-3,3", -EINVAL },
		{ "01", -EINVAL }, { "0 1", -EINVAL }, { " 0", -EINVAL }, { "0\n\n", -EINVAL },
		{ "-1", -EINVAL }, { "1-", -EINVAL }, { "1--2", -EINVAL }, { "a", -EINVAL },
		{ "0x1", -EINVAL }, { "0-3\n1", -EINVAL }, { "0:2", -EINVAL },
		{ "0-7:2/4", -EINVAL },	/* the kernel takes strides in, never writes them */
		{ "8192", -ERANGE }, { "0-8192", -ERANGE }, { "99999999999999999999", -ERANGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct cg_cpus c;

		memset(&c, 0x5a, sizeof(c));
		is_int(cg_cpus_parse(rows[i].in, &c), rows[i].code, "'%s' is refused", rows[i].in);
		ok(c.bits[0] == 0x5a5a5a5a5a5a5a5aULL, "... and the result is left alone");
	}
}

/* The longest list of all: two CPUs of every three, "0-1,3-4,...". */
static void longest_list(char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned cpu = 0; cpu + 1 < CG_CPUS_MAX && off < size; cpu += 3)
		off += (size_t)snprintf(buf + off, size - off, "%s%u-%u", off ? "," : "", cpu,
					cpu + 1);
}

static void test_format(void)
{
	static char big[CG_CPULIST_MAX];
	struct cg_cpus c = { 0 };
	char small[4];
	int n;

	is_int(cg_cpus_parse("0-3,8", &c), 0, "'0-3,8' parses");
	is_int(cg_cpus_format(&c, small, sizeof(small)), -ENOBUFS, "'0-3,8' needs more than 3 bytes");
	is_str(small, "0-3", "... and what fitted is whole ranges");

	longest_list(big, CG_CPULIST_MAX);
	is_int(cg_cpus_parse(big, &c), 0, "two CPUs of every three, of %d, parse", CG_CPUS_MAX);
	n = cg_cpus_format(&c, big, CG_CPULIST_MAX);
	ok(n > 0 && n < CG_CPULIST_MAX, "... and are listed within CG_CPULIST_MAX (%d bytes)", n);
}

/* The placement of n CPUs for uid in pool, as a list. */
static const char *placed(const char *pool, uid_t uid, unsigned n, char *buf, size_t size)
{
	struct cg_cpus p, c;

	if (cg_cpus_parse(pool, &p) < 0)
		return "(bad pool)";
	cg_cpus_place(&p, uid, n, &c);
	if (cg_cpus_format(&c, buf, size) < 0)
		return "(too long)";
	return buf;
}

static void test_place(void)
{
	static const struct {
		const char *pool;
		uid_t uid;
		unsigned n;
		const char *want;
	} rows[] = {
		{ "0-63", 1000, 2, "16-17" },		/* 1000 * 2 mod 64 = 16 */
		{ "0-63", 1001, 2, "18-19" },		/* the next uid: the next block */
		{ "0-63", 1032, 2, "16-17" },		/* 64 / 2 uids on: the same block */
		{ "0-63", 1000, 1, "40" },
		{ "0-63", 1000, 0, "" },
		{ "0-63", 1000, 64, "0-63" },
		{ "0-63", 1000, 500, "0-63" },		/* more than the pool: all of it */
		{ "0-3", 3, 2, "2-3" },			/* 6 mod 4 = 2 */
		{ "0-3", 1, 3, "0-1,3" },		/* from p[3], wrapping to p[0], p[1] */
		{ "0-3,8-11", 1, 2, "2-3" },		/* indices into the pool, not CPU numbers */
		{ "0-3,8-11", 2, 2, "8-9" },
		{ "0-3,8-11", 5, 3, "0-1,11" },	/* 15 mod 8 = 7: p[7], p[0], p[1] */
		{ "2,5,7", 0, 1, "2" },
		{ "2,5,7", 4000000000U, 3, "2,5,7" },
		{ "0-63", 4000000000U, 3, "0-2" },	/* 12e9 mod 64 = 0, no overflow */
		{ "0-8191", 4294967294U, 8192, "0-8191" },
		{ "", 1000, 2, "" },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		is_str(placed(rows[i].pool, rows[i].uid, rows[i].n, buf, sizeof(buf)), rows[i].want,
		       "%u CPUs of %s for uid %u: %s", rows[i].n, rows[i].pool,
		       (unsigned)rows[i].uid, rows[i].want);
}

/* 32 users with consecutive uids, 2 CPUs each on 64: all apart, every CPU used once. */
static void test_spread(void)
{
	struct cg_cpus pool, c, seen = { 0 };
	bool apart = true;

	(void)cg_cpus_parse("0-63", &pool);
	for (uid_t uid = 1000; uid < 1032; uid++) {
		cg_cpus_place(&pool, uid, 2, &c);
		for (size_t w = 0; w < ARRAY_SIZE(c.bits); w++) {
			apart &= (seen.bits[w] & c.bits[w]) == 0;
			seen.bits[w] |= c.bits[w];
		}
	}
	ok(apart, "32 consecutive uids with 2 CPUs each on 64 CPUs never share one");
	is_int(cg_cpus_count(&seen), 64, "... and use every CPU");
}

int main(void)
{
	test_parse_good();
	test_parse_bad();
	test_format();
	test_place();
	test_spread();
	return done();
}
