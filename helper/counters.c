/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The counters file has a lock of its own rather than the session lock: an
 * open may fail before it takes that one, and the lock here is held for one
 * read and one write, so a reader can never keep a login waiting long.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "macro.h"
#include "parse-util.h"

#define COUNTERS_FILE ".counters"
#define COUNTERS_MAX 256	/* bytes; each line is at most 28 */
#define LOCK_TRIES 200		/* 1 ms apart */

static const char *const counter_names[_COUNTER_MAX] = {
	[COUNTER_OPENED] = "opened",
	[COUNTER_FAILED] = "failed",
};

/*
 * flock() without LOCK_NB would wait for ever behind a holder that is stopped
 * (corralctl under ^Z): a login gives up counting after LOCK_TRIES instead.
 */
static int lock_bounded(int fd, int op)
{
	static const struct timespec one_ms = { .tv_nsec = 1000000 };

	for (int i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		(void)nanosleep(&one_ms, NULL);
	}
	return -ETIMEDOUT;
}

/* "NAME VALUE" lines. A name we do not know is skipped: a newer helper may count more. */
static int parse(char *text, struct counters *ret)
{
	struct counters c = {};
	bool seen[_COUNTER_MAX] = {};
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		int k = 0;

		if (!sp)
			return -EINVAL;
		*sp = '\0';
		while (k < _COUNTER_MAX && !streq(counter_names[k], line))
			k++;
		if (k == _COUNTER_MAX)
			continue;
		if (seen[k] || parse_u64(sp + 1, &c.v[k]) < 0)
			return -EINVAL;
		seen[k] = true;
	}
	*ret = c;
	return 0;
}

static int read_locked(int fd, struct counters *ret)
{
	char buf[COUNTERS_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(buf) - 1)
		return -EFBIG;
	buf[n] = '\0';
	return parse(buf, ret);
}

static int write_locked(int fd, const struct counters *c)
{
	char buf[COUNTERS_MAX];
	size_t len = 0;
	ssize_t n;

	for (int k = 0; k < _COUNTER_MAX; k++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %" PRIu64 "\n",
					counter_names[k], c->v[k]);
	n = pwrite(fd, buf, len, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	/* Shorter than before only after a reset, but then the old tail must go. */
	return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

int counters_bump(int sessions_fd, enum counter c, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct counters cur;
	int r;

	fd = openat(sessions_fd, COUNTERS_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open the session counters");
	r = lock_bounded(fd, LOCK_EX);
	if (r < 0)
		return err_errno(err, r, "Failed to lock the session counters");
	/* Unreadable (edited by hand, a full disk): start again from zero, as after a reboot. */
	if (read_locked(fd, &cur) < 0)
		cur = (struct counters){};
	cur.v[c]++;
	r = write_locked(fd, &cur);
	if (r < 0)
		return err_errno(err, r, "Failed to write the session counters");
	return 0;
}

int counters_read(int sessions_fd, struct counters *ret, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(sessions_fd, COUNTERS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*ret = (struct counters){};
		return 0;
	}
	if (fd < 0)
		return err_errno(err, -errno, "Failed to open the session counters");
	r = lock_bounded(fd, LOCK_SH);
	if (r == 0)
		r = read_locked(fd, ret);
	if (r < 0)
		return err_errno(err, r, "Failed to read the session counters");
	return 0;
}
