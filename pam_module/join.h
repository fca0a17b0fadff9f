/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define JOIN_NS_MAX 6

/* The namespaces and cwd the application had before it joined a session. */
struct ns_saved {
	int fd[JOIN_NS_MAX];
	int type[JOIN_NS_MAX];
	unsigned n;
	char cwd[PATH_MAX];
};

#define NS_SAVED_INIT { .n = 0 }

/* The flags a session may ask us to join; anything else is refused. */
#define JOIN_ALLOWED_FLAGS \
	(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

int join_save(int flags, struct ns_saved *ret, struct corral_err *err);
/*
 * Join the namespaces of the session init behind pidfd (whose host pid is
 * pid). setns(pidfd, flags) needs Linux 5.8; before that, or with
 * force_fallback, /proc/PID/ns/ files are opened and checked against the
 * pidfd first. The cwd is re-resolved by path inside the new mount tree,
 * never carried over as a reference to the old one (runc CVE-2024-21626).
 */
int join_session(int pidfd, pid_t pid, int flags, bool force_fallback, const char *cwd,
		 struct corral_err *err);
/* Back to the saved namespaces and cwd. */
int join_restore(struct ns_saved *s, struct corral_err *err);
void ns_saved_close(struct ns_saved *s);
