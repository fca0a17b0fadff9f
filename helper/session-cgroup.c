/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's side of a session's cgroups: the policy's limits turned into
 * cgroup values (a percentage of RAM becomes bytes here, on this host), the
 * PAM application moved into the session cgroup before it forks the user's
 * shell, and moved back at close so the session cgroup can go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "parse-util.h"
#include "state.h"
#include "macro.h"
#include "cgroup-policy.h"
#include "session-cgroup.h"

/* A session is live while its state file exists and its init runs (state.h). */
static bool session_live(const char *uid, const char *id, void *data)
{
	const int *state_fd = data;
	uid_t u;

	if (parse_uid(uid, &u) < 0 || !state_valid_id(id))
		return false;	/* no session's: removed when empty */
	return state_live(*state_fd, u, id);
}

int session_cgroup_begin(struct session_cgroup *sc, const struct policy *pol, uid_t uid,
			 const char *id, int state_fd, bool gc_all, struct corral_err *err)
{
	struct cg_limits lim;
	int r;

	r = cg_limits_from_policy(pol, &lim, err);
	if (r < 0)
		return r;
	r = cg_host_open(pol->cgroup_root, &sc->host, err);
	if (r < 0)
		return r;
	sc->host_open = true;
	if (gc_all)
		(void)cg_gc(&sc->host, session_live, &state_fd, err);
	else
		(void)cg_gc_user(&sc->host, uid, session_live, &state_fd, err);
	r = cg_user_prepare(&sc->host, uid, &lim, err);
	if (r < 0)
		return err_wrap(err, "Failed to set up the user's cgroup");
	r = cg_session_create(&sc->host, uid, id, &lim, &sc->s, err);
	if (r < 0)
		return err_wrap(err, "Failed to create the session's cgroup");
	sc->created = true;
	return 0;
}

static int read_proc_cgroup(pid_t pid, char *buf, size_t size, struct corral_err *err)
{
	char path[64];
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	(void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = fd_read_file_at(AT_FDCWD, path, size - 1, &data, &len, err);
	if (r < 0)
		return r;
	memcpy(buf, data, len + 1);
	return 0;
}

int session_cgroup_join_app(struct session_cgroup *sc, pid_t app, struct corral_err *err)
{
	int r;

	r = read_proc_cgroup(app, sc->app_cgroups, sizeof(sc->app_cgroups), err);
	if (r < 0)
		return r;
	sc->app = app;
	return cg_session_attach(&sc->host, &sc->s, app, err);
}

int session_cgroup_adopt_app(struct session_cgroup *sc, pid_t app, pid_t init,
			     struct corral_err *err)
{
	int r;

	r = cg_init_attach(&sc->host, &sc->s, init, err);
	if (r < 0)
		return err_wrap(err, "Failed to move the session init out of the session cgroup");
	return session_cgroup_join_app(sc, app, err);
}

static int find_hier(const struct cg_host *host, const char *ctrls, bool v2)
{
	for (unsigned i = 0; i < host->n; i++) {
		if (v2 && host->h[i].version == 2)
			return (int)i;
		if (!v2 && host->h[i].version == 1 && streq(host->h[i].opts, ctrls))
			return (int)i;
	}
	return -1;
}

int session_cgroup_parse_line(const struct cg_host *host, char *line, const char **ret_path)
{
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c2 || c2[1] != '/')
		return -1;
	/* "0::/path" is the unified hierarchy: line "0", an empty controller list. */
	*c1 = '\0';
	*c2 = '\0';
	*ret_path = c2 + 1;
	return find_hier(host, c1 + 1, streq(line, "0") && c1[1] == '\0');
}

int session_cgroup_release_app(struct session_cgroup *sc, pid_t app, const char *app_cgroups,
			       struct corral_err *err)
{
	char copy[APP_CGROUPS_MAX], *save = NULL;
	int r, first = 0;

	(void)snprintf(copy, sizeof(copy), "%s", app_cgroups);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *path;
		int h = session_cgroup_parse_line(&sc->host, line, &path);

		if (h < 0 || sc->s.fd[h] < 0)
			continue;	/* a hierarchy we never moved it in */
		r = cg_attach_path(&sc->host, (unsigned)h, path, app, err);
		if (r < 0 && first == 0)
			first = err_wrap(err, "Failed to move process %d back to %s", (int)app,
					 path);
	}
	return first;
}

int session_cgroup_end(struct session_cgroup *sc, struct corral_err *err)
{
	int r;

	r = cg_session_kill(&sc->host, &sc->s, err);
	if (r >= 0)
		r = cg_session_remove(&sc->host, &sc->s, 100, err);
	/* Still busy: a zombie waits for its parent outside; the init or the next open removes it. */
	if (r == -EBUSY) {
		err_clear(err);
		r = 0;
	}
	return r;
}

void session_cgroup_abort(struct session_cgroup *sc)
{
	struct corral_err ignored = CORRAL_ERR_INIT;

	if (sc->app > 0)
		(void)session_cgroup_release_app(sc, sc->app, sc->app_cgroups, &ignored);
	if (sc->created)
		(void)session_cgroup_end(sc, &ignored);
	session_cgroup_done(sc);
}

int session_cgroup_open(struct session_cgroup *sc, const char *root, uid_t uid, const char *id,
			struct corral_err *err)
{
	int r;

	r = cg_host_open(root, &sc->host, err);
	if (r < 0)
		return r;
	sc->host_open = true;
	r = cg_session_open(&sc->host, uid, id, &sc->s, err);
	if (r < 0)
		return r;
	sc->created = true;
	return 0;
}

void session_cgroup_done(struct session_cgroup *sc)
{
	if (sc->created)
		cg_session_close(&sc->s);
	if (sc->host_open)
		cg_host_close(&sc->host);
	sc->created = sc->host_open = false;
}

void session_usage_format(const struct session_state *st, const struct cg_account *a,
			  char *buf, size_t size)
{
	time_t now = time(NULL);
	size_t n;

	n = (size_t)snprintf(buf, size, "duration_s=%llu",
			     (unsigned long long)(now > (time_t)st->started ?
							  (uint64_t)now - st->started : 0));
	if (a->has_cpu && n < size)
		n += (size_t)snprintf(buf + n, size - n, " cpu_s=%llu.%03llu",
				      (unsigned long long)(a->cpu_usec / 1000000),
				      (unsigned long long)(a->cpu_usec % 1000000 / 1000));
	if (a->has_memory_peak && n < size)
		n += (size_t)snprintf(buf + n, size - n, " memory_peak_bytes=%llu",
				      (unsigned long long)a->memory_peak);
	if (n < size)
		(void)snprintf(buf + n, size - n, " oom_kills=%llu", (unsigned long long)a->oom_kills);
}
