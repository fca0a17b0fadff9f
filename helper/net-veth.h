/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "error.h"

/*
 * network = veth (docs/design.md, "network = veth"): a veth pair whose host
 * end, cr<uid>, is a port of the policy's bridge and whose other end is eth0
 * in the session's network namespace, with the user's address from the pool
 * and a default route through the bridge's address.
 */
struct veth_plan {
	char host[IFNAMSIZ];	/* cr<uid>, in the host's namespace */
	unsigned bridge_index;
	unsigned mtu;		/* the bridge's */
	uint32_t addr, gw;	/* host byte order */
	unsigned prefix;
};

#define VETH_PEER_NAME "eth0"

/*
 * In the host's namespace, under the open lock: find the bridge (or create
 * it, with network_bridge_create), its address in the pool, and uid's
 * address. A veth of uid's already there is another live session's (refused:
 * one address per user, so one veth session per user) or a dead one's, whose
 * namespace the kernel has not freed yet (removed). The same for another
 * user whose address is uid's: refused (-EADDRINUSE), naming that user's
 * uid. has_live(uid, data) tells whether uid has a live session. -EUSERS is
 * the policy refusing a second session (on_error does not apply); any other
 * error is a failure to set up.
 */
int veth_plan(const struct policy *pol, uid_t uid, int (*has_live)(uid_t uid, void *data),
	      void *data, struct veth_plan *ret, struct corral_err *err);
/* In the host's namespace: create the pair, the peer in the namespace of pid. */
int veth_create(const struct veth_plan *p, pid_t pid, struct corral_err *err);
/* In the session's namespace: lo and eth0 up, eth0's address, the default route. */
int veth_configure(const struct veth_plan *p, struct corral_err *err);
/* Remove the host end, and with it the pair; gone already is fine. */
int veth_remove(const char *host, struct corral_err *err);
/* The host end's name for uid. */
void veth_host_name(uid_t uid, char ret[IFNAMSIZ]);
