/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define IDENTITY_MAX_GROUPS 1024

/* The user, as NSS sees it in the host's namespaces. */
struct identity {
	char name[256];
	uid_t uid;
	gid_t gid;
	gid_t groups[IDENTITY_MAX_GROUPS];
	int n_groups;			/* -1 until a policy asks about a group */
	int groups_error;		/* why they could not be listed, or 0 */
};

/*
 * Resolve name once, before any namespace is entered (sudo CVE-2025-32463:
 * NSS must never run inside a tree the user controls). Any lookup error denies.
 */
int identity_resolve(const char *name, struct identity *ret, struct corral_err *err);
/*
 * conf_subject.in_group callback; userdata is a struct identity. The user's
 * groups are listed on the first call only: a policy without [group:]
 * sections or exempt_groups costs no group lookup (NSS may go to LDAP).
 */
bool identity_in_group(const char *group, void *userdata);
/* Fails when a group lookup of identity_in_group() failed: its false means nothing then. */
int identity_groups_check(const struct identity *id, struct corral_err *err);
