/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

/*
 * scope = user: one namespace set per user, joined by every login. The set is
 * an ordinary session state ("<uid>/<set>", scope=user); each login beside it
 * has a record "<uid>/<set>.<login>" naming its PAM application (pid and start
 * time) and the cgroups that application came from. The set's init listens on
 * "<uid>/<set>.sock" for the pidfd of each application that joins, so that it
 * knows, as it does for a session's one application, when the last is gone.
 */

/* The longest number of logins one set's init watches; a join beyond it fails. */
#define LOGINS_MAX 128

/* The user's live set that is not ending: 1 with *ret filled, 0 if none. Under the lock. */
int login_find_set(int state_fd, uid_t uid, struct session_state *ret, struct corral_err *err);
/* A bound, listening socket "<uid>/<set>.sock" for the set's init to hold. */
int login_listen(int state_fd, uid_t uid, const char *set, int *ret_fd, struct corral_err *err);
/*
 * Hand app_pidfd to the init of set and wait for it to take it. -ECONNREFUSED
 * (or another socket error) when the init is gone or going: the set is ending.
 */
int login_hand_app(int state_fd, const struct session_state *set, int app_pidfd,
		   struct corral_err *err);
/*
 * Record a login of set: l carries the request's fields (user, service, tty,
 * rhost, started) and app_cgroups; its id, set, app and init fields are set here.
 */
int login_write(int state_fd, const struct session_state *set, pid_t app,
		struct session_state *l, struct corral_err *err);
/*
 * cb for each login of set whose application runs, until it returns non-zero:
 * that value (> 0), 0 when it never did, < 0 on failure.
 */
int login_for_each(int state_fd, const struct session_state *set,
		   int (*cb)(const struct session_state *l, void *data), void *data,
		   struct corral_err *err);
/* The record of set's login whose application is app: 1 with *ret, 0 if none. */
int login_find_app(int state_fd, const struct session_state *set, pid_t app,
		   struct session_state *ret, struct corral_err *err);
void login_remove(int state_fd, const struct session_state *l);
