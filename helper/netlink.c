/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink through libmnl, no exec of ip(8). One request at a time, each
 * answered by an ack that netlink-reply.c checks; replies come only from the
 * kernel (sender port 0), and never wait forever.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "macro.h"
#include "netlink-reply.h"
#include "netlink.h"

#define NL_REPLIES_MAX 8	/* datagrams read before the ack must have come */
#define NL_DUMP_REPLIES_MAX 4096 /* the same for a dump: links or addresses of a busy host */
#define NL_BUF_SIZE 8192	/* libmnl's MNL_SOCKET_BUFFER_SIZE, without the sysconf() */

static int recv_from_kernel(struct mnl_socket *nl, void *buf, size_t size, size_t *ret_len,
			    struct corral_err *err)
{
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { buf, size };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	do
		n = recvmsg(mnl_socket_get_fd(nl), &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_errno(err, -errno, "Failed to read the kernel's netlink reply");
	if (msg.msg_flags & MSG_TRUNC)
		return err_set(err, -EMSGSIZE, "Netlink reply truncated");
	if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
		return err_set(err, -EPROTO, "Netlink message from port %u, not the kernel",
			       (unsigned)from.nl_pid);
	*ret_len = (size_t)n;
	return 0;
}

struct mnl_socket *nl_open(struct corral_err *err)
{
	struct timeval timeout = { .tv_sec = 5 };
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl) {
		err_errno(err, -errno, "Failed to open an rtnetlink socket");
		return NULL;
	}
	/* Optional: the kernel's own words in its errors, and acks without the request. */
	(void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)) < 0 ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_errno(err, -errno, "Failed to set up an rtnetlink socket");
		(void)mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static uint32_t new_seq(void)
{
	uint32_t seq = 0;

	while (seq == 0)
		if (getrandom(&seq, sizeof(seq), 0) != (ssize_t)sizeof(seq))
			seq = (uint32_t)getpid();
	return seq;
}

void nl_close(struct mnl_socket *nl)
{
	if (nl)
		(void)mnl_socket_close(nl);
}

int nl_request(struct mnl_socket *nl, struct nlmsghdr *req, nl_msg_cb on_msg, void *data,
	       const char *what, struct corral_err *err)
{
	_Alignas(struct nlmsghdr) char buf[NL_BUF_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl);
	unsigned max = (req->nlmsg_flags & NLM_F_DUMP) ? NL_DUMP_REPLIES_MAX : NL_REPLIES_MAX;
	size_t len = 0;
	int r = 1;

	req->nlmsg_seq = new_seq();
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return err_errno(err, -errno, "Failed to send %s", what);
	for (unsigned i = 0; i < max && r == 1; i++) {
		r = recv_from_kernel(nl, buf, sizeof(buf), &len, err);
		if (r == 0)
			r = nl_reply_check_data(buf, len, req->nlmsg_seq, portid, what, on_msg, data,
						err);
	}
	if (r == 1)
		return err_set(err, -EPROTO, "No netlink ack to %s", what);
	return r;
}

int nl_link_up(const char *ifname, struct corral_err *err)
{
	_Alignas(struct nlmsghdr) char buf[NL_BUF_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	char what[IFNAMSIZ + 32];
	int r;

	(void)snprintf(what, sizeof(what), "setting link %s up", ifname);
	nl = nl_open(err);
	if (!nl)
		return err->code;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	r = nl_request(nl, nlh, NULL, NULL, what, err);
	nl_close(nl);
	return r;
}
