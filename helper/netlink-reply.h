/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"

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
