/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc-view-drive: helper/proc-view.c driven from test-proc-view.sh, as the
 * helper drives it: proc_view_open() in the caller's mount namespace, then a
 * child cloned into new mount and PID namespaces (/ made a slave, a fresh
 * procfs on /proc, as spawn-init.c's setup_mounts() does) that runs
 * proc_view_mount() and execs a command as the PID 1 there.
 *
 *   proc-view-drive [OPTIONS] open DIR|-
 *       "dir=D offered=0xN cloned=N remount=0|1", or "error=-E NAME: message"
 *       and exit status 1. "-": let proc_view_open() find LXCFS.
 *   proc-view-drive [OPTIONS] run DIR|- -- COMMAND...
 *       the same line, then the child's "mounted=0xN" or "mount-error=-E NAME:
 *       message" (exit 1 unless --keep-going), then COMMAND's output; the exit
 *       status is COMMAND's.
 *
 * Options: --block=open_tree,mount_setattr (a seccomp filter makes those
 * ENOSYS, as on an old kernel: the fallbacks run); --tamper=KIND (in the
 * child, before proc_view_mount: sys-symlink and sys-file put a tmpfs on
 * /sys/devices/system/cpu with "online" a symlink to /proc/meminfo or a
 * plain file; no-sys an empty tmpfs on /sys); --only=MASK (offered &= MASK
 * before the clone, as a caller leaving files out); --keep-going.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount-api.h"
#include "proc-view.h"

struct opts {
	bool block_open_tree, block_setattr, keep_going;
	const char *tamper;
	unsigned only;		/* --only=MASK: the offered files kept */
};

static void print_err(const char *key, const struct corral_err *err)
{
	const char *name = strerrorname_np(-err->code);

	printf("%s=%d %s: %s\n", key, err->code, name ? name : "?", err->msg);
	(void)fflush(stdout);
}

static int block(const struct opts *o)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, o->block_open_tree ? SYS_open_tree : ~0u, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, o->block_setattr ? SYS_mount_setattr : ~0u, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (!o->block_open_tree && !o->block_setattr)
		return 0;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("proc-view-drive: seccomp");
		return -1;
	}
	return 0;
}

static int open_view(const char *dir, struct proc_view *pv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	unsigned cloned = 0;

	if (proc_view_open(streq(dir, "-") ? NULL : dir, pv, &err) < 0) {
		print_err("error", &err);
		return -1;
	}
	for (unsigned i = 0; i < _PROC_VIEW_MAX; i++)
		cloned += pv->tree[i] >= 0;
	printf("dir=%s offered=0x%x cloned=%u remount=%d\n", pv->dir, pv->offered, cloned,
	       pv->remount);
	(void)fflush(stdout);
	return 0;
}

static int tamper(const char *kind)
{
	const char *cpu = "/sys/devices/system/cpu";
	int fd;

	if (!kind)
		return 0;
	if (streq(kind, "no-sys"))
		return mount("none", "/sys", "tmpfs", 0, "mode=0755");
	if (mount("none", cpu, "tmpfs", 0, "mode=0755") < 0)
		return -1;
	if (streq(kind, "sys-symlink"))
		return symlinkat("/proc/meminfo", AT_FDCWD, "/sys/devices/system/cpu/online");
	if (!streq(kind, "sys-file"))
		return errno = EINVAL, -1;
	fd = open("/sys/devices/system/cpu/online", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		return -1;
	return close(fd);
}

/* PID 1 of the new namespaces: what setup_mounts() does, then the view, then the command. */
static _noreturn_ void child(const struct opts *o, const struct proc_view *pv, char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		perror("proc-view-drive: setting up the mount namespace");
		_exit(126);
	}
	if (tamper(o->tamper) < 0) {
		perror("proc-view-drive: tamper");
		_exit(126);
	}
	r = proc_view_mount(pv, &err);
	if (r < 0) {
		print_err("mount-error", &err);
		if (!o->keep_going)
			_exit(1);
	} else {
		printf("mounted=0x%x\n", (unsigned)r);
		(void)fflush(stdout);
	}
	execvp(argv[0], argv);
	perror("proc-view-drive: exec");
	_exit(127);
}

static int run(const struct opts *o, const char *dir, char **argv)
{
	struct proc_view pv = PROC_VIEW_INIT;
	int status = 0;
	pid_t pid;

	if (open_view(dir, &pv) < 0)
		return 1;
	pv.offered &= o->only;
	pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWNS | CLONE_NEWPID | SIGCHLD), NULL,
			     NULL, NULL, 0);
	if (pid < 0) {
		perror("proc-view-drive: clone");
		proc_view_close(&pv);
		return 1;
	}
	if (pid == 0)
		child(o, &pv, argv);
	proc_view_close(&pv);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int usage(void)
{
	fprintf(stderr, "usage: proc-view-drive [--block=open_tree,mount_setattr] [--tamper=KIND] "
		"[--only=MASK] [--keep-going] open DIR|- | run DIR|- -- COMMAND...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = { .only = ~0u };
	struct proc_view pv = PROC_VIEW_INIT;
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strncmp(argv[i], "--block=", 8) == 0) {
			o.block_open_tree = strstr(argv[i], "open_tree") != NULL;
			o.block_setattr = strstr(argv[i], "mount_setattr") != NULL;
		} else if (strncmp(argv[i], "--tamper=", 9) == 0) {
			o.tamper = argv[i] + 9;
		} else if (strncmp(argv[i], "--only=", 7) == 0) {
			o.only = (unsigned)strtoul(argv[i] + 7, NULL, 0);
		} else if (streq(argv[i], "--keep-going")) {
			o.keep_going = true;
		} else {
			return usage();
		}
	}
	if (argc - i < 2 || block(&o) < 0)
		return argc - i < 2 ? usage() : 1;
	if (streq(argv[i], "open") && argc - i == 2) {
		int r = open_view(argv[i + 1], &pv);

		proc_view_close(&pv);
		return r < 0 ? 1 : 0;
	}
	if (streq(argv[i], "run") && argc - i >= 4 && streq(argv[i + 2], "--"))
		return run(&o, argv[i + 1], argv + i + 3);
	return usage();
}
