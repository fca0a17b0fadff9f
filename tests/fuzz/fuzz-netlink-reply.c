/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * helper/netlink-reply.c, the check of what the kernel answers an rtnetlink
 * request. The input is the datagram; the request is always number SEQ from
 * port PORT. An ack (0) must really be one: an NLMSG_ERROR of our request
 * with error 0; an error must say what it is about in a printable message
 * (the kernel's extended ack text is the sender's, and goes to syslog).
 */
#include <errno.h>
#include <linux/netlink.h>

#include "fuzz.h"
#include "netlink-reply.h"

#define SEQ 0x5eed1234u
#define PORT 4242u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corral_err err = CORRAL_ERR_INIT;
	/* Aligned like a receive buffer, as libmnl expects. */
	static union {
		char buf[65536];
		struct nlmsghdr align;
	} d;
	const struct nlmsghdr *nlh = &d.align;
	int r;

	if (size > sizeof(d.buf))
		return 0;
	memcpy(d.buf, data, size);
	r = nl_reply_check(d.buf, size, SEQ, PORT, "fuzzing", &err);
	fuzz_check(r <= 1, "result %d", r);
	if (r == 0)
		fuzz_check(size >= NLMSG_LENGTH(sizeof(struct nlmsgerr)) && nlh->nlmsg_len <= size,
			   "an ack in a datagram too short for one");
	if (r < 0) {
		fuzz_check(r >= -4095, "errno %d out of range", r);
		fuzz_check(strnlen(err.msg, sizeof(err.msg)) < sizeof(err.msg), "message not terminated");
		fuzz_check(strstr(err.msg, "fuzzing") != NULL, "message does not name the request");
		fuzz_check(fuzz_printable(err.msg), "message '%s'", err.msg);
	}
	return 0;
}
