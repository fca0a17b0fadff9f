/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's answer to one rtnetlink request. libmnl walks the datagram
 * (mnl_cb_run2 checks each message length, sequence number and port id); what
 * is checked here is what libmnl leaves to its caller: the ack's own length
 * and errno range, the request echoed in it, and the extended ack attributes.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "netlink-reply.h"

#define ERRNO_MAX 4095	/* the kernel's errno values are 1..4095 */

struct ack {
	uint32_t seq, portid;	/* the request's: libmnl lets 0 in either pass */
	bool seen;
	int error;		/* 0, or the kernel's -errno */
	char msg[128];		/* NLMSGERR_ATTR_MSG, when the kernel sent one */
	nl_msg_cb on_msg;	/* NULL: the request is answered by its ack alone */
	void *data;
};

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	struct ack *ack = data;

	if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	(void)snprintf(ack->msg, sizeof(ack->msg), "%s", mnl_attr_get_str(a));
	/* Quoted in the log: printable ASCII only. */
	for (char *p = ack->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return MNL_CB_OK;
}

/* mnl_attr_parse() stops quietly at a bad length: here every byte must be an attribute. */
static int ext_ack_parse(const struct nlmsghdr *nlh, size_t off, struct ack *ack)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, off)
		if (ext_ack_attr(a, ack) < 0)
			return -EBADMSG;
	return (const char *)a < (const char *)mnl_nlmsg_get_payload_tail(nlh) ? -EBADMSG : 0;
}

/* Where the extended ack's attributes start: after the request, unless capped. */
static int ext_ack_offset(const struct nlmsghdr *nlh, const struct nlmsgerr *e, size_t *ret)
{
	size_t payload = mnl_nlmsg_get_payload_len(nlh);

	*ret = sizeof(*e);
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		return 0;
	if (e->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
	    e->msg.nlmsg_len - sizeof(struct nlmsghdr) > payload - sizeof(*e))
		return -EBADMSG;
	*ret += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	return 0;
}

static int on_ack(const struct nlmsghdr *nlh, void *data)
{
	struct ack *ack = data;
	const struct nlmsgerr *e;
	size_t off;

	if (nlh->nlmsg_seq != ack->seq || nlh->nlmsg_pid != ack->portid) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		goto bad;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error > 0 || e->error < -ERRNO_MAX)
		goto bad;
	ack->seen = true;
	ack->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return MNL_CB_STOP;
	if (ext_ack_offset(nlh, e, &off) < 0 || ext_ack_parse(nlh, off, ack) < 0)
		goto bad;
	return MNL_CB_STOP;
bad:
	errno = EBADMSG;
	return MNL_CB_ERROR;
}

/*
 * Every message header within the datagram, before libmnl walks it:
 * mnl_nlmsg_ok() (libmnl 1.0.4, Debian 12) compares the length as an int, so
 * a length of 2^31 or more passes as negative and the walk jumps out of the
 * buffer (found by fuzz-netlink-reply; the input is in its regressions).
 */
static bool lengths_ok(const char *buf, size_t len)
{
	while (len > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		size_t step;

		if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			return false;
		step = MNL_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			return true;
		buf += step;
		len -= step;
	}
	return true;
}

/* A dump's end: the int after the header is the dump's errno (0 when it went well). */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	struct ack *ack = data;
	int error = 0;

	if (nlh->nlmsg_seq != ack->seq || nlh->nlmsg_pid != ack->portid) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error > 0 || error < -ERRNO_MAX) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ack->seen = true;
	ack->error = error;
	return MNL_CB_STOP;
}

/* A request with NLM_F_ACK is answered by one ack: anything else is a protocol error. */
static int unexpected(const struct nlmsghdr *nlh _unused_, void *data _unused_)
{
	errno = EPROTO;
	return MNL_CB_ERROR;
}

/* A data message: the caller's, for a request answered with data. */
static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct ack *ack = data;

	if (!ack->on_msg || ack->seen) {	/* nothing follows the ack */
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return ack->on_msg(nlh, ack->data);
}

int nl_reply_check_data(const void *buf, size_t len, uint32_t seq, uint32_t portid,
			const char *what, nl_msg_cb on_msg, void *data, struct corral_err *err)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = on_ack,
		[NLMSG_DONE] = on_msg ? on_done : unexpected,
		[NLMSG_OVERRUN] = unexpected,
	};
	struct ack ack = { .seq = seq, .portid = portid, .on_msg = on_msg, .data = data };
	int r;

	if (seq == 0 || portid == 0)
		return err_set(err, -EINVAL, "Netlink request without a sequence number or port id");
	if (!lengths_ok(buf, len))
		return err_set(err, -EBADMSG, "Malformed netlink reply to %s (EBADMSG: bad lengths)",
			       what);
	errno = 0;
	r = mnl_cb_run2(buf, len, seq, portid, on_data, &ack, ctl, ARRAY_SIZE(ctl));
	if (r < 0) {
		int e = errno ? errno : EBADMSG;

		return err_set(err, -e, "Malformed netlink reply to %s (%s: %s)", what,
			       strerrorname_np(e) ?: "E?",
			       e == ESRCH ? "not for our port" :
			       e == EPROTO ? "not an answer to our request" : "bad lengths");
	}
	if (!ack.seen)
		return 1;
	if (ack.error < 0)
		return err_set(err, ack.error, "%s failed: %s (%s)%s%s", what,
			       strerrorname_np(-ack.error) ?: "E?", strerror(-ack.error),
			       ack.msg[0] ? ": " : "", ack.msg);
	return 0;
}

int nl_reply_check(const void *buf, size_t len, uint32_t seq, uint32_t portid, const char *what,
		   struct corral_err *err)
{
	return nl_reply_check_data(buf, len, seq, portid, what, NULL, NULL, err);
}
