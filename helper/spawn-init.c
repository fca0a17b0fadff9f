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

#include "fd-util.h"
#include "macro.h"
#include "spawn-init.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define INIT_FD_APP 3
#define INIT_FD_STATE 4
#define HIGH_FD 16

int ns_inode(pid_t pid, const char *ns, uint64_t *ret, struct corral_err *err)
{
	char path[64];
	struct stat st;

	if (pid > 0)
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	else
		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (stat(path, &st) < 0)
		return err_errno(err, -errno, "Failed to stat %s", path);
	*ret = (uint64_t)st.st_ino;
	return 0;
}

/* clone3 (Linux 5.3) with CLONE_PIDFD; clone() with CLONE_PIDFD (5.2) otherwise. */
static pid_t clone_pidfd(uint64_t flags, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;

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
 * does this when asked (mount_private); we always do.
 */
static int setup_mounts(struct corral_err *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_errno(err, -errno, "Failed to make the mount tree a slave");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return err_errno(err, -errno, "Failed to mount a procfs on /proc");
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

/* Leave exactly: 0-2 on /dev/null, 3 = application pidfd, 4 = state dir, and sync_fd. */
static int setup_fds(const struct init_spec *spec, int *sync_fd, struct corral_err *err)
{
	int app, state, sync, null;

	app = fcntl(spec->app_pidfd, F_DUPFD_CLOEXEC, HIGH_FD);
	state = fcntl(spec->state_fd, F_DUPFD_CLOEXEC, HIGH_FD);
	sync = fcntl(*sync_fd, F_DUPFD_CLOEXEC, HIGH_FD);
	null = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (app < 0 || state < 0 || sync < 0 || null < 0)
		return err_errno(err, -errno, "Failed to duplicate file descriptors");
	for (int fd = 0; fd <= 2; fd++)
		if (dup3(null, fd, 0) < 0)
			return err_errno(err, -errno, "Failed to set up stdio");
	if (fd_move_to(app, INIT_FD_APP, err) < 0 || fd_move_to(state, INIT_FD_STATE, err) < 0)
		return err->code;
	*sync_fd = sync;
	return fd_close_all_but((int[]){ INIT_FD_APP, INIT_FD_STATE, sync }, 3, err);
}

static _noreturn_ void child_fail(int sync_fd, const struct corral_err *err)
{
	(void)!write(sync_fd, err, sizeof(*err));
	_exit(127);
}

static _noreturn_ void child_main(const struct init_spec *spec, int sync_fd, uint64_t host_uts)
{
	struct corral_err err = CORRAL_ERR_INIT;
	char uid[DECIMAL_STR_MAX(uid_t)];
	char *argv[] = { "corral-init", uid, (char *)spec->session_id,
			 spec->kill_on_abandon ? "--kill-on-abandon" : NULL, NULL };
	char *envp[] = { NULL };

	(void)snprintf(uid, sizeof(uid), "%u", (unsigned)spec->uid);
	if (setup_mounts(&err) < 0 || setup_hostname(spec->hostname, host_uts, &err) < 0 ||
	    setup_fds(spec, &sync_fd, &err) < 0)
		child_fail(sync_fd, &err);
	execve(spec->init_path, argv, envp);
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

int init_spawn(const struct init_spec *spec, int *ret_pidfd, pid_t *ret_pid,
	       struct corral_err *err)
{
	_cleanup_close_ int pidfd = -EBADF;
	int sync[2];
	uint64_t host_uts;
	pid_t pid;
	int r;

	r = ns_inode(0, "uts", &host_uts, err);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return err_errno(err, -errno, "Failed to create a socket pair");
	pid = clone_pidfd(SESSION_NS_FLAGS, &pidfd);
	if (pid == 0) {
		(void)close(sync[0]);
		child_main(spec, sync[1], host_uts);
	}
	(void)close(sync[1]);
	if (pid < 0) {
		(void)close(sync[0]);
		return err_errno(err, -errno, "Failed to create the session namespaces");
	}
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
