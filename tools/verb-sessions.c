/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list [--json]: the live sessions, from corral's state (RUN_DIR/sessions),
 * with what each uses now (its cgroups) against its user's caps.
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
#include "cgroup.h"
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

struct list_ctx {
	bool json;
	unsigned n;
	struct cg_host host;
	bool host_open;		/* host is open for host.root */
};

/* The session's network mode, from the limits it recorded ("network loopback"). */
static const char *network_of(const struct session_state *st, char *buf, size_t size)
{
	const char *p = strstr(st->limits, "network ");

	if (!p || (p != st->limits && p[-1] != '\n'))
		return "host";
	(void)snprintf(buf, size, "%.*s", (int)strcspn(p + 8, "\n"), p + 8);
	return buf;
}

/* The usage of st's session; all has_ flags false when its cgroups cannot be read. */
static void usage_of(struct list_ctx *l, const struct session_state *st,
		     struct cg_session_now *ret)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct cg_session s;

	*ret = (struct cg_session_now){};
	if (!st->cgroup_root[0])
		return;
	if (l->host_open && !streq(l->host.root, st->cgroup_root)) {
		cg_host_close(&l->host);
		l->host_open = false;
	}
	if (!l->host_open && cg_host_open(st->cgroup_root, &l->host, &err) < 0)
		return;
	l->host_open = true;
	if (cg_session_open(&l->host, st->uid, st->id, &s, &err) < 0)
		return;
	cg_session_now(&l->host, &s, ret);
	cg_session_close(&s);
}

/* A JSON string: quotes, backslashes, control and non-ASCII bytes escaped. */
static void json_str(const char *key, const char *v)
{
	printf("\"%s\":\"", key);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	putchar('"');
}

/* ,"key":N, or "key":null for no cap; nothing when the host does not count it. */
static void json_num(const char *key, bool has, uint64_t v)
{
	if (!has)
		return;
	if (v == CG_UNLIMITED)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%llu", key, (unsigned long long)v);
}

static void print_json(const struct list_ctx *l, const struct session_state *st,
		       const struct cg_session_now *u, const char *net)
{
	printf("%s{", l->n ? ",\n " : "");
	json_str("session", st->id);
	putchar(',');
	json_str("user", st->user);
	printf(",\"uid\":%u,\"init_pid\":%d,\"started\":%llu,", (unsigned)st->uid,
	       (int)st->init_pid, (unsigned long long)st->started);
	json_str("service", st->service);
	putchar(',');
	json_str("tty", st->tty);
	putchar(',');
	json_str("rhost", st->rhost);
	putchar(',');
	json_str("network", net);
	json_num("memory_bytes", u->has_memory, u->memory);
	json_num("memory_max_bytes", u->has_memory_max, u->memory_max);
	json_num("pids", u->has_pids, u->pids);
	json_num("pids_max", u->has_pids_max, u->pids_max);
	if (u->has_cpu)
		printf(",\"cpu_seconds\":%llu.%06llu", (unsigned long long)(u->cpu_usec / 1000000),
		       (unsigned long long)(u->cpu_usec % 1000000));
	putchar('}');
}

/* 1.5K, 12.0M, 2.0G: what a terminal column has room for. */
static void human_bytes(char *buf, size_t size, bool has, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (!has) {
		(void)snprintf(buf, size, "-");
		return;
	}
	if (v == CG_UNLIMITED) {
		(void)snprintf(buf, size, "max");
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		(void)snprintf(buf, size, "%lluB", (unsigned long long)v);
	else
		(void)snprintf(buf, size, "%.1f%c", d, units[u]);
}

static void print_row(const struct session_state *st, const struct cg_session_now *u,
		      const char *net)
{
	char when[32] = "?", cur[24], max[24], mem[56], pids[48], cpu[32] = "-";
	time_t t = (time_t)st->started;

	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	human_bytes(cur, sizeof(cur), u->has_memory, u->memory);
	human_bytes(max, sizeof(max), u->has_memory_max, u->memory_max);
	(void)snprintf(mem, sizeof(mem), "%s/%s", cur, max);
	if (u->has_pids_max && u->pids_max != CG_UNLIMITED)
		(void)snprintf(max, sizeof(max), "%llu", (unsigned long long)u->pids_max);
	else
		(void)snprintf(max, sizeof(max), u->has_pids_max ? "max" : "-");
	if (u->has_pids)
		(void)snprintf(pids, sizeof(pids), "%llu/%s", (unsigned long long)u->pids, max);
	else
		(void)snprintf(pids, sizeof(pids), "-/%s", max);
	if (u->has_cpu)
		(void)snprintf(cpu, sizeof(cpu), "%.1fs", (double)u->cpu_usec / 1e6);
	printf("%-16s %-6u %-16s %-8d %-19s %-12s %-10s %-15s %-11s %-8s %-8s ", st->user,
	       (unsigned)st->uid, st->id, (int)st->init_pid, when,
	       st->service[0] ? st->service : "-", st->tty[0] ? st->tty : "-", mem, pids, cpu, net);
	print_safe(stdout, st->rhost[0] ? st->rhost : "-");
	putchar('\n');
}

static int list_uid(int sessions_fd, uid_t uid, void *data)
{
	struct list_ctx *l = data;
	char name[DECIMAL_STR_MAX(uid_t)];
	struct dirent *de;
	int fd;
	DIR *d;

	(void)snprintf(name, sizeof(name), "%u", (unsigned)uid);
	fd = openat(sessions_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		return EXIT_SUCCESS;	/* the session ended meanwhile */
	while ((de = readdir(d))) {
		struct corral_err err = CORRAL_ERR_INIT;
		struct session_state st;
		struct cg_session_now u;
		char netbuf[32];
		const char *net;

		if (!state_valid_id(de->d_name) || state_read(sessions_fd, uid, de->d_name, &st, &err) < 0)
			continue;
		usage_of(l, &st, &u);
		net = network_of(&st, netbuf, sizeof(netbuf));
		if (l->json)
			print_json(l, &st, &u, net);
		else
			print_row(&st, &u, net);
		l->n++;
	}
	(void)closedir(d);
	return EXIT_SUCCESS;
}

int verb_list(int argc, char **argv)
{
	struct list_ctx l = {};
	int rc;

	if (argc > 2 || (argc == 2 && !streq(argv[1], "--json")))
		return usage_error("list takes only --json, got '%s'", argv[argc - 1]);
	l.json = argc == 2;
	if (l.json)
		putchar('[');
	else
		printf("%-16s %-6s %-16s %-8s %-19s %-12s %-10s %-15s %-11s %-8s %-8s %s\n", "USER",
		       "UID", "SESSION", "INIT", "STARTED", "SERVICE", "TTY", "MEMORY", "PIDS", "CPU",
		       "NET", "RHOST");
	rc = for_each_uid(list_uid, &l);
	if (l.json)
		printf("]\n");
	if (l.host_open)
		cg_host_close(&l.host);
	return rc;
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
