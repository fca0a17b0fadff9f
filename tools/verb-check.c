/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check: load the configuration exactly as the helper does (same library,
 * same ownership checks unless --no-owner-check) and list the files read.
 * No user's policy is resolved and nothing is written.
 */
#include <getopt.h>
#include <stdlib.h>

#include "config.h"
#include "corralctl.h"
/*
 * conf.h has no accessor for the list of files read; it lives in struct conf.
 * FIXME: read it through a public conf_files() once conf.h has one.
 */
#include "conf-internal.h"

static void print_files(const struct conf *c, bool owner_checked)
{
	print_safe(stdout, c->files[0]);
	printf(": OK (%zu file%s%s)\n", c->n_files, c->n_files == 1 ? "" : "s",
	       owner_checked ? "" : ", ownership not checked");
	for (size_t i = 0; i < c->n_files; i++) {
		(void)fputs("  ", stdout);
		print_safe(stdout, c->files[i]);
		(void)fputc('\n', stdout);
	}
}

int verb_check(int argc, char **argv)
{
	enum { ARG_HELP = 0x100, ARG_NO_OWNER_CHECK };
	static const struct option options[] = {
		{ "help", no_argument, NULL, ARG_HELP },
		{ "no-owner-check", no_argument, NULL, ARG_NO_OWNER_CHECK },
		{}
	};
	struct conf_source src = { .main_path = CORRAL_CONF_PATH, .check_owner = true };
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
		switch (opt) {
		case 'h':
		case ARG_HELP:
			return verb_usage(argv[0]);
		case ARG_NO_OWNER_CHECK:
			src.check_owner = false;
			break;
		default:
			return option_error(opt, argv);
		}
	}
	if (argc - optind > 1)
		return usage_error("check: unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		src.main_path = argv[optind];
	if (conf_load(&src, &c, &err) < 0)
		return fail(&err);
	print_files(c, src.check_owner);
	return EXIT_SUCCESS;
}
