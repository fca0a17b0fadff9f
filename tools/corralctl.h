/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "error.h"

/* Exit statuses: 0 done, 1 the configuration, the user or the system said no. */
#define EXIT_USAGE 2

/*
 * A verb gets its own argv: argv[0] is the verb's name, options may come in
 * any order before "--". It returns an exit status.
 */
struct verb {
	const char *name;
	const char *args;	/* the synopsis after the name, for usage lines */
	const char *help;	/* one line */
	int (*run)(int argc, char **argv);
};

/* corralctl.c */
int usage_error(const char *fmt, ...) _printf_(1, 2);
int option_error(int c, char **argv);
int verb_usage(const char *name);
int fail(const struct corral_err *err);
void print_safe(FILE *f, const char *s);

/* verb-check.c, verb-policy.c */
int verb_check(int argc, char **argv);
int verb_policy(int argc, char **argv);

/* verb-sessions.c */
int verb_list(int argc, char **argv);
int verb_apply(int argc, char **argv);

/* verb-status.c */
int verb_status(int argc, char **argv);

/* verb-strays.c */
int verb_strays(int argc, char **argv);
