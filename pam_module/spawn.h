/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "args.h"
#include "error.h"
#include "proto.h"

/*
 * Run corral-helper VERB with real uid 0 and a socketpair on its fd 3, send
 * req (passing pass_fd when >= 0), and receive its reply (and, when ret_fd
 * is not NULL, the fd it passes). The application's SIGCHLD disposition is
 * restored afterwards. Fails when there is no well-formed reply.
 */
int helper_call(const struct mod_args *a, const char *verb, const struct proto_msg *req,
		int pass_fd, int timeout_ms, struct proto_msg *reply, int *ret_fd,
		struct corral_err *err);
