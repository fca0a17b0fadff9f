/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper.h"

/*
 * The peer on fd 3 must be the process that ran us (the PAM application,
 * blocked in recv, so its pid cannot be recycled meanwhile) and it must have
 * been root when it made the socketpair. Identity comes from the kernel,
 * never from the request (lxc CVE-2017-5985).
 */
int caller_check_peer(struct helper *h, struct corral_err *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int type, domain;
	socklen_t ilen = sizeof(int);

	if (getsockopt(HELPER_SOCK_FD, SOL_SOCKET, SO_TYPE, &type, &ilen) < 0)
		return err_errno(err, -errno, "fd %d is not a socket", HELPER_SOCK_FD);
	ilen = sizeof(int);
	if (getsockopt(HELPER_SOCK_FD, SOL_SOCKET, SO_DOMAIN, &domain, &ilen) < 0)
		return err_errno(err, -errno, "Failed to query fd %d", HELPER_SOCK_FD);
	if (type != SOCK_SEQPACKET || domain != AF_UNIX)
		return err_set(err, -EPROTOTYPE, "fd %d is not an AF_UNIX SOCK_SEQPACKET socket",
			       HELPER_SOCK_FD);
	if (getsockopt(HELPER_SOCK_FD, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return err_errno(err, -errno, "Failed to read the peer's credentials");
	if (cred.uid != 0)
		return err_set(err, -EPERM, "Peer uid %u is not root", (unsigned)cred.uid);
	if (cred.pid != getppid())
		return err_set(err, -EPERM, "Peer pid %d is not our parent %d", (int)cred.pid,
			       (int)getppid());
	h->peer_pid = cred.pid;
	return 0;
}
