/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct nlmsghdr;

/*
 * Check one datagram received in answer to the request numbered seq, sent from
 * port portid with NLM_F_ACK, before anything in it is believed: every message
 * and attribute length lies within the datagram, each message carries our
 * sequence number and port id, and the only message expected, the ack
 * (NLMSG_ERROR), is long enough and holds an errno. The caller has checked
 * that the kernel sent it (sender port 0).
 *
 * 0: acknowledged. 1: no ack in this datagram yet. < 0: a malformed reply, or
 * the kernel's error (err names it, with the kernel's extended ack message).
 */
int nl_reply_check(const void *buf, size_t len, uint32_t seq, uint32_t portid, const char *what,
		   struct corral_err *err);

/*
 * The same for a request that is answered with data: a GET with NLM_F_ACK
 * (its answer, then the ack) or a dump (answers, then NLMSG_DONE, which ends
 * it as the ack does). Every data message goes to on_msg, a libmnl callback
 * that must validate each attribute it reads; MNL_CB_ERROR from it (with
 * errno set) makes the reply malformed.
 */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);
int nl_reply_check_data(const void *buf, size_t len, uint32_t seq, uint32_t portid,
			const char *what, nl_msg_cb on_msg, void *data, struct corral_err *err);
