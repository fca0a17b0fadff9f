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
	int n_groups;
};

/*
 * Resolve name once, before any namespace is entered (sudo CVE-2025-32463:
 * NSS must never run inside a tree the user controls). Any lookup error denies.
 */
int identity_resolve(const char *name, struct identity *ret, struct corral_err *err);
/* conf_subject.in_group callback; userdata is a struct identity. */
bool identity_in_group(const char *group, void *userdata);
