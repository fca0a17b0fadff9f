/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's session state files (helper/state.c state_parse()), which
 * "close" trusts to find the session's init and cgroups. The files are
 * root's own, but they carry strings that came from the PAM application
 * (user, tty, rhost) and /proc: the parser must stay in bounds, and accept
 * a file only when it describes the session it is asked for.
 */
#include <errno.h>

#include "fuzz.h"
#include "state.h"

#define UID 1000
#define ID "0123456789abcdef"

static void check_str(const char *s, size_t size, const char *what)
{
	fuzz_check(strnlen(s, size) < size, "%s is not terminated", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct session_state s;
	char *text = fuzz_strndup(data, size);
	int r;

	memset(&s, 0x5a, sizeof(s));
	r = state_parse(text, "1000/" ID, UID, ID, &s, &err);
	if (r < 0) {
		fuzz_check(r == -EINVAL && err.code == r && err.msg[0], "error %d", r);
		fuzz_check(s.uid == 0x5a5a5a5a, "wrote its result on failure");
	} else {
		fuzz_check(r == 0 && s.uid == UID && streq(s.id, ID) && s.init_pid > 0,
			   "accepted a file about another session");
		check_str(s.user, sizeof(s.user), "user");
		check_str(s.service, sizeof(s.service), "service");
		check_str(s.tty, sizeof(s.tty), "tty");
		check_str(s.rhost, sizeof(s.rhost), "rhost");
		check_str(s.cgroup_root, sizeof(s.cgroup_root), "cgroup_root");
		check_str(s.app_cgroups, sizeof(s.app_cgroups), "app_cgroups");
		check_str(s.limits, sizeof(s.limits), "limits");
		check_str(s.set, sizeof(s.set), "set");
		fuzz_check(!s.set[0] || state_valid_id(s.set), "accepted a set id that is not one");
	}
	free(text);
	return 0;
}
