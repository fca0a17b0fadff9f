/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "error.h"
#include "state.h"

/* Exit statuses: 0 done, 1 the configuration, the user or the system said no. */
#define EXIT_USAGE 2

/*
 * A verb gets its own argv: argv[0] is the verb's name, options may come in
 * any order before "--". It returns an exit status.
 */
struct verb {
	const char *name;
	const char *args;	/* the synopsis after the name, for usage lines */
	const char *help;	/* one line */
	int (*run)(int argc, char **argv);
	const char *details;	/* `corralctl VERB --help`: what it does, options, examples */
};

/* corralctl.c */
int usage_error(const char *fmt, ...) _printf_(1, 2);
int option_error(int c, char **argv);
int verb_usage(const char *name);
int fail(const struct corral_err *err);
void print_safe(FILE *f, const char *s);

/* session-find.c: the live sessions (stale state is reaped on the way, never returned) */
typedef int (*session_fn)(const struct session_state *st, void *data);
/* RUN_DIR/sessions, or -EBADF in *ret_fd when there is none (no session since boot). */
int ctl_open_sessions(int *ret_fd, struct corral_err *err);
/* fn for every live session; an exit status (failures were reported). */
int ctl_for_each_session(session_fn fn, void *data);
/* fn for every live session of uid; their number in *ret_n. */
int ctl_for_each_user_session(uid_t uid, session_fn fn, void *data, unsigned *ret_n);
/* USER: a name, or a uid in digits (a user gone from NSS may still have sessions). */
int ctl_resolve_uid(const char *user, uid_t *ret, struct corral_err *err);
/* The live session id; -ESRCH when there is none. */
int ctl_session_find(const char *id, struct session_state *ret, struct corral_err *err);
/* The session's network mode, from the limits it recorded: "host", "loopback". */
const char *ctl_network_of(const struct session_state *st, char *buf, size_t size);
/*
 * Every live session of uid records limits ("KEY VALUE" lines) as those in
 * force, for `corralctl status` inside them (corralctl limits and apply).
 */
void ctl_record_limits(uid_t uid, const char *limits);
/* 0 for root; otherwise says why verb needs root and returns -EPERM. */
int need_root(const char *verb);

/* verb-limits.c */
int verb_limits(int argc, char **argv);
extern const char verb_limits_details[];

/* verb-enter.c */
int verb_enter(int argc, char **argv);
extern const char verb_enter_details[];

/* verb-show.c */
int verb_show(int argc, char **argv);
extern const char verb_show_details[];

/* verb-end.c */
int verb_end(int argc, char **argv);
extern const char verb_end_details[];
/* A pidfd for the init st names, once checked to be that very process; -ESRCH: it ended. */
int ctl_open_init(const struct session_state *st, int *ret_pidfd, struct corral_err *err);

/* verb-freeze.c */
int verb_freeze(int argc, char **argv);
int verb_thaw(int argc, char **argv);
extern const char verb_freeze_details[];

/* verb-check.c, verb-policy.c */
int verb_check(int argc, char **argv);
int verb_policy(int argc, char **argv);
extern const char verb_check_details[], verb_policy_details[];

/* verb-sessions.c */
int verb_list(int argc, char **argv);
int verb_apply(int argc, char **argv);
extern const char verb_list_details[], verb_apply_details[];

/* verb-status.c */
int verb_status(int argc, char **argv);
extern const char verb_status_details[];

/* verb-strays.c */
int verb_strays(int argc, char **argv);
extern const char verb_strays_details[];

/* verb-metrics.c */
int verb_metrics(int argc, char **argv);
extern const char verb_metrics_details[];
