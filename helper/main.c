/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * corral-helper: the only privileged program of corral. pam_corral.so runs it
 * with real uid 0 and a SOCK_SEQPACKET socket on fd 3; it does one verb and
 * exits. Installed setuid root (meson helper_mode=setuid), anyone can run it,
 * and gets exactly one thing: `corral-helper status`, which lists the
 * caller's own sessions with the caller's rights (verb-status.c). Every input
 * is hostile until checked; main() is the checklist, in this order: hygiene
 * (before anything reads the environment, even syslog), argv exists, who
 * calls, argv shape, peer identity, one verb from a table.
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

/* What root (the module) may ask for. */
static const struct verb verbs[] = {
	{ "open", verb_open },
	{ "close", verb_close },
};

static _noreturn_ void refuse(const char *why)
{
	/* One sentence for every refusal: no oracle for unprivileged callers (CVE-2022-47952). */
	(void)fputs("corral-helper: refused: this program is run by pam_corral.so only\n", stderr);
	hlog(LOG_WARNING, "Refused a request from uid %u: %s", (unsigned)getuid(), why);
	exit(EXIT_FAILURE);
}

/*
 * The whole setuid surface: argv is exactly { anything, "status" }. No
 * option, no second word, no other spelling (bubblewrap CVE-2020-5291: no
 * flexible options in setuid mode).
 */
static bool is_status_request(int argc, char **argv)
{
	return argc == 2 && argv[1] && streq(argv[1], "status");
}

/* Real uid 0 (the module, or root by hand): all ids 0, so no one else can signal or trace us. */
static void become_root(void)
{
	if (geteuid() != 0)
		refuse("the effective uid is not root");
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

static int run_status(struct helper *h)
{
	/*
	 * A root-only install (0750) is never run by a user; if it runs set-user-ID
	 * anyway (a chmod by hand), fail closed (bubblewrap PR #790).
	 */
	if (h->caller_uid != 0 && (!CORRAL_HELPER_SETUID || geteuid() != 0))
		refuse("status asked of a helper that is not installed set-user-ID root");
	return verb_status(h) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct helper h = { .config_path = CORRAL_CONF_PATH, .init_path = CORRAL_INIT_PATH };
	struct corral_err err = CORRAL_ERR_INIT;
	const struct verb *verb;

	/*
	 * First, before any library call: nothing of the caller's environment,
	 * fds, signals, rlimits, umask or cwd is used. The syslog socket is opened
	 * after the fds are closed, or glibc would later write log lines to
	 * whatever file reuses its number.
	 */
	if (hygiene_apply(&err) < 0) {
		if (getuid() != 0)
			refuse(err.msg);
		hlog(LOG_ERR, "Failed to sanitize the process: %s", err.msg);
		return EXIT_FAILURE;
	}
	log_open();
	h.caller_uid = getuid();
	/*
	 * PwnKit (CVE-2021-4034): with argc 0, argv[1] would be envp[0]. Since
	 * Linux 5.18 the kernel turns an empty argv into { "" }; no caller of ours
	 * passes an empty argv[0] either.
	 */
	if (argc < 1 || !argv[0] || !argv[0][0])
		refuse("empty argv (argc 0)");
	if (is_status_request(argc, argv))
		return run_status(&h);
	if (h.caller_uid != 0)
		refuse("the caller is not root");
	become_root();
	verb = parse_args(&h, argc, argv);
	if (!verb) {
		(void)fputs("usage: corral-helper [--config=/PATH] [--init=/PATH] [--debug] "
			    "open|close\n"
			    "       corral-helper status\n",
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
