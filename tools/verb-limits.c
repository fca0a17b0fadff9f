/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limits USER KEY=VALUE...: change the limits of a user who is logged in,
 * now, over all of the user's sessions. The limits in force are those its
 * sessions recorded (at login, or by an earlier `limits`): the new values go
 * over them, the user's cgroup gets the result, and every live session of
 * the user records it, so `corralctl status` inside shows what is in force.
 * The configuration is not touched: it rules again at the next login or
 * `corralctl apply`.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cgroup-policy.h"
#include "cgroup.h"
#include "conf.h"
#include "corralctl.h"
#include "parse-util.h"

const char verb_limits_details[] =
	"Each KEY=VALUE is a limit as corral.conf spells it: memory_max, memory_high,\n"
	"memory_swap_max, cpu_max, cpu_weight, pids_max, io_weight, io_max or cpus, with\n"
	"the same values (512M, 25%, 150%, max, 2, auto, ...). They are checked first,\n"
	"all of them: one bad value changes nothing. The user's other limits stay as\n"
	"they are now. A new cpus moves the processes of the user's sessions onto the\n"
	"new CPUs at once.\n"
	"USER is a name or a uid, and must have a live session.\n"
	"\n"
	"The change lasts until the user's next login or 'corralctl apply', where the\n"
	"configuration rules again: edit corral.conf to make it permanent.\n"
	"\n"
	"Exit status: 0 set; 1 a bad KEY or VALUE, no live session, or the cgroup\n"
	"refused; 2 usage error.\n"
	"\n"
	"Examples:\n"
	"  corralctl limits alice memory_max=2G pids_max=500\n"
	"  corralctl limits 1001 cpu_max=50%\n"
	"  corralctl limits bob cpus=4\n";

struct user_sessions {
	uid_t uid;
	unsigned n;
	struct session_state newest;
};

static int collect(const struct session_state *st, void *data)
{
	struct user_sessions *u = data;

	if (!u->newest.id[0] || st->started >= u->newest.started)
		u->newest = *st;
	return EXIT_SUCCESS;
}

static bool is_live_limit(enum policy_key k)
{
	return (k >= POLICY_MEMORY_MAX && k <= POLICY_IO_WEIGHT) || k == POLICY_IO_MAX ||
	       k == POLICY_CPUS;
}

/* The policy in force, as the newest session recorded it ("KEY VALUE" lines). */
static int recorded(const struct session_state *st, const struct conf_subject *who,
		    struct policy *p, struct corral_err *err)
{
	char copy[sizeof(st->limits)], *save = NULL;

	(void)snprintf(copy, sizeof(copy), "%s", st->limits);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, ' ');

		if (!v)
			continue;
		*v++ = '\0';
		if (policy_set_value(p, l, v, who, err) < 0)
			return err_wrap(err, "The limits session %s recorded", st->id);
	}
	return 0;
}

static int apply_args(struct policy *p, char **args, int n, const struct conf_subject *who,
		      struct corral_err *err)
{
	for (int i = 0; i < n; i++) {
		char key[64];
		const char *eq = strchr(args[i], '=');
		size_t klen = eq ? (size_t)(eq - args[i]) : 0;
		int r;

		if (!eq || klen == 0 || klen >= sizeof(key))
			return err_set(err, -EINVAL, "'%s' is not KEY=VALUE", args[i]);
		(void)snprintf(key, sizeof(key), "%.*s", (int)klen, args[i]);
		for (int k = 0; k < _POLICY_KEY_MAX; k++)
			if (streq(policy_key_name((enum policy_key)k), key) &&
			    !is_live_limit((enum policy_key)k))
				return err_set(err, -EINVAL, "%s is not a cgroup limit: it takes effect "
					       "at login; set it in corral.conf", key);
		r = policy_set_value(p, key, eq + 1, who, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_limits(struct user_sessions *u, const char *name, char **args, int n,
		      struct corral_err *err)
{
	struct conf_subject who = { .user = name, .uid = u->uid, .host = "" };
	struct policy p = { 0 };
	struct cg_limits lim;
	struct cg_host host;
	int r;

	r = recorded(&u->newest, &who, &p, err);
	if (r >= 0)
		r = apply_args(&p, args, n, &who, err);
	if (r >= 0)
		r = cg_limits_from_policy(&p, &lim, err);
	if (r < 0)
		return r;
	r = cg_host_open(u->newest.cgroup_root, &host, err);
	if (r < 0)
		return r;
	r = cg_user_prepare(&host, u->uid, &lim, err);
	cg_host_close(&host);
	if (r < 0)
		return r;
	(void)policy_format_limits(&p, u->newest.limits, sizeof(u->newest.limits));
	ctl_record_limits(u->uid, u->newest.limits);
	return 0;
}

int verb_limits(int argc, char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct user_sessions u = { 0 };
	struct passwd *pw;
	const char *name;
	int r;

	if (argc < 3)
		return usage_error("limits needs a USER and at least one KEY=VALUE");
	if (need_root("limits") < 0)
		return EXIT_FAILURE;
	if (ctl_resolve_uid(argv[1], &u.uid, &err) < 0)
		return fail(&err);
	pw = getpwuid(u.uid);
	name = pw ? pw->pw_name : argv[1];
	r = ctl_for_each_user_session(u.uid, collect, &u, &u.n);
	if (r != EXIT_SUCCESS)
		return r;
	if (u.n == 0) {
		fprintf(stderr, "corralctl: user '%s' has no live session: the configuration "
				"applies at the next login\n", argv[1]);
		return EXIT_FAILURE;
	}
	if (!u.newest.cgroup_root[0]) {
		fprintf(stderr, "corralctl: the sessions of '%s' have no cgroup\n", argv[1]);
		return EXIT_FAILURE;
	}
	if (set_limits(&u, name, argv + 2, argc - 2, &err) < 0)
		return fail(&err);
	openlog("corralctl", LOG_PID, LOG_AUTHPRIV);
	for (int i = 2; i < argc; i++)
		syslog(LOG_INFO, "limits of user '%s' (uid %u) changed by uid %u: %s", name,
		       (unsigned)u.uid, (unsigned)getuid(), argv[i]);
	printf("set the limits of %s (uid %u) over its %u live session%s; corral.conf rules "
	       "again at the next login or 'corralctl apply'\n", name, (unsigned)u.uid, u.n,
	       u.n == 1 ? "" : "s");
	return EXIT_SUCCESS;
}
