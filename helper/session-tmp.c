/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * private_tmp for a session about to be made: the tmpfs size from the
 * policy, and with private_tmp = user the mounts of a live session of the
 * user to share (helper/private-tmp.c mounts them in the new namespace).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/sysinfo.h>

#include "session-tmp.h"

/* tmp_size as bytes: a percentage (hundredths of one) is of this host's RAM. */
static int size_of(const struct policy_limit *l, char *buf, size_t size, struct corral_err *err)
{
	struct sysinfo si;
	uint64_t bytes = l->v;

	buf[0] = '\0';
	if (!l->set)
		return 0;	/* the kernel's default: half of RAM */
	if (l->percent) {
		if (sysinfo(&si) < 0)
			return err_errno(err, -errno, "Failed to read the size of RAM for tmp_size");
		bytes = (uint64_t)si.totalram * si.mem_unit / 10000 * l->v;
	}
	(void)snprintf(buf, size, "%llu", (unsigned long long)bytes);
	return 0;
}

static bool has_tmp_user(const struct session_state *s)
{
	return s->tmp_user;
}

/* A live session of uid with private_tmp = user, other than the one being made. */
static bool find_donor(int state_fd, uid_t uid, struct session_state *ret)
{
	struct corral_err ignored = CORRAL_ERR_INIT;

	return state_find_live(state_fd, uid, has_tmp_user, ret, &ignored) > 0;
}

int session_tmp_prepare(int state_fd, uid_t uid, const struct policy *pol,
			struct private_tmp_spec *spec, struct corral_err *err)
{
	struct session_state donor;
	int r;

	for (unsigned i = 0; i < _PRIVATE_TMP_DIR_MAX; i++)
		spec->share_fds[i] = -1;
	r = size_of(&pol->tmp_size, spec->size, sizeof(spec->size), err);
	if (r < 0 || pol->private_tmp != PRIVATE_TMP_USER || !find_donor(state_fd, uid, &donor))
		return r;
	r = private_tmp_clone(donor.init_pid, donor.pidns, spec->share_fds, err);
	if (r < 0)
		return err_wrap(err, "Failed to share the private /tmp of session %s", donor.id);
	return 0;
}
