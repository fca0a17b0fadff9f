/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes in a session's cgroups, for corralctl: show lists them, end
 * finds the PAM application among them (it sits in the session's cgroups
 * outside the session's PID namespace) to hand it back before the kill.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"

/* A pids_max of 4M tasks at 8 bytes a line: beyond that a cgroup.procs is not ours. */
#define PROCS_FILE_MAX (32u << 20)

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Append the pids of one cgroup.procs to ret (room for max), counting all in *n. */
static int read_procs(int dirfd, pid_t *ret, size_t max, size_t *n, struct corral_err *err)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	int r;

	r = fd_read_file_at(dirfd, "cgroup.procs", PROCS_FILE_MAX, &text, NULL, err);
	if (r == -ENOENT) {
		err_clear(err);
		return 0;	/* removed meanwhile: the session ended */
	}
	if (r < 0)
		return r;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		pid_t pid;

		if (parse_pid(l, &pid) < 0)
			return err_set(err, -EBADMSG, "cgroup.procs has '%s', not a pid", l);
		if (*n < max)
			ret[*n] = pid;
		(*n)++;
	}
	return 0;
}

int cg_session_pids(const struct cg_host *host, const struct cg_session *s, pid_t *ret,
		    size_t max, size_t *ret_n, struct corral_err *err)
{
	size_t n = 0, kept = 0;
	bool more;
	int r;

	/* On v1 a process is in one cgroup per hierarchy: the union, each pid once. */
	for (unsigned i = 0; i < host->n; i++) {
		if (s->fd[i] < 0)
			continue;
		r = read_procs(s->fd[i], ret, max, &n, err);
		if (r < 0)
			return r;
	}
	more = n > max;
	if (more)
		n = max;
	qsort(ret, n, sizeof(*ret), cmp_pid);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || ret[kept - 1] != ret[i])
			ret[kept++] = ret[i];
	*ret_n = kept;
	return more;
}
