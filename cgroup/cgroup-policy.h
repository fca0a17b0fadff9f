/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cgroup.h"
#include "conf.h"

/* The policy's limits for this host: % of RAM in bytes, io_max devices as whole disks. */
int cg_limits_from_policy(const struct policy *pol, struct cg_limits *ret,
			  struct corral_err *err);
