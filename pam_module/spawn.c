/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spawning the helper from inside someone else's process (sshd, su, login):
 * like pam_unix's unix_chkpwd, the child gets SIGCHLD and the signal mask
 * reset, fds sanitised, real uid 0 (su runs with the invoking user's real
 * uid, and a setuid helper must not depend on that), a fixed argv and an
 * allowlisted environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "spawn.h"

#define HELPER_FD 3
#define MAX_ARGS 8

static void build_argv(const struct mod_args *a, const char *verb, char buf[2][PATH_MAX + 16],
		       const char **argv)
{
	int n = 0;

	argv[n++] = "corral-helper";
	if (a->config) {
		(void)snprintf(buf[0], sizeof(buf[0]), "--config=%s", a->config);
		argv[n++] = buf[0];
	}
	if (a->init) {
		(void)snprintf(buf[1], sizeof(buf[1]), "--init=%s", a->init);
		argv[n++] = buf[1];
	}
	if (a->debug)
		argv[n++] = "--debug";
	argv[n++] = verb;
	argv[n] = NULL;
}

static _noreturn_ void child_exec(const struct mod_args *a, const char *verb, int sock)
{
	static char buf[2][PATH_MAX + 16];
	const char *argv[MAX_ARGS];
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct corral_err err = CORRAL_ERR_INIT;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	sigset_t none;
	int null;

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	/*
	 * The socket first: in an application that runs with 0-2 closed, the
	 * socketpair took one of them, and /dev/null would be put over it.
	 * /dev/null without O_CLOEXEC: when it lands on 0-2 itself, dup2() is a
	 * no-op and the flag would stay; anywhere else, fd_close_from() closes it.
	 */
	if (fd_move_to(sock, HELPER_FD, &err) < 0)
		_exit(127);
	null = open("/dev/null", O_RDWR | O_NOCTTY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	if (fd_close_from(HELPER_FD + 1, &err) < 0)
		_exit(127);
	/* Checked, and verified: never infer privilege state from one call (CVE-2020-5291). */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || getresuid(&ru, &eu, &su) < 0 ||
	    ru != 0 || eu != 0 || su != 0 || getresgid(&rg, &eg, &sg) < 0 || rg != 0 || eg != 0 ||
	    sg != 0)
		_exit(127);
	build_argv(a, verb, buf, argv);
	execve(a->helper, (char **)argv, envp);
	_exit(127);
}

static int wait_child(pid_t pid, int *ret_status)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status;
	return 0;
}

static int exchange(int sock, const struct proto_msg *req, int pass_fd, int timeout_ms,
		    struct proto_msg *reply, int *ret_fd, struct corral_err *err)
{
	int r;

	r = proto_send(sock, req, pass_fd, err);
	if (r < 0)
		return err_wrap(err, "Failed to send the request to the helper");
	r = proto_recv(sock, reply, ret_fd, timeout_ms, err);
	if (r < 0)
		return err_wrap(err, "No reply from the helper");
	if (reply->kind != PROTO_REPLY)
		return err_set(err, -EBADMSG, "The helper sent a message that is not a reply");
	return 0;
}

int helper_call(const struct mod_args *a, const char *verb, const struct proto_msg *req,
		int pass_fd, int timeout_ms, struct proto_msg *reply, int *ret_fd,
		struct corral_err *err)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, saved;
	int sock[2], status, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		return err_errno(err, -errno, "Failed to create a socket pair");
	/* An application that ignores SIGCHLD would make waitpid() fail (pam_namespace). */
	(void)sigaction(SIGCHLD, &dfl, &saved);
	pid = fork();
	if (pid == 0) {
		(void)close(sock[0]);
		child_exec(a, verb, sock[1]);
	}
	(void)close(sock[1]);
	if (pid < 0) {
		r = err_errno(err, -errno, "Failed to fork the helper");
		(void)close(sock[0]);
		(void)sigaction(SIGCHLD, &saved, NULL);
		return r;
	}
	r = exchange(sock[0], req, pass_fd, timeout_ms, reply, ret_fd, err);
	(void)close(sock[0]);
	if (r < 0)
		(void)kill(pid, SIGKILL); /* our own child, not yet reaped: the pid is ours */
	/* wait_child() writes status when it returns 0: clang 14 thinks -errno may be 0. */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	if (wait_child(pid, &status) == 0 && r < 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 127)
		err_wrap(err, "Failed to execute %s", a->helper);
	(void)sigaction(SIGCHLD, &saved, NULL);
	return r;
}
