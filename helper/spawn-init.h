/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "net-veth.h"
#include "private-tmp.h"
#include "proc-view.h"

#define SESSION_NS_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC)
/* What the PAM application joins: the above and the session's cgroup namespace. */
#define SESSION_JOIN_FLAGS (SESSION_NS_FLAGS | CLONE_NEWCGROUP)
#define INIT_CG_FDS_MAX CG_HIER_MAX

struct init_spec {
	const char *init_path;
	uid_t uid;
	const char *session_id;
	const char *hostname;	/* "" keeps the host's name */
	bool kill_on_abandon;
	bool net_loopback;	/* a network namespace of its own, with lo up */
	const struct veth_plan *veth; /* and a veth pair into it (implies net_loopback) */
	int app_pidfd;		/* becomes the init's fd 3 */
	int state_fd;		/* becomes the init's fd 4 */
	const struct cg_host *cg_host;
	const struct cg_session *cg_session; /* the init enters it, then a cgroup namespace */
	const int *cg_root_fds;	/* become the init's fds 5..; it removes the session's cgroups */
	unsigned n_cg_root_fds;
	int listen_fd;		/* scope = user: the set's socket (login.h), the fd after those; else -1 */
	const struct private_tmp_spec *tmp; /* private_tmp: what /tmp, /var/tmp, /dev/shm become; or NULL */
	const struct proc_view *proc_view; /* proc_view = lxcfs: mounted over /proc's files; or NULL */
};

/*
 * Clone the session's PID 1 into fresh PID, mount, UTS and IPC namespaces (and
 * network, with net_loopback), set them up and exec corral-init. With veth,
 * the pair is created between the clone and the child's setup of it. On
 * success the child has exec'd.
 */
int init_spawn(const struct init_spec *spec, int *ret_pidfd, pid_t *ret_pid,
	       struct corral_err *err);

/* SIGTERM every process of the session but its init, SIGKILL what is left after grace_ms. */
int session_terminate(int init_pidfd, uint64_t grace_ms, struct corral_err *err);
/* SIGKILL the init (the kernel then kills the namespace) and wait up to timeout_ms. */
int session_kill_init(int init_pidfd, int timeout_ms, struct corral_err *err);
/*
 * Ask the init to end the session (SIGTERM: it removes the state and cgroups
 * and exits) and wait up to wait_ms. It may well take longer: a PID namespace
 * ends only once its processes whose parent lives outside (sshd's user child,
 * parented by the monitor that is waiting for us) have been reaped, which
 * happens after we reply. 0 when it ended, -ETIMEDOUT otherwise.
 */
int session_end_init(int init_pidfd, int wait_ms);
/* The pid a pidfd refers to, from /proc/self/fdinfo; -ESRCH once it exited. */
int pidfd_get_pid(int pidfd, pid_t *ret, struct corral_err *err);
int ns_inode(pid_t pid, const char *ns, uint64_t *ret, struct corral_err *err);
