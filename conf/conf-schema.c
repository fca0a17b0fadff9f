/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The schema: which sections exist, which keys each may hold, and how every
 * value is parsed. Unknown sections and keys are errors (a typo must never
 * become a silently missing setting), and values are parsed by the strict
 * parsers of lib/parse-util.c, never by iniparser's typed getters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"
#include "parse-util.h"

#define KILL_GRACE_MAX_MS (10 * 60 * 1000)
#define KEY_SUGGEST_MAX 32		/* longest key name we look for a suggestion for */
#define IFNAME_MAX 15			/* IFNAMSIZ less the NUL */

static int parse_yes_no(const char *s, union conf_value *ret, char *why, size_t size)
{
	if (parse_bool(s, &ret->b) < 0) {
		(void)snprintf(why, size, "is not a boolean (use yes, no, true or false)");
		return -EINVAL;
	}
	return 0;
}

static int parse_grace(const char *s, union conf_value *ret, char *why, size_t size)
{
	uint64_t ms;
	int r;

	r = parse_duration_ms(s, &ms);
	if (r == -EINVAL) {
		(void)snprintf(why, size, "is not a duration (use 5, 5s, 250ms or 2m)");
		return r;
	}
	if (r < 0 || ms > KILL_GRACE_MAX_MS) {
		(void)snprintf(why, size, "is too long (at most 10m)");
		return -ERANGE;
	}
	ret->u = ms;
	return 0;
}

static int parse_on_error(const char *s, union conf_value *ret, char *why, size_t size)
{
	for (int e = 0; e < _ON_ERROR_MAX; e++)
		if (strcmp(s, on_error_to_string((enum on_error)e)) == 0) {
			ret->e = e;
			return 0;
		}
	(void)snprintf(why, size, "is not a valid choice (use deny or allow)");
	return -EINVAL;
}

static int parse_network(const char *s, union conf_value *ret, char *why, size_t size)
{
	for (int n = 0; n < _NETWORK_MAX; n++)
		if (strcmp(s, network_to_string((enum policy_network)n)) == 0) {
			ret->e = n;
			return 0;
		}
	(void)snprintf(why, size, "is not a valid choice (use host, loopback or veth)");
	return -EINVAL;
}

static int parse_scope(const char *s, union conf_value *ret, char *why, size_t size)
{
	for (int e = 0; e < _POLICY_SCOPE_MAX; e++)
		if (strcmp(s, scope_to_string((enum policy_scope)e)) == 0) {
			ret->e = e;
			return 0;
		}
	(void)snprintf(why, size, "is not a valid choice (use session or user)");
	return -EINVAL;
}

static int parse_private_tmp(const char *s, union conf_value *ret, char *why, size_t size)
{
	for (int e = 0; e < _PRIVATE_TMP_MAX; e++)
		if (strcmp(s, private_tmp_to_string((enum private_tmp)e)) == 0) {
			ret->e = e;
			return 0;
		}
	(void)snprintf(why, size, "is not a valid choice (use no, session or user)");
	return -EINVAL;
}

static int parse_proc_view(const char *s, union conf_value *ret, char *why, size_t size)
{
	for (int e = 0; e < _PROC_VIEW_KIND_MAX; e++)
		if (strcmp(s, proc_view_to_string((enum policy_proc_view)e)) == 0) {
			ret->e = e;
			return 0;
		}
	(void)snprintf(why, size, "is not a valid choice (use host or lxcfs)");
	return -EINVAL;
}

/*
 * network_bridge: the kernel takes any bytes but '/', ':' and white space in
 * an interface name; we take the names admins write, and nothing a log line
 * or ip(8) would show confusingly.
 */
static int parse_ifname(const char *s, union conf_value *ret, char *why, size_t size)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	if (s[n] || n > IFNAME_MAX || streq(s, ".") || streq(s, "..") || s[0] == '-') {
		(void)snprintf(why, size, "is not a valid interface name (letters, digits, '.', "
			       "'_', '-', not starting with '-', at most %d bytes)", IFNAME_MAX);
		return -EINVAL;
	}
	ret->s = s;
	return 0;
}

static int parse_pool(const char *s, union conf_value *ret, char *why, size_t size)
{
	char buf[IPV4_ADDR_STR_MAX];
	struct ipv4_net n;
	int r;

	ret->s = s;
	if (!s[0])
		return 0;
	r = ipv4_net_parse(s, &n);
	if (r == -EDOM)
		(void)snprintf(why, size, "has host bits set (the network is %s/%u)",
			       ipv4_addr_str(n.addr, buf), n.prefix);
	else if (r == -ERANGE)
		(void)snprintf(why, size, "leaves no room (use /1 to /%d: the network, broadcast "
			       "and bridge addresses and at least one session's)",
			       IPV4_POOL_PREFIX_MAX);
	else if (r < 0)
		(void)snprintf(why, size, "is not an IPv4 network in CIDR notation (such as "
			       "10.213.0.0/24)");
	/* A key's parser answers -EINVAL or -ERANGE (conf_key); host bits set is a bad form. */
	return r == -EDOM ? -EINVAL : r;
}

static int parse_hostname(const char *s, union conf_value *ret, char *why, size_t size)
{
	int r = conf_template_check(s, why, size);

	if (r < 0)
		return r;
	ret->s = s;
	return 0;
}

static int parse_names(const char *s, union conf_value *ret, char *why, size_t size)
{
	char name[CONF_NAME_MAX + 1], esc[CONF_ESCAPED_SIZE];
	const char *p = s;
	int r;

	while ((r = conf_names_next(&p, name)) != 0) {
		if (r > 0 && conf_name_valid(name))
			continue;
		(void)snprintf(why, size, "contains the invalid name '%s' (names: letters, "
			       "digits, '.', '_', '-', '@', not starting with '-' or '@', "
			       "at most %d bytes)", r > 0 ? conf_escape(esc, sizeof(esc), name,
			       strlen(name), CONF_QUOTE_MAX) : "(too long)", CONF_NAME_MAX);
		return -EINVAL;
	}
	ret->s = s;
	return 0;
}

#define PERCENT_ONE 100			/* hundredths of a percent per percent */
#define MEMORY_MIN (1024 * 1024)
#define CPU_MAX_MAX (100000ULL * PERCENT_ONE)	/* a thousand CPUs */
#define PIDS_MAX_MAX 4194304			/* the kernel's PID_MAX_LIMIT */
#define SESSIONS_MAX 100000

/* "12.5%" -> 1250: a percentage with at most two decimals, in hundredths. */
static int parse_percent(const char *s, uint64_t *ret)
{
	char whole[32], frac[3] = "00";
	size_t n = strlen(s), dot;
	uint64_t w, f;

	if (n < 2 || n >= sizeof(whole) || s[n - 1] != '%')
		return -EINVAL;
	dot = strcspn(s, ".");
	if (dot >= n - 1)
		dot = n - 1;
	memcpy(whole, s, dot);
	whole[dot] = '\0';
	if (dot < n - 1) {
		size_t fn = n - 1 - dot - 1;

		if (fn == 0 || fn > 2 || strspn(s + dot + 1, "0123456789") != fn)
			return -EINVAL;
		memcpy(frac, s + dot + 1, fn);
	}
	if (parse_u64(whole, &w) < 0 || parse_u64(frac, &f) < 0 || w > UINT64_MAX / 1000)
		return -EINVAL;
	*ret = w * PERCENT_ONE + f;
	return 0;
}

/* "" leaves a limit unset (a drop-in may unset what [defaults] set); "max" lifts it. */
static bool limit_keyword(const char *s, union conf_value *ret)
{
	ret->l = (struct policy_limit){ .set = s[0] != '\0', .v = POLICY_UNLIMITED };
	return s[0] == '\0' || streq(s, "max");
}

/* What a key taking bytes or a percentage of RAM accepts, as its messages say it. */
struct amount_rule {
	uint64_t min;			/* bytes */
	const char *use;		/* "is not a size (use ...)" */
	const char *too_small;		/* "is too small (...)" */
};

#define MEMORY_USE "512M, 2G, 1T, a percentage of RAM such as 25%, or max"

static const struct amount_rule memory_rule = {
	MEMORY_MIN, MEMORY_USE, "at least 1M: a session cannot start with less",
};

static const struct amount_rule swap_rule = { 0, MEMORY_USE, "" };	/* 0: no swap */

/*
 * tmp_size: at least 1M, which also keeps out 0, the size tmpfs reads as "no
 * limit at all"; the way to the kernel's default is an empty value.
 */
static const struct amount_rule tmp_rule = {
	MEMORY_MIN, "512M, 2G, 1T, a percentage of RAM such as 10%, or empty for the kernel's "
	"default", "at least 1M",
};

/* Bytes with a unit, or a percentage of RAM; the keywords are the caller's. */
static int parse_amount(const char *s, struct policy_limit *ret, const struct amount_rule *rule,
			char *why, size_t size)
{
	uint64_t v;

	*ret = (struct policy_limit){ .set = true };
	if (parse_percent(s, &v) == 0) {
		if (v == 0 || v > 100 * PERCENT_ONE) {
			(void)snprintf(why, size, "is not a percentage of RAM between 0.01%% and 100%%");
			return -ERANGE;
		}
		ret->percent = true;
	} else if (parse_size(s, &v) < 0) {
		(void)snprintf(why, size, "is not a size (use %s)", rule->use);
		return -EINVAL;
	} else if (v < rule->min) {
		(void)snprintf(why, size, "is too small (%s)", rule->too_small);
		return -ERANGE;
	}
	ret->v = v;
	return 0;
}

static int parse_memory(const char *s, union conf_value *ret, char *why, size_t size)
{
	if (limit_keyword(s, ret))
		return 0;
	return parse_amount(s, &ret->l, &memory_rule, why, size);
}

static int parse_swap(const char *s, union conf_value *ret, char *why, size_t size)
{
	if (limit_keyword(s, ret))
		return 0;
	return parse_amount(s, &ret->l, &swap_rule, why, size);
}

/*
 * Empty leaves each tmpfs at the kernel's default size, half of RAM (its pages
 * are charged to the user's memory cgroup either way). "max" is refused rather
 * than guessed at: a tmpfs needs a size, and the only unbounded one, size=0,
 * is kept out by tmp_rule's minimum.
 */
static int parse_tmp_size(const char *s, union conf_value *ret, char *why, size_t size)
{
	if (s[0] == '\0') {
		ret->l = (struct policy_limit){ .set = false };
		return 0;
	}
	if (streq(s, "max")) {
		(void)snprintf(why, size, "is not a size (a tmpfs needs one: leave tmp_size empty "
			       "for the kernel's default, half of RAM)");
		return -EINVAL;
	}
	return parse_amount(s, &ret->l, &tmp_rule, why, size);
}

static int parse_cpu_max(const char *s, union conf_value *ret, char *why, size_t size)
{
	uint64_t v;

	if (limit_keyword(s, ret))
		return 0;
	if (parse_percent(s, &v) < 0) {
		(void)snprintf(why, size, "is not a percentage of one CPU (use 50%%, 150%% for one "
			       "and a half CPUs, or max)");
		return -EINVAL;
	}
	if (v < PERCENT_ONE || v > CPU_MAX_MAX) {
		(void)snprintf(why, size, "is out of range (1%% to 100000%%)");
		return -ERANGE;
	}
	ret->l.v = v;
	return 0;
}

static int parse_count(const char *s, union conf_value *ret, char *why, size_t size,
		       uint64_t min, uint64_t max, bool may_be_max)
{
	uint64_t v;
	int r;

	if ((may_be_max || s[0] == '\0') && limit_keyword(s, ret))
		return 0;
	ret->l = (struct policy_limit){ .set = true };
	r = parse_u64(s, &v);
	if (r == -EINVAL) {
		(void)snprintf(why, size, "is not a number%s", may_be_max ? " (or max)" : "");
		return r;
	}
	if (r < 0 || v < min || v > max) {
		(void)snprintf(why, size, "is out of range (%llu to %llu)", (unsigned long long)min,
			       (unsigned long long)max);
		return -ERANGE;
	}
	ret->l.v = v;
	return 0;
}

static int parse_weight(const char *s, union conf_value *ret, char *why, size_t size)
{
	return parse_count(s, ret, why, size, 1, 10000, false);
}

static int parse_pids(const char *s, union conf_value *ret, char *why, size_t size)
{
	return parse_count(s, ret, why, size, 1, PIDS_MAX_MAX, true);
}

static int parse_sessions(const char *s, union conf_value *ret, char *why, size_t size)
{
	if (s[0] == '\0') {
		(void)snprintf(why, size, "is empty (use a number, or max)");
		return -EINVAL;
	}
	return parse_count(s, ret, why, size, 1, SESSIONS_MAX, true);
}

/*
 * cpus: empty for no cpuset (the default), "auto" for as many CPUs as
 * cpu_max, or a count. 0 is refused rather than read as "none": the way to no
 * cpuset is an empty value. A count beyond the host's CPUs is clamped at
 * login, where the host is known.
 */
static int parse_cpus(const char *s, union conf_value *ret, char *why, size_t size)
{
	uint64_t v;
	int r;

	if (s[0] == '\0' || streq(s, "auto")) {
		ret->l = (struct policy_limit){ .set = s[0] != '\0', .v = POLICY_CPUS_AUTO };
		return 0;
	}
	r = parse_u64(s, &v);
	if (r == -EINVAL) {
		(void)snprintf(why, size, "is not a number of CPUs (use 2, auto to follow cpu_max, "
			       "or empty for all of them)");
		return r;
	}
	if (r < 0 || v < 1 || v > POLICY_CPUS_MAX) {
		(void)snprintf(why, size, "is out of range (1 to %d, or empty for all CPUs)",
			       POLICY_CPUS_MAX);
		return -ERANGE;
	}
	ret->l = (struct policy_limit){ .set = true, .v = v };
	return 0;
}

/* The raw value is kept (an entry stays small); store parses it again into the policy. */
static int parse_io_max(const char *s, union conf_value *ret, char *why, size_t size)
{
	struct policy_io_max io;
	int r = policy_io_max_parse(s, &io, why, size);

	if (r < 0)
		return r;
	ret->s = s;
	return 0;
}

static int parse_cgroup_root(const char *s, union conf_value *ret, char *why, size_t size)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct policy *)NULL)->cgroup_root) || s[0] == '.' ||
	    streq(s, "inits") ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n) {
		(void)snprintf(why, size, "is not a cgroup name (letters, digits, '_', '.', '-', "
			       "not starting with '.', at most 63 bytes, not 'inits')");
		return -EINVAL;
	}
	ret->s = s;
	return 0;
}

static void store_hostname(struct policy *p, const union conf_value *v,
			   const struct conf_subject *who)
{
	conf_template_expand(v->s, who, p->hostname);
}

static void store_kill_on_logout(struct policy *p, const union conf_value *v,
				 const struct conf_subject *who _unused_)
{
	p->kill_on_logout = v->b;
}

static void store_kill_grace(struct policy *p, const union conf_value *v,
			     const struct conf_subject *who _unused_)
{
	p->kill_grace_ms = v->u;
}

static void store_on_error(struct policy *p, const union conf_value *v,
			   const struct conf_subject *who _unused_)
{
	p->on_error = (enum on_error)v->e;
}

static void store_scope(struct policy *p, const union conf_value *v,
			const struct conf_subject *who _unused_)
{
	p->scope = (enum policy_scope)v->e;
}

static void store_linger(struct policy *p, const union conf_value *v,
			 const struct conf_subject *who _unused_)
{
	p->linger = v->b;
}

static void store_private_tmp(struct policy *p, const union conf_value *v,
			      const struct conf_subject *who _unused_)
{
	p->private_tmp = (enum private_tmp)v->e;
}

static void store_proc_view(struct policy *p, const union conf_value *v,
			    const struct conf_subject *who _unused_)
{
	p->proc_view = (enum policy_proc_view)v->e;
}

static void store_tmp_size(struct policy *p, const union conf_value *v,
			   const struct conf_subject *who _unused_)
{
	p->tmp_size = v->l;
}

static void store_limit(struct policy *p, const union conf_value *v, enum limit_key l)
{
	p->limit[l] = v->l;
}

#define LIMIT_STORE(fn, l)							\
	static void fn(struct policy *p, const union conf_value *v,		\
		       const struct conf_subject *who _unused_)			\
	{									\
		store_limit(p, v, l);						\
	}
LIMIT_STORE(store_memory_max, LIMIT_MEMORY_MAX)
LIMIT_STORE(store_memory_high, LIMIT_MEMORY_HIGH)
LIMIT_STORE(store_memory_swap_max, LIMIT_MEMORY_SWAP_MAX)
LIMIT_STORE(store_cpu_max, LIMIT_CPU_MAX)
LIMIT_STORE(store_cpu_weight, LIMIT_CPU_WEIGHT)
LIMIT_STORE(store_pids_max, LIMIT_PIDS_MAX)
LIMIT_STORE(store_io_weight, LIMIT_IO_WEIGHT)

static void store_max_sessions(struct policy *p, const union conf_value *v,
			       const struct conf_subject *who _unused_)
{
	p->max_sessions = v->l.v;
}

static void store_io_max(struct policy *p, const union conf_value *v,
			 const struct conf_subject *who _unused_)
{
	char why[256];

	/* Cannot fail: the same string passed parse_io_max(). */
	if (policy_io_max_parse(v->s, &p->io_max, why, sizeof(why)) < 0)
		p->io_max.n = 0;
}

static void store_cpus(struct policy *p, const union conf_value *v,
		       const struct conf_subject *who _unused_)
{
	p->cpus = v->l;
}

static int format_str(char *buf, size_t size, const char *s)
{
	int n = snprintf(buf, size, "%s", s);

	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static int format_hostname(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->hostname);
}

static int format_kill_on_logout(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->kill_on_logout ? "yes" : "no");
}

/* The shortest of the config's own spellings: 2m, 5s, 250ms. */
static int format_kill_grace(const struct policy *p, char *buf, size_t size)
{
	uint64_t ms = p->kill_grace_ms;
	int n;

	if (ms != 0 && ms % 60000 == 0)
		n = snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		n = snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		n = snprintf(buf, size, "%llums", (unsigned long long)ms);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static void store_network(struct policy *p, const union conf_value *v,
			  const struct conf_subject *who _unused_)
{
	p->network = (enum policy_network)v->e;
}

static int format_network(const struct policy *p, char *buf, size_t size)
{
	const char *s = network_to_string(p->network);

	return s ? format_str(buf, size, s) : -EINVAL;
}

static void store_network_bridge(struct policy *p, const union conf_value *v,
				 const struct conf_subject *who _unused_)
{
	(void)snprintf(p->network_bridge, sizeof(p->network_bridge), "%s", v->s);
}

static int format_network_bridge(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->network_bridge);
}

/* Parsed again: the value was checked, and a conf_value holds no network. */
static void store_network_pool(struct policy *p, const union conf_value *v,
			       const struct conf_subject *who _unused_)
{
	if (!v->s[0] || ipv4_net_parse(v->s, &p->network_pool) < 0)
		p->network_pool = (struct ipv4_net){ 0 };
}

static int format_network_pool(const struct policy *p, char *buf, size_t size)
{
	char a[IPV4_ADDR_STR_MAX];
	int n;

	if (p->network_pool.prefix == 0)
		return format_str(buf, size, "");
	n = snprintf(buf, size, "%s/%u", ipv4_addr_str(p->network_pool.addr, a),
		     p->network_pool.prefix);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static void store_network_bridge_create(struct policy *p, const union conf_value *v,
					const struct conf_subject *who _unused_)
{
	p->network_bridge_create = v->b;
}

static int format_network_bridge_create(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->network_bridge_create ? "yes" : "no");
}

static int format_on_error(const struct policy *p, char *buf, size_t size)
{
	const char *s = on_error_to_string(p->on_error);

	return s ? format_str(buf, size, s) : -EINVAL;
}

static int format_scope(const struct policy *p, char *buf, size_t size)
{
	const char *s = scope_to_string(p->scope);

	return s ? format_str(buf, size, s) : -EINVAL;
}

static int format_linger(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->linger ? "yes" : "no");
}

static int format_private_tmp(const struct policy *p, char *buf, size_t size)
{
	const char *s = private_tmp_to_string(p->private_tmp);

	return s ? format_str(buf, size, s) : -EINVAL;
}

static int format_proc_view(const struct policy *p, char *buf, size_t size)
{
	const char *s = proc_view_to_string(p->proc_view);

	return s ? format_str(buf, size, s) : -EINVAL;
}

static int format_bytes(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "KMGT";
	int i = -1, n;

	while (i < 3 && v != 0 && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	n = i < 0 ? snprintf(buf, size, "%llu", (unsigned long long)v) :
		    snprintf(buf, size, "%llu%c", (unsigned long long)v, units[i]);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static int format_hundredths(char *buf, size_t size, uint64_t v)
{
	int n = v % PERCENT_ONE ?
		snprintf(buf, size, "%llu.%02llu%%", (unsigned long long)(v / PERCENT_ONE),
			 (unsigned long long)(v % PERCENT_ONE)) :
		snprintf(buf, size, "%llu%%", (unsigned long long)(v / PERCENT_ONE));

	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

/* As the config spells it: "" unset, "max", "512M", "25%", "150%", "4096". */
static int format_limit(const struct policy *p, enum limit_key l, char *buf, size_t size)
{
	const struct policy_limit *v = &p->limit[l];

	if (!v->set)
		return format_str(buf, size, "");
	if (v->v == POLICY_UNLIMITED)
		return format_str(buf, size, "max");
	if (v->percent || l == LIMIT_CPU_MAX)
		return format_hundredths(buf, size, v->v);
	if (l <= LIMIT_MEMORY_SWAP_MAX)
		return format_bytes(buf, size, v->v);
	return snprintf(buf, size, "%llu", (unsigned long long)v->v);
}

/* "" unset, "512M", "10%". */
static int format_tmp_size(const struct policy *p, char *buf, size_t size)
{
	const struct policy_limit *v = &p->tmp_size;

	if (!v->set)
		return format_str(buf, size, "");
	if (v->percent)
		return format_hundredths(buf, size, v->v);
	return format_bytes(buf, size, v->v);
}

#define LIMIT_FORMAT(fn, l)							\
	static int fn(const struct policy *p, char *buf, size_t size)		\
	{									\
		return format_limit(p, l, buf, size);				\
	}
LIMIT_FORMAT(format_memory_max, LIMIT_MEMORY_MAX)
LIMIT_FORMAT(format_memory_high, LIMIT_MEMORY_HIGH)
LIMIT_FORMAT(format_memory_swap_max, LIMIT_MEMORY_SWAP_MAX)
LIMIT_FORMAT(format_cpu_max, LIMIT_CPU_MAX)
LIMIT_FORMAT(format_cpu_weight, LIMIT_CPU_WEIGHT)
LIMIT_FORMAT(format_pids_max, LIMIT_PIDS_MAX)
LIMIT_FORMAT(format_io_weight, LIMIT_IO_WEIGHT)

static int format_io_max(const struct policy *p, char *buf, size_t size)
{
	return policy_io_max_format(&p->io_max, buf, size);
}

/* "" unset, "auto", "2". */
static int format_cpus(const struct policy *p, char *buf, size_t size)
{
	int n;

	if (!p->cpus.set)
		return format_str(buf, size, "");
	if (p->cpus.v == POLICY_CPUS_AUTO)
		return format_str(buf, size, "auto");
	n = snprintf(buf, size, "%llu", (unsigned long long)p->cpus.v);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static int format_max_sessions(const struct policy *p, char *buf, size_t size)
{
	if (p->max_sessions == POLICY_UNLIMITED)
		return format_str(buf, size, "max");
	return snprintf(buf, size, "%llu", (unsigned long long)p->max_sessions);
}

/* Key names are at most KEY_SUGGEST_MAX bytes. Keep policy keys in enum policy_key order. */
static const struct conf_key keys[] = {
	{ "exempt_users", SCOPE_GLOBAL, -1, "root", parse_names, NULL, NULL },
	{ "exempt_groups", SCOPE_GLOBAL, -1, "", parse_names, NULL, NULL },
	{ "hostname", SCOPE_POLICY, POLICY_HOSTNAME, "", parse_hostname, store_hostname,
	  format_hostname },
	{ "kill_on_logout", SCOPE_POLICY, POLICY_KILL_ON_LOGOUT, "yes", parse_yes_no,
	  store_kill_on_logout, format_kill_on_logout },
	{ "kill_grace", SCOPE_POLICY, POLICY_KILL_GRACE, "5s", parse_grace, store_kill_grace,
	  format_kill_grace },
	{ "on_error", SCOPE_POLICY, POLICY_ON_ERROR, "deny", parse_on_error, store_on_error,
	  format_on_error },
	{ "scope", SCOPE_POLICY, POLICY_SCOPE, "session", parse_scope, store_scope, format_scope },
	{ "linger", SCOPE_POLICY, POLICY_LINGER, "no", parse_yes_no, store_linger, format_linger },
	{ "private_tmp", SCOPE_POLICY, POLICY_PRIVATE_TMP, "no", parse_private_tmp,
	  store_private_tmp, format_private_tmp },
	{ "tmp_size", SCOPE_POLICY, POLICY_TMP_SIZE, "", parse_tmp_size, store_tmp_size,
	  format_tmp_size },
	{ "proc_view", SCOPE_POLICY, POLICY_PROC_VIEW, "host", parse_proc_view, store_proc_view,
	  format_proc_view },
	{ "memory_max", SCOPE_POLICY, POLICY_MEMORY_MAX, "", parse_memory, store_memory_max,
	  format_memory_max },
	{ "memory_high", SCOPE_POLICY, POLICY_MEMORY_HIGH, "", parse_memory, store_memory_high,
	  format_memory_high },
	{ "memory_swap_max", SCOPE_POLICY, POLICY_MEMORY_SWAP_MAX, "", parse_swap,
	  store_memory_swap_max, format_memory_swap_max },
	{ "cpu_max", SCOPE_POLICY, POLICY_CPU_MAX, "", parse_cpu_max, store_cpu_max,
	  format_cpu_max },
	{ "cpu_weight", SCOPE_POLICY, POLICY_CPU_WEIGHT, "", parse_weight, store_cpu_weight,
	  format_cpu_weight },
	{ "pids_max", SCOPE_POLICY, POLICY_PIDS_MAX, "", parse_pids, store_pids_max,
	  format_pids_max },
	{ "io_weight", SCOPE_POLICY, POLICY_IO_WEIGHT, "", parse_weight, store_io_weight,
	  format_io_weight },
	{ "max_sessions", SCOPE_POLICY, POLICY_MAX_SESSIONS, "100", parse_sessions,
	  store_max_sessions, format_max_sessions },
	{ "io_max", SCOPE_POLICY, POLICY_IO_MAX, "", parse_io_max, store_io_max, format_io_max },
	{ "cpus", SCOPE_POLICY, POLICY_CPUS, "", parse_cpus, store_cpus, format_cpus },
	{ "network", SCOPE_POLICY, POLICY_NETWORK, "host", parse_network, store_network,
	  format_network },
	{ "network_bridge", SCOPE_POLICY, POLICY_NETWORK_BRIDGE, "", parse_ifname,
	  store_network_bridge, format_network_bridge },
	{ "network_pool", SCOPE_POLICY, POLICY_NETWORK_POOL, "", parse_pool, store_network_pool,
	  format_network_pool },
	{ "network_bridge_create", SCOPE_POLICY, POLICY_NETWORK_BRIDGE_CREATE, "no", parse_yes_no,
	  store_network_bridge_create, format_network_bridge_create },
	{ "cgroup_root", SCOPE_GLOBAL, -1, "corral", parse_cgroup_root, NULL, NULL },
};

const struct conf_key *conf_key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

const struct conf_key *conf_key_by_policy(enum policy_key k)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].policy >= 0 && keys[i].policy == (int)k)
			return &keys[i];
	return NULL;
}

/* Levenshtein distance of two short strings (both at most KEY_SUGGEST_MAX bytes). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[KEY_SUGGEST_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static const char *suggest_key(const char *key)
{
	const char *best = NULL;
	size_t best_d = 3;	/* suggest only within two edits */

	if (strlen(key) > KEY_SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t d = edit_distance(key, keys[i].name);

		if (d < best_d) {
			best = keys[i].name;
			best_d = d;
		}
	}
	return best;
}

static const struct {
	const char *word;		/* "global", or the prefix of "group:NAME" */
	enum section_kind kind;
	const char *name_of;		/* what NAME is, for sections that carry one */
} section_kinds[] = {
	{ "global", SECTION_GLOBAL, NULL },
	{ "defaults", SECTION_DEFAULTS, NULL },
	{ "group:", SECTION_GROUP, "group" },
	{ "user:", SECTION_USER, "user" },
};

static int classify_section(struct conf_section *s, struct corral_err *err)
{
	char esc[CONF_ESCAPED_SIZE];

	for (size_t i = 0; i < ARRAY_SIZE(section_kinds); i++) {
		const char *word = section_kinds[i].word;
		size_t n = strlen(word);
		bool match = section_kinds[i].name_of ? strncmp(s->name, word, n) == 0 :
							strcmp(s->name, word) == 0;

		if (!match)
			continue;
		s->kind = section_kinds[i].kind;
		if (!section_kinds[i].name_of)
			return 0;
		s->arg = s->name + n;
		if (conf_name_valid(s->arg))
			return 0;
		return conf_err_at(err, -EINVAL, s->file, s->line, s, NULL,
				   "'%s' is not a valid %s name (letters, digits, '.', '_', '-', "
				   "'@', not starting with '-' or '@', at most %d bytes)",
				   conf_escape(esc, sizeof(esc), s->arg, strlen(s->arg),
					       CONF_QUOTE_MAX), section_kinds[i].name_of,
				   CONF_NAME_MAX);
	}
	return conf_err_at(err, -EINVAL, s->file, s->line, NULL, NULL,
			   "unknown section [%s] (use [global], [defaults], [group:NAME] or "
			   "[user:NAME])", conf_escape(esc, sizeof(esc), s->name, strlen(s->name),
						       CONF_QUOTE_MAX));
}

static int check_entry(const struct conf_section *s, struct conf_entry *e,
		       struct corral_err *err)
{
	const struct conf_key *k = conf_key_find(e->key);
	const char *hint;

	if (!k) {
		hint = suggest_key(e->key);
		return conf_err_at(err, -EINVAL, s->file, e->line, s, e->key, "unknown key%s%s%s",
				   hint ? " (did you mean '" : "", hint ? hint : "",
				   hint ? "'?)" : "");
	}
	if (s->kind == SECTION_GLOBAL && k->scope != SCOPE_GLOBAL)
		return conf_err_at(err, -EINVAL, s->file, e->line, s, e->key,
				   "not valid in [global] (put it in [defaults], [group:NAME] "
				   "or [user:NAME])");
	if (s->kind != SECTION_GLOBAL && k->scope == SCOPE_GLOBAL)
		return conf_err_at(err, -EINVAL, s->file, e->line, s, e->key,
				   "only valid in [global]");
	e->def = k;
	return 0;
}

/* Sections and keys known and in their place, in file order. */
int conf_schema_check(struct conf_section *sections, size_t n, struct corral_err *err)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		r = classify_section(&sections[i], err);
		for (size_t j = 0; r >= 0 && j < sections[i].n_entries; j++)
			r = check_entry(&sections[i], &sections[i].entries[j], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_value(const struct conf_section *s, struct conf_entry *e,
		       struct corral_err *err)
{
	char why[256] = "", esc[CONF_ESCAPED_SIZE];
	int r;

	r = e->def->parse(e->value, &e->v, why, sizeof(why));
	if (r < 0)
		return conf_err_at(err, r, s->file, e->line, s, e->key, "'%s' %s",
				   conf_escape(esc, sizeof(esc), e->value, strlen(e->value),
					       CONF_QUOTE_MAX), why);
	return 0;
}

int conf_schema_parse_values(struct conf_section *sections, size_t n, struct corral_err *err)
{
	int r;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sections[i].n_entries; j++) {
			r = parse_value(&sections[i], &sections[i].entries[j], err);
			if (r < 0)
				return r;
		}
	return 0;
}

int policy_set_value(struct policy *p, const char *key, const char *value,
		     const struct conf_subject *who, struct corral_err *err)
{
	const struct conf_key *k = conf_key_find(key);
	char why[256] = "", esc[CONF_ESCAPED_SIZE];
	union conf_value v;
	const char *hint;
	int r;

	if (!k) {
		hint = suggest_key(key);
		return err_set(err, -EINVAL, "%s: unknown key%s%s%s",
			       conf_escape(esc, sizeof(esc), key, strlen(key), CONF_QUOTE_MAX),
			       hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	if (k->scope != SCOPE_POLICY)
		return err_set(err, -EINVAL, "%s: only valid in [global]", key);
	r = k->parse(value, &v, why, sizeof(why));
	if (r < 0)
		return err_set(err, r, "%s: '%s' %s", key,
			       conf_escape(esc, sizeof(esc), value, strlen(value), CONF_QUOTE_MAX),
			       why);
	k->store(p, &v, who);
	p->origin[k->policy] = (struct policy_origin){ 0 };
	return 0;
}

int policy_format_limits(const struct policy *p, char *buf, size_t size)
{
	size_t off = 0;

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (int k = POLICY_MEMORY_MAX; k < _POLICY_KEY_MAX; k++) {
		char v[POLICY_VALUE_MAX];
		int n;

		if (k > POLICY_NETWORK && p->network != NETWORK_VETH)
			continue;	/* the veth keys mean nothing to another mode */
		if (policy_format_value(p, (enum policy_key)k, v, sizeof(v)) < 0 || !v[0])
			continue;
		n = snprintf(buf + off, size - off, "%s %s\n", policy_key_name((enum policy_key)k), v);
		if (n < 0 || (size_t)n >= size - off)
			buf[off] = '\0';	/* left out whole rather than cut */
		else
			off += (size_t)n;
	}
	return 0;
}
