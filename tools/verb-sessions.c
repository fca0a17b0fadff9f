/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list [--json]: the live sessions, from corral's state (RUN_DIR/sessions),
 * with what each uses now (its cgroups) against its user's caps.
 * apply [--config FILE] [USER...]: set the current policy's limits on the
 * cgroups of users who have live sessions now, instead of at their next
 * login. Neither creates anything: no sessions, nothing to do.
 */
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

const char verb_list_details[] =
	"One row per live session: user, uid, session id, init pid, state (running,\n"
	"or frozen by 'corralctl freeze'), start time, PAM service, terminal, memory\n"
	"in use against the user's memory cap, pids in use against the user's pids\n"
	"cap, CPU time used, network mode and remote host.\n"
	"A figure the host does not count is '-'; 'max' is no cap. A session whose init\n"
	"is gone (killed, or left by a helper killed during an open) is stale: it is\n"
	"not listed, and its state is removed. Also spelt 'ls'. Root only.\n"
	"\n"
	"Options:\n"
	"  --json  one JSON array of objects, keys: session, user, uid, init_pid,\n"
	"          started (seconds since the epoch), service, tty, rhost, network,\n"
	"          scope (session or user), logins (scope user: its live logins),\n"
	"          memory_bytes, memory_max_bytes, pids, pids_max, cpu_seconds,\n"
	"          frozen;\n"
	"          null is no cap, a key left out is not counted on this host\n"
	"\n"
	"Exit status: 0 listed (also with no session); 1 the state cannot be read.\n"
	"\n"
	"Examples:\n"
	"  corralctl list\n"
	"  corralctl list --json | jq '.[] | select(.memory_bytes > 1e9) | .user'\n";

struct list_ctx {
	bool json;
	unsigned n;
	struct cg_host host;
	bool host_open;		/* host is open for host.root */
};

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

/* The live logins of a scope = user set; 0 when they cannot be counted. */
static unsigned logins_of(const struct session_state *st)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;

	if (state_open_dir((uid_t)-1, &fd, &ignored) < 0)
		return 0;
	return state_count_set_logins(fd, st);
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
	printf(",\"scope\":\"%s\"", st->scope_user ? "user" : "session");
	if (st->scope_user)
		printf(",\"logins\":%u", logins_of(st));
	json_num("memory_bytes", u->has_memory, u->memory);
	json_num("memory_max_bytes", u->has_memory_max, u->memory_max);
	json_num("pids", u->has_pids, u->pids);
	json_num("pids_max", u->has_pids_max, u->pids_max);
	if (u->has_cpu)
		printf(",\"cpu_seconds\":%llu.%06llu", (unsigned long long)(u->cpu_usec / 1000000),
		       (unsigned long long)(u->cpu_usec % 1000000));
	if (u->has_frozen)
		printf(",\"frozen\":%s", u->frozen ? "true" : "false");
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
	printf("%-16s %-6u %-16s %-8d %-7s %-19s %-12s %-10s %-15s %-11s %-8s %-8s ", st->user,
	       (unsigned)st->uid, st->id, (int)st->init_pid,
	       !u->has_frozen ? "-" : u->frozen ? "frozen" : "running", when,
	       st->service[0] ? st->service : "-", st->tty[0] ? st->tty : "-", mem, pids, cpu, net);
	print_safe(stdout, st->rhost[0] ? st->rhost : "-");
	putchar('\n');
}

static int list_one(const struct session_state *st, void *data)
{
	struct list_ctx *l = data;
	struct cg_session_now u;
	char netbuf[32];
	const char *net;

	usage_of(l, st, &u);
	net = ctl_network_of(st, netbuf, sizeof(netbuf));
	if (l->json)
		print_json(l, st, &u, net);
	else
		print_row(st, &u, net);
	l->n++;
	return EXIT_SUCCESS;
}

int verb_list(int argc, char **argv)
{
	struct list_ctx l = {};
	int rc;

	if (argc > 2 || (argc == 2 && !streq(argv[1], "--json")))
		return usage_error("list takes only --json, got '%s'", argv[argc - 1]);
	l.json = argc == 2;
	if (need_root("list") < 0)
		return EXIT_FAILURE;
	if (l.json)
		putchar('[');
	else
		printf("%-16s %-6s %-16s %-8s %-7s %-19s %-12s %-10s %-15s %-11s %-8s %-8s %s\n",
		       "USER", "UID", "SESSION", "INIT", "STATE", "STARTED", "SERVICE", "TTY", "MEMORY", "PIDS", "CPU",
		       "NET", "RHOST");
	rc = ctl_for_each_session(list_one, &l);
	if (l.json)
		printf("]\n");
	if (l.host_open)
		cg_host_close(&l.host);
	return rc;
}

const char verb_apply_details[] =
	"Resolves each logged-in user's policy from the configuration now and writes\n"
	"its limits into the user's cgroup, for every user with a live session (or\n"
	"the USERs named): a change to corral.conf then applies without a new login.\n"
	"It also resets what 'corralctl limits' changed. Root only.\n"
	"\n"
	"Options:\n"
	"  --config FILE  the main file (default " CORRAL_CONF_PATH ")\n"
	"\n"
	"Exit status: 0 applied; 1 a bad configuration, or a limit a cgroup refused.\n";

struct apply_ctx {
	const char *config;
	char **users;		/* NULL: every user with a session */
	int n_users;
	bool done_any;
	uid_t done;		/* the last uid applied: the walk visits a uid's sessions together */
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

static int apply_uid(const struct session_state *st, void *data)
{
	struct apply_ctx *a = data;
	struct corral_err err = CORRAL_ERR_INIT;
	uid_t uid = st->uid;
	struct passwd *pw;
	struct identity id;
	struct policy pol;
	struct cg_host host;
	struct cg_limits lim;
	int r;

	if (a->done_any && a->done == uid)
		return EXIT_SUCCESS;
	a->done_any = true;
	a->done = uid;
	pw = getpwuid(uid);
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
	if (r >= 0) {
		char limits[sizeof(st->limits)];

		/* What `corralctl status` inside the sessions shows from now on. */
		(void)policy_format_limits(&pol, limits, sizeof(limits));
		ctl_record_limits(uid, limits);
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
	if (need_root("apply") < 0)
		return EXIT_FAILURE;
	return ctl_for_each_session(apply_uid, &a);
}
