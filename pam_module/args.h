/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "error.h"

/* Module arguments. Only root writes /etc/pam.d, so the paths are trusted; still parsed strictly. */
struct mod_args {
	bool debug;
	const char *helper;	/* absolute; default CORRAL_HELPER_PATH */
	const char *config;	/* absolute; NULL: the helper's built-in path */
	const char *init;	/* absolute; NULL: the helper's built-in path */
};

/* Unknown, duplicated or malformed arguments are errors naming the argument. */
int args_parse(int argc, const char **argv, struct mod_args *ret, struct corral_err *err);
