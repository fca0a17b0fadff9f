/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spawning the helper from inside someone else's process (sshd, su, login):
 * like pam_unix's unix_chkpwd, the child gets SIGCHLD and the signal mask
 * reset, fds sanitised, real uid 0 (su runs with the invoking user's real
 * uid, and a setuid helper must not depend on that), a fixed argv and an
 * allowlisted environment.
 *
 * The child shares our memory until it execs (CLONE_VM | CLONE_VFORK, as
 * glibc's posix_spawn, which cannot set the real uid): it costs no copy of
 * the application's page tables, which for sshd's privileged process is most
 * of what a fork costs. So the child runs on a stack of its own, with every
 * signal blocked until it has reset their handlers (one of the
 * application's must never run in it), makes plain system calls only (no
 * malloc: other threads of the application run on), and sets its ids with
 * raw syscalls: glibc's setresuid() would signal the application's threads
 * to change theirs too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "spawn.h"

#define HELPER_FD 3
#define MAX_ARGS 8
#define CHILD_STACK_SIZE (64 * 1024)

struct child {
	const struct mod_args *a;
	const char *verb;
	int sock;
};

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

/* Checked, and verified: never infer privilege state from one call (CVE-2020-5291). */
static bool become_root(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	return syscall(SYS_setresgid, 0, 0, 0) == 0 && syscall(SYS_setresuid, 0, 0, 0) == 0 &&
	       getresuid(&ru, &eu, &su) == 0 && ru == 0 && eu == 0 && su == 0 &&
	       getresgid(&rg, &eg, &sg) == 0 && rg == 0 && eg == 0 && sg == 0;
}

static int child_exec(void *data)
{
	const struct child *c = data;
	char buf[2][PATH_MAX + 16];
	const char *argv[MAX_ARGS];
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct corral_err err = CORRAL_ERR_INIT;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int null;

	/* Handlers first, then the mask: our parent blocked everything for us. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * The socket first: in an application that runs with 0-2 closed, the
	 * socketpair took one of them, and /dev/null would be put over it.
	 * /dev/null without O_CLOEXEC: when it lands on 0-2 itself, dup2() is a
	 * no-op and the flag would stay; anywhere else, fd_close_from() closes it.
	 */
	if (fd_move_to(c->sock, HELPER_FD, &err) < 0)
		_exit(127);
	null = open("/dev/null", O_RDWR | O_NOCTTY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	/*
	 * close_range() (5.9) needs no /proc walk, whose opendir() would malloc.
	 * Without it the helper closes them, first thing (helper/hygiene.c).
	 */
	(void)syscall(SYS_close_range, HELPER_FD + 1, ~0U, 0);
	if (!become_root())
		_exit(127);
	build_argv(c->a, c->verb, buf, argv);
	execve(c->a->helper, (char **)argv, envp);
	_exit(127);
}

/* The helper's pid, its end of the socket closed in our process only after it exec'd. */
static pid_t spawn(const struct mod_args *a, const char *verb, int sock)
{
	struct child c = { .a = a, .verb = verb, .sock = sock };
	sigset_t all, saved;
	void *stack;
	pid_t pid;
	int saved_errno;

	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &saved);
	pid = clone(child_exec, (char *)stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD,
		    &c);
	saved_errno = errno;
	(void)pthread_sigmask(SIG_SETMASK, &saved, NULL);
	(void)munmap(stack, CHILD_STACK_SIZE);
	errno = saved_errno;
	return pid;
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
	/* sock[0] is close-on-exec: the helper never sees our end. */
	pid = spawn(a, verb, sock[1]);
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
