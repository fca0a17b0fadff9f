/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cover-mounts.h"
#include "fd-util.h"
#include "macro.h"
#include "netlink.h"
#include "spawn-init.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define INIT_FD_APP 3
#define INIT_FD_STATE 4
#define INIT_FD_CGROUP 5
#define CGROUP_TOP "/sys/fs/cgroup"
/* Above every fd the init gets (5 + 2 * INIT_CG_FDS_MAX + 1): where they wait to be moved. */
#define HIGH_FD 32
_Static_assert(INIT_FD_CGROUP + 2 * INIT_CG_FDS_MAX + 1 <= HIGH_FD, "the init's fds stay below HIGH_FD");

/*
 * clone3 (Linux 5.3) with CLONE_PIDFD, born in the session's cgroup with
 * CLONE_INTO_CGROUP (5.7, cgroup v2) when cgroup_fd >= 0; clone() with
 * CLONE_PIDFD (5.2) otherwise. Without CLONE_INTO_CGROUP the child moves
 * itself before it runs anything else (enter_cgroup()).
 */
static pid_t clone_pidfd(uint64_t flags, int cgroup_fd, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0 || (errno != EINVAL && errno != E2BIG && errno != ENOSYS))
			return pid;
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;	/* before 5.7 */
		args.cgroup = 0;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid >= 0 || errno != ENOSYS)
		return pid;
	/* FIXME: dead code once Linux 5.3 is the floor. */
	return (pid_t)syscall(SYS_clone, (unsigned long)(flags | CLONE_PIDFD | SIGCHLD), NULL,
			      ret_pidfd, NULL, 0);
}

/*
 * Before any other mount: make every mount a slave, so nothing we (or a
 * root user inside) mount propagates back to the host. pam_namespace only
 * does this when asked (mount_private); we always do. Then the session's own
 * procfs on /proc and over any other procfs or mqueue of the host.
 */
static int setup_mounts(struct corral_err *err)
{
	_cleanup_(cover_list_free) struct cover_list others = {};
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_errno(err, -errno, "Failed to make the mount tree a slave");
	r = cover_list_read(&others, err);
	if (r < 0)
		return r;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return err_errno(err, -errno, "Failed to mount a procfs on /proc");
	return cover_list_apply(&others, err);
}

/*
 * Into the session's cgroups, then a cgroup namespace rooted there: the
 * session sees its own cgroup as "/", and the view mounted below shows
 * nothing of the host's tree (the helper moves the init into the user's
 * init.scope next: cg_init_attach()). leave[i]: <root>/inits/cgroup.procs
 * of each hierarchy, opened while we are still in the host's cgroup
 * namespace, for the init to leave init.scope through at its end.
 */
static int enter_cgroup(const struct init_spec *spec, int *leave, struct corral_err *err)
{
	int r;

	r = cg_session_attach(spec->cg_host, spec->cg_session, 0, err);
	for (unsigned i = 0; r >= 0 && i < spec->n_cg_root_fds; i++)
		r = cg_inits_procs_open(spec->cg_root_fds[i], &leave[i], err);
	if (r < 0)
		return r;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return err_errno(err, -errno, "Failed to create a cgroup namespace");
	return 0;
}

static int mount_hier(const struct cg_hier *h, struct corral_err *err)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (h->version == 2) {
		/* The same superblock mounted again in place is EBUSY: the host's view goes first. */
		if (umount2(h->mnt, MNT_DETACH) < 0)
			return err_errno(err, -errno, "Failed to unmount the host's view of %s", h->mnt);
		if (mount("cgroup2", h->mnt, "cgroup2", flags, NULL) < 0)
			return err_errno(err, -errno, "Failed to mount the session's cgroup2 view");
		return 0;
	}
	if (mkdir(h->mnt, 0755) < 0 && errno != EEXIST)
		return err_errno(err, -errno, "Failed to create %s", h->mnt);
	if (mount("cgroup", h->mnt, "cgroup", flags, h->opts) < 0)
		return err_errno(err, -errno, "Failed to mount the session's view of %s", h->mnt);
	return 0;
}

/* /sys/fs/cgroup as the session sees it: its own cgroups only (the namespace's root). */
static int mount_cgroup_view(const struct cg_host *host, struct corral_err *err)
{
	size_t top = strlen(CGROUP_TOP);
	int r;

	if (host->layout == CG_LAYOUT_UNIFIED)
		return streq(host->h[host->unified].mnt, CGROUP_TOP) ?
			       mount_hier(&host->h[host->unified], err) : 0;
	if (mount("corral", CGROUP_TOP, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=64k") < 0)
		return err_errno(err, -errno, "Failed to mount a tmpfs on " CGROUP_TOP);
	for (unsigned i = 0; i < host->n; i++) {
		const struct cg_hier *h = &host->h[i];

		if (h->version != 1 || !h->ctrl_mask || strncmp(h->mnt, CGROUP_TOP "/", top + 1) != 0 ||
		    strchr(h->mnt + top + 1, '/'))
			continue;
		r = mount_hier(h, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* bubblewrap's guard: never set the hostname of a UTS namespace we did not create. */
static int setup_hostname(const char *hostname, uint64_t host_uts, struct corral_err *err)
{
	uint64_t ours;
	int r;

	if (!hostname[0])
		return 0;
	r = ns_inode(0, "uts", &ours, err);
	if (r < 0)
		return r;
	if (ours == host_uts)
		return err_set(err, -EPERM, "Refusing to set the hostname of the host");
	if (sethostname(hostname, strlen(hostname)) < 0)
		return err_errno(err, -errno, "Failed to set hostname '%s'", hostname);
	return 0;
}

/*
 * Leave exactly: 0-2 on /dev/null, 3 = application pidfd, 4 = state dir,
 * 5.. = corral's cgroup root in each hierarchy, then the set's socket
 * (scope = user), and sync_fd.
 */
/*
 * The init's fds: 3 the application's pidfd, 4 the state directory, then
 * corral's root in each hierarchy, then as many leave fds (enter_cgroup()),
 * then with scope = user the set's socket.
 */
static int setup_fds(const struct init_spec *spec, const int *leave, int *sync_fd, int *exe_fd,
		     struct corral_err *err)
{
	int keep[5 + 2 * INIT_CG_FDS_MAX], cg[2 * INIT_CG_FDS_MAX + 1], app, state, sync, exe, null;
	unsigned n = spec->n_cg_root_fds;

	app = fcntl(spec->app_pidfd, F_DUPFD_CLOEXEC, HIGH_FD);
	state = fcntl(spec->state_fd, F_DUPFD_CLOEXEC, HIGH_FD);
	sync = fcntl(*sync_fd, F_DUPFD_CLOEXEC, HIGH_FD);
	exe = fcntl(*exe_fd, F_DUPFD_CLOEXEC, HIGH_FD);
	null = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	for (unsigned i = 0; i < n; i++)
		if ((cg[i] = fcntl(spec->cg_root_fds[i], F_DUPFD_CLOEXEC, HIGH_FD)) < 0 ||
		    (cg[n + i] = fcntl(leave[i], F_DUPFD_CLOEXEC, HIGH_FD)) < 0)
			app = -1;
	n *= 2;
	/* The socket goes right after the cgroup fds: one more to move and keep. */
	if (spec->listen_fd >= 0 && (cg[n++] = fcntl(spec->listen_fd, F_DUPFD_CLOEXEC, HIGH_FD)) < 0)
		app = -1;
	if (app < 0 || state < 0 || sync < 0 || exe < 0 || null < 0)
		return err_errno(err, -errno, "Failed to duplicate file descriptors");
	for (int fd = 0; fd <= 2; fd++)
		if (dup3(null, fd, 0) < 0)
			return err_errno(err, -errno, "Failed to set up stdio");
	if (fd_move_to(app, INIT_FD_APP, err) < 0 || fd_move_to(state, INIT_FD_STATE, err) < 0)
		return err->code;
	for (unsigned i = 0; i < n; i++)
		if (fd_move_to(cg[i], INIT_FD_CGROUP + (int)i, err) < 0)
			return err->code;
	*sync_fd = sync;
	*exe_fd = exe;
	keep[0] = INIT_FD_APP;
	keep[1] = INIT_FD_STATE;
	keep[2] = sync;
	keep[3] = exe;
	for (unsigned i = 0; i < n; i++)
		keep[4 + i] = INIT_FD_CGROUP + (int)i;
	return fd_close_all_but(keep, 4 + n, err);
}

/*
 * The session's network, in its own namespace. A veth's peer is created by the
 * helper once the namespace exists: wait for its word (EOF: it failed, and
 * says why itself).
 */
static int setup_network(const struct init_spec *spec, int sync_fd, struct corral_err *err)
{
	char go = 0;
	ssize_t n;

	if (!spec->veth)
		return spec->net_loopback ? nl_link_up("lo", err) : 0;
	do
		n = read(sync_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || go != 'g')
		_exit(127);
	return veth_configure(spec->veth, err);
}

/* Parent: the veth pair, its peer into the child's namespace, then the word to go on. */
static int create_veth(const struct init_spec *spec, pid_t pid, int sync_fd,
		       struct corral_err *err)
{
	int r;

	if (!spec->veth)
		return 0;
	/* pid names our child: not reaped, so not recycled (IFLA_NET_NS_PID). */
	r = veth_create(spec->veth, pid, err);
	if (r < 0)
		return r;
	if (write(sync_fd, "g", 1) != 1)
		return err_errno(err, -errno, "Failed to tell the session init to go on");
	return 0;
}

static _noreturn_ void child_fail(int sync_fd, const struct corral_err *err)
{
	(void)!write(sync_fd, err, sizeof(*err));
	_exit(127);
}

/*
 * exe_fd: the init's binary, opened before any mount of ours: exec'd by fd, so
 * a private /tmp (an init under /tmp, as in a build tree) or any other mount
 * made here cannot change what runs.
 */
static _noreturn_ void child_main(const struct init_spec *spec, int sync_fd, int exe_fd,
				  uint64_t host_uts)
{
	struct corral_err err = CORRAL_ERR_INIT;
	char uid[DECIMAL_STR_MAX(uid_t)], cg[sizeof("--cgroup-fds=") + DECIMAL_STR_MAX(unsigned)];
	char *argv[7] = { "corral-init", uid, (char *)spec->session_id, cg };
	char *envp[] = { NULL };
	int leave[INIT_CG_FDS_MAX], argc = 4;

	if (spec->kill_on_abandon)
		argv[argc++] = "--kill-on-abandon";
	if (spec->listen_fd >= 0)
		argv[argc++] = "--scope-user";
	argv[argc] = NULL;

	(void)snprintf(uid, sizeof(uid), "%u", (unsigned)spec->uid);
	(void)snprintf(cg, sizeof(cg), "--cgroup-fds=%u", spec->n_cg_root_fds);
	/*
	 * A session and process group of its own: whatever signals the PAM
	 * application's group (timeout(1), ^C or a hangup in root's terminal
	 * around su) must not reach the session's init.
	 */
	if (setsid() < 0) {
		err_errno(&err, -errno, "Failed to make the session init a session leader");
		child_fail(sync_fd, &err);
	}
	if (setup_network(spec, sync_fd, &err) < 0 || enter_cgroup(spec, leave, &err) < 0 ||
	    setup_mounts(&err) < 0 ||
	    mount_cgroup_view(spec->cg_host, &err) < 0 ||
	    (spec->proc_view && proc_view_mount(spec->proc_view, &err) < 0) ||
	    (spec->tmp && private_tmp_mount(spec->tmp, &err) < 0) ||
	    setup_hostname(spec->hostname, host_uts, &err) < 0 ||
	    setup_fds(spec, leave, &sync_fd, &exe_fd, &err) < 0)
		child_fail(sync_fd, &err);
	(void)syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
	err_errno(&err, -errno, "Failed to execute %s", spec->init_path);
	child_fail(sync_fd, &err);
}

/* The child writes a corral_err on failure; EOF (close-on-exec) means it exec'd. */
static int wait_child(int sync_fd, int pidfd, struct corral_err *err)
{
	struct corral_err child;
	siginfo_t si = { 0 };
	ssize_t n;

	do
		n = read(sync_fd, &child, sizeof(child));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(child)) {
		child.msg[sizeof(child.msg) - 1] = '\0';
		return err_set(err, child.code < 0 ? child.code : -EIO, "%s", child.msg);
	}
	if (n != 0)
		return err_set(err, -EIO, "Session init sent a malformed status");
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid != 0)
		return err_set(err, -ECHILD, "Session init exited at once (status %d)",
			       si.si_status);
	return 0;
}

/* The session's cgroup2 directory on a unified host, for CLONE_INTO_CGROUP; -1 otherwise. */
static int unified_session_fd(const struct init_spec *spec)
{
	const struct cg_host *h = spec->cg_host;

	if (h->layout != CG_LAYOUT_UNIFIED || h->unified < 0)
		return -1;
	return spec->cg_session->fd[h->unified];
}

int init_spawn(const struct init_spec *spec, int *ret_pidfd, pid_t *ret_pid,
	       struct corral_err *err)
{
	_cleanup_close_ int pidfd = -EBADF, exe = -EBADF;
	int sync[2];
	uint64_t host_uts = 0;
	pid_t pid;
	int r;

	r = ns_inode(0, "uts", &host_uts, err);
	if (r < 0)
		return r;
	exe = open(spec->init_path, O_PATH | O_CLOEXEC);
	if (exe < 0)
		return err_errno(err, -errno, "Failed to open %s", spec->init_path);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return err_errno(err, -errno, "Failed to create a socket pair");
	pid = clone_pidfd(SESSION_NS_FLAGS | (spec->net_loopback || spec->veth ? CLONE_NEWNET : 0),
			  unified_session_fd(spec), &pidfd);
	if (pid == 0) {
		(void)close(sync[0]);
		child_main(spec, sync[1], exe, host_uts);
	}
	(void)close(sync[1]);
	if (pid < 0) {
		(void)close(sync[0]);
		return err_errno(err, -errno, "Failed to create the session namespaces");
	}
	r = create_veth(spec, pid, sync[0], err);
	if (r == 0)
		r = wait_child(sync[0], pidfd, err);
	(void)close(sync[0]);
	if (r < 0) {
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		return r;
	}
	*ret_pid = pid;
	*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}
