/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "conf.h"
#include "identity.h"

/* Load the configuration (ownership checked) and resolve the policy of id. */
int policy_load(const char *config_path, struct identity *id, struct policy *ret,
		struct corral_err *err);
