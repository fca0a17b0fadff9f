/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * network = veth, through rtnetlink (libmnl, netlink.c), no exec of ip(8).
 * The host's half runs in the helper, under the open lock: it finds the
 * bridge, the user's address, and creates the pair with its peer born in the
 * session's namespace, as ip/link_veth.c builds it. The session's half runs in
 * the cloned init before exec, in its namespace, on a socket opened there.
 * Teardown needs nothing privileged: the peer lives in the session's
 * namespace, and the kernel deletes the pair when that namespace is freed.
 * The helper deletes the host end itself when it ends a session, and when an
 * open fails, so that nothing waits on the kernel's asynchronous cleanup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "net-veth.h"
#include "netlink.h"
#include "parse-util.h"

#define MSG_SIZE 1024		/* the largest request here, the veth pair, is about 150 bytes */
#define HOST_PREFIX "cr"
#define CONFLICTS_MAX 8		/* users on uid's address we look at; more is absurd */

union msg {
	char buf[MSG_SIZE];
	struct nlmsghdr align;
};

struct link_info {
	unsigned index, mtu, master;
	char name[IFNAMSIZ];
	char kind[16];
};

void veth_host_name(uid_t uid, char ret[IFNAMSIZ])
{
	(void)snprintf(ret, IFNAMSIZ, HOST_PREFIX "%u", (unsigned)uid);
}

static struct nlmsghdr *msg_new(union msg *m, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	return ifm;
}

static int bad(void)
{
	errno = EBADMSG;
	return MNL_CB_ERROR;
}

static int linkinfo_attr(const struct nlattr *a, void *data)
{
	struct link_info *l = data;

	if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return bad();
	(void)snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct link_info *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(a) > IFNAMSIZ)
			return bad();
		(void)snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return bad();
		*(mnl_attr_get_type(a) == IFLA_MTU ? &l->mtu : &l->master) = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(a, linkinfo_attr, l) < 0)
			return bad();
		break;
	}
	return MNL_CB_OK;
}

static int parse_link(const struct nlmsghdr *nlh, struct link_info *l)
{
	const struct ifinfomsg *ifm;

	*l = (struct link_info){ 0 };
	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return bad();
	ifm = mnl_nlmsg_get_payload(nlh);
	if (ifm->ifi_index <= 0)
		return bad();
	l->index = (unsigned)ifm->ifi_index;
	return mnl_attr_parse(nlh, sizeof(*ifm), link_attr, l) < 0 ? bad() : MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	return parse_link(nlh, data);
}

/* The link named name: 0, or -ENODEV when there is none (err set either way). */
static int link_get(struct mnl_socket *nl, const char *name, struct link_info *ret,
		    struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_GETLINK, NLM_F_ACK);
	char what[IFNAMSIZ + 32];

	(void)snprintf(what, sizeof(what), "looking up link %s", name);
	(void)put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	*ret = (struct link_info){ 0 };
	return nl_request(nl, nlh, on_link, ret, what, err);
}

static int link_del(struct mnl_socket *nl, const char *name, struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_DELLINK, NLM_F_ACK);
	char what[IFNAMSIZ + 32];

	(void)snprintf(what, sizeof(what), "deleting link %s", name);
	(void)put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nl, nlh, NULL, NULL, what, err);
}

static int addr_add(struct mnl_socket *nl, unsigned index, const char *ifname, uint32_t addr,
		    unsigned prefix, struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t mask = ~(uint32_t)0 << (32 - prefix);
	char a[IPV4_ADDR_STR_MAX], what[IFNAMSIZ + IPV4_ADDR_STR_MAX + 32];

	(void)snprintf(what, sizeof(what), "adding address %s/%u to %s", ipv4_addr_str(addr, a),
		       prefix, ifname);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(addr | ~mask));
	return nl_request(nl, nlh, NULL, NULL, what, err);
}

/* --- the host's half ------------------------------------------------------ */

struct addr_scan {
	unsigned index;
	const struct ipv4_net *pool;
	uint32_t found;		/* 0: none yet */
};

static int addr_attr(const struct nlattr *a, void *data)
{
	uint32_t *local = data;

	if (mnl_attr_get_type(a) != IFA_LOCAL)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return bad();
	*local = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct addr_scan *s = data;
	const struct ifaddrmsg *ifa;
	uint32_t local = 0, slots;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return bad();
	ifa = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, &local) < 0)
		return bad();
	if (ifa->ifa_family == AF_INET && ifa->ifa_index == s->index && !s->found &&
	    ipv4_pool_slots(s->pool, local, &slots) == 0)
		s->found = local;
	return MNL_CB_OK;
}

/* The bridge's first IPv4 address that is a host address of the pool; 0: none. */
static int bridge_addr(struct mnl_socket *nl, const struct link_info *br,
		       const struct ipv4_net *pool, uint32_t *ret, struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_scan s = { .index = br->index, .pool = pool };
	int r;

	ifa->ifa_family = AF_INET;
	r = nl_request(nl, nlh, on_addr, &s, "listing IPv4 addresses", err);
	*ret = s.found;
	return r;
}

static int bridge_create(struct mnl_socket *nl, const struct policy *pol,
			 struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = put_ifinfo(nlh);
	struct link_info br;
	struct nlattr *info;
	char what[IFNAMSIZ + 32];
	int r;

	(void)snprintf(what, sizeof(what), "creating bridge %s", pol->network_bridge);
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, pol->network_bridge);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	r = nl_request(nl, nlh, NULL, NULL, what, err);
	if (r == 0)
		r = link_get(nl, pol->network_bridge, &br, err);
	if (r == 0)
		r = addr_add(nl, br.index, pol->network_bridge,
			     ipv4_net_first_host(&pol->network_pool), pol->network_pool.prefix, err);
	return r < 0 ? err_wrap(err, "network_bridge_create") : 0;
}

static int find_bridge(struct mnl_socket *nl, const struct policy *pol, struct link_info *ret,
		       struct corral_err *err)
{
	int r = link_get(nl, pol->network_bridge, ret, err);

	if (r == -ENODEV && pol->network_bridge_create) {
		r = bridge_create(nl, pol, err);
		if (r == 0)
			r = link_get(nl, pol->network_bridge, ret, err);
	} else if (r == -ENODEV) {
		return err_set(err, r, "network_bridge: there is no interface '%s' (create the "
			       "bridge, or set network_bridge_create = yes)", pol->network_bridge);
	}
	if (r < 0)
		return r;
	if (!streq(ret->kind, "bridge"))
		return err_set(err, -EINVAL, "network_bridge: '%s' is not a bridge (%s%s)",
			       pol->network_bridge, ret->kind[0] ? "its kind is " : "a device of no kind",
			       ret->kind);
	return 0;
}

/* The bridge's ports named cr<uid> whose address is ours: uid's own, and other users'. */
struct port_scan {
	const struct veth_plan *plan;
	const struct ipv4_net *pool;
	uid_t uid;
	bool own;
	unsigned n;
	uid_t other[CONFLICTS_MAX];
};

static int on_port(const struct nlmsghdr *nlh, void *data)
{
	struct port_scan *s = data;
	struct link_info l;
	uint32_t addr;
	uid_t uid;

	if (parse_link(nlh, &l) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (l.master != s->plan->bridge_index ||
	    strncmp(l.name, HOST_PREFIX, strlen(HOST_PREFIX)) != 0 ||
	    parse_uid(l.name + strlen(HOST_PREFIX), &uid) < 0)
		return MNL_CB_OK;
	if (uid == s->uid)
		s->own = true;
	else if (ipv4_pool_addr(s->pool, s->plan->gw, uid, &addr) == 0 && addr == s->plan->addr &&
		 s->n < CONFLICTS_MAX)
		s->other[s->n++] = uid;
	return MNL_CB_OK;
}

static int scan_ports(struct mnl_socket *nl, struct port_scan *s, struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_GETLINK, NLM_F_DUMP);

	(void)put_ifinfo(nlh);
	/* The kernel lists the bridge's ports only (Linux 4.15); on_port checks it anyway. */
	mnl_attr_put_u32(nlh, IFLA_MASTER, s->plan->bridge_index);
	return nl_request(nl, nlh, on_port, s, "listing the bridge's ports", err);
}

/*
 * A host end there already: a live session's, or one whose namespace the
 * kernel is still freeing (it does so asynchronously), which goes now.
 */
static int claim(struct mnl_socket *nl, uid_t owner, uid_t uid, const struct veth_plan *p,
		 int (*has_live)(uid_t uid, void *data), void *data, struct corral_err *err)
{
	char name[IFNAMSIZ], a[IPV4_ADDR_STR_MAX];
	int r = has_live(owner, data);

	if (r < 0)
		return r;
	veth_host_name(owner, name);
	if (r > 0 && owner == uid)
		return err_set(err, -EUSERS, "network = veth: uid %u already has a live session "
			       "with a veth (interface %s): one veth session per user, as each "
			       "user has one address. Log out of it and try again.",
			       (unsigned)uid, name);
	if (r > 0)
		return err_set(err, -EADDRINUSE, "network_pool: uid %u's address %s is taken by a live "
			       "session of uid %u (interface %s): uids equal modulo the pool's "
			       "slots share an address; use a larger network_pool",
			       (unsigned)uid, ipv4_addr_str(p->addr, a), (unsigned)owner, name);
	r = link_del(nl, name, err);
	return r == -ENODEV ? 0 : r;
}

static int plan(struct mnl_socket *nl, const struct policy *pol, uid_t uid,
		int (*has_live)(uid_t uid, void *data), void *data, struct veth_plan *p,
		struct corral_err *err)
{
	struct port_scan s = { .plan = p, .pool = &pol->network_pool, .uid = uid };
	char net[IPV4_ADDR_STR_MAX];
	struct link_info br;
	int r;

	r = find_bridge(nl, pol, &br, err);
	if (r == 0)
		r = bridge_addr(nl, &br, &pol->network_pool, &p->gw, err);
	if (r < 0)
		return r;
	if (p->gw == 0)
		return err_set(err, -EADDRNOTAVAIL, "network_bridge: '%s' has no IPv4 address in "
			       "network_pool %s/%u (give it one, such as the pool's first)",
			       pol->network_bridge, ipv4_addr_str(pol->network_pool.addr, net),
			       pol->network_pool.prefix);
	p->bridge_index = br.index;
	p->mtu = br.mtu;
	p->prefix = pol->network_pool.prefix;
	veth_host_name(uid, p->host);
	r = ipv4_pool_addr(&pol->network_pool, p->gw, uid, &p->addr);
	if (r < 0)
		return err_set(err, r, "network_pool: no address for uid %u", (unsigned)uid);
	r = scan_ports(nl, &s, err);
	if (r == 0 && s.own)
		r = claim(nl, uid, uid, p, has_live, data, err);
	for (unsigned i = 0; r == 0 && i < s.n; i++)
		r = claim(nl, s.other[i], uid, p, has_live, data, err);
	return r;
}

int veth_plan(const struct policy *pol, uid_t uid, int (*has_live)(uid_t uid, void *data),
	      void *data, struct veth_plan *ret, struct corral_err *err)
{
	struct mnl_socket *nl = nl_open(err);
	int r;

	if (!nl)
		return err->code;
	*ret = (struct veth_plan){ 0 };
	r = plan(nl, pol, uid, has_live, data, ret, err);
	nl_close(nl);
	return r;
}

int veth_create(const struct veth_plan *p, pid_t pid, struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = put_ifinfo(nlh);
	struct nlattr *info, *data, *peer;
	char what[IFNAMSIZ + 64];
	struct mnl_socket *nl;
	int r;

	(void)snprintf(what, sizeof(what), "creating veth %s with peer " VETH_PEER_NAME
		       " in pid %d's namespace", p->host, (int)pid);
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, p->host);
	mnl_attr_put_u32(nlh, IFLA_MTU, p->mtu);
	mnl_attr_put_u32(nlh, IFLA_MASTER, p->bridge_index);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	(void)put_ifinfo(nlh);	/* the peer's own header, as ip/link_veth.c sends it */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, VETH_PEER_NAME);
	mnl_attr_put_u32(nlh, IFLA_MTU, p->mtu);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	nl = nl_open(err);
	if (!nl)
		return err->code;
	r = nl_request(nl, nlh, NULL, NULL, what, err);
	nl_close(nl);
	return r;
}

int veth_remove(const char *host, struct corral_err *err)
{
	struct mnl_socket *nl = nl_open(err);
	int r;

	if (!nl)
		return err->code;
	r = link_del(nl, host, err);
	nl_close(nl);
	if (r == -ENODEV)
		err_clear(err);
	return r == -ENODEV ? 0 : r;
}

/* --- the session's half ------------------------------------------------- */

static int route_add_default(struct mnl_socket *nl, const struct veth_plan *p, unsigned index,
			     struct corral_err *err)
{
	union msg m;
	struct nlmsghdr *nlh = msg_new(&m, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	char a[IPV4_ADDR_STR_MAX], what[IPV4_ADDR_STR_MAX + 48];

	(void)snprintf(what, sizeof(what), "adding the default route via %s",
		       ipv4_addr_str(p->gw, a));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(p->gw));
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	return nl_request(nl, nlh, NULL, NULL, what, err);
}

/* Up first: an address on a link that is down gets no route to its network. */
int veth_configure(const struct veth_plan *p, struct corral_err *err)
{
	struct mnl_socket *nl;
	struct link_info l;
	int r;

	r = nl_link_up("lo", err);
	if (r == 0)
		r = nl_link_up(VETH_PEER_NAME, err);
	if (r < 0)
		return r;
	nl = nl_open(err);
	if (!nl)
		return err->code;
	r = link_get(nl, VETH_PEER_NAME, &l, err);
	if (r == 0)
		r = addr_add(nl, l.index, VETH_PEER_NAME, p->addr, p->prefix, err);
	if (r == 0)
		r = route_add_default(nl, p, l.index, err);
	nl_close(nl);
	return r;
}
