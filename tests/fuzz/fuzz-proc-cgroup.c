/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/PID/cgroup lines ("4:memory:/a/b", "0::/a"), which the helper keeps
 * in the session's state file and reads back at close to move the PAM
 * application back where it was (helper/session-cgroup.c). Each line goes
 * through session_cgroup_parse_line() against a unified, a hybrid and a
 * legacy host, checked against a reference; then the whole text through
 * session_cgroup_release_app() of a session with no cgroups open, which must
 * touch nothing.
 */
#include <errno.h>

#include "fuzz.h"
#include "session-cgroup.h"

static struct cg_host hosts[3];

static void add(struct cg_host *h, int version, const char *opts)
{
	struct cg_hier *x = &h->h[h->n++];

	*x = (struct cg_hier){ .version = version, .fd = -1 };
	(void)snprintf(x->opts, sizeof(x->opts), "%s", opts);
	if (version == 2 && h->unified < 0)
		h->unified = (int)h->n - 1;
}

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_)
{
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
		hosts[i] = (struct cg_host){ .unified = -1 };
	add(&hosts[0], 2, "");
	add(&hosts[1], 1, "cpu,cpuacct");
	add(&hosts[1], 1, "memory");
	add(&hosts[1], 1, "pids");
	add(&hosts[1], 2, "");
	add(&hosts[1], 1, "blkio");
	add(&hosts[2], 1, "name=systemd");
	add(&hosts[2], 1, "memory");
	add(&hosts[2], 1, "cpu");
	return 0;
}

/* "ID:CONTROLLERS:/PATH": the first hierarchy of host that matches, or -1. */
static int reference(const struct cg_host *h, const char *line, const char **ret_path)
{
	const char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	size_t id = c1 ? (size_t)(c1 - line) : 0, n = c2 ? (size_t)(c2 - c1 - 1) : 0;
	bool v2 = id == 1 && line[0] == '0' && n == 0;

	if (!c2 || c2[1] != '/')
		return -1;
	*ret_path = c2 + 1;
	for (unsigned i = 0; i < h->n; i++)
		if (v2 ? h->h[i].version == 2 :
			 h->h[i].version == 1 && strlen(h->h[i].opts) == n &&
				 strncmp(h->h[i].opts, c1 + 1, n) == 0)
			return (int)i;
	return -1;
}

static void check_line(const struct cg_host *h, const char *line)
{
	char *copy = strdup(line);
	const char *path = NULL, *want_path = NULL;
	int want, got;

	if (!copy)
		abort();
	want = reference(h, line, &want_path);
	got = session_cgroup_parse_line(h, copy, &path);
	fuzz_check(got == want, "'%s': hierarchy %d, want %d", line, got, want);
	if (got >= 0)
		fuzz_check(path >= copy && path[0] == '/' && streq(path, want_path),
			   "'%s': path '%s', want '%s'", line, path, want_path);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *copy = strdup(text), *save = NULL;
	struct corral_err err = CORRAL_ERR_INIT;

	if (!copy)
		abort();
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
			check_line(&hosts[i], l);
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		struct session_cgroup sc = { .host = hosts[i] };

		for (unsigned j = 0; j < CG_HIER_MAX; j++)
			sc.s.fd[j] = -1;
		fuzz_check(session_cgroup_release_app(&sc, 1, text, &err) == 0,
			   "moved a process without a cgroup: %s", err.msg);
	}
	free(copy);
	free(text);
	return 0;
}
