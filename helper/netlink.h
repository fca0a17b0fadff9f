/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"

/*
 * Set the link named ifname up in the caller's network namespace, through
 * rtnetlink (RTM_NEWLINK with IFF_UP), and wait for the kernel's ack.
 */
int nl_link_up(const char *ifname, struct corral_err *err);
