/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The first thing the helper does: take nothing from the caller's process
 * state. A setuid program inherits its caller's fds, environment, signal
 * dispositions, rlimits, umask and cwd, and every one of them has been an
 * attack on some setuid tool (see SECURITY.md).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "helper.h"

/* runc CVE-2024-21626: no inherited fd may reach the session. fd 3 is our socket. */
static int sanitize_fds(struct corral_err *err)
{
	int r;

	r = fd_ensure_stdio(err);
	if (r < 0)
		return r;
	return fd_close_from(HELPER_SOCK_FD + 1, err);
}

/* A caller may ignore or block signals to break our child handling or cleanup. */
static int reset_signals(struct corral_err *err)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);
	(void)sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return err_errno(err, -errno, "Failed to reset the signal mask");
	return 0;
}

/* CVE-2011-1089 class: a tiny RLIMIT_FSIZE or NOFILE makes writes fail half-way. */
static int reset_rlimits(struct corral_err *err)
{
	static const struct {
		int resource;
		rlim_t value;
	} limits[] = {
		{ RLIMIT_CORE, 0 },
		{ RLIMIT_FSIZE, RLIM_INFINITY },
		{ RLIMIT_NOFILE, 1024 },
		{ RLIMIT_STACK, 8 << 20 },
		{ RLIMIT_AS, RLIM_INFINITY },
		{ RLIMIT_DATA, RLIM_INFINITY },
	};

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		struct rlimit rl = { limits[i].value, limits[i].value };

		if (setrlimit(limits[i].resource, &rl) < 0)
			return err_errno(err, -errno, "Failed to reset rlimit %d",
					 limits[i].resource);
	}
	return 0;
}

int hygiene_apply(struct corral_err *err)
{
	int r;

	/* Non-dumpable first: no ptrace, no core, /proc/self owned by root (CVE-2016-8659). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_errno(err, -errno, "Failed to make the helper non-dumpable");
	r = sanitize_fds(err);
	if (r < 0)
		return r;
	/* Libraries read the environment too (CVE-2022-0563, CVE-2021-4034). */
	if (clearenv() != 0)
		return err_set(err, -ENOMEM, "Failed to clear the environment");
	r = reset_signals(err);
	if (r < 0)
		return r;
	r = reset_rlimits(err);
	if (r < 0)
		return r;
	umask(022);
	/* A cwd on a user's FUSE mount could hang or redirect us. */
	if (chdir("/") < 0)
		return err_errno(err, -errno, "Failed to change directory to /");
	return 0;
}
