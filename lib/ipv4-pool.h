/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * network = veth: the IPv4 pool sessions take their addresses from, and the
 * rule that gives each user one. Pure functions (no I/O), shared by the
 * policy layer, which checks the configuration, and the helper, which uses it.
 * Addresses are in host byte order.
 */

#include <stdint.h>
#include <sys/types.h>

/* The widest prefix with room: network, broadcast, the bridge and one session. */
#define IPV4_POOL_PREFIX_MAX 30
#define IPV4_ADDR_STR_MAX sizeof("255.255.255.255/32")

struct ipv4_net {
	uint32_t addr;		/* the network address: no host bits set */
	unsigned prefix;	/* 1..IPV4_POOL_PREFIX_MAX */
};

/*
 * "A.B.C.D/N" in dotted quad, strictly (no leading zeros, no spaces).
 * -EINVAL: not that form; -EDOM: host bits set (ret holds the network it
 * names, for the message); -ERANGE: the prefix leaves no room (over /30, or /0).
 */
int ipv4_net_parse(const char *s, struct ipv4_net *ret);
/* "A.B.C.D" of addr into buf (at least IPV4_ADDR_STR_MAX bytes). */
char *ipv4_addr_str(uint32_t addr, char *buf);

uint32_t ipv4_net_size(const struct ipv4_net *n);	/* addresses, 4..2^31 */
int ipv4_net_contains(const struct ipv4_net *n, uint32_t addr);
/* The first host address: the bridge's unless it already has one in the pool. */
uint32_t ipv4_net_first_host(const struct ipv4_net *n);

/*
 * The users' addresses, n's host addresses but the bridge's (gw): how many,
 * and uid's: slot uid mod that count, counted up from the first host address
 * and stepping over gw. Deterministic, and two uids get the same address only
 * if they are equal modulo the count (so never when the uids in use span
 * fewer numbers than the pool has slots). -EINVAL: gw is not a host address
 * of n.
 */
int ipv4_pool_slots(const struct ipv4_net *n, uint32_t gw, uint32_t *ret);
int ipv4_pool_addr(const struct ipv4_net *n, uint32_t gw, uid_t uid, uint32_t *ret);
