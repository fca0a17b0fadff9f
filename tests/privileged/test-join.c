/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_module/join.c against real namespaces (root): a target process in fresh
 * PID, mount, UTS and IPC namespaces, joined both ways (setns on the pidfd,
 * and the /proc/PID/ns fallback of kernels before 5.8), a child forked after
 * the join is born inside, and join_restore() brings this process back. The
 * fallback must refuse a pid that is not the pidfd's process.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "join.h"
#include "tap.h"

#define TARGET_NS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC)
#define TARGET_HOST "corral-join-test"

struct target {
	pid_t pid;
	int pidfd;
	int hold;		/* the target lives until this pipe end is closed */
};

static ino_t ns_ino(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int target_start(struct target *t)
{
	struct clone_args ca = { .flags = CLONE_PIDFD | TARGET_NS, .exit_signal = SIGCHLD };
	int pipefd[2], ready[2];
	char c;

	if (pipe2(pipefd, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	ca.pidfd = (uint64_t)(uintptr_t)&t->pidfd;
	t->pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		close(pipefd[1]);
		if (sethostname(TARGET_HOST, strlen(TARGET_HOST)) < 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		(void)!read(pipefd[0], &c, 1);
		_exit(0);
	}
	close(pipefd[0]);
	close(ready[1]);
	/* Joined before it set its hostname, a test would see the host's. */
	if (read(ready[0], &c, 1) != 1)
		return -EIO;
	close(ready[0]);
	t->hold = pipefd[1];
	return 0;
}

static void target_stop(struct target *t)
{
	close(t->hold);
	close(t->pidfd);
	waitpid(t->pid, NULL, 0);
}

/* What a child forked now sees: its pid, hostname and namespaces, through a pipe. */
struct seen {
	pid_t pid;
	char host[65];
	ino_t pidns, mntns, utsns, ipcns;
	char cwd[256];
};

static int fork_and_look(struct seen *s)
{
	int p[2], status;
	pid_t pid;

	/* Zeroes when anything fails: the checks then fail instead of reading garbage. */
	memset(s, 0, sizeof(*s));
	if (pipe(p) < 0)
		return -errno;
	(void)fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct seen me = { .pid = getpid() };

		gethostname(me.host, sizeof(me.host) - 1);
		me.pidns = ns_ino(0, "pid");
		me.mntns = ns_ino(0, "mnt");
		me.utsns = ns_ino(0, "uts");
		me.ipcns = ns_ino(0, "ipc");
		(void)!getcwd(me.cwd, sizeof(me.cwd));
		(void)!write(p[1], &me, sizeof(me));
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], s, sizeof(*s));
	close(p[0]);
	waitpid(pid, &status, 0);
	return 0;
}

static void join_and_check(const struct target *t, bool fallback)
{
	const char *how = fallback ? "fallback" : "setns(pidfd)";
	struct corral_err err = CORRAL_ERR_INIT;
	struct ns_saved saved = NS_SAVED_INIT;
	const ino_t before[4] = { ns_ino(0, "pid_for_children"), ns_ino(0, "mnt"), ns_ino(0, "uts"),
			    ns_ino(0, "ipc") };
	struct seen s;
	int r;

	r = join_save(TARGET_NS, &saved, &err);
	if (!is_int(r, 0, "%s: join_save", how))
		diag("%s", err.msg);
	/* The module passes the cwd it is in: join_session() checks the path leads back there. */
	if (chdir("/tmp") < 0)
		diag("chdir /tmp: %s", strerror(errno));
	/* main() stops when target_start() failed: clang 14 does not know errno != 0 then. */
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage) */
	r = join_session(t->pidfd, t->pid, TARGET_NS, fallback, "/tmp", &err);
	if (!is_int(r, 0, "%s: join_session", how))
		diag("%s", err.msg);
	fork_and_look(&s);
	ok(s.pid > 1, "%s: a child forked after the join gets a pid of the session (%d)", how,
	   (int)s.pid);
	is_int((long long)s.pidns, (long long)ns_ino(t->pid, "pid"),
	       "%s: the child is in the session's pid namespace", how);
	is_int((long long)s.mntns, (long long)ns_ino(t->pid, "mnt"),
	       "%s: the child is in the session's mount namespace", how);
	is_int((long long)s.ipcns, (long long)ns_ino(t->pid, "ipc"),
	       "%s: the child is in the session's ipc namespace", how);
	is_str(s.host, TARGET_HOST, "%s: the child sees the session's hostname", how);
	is_str(s.cwd, "/tmp", "%s: the cwd is re-resolved inside the session's mount tree", how);
	r = join_restore(&saved, &err);
	if (!is_int(r, 0, "%s: join_restore", how))
		diag("%s", err.msg);
	ns_saved_close(&saved);
	ok(ns_ino(0, "pid_for_children") == before[0] && ns_ino(0, "mnt") == before[1] &&
	   ns_ino(0, "uts") == before[2] && ns_ino(0, "ipc") == before[3],
	   "%s: this process is back in its own namespaces", how);
}

/*
 * A cwd path that leads elsewhere than where we are (a user swapped a
 * component for a symlink after it was saved, pam_namespace CVE-2025-6020):
 * the join lands in "/", not there.
 */
static void join_elsewhere(const struct target *t)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct ns_saved saved = NS_SAVED_INIT;
	struct seen s;
	int r;

	if (chdir("/") < 0)
		diag("chdir /: %s", strerror(errno));
	r = join_save(TARGET_NS, &saved, &err);
	if (r == 0)
		r = join_session(t->pidfd, t->pid, TARGET_NS, false, "/tmp", &err);
	if (!is_int(r, 0, "cwd path to another directory: join_session"))
		diag("%s", err.msg);
	fork_and_look(&s);
	is_str(s.cwd, "/", "a cwd path that leads to another directory is not followed: '/'");
	(void)join_restore(&saved, &err);
	ns_saved_close(&saved);
}

int main(void)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct target t;
	int r;

	if (geteuid() != 0) {
		skip("needs root");
		return done();
	}
	r = target_start(&t);
	if (!is_int(r, 0, "a target in fresh pid, mount, uts and ipc namespaces"))
		return done();
	join_and_check(&t, false);
	join_and_check(&t, true);
	join_elsewhere(&t);

	r = join_session(t.pidfd, getpid(), TARGET_NS, true, NULL, &err);
	is_int(r, -ESRCH, "fallback: a pid that is not the pidfd's process is refused");
	is_int((long long)ns_ino(0, "mnt"), (long long)ns_ino(getppid(), "mnt"),
	       "fallback: after the refusal this process has not moved");
	r = join_session(t.pidfd, t.pid, CLONE_NEWUSER, false, NULL, &err);
	is_int(r, -EINVAL, "a user namespace is never joined");
	r = join_session(t.pidfd, t.pid, 0, false, NULL, &err);
	is_int(r, -EINVAL, "an empty namespace set is refused");
	target_stop(&t);
	return done();
}
