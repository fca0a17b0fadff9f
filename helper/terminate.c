/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ending a session. The init holds no capabilities, so it cannot signal the
 * user's processes; we do it from inside the session's PID namespace, where
 * kill(-1) reaches every process of the session and nothing else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"
#include "spawn-init.h"

#define POLL_INTERVAL_MS 20

static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Zombies of parents outside the namespace linger until reaped: they count as gone. */
static bool alive(int procfd, const char *pid)
{
	char path[NAME_MAX + 8], buf[256], *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/stat", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Runs inside the session's PID and mount namespaces, so /proc is the session's. */
static bool others_alive(void)
{
	struct dirent *de;
	bool found = false;
	pid_t self = getpid();
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		pid_t pid;

		if (parse_pid(de->d_name, &pid) < 0 || pid == 1 || pid == self)
			continue;
		found = alive(dirfd(d), de->d_name);
	}
	(void)closedir(d);
	return found;
}

/*
 * Send sig to every live process of the session but the init and us; the
 * number signalled. Not kill(-1): for that the kernel walks every process of
 * the host, whatever the caller's PID namespace, holding the lock that fork
 * and exit take, so each logout would cost in proportion to all that runs on
 * the host. Our /proc is the session's: the pids listed are the session's and
 * nothing else's, as kill(-1) inside the namespace would reach. A process
 * forked while we list may be missed; the SIGKILL rounds, the init's exit
 * (the kernel kills the namespace) and the cgroup kill come after.
 */
static int signal_session(int sig)
{
	struct dirent *de;
	pid_t self = getpid();
	int n = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid;

		if (parse_pid(de->d_name, &pid) < 0 || pid == 1 || pid == self ||
		    !alive(dirfd(d), de->d_name))
			continue;
		n += kill(pid, sig) == 0;
	}
	(void)closedir(d);
	return n;
}

static _noreturn_ void killer(uint64_t grace_ms)
{
	int64_t deadline = now_ms() + (int64_t)grace_ms;
	struct timespec tick = { 0, POLL_INTERVAL_MS * 1000000L };

	(void)signal_session(SIGTERM);
	(void)signal_session(SIGCONT);
	while (now_ms() < deadline && others_alive())
		(void)nanosleep(&tick, NULL);
	/* Processes may fork while we kill: repeat while any is left. */
	for (int round = 0; round < 10 && signal_session(SIGKILL) > 0; round++)
		(void)nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	_exit(0);
}

static int wait_pid(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* setns() affects our children only for the PID namespace: fork once more inside. */
static _noreturn_ void enter_and_kill(int init_pidfd, uint64_t grace_ms)
{
	pid_t pid;

	if (setns(init_pidfd, CLONE_NEWPID | CLONE_NEWNS) < 0)
		_exit(1);
	pid = fork();
	if (pid == 0)
		killer(grace_ms);
	_exit(pid < 0 ? 1 : wait_pid(pid));
}

int session_terminate(int init_pidfd, uint64_t grace_ms, struct corral_err *err)
{
	pid_t pid;
	int r;

	pid = fork();
	if (pid < 0)
		return err_errno(err, -errno, "Failed to fork");
	if (pid == 0)
		enter_and_kill(init_pidfd, grace_ms);
	r = wait_pid(pid);
	if (r < 0)
		return err_errno(err, r, "Failed to wait for the session terminator");
	if (r != 0)
		return err_set(err, -EIO, "Failed to enter the session to end its processes");
	return 0;
}

int session_kill_init(int init_pidfd, int timeout_ms, struct corral_err *err)
{
	struct pollfd p = { .fd = init_pidfd, .events = POLLIN };
	int r;

	if (syscall(SYS_pidfd_send_signal, init_pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return err_errno(err, -errno, "Failed to kill the session init");
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_errno(err, -errno, "Failed to wait for the session init");
	if (r == 0)
		return err_set(err, -ETIMEDOUT, "Session init still alive after %d ms", timeout_ms);
	return 0;
}

int pidfd_get_pid(int pidfd, pid_t *ret, struct corral_err *err)
{
	_cleanup_free_ char *buf = NULL;
	char name[32];
	const char *p;
	int pid;

	(void)snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", pidfd);
	if (fd_read_file_at(AT_FDCWD, name, 4096, &buf, NULL, err) < 0)
		return err->code;
	p = strstr(buf, "\nPid:\t");
	/* NOLINTNEXTLINE(cert-err34-c): the kernel's decimal pid, or -1 once it has exited */
	if (!p || sscanf(p, "\nPid:\t%d", &pid) != 1)
		return err_set(err, -EBADF, "fd %d is not a pidfd", pidfd);
	if (pid <= 0)
		return err_set(err, -ESRCH, "The session init has exited");
	*ret = pid;
	return 0;
}

int session_end_init(int init_pidfd, int wait_ms)
{
	struct pollfd p = { .fd = init_pidfd, .events = POLLIN };
	int r;

	if (syscall(SYS_pidfd_send_signal, init_pidfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : -errno;
	do
		r = poll(&p, 1, wait_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

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
