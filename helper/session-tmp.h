/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "conf.h"
#include "error.h"
#include "private-tmp.h"
#include "state.h"

/*
 * The private_tmp of a session of uid about to be made (pol->private_tmp is
 * not no): spec->size from tmp_size, and with private_tmp = user the mounts
 * of a live session of the user that has them too (spec->share_fds, closed
 * by the caller with private_tmp_close()), so all of the user's sessions share
 * one /tmp. Under the session lock.
 */
int session_tmp_prepare(int state_fd, uid_t uid, const struct policy *pol,
			struct private_tmp_spec *spec, struct corral_err *err);
