/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * freeze SESSION / thaw SESSION: stop every process of a live session at
 * once, and resume them, with the freezer of the session's cgroup
 * (cg_session_freeze()). Nothing is signalled: the processes do not see it.
 *
 * The session's init is not frozen: it lives in its user's init.scope, not
 * in the session's cgroup (cgroup.h). That is as it should be: it only reaps and
 * waits, and it must stay free to end the session if the PAM application
 * is killed meanwhile. The PAM application is frozen with the session (it
 * sits in the session's cgroup): an SSH connection stalls until the thaw.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgroup.h"
#include "corralctl.h"

/* Long enough for a busy host; a freeze not done by then is undone. */
#define FREEZE_TIMEOUT_MS 5000

const char verb_freeze_details[] =
	"freeze stops every process of SESSION (an id from 'corralctl list') at once,\n"
	"with the cgroup freezer (cgroup v2's cgroup.freeze, or the cgroup v1 freezer\n"
	"hierarchy); thaw resumes them. The processes get no signal and keep their\n"
	"state; the PAM application (sshd, su) is stopped with them, so an SSH\n"
	"connection stalls until the thaw. The session's init is not stopped. Doing\n"
	"either twice is harmless. A frozen session can still be ended ('corralctl\n"
	"end', a logout under way, its init killed): it is thawed on the way.\n"
	"\n"
	"Exit status: 0 done; 1 when the session is not found, the host has no\n"
	"freezer, or a process could not be stopped within 5 s (the session is\n"
	"thawed again); 2 usage error.\n"
	"\n"
	"Example:\n"
	"  corralctl freeze 3f2a9c0d1b7e4a55\n";

static int freeze_session(const struct session_state *st, bool frozen, struct corral_err *err)
{
	struct cg_host host;
	struct cg_session s;
	int r;

	if (!st->cgroup_root[0])
		return err_set(err, -EOPNOTSUPP, "Session %s has no cgroups: it was opened before "
			       "corral made them", st->id);
	r = cg_host_open(st->cgroup_root, &host, err);
	if (r < 0)
		return r;
	r = cg_session_open(&host, st->uid, st->id, &s, err);
	if (r >= 0) {
		r = cg_session_freeze(&host, &s, frozen, FREEZE_TIMEOUT_MS, err);
		cg_session_close(&s);
	}
	cg_host_close(&host);
	return r;
}

static int run(int argc, char **argv, bool frozen)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_state st;
	int n;

	if (argc != 2)
		return usage_error("%s takes one SESSION (an id from 'corralctl list')", argv[0]);
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s'", argv[1]);
	if (need_root(argv[0]) < 0)
		return EXIT_FAILURE;
	if (ctl_session_find(argv[1], &st, &err) < 0)
		return fail(&err);
	n = freeze_session(&st, frozen, &err);
	if (n < 0)
		return fail(&err);
	printf("%s session %s of user ", frozen ? "froze" : "thawed", st.id);
	print_safe(stdout, st.user);
	printf(" (%d process%s)\n", n, n == 1 ? "" : "es");
	return EXIT_SUCCESS;
}

int verb_freeze(int argc, char **argv)
{
	return run(argc, argv, true);
}

int verb_thaw(int argc, char **argv)
{
	return run(argc, argv, false);
}
