/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "macro.h"

static long buffer_size(int name)
{
	long n = sysconf(name);

	return n > 0 ? n : 16384;
}

int identity_resolve(const char *name, struct identity *ret, struct corral_err *err)
{
	long size = buffer_size(_SC_GETPW_R_SIZE_MAX);
	_cleanup_free_ char *buf = NULL;
	struct passwd pw, *res = NULL;
	int r;

	if (!name || !*name || strlen(name) >= sizeof(ret->name))
		return err_set(err, -EINVAL, "Invalid user name");
	for (;;) {
		buf = malloc((size_t)size);
		if (!buf)
			return err_set(err, -ENOMEM, "Out of memory");
		r = getpwnam_r(name, &pw, buf, (size_t)size, &res);
		if (r != ERANGE || size > (1 << 20))
			break;
		free(TAKE_PTR(buf));
		size *= 2;
	}
	if (r != 0)
		return err_errno(err, -r, "Failed to look up user '%s'", name);
	if (!res)
		return err_set(err, -ENOENT, "User '%s' does not exist", name);
	/* A case-insensitive NSS backend may answer for "Alice" with "alice". */
	if (!streq(pw.pw_name, name))
		return err_set(err, -EINVAL, "User '%s' resolves to '%s'", name, pw.pw_name);
	memset(ret, 0, sizeof(*ret));
	(void)snprintf(ret->name, sizeof(ret->name), "%s", pw.pw_name);
	ret->uid = pw.pw_uid;
	ret->gid = pw.pw_gid;
	ret->n_groups = -1;
	return 0;
}

static int list_groups(struct identity *id)
{
	int n = IDENTITY_MAX_GROUPS;

	if (id->n_groups >= 0 || id->groups_error)
		return id->groups_error;
	if (getgrouplist(id->name, id->gid, id->groups, &n) < 0)
		return (id->groups_error = -E2BIG);
	id->n_groups = n;
	return 0;
}

int identity_groups_check(const struct identity *id, struct corral_err *err)
{
	if (id->groups_error)
		return err_set(err, id->groups_error, "User '%s' is in more than %d groups",
			       id->name, IDENTITY_MAX_GROUPS);
	return 0;
}

static int group_gid(const char *group, gid_t *ret)
{
	long size = buffer_size(_SC_GETGR_R_SIZE_MAX);
	_cleanup_free_ char *buf = NULL;
	struct group gr, *res = NULL;
	int r;

	for (;;) {
		buf = malloc((size_t)size);
		if (!buf)
			return -ENOMEM;
		r = getgrnam_r(group, &gr, buf, (size_t)size, &res);
		if (r != ERANGE || size > (1 << 22))
			break;
		free(TAKE_PTR(buf));
		size *= 2;
	}
	if (r > 0)
		return -r;
	if (r != 0 || !res)
		return -ENOENT;
	*ret = gr.gr_gid;
	return 0;
}

bool identity_in_group(const char *group, void *userdata)
{
	struct identity *id = userdata;
	gid_t gid = 0;

	if (group_gid(group, &gid) < 0 || list_groups(id) < 0)
		return false;
	for (int i = 0; i < id->n_groups; i++)
		if (id->groups[i] == gid)
			return true;
	return false;
}
