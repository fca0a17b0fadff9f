/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/ipv4-pool.c: network_pool's syntax, and the address rule of network =
 * veth (docs/design.md): deterministic, the bridge's address never given out,
 * network and broadcast never given out, and no two uids of a range as wide
 * as the pool's slots on one address.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipv4-pool.h"
#include "tap.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct {
	const char *s;
	int r;
	uint32_t addr;
	unsigned prefix;
} parse_cases[] = {
	{ "10.213.7.0/24", 0, A(10, 213, 7, 0), 24 },
	{ "192.168.0.0/16", 0, A(192, 168, 0, 0), 16 },
	{ "10.0.0.0/8", 0, A(10, 0, 0, 0), 8 },
	{ "10.1.2.4/30", 0, A(10, 1, 2, 4), 30 },
	{ "0.0.0.0/1", 0, 0, 1 },
	{ "10.213.7.1/24", -EDOM, A(10, 213, 7, 0), 24 },	/* host bits set */
	{ "10.1.2.4/31", -ERANGE, A(10, 1, 2, 4), 31 },	/* no room */
	{ "10.1.2.4/32", -ERANGE, A(10, 1, 2, 4), 32 },
	{ "10.1.2.4/0", -ERANGE, 0, 0 },
	{ "10.1.2.0/33", -EINVAL, 0, 0 },
	{ "10.1.2.0", -EINVAL, 0, 0 },
	{ "10.1.2/24", -EINVAL, 0, 0 },
	{ "10.1.2.0.0/24", -EINVAL, 0, 0 },
	{ "10.1.256.0/24", -EINVAL, 0, 0 },
	{ "010.1.2.0/24", -EINVAL, 0, 0 },	/* inet_aton's octal */
	{ "10.1.2.0/024", -EINVAL, 0, 0 },
	{ "10.1.2.0/", -EINVAL, 0, 0 },
	{ " 10.1.2.0/24", -EINVAL, 0, 0 },
	{ "10.1.2.0/24 ", -EINVAL, 0, 0 },
	{ "10.1.2.0/+24", -EINVAL, 0, 0 },
	{ "0x0a.1.2.0/24", -EINVAL, 0, 0 },
	{ "fd00::/64", -EINVAL, 0, 0 },
	{ "", -EINVAL, 0, 0 },
	{ "1111.1.2.0/24", -EINVAL, 0, 0 },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct ipv4_net n = { 0xdeadbeef, 99 };
		int r = ipv4_net_parse(parse_cases[i].s, &n);

		is_int(r, parse_cases[i].r, "parse '%s'", parse_cases[i].s);
		if (parse_cases[i].r != -EINVAL)
			ok(n.addr == parse_cases[i].addr && n.prefix == parse_cases[i].prefix,
			   "parse '%s': the network it names", parse_cases[i].s);
	}
}

/* A /24 with the bridge on .1, its first host address. */
static void test_rule(void)
{
	struct ipv4_net n;
	uint32_t slots = 0, a = 0, gw;
	char buf[IPV4_ADDR_STR_MAX];
	bool distinct = true, inside = true;
	static bool used[256];

	(void)ipv4_net_parse("10.213.7.0/24", &n);
	gw = ipv4_net_first_host(&n);
	is_str(ipv4_addr_str(gw, buf), "10.213.7.1", "the bridge's address is the first host address");
	is_int(ipv4_pool_slots(&n, gw, &slots), 0, "a /24 with the bridge on .1");
	is_int(slots, 253, "a /24 has 253 slots: 256 less network, broadcast, bridge");
	(void)ipv4_pool_addr(&n, gw, 1000, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.243", "uid 1000: slot 1000 mod 253 = 241, .2 + 241");
	(void)ipv4_pool_addr(&n, gw, 0, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.2", "uid 0: the first address after the bridge");
	(void)ipv4_pool_addr(&n, gw, 252, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.254", "the last slot: the address before broadcast");
	(void)ipv4_pool_addr(&n, gw, 253, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.2", "uid 253 wraps onto uid 0's address");
	/* 253 consecutive uids anywhere: 253 distinct addresses, never .0, .1 or .255. */
	for (uid_t uid = 60000; uid < 60000 + 253; uid++) {
		(void)ipv4_pool_addr(&n, gw, uid, &a);
		inside = inside && ipv4_net_contains(&n, a) && a != n.addr && a != gw &&
			 a != n.addr + 255;
		distinct = distinct && !used[a & 0xff];
		used[a & 0xff] = true;
	}
	ok(distinct, "253 consecutive uids get 253 distinct addresses");
	ok(inside, "never the network, broadcast or bridge address");
}

/* The bridge elsewhere in the pool: stepped over; or not in the pool's hosts at all. */
static void test_rule_bridge(void)
{
	struct ipv4_net n;
	uint32_t a = 0, gw = A(10, 213, 7, 100);
	char buf[IPV4_ADDR_STR_MAX];

	(void)ipv4_net_parse("10.213.7.0/24", &n);
	(void)ipv4_pool_addr(&n, gw, 98, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.99", "bridge on .100: slot 98 is .99");
	(void)ipv4_pool_addr(&n, gw, 99, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.101", "bridge on .100: slot 99 steps over it");
	(void)ipv4_pool_addr(&n, gw, 1000, &a);
	is_str(ipv4_addr_str(a, buf), "10.213.7.243", "bridge on .100: uid 1000 as with .1");
	ok(ipv4_pool_addr(&n, gw, 4294967294u, &a) == 0 && ipv4_net_contains(&n, a),
	   "the largest uid maps into the pool");

	is_int(ipv4_pool_addr(&n, n.addr, 1000, &a), -EINVAL, "a bridge on the network address");
	is_int(ipv4_pool_addr(&n, n.addr + 255, 1000, &a), -EINVAL, "a bridge on broadcast");
	is_int(ipv4_pool_addr(&n, A(10, 213, 8, 1), 1000, &a), -EINVAL, "a bridge outside");
}

/* The smallest pool, one session, and a large one. */
static void test_rule_sizes(void)
{
	struct ipv4_net n;
	uint32_t slots = 0, a = 0, gw;
	char buf[IPV4_ADDR_STR_MAX];

	(void)ipv4_net_parse("10.1.2.4/30", &n);
	gw = ipv4_net_first_host(&n);
	ok(ipv4_pool_slots(&n, gw, &slots) == 0 && slots == 1, "a /30 has one slot");
	(void)ipv4_pool_addr(&n, gw, 4242, &a);
	is_str(ipv4_addr_str(a, buf), "10.1.2.6", "a /30: every uid gets .6");

	(void)ipv4_net_parse("10.0.0.0/8", &n);
	gw = ipv4_net_first_host(&n);
	(void)ipv4_pool_addr(&n, gw, 70000, &a);
	is_str(ipv4_addr_str(a, buf), "10.1.17.114", "a /8: uid 70000 is 10.0.0.2 + 70000");
}

int main(void)
{
	test_parse();
	test_rule();
	test_rule_bridge();
	test_rule_sizes();
	return done();
}
