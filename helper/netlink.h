/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"
#include "netlink-reply.h"

struct mnl_socket;

/* An rtnetlink socket with extended acks, bound, that waits at most 5 s for a reply. */
struct mnl_socket *nl_open(struct corral_err *err);
void nl_close(struct mnl_socket *nl);
/*
 * Send req (its sequence number is set here) and read until its ack, or a
 * dump's end; data messages go to on_msg (NULL: none expected). The kernel's
 * errors come back by name: "adding ...  failed: EEXIST (File exists)".
 */
int nl_request(struct mnl_socket *nl, struct nlmsghdr *req, nl_msg_cb on_msg, void *data,
	       const char *what, struct corral_err *err);

/*
 * Set the link named ifname up in the caller's network namespace, through
 * rtnetlink (RTM_NEWLINK with IFF_UP), and wait for the kernel's ack.
 */
int nl_link_up(const char *ifname, struct corral_err *err);
