/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * corralctl: the administrator's view of corral. It reads the configuration
 * exactly as the helper does (same library, same checks) and changes nothing
 * on disk. One verb per invocation, from the table below; each verb parses
 * its own options.
 *
 * Exit status: 0 done, 1 refused (a bad configuration, an unknown user, a
 * system error), 2 usage error. Errors go to stderr as "corralctl: MESSAGE".
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "corralctl.h"

static const struct verb verbs[] = {
	{ "list", "[--json]",
	  "the live sessions: who, where from, and memory, pids and CPU used against the user's caps",
	  verb_list, verb_list_details },
	{ "show", "SESSION|USER",
	  "a session in full (its processes too), or a user's cgroup and every session",
	  verb_show, verb_show_details },
	{ "status", "", "your own sessions, their limits and usage (for any user)", verb_status,
	  verb_status_details },
	{ "enter", "SESSION [COMMAND [ARG...]]",
	  "run root's shell or COMMAND inside a session: its namespaces and cgroup",
	  verb_enter, verb_enter_details },
	{ "freeze", "SESSION", "stop every process of a session at once (the cgroup freezer)",
	  verb_freeze, verb_freeze_details },
	{ "thaw", "SESSION", "resume the processes of a session that freeze stopped", verb_thaw,
	  verb_freeze_details },
	{ "end", "SESSION... | --user USER",
	  "end sessions as a logout does: their processes get SIGTERM, then SIGKILL", verb_end,
	  verb_end_details },
	{ "limits", "USER KEY=VALUE...",
	  "change a logged-in user's limits now, until the next login or apply",
	  verb_limits, verb_limits_details },
	{ "apply", "[--config FILE] [USER...]",
	  "set the current limits on the cgroups of users logged in now", verb_apply,
	  verb_apply_details },
	{ "check", "[--no-owner-check] [--no-host-check] [FILE]",
	  "validate FILE (default " CORRAL_CONF_PATH ") and FILE.d/*.conf", verb_check,
	  verb_check_details },
	{ "policy", "[--config FILE] [--no-owner-check] USER",
	  "show what applies to USER, and which line says so", verb_policy,
	  verb_policy_details },
	{ "metrics", "[--output FILE]",
	  "sessions, usage per user and login counts in the Prometheus text format",
	  verb_metrics, verb_metrics_details },
	{ "strays", "[--config FILE] [USER...]",
	  "list processes of isolated users that run outside any corral session (exit 1 if any)",
	  verb_strays, verb_strays_details },
};

static const struct verb *verb_find(const char *name)
{
	if (streq(name, "ls"))
		name = "list";
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (streq(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

static int help(void)
{
	printf("usage: corralctl [--help] [--version] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		printf("  %s %s\n      %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
	printf("\nOptions:\n"
	       "  --no-owner-check  do not require root-owned files and directories\n"
	       "                    (for drafts; the helper always checks)\n"
	       "  --no-host-check   check: do not report limits this host cannot carry\n"
	       "                    (for a configuration written for another host)\n"
	       "  --config FILE     the main file (default " CORRAL_CONF_PATH ")\n"
	       "\nExit status: 0 done, 1 refused (bad configuration, unknown user), "
	       "2 usage error.\n"
	       "'corralctl COMMAND --help' tells more of a command.\n");
	return EXIT_SUCCESS;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	(void)fputs("corralctl: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputs("\nTry 'corralctl --help'.\n", stderr);
	return EXIT_USAGE;
}

/*
 * A getopt_long() failure (opterr = 0, optstring starting with ':'), as a
 * usage error naming the argument. Long-only options have values above 0xff,
 * so a small optopt is always an unknown short option; for everything else
 * glibc has already stepped past the offending argument.
 */
int option_error(int c, char **argv)
{
	char short_opt[3] = { '-', (char)optopt, '\0' };
	const char *arg = optopt > 0 && optopt <= 0xff ? short_opt : argv[optind - 1];

	if (c == ':')
		return usage_error("option '%s' needs an argument", arg);
	if (optopt > 0xff)
		return usage_error("option '%s' takes no argument", arg);
	return usage_error("unknown option '%s'", arg);
}

int verb_usage(const char *name)
{
	const struct verb *v = verb_find(name);

	if (!v)
		return usage_error("unknown command '%s'", name);
	printf("usage: corralctl %s %s\n  %s\n", v->name, v->args, v->help);
	if (v->details)
		printf("\n%s", v->details);
	return EXIT_SUCCESS;
}

int fail(const struct corral_err *err)
{
	fprintf(stderr, "corralctl: %s\n", err->msg);
	return EXIT_FAILURE;
}

/* Paths come from the command line and from directory listings: no terminal escapes. */
void print_safe(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			(void)fputc(*p, f);
}

/* A full disk or a closed pipe must not look like success (util-linux close_stdout()). */
static int flush_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "corralctl: cannot write the output: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return status;
}

int main(int argc, char **argv)
{
	enum { ARG_HELP = 0x100, ARG_VERSION };
	static const struct option options[] = {
		{ "help", no_argument, NULL, ARG_HELP },
		{ "version", no_argument, NULL, ARG_VERSION },
		{}
	};
	const struct verb *v;
	int c;

	opterr = 0;
	/* '+': the first non-option is the verb; what follows it is the verb's. */
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
		case ARG_HELP:
			return flush_stdout(help());
		case ARG_VERSION:
			printf("corralctl %s\n", CORRAL_VERSION);
			return flush_stdout(EXIT_SUCCESS);
		default:
			return option_error(c, argv);
		}
	}
	if (optind >= argc)
		return usage_error("missing command");
	v = verb_find(argv[optind]);
	if (!v)
		return usage_error("unknown command '%s'", argv[optind]);
	argc -= optind;
	argv += optind;
	/* Right after the verb only: "enter ID ls --help" is ls's. */
	if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h")))
		return flush_stdout(verb_usage(v->name));
	optind = 0;	/* glibc: 0 restarts getopt from scratch for the verb */
	return flush_stdout(v->run(argc, argv));
}
