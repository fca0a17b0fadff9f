/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enter SESSION [COMMAND [ARG...]]: run a command, or root's shell, as root
 * inside a session: its PID, mount, UTS, IPC, network and cgroup namespaces
 * and its cgroup, so `ps` shows what the session's user sees and what it
 * runs counts against the user's limits (nsenter, machinectl shell).
 *
 * We stay outside in every way, and wait. A child joins the session's PID
 * namespace, which applies to its own children only, and forks the
 * command's process; that one moves itself into the session's cgroup
 * while it still sees the host's cgroup tree (a cgroup namespace cannot
 * move a process out of its root), then joins the other namespaces and
 * execs. The middle process passes the status on and _exit()s: nothing of
 * ours (atexit handlers, a sanitizer's leak check) ever runs with its
 * children in the session.
 */
#include <errno.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "corralctl.h"
#include "join.h"
#include "spawn-init.h"

const char verb_enter_details[] =
	"Runs COMMAND (found in the session's PATH view; default: root's login shell\n"
	"from the password database, else /bin/sh) as root in the session's PID,\n"
	"mount, UTS, IPC, network (when the session has its own) and cgroup\n"
	"namespaces, in the session's cgroup, with the working directory '/' of the\n"
	"session's mount tree. The environment is kept, with CORRAL_SESSION set to\n"
	"the session's id. It is for support and debugging: the command runs with\n"
	"every capability, counts against the user's limits, and is visible to the\n"
	"user's processes (as in 'machinectl shell').\n"
	"\n"
	"Exit status: the command's (128 + N when killed by signal N); 1 when the\n"
	"session is not found or cannot be entered; 2 usage error; 127 when COMMAND\n"
	"cannot be run.\n"
	"\n"
	"Examples:\n"
	"  corralctl enter 3f2a9c0d1b7e4a55\n"
	"  corralctl enter 3f2a9c0d1b7e4a55 ps -ef\n";

static const char *const ns_names[] = { "mnt", "uts", "ipc", "net", "cgroup" };
static const int ns_flags[] = { CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET,
				CLONE_NEWCGROUP };

/* The namespaces, PID aside, in which the init is not where we are. */
static int namespaces_to_join(pid_t init, int *ret, struct corral_err *err)
{
	int flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
		uint64_t theirs, ours;
		int r = ns_inode(init, ns_names[i], &theirs, err);

		if (r >= 0)
			r = ns_inode(0, ns_names[i], &ours, err);
		if (r < 0)
			return r;
		if (theirs != ours)
			flags |= ns_flags[i];
	}
	*ret = flags;
	return 0;
}

static int attach_cgroup(const struct session_state *st, struct corral_err *err)
{
	struct cg_host host;
	struct cg_session s;
	int r;

	if (!st->cgroup_root[0])
		return 0;	/* a session from before cgroups */
	r = cg_host_open(st->cgroup_root, &host, err);
	if (r < 0)
		return r;
	r = cg_session_open(&host, st->uid, st->id, &s, err);
	if (r >= 0) {
		r = cg_session_attach(&host, &s, 0, err);
		cg_session_close(&s);
	}
	cg_host_close(&host);
	return r;
}

static _noreturn_ void child(const struct session_state *st, int pidfd, int flags, char **cmd)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct passwd *pw = getpwuid(0);
	char *shell[] = { pw && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh", "-l", NULL };
	int r;

	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGQUIT, SIG_DFL);
	r = attach_cgroup(st, &err);
	if (r >= 0 && flags)
		r = join_session(pidfd, st->init_pid, flags, false, NULL, &err);
	if (r < 0) {
		fprintf(stderr, "corralctl: cannot enter session %s: %s\n", st->id, err.msg);
		_exit(EXIT_FAILURE);
	}
	(void)close(pidfd);
	(void)setenv("CORRAL_SESSION", st->id, 1);
	if (!cmd[0])
		cmd = shell;
	execvp(cmd[0], cmd);
	fprintf(stderr, "corralctl: cannot run %s in session %s: %s\n", cmd[0], st->id,
		strerror(errno));
	_exit(127);
}

/* The command's exit status, as a shell reports it. */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAILURE;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In the session's PID namespace for our children: fork the command, pass its status on. */
static _noreturn_ void middle(const struct session_state *st, int pidfd, int flags, char **cmd)
{
	pid_t pid;

	if (setns(pidfd, CLONE_NEWPID) < 0) {
		fprintf(stderr, "corralctl: cannot join the PID namespace of session %s: %s\n",
			st->id, strerror(errno));
		_exit(EXIT_FAILURE);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "corralctl: cannot fork: %s\n", strerror(errno));
		_exit(EXIT_FAILURE);
	}
	if (pid == 0)
		child(st, pidfd, flags, cmd);
	_exit(wait_child(pid));
}

static int enter(const struct session_state *st, char **cmd, struct corral_err *err)
{
	_cleanup_close_ int pidfd = -EBADF;
	int r, flags;
	pid_t pid;

	r = ctl_open_init(st, &pidfd, err);
	if (r >= 0)
		r = namespaces_to_join(st->init_pid, &flags, err);
	if (r < 0)
		return r;
	if (fflush(stdout) != 0 || fflush(stderr) != 0)
		return err_errno(err, -errno, "Cannot write the output");
	/* The terminal's ^C and ^\ are the command's to handle: we only wait for it. */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGQUIT, SIG_IGN);
	pid = fork();
	if (pid < 0)
		return err_errno(err, -errno, "Cannot fork");
	if (pid == 0)
		middle(st, pidfd, flags, cmd);
	return wait_child(pid);
}

int verb_enter(int argc, char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_state st;
	int r;

	if (argc < 2)
		return usage_error("enter needs a SESSION");
	if (need_root("enter") < 0)
		return EXIT_FAILURE;
	if (ctl_session_find(argv[1], &st, &err) < 0)
		return fail(&err);
	/* "enter ID -- cmd" as with other tools that run a command. */
	r = enter(&st, argv + 2 + (argc > 2 && streq(argv[2], "--")), &err);
	return r < 0 ? fail(&err) : r;
}
