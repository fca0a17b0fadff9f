/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value parsers: lib/parse-util.c against a reference written from its
 * header's promises (decimal digits only, the whole string, overflow is
 * -ERANGE, malformed is -EINVAL, ret untouched on failure), and every key's
 * parser of the config schema (sizes, percentages, durations, names...): a
 * value it accepts must come back unchanged through policy_format_value(),
 * which is what corralctl prints and what an admin pastes back; and the CPU
 * lists of cgroup/cgroup-cpuset.c.
 */
#include <errno.h>
#include <limits.h>

#include "cgroup.h"
#include "conf-internal.h"
#include "fuzz.h"
#include "parse-util.h"

#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

/* The reference: digits only, at least one; -ERANGE beyond UINT64_MAX. */
static int ref_digits(const char *s, size_t n, uint64_t *ret)
{
	unsigned __int128 v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > UINT64_MAX)
			v = (unsigned __int128)UINT64_MAX + 1;
	}
	if (v > UINT64_MAX)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

static int ref_scaled(const char *s, size_t n, uint64_t factor, uint64_t *ret)
{
	uint64_t v;
	int r = ref_digits(s, n, &v);

	if (r < 0)
		return r;
	if (factor != 0 && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

static size_t digits_len(const char *s)
{
	return strspn(s, "0123456789");
}

static int ref_size(const char *s, uint64_t *ret)
{
	static const char units[] = "KMGT";
	size_t n = digits_len(s);
	const char *u;

	if (s[n] == '\0')
		return ref_scaled(s, n, 1, ret);
	if (n == 0 || s[n + 1] != '\0' || !(u = strchr(units, s[n])))
		return -EINVAL;
	return ref_scaled(s, n, UINT64_C(1) << (10 * (u - units + 1)), ret);
}

static int ref_duration(const char *s, uint64_t *ret)
{
	size_t n = digits_len(s);
	const char *unit = s + n;

	if (n == 0)
		return -EINVAL;
	if (streq(unit, "") || streq(unit, "s"))
		return ref_scaled(s, n, 1000, ret);
	if (streq(unit, "ms"))
		return ref_scaled(s, n, 1, ret);
	if (streq(unit, "m"))
		return ref_scaled(s, n, 60000, ret);
	return -EINVAL;
}

static void check_u64(const char *name, int r, uint64_t got, int want_r, uint64_t want,
		      const char *s)
{
	fuzz_check(r == want_r, "%s('%s') returned %d, want %d", name, s, r, want_r);
	if (r == 0)
		fuzz_check(got == want, "%s('%s') = %llu, want %llu", name, s,
			   (unsigned long long)got, (unsigned long long)want);
	else
		fuzz_check(got == SENTINEL, "%s('%s') wrote its result on failure", name, s);
}

static void fuzz_numbers(const char *s)
{
	uint64_t got = SENTINEL, want = 0;
	int want_r = ref_digits(s, strlen(s), &want), r;
	uint32_t u32 = (uint32_t)SENTINEL;
	uid_t uid = (uid_t)SENTINEL;
	pid_t pid = (pid_t)SENTINEL;

	r = parse_u64(s, &got);
	check_u64("parse_u64", r, got, want_r, want, s);

	r = parse_u32(s, &u32);
	fuzz_check(r == (want_r == 0 && want > UINT32_MAX ? -ERANGE : want_r),
		   "parse_u32('%s') returned %d", s, r);
	fuzz_check(r == 0 ? u32 == want : u32 == (uint32_t)SENTINEL, "parse_u32('%s') value", s);

	r = parse_uid(s, &uid);
	fuzz_check(r == (want_r == 0 && want >= UINT32_MAX ? -ERANGE : want_r),
		   "parse_uid('%s') returned %d", s, r);
	fuzz_check(r == 0 ? uid == want : uid == (uid_t)SENTINEL, "parse_uid('%s') value", s);

	r = parse_pid(s, &pid);
	fuzz_check(r == (want_r == 0 && (want == 0 || want > INT_MAX) ? -ERANGE : want_r),
		   "parse_pid('%s') returned %d", s, r);
	fuzz_check(r == 0 ? (uint64_t)pid == want && pid > 0 : pid == (pid_t)SENTINEL,
		   "parse_pid('%s') value", s);

	got = SENTINEL;
	want_r = ref_size(s, &want);
	r = parse_size(s, &got);
	check_u64("parse_size", r, got, want_r, want, s);

	got = SENTINEL;
	want_r = ref_duration(s, &want);
	r = parse_duration_ms(s, &got);
	check_u64("parse_duration_ms", r, got, want_r, want, s);
}

static void fuzz_bool(const char *s)
{
	bool b = true;
	int r = parse_bool(s, &b);

	if (streq(s, "yes") || streq(s, "true"))
		fuzz_check(r == 0 && b, "parse_bool('%s')", s);
	else if (streq(s, "no") || streq(s, "false"))
		fuzz_check(r == 0 && !b, "parse_bool('%s')", s);
	else
		fuzz_check(r == -EINVAL && b, "parse_bool('%s') accepted it or wrote ret", s);
}

static const struct conf_subject who = { .user = "alice", .uid = 1000, .host = "host" };

/* A policy key's value, accepted, must survive format -> parse -> format unchanged. */
static void fuzz_policy_key(enum policy_key k, const char *s)
{
	const struct conf_key *key = conf_key_by_policy(k);
	char why[256] = "", out1[POLICY_VALUE_MAX], out2[POLICY_VALUE_MAX];
	union conf_value v;
	struct policy p = { 0 }, p2 = { 0 };
	int r, n;

	fuzz_check(key && key->parse && key->store, "policy key %d has no parser", (int)k);
	r = key->parse(s, &v, why, sizeof(why));
	fuzz_check(r == 0 || r == -EINVAL || r == -ERANGE, "%s: '%s' returned %d", key->name, s, r);
	if (r < 0) {
		/* Whether it is fit for a log line is checked on real configs, by fuzz-conf. */
		fuzz_check(why[0], "%s: '%s': no reason", key->name, s);
		return;
	}
	key->store(&p, &v, &who);
	n = policy_format_value(&p, k, out1, sizeof(out1));
	fuzz_check(n >= 0 && (size_t)n == strlen(out1), "%s: '%s' does not format (%d)",
		   key->name, s, n);
	r = key->parse(out1, &v, why, sizeof(why));
	fuzz_check(r == 0, "%s: '%s' formats as '%s', which is refused: %s", key->name, s, out1,
		   why);
	key->store(&p2, &v, &who);
	n = policy_format_value(&p2, k, out2, sizeof(out2));
	fuzz_check(n >= 0 && streq(out1, out2), "%s: '%s' -> '%s' -> '%s'", key->name, s, out1,
		   n >= 0 ? out2 : "(error)");
}

static void fuzz_global_keys(const char *s)
{
	static const char *const names[] = { "exempt_users", "exempt_groups", "cgroup_root" };
	char why[256] = "";
	union conf_value v;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct conf_key *key = conf_key_find(names[i]);
		int r;

		fuzz_check(key && key->parse, "no key %s", names[i]);
		r = key->parse(s, &v, why, sizeof(why));
		fuzz_check(r == 0 || why[0], "%s: '%s': no reason", names[i], s);
		/* A cgroup_root the config accepts must be one the cgroup layer takes. */
		if (streq(names[i], "cgroup_root"))
			fuzz_check((r == 0) == cg_root_name_valid(s),
				   "cgroup_root '%s': config says %d, cgroup layer %d", s, r,
				   cg_root_name_valid(s));
	}
}

/*
 * The CPU lists of cgroup-cpuset.c: a list accepted comes back in the
 * kernel's form, which parses to the same set; a placement in it has
 * min(n, m) of its CPUs and no other (n and uid taken from the input).
 */
static void fuzz_cpulist(const char *s, const uint8_t *data, size_t size)
{
	static char buf[CG_CPULIST_MAX];
	struct cg_cpus c, again, placed;
	unsigned n = size > 0 ? data[0] : 0, m;
	uid_t uid = size > 1 ? (uid_t)data[1] << 24 | (uid_t)data[size - 1] : 0;
	int r = cg_cpus_parse(s, &c);

	fuzz_check(r == 0 || r == -EINVAL || r == -ERANGE, "cg_cpus_parse('%s') returned %d", s, r);
	if (r < 0)
		return;
	r = cg_cpus_format(&c, buf, sizeof(buf));
	fuzz_check(r >= 0 && (size_t)r == strlen(buf), "'%s' does not format (%d)", s, r);
	fuzz_check(cg_cpus_parse(buf, &again) == 0 && !memcmp(&c, &again, sizeof(c)),
		   "'%s' formats as '%s', which is another set", s, buf);
	m = cg_cpus_count(&c);
	cg_cpus_place(&c, uid, n, &placed);
	fuzz_check(cg_cpus_count(&placed) == (n < m ? n : m), "%u of '%s' for uid %u: %u CPUs",
		   n, s, (unsigned)uid, cg_cpus_count(&placed));
	for (size_t w = 0; w < ARRAY_SIZE(c.bits); w++)
		fuzz_check(!(placed.bits[w] & ~c.bits[w]), "%u of '%s' for uid %u: a CPU outside",
			   n, s, (unsigned)uid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);

	fuzz_numbers(s);
	fuzz_bool(s);
	for (int k = 0; k < _POLICY_KEY_MAX; k++)
		fuzz_policy_key((enum policy_key)k, s);
	fuzz_global_keys(s);
	fuzz_cpulist(s, data, size);
	free(s);
	return 0;
}
