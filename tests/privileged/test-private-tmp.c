/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * helper/private-tmp.c against real mount namespaces (root). Every mount is
 * made by a child in a mount namespace of its own (a slave of the host's, as
 * the session's is), which reports its checks to this process as records;
 * this process prints them as TAP. Each child runs under alarm(20).
 *
 * - fresh instances on /tmp, /var/tmp and /dev/shm: tmpfs, nosuid, nodev,
 *   1777 root:root, the size asked for, separate instances, a file written
 *   inside not on the host; through the mount API, and through mount(2) with
 *   fsopen() made ENOSYS by a seccomp filter;
 * - hostile trees bind-mounted over /var or /tmp in the child's namespace: a
 *   symlink /var/tmp, a /tmp not owned by root, a group-writable /var, a
 *   /var/tmp that is a file: refused by name, nothing mounted anywhere; a
 *   missing /var/tmp is skipped; sizes that try to add mount options;
 * - sharing: a live "session" (child A) mounts its instances and writes a
 *   file; private_tmp_clone() on A gives detached clones, which child B
 *   attaches in a new namespace; each sees the other's files. Sessions whose
 *   /tmp is not a private instance, the host's own /dev/shm, a tampered mode,
 *   a wrong PID namespace, the host's pid 1 (read only): refused, nothing
 *   mounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "private-tmp.h"
#include "tap.h"

#define CHILD_TIMEOUT_S 20
#define MIB (1024 * 1024)
#define ALL_DIRS ((1 << PRIVATE_TMP_DIR_TMP) | (1 << PRIVATE_TMP_DIR_VAR_TMP) | \
		  (1 << PRIVATE_TMP_DIR_DEV_SHM))

static char scratch[] = "/tmp/corral-ptmp-XXXXXX";
/* In enum private_tmp_dir order: main() checks private_tmp_dir_path() agrees. */
static const char *const paths[_PRIVATE_TMP_DIR_MAX] = { "/tmp", "/var/tmp", "/dev/shm" };
static bool scratch_made;

/* ---- children report checks as records; the parent prints them ---- */

enum { REC_PASS, REC_FAIL, REC_DIAG };

struct rec {
	int kind;
	char text[500];
};

static int rec_fd = -1, sync_in = -1, sync_out = -1;

static _printf_(2, 0) void rec_vsend(int kind, const char *fmt, va_list ap)
{
	struct rec r = { .kind = kind };

	(void)vsnprintf(r.text, sizeof(r.text), fmt, ap);
	(void)!write(rec_fd, &r, sizeof(r));
}

static _printf_(2, 3) bool cok(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rec_vsend(pass ? REC_PASS : REC_FAIL, fmt, ap);
	va_end(ap);
	return pass;
}

static _printf_(1, 2) void cdiag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rec_vsend(REC_DIAG, fmt, ap);
	va_end(ap);
}

static bool cis(long long got, long long want, const char *what)
{
	if (cok(got == want, "%s", what))
		return true;
	cdiag("got %lld, want %lld", got, want);
	return false;
}

/* Child side of the handshake with the parent. */
static void child_signal(void)
{
	(void)!write(sync_out, "r", 1);
}

static bool child_wait(void)
{
	char c;

	return read(sync_in, &c, 1) == 1;
}

struct kid {
	pid_t pid;
	int rec, to, from;	/* records; parent -> kid; kid -> parent */
	const char *name;
};

typedef void (*kid_fn)(const void *arg);

static bool kid_start(struct kid *k, const char *name, kid_fn fn, const void *arg)
{
	int rec[2], to[2], from[2];

	*k = (struct kid){ .pid = -1, .rec = -1, .to = -1, .from = -1, .name = name };
	if (pipe2(rec, O_CLOEXEC) < 0 || pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		return ok(false, "%s: pipes: %s", name, strerror(errno));
	(void)fflush(stdout);
	k->pid = fork();
	if (k->pid < 0)
		return ok(false, "%s: fork: %s", name, strerror(errno));
	if (k->pid == 0) {
		close(rec[0]);
		close(to[1]);
		close(from[0]);
		rec_fd = rec[1];
		sync_in = to[0];
		sync_out = from[1];
		alarm(CHILD_TIMEOUT_S);
		fn(arg);
		_exit(0);
	}
	close(rec[1]);
	close(to[0]);
	close(from[1]);
	k->rec = rec[0];
	k->to = to[1];
	k->from = from[0];
	return true;
}

/* Wait for the kid's signal; false if it ended first. */
static bool kid_ready(const struct kid *k)
{
	char c;

	return ok(read(k->from, &c, 1) == 1, "%s: ready", k->name);
}

static void kid_go(const struct kid *k)
{
	(void)!write(k->to, "g", 1);
}

/* Let it end, print its records, check it ended by itself. */
static void kid_finish(struct kid *k)
{
	struct rec r;
	int status = 0;

	if (k->pid < 0)
		return;
	close(k->to);
	while (read(k->rec, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		r.text[sizeof(r.text) - 1] = '\0';
		if (r.kind == REC_DIAG)
			diag("%s", r.text);
		else
			ok(r.kind == REC_PASS, "%s: %s", k->name, r.text);
	}
	close(k->rec);
	close(k->from);
	while (waitpid(k->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the child exited normally",
		k->name))
		diag("status 0x%x%s", status,
		     WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
	k->pid = -1;
}

static void run_kid(const char *name, kid_fn fn, const void *arg)
{
	struct kid k;

	if (kid_start(&k, name, fn, arg))
		kid_finish(&k);
}

/* ---- mount tables ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &size, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	(void)fclose(f);
	return buf;
}

struct mnt {
	unsigned count;		/* mounts on the path */
	char fstype[64], opts[256], super[256];	/* of the topmost */
};

#define STACK_MAX 16

/*
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPER".
 * The topmost of the mounts on path is the one no other mount there sits on:
 * not the last line, since Linux 6.8 lists mounts by their unique id, and a
 * tree cloned before this namespace was made has a smaller one than the
 * namespace's copies of the host's mounts.
 */
static void mount_at(const char *path, struct mnt *m)
{
	_cleanup_free_ char *text = read_file("/proc/self/mountinfo");
	struct {
		unsigned long id, parent;
		char fstype[64], opts[256], super[256];
	} e[STACK_MAX];
	char *save = NULL;
	unsigned n = 0;

	memset(m, 0, sizeof(*m));
	if (!text)
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char point[512], source[256], *rest;
		const char *dash = strstr(line, " - ");

		if (n == STACK_MAX || !dash)
			continue;
		e[n].id = strtoul(line, &rest, 10);
		e[n].parent = strtoul(rest, &rest, 10);
		if (sscanf(rest, "%*s %*s %511s %255s", point, e[n].opts) != 2 ||
		    sscanf(dash + 3, "%63s %255s %255s", e[n].fstype, source, e[n].super) != 3 ||
		    !streq(point, path))
			continue;
		n++;
	}
	m->count = n;
	for (unsigned i = 0; i < n; i++) {
		bool below = false;

		for (unsigned k = 0; k < n; k++)
			below |= e[k].parent == e[i].id;
		if (below)
			continue;
		memcpy(m->fstype, e[i].fstype, sizeof(m->fstype));
		memcpy(m->opts, e[i].opts, sizeof(m->opts));
		memcpy(m->super, e[i].super, sizeof(m->super));
	}
}

static bool has_opt(const char *opts, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = opts; p; p = strchr(p, ',')) {
		p += *p == ',';
		if (strncmp(p, opt, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	}
	return false;
}

/* The lines of this namespace's mount table on our three paths and the scratch tree. */
static char *host_mounts(void)
{
	_cleanup_free_ char *text = read_file("/proc/self/mountinfo");
	size_t size = text ? strlen(text) + 1 : 1, n = 0;
	char *out = calloc(1, size), *save = NULL;

	if (!text || !out)
		return out;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char point[512];

		if (sscanf(line, "%*s %*s %*s %*s %511s", point) != 1)
			continue;
		if (streq(point, "/tmp") || streq(point, "/var/tmp") || streq(point, "/dev/shm") ||
		    strncmp(point, scratch, strlen(scratch)) == 0) {
			int len = snprintf(out + n, size - n, "%s\n", line);

			n += len > 0 && (size_t)len < size - n ? (size_t)len : 0;
		}
	}
	return out;
}

/* ---- in a child ---- */

/* What the session's namespace is when private_tmp_mount() runs: new, and a slave. */
static bool enter_ns(void)
{
	if (!cok(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS)"))
		return false;
	return cok(mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0, "/ made a slave");
}

static bool bind_over(const char *src, const char *dst)
{
	if (cok(mount(src, dst, NULL, MS_BIND, NULL) == 0, "bind %s over %s", src, dst))
		return true;
	cdiag("%s", strerror(errno));
	return false;
}

/*
 * One of private_tmp_mount()'s instances, as mountinfo, stat and statfs see
 * it. nonnull: with -fsanitize=undefined, gcc 12 follows the branch of UBSan's
 * check of stat()'s argument where path is NULL and then warns about the
 * "%s" below (-Werror=format-overflow).
 */
static __attribute__((nonnull)) void check_instance(const char *path, long long size)
{
	struct mnt m;
	struct statfs sfs;
	struct stat st;

	mount_at(path, &m);
	cok(streq(m.fstype, "tmpfs"), "%s: a tmpfs on top (%s)", path, m.fstype);
	cok(has_opt(m.opts, "nosuid") && has_opt(m.opts, "nodev"), "%s: nosuid,nodev (%s)", path,
	    m.opts);
	if (stat(path, &st) < 0)
		memset(&st, 0xff, sizeof(st));
	cok(st.st_mode == (S_IFDIR | 01777) && st.st_uid == 0 && st.st_gid == 0,
	    "%s: mode 1777, root:root (0%o %u:%u)", path, st.st_mode, st.st_uid, st.st_gid);
	if (statfs(path, &sfs) < 0)
		memset(&sfs, 0, sizeof(sfs));
	cok(sfs.f_type == TMPFS_MAGIC, "%s: statfs says tmpfs", path);
	cok((sfs.f_flags & ST_NOSUID) && (sfs.f_flags & ST_NODEV), "%s: statfs says nosuid,nodev",
	    path);
	if (size > 0)
		cis((long long)sfs.f_blocks * sfs.f_bsize, size, "size: f_blocks * f_bsize");
}

static void check_separate(void)
{
	struct stat a, b, c;

	cok(stat("/tmp", &a) == 0 && stat("/var/tmp", &b) == 0 && stat("/dev/shm", &c) == 0 &&
		    a.st_dev != b.st_dev && b.st_dev != c.st_dev && a.st_dev != c.st_dev,
	    "/tmp, /var/tmp and /dev/shm are three tmpfs instances");
}

static bool write_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return cok(false, "create %s: %s", path, strerror(errno));
	close(fd);
	return true;
}

/*
 * fsopen() and openat2() fail with ENOSYS, as before Linux 5.2 (crun tests its
 * fallbacks the same way): the mount(2) and openat(O_NOFOLLOW) paths run.
 */
static bool block_new_syscalls(void)
{
#if defined(SYS_fsopen) && defined(SYS_openat2)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsopen, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	return cok(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 &&
			   syscall(SYS_fsopen, "tmpfs", 0) < 0 && errno == ENOSYS &&
			   syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0) < 0 && errno == ENOSYS,
		   "a seccomp filter makes fsopen and openat2 ENOSYS");
#else
	return cok(false, "no SYS_fsopen or SYS_openat2 to block");
#endif
}

struct fresh_arg {
	bool legacy;
	char marker[128];
};

static void kid_fresh(const void *p)
{
	const struct fresh_arg *a = p;
	struct private_tmp_spec spec = { .size = "16m", .share_fds = { -1, -1, -1 } };
	struct corral_err err = CORRAL_ERR_INIT;
	struct mnt before[_PRIVATE_TMP_DIR_MAX], after;
	char inside[160];
	int host_tmp, r;

	host_tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!enter_ns() || (a->legacy && !block_new_syscalls()))
		return;
	for (unsigned i = 0; i < _PRIVATE_TMP_DIR_MAX; i++)
		mount_at(paths[i], &before[i]);
	r = private_tmp_mount(&spec, &err);
	if (!cis(r, ALL_DIRS, "private_tmp_mount(size 16m) mounts all three"))
		cdiag("%s", err.msg);
	for (unsigned i = 0; i < _PRIVATE_TMP_DIR_MAX; i++) {
		const char *path = paths[i];

		mount_at(path, &after);
		cis(after.count, before[i].count + 1, "one mount more on the path");
		check_instance(path, 16 * MIB);
	}
	mount_at("/tmp", &after);
	cok(has_opt(after.super, "size=16384k"), "/tmp: size=16384k in mountinfo (%s)", after.super);
	check_separate();
	(void)snprintf(inside, sizeof(inside), "/tmp/%s", a->marker);
	if (write_file(inside))
		cok(host_tmp >= 0 && faccessat(host_tmp, a->marker, F_OK, 0) < 0 && errno == ENOENT,
		    "a file written to the private /tmp is not in the host's /tmp");
}

static void kid_default_size(const void *p)
{
	struct private_tmp_spec spec = { .size = "", .share_fds = { -1, -1, -1 } };
	struct corral_err err = CORRAL_ERR_INIT;
	int r;

	(void)p;
	if (!enter_ns())
		return;
	r = private_tmp_mount(&spec, &err);
	if (!cis(r, ALL_DIRS, "private_tmp_mount(size \"\") mounts all three"))
		cdiag("%s", err.msg);
	check_instance("/tmp", 0);
}

/* A tree bound over `over` in this namespace, then private_tmp_mount() must be refused. */
struct hostile_arg {
	const char *bind_src;	/* under scratch */
	const char *over;
	const char *size;
	int want;		/* negative errno */
	const char *want_msg;
	const char *untouched;	/* a path under scratch that must get no mount, or NULL */
	bool old_kernel;	/* without fsopen and openat2 */
};

static void kid_hostile(const void *p)
{
	const struct hostile_arg *a = p;
	struct private_tmp_spec spec = { .share_fds = { -1, -1, -1 } };
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_free_ char *before = NULL, *after = NULL;
	char src[256], untouched[256];
	struct mnt m0, m1;
	int r;

	(void)snprintf(spec.size, sizeof(spec.size), "%s", a->size ? a->size : "16m");
	if (a->size && strlen(a->size) >= sizeof(spec.size))
		memcpy(spec.size, a->size, sizeof(spec.size));	/* no NUL: must be refused */
	if (!enter_ns() || (a->old_kernel && !block_new_syscalls()))
		return;
	if (a->bind_src) {
		(void)snprintf(src, sizeof(src), "%s/%s", scratch, a->bind_src);
		if (!bind_over(src, a->over))
			return;
	}
	if (a->untouched)
		(void)snprintf(untouched, sizeof(untouched), "%s/%s", scratch, a->untouched);
	mount_at(a->untouched ? untouched : "/", &m0);
	before = read_file("/proc/self/mountinfo");
	r = private_tmp_mount(&spec, &err);
	after = read_file("/proc/self/mountinfo");
	cis(r, a->want, "private_tmp_mount is refused with the expected errno");
	if (!cok(strstr(err.msg, a->want_msg) != NULL, "the message says '%s'", a->want_msg))
		cdiag("message: %s", err.msg);
	cok(before && after && streq(before, after), "nothing was mounted");
	mount_at(a->untouched ? untouched : "/", &m1);
	if (a->untouched)
		cis(m1.count, m0.count, "no mount on the symlink's target");
}

static void kid_missing_var_tmp(const void *p)
{
	struct private_tmp_spec spec = { .size = "16m", .share_fds = { -1, -1, -1 } };
	struct corral_err err = CORRAL_ERR_INIT;
	char src[256];
	struct mnt m;
	int r;

	(void)p;
	(void)snprintf(src, sizeof(src), "%s/emptyvar", scratch);
	if (!enter_ns() || !bind_over(src, "/var"))
		return;
	r = private_tmp_mount(&spec, &err);
	if (!cis(r, (1 << PRIVATE_TMP_DIR_TMP) | (1 << PRIVATE_TMP_DIR_DEV_SHM),
		 "a missing /var/tmp is skipped: the result says /tmp and /dev/shm"))
		cdiag("%s", err.msg);
	check_instance("/tmp", 16 * MIB);
	check_instance("/dev/shm", 16 * MIB);
	mount_at("/var/tmp", &m);
	cis(m.count, 0, "no mount on /var/tmp");
	cok(access("/var/tmp", F_OK) < 0 && errno == ENOENT, "/var/tmp was not created");
}

/* ---- sharing ---- */

struct session_arg {
	int how;		/* SESSION_* */
};

enum {
	SESSION_PRIVATE,	/* private_tmp_mount(), a marker, then waits to check B's file */
	SESSION_PLAIN,		/* nothing mounted: the host's /tmp */
	SESSION_HOST_SHM,	/* own tmpfs on /tmp and /var/tmp, the host's /dev/shm (nosuid,nodev) */
	SESSION_NO_VAR_TMP,	/* private_tmp_mount() with no /var/tmp */
	SESSION_TAMPERED,	/* private_tmp_mount(), then /tmp chmod 0777 */
};

static void kid_session(const void *p)
{
	const struct session_arg *a = p;
	struct private_tmp_spec spec = { .size = "16m", .share_fds = { -1, -1, -1 } };
	struct corral_err err = CORRAL_ERR_INIT;
	const char *opts = "mode=1777,size=1m";
	char src[256];
	int r = 0;

	if (!enter_ns())
		return;
	switch (a->how) {
	case SESSION_PRIVATE:
	case SESSION_TAMPERED:
		r = private_tmp_mount(&spec, &err);
		break;
	case SESSION_NO_VAR_TMP:
		(void)snprintf(src, sizeof(src), "%s/emptyvar", scratch);
		if (!bind_over(src, "/var"))
			return;
		r = private_tmp_mount(&spec, &err);
		break;
	case SESSION_HOST_SHM:
		cok(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0 &&
			    mount("tmpfs", "/var/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0 &&
			    mount("/dev/shm", "/dev/shm", NULL, MS_BIND, NULL) == 0 &&
			    mount(NULL, "/dev/shm", NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV,
				  NULL) == 0,
		    "tmpfs on /tmp and /var/tmp, the host's /dev/shm bound nosuid,nodev");
		break;
	default:
		break;
	}
	if (!cok(r >= 0, "the session's mounts (%d)", r))
		cdiag("%s", err.msg);
	if (a->how == SESSION_TAMPERED)
		cok(chmod("/tmp", 0777) == 0, "/tmp made 0777");
	if (a->how == SESSION_PRIVATE)
		cok(write_file("/tmp/from-a") && write_file("/var/tmp/from-a") &&
			    write_file("/dev/shm/from-a"),
		    "A wrote into its /tmp, /var/tmp and /dev/shm");
	child_signal();
	if (!child_wait())
		return;		/* the parent is done with this one */
	cok(access("/tmp/from-b", F_OK) == 0, "A sees the file B wrote into the shared /tmp");
	cok(access("/dev/shm/from-b", F_OK) == 0, "A sees the file B wrote into the shared /dev/shm");
}

static void kid_attach(const void *p)
{
	const int *fds = p;
	struct private_tmp_spec spec = { .size = "", .share_fds = { fds[0], fds[1], fds[2] } };
	struct corral_err err = CORRAL_ERR_INIT;
	int r;

	if (!enter_ns())
		return;
	r = private_tmp_mount(&spec, &err);
	if (!cis(r, ALL_DIRS, "B: private_tmp_mount with the clones attaches all three"))
		cdiag("%s", err.msg);
	/* 16 MiB: A's instances (B asked for the default size). */
	for (unsigned i = 0; i < _PRIVATE_TMP_DIR_MAX; i++)
		check_instance(paths[i], 16 * MIB);
	check_separate();
	cok(access("/tmp/from-a", F_OK) == 0, "B sees A's file in /tmp");
	cok(access("/var/tmp/from-a", F_OK) == 0, "B sees A's file in /var/tmp");
	cok(access("/dev/shm/from-a", F_OK) == 0, "B sees A's file in /dev/shm");
	cok(write_file("/tmp/from-b") && write_file("/dev/shm/from-b"), "B wrote into /tmp and /dev/shm");
}

static uint64_t pidns_of(pid_t pid)
{
	char path[64];
	struct stat st;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static bool all_closed(const int fds[_PRIVATE_TMP_DIR_MAX])
{
	return fds[0] == -1 && fds[1] == -1 && fds[2] == -1;
}

/* private_tmp_clone() of a session that must be refused, with msg in the message. */
static void clone_refused(const char *name, pid_t pid, uint64_t pidns, int want, const char *msg)
{
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_free_ char *before = host_mounts(), *after = NULL;
	int fds[_PRIVATE_TMP_DIR_MAX] = { 7, 7, 7 };
	int r;

	r = private_tmp_clone(pid, pidns, fds, &err);
	after = host_mounts();
	/* want 0: any error will do */
	if (!(want ? is_int(r, want, "%s: private_tmp_clone is refused", name) :
		     ok(r < 0, "%s: private_tmp_clone is refused (%d)", name, r)))
		diag("%s", err.msg);
	if (!ok(strstr(err.msg, msg) != NULL, "%s: the message says '%s'", name, msg))
		diag("message: %s", err.msg);
	ok(all_closed(fds), "%s: no fd is returned", name);
	ok(before && after && streq(before, after), "%s: nothing mounted here", name);
	private_tmp_close(fds);
}

static void test_share(void)
{
	struct session_arg sa = { SESSION_PRIVATE };
	struct corral_err err = CORRAL_ERR_INIT;
	int fds[_PRIVATE_TMP_DIR_MAX] = { -1, -1, -1 };
	_cleanup_free_ char *before = host_mounts(), *after = NULL;
	uint64_t pidns = pidns_of(getpid());
	struct kid a;
	int r;

	if (!kid_start(&a, "session A", kid_session, &sa))
		return;
	if (kid_ready(&a)) {
		r = private_tmp_clone(a.pid, pidns, fds, &err);
		if (!is_int(r, 0, "private_tmp_clone of A"))
			diag("%s", err.msg);
		ok(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0, "three clones");
		after = host_mounts();
		ok(before && after && streq(before, after), "cloning mounted nothing here");
		run_kid("session B", kid_attach, fds);
		private_tmp_close(fds);
		ok(all_closed(fds), "private_tmp_close sets the fds to -1");
		clone_refused("A with another PID namespace", a.pid, pidns + 1, -ESRCH,
			      "is not the session's init any more");
		kid_go(&a);
	}
	kid_finish(&a);
}

/* A session of some sort, cloned while it waits. */
static void clone_session(const char *name, int how, int want, const char *msg)
{
	struct session_arg sa = { how };
	struct kid k;

	if (!kid_start(&k, name, kid_session, &sa))
		return;
	if (kid_ready(&k))
		clone_refused(name, k.pid, pidns_of(getpid()), want, msg);
	kid_finish(&k);
}

static void test_share_partial(void)
{
	struct session_arg sa = { SESSION_NO_VAR_TMP };
	struct corral_err err = CORRAL_ERR_INIT;
	int fds[_PRIVATE_TMP_DIR_MAX] = { -1, -1, -1 };
	struct kid k;
	int r;

	if (!kid_start(&k, "session without /var/tmp", kid_session, &sa))
		return;
	if (kid_ready(&k)) {
		r = private_tmp_clone(k.pid, pidns_of(getpid()), fds, &err);
		if (!is_int(r, 0, "private_tmp_clone of a session without /var/tmp"))
			diag("%s", err.msg);
		ok(fds[0] >= 0 && fds[1] == -1 && fds[2] >= 0, "clones of /tmp and /dev/shm, -1 for /var/tmp");
		private_tmp_close(fds);
	}
	kid_finish(&k);
}

/* ---- scratch tree ---- */

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

static void scratch_remove(void)
{
	if (scratch_made && nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
		scratch_made = false;
}

static bool mk(const char *name, mode_t mode, uid_t uid)
{
	char path[256];

	(void)snprintf(path, sizeof(path), "%s/%s", scratch, name);
	return mkdir(path, mode) == 0 && chmod(path, mode) == 0 && chown(path, uid, uid) == 0;
}

static bool scratch_make(void)
{
	char target[256], link[256], file[256];
	int fd;

	if (!mkdtemp(scratch))
		return false;
	scratch_made = true;
	(void)snprintf(target, sizeof(target), "%s/target", scratch);
	(void)snprintf(link, sizeof(link), "%s/symvar/tmp", scratch);
	(void)snprintf(file, sizeof(file), "%s/filevar/tmp", scratch);
	if (chmod(scratch, 0755) < 0 || !mk("target", 01777, 0) || !mk("symvar", 0755, 0) ||
	    symlink(target, link) < 0 || !mk("notroot", 01777, 65534) || !mk("emptyvar", 0755, 0) ||
	    !mk("groupvar", 0775, 0) || !mk("groupvar/tmp", 01777, 0) || !mk("filevar", 0755, 0))
		return false;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int main(void)
{
	static const struct hostile_arg hostile[] = {
		{ "symvar", "/var", NULL, -ELOOP,
		  "/var/tmp is a symbolic link: private_tmp will not mount over it", "target" },
		{ "symvar", "/var", NULL, -ELOOP,
		  "/var/tmp is a symbolic link: private_tmp will not mount over it", "target", true },
		{ "notroot", "/tmp", NULL, -EPERM, "/tmp is owned by uid 65534, not root", NULL },
		{ "notroot", "/tmp", NULL, -EPERM, "/tmp is owned by uid 65534, not root", NULL, true },
		{ "groupvar", "/var", NULL, -EPERM, "/var is writable by its group", NULL },
		{ "filevar", "/var", NULL, -ENOTDIR, "/var/tmp is not a directory", NULL },
		{ NULL, NULL, "16m,uid=1000", -EINVAL, "invalid tmpfs size", NULL },
		{ NULL, NULL, "1m nr_inodes=1", -EINVAL, "invalid tmpfs size", NULL },
		{ NULL, NULL, "0123456789012345678901234567890123", -EINVAL, "longer than", NULL },
		/* Our checks let it through, the kernel refuses it: its own words are in the message. */
		{ NULL, NULL, "12q", -EINVAL, "size=12q for the tmpfs of /tmp: tmpfs: Bad value for 'size'", NULL },
	};
	struct fresh_arg fresh = { .legacy = false }, legacy = { .legacy = true };
	_cleanup_free_ char *before = NULL, *after = NULL;
	char host_marker[256];

	if (geteuid() != 0) {
		skip("needs root");
		return done();
	}
	if (!ok(scratch_make(), "a scratch tree under /tmp")) {
		diag("%s: %s", scratch, strerror(errno));
		scratch_remove();
		return done();
	}
	(void)atexit(scratch_remove);
	before = host_mounts();
	for (unsigned i = 0; i <= _PRIVATE_TMP_DIR_MAX; i++)
		is_str(private_tmp_dir_path(i), i < _PRIVATE_TMP_DIR_MAX ? paths[i] : NULL,
		       "private_tmp_dir_path(%u)", i);

	(void)snprintf(fresh.marker, sizeof(fresh.marker), "corral-ptmp-marker-%d", (int)getpid());
	(void)snprintf(legacy.marker, sizeof(legacy.marker), "corral-ptmp-legacy-%d", (int)getpid());
	run_kid("fresh", kid_fresh, &fresh);
	run_kid("fresh, mount(2) fallback", kid_fresh, &legacy);
	run_kid("default size", kid_default_size, NULL);
	(void)snprintf(host_marker, sizeof(host_marker), "/tmp/%s", fresh.marker);
	ok(access(host_marker, F_OK) < 0 && errno == ENOENT, "the child's file is not in the host's /tmp");

	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		char name[96];

		(void)snprintf(name, sizeof(name), "hostile%s %s",
			       hostile[i].old_kernel ? ", old kernel," : "", hostile[i].want_msg);
		run_kid(name, kid_hostile, &hostile[i]);
	}
	run_kid("missing /var/tmp", kid_missing_var_tmp, NULL);

	test_share();
	test_share_partial();
	clone_session("plain namespace", SESSION_PLAIN, -EXDEV, "/tmp is not a tmpfs");
	clone_session("host /dev/shm", SESSION_HOST_SHM, -EXDEV, "/dev/shm is the host's tmpfs");
	clone_session("tampered mode", SESSION_TAMPERED, -EPERM, "/tmp is not a directory of mode 1777");
	/* Only read: pid 1 of this machine shares our mount namespace, or has no private /tmp. */
	clone_refused("the host's pid 1", 1, pidns_of(1), 0, "pid 1");

	after = host_mounts();
	ok(before && after && streq(before, after), "the host's mounts of /tmp, /var/tmp, /dev/shm unchanged");
	scratch_remove();
	ok(!scratch_made, "the scratch tree is removed");
	return done();
}
