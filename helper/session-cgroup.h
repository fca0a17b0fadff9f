/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cgroup.h"
#include "conf.h"
#include "error.h"
#include "state.h"

#define APP_CGROUPS_MAX 1024

/* A session's cgroups as the helper handles them in one open or close. */
struct session_cgroup {
	struct cg_host host;
	struct cg_session s;
	bool host_open;
	bool created;
	pid_t app;			/* the PAM application, once moved in */
	char app_cgroups[APP_CGROUPS_MAX]; /* its /proc/PID/cgroup from before */
};

/*
 * Detect the layout, collect leftover session cgroups (the user's, or with
 * gc_all every user's), create or update the user's cgroup with the policy's
 * limits, make the session's.
 */
int session_cgroup_begin(struct session_cgroup *sc, const struct policy *pol, uid_t uid,
			 const char *id, int state_fd, bool gc_all, struct corral_err *err);
/*
 * A new session: its init into the user's init.scope (cg_init_attach()),
 * then the PAM application in, remembering where it was.
 */
int session_cgroup_adopt_app(struct session_cgroup *sc, pid_t app, pid_t init,
			     struct corral_err *err);
/* Only the application: into a scope = user set that is made already. */
int session_cgroup_join_app(struct session_cgroup *sc, pid_t app, struct corral_err *err);
/* Put the application back where app_cgroups says (at close, or when an open fails). */
int session_cgroup_release_app(struct session_cgroup *sc, pid_t app, const char *app_cgroups,
			       struct corral_err *err);
/*
 * One line of /proc/PID/cgroup ("4:memory:/a/b", "0::/a"), cut in place: the
 * index in host of its hierarchy, with its path in *ret_path; -1 for a line
 * that is malformed or of a hierarchy corral does not use.
 */
int session_cgroup_parse_line(const struct cg_host *host, char *line, const char **ret_path);
/* Kill what is left in the session's cgroups and remove them, and the user's if it is empty. */
int session_cgroup_end(struct session_cgroup *sc, struct corral_err *err);
/* Undo whatever begin and adopt did; for a failed open. */
void session_cgroup_abort(struct session_cgroup *sc);
int session_cgroup_open(struct session_cgroup *sc, const char *root, uid_t uid, const char *id,
			struct corral_err *err);
void session_cgroup_done(struct session_cgroup *sc);
/*
 * The session's accounting, for the line that logs its end: "duration_s=N
 * cpu_s=N.NNN memory_peak_bytes=N oom_kills=N", a field left out where the
 * host's controllers do not count it.
 */
void session_usage_format(const struct session_state *st, const struct cg_account *a,
			  char *buf, size_t size);
