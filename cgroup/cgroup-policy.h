/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cgroup.h"
#include "conf.h"

void cg_limits_from_policy(const struct policy *pol, struct cg_limits *ret);
