/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "args.h"
#include "config.h"
#include "macro.h"

static int set_path(const char **slot, const char *arg, const char *value,
		    struct corral_err *err)
{
	if (*slot)
		return err_set(err, -EINVAL, "Module argument '%.64s' given twice", arg);
	if (value[0] != '/' || strlen(value) >= PATH_MAX)
		return err_set(err, -EINVAL, "Module argument '%.64s' needs an absolute path", arg);
	*slot = value;
	return 0;
}

static int parse_one(struct mod_args *a, const char *arg, struct corral_err *err)
{
	static const struct {
		const char *prefix;
		size_t offset;
	} paths[] = {
		{ "helper=", offsetof(struct mod_args, helper) },
		{ "config=", offsetof(struct mod_args, config) },
		{ "init=", offsetof(struct mod_args, init) },
	};

	if (streq(arg, "debug")) {
		if (a->debug)
			return err_set(err, -EINVAL, "Module argument 'debug' given twice");
		a->debug = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		size_t n = strlen(paths[i].prefix);

		if (strncmp(arg, paths[i].prefix, n) == 0)
			return set_path((const char **)((char *)a + paths[i].offset), arg, arg + n,
					err);
	}
	return err_set(err, -EINVAL, "Unknown module argument '%.64s'", arg);
}

int args_parse(int argc, const char **argv, struct mod_args *ret, struct corral_err *err)
{
	struct mod_args a = { 0 };
	int r;

	for (int i = 0; i < argc; i++) {
		r = parse_one(&a, argv[i], err);
		if (r < 0)
			return r;
	}
	if (!a.helper)
		a.helper = CORRAL_HELPER_PATH;
	*ret = a;
	return 0;
}
