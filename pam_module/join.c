/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "join.h"
#include "macro.h"

static const struct {
	int flag;
	const char *name;
} ns_names[] = {
	/* The PID namespace first: the others need not be undone if it fails. */
	{ CLONE_NEWPID, "pid" },	{ CLONE_NEWNS, "mnt" },	  { CLONE_NEWUTS, "uts" },
	{ CLONE_NEWIPC, "ipc" },	{ CLONE_NEWNET, "net" },  { CLONE_NEWCGROUP, "cgroup" },
};

void ns_saved_close(struct ns_saved *s)
{
	for (unsigned i = 0; i < s->n; i++)
		s->fd[i] = close_nointr_keep_errno(s->fd[i]);
	s->n = 0;
}

int join_save(int flags, struct ns_saved *ret, struct corral_err *err)
{
	struct ns_saved s = NS_SAVED_INIT;
	char path[64];

	if (!getcwd(s.cwd, sizeof(s.cwd)) || s.cwd[0] != '/')
		(void)snprintf(s.cwd, sizeof(s.cwd), "/");
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
		int fd;

		if (!(flags & ns_names[i].flag))
			continue;
		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ns_saved_close(&s);
			return err_errno(err, -errno, "Failed to open %s", path);
		}
		s.fd[s.n] = fd;
		s.type[s.n++] = ns_names[i].flag;
	}
	*ret = s;
	return 0;
}

/* The process behind pidfd is still pid: the /proc files we opened are its. */
static int pidfd_still(int pidfd, pid_t pid)
{
	char path[64], buf[512];
	ssize_t n;
	int fd, found = -1;
	const char *p;

	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return -errno;
	(void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:\t");
	/* NOLINTNEXTLINE(cert-err34-c): the kernel's decimal pid, or -1 once it has exited */
	if (!p || sscanf(p, "\nPid:\t%d", &found) != 1 || found != pid)
		return -ESRCH;
	return 0;
}

/* FIXME: dead code once Linux 5.8 (setns with a pidfd) is the floor. */
static int join_fallback(int pidfd, pid_t pid, int flags, struct corral_err *err)
{
	struct ns_saved target = NS_SAVED_INIT;
	char path[64];
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
		int fd;

		if (!(flags & ns_names[i].flag))
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_names[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = err_errno(err, -errno, "Failed to open %s", path);
			goto out;
		}
		target.fd[target.n] = fd;
		target.type[target.n++] = ns_names[i].flag;
	}
	if (pidfd_still(pidfd, pid) < 0) {
		r = err_set(err, -ESRCH, "The session init %d exited while joining", (int)pid);
		goto out;
	}
	for (unsigned i = 0; i < target.n; i++)
		if (setns(target.fd[i], target.type[i]) < 0) {
			r = err_errno(err, -errno, "Failed to join namespace %d of the session",
				      target.type[i]);
			goto out;
		}
out:
	ns_saved_close(&target);
	return r;
}

/*
 * setns(CLONE_NEWNS) left us at the new root; the same path exists in the
 * copy, and leads to the same directory (same device and inode) unless a
 * user swapped a component of it for a symlink meanwhile (pam_namespace
 * CVE-2025-6020): then "/" rather than wherever the symlink leads.
 */
static void enter_cwd(const char *cwd, const struct stat *before)
{
	struct stat now;

	if (!cwd || !before || chdir(cwd) < 0 || stat(".", &now) < 0 ||
	    now.st_dev != before->st_dev || now.st_ino != before->st_ino)
		(void)!chdir("/");
}

/* The directory we are in, by inode: what enter_cwd() must find again. */
static const struct stat *cwd_identity(struct stat *buf)
{
	return stat(".", buf) == 0 ? buf : NULL;
}

int join_session(int pidfd, pid_t pid, int flags, bool force_fallback, const char *cwd,
		 struct corral_err *err)
{
	struct stat buf;
	const struct stat *before;
	int r;

	if (flags == 0 || (flags & ~JOIN_ALLOWED_FLAGS))
		return err_set(err, -EINVAL, "Refusing to join namespace set 0x%x", flags);
	before = cwd_identity(&buf);
	if (!force_fallback && setns(pidfd, flags) == 0) {
		enter_cwd(cwd, before);
		return 0;
	}
	if (!force_fallback && errno != EINVAL)
		return err_errno(err, -errno, "Failed to join the session's namespaces");
	r = join_fallback(pidfd, pid, flags, err);
	if (r == 0)
		enter_cwd(cwd, before);
	return r;
}

int join_restore(struct ns_saved *s, struct corral_err *err)
{
	struct stat buf;
	const struct stat *before = cwd_identity(&buf);
	int r = 0;

	for (unsigned i = 0; i < s->n; i++)
		if (setns(s->fd[i], s->type[i]) < 0 && r == 0)
			r = err_errno(err, -errno, "Failed to return to namespace %d", s->type[i]);
	enter_cwd(s->cwd, before);
	return r;
}
