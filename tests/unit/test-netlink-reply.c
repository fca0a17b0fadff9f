/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * helper/netlink-reply.c on datagrams built here: the kernel's acks as Linux
 * sends them (capped or with the request echoed, with or without an extended
 * ack message), and each way a reply can lie about itself.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "netlink-reply.h"
#include "tap.h"

#define SEQ 0x5eed1234u
#define PORT 4242u

static union {
	char buf[1024];
	struct nlmsghdr align;
} dgram;

/* An ack of request SEQ: errno error, the request echoed unless capped, msg as NLMSGERR_ATTR_MSG. */
static size_t ack(uint32_t seq, uint32_t port, int error, bool capped, const char *msg)
{
	struct nlmsghdr *nlh, req = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
				      .nlmsg_type = RTM_NEWLINK, .nlmsg_seq = seq, .nlmsg_pid = port };
	struct nlmsgerr *e;

	memset(dgram.buf, 0, sizeof(dgram.buf));
	nlh = mnl_nlmsg_put_header(dgram.buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = port;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = req;
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	else
		(void)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

static struct nlmsghdr *hdr(void)
{
	return &dgram.align;
}

static int check(size_t len, struct corral_err *err)
{
	*err = (struct corral_err)CORRAL_ERR_INIT;
	return nl_reply_check(dgram.buf, len, SEQ, PORT, "setting link lo up", err);
}

/* A message of type type with a u32 payload, appended at off; returns the new end. */
static size_t put_msg(size_t off, uint16_t type, uint32_t seq, uint32_t port, int32_t payload)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(dgram.buf + off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = port;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(payload)), &payload, sizeof(payload));
	return off + MNL_ALIGN(nlh->nlmsg_len);
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	unsigned *n = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_ERROR;
	(*n)++;
	return MNL_CB_OK;
}

static int check_data(size_t len, unsigned *n, struct corral_err *err)
{
	*err = (struct corral_err)CORRAL_ERR_INIT;
	return nl_reply_check_data(dgram.buf, len, SEQ, PORT, "listing links", on_msg, n, err);
}

/* Requests answered with data: a GET's answer then its ack; a dump's answers then NLMSG_DONE. */
static void test_data(void)
{
	struct corral_err err;
	unsigned n = 0;
	size_t len;

	memset(dgram.buf, 0, sizeof(dgram.buf));
	len = put_msg(0, RTM_NEWLINK, SEQ, PORT, 0);
	ok(check_data(len, &n, &err) == 1 && n == 1, "a GET's answer goes to the callback, no ack yet");
	len = ack(SEQ, PORT, 0, true, NULL);
	ok(check_data(len, &n, &err) == 0, "then its ack ends it");
	len = ack(SEQ, PORT, -ENODEV, true, NULL);
	ok(check_data(len, &n, &err) == -ENODEV && strstr(err.msg, "listing links failed: ENODEV"),
	   "a GET's error ack is named: %s", err.msg);

	memset(dgram.buf, 0, sizeof(dgram.buf));
	n = 0;
	len = put_msg(0, RTM_NEWLINK, SEQ, PORT, 0);
	len = put_msg(len, RTM_NEWLINK, SEQ, PORT, 0);
	len = put_msg(len, NLMSG_DONE, SEQ, PORT, 0);
	ok(check_data(len, &n, &err) == 0 && n == 2, "a dump: two answers, then NLMSG_DONE ends it");
	n = 0;
	len = put_msg(0, RTM_NEWLINK, SEQ, PORT, 0);
	len = put_msg(len, NLMSG_DONE, SEQ, PORT, -EINTR);
	ok(check_data(len, &n, &err) == -EINTR && strstr(err.msg, "EINTR") != NULL,
	   "a dump that ends with an errno fails with it, named: %s", err.msg);
	len = put_msg(0, NLMSG_DONE, SEQ, PORT, 7);
	ok(check_data(len, &n, &err) == -EBADMSG, "NLMSG_DONE with a positive errno is malformed");
	len = put_msg(0, NLMSG_DONE, SEQ + 1, PORT, 0);
	ok(check_data(len, &n, &err) == -EPROTO, "NLMSG_DONE of another request is refused");
	len = put_msg(0, RTM_NEWLINK, SEQ + 1, PORT, 0);
	ok(check_data(len, &n, &err) == -EPROTO, "an answer to another request is refused");
	len = put_msg(0, RTM_NEWADDR, SEQ, PORT, 0);
	ok(check_data(len, &n, &err) < 0, "an answer the callback refuses makes the reply malformed");
}

int main(void)
{
	struct corral_err err;
	size_t len;
	int r;

	len = ack(SEQ, PORT, 0, true, NULL);
	ok(check(len, &err) == 0, "a capped ack with error 0 is an ack");
	len = ack(SEQ, PORT, 0, false, NULL);
	ok(check(len, &err) == 0, "an ack with the request echoed is an ack");

	len = ack(SEQ, PORT, -EPERM, true, "Permission denied by policy");
	r = check(len, &err);
	ok(r == -EPERM, "an error ack gives the kernel's errno (%d)", r);
	ok(strstr(err.msg, "setting link lo up failed: EPERM") != NULL, "... named: %s", err.msg);
	ok(strstr(err.msg, ": Permission denied by policy") != NULL,
	   "... with the extended ack's message");
	len = ack(SEQ, PORT, -ENODEV, false, "no such device");
	r = check(len, &err);
	ok(r == -ENODEV && strstr(err.msg, "no such device"),
	   "the extended ack is found after an echoed request: %s", err.msg);

	len = ack(SEQ + 1, PORT, 0, true, NULL);
	ok(check(len, &err) == -EPROTO, "an ack of another sequence number is refused");
	len = ack(0, PORT, 0, true, NULL);
	ok(check(len, &err) == -EPROTO, "sequence number 0 (which libmnl lets through) is refused");
	len = ack(SEQ, PORT + 1, 0, true, NULL);
	ok(check(len, &err) < 0, "an ack for another port is refused");
	len = ack(SEQ, 0, 0, true, NULL);
	ok(check(len, &err) == -EPROTO, "port id 0 (which libmnl lets through) is refused");
	ok(nl_reply_check(dgram.buf, len, 0, PORT, "x", &err) == -EINVAL,
	   "a request numbered 0 cannot be checked");

	len = ack(SEQ, PORT, 1, true, NULL);
	ok(check(len, &err) == -EBADMSG, "a positive errno is malformed");
	len = ack(SEQ, PORT, -5000, true, NULL);
	ok(check(len, &err) == -EBADMSG, "an errno beyond 4095 is malformed");

	(void)ack(SEQ, PORT, 0, true, NULL);
	hdr()->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr) - 4);
	ok(check(hdr()->nlmsg_len, &err) == -EBADMSG, "an ack too short for its nlmsgerr is malformed");
	len = ack(SEQ, PORT, 0, true, NULL);
	ok(check(len - 4, &err) == -EBADMSG, "a datagram shorter than its message is malformed");
	hdr()->nlmsg_len = 0xffff;
	ok(check(len, &err) == -EBADMSG, "a message longer than the datagram is malformed");
	/* libmnl's mnl_nlmsg_ok() takes a length >= 2^31 for a negative int, and walks off. */
	hdr()->nlmsg_len = 0xf7000048;
	hdr()->nlmsg_type = NLMSG_NOOP;
	ok(check(len, &err) == -EBADMSG, "a message length of 2^31 or more is malformed");
	ok(check(0, &err) == 1, "an empty datagram holds no ack");

	len = ack(SEQ, PORT, -EINVAL, false, "x");
	((struct nlmsgerr *)mnl_nlmsg_get_payload(hdr()))->msg.nlmsg_len = 0x7fff;
	ok(check(len, &err) == -EBADMSG, "an echoed request longer than the ack is malformed");
	((struct nlmsgerr *)mnl_nlmsg_get_payload(hdr()))->msg.nlmsg_len = 3;
	ok(check(len, &err) == -EBADMSG, "an echoed request shorter than a header is malformed");

	len = ack(SEQ, PORT, -EINVAL, true, "abc");
	{
		struct nlattr *a = mnl_nlmsg_get_payload_offset(hdr(), sizeof(struct nlmsgerr));

		((char *)mnl_attr_get_payload(a))[3] = 'd';	/* no NUL */
		ok(check(len, &err) == -EBADMSG, "an extended ack message without its NUL is malformed");
		a->nla_len = 200;
		ok(check(len, &err) == -EBADMSG, "an attribute longer than its message is malformed");
	}

	len = ack(SEQ, PORT, 0, true, NULL);
	hdr()->nlmsg_type = RTM_NEWLINK;
	ok(check(len, &err) == -EPROTO, "a data message instead of an ack is a protocol error");
	hdr()->nlmsg_type = NLMSG_DONE;
	ok(check(len, &err) == -EPROTO, "NLMSG_DONE instead of an ack is a protocol error");
	hdr()->nlmsg_type = NLMSG_NOOP;
	ok(check(len, &err) == 1, "NLMSG_NOOP is not an ack yet");
	test_data();
	return done();
}
