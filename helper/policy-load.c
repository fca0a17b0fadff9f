/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "policy-load.h"

static void short_hostname(char *buf, size_t size)
{
	char *dot;

	if (gethostname(buf, size) < 0)
		buf[0] = '\0';
	buf[size - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
}

int policy_load(const char *config_path, struct identity *id, struct policy *ret,
		struct corral_err *err)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct conf_source src = { .main_path = config_path, .check_owner = true };
	char host[HOST_NAME_MAX + 1];
	struct conf_subject who = {
		.user = id->name,
		.uid = id->uid,
		.host = host,
		.in_group = identity_in_group,
		.userdata = id,
	};
	int r;

	short_hostname(host, sizeof(host));
	r = conf_load(&src, &c, err);
	if (r < 0)
		return r;
	r = conf_resolve(c, &who, ret, err);
	return r < 0 ? r : identity_groups_check(id, err);
}
