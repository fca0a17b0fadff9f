/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * strays [--config FILE] [USER...]: processes of users corral isolates that
 * run outside any corral session (a cron job or systemd --user started
 * without pam_corral, a session opened before corral was enabled). A process
 * is inside when one of its cgroups lies under corral's root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "corralctl.h"
#include "fd-util.h"
#include "identity.h"
#include "parse-util.h"
#include "policy-load.h"

const char verb_strays_details[] =
	"Lists processes of users corral isolates (per the configuration) that run\n"
	"outside any corral session: a cron job or a systemd --user started without\n"
	"pam_corral, or a session opened before corral was enabled. A process is\n"
	"inside when one of its cgroups lies under corral's cgroup root. With USERs,\n"
	"only theirs. Root only.\n"
	"\n"
	"Options:\n"
	"  --config FILE  the main file (default " CORRAL_CONF_PATH ")\n"
	"\n"
	"Exit status: 0 none found; 1 some found, or an error; 2 usage error.\n";

#define UID_CACHE 256

struct strays {
	const char *config;
	char **users;
	int n_users;
	struct { uid_t uid; bool isolated; char root[64]; } cache[UID_CACHE];
	unsigned n_cache;
	unsigned found;
};

/* Whether corral isolates uid (not exempt), and its cgroup root; cached per uid. */
static int lookup(struct strays *s, uid_t uid, bool *ret_isolated, const char **ret_root)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct passwd *pw;
	struct identity id;
	struct policy pol;
	unsigned i;

	for (i = 0; i < s->n_cache; i++)
		if (s->cache[i].uid == uid)
			goto found;
	if (s->n_cache == UID_CACHE)
		return -E2BIG;
	i = s->n_cache++;
	s->cache[i].uid = uid;
	s->cache[i].isolated = false;
	pw = getpwuid(uid);
	if (pw && identity_resolve(pw->pw_name, &id, &err) >= 0 &&
	    policy_load(s->config, &id, &pol, &err) >= 0) {
		s->cache[i].isolated = !pol.exempt;
		(void)snprintf(s->cache[i].root, sizeof(s->cache[i].root), "%s", pol.cgroup_root);
	}
found:
	*ret_isolated = s->cache[i].isolated;
	*ret_root = s->cache[i].root;
	return 0;
}

static bool wanted(const struct strays *s, uid_t uid)
{
	struct passwd *pw;

	if (s->n_users == 0)
		return true;
	pw = getpwuid(uid);
	for (int i = 0; pw && i < s->n_users; i++)
		if (streq(s->users[i], pw->pw_name))
			return true;
	return false;
}

static int read_proc(pid_t pid, const char *file, char **ret)
{
	struct corral_err err = CORRAL_ERR_INIT;
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return fd_read_file_at(AT_FDCWD, path, 65536, ret, NULL, &err);
}

/* "4:memory:/corral/1001/abc" -> inside when a path starts with /ROOT/. */
static bool in_corral(const char *cgroups, const char *root)
{
	size_t n = strlen(root);

	for (const char *l = cgroups; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = strchr(l, ':') ? strchr(strchr(l, ':') + 1, ':') : NULL;

		if (p && p[1] == '/' && strncmp(p + 2, root, n) == 0 && p[2 + n] == '/')
			return true;
	}
	return false;
}

static void check_pid(struct strays *s, pid_t pid)
{
	_cleanup_free_ char *status = NULL, *cgroups = NULL, *cmd = NULL;
	const char *root, *u;
	bool isolated;
	uid_t uid;

	/* sscanf: the kernel writes the real uid in decimal. */
	if (read_proc(pid, "status", &status) < 0 || !(u = strstr(status, "\nUid:\t")) ||
	    sscanf(u, "\nUid:\t%u", &uid) != 1 || !wanted(s, uid)) /* NOLINT(cert-err34-c) */
		return;
	/* An exited process has left its cgroups (v1 shows "/"): not a stray, just a zombie. */
	if (strstr(status, "\nState:\tZ") || strstr(status, "\nState:\tX"))
		return;
	if (lookup(s, uid, &isolated, &root) < 0 || !isolated)
		return;
	if (read_proc(pid, "cgroup", &cgroups) < 0 || in_corral(cgroups, root))
		return;
	if (read_proc(pid, "comm", &cmd) < 0)
		return;
	cmd[strcspn(cmd, "\n")] = '\0';
	printf("%-8d %-16s ", (int)pid, getpwuid(uid) ? getpwuid(uid)->pw_name : "?");
	print_safe(stdout, cmd);
	putchar('\n');
	s->found++;
}

int verb_strays(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' }, {} };
	struct strays *s = calloc(1, sizeof(*s));
	struct dirent *de;
	DIR *d;
	int c, rc;

	if (!s)
		return EXIT_FAILURE;
	s->config = CORRAL_CONF_PATH;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'c') {
			free(s);
			return option_error(c, argv);
		}
		s->config = optarg;
	}
	s->users = argv + optind;
	s->n_users = argc - optind;
	d = opendir("/proc");
	if (!d) {
		free(s);
		return EXIT_FAILURE;
	}
	printf("%-8s %-16s %s\n", "PID", "USER", "COMMAND");
	while ((de = readdir(d))) {
		pid_t pid;

		if (parse_pid(de->d_name, &pid) == 0)
			check_pid(s, pid);
	}
	(void)closedir(d);
	rc = s->found ? EXIT_FAILURE : EXIT_SUCCESS;	/* like grep: 1 when something was found */
	free(s);
	return rc;
}
