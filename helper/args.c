/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's argv: [--config=/ABS] [--init=/ABS] [--debug] VERB. Only root
 * gets this far (main.c), and only pam_corral.so builds this argv, so
 * anything else (a repeated or relative option, extra words) is refused
 * rather than guessed at.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "helper.h"
#include "macro.h"

static int take_path(const char **slot, const char *value)
{
	if (*slot || value[0] != '/' || strnlen(value, PATH_MAX) >= PATH_MAX)
		return -EINVAL;
	*slot = value;
	return 0;
}

static int parse_option(struct helper_args *a, const char *arg)
{
	if (strncmp(arg, "--config=", 9) == 0)
		return take_path(&a->config_path, arg + 9);
	if (strncmp(arg, "--init=", 7) == 0)
		return take_path(&a->init_path, arg + 7);
	if (streq(arg, "--debug") && !a->debug) {
		a->debug = true;
		return 0;
	}
	return -EINVAL;
}

int helper_args_parse(int argc, char *const *argv, struct helper_args *ret)
{
	struct helper_args a = {};
	int i;

	for (i = 1; i < argc && argv[i] && strncmp(argv[i], "--", 2) == 0; i++)
		if (parse_option(&a, argv[i]) < 0)
			return -EINVAL;
	if (i != argc - 1 || !argv[i])
		return -EINVAL;
	a.verb = argv[i];
	*ret = a;
	return 0;
}
