/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stopping every process of a session at once, and resuming them, with the
 * freezer of the session's cgroup. v2: cgroup.freeze (Linux 5.2), done when
 * cgroup.events says "frozen 1"; that file polls with POLLPRI when it
 * changes, so nothing spins. v1: freezer.state, which reads FREEZING until
 * every task has stopped. A v1 frozen task does not even die of SIGKILL
 * until it is thawed: whoever ends a session thaws it first (cg_session_kill,
 * the helper's close, the session init, the collection of leftovers).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "fd-util.h"
#include "macro.h"

#define POLL_MS 10
/* cgroup.procs of a session: 4M tasks (pids_max's ceiling) of 8 bytes a line. */
#define PROCS_FILE_MAX (32u << 20)

static const char *freeze_file(int version)
{
	return version == 2 ? "cgroup.freeze" : "freezer.state";
}

static const char *freeze_value(int version, bool frozen)
{
	if (version == 2)
		return frozen ? "1" : "0";
	return frozen ? "FROZEN" : "THAWED";
}

static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int v1_wait(int dirfd, bool frozen, int timeout_ms, struct corral_err *err)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	const char *want = freeze_value(1, frozen);
	int64_t deadline = now_ms() + timeout_ms;
	char state[32];
	int r;

	for (;;) {
		r = cg_read(dirfd, "freezer.state", state, sizeof(state), err);
		if (r < 0)
			return r;
		state[strcspn(state, "\n")] = '\0';
		if (streq(state, want))
			return 0;
		if (now_ms() >= deadline)
			return err_set(err, -ETIMEDOUT, "freezer.state still reads %s after %d ms "
				       "(a process in uninterruptible sleep?)", state, timeout_ms);
		(void)nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
		/* Each write of FROZEN retries the tasks that were busy (runc does the same). */
		if (frozen)
			(void)cg_write(dirfd, "freezer.state", want, &ignored);
	}
}

/* The "frozen" key of cgroup.events, read from its start (kernfs renders it anew). */
static int v2_frozen(int fd, bool *ret, struct corral_err *err)
{
	char buf[256];
	const char *p;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return err_errno(err, -errno, "Failed to read cgroup.events");
	buf[n] = '\0';
	p = strncmp(buf, "frozen ", 7) == 0 ? buf : strstr(buf, "\nfrozen ");
	if (!p)
		return err_set(err, -EOPNOTSUPP, "cgroup.events has no frozen key (Linux 5.2 needed)");
	p += *p == '\n' ? 8 : 7;
	*ret = *p == '1';
	return 0;
}

static int v2_wait(int dirfd, bool frozen, int timeout_ms, struct corral_err *err)
{
	int64_t deadline = now_ms() + timeout_ms, left;
	_cleanup_close_ int fd = -EBADF;
	bool now = !frozen;
	int r;

	r = cg_open_file(dirfd, "cgroup.events", O_RDONLY, &fd, err);
	if (r < 0)
		return r;
	/* Each read arms the poll: a change after it wakes us with POLLPRI. */
	while ((r = v2_frozen(fd, &now, err)) == 0 && now != frozen) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };

		left = deadline - now_ms();
		if (left <= 0)
			return err_set(err, -ETIMEDOUT, "cgroup.events does not say frozen %d after %d ms",
				       frozen, timeout_ms);
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return err_errno(err, -errno, "Failed to wait for cgroup.events");
	}
	return r;
}

/* The processes listed in the cgroup's cgroup.procs. */
static int count_procs(int dirfd, struct corral_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int n = 0, r;

	r = fd_read_file_at(dirfd, "cgroup.procs", PROCS_FILE_MAX, &text, &len, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* The session's directory in the freezer hierarchy, or an error saying why there is none. */
static int freezer_dir(const struct cg_host *host, const struct cg_session *s, int *ret_version,
		       struct corral_err *err)
{
	int i = host->freezer;

	if (i < 0)
		return err_set(err, -EOPNOTSUPP,
			       "This host has no cgroup freezer: its layout is %s and no cgroup v1 "
			       "freezer hierarchy is mounted", cg_layout_name(host->layout));
	if (s->fd[i] < 0)
		return err_set(err, -ENOENT,
			       "Session %s has no cgroup in %s: it was opened before corral made "
			       "freezer cgroups, and cannot be frozen", s->id, host->h[i].mnt);
	if (!cg_has_file(s->fd[i], freeze_file(host->h[i].version)))
		return err_set(err, -EOPNOTSUPP, "The session's cgroup in %s has no %s%s",
			       host->h[i].mnt, freeze_file(host->h[i].version),
			       host->h[i].version == 2 ? " (Linux 5.2 needed)" : "");
	*ret_version = host->h[i].version;
	return s->fd[i];
}

int cg_session_freeze(const struct cg_host *host, const struct cg_session *s, bool frozen,
		      int timeout_ms, struct corral_err *err)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	int fd, version = 0, r;

	fd = freezer_dir(host, s, &version, err);
	if (fd < 0)
		return fd;
	r = cg_write(fd, freeze_file(version), freeze_value(version, frozen), err);
	if (r >= 0)
		r = version == 2 ? v2_wait(fd, frozen, timeout_ms, err) :
				   v1_wait(fd, frozen, timeout_ms, err);
	if (r < 0 && frozen) {
		/* All or nothing: a session half stopped is no state anyone asked for. */
		(void)cg_write(fd, freeze_file(version), freeze_value(version, false), &ignored);
		return err_wrap(err, "Failed to freeze session %s (thawed again)", s->id);
	}
	if (r < 0)
		return err_wrap(err, "Failed to thaw session %s", s->id);
	return count_procs(fd, err);
}

/* Best effort; a write only when frozen: a thaw takes effect at once, nothing to wait for. */
static void thaw_dir(int dirfd, int version)
{
	struct corral_err ignored = CORRAL_ERR_INIT;

	(void)cg_write_changed(dirfd, freeze_file(version), freeze_value(version, false),
			       &ignored);
}

void cg_session_thaw(const struct cg_host *host, const struct cg_session *s)
{
	int i = host->freezer;

	if (i >= 0 && s->fd[i] >= 0)
		thaw_dir(s->fd[i], host->h[i].version);
}

void cg_thaw_child(int parent, const char *name)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;

	if (cg_dir_open(parent, name, false, &fd, &ignored) < 0)
		return;
	thaw_dir(fd, cg_has_file(fd, "freezer.state") ? 1 : 2);
}

int cg_session_frozen(const struct cg_host *host, const struct cg_session *s, bool *ret)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	char state[32];
	int fd, version = 0, r;

	fd = freezer_dir(host, s, &version, &ignored);
	if (fd < 0)
		return fd;
	r = cg_read(fd, freeze_file(version), state, sizeof(state), &ignored);
	if (r < 0)
		return r;
	state[strcspn(state, "\n")] = '\0';
	/* v1 FREEZING: on its way, or stuck on a busy task: not running either way. */
	*ret = version == 2 ? streq(state, "1") : !streq(state, "THAWED");
	return 0;
}
