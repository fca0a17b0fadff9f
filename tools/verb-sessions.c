/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list: the live sessions, from corral's state (RUN_DIR/sessions).
 * apply [--config FILE] [USER...]: set the current policy's limits on the
 * cgroups of users who have live sessions now, instead of at their next
 * login. Neither creates anything: no sessions, nothing to do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-policy.h"
#include "config.h"
#include "corralctl.h"
#include "identity.h"
#include "parse-util.h"
#include "policy-load.h"
#include "state.h"

typedef int (*uid_fn)(int sessions_fd, uid_t uid, void *data);

/* Call fn for every uid with a state directory; 0 when there are no sessions at all. */
static int for_each_uid(uid_fn fn, void *data)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct dirent *de;
	int fd, rc = EXIT_SUCCESS;
	DIR *d;

	fd = open(CORRAL_RUN_DIR "/sessions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return EXIT_SUCCESS;
	if (fd < 0 || !(d = fdopendir(dup(fd)))) {
		err_errno(&err, -errno, "Cannot open %s/sessions", CORRAL_RUN_DIR);
		if (fd >= 0)
			(void)close(fd);
		return fail(&err);
	}
	while ((de = readdir(d))) {
		uid_t uid;

		if (parse_uid(de->d_name, &uid) == 0 && fn(fd, uid, data) != EXIT_SUCCESS)
			rc = EXIT_FAILURE;
	}
	(void)closedir(d);
	(void)close(fd);
	return rc;
}

static int list_uid(int sessions_fd, uid_t uid, void *data)
{
	char name[DECIMAL_STR_MAX(uid_t)];
	struct dirent *de;
	int fd;
	DIR *d;

	(void)data;
	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(sessions_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		return EXIT_SUCCESS;	/* the session ended meanwhile */
	while ((de = readdir(d))) {
		struct corral_err err = CORRAL_ERR_INIT;
		struct session_state st;
		char when[32] = "?";
		time_t t;

		if (!state_valid_id(de->d_name) || state_read(sessions_fd, uid, de->d_name, &st, &err) < 0)
			continue;
		t = (time_t)st.started;
		(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("%-16s %-6u %-16s %-8d %-19s %-12s %-10s ", st.user, (unsigned)st.uid, st.id,
		       (int)st.init_pid, when, st.service[0] ? st.service : "-",
		       st.tty[0] ? st.tty : "-");
		print_safe(stdout, st.rhost[0] ? st.rhost : "-");
		putchar('\n');
	}
	(void)closedir(d);
	return EXIT_SUCCESS;
}

int verb_list(int argc, char **argv)
{
	if (argc > 1)
		return usage_error("list takes no arguments, got '%s'", argv[1]);
	printf("%-16s %-6s %-16s %-8s %-19s %-12s %-10s %s\n", "USER", "UID", "SESSION", "INIT",
	       "STARTED", "SERVICE", "TTY", "RHOST");
	return for_each_uid(list_uid, NULL);
}

struct apply_ctx {
	const char *config;
	char **users;		/* NULL: every user with a session */
	int n_users;
};

static bool wanted(const struct apply_ctx *a, const char *name)
{
	if (a->n_users == 0)
		return true;
	for (int i = 0; i < a->n_users; i++)
		if (streq(a->users[i], name))
			return true;
	return false;
}

static int apply_uid(int sessions_fd, uid_t uid, void *data)
{
	const struct apply_ctx *a = data;
	struct corral_err err = CORRAL_ERR_INIT;
	struct passwd *pw = getpwuid(uid);
	struct identity id;
	struct policy pol;
	struct cg_host host;
	struct cg_limits lim;
	int r;

	(void)sessions_fd;
	if (!pw || !wanted(a, pw->pw_name))
		return EXIT_SUCCESS;
	r = identity_resolve(pw->pw_name, &id, &err);
	if (r >= 0)
		r = policy_load(a->config, &id, &pol, &err);
	if (r >= 0 && pol.exempt)
		return EXIT_SUCCESS;
	if (r >= 0)
		r = cg_host_open(pol.cgroup_root, &host, &err);
	if (r >= 0) {
		r = cg_limits_from_policy(&pol, &lim, &err);
		if (r >= 0)
			r = cg_user_prepare(&host, uid, &lim, &err);
		cg_host_close(&host);
	}
	if (r < 0) {
		fprintf(stderr, "corralctl: %s (uid %u): ", pw->pw_name, (unsigned)uid);
		return fail(&err);
	}
	printf("applied the current limits to %s (uid %u)\n", pw->pw_name, (unsigned)uid);
	return EXIT_SUCCESS;
}

int verb_apply(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' }, {} };
	struct apply_ctx a = { .config = CORRAL_CONF_PATH };
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'c')
			return option_error(c, argv);
		if (optarg[0] != '/')
			return usage_error("--config needs an absolute path, got '%s'", optarg);
		a.config = optarg;
	}
	a.users = argv + optind;
	a.n_users = argc - optind;
	if (geteuid() != 0)
		return usage_error("apply writes cgroups: run it as root");
	return for_each_uid(apply_uid, &a);
}
