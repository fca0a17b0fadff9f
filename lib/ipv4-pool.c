/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "ipv4-pool.h"

/* One decimal octet, 0..255, without a sign or a leading zero ("010" is octal to inet_aton). */
static int parse_octet(const char **p, unsigned max, unsigned *ret)
{
	const char *s = *p;
	unsigned v = 0, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		v = v * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 3 || (digits > 1 && **p == '0') || v > max)
		return -EINVAL;
	*p = s;
	*ret = v;
	return 0;
}

int ipv4_net_parse(const char *s, struct ipv4_net *ret)
{
	uint32_t addr = 0, mask;
	unsigned v, prefix;

	for (int i = 0; i < 4; i++) {
		if (parse_octet(&s, 255, &v) < 0 || *s++ != (i < 3 ? '.' : '/'))
			return -EINVAL;
		addr = addr << 8 | v;
	}
	if (parse_octet(&s, 32, &prefix) < 0 || *s)
		return -EINVAL;
	mask = prefix ? (~(uint32_t)0 << (32 - prefix)) : 0;
	if (prefix == 0 || prefix > IPV4_POOL_PREFIX_MAX) {
		*ret = (struct ipv4_net){ addr & mask, prefix };
		return -ERANGE;
	}
	*ret = (struct ipv4_net){ addr & mask, prefix };
	return (addr & ~mask) ? -EDOM : 0;
}

char *ipv4_addr_str(uint32_t addr, char *buf)
{
	(void)snprintf(buf, IPV4_ADDR_STR_MAX, "%u.%u.%u.%u", addr >> 24, addr >> 16 & 0xff,
		       addr >> 8 & 0xff, addr & 0xff);
	return buf;
}

uint32_t ipv4_net_size(const struct ipv4_net *n)
{
	return (uint32_t)1 << (32 - n->prefix);
}

int ipv4_net_contains(const struct ipv4_net *n, uint32_t addr)
{
	return addr - n->addr < ipv4_net_size(n);
}

uint32_t ipv4_net_first_host(const struct ipv4_net *n)
{
	return n->addr + 1;
}

int ipv4_pool_slots(const struct ipv4_net *n, uint32_t gw, uint32_t *ret)
{
	uint32_t size = ipv4_net_size(n);

	if (!ipv4_net_contains(n, gw) || gw == n->addr || gw == n->addr + size - 1)
		return -EINVAL;
	*ret = size - 3;	/* network, broadcast, bridge */
	return 0;
}

int ipv4_pool_addr(const struct ipv4_net *n, uint32_t gw, uid_t uid, uint32_t *ret)
{
	uint32_t slots, a;
	int r;

	r = ipv4_pool_slots(n, gw, &slots);
	if (r < 0)
		return r;
	a = n->addr + 1 + (uint32_t)uid % slots;
	if (a >= gw)
		a++;
	*ret = a;
	return 0;
}
