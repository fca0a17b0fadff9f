/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which cgroup layout the host has, read from /proc/self/mountinfo (never
 * assumed from /sys/fs/cgroup): unified (one cgroup2 mount), hybrid (v1
 * controller hierarchies beside a cgroup2 mount) or legacy (v1 only). Each
 * controller corral uses is taken from the v1 hierarchy that has it (cpu
 * may be co-mounted as cpu,cpuacct; cpuset is one too; named hierarchies
 * such as name=systemd carry none), else from the cgroup2 mount if it lists it; a v1 freezer
 * hierarchy is taken too (cg_session_freeze()). Every mount point
 * is opened and checked with fstatfs before use. A mount covered by a later
 * one (inside a session, its cgroup view over the host's) is skipped: its
 * path leads to the mount on top.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"

static const char *const ctrl_names[_CG_CTRL_MAX] = {
	[CG_CTRL_MEMORY] = "memory",
	[CG_CTRL_CPU] = "cpu",
	[CG_CTRL_PIDS] = "pids",
	[CG_CTRL_IO] = "io",
	[CG_CTRL_CPUSET] = "cpuset",
};

/* The v1 name of each controller. */
static const char *const ctrl_names_v1[_CG_CTRL_MAX] = {
	[CG_CTRL_MEMORY] = "memory",
	[CG_CTRL_CPU] = "cpu",
	[CG_CTRL_PIDS] = "pids",
	[CG_CTRL_IO] = "blkio",
	[CG_CTRL_CPUSET] = "cpuset",
};

static const char *const layout_names[_CG_LAYOUT_MAX] = {
	[CG_LAYOUT_UNIFIED] = "unified (cgroup v2)",
	[CG_LAYOUT_HYBRID] = "hybrid (cgroup v1 controllers, cgroup v2 beside them)",
	[CG_LAYOUT_LEGACY] = "legacy (cgroup v1)",
};

const char *cg_layout_name(enum cg_layout l)
{
	return (unsigned)l < _CG_LAYOUT_MAX ? layout_names[l] : "unknown";
}

const char *cg_controller_name(enum cg_controller c)
{
	return (unsigned)c < _CG_CTRL_MAX ? ctrl_names[c] : "unknown";
}

bool cg_root_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < CG_NAME_MAX && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n &&
	       !streq(name, CG_INITS);
}

/* Whether the comma-separated list has word. */
static bool list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* The v1 subsystems from the super options: drop rw/ro and other flags we don't mount with. */
static void v1_subsystems(const char *superopts, char *ret, size_t size)
{
	char buf[256], *save = NULL;
	size_t off = 0;

	(void)snprintf(buf, sizeof(buf), "%s", superopts);
	ret[0] = '\0';
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (streq(w, "rw") || streq(w, "ro") || streq(w, "xattr") ||
		    strncmp(w, "release_agent=", 14) == 0 || streq(w, "clone_children"))
			continue;
		off += (size_t)snprintf(ret + off, off < size ? size - off : 0, "%s%s",
					off ? "," : "", w);
	}
}

/* The id of the mount fd is on (/proc/self/fdinfo, Linux 3.15), as mountinfo numbers it. */
static int fd_mount_id(int fd, uint32_t *ret)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_free_ char *buf = NULL;
	char name[48], *p;
	int r;

	(void)snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", fd);
	r = fd_read_file_at(AT_FDCWD, name, 4096, &buf, NULL, &ignored);
	if (r < 0)
		return r;
	p = strstr(buf, "mnt_id:\t");
	if (!p)
		return -EIO;
	p += strlen("mnt_id:\t");
	p[strcspn(p, "\n")] = '\0';
	return parse_u32(p, ret);
}

/* 1 when mount id of mountinfo is the one path mnt leads to, 0 when a later mount covers it. */
static int open_mount(const char *mnt, uint32_t id, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	uint32_t now;
	int r;

	fd = open(mnt, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;	/* its mount point is gone from the mount on top */
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open cgroup mount %s", mnt);
	r = fd_mount_id(fd, &now);
	if (r < 0)
		return err_errno(err, r, "Failed to find the mount of %s", mnt);
	if (now != id)
		return 0;
	*ret_fd = TAKE_FD(fd);
	return 1;
}

static int add_hier(struct cg_host *host, int version, const char *mnt, uint32_t id,
		    const char *superopts, struct corral_err *err)
{
	struct cg_hier *h;
	int fd = -EBADF, r;

	for (unsigned i = 0; i < host->n; i++)
		if (version == 1 && host->h[i].version == 1 && streq(host->h[i].opts, superopts))
			return 0;	/* the same hierarchy mounted twice */
	if (host->n >= CG_HIER_MAX)
		return err_set(err, -E2BIG, "More than %d cgroup hierarchies", CG_HIER_MAX);
	r = open_mount(mnt, id, &fd, err);
	if (r <= 0)
		return r;
	r = cg_fs_check(fd, version, mnt, err);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	h = &host->h[host->n++];
	*h = (struct cg_hier){ .version = version, .fd = fd };
	(void)snprintf(h->mnt, sizeof(h->mnt), "%s", mnt);
	if (version == 1)
		v1_subsystems(superopts, h->opts, sizeof(h->opts));
	return 0;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPER". */
static int parse_line(struct cg_host *host, char *line, struct corral_err *err)
{
	char *f[6], *dash, *save = NULL, *fstype, *superopts;
	char sub[128];
	uint32_t id;
	unsigned n;
	int i, r;

	dash = strstr(line, " - ");
	if (!dash)
		return 0;
	*dash = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (i = 1; i < 6 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save);
	save = NULL;
	fstype = strtok_r(dash + 3, " ", &save);
	(void)strtok_r(NULL, " ", &save);
	superopts = strtok_r(NULL, " \n", &save);
	if (i < 6 || !f[4] || !fstype || !superopts || parse_u32(f[0], &id) < 0)
		return 0;
	unescape_octal(f[4]);
	if (streq(fstype, "cgroup2")) {
		if (host->unified >= 0)
			return 0;
		n = host->n;
		r = add_hier(host, 2, f[4], id, "", err);
		if (r >= 0 && host->n > n)
			host->unified = (int)n;
		return r;
	}
	if (!streq(fstype, "cgroup"))
		return 0;
	v1_subsystems(superopts, sub, sizeof(sub));
	for (int c = 0; c < _CG_CTRL_MAX; c++)
		if (list_has(sub, ctrl_names_v1[c]))
			return add_hier(host, 1, f[4], id, sub, err);
	if (list_has(sub, "freezer"))
		return add_hier(host, 1, f[4], id, sub, err);
	return 0;	/* devices, name=systemd...: not ours to use */
}

/*
 * Whole lines, however long: fgets() into a fixed buffer cut a line longer
 * than it (a deep mount point, an overlay's lowerdir list) in two, and parsed
 * its tail as a line of its own.
 */
static int read_mountinfo(struct cg_host *host, FILE *f, struct corral_err *err)
{
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	int r = 0;

	while (r >= 0 && getline(&line, &size, f) >= 0)
		r = parse_line(host, line, err);
	if (r >= 0 && ferror(f))
		r = err_set(err, -EIO, "Failed to read the mount table");
	return r;
}

static bool has_v1_controller(const struct cg_hier *h)
{
	for (int c = 0; c < _CG_CTRL_MAX; c++)
		if (list_has(h->opts, ctrl_names_v1[c]))
			return true;
	return false;
}

/*
 * Without a v1 hierarchy of our controllers, a v1 freezer mount (container
 * tools make one beside a unified tree) would only make the host look hybrid
 * and cost v2 its session cgroups: v2 has a freezer of its own. Dropped.
 */
static void drop_lone_freezer(struct cg_host *host)
{
	unsigned j = 0;

	for (unsigned i = 0; i < host->n; i++)
		if (host->h[i].version == 1 && has_v1_controller(&host->h[i]))
			return;
	for (unsigned i = 0; i < host->n; i++) {
		if (host->h[i].version == 1) {
			host->h[i].fd = close_nointr_keep_errno(host->h[i].fd);
			continue;
		}
		if ((int)i == host->unified)
			host->unified = (int)j;
		host->h[j++] = host->h[i];
	}
	host->n = j;
}

/*
 * v1: the freezer hierarchy. v2's freezer is no controller but a file of
 * every cgroup (cgroup.freeze, Linux 5.2), so on a unified host it is the
 * cgroup2 mount; on a hybrid one the cgroup2 mount holds no session cgroups.
 */
static void map_freezer(struct cg_host *host)
{
	host->freezer = -1;
	for (unsigned i = 0; i < host->n && host->freezer < 0; i++)
		if (host->h[i].version == 1 && list_has(host->h[i].opts, "freezer"))
			host->freezer = (int)i;
	if (host->freezer < 0 && host->layout == CG_LAYOUT_UNIFIED)
		host->freezer = host->unified;
}

/* Controllers to hierarchies: a v1 hierarchy that has it wins over the cgroup2 mount. */
static void map_controllers(struct cg_host *host)
{
	char v2ctrl[256] = "";
	struct corral_err ignored = CORRAL_ERR_INIT;
	bool any_v1 = false;

	if (host->unified >= 0 &&
	    cg_read(host->h[host->unified].fd, "cgroup.controllers", v2ctrl, sizeof(v2ctrl),
		    &ignored) >= 0)
		for (char *p = v2ctrl; *p; p++)
			if (*p == ' ' || *p == '\n')
				*p = ',';
	for (int c = 0; c < _CG_CTRL_MAX; c++) {
		host->ctrl[c] = -1;
		for (unsigned i = 0; i < host->n && host->ctrl[c] < 0; i++)
			if (host->h[i].version == 1 && list_has(host->h[i].opts, ctrl_names_v1[c]))
				host->ctrl[c] = (int)i;
		if (host->ctrl[c] < 0 && host->unified >= 0 && list_has(v2ctrl, ctrl_names[c]))
			host->ctrl[c] = host->unified;
		if (host->ctrl[c] >= 0)
			host->h[host->ctrl[c]].ctrl_mask |= 1u << c;
	}
	for (unsigned i = 0; i < host->n; i++)
		any_v1 |= host->h[i].version == 1;
	host->layout = !any_v1 ? CG_LAYOUT_UNIFIED :
		       host->unified >= 0 ? CG_LAYOUT_HYBRID : CG_LAYOUT_LEGACY;
	map_freezer(host);
}

void cg_host_close(struct cg_host *host)
{
	for (unsigned i = 0; i < host->n; i++)
		host->h[i].fd = close_nointr_keep_errno(host->h[i].fd);
	host->n = 0;
}

int cg_host_parse(const char *root, FILE *mountinfo, struct cg_host *ret,
		  struct corral_err *err)
{
	struct cg_host host = { .unified = -1, .freezer = -1 };
	int r;

	if (!cg_root_name_valid(root))
		return err_set(err, -EINVAL, "Invalid cgroup root name '%.64s'", root);
	(void)snprintf(host.root, sizeof(host.root), "%s", root);
	r = read_mountinfo(&host, mountinfo, err);
	if (r >= 0)
		drop_lone_freezer(&host);
	if (r >= 0 && host.n == 0)
		r = err_set(err, -ENOENT, "No cgroup filesystem is mounted");
	if (r < 0) {
		cg_host_close(&host);
		return r;
	}
	map_controllers(&host);
	*ret = host;
	return 0;
}

int cg_host_open(const char *root, struct cg_host *ret, struct corral_err *err)
{
	FILE *f;
	int r;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return err_errno(err, -errno, "Failed to open /proc/self/mountinfo");
	r = cg_host_parse(root, f, ret, err);
	(void)fclose(f);
	return r;
}
