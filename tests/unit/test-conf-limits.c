/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The limit keys: every accepted spelling and what it means, every refused
 * one with its exact message, the unit of each key, precedence (a user
 * section may lift a default with max, or unset it with an empty value), and
 * [global] cgroup_root.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test-conf-util.h"

struct good {
	const char *key, *value;
	bool percent;
	uint64_t v;
	const char *formatted;
};

static const struct good goods[] = {
	{ "memory_max", "512M", false, 512ULL << 20, "512M" },
	{ "memory_max", "2G", false, 2ULL << 30, "2G" },
	{ "memory_max", "1048576", false, 1ULL << 20, "1M" },
	{ "memory_max", "25%", true, 2500, "25%" },
	{ "memory_max", "12.5%", true, 1250, "12.50%" },
	{ "memory_max", "max", false, POLICY_UNLIMITED, "max" },
	{ "memory_high", "1T", false, 1ULL << 40, "1T" },
	{ "memory_swap_max", "0", false, 0, "0" },
	{ "cpu_max", "50%", false, 5000, "50%" },
	{ "cpu_max", "150%", false, 15000, "150%" },
	{ "cpu_max", "12.25%", false, 1225, "12.25%" },
	{ "cpu_max", "max", false, POLICY_UNLIMITED, "max" },
	{ "cpu_weight", "1", false, 1, "1" },
	{ "cpu_weight", "10000", false, 10000, "10000" },
	{ "pids_max", "4096", false, 4096, "4096" },
	{ "pids_max", "max", false, POLICY_UNLIMITED, "max" },
	{ "io_weight", "500", false, 500, "500" },
};

static const struct {
	const char *key, *value, *why;
} bads[] = {
	{ "memory_max", "10X", "'10X' is not a size (use 512M, 2G, 1T, a percentage of RAM such "
			       "as 25%, or max)" },
	{ "memory_max", "-1", "'-1' is not a size (use 512M, 2G, 1T, a percentage of RAM such as "
			      "25%, or max)" },
	{ "memory_max", "1K", "'1K' is too small (at least 1M: a session cannot start with less)" },
	{ "memory_max", "0%", "'0%' is not a percentage of RAM between 0.01% and 100%" },
	{ "memory_max", "150%", "'150%' is not a percentage of RAM between 0.01% and 100%" },
	{ "memory_max", "12.345%", "'12.345%' is not a size (use 512M, 2G, 1T, a percentage of "
				   "RAM such as 25%, or max)" },
	{ "memory_max", "99999999999T", "'99999999999T' is not a size (use 512M, 2G, 1T, a "
					"percentage of RAM such as 25%, or max)" },
	{ "cpu_max", "1.5", "'1.5' is not a percentage of one CPU (use 50%, 150% for one and a "
			    "half CPUs, or max)" },
	{ "cpu_max", "0.5%%", "'0.5%%' is not a percentage of one CPU (use 50%, 150% for one and "
			      "a half CPUs, or max)" },
	{ "cpu_max", "0%", "'0%' is out of range (1% to 100000%)" },
	{ "cpu_weight", "0", "'0' is out of range (1 to 10000)" },
	{ "cpu_weight", "max", "'max' is not a number" },
	{ "cpu_weight", "10001", "'10001' is out of range (1 to 10000)" },
	{ "pids_max", "0", "'0' is out of range (1 to 4194304)" },
	{ "pids_max", "042x", "'042x' is not a number (or max)" },
	{ "io_weight", "1e3", "'1e3' is not a number" },
	{ "io_max", "dev/vda wbps=1M", "'dev/vda wbps=1M' names the device 'dev/vda', which is "
				       "neither an absolute path nor MAJOR:MINOR" },
	{ "io_max", "8:x wbps=1M", "'8:x wbps=1M' names the device '8:x', which is neither an "
				   "absolute path nor MAJOR:MINOR" },
	{ "io_max", "/dev/vda", "'/dev/vda' gives /dev/vda no rbps=, wbps=, riops= or wiops=" },
	{ "io_max", "/dev/vda wbps=1M wbps=2M", "'/dev/vda wbps=1M wbps=2M' sets wbps twice for "
						"/dev/vda" },
	{ "io_max", "/dev/vda speed=1M", "'/dev/vda speed=1M' has 'speed=1M' for /dev/vda, which "
					 "is not rbps=, wbps=, riops= or wiops=" },
	{ "io_max", "/dev/vda wbps=0", "'/dev/vda wbps=0' has wbps=0 for /dev/vda, which is not a "
				       "rate in bytes per second (such as 20M) or max" },
	{ "io_max", "/dev/vda riops=1K", "'/dev/vda riops=1K' has riops=1K for /dev/vda, which is "
					 "not a positive number or max" },
	{ "io_max", "/dev/vda wbps=1M,", "'/dev/vda wbps=1M,' has an empty entry (entries are "
					 "separated by ',')" },
	{ "io_max", "/a rbps=1, /a wbps=1", "'/a rbps=1, /a wbps=1' names /a twice" },
	/* Found by fuzzing: the device went into the message as raw bytes. */
	{ "io_max", "\xc2\x9b" "2J rbps=1", "'\\xc2\\x9b2J rbps=1' names the device '\\xc2\\x9b2J', "
					  "which is neither an absolute path nor MAJOR:MINOR" },
	{ "io_max", "/\xc3\xa9 x=1", "'/\\xc3\\xa9 x=1' has 'x=1' for /\\xc3\\xa9, which is not "
				    "rbps=, wbps=, riops= or wiops=" },
	{ "io_max", "/a riops=1,/b riops=1,/c riops=1,/d riops=1,/e riops=1,/f riops=1,/g riops=1,"
		    "/h riops=1,/i riops=1", "'/a riops=1,/b riops=1,/c riops=1,/d riops=1,/e "
		    "riops=1,/f riops=...' names more than 8 devices" },
	{ "max_sessions", "", "'' is empty (use a number, or max)" },
	{ "max_sessions", "100001", "'100001' is out of range (1 to 100000)" },
};

static const enum limit_key limit_of[_POLICY_KEY_MAX] = {
	[POLICY_MEMORY_MAX] = LIMIT_MEMORY_MAX,
	[POLICY_MEMORY_HIGH] = LIMIT_MEMORY_HIGH,
	[POLICY_MEMORY_SWAP_MAX] = LIMIT_MEMORY_SWAP_MAX,
	[POLICY_CPU_MAX] = LIMIT_CPU_MAX,
	[POLICY_CPU_WEIGHT] = LIMIT_CPU_WEIGHT,
	[POLICY_PIDS_MAX] = LIMIT_PIDS_MAX,
	[POLICY_IO_WEIGHT] = LIMIT_IO_WEIGHT,
};

static int key_of(const char *name)
{
	for (int k = 0; k < _POLICY_KEY_MAX; k++)
		if (strcmp(policy_key_name((enum policy_key)k), name) == 0)
			return k;
	return -1;
}

static int load_text(const char *dir, const char *text, struct policy *p,
		     struct corral_err *err)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct fake_user u = { "dave", 1001, "", "box" };
	int r;

	if (write_str(dir, "corral.conf", text) < 0)
		return -EIO;
	r = load_dir(dir, &c, err);
	return r < 0 ? r : resolve_as(c, &u, p, err);
}

static void test_good(const char *dir)
{
	char text[256], buf[64];
	struct policy p;

	for (size_t i = 0; i < ARRAY_SIZE(goods); i++) {
		const struct good *g = &goods[i];
		struct corral_err err = CORRAL_ERR_INIT;
		int k = key_of(g->key);
		const struct policy_limit *l = &p.limit[limit_of[k]];

		snprintf(text, sizeof(text), "[defaults]\n%s = %s\n", g->key, g->value);
		if (!is_int(load_text(dir, text, &p, &err), 0, "%s = %s loads", g->key, g->value)) {
			diag("%s", err.msg);
			continue;
		}
		ok(l->set && l->percent == g->percent && l->v == g->v, "%s = %s means %s%llu",
		   g->key, g->value, g->percent ? "percent*100 " : "", (unsigned long long)g->v);
		policy_format_value(&p, (enum policy_key)k, buf, sizeof(buf));
		is_str(buf, g->formatted, "%s = %s is shown as %s", g->key, g->value, g->formatted);
	}
}

static void test_bad(const char *dir)
{
	char text[256], want[512];
	struct policy p;

	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		struct corral_err err = CORRAL_ERR_INIT;
		int r;

		snprintf(text, sizeof(text), "[defaults]\n%s = %s\n", bads[i].key, bads[i].value);
		r = load_text(dir, text, &p, &err);
		ok(r == -EINVAL || r == -ERANGE, "%s = '%s' is refused", bads[i].key, bads[i].value);
		snprintf(want, sizeof(want), "%s:2: [defaults] %s: %s", path_in(dir, "corral.conf"),
			 bads[i].key, bads[i].why);
		is_str(err.msg, want, "%s = '%s': the message", bads[i].key, bads[i].value);
	}
}

static void test_defaults_and_precedence(const char *dir)
{
	struct corral_err err = CORRAL_ERR_INIT;
	char buf[64];
	struct policy p;

	/* p is only written by a load that succeeded. */
	if (!is_int(load_text(dir, "[defaults]\n", &p, &err), 0, "an empty [defaults] loads"))
		return;
	ok(!p.limit[LIMIT_MEMORY_MAX].set && !p.limit[LIMIT_PIDS_MAX].set,
	   "no limit is set by default");
	is_int((long long)p.max_sessions, 100, "max_sessions is 100 by default");
	is_str(p.cgroup_root, "corral", "cgroup_root is corral by default");

	if (!is_int(load_text(dir, "[global]\ncgroup_root = corral-t-1\n[defaults]\n"
			      "memory_max = 1G\npids_max = 100\nmax_sessions = 3\n"
			      "[user:dave]\nmemory_max = max\npids_max =\nmax_sessions = max\n",
			      &p, &err), 0, "a user section over [defaults] loads"))
		return;
	is_str(p.cgroup_root, "corral-t-1", "cgroup_root is read from [global]");
	policy_format_value(&p, POLICY_MEMORY_MAX, buf, sizeof(buf));
	is_str(buf, "max", "the user section lifts memory_max with max");
	ok(!p.limit[LIMIT_PIDS_MAX].set, "an empty value unsets pids_max for the user");
	ok(p.max_sessions == POLICY_UNLIMITED, "max_sessions = max lifts the cap");
	is_int(p.origin[POLICY_MEMORY_MAX].line, 8, "the origin of memory_max is the user line");

	is_int(load_text(dir, "[global]\ncgroup_root = ../x\n", &p, &err), -EINVAL,
	       "a cgroup_root with a slash is refused");
	is_int(load_text(dir, "[global]\ncgroup_root = inits\n", &p, &err), -EINVAL,
	       "cgroup_root = inits is refused");
	is_int(load_text(dir, "[defaults]\ncgroup_root = x\n", &p, &err), -EINVAL,
	       "cgroup_root is only valid in [global]");
}

static void test_io_max(const char *dir)
{
	struct corral_err err = CORRAL_ERR_INIT;
	const struct policy_io_dev *d;
	char buf[256];
	struct policy p;

	if (!is_int(load_text(dir, "[defaults]\nio_max = /dev/vda rbps=50M wbps=20M riops=1000, "
			      "254:16 wiops=max wiops_x=1\n", &p, &err), -EINVAL,
		    "an unknown io_max setting is refused"))
		diag("%s", err.msg);
	if (!is_int(load_text(dir, "[defaults]\nio_max = /dev/vda rbps=50M wbps=20M  riops=1000 ,"
			      "\t254:16 wiops=300\n", &p, &err), 0, "io_max with two devices loads")) {
		diag("%s", err.msg);
		return;
	}
	is_int(p.io_max.n, 2, "io_max names two devices");
	d = &p.io_max.dev[0];
	ok(streq(d->name, "/dev/vda") && d->v[IO_MAX_RBPS] == 50ULL << 20 &&
	   d->v[IO_MAX_WBPS] == 20ULL << 20 && d->v[IO_MAX_RIOPS] == 1000 &&
	   d->v[IO_MAX_WIOPS] == POLICY_UNLIMITED, "the first device: sizes with units, "
	   "an unnamed setting uncapped");
	d = &p.io_max.dev[1];
	ok(streq(d->name, "254:16") && d->v[IO_MAX_WIOPS] == 300 && d->v[IO_MAX_RBPS] ==
	   POLICY_UNLIMITED, "the second device by MAJOR:MINOR");
	policy_format_value(&p, POLICY_IO_MAX, buf, sizeof(buf));
	is_str(buf, "/dev/vda rbps=52428800 wbps=20971520 riops=1000, 254:16 wiops=300",
	       "io_max is shown in bytes and counts");

	/* Found by fuzzing: shown as "/dev/vda", which is not a valid io_max. */
	if (!is_int(load_text(dir, "[defaults]\nio_max = /dev/vda wbps=max, 8:0 "
			      "riops=18446744073709551615\n", &p, &err), 0,
		    "io_max with caps of max loads"))
		return;
	policy_format_value(&p, POLICY_IO_MAX, buf, sizeof(buf));
	is_str(buf, "/dev/vda rbps=max, 8:0 rbps=max", "a device without a cap is shown with one max");

	if (!is_int(load_text(dir, "[defaults]\nio_max = /dev/vda wbps=1M\n[user:dave]\nio_max =\n",
			      &p, &err), 0, "an empty io_max in a user section loads"))
		return;
	is_int(p.io_max.n, 0, "... and lifts the caps of [defaults]");
	if (!is_int(load_text(dir, "[defaults]\n", &p, &err), 0, "no io_max loads"))
		return;
	is_int(p.io_max.n, 0, "io_max caps nothing by default");
}

/* cpus: a count, auto (resolved by the cgroup layer against cpu_max), or unset. */
static void test_cpus(const char *dir)
{
	static const struct {
		const char *text, *formatted;
		bool set;
		uint64_t v;
	} rows[] = {
		{ "[defaults]\n", "", false, 0 },
		{ "[defaults]\ncpus = 2\n", "2", true, 2 },
		{ "[defaults]\ncpus = 0008\n", "8", true, 8 },
		{ "[defaults]\ncpus = 8192\n", "8192", true, 8192 },
		{ "[defaults]\ncpus = auto\n", "auto", true, POLICY_CPUS_AUTO },
		{ "[defaults]\ncpus = 4\n[user:dave]\ncpus =\n", "", false, 0 },
		{ "[defaults]\ncpus =\n[group:none]\ncpus = 1\n[user:dave]\ncpus = auto\n", "auto",
		  true, POLICY_CPUS_AUTO },
	};
	char buf[64], limits[512];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct corral_err err = CORRAL_ERR_INIT;
		struct policy p;

		if (!is_int(load_text(dir, rows[i].text, &p, &err), 0, "cpus, case %zu, loads", i)) {
			diag("%s", err.msg);
			continue;
		}
		ok(p.cpus.set == rows[i].set && (!p.cpus.set || p.cpus.v == rows[i].v),
		   "cpus, case %zu: set %d, %llu", i, rows[i].set, (unsigned long long)rows[i].v);
		policy_format_value(&p, POLICY_CPUS, buf, sizeof(buf));
		is_str(buf, rows[i].formatted, "cpus, case %zu, is shown as '%s'", i,
		       rows[i].formatted);
		/* Recorded in the session's state with the limits, as corralctl limits reads them. */
		policy_format_limits(&p, limits, sizeof(limits));
		ok(rows[i].set == (strstr(limits, "cpus ") != NULL), "cpus, case %zu: %s the "
		   "recorded limits", i, rows[i].set ? "in" : "not in");
	}
}

int main(void)
{
	with_scratch("good values", test_good);
	with_scratch("bad values", test_bad);
	with_scratch("defaults and precedence", test_defaults_and_precedence);
	with_scratch("io_max", test_io_max);
	with_scratch("cpus", test_cpus);
	return done();
}
