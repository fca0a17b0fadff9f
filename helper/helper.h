/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define HELPER_SOCK_FD 3	/* the socketpair end the module hands us */
#define HELPER_RECV_TIMEOUT_MS 10000

struct helper {
	const char *config_path;
	const char *init_path;
	bool debug;
	uid_t caller_uid;	/* real uid at entry, before anything else */
	pid_t peer_pid;		/* the PAM application, from SO_PEERCRED */
};

/* args.c: paths NULL when not given; -EINVAL for anything malformed */
struct helper_args {
	const char *config_path;
	const char *init_path;
	bool debug;
	const char *verb;
};
int helper_args_parse(int argc, char *const *argv, struct helper_args *ret);

/* hygiene.c */
int hygiene_apply(struct corral_err *err);

/* caller.c */
int caller_check_peer(struct helper *h, struct corral_err *err);

/* verb-open.c, verb-close.c */
int verb_open(struct helper *h);
int verb_close(struct helper *h);
/* verb-status.c: the caller's own sessions, for any caller; drops to the caller's ids */
int verb_status(struct helper *h);

/* log.c: syslog(authpriv) with ident corral-helper */
void log_open(void);
void hlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
