/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status: the caller's own sessions, limits and usage, for ordinary users.
 * corral's state is readable by root only, so this runs the helper, the
 * one privileged program, with the one request it takes from anyone:
 * `corral-helper status` (it drops to the caller's ids before it prints).
 * A root-only install has no such entry point; say so rather than fail
 * with EACCES.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "corralctl.h"

const char verb_status_details[] =
	"For any user: the caller's own sessions (service, terminal, start), the\n"
	"limits recorded for them, and what they use now. Inside a session, \"this\n"
	"session\" is marked and its usage shown (the cgroup namespace hides the\n"
	"others). It runs the setuid helper's one request open to everyone, which\n"
	"drops to the caller's ids before it prints anything.\n"
	"\n"
	"Exit status: 0 shown; 1 not available (a root-only install).\n";

static int not_available(const char *why)
{
	fprintf(stderr, "corralctl: status is not available to ordinary users on this system: %s. "
			"Ask the administrator ('corralctl list', as root, lists every session).\n",
		why);
	return EXIT_FAILURE;
}

int verb_status(int argc, char **argv)
{
	char *const helper_argv[] = { "corral-helper", "status", NULL };
	char *const envp[] = { NULL };

	if (argc > 1)
		return usage_error("status takes no arguments, got '%s'", argv[1]);
	if (!CORRAL_HELPER_SETUID && geteuid() != 0)
		return not_available("corral-helper is installed root-only (helper_mode=root-only)");
	/* What we printed so far must not be lost in the exec. */
	if (fflush(stdout) != 0)
		return EXIT_FAILURE;
	/* The helper clears its environment anyway; give it none to begin with. */
	execve(CORRAL_HELPER_PATH, helper_argv, envp);
	if (errno == EACCES || errno == EPERM)
		return not_available(CORRAL_HELPER_PATH " cannot be run by you");
	fprintf(stderr, "corralctl: cannot run %s: %s\n", CORRAL_HELPER_PATH, strerror(errno));
	return EXIT_FAILURE;
}
