/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * corral-helper: the only privileged program of corral. It is run by
 * pam_corral.so with real uid 0 and a SOCK_SEQPACKET socket on fd 3, does one
 * verb and exits. Every input is hostile until checked; main() is the
 * checklist, in this order: argv exists, caller identity, hygiene, argv
 * shape, peer identity, one verb from a table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "helper.h"

struct verb {
	const char *name;
	int (*run)(struct helper *h);
};

static const struct verb verbs[] = {
	{ "open", verb_open },
	{ "close", verb_close },
};

static _noreturn_ void refuse(const char *why)
{
	/* One sentence for every refusal: no oracle for unprivileged callers (CVE-2022-47952). */
	fputs("corral-helper: refused: this program is run by pam_corral.so only\n", stderr);
	hlog(LOG_WARNING, "Refused a request from uid %u: %s", (unsigned)getuid(), why);
	exit(EXIT_FAILURE);
}

/* A non-root caller gets nothing: no options, no verbs (bubblewrap CVE-2020-5291). */
static void check_caller(struct helper *h)
{
	h->caller_uid = getuid();
	if (h->caller_uid != 0 || geteuid() != 0)
		refuse("the caller is not root");
	/* Real, effective and saved ids all 0, so the caller cannot signal or trace us. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		refuse("cannot set all ids to root");
}

static const struct verb *parse_args(struct helper *h, int argc, char **argv)
{
	struct helper_args a;

	if (helper_args_parse(argc, argv, &a) < 0)
		return NULL;
	if (a.config_path)
		h->config_path = a.config_path;
	if (a.init_path)
		h->init_path = a.init_path;
	h->debug = a.debug;
	for (size_t v = 0; v < ARRAY_SIZE(verbs); v++)
		if (streq(a.verb, verbs[v].name))
			return &verbs[v];
	return NULL;
}

int main(int argc, char **argv)
{
	struct helper h = { .config_path = CORRAL_CONF_PATH, .init_path = CORRAL_INIT_PATH };
	struct corral_err err = CORRAL_ERR_INIT;
	const struct verb *verb;

	/* PwnKit (CVE-2021-4034): with argc 0, argv[1] would be envp[0]. */
	if (argc < 1 || !argv[0])
		return EXIT_FAILURE;
	log_open();
	check_caller(&h);
	if (hygiene_apply(&err) < 0) {
		hlog(LOG_ERR, "Failed to sanitize the process: %s", err.msg);
		return EXIT_FAILURE;
	}
	verb = parse_args(&h, argc, argv);
	if (!verb) {
		fputs("usage: corral-helper [--config=/PATH] [--init=/PATH] [--debug] open|close\n",
		      stderr);
		return EXIT_FAILURE;
	}
	if (caller_check_peer(&h, &err) < 0) {
		hlog(LOG_ERR, "Refused %s: %s", verb->name, err.msg);
		fprintf(stderr, "corral-helper: %s\n", err.msg);
		return EXIT_FAILURE;
	}
	return verb->run(&h) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
