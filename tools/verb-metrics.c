/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metrics [--output FILE]: what corral runs now in the Prometheus text format
 * (0.0.4), for node_exporter's textfile collector. Per user and cgroup root:
 * the live sessions, and what the user's cgroup holds against its caps; per
 * host: the opens the helper counted since boot (helper/counters.c).
 *
 * The format wants each family's samples together, so everything is gathered
 * first: one record per (uid, cgroup root), each cgroup read once, whatever
 * the number of sessions. A user's sessions may carry different roots (the
 * configuration changed while they were logged in); those are different
 * cgroups with different caps, hence the cgroup_root label rather than a sum.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cgroup.h"
#include "corralctl.h"
#include "counters.h"
#include "fd-util.h"
#include "state.h"

const char verb_metrics_details[] =
	"Prints, in the Prometheus text format 0.0.4, per user with live sessions\n"
	"(labels user, uid, cgroup_root): corral_user_sessions, corral_user_memory_bytes,\n"
	"corral_user_memory_max_bytes, corral_user_cpu_seconds_total, corral_user_pids,\n"
	"corral_user_pids_max, corral_user_oom_kills_total; and per host, since boot:\n"
	"corral_sessions_opened_total, corral_sessions_failed_total. A figure the\n"
	"host's cgroups do not count has no sample; +Inf is no cap. Needs root.\n"
	"\n"
	"Options:\n"
	"  --output FILE  write FILE (an absolute path) whole: a temporary file beside\n"
	"                 it, mode 0644, renamed over it, as node_exporter's textfile\n"
	"                 collector wants\n"
	"\n"
	"Example (cron, every minute):\n"
	"  * * * * * root corralctl metrics --output /var/lib/prometheus/node-exporter/corral.prom\n";

#define VALUE_MAX 32

struct user_rec {
	uid_t uid;
	char user[256];
	char root[CG_NAME_MAX];
	unsigned sessions;
	bool has_now;
	struct cg_user_now now;
};

struct metrics {
	struct user_rec *u;
	size_t n, cap;
};

static void metrics_done(struct metrics *m)
{
	free(m->u);
}

enum family {
	FAM_SESSIONS,
	FAM_MEMORY,
	FAM_MEMORY_MAX,
	FAM_CPU,
	FAM_PIDS,
	FAM_PIDS_MAX,
	FAM_OOM_KILLS,
	_FAM_MAX,
};

static const struct {
	const char *name, *type, *help;
} families[_FAM_MAX] = {
	[FAM_SESSIONS] = { "corral_user_sessions", "gauge", "Live corral sessions of the user." },
	[FAM_MEMORY] = { "corral_user_memory_bytes", "gauge",
			 "Memory in use in the user's cgroup, over all of the user's sessions." },
	[FAM_MEMORY_MAX] = { "corral_user_memory_max_bytes", "gauge",
			     "The user's memory cap, over all of the user's sessions (+Inf: none)." },
	[FAM_CPU] = { "corral_user_cpu_seconds_total", "counter",
		      "CPU time used in the user's cgroup since it was made (absent where the "
		      "host does not count it: cgroup v1 without cpuacct mounted with cpu)." },
	[FAM_PIDS] = { "corral_user_pids", "gauge", "Tasks in the user's cgroup." },
	[FAM_PIDS_MAX] = { "corral_user_pids_max", "gauge",
			   "The user's cap on tasks, over all of the user's sessions (+Inf: none)." },
	[FAM_OOM_KILLS] = { "corral_user_oom_kills_total", "counter",
			    "Processes of the user's sessions killed by the OOM killer (cgroup "
			    "v1: of the sessions live now only)." },
};

static int add_session(const struct session_state *st, void *data)
{
	struct metrics *m = data;
	struct user_rec *r;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct user_rec *u = reallocarray(m->u, cap, sizeof(*u));

		if (!u) {
			fprintf(stderr, "corralctl: out of memory\n");
			return EXIT_FAILURE;
		}
		m->u = u;
		m->cap = cap;
	}
	r = &m->u[m->n++];
	*r = (struct user_rec){ .uid = st->uid, .sessions = 1 };
	(void)snprintf(r->user, sizeof(r->user), "%s", st->user);
	(void)snprintf(r->root, sizeof(r->root), "%s", st->cgroup_root);
	return EXIT_SUCCESS;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct user_rec *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->root, y->root);
}

/* One record per session, sorted, into one per (uid, root): a series is never repeated. */
static void merge_sessions(struct metrics *m)
{
	size_t out = 0;

	if (m->n == 0)
		return;
	qsort(m->u, m->n, sizeof(*m->u), rec_cmp);
	for (size_t i = 0; i < m->n; i++)
		if (out > 0 && rec_cmp(&m->u[out - 1], &m->u[i]) == 0)
			m->u[out - 1].sessions += m->u[i].sessions;
		else
			m->u[out++] = m->u[i];
	m->n = out;
}

/* The records are sorted by uid, so with one root (the usual case) the host is opened once. */
static void read_cgroups(struct metrics *m)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct cg_host host;
	bool host_open = false;

	for (size_t i = 0; i < m->n; i++) {
		struct user_rec *r = &m->u[i];

		if (!r->root[0])
			continue;
		if (host_open && !streq(host.root, r->root)) {
			cg_host_close(&host);
			host_open = false;
		}
		if (!host_open && cg_host_open(r->root, &host, &err) < 0) {
			err_clear(&err);
			continue;
		}
		host_open = true;
		r->has_now = cg_user_now(&host, r->uid, &r->now, &err) == 0;
		err_clear(&err);
	}
	if (host_open)
		cg_host_close(&host);
}

static bool put_u64(char buf[VALUE_MAX], bool has, uint64_t v)
{
	if (has)
		(void)snprintf(buf, VALUE_MAX, "%" PRIu64, v);
	return has;
}

static bool put_cap(char buf[VALUE_MAX], bool has, uint64_t v)
{
	if (has && v == CG_UNLIMITED)
		(void)snprintf(buf, VALUE_MAX, "+Inf");
	else if (has)
		(void)snprintf(buf, VALUE_MAX, "%" PRIu64, v);
	return has;
}

static bool put_seconds(char buf[VALUE_MAX], bool has, uint64_t usec)
{
	if (has)
		(void)snprintf(buf, VALUE_MAX, "%" PRIu64 ".%06" PRIu64, usec / 1000000,
			       usec % 1000000);
	return has;
}

/* The value of r's sample of family f, or false when there is none (not counted here). */
static bool value_of(const struct user_rec *r, enum family f, char buf[VALUE_MAX])
{
	const struct cg_user_now *n = &r->now;
	bool has = r->has_now;

	switch (f) {
	case FAM_SESSIONS:
		return put_u64(buf, true, r->sessions);
	case FAM_MEMORY:
		return put_u64(buf, has && n->has_memory, n->memory);
	case FAM_MEMORY_MAX:
		return put_cap(buf, has && n->has_memory_max, n->memory_max);
	case FAM_CPU:
		return put_seconds(buf, has && n->has_cpu, n->cpu_usec);
	case FAM_PIDS:
		return put_u64(buf, has && n->has_pids, n->pids);
	case FAM_PIDS_MAX:
		return put_cap(buf, has && n->has_pids_max, n->pids_max);
	case FAM_OOM_KILLS:
		return put_u64(buf, has && n->has_oom_kills, n->oom_kills);
	case _FAM_MAX:
		break;
	}
	return false;
}

/* Length of the well-formed UTF-8 sequence at p (no overlong form, no surrogate), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * A label value as the format wants it: \\, \" and \n escaped, and UTF-8 only,
 * since one bad byte (a user name from NSS may hold anything) would make the
 * scraper drop the whole file: a byte that is not is written as U+FFFD.
 */
static void put_label_value(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			(void)fputs("\\n", f);
		else if (n == 0)
			(void)fputs("\xef\xbf\xbd", f);
		else
			(void)fwrite(p, 1, n, f);
		p += n ? n : 1;
	}
}

static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void print_family(FILE *f, const struct metrics *m, enum family fam)
{
	const char *name = families[fam].name;

	put_header(f, name, families[fam].type, families[fam].help);
	for (size_t i = 0; i < m->n; i++) {
		char v[VALUE_MAX];

		if (!value_of(&m->u[i], fam, v))
			continue;
		fprintf(f, "%s{user=\"", name);
		put_label_value(f, m->u[i].user);
		fprintf(f, "\",uid=\"%u\",cgroup_root=\"", (unsigned)m->u[i].uid);
		put_label_value(f, m->u[i].root);
		fprintf(f, "\"} %s\n", v);
	}
}

static int read_counters(struct counters *ret, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = ctl_open_sessions(&fd, err);
	if (r == 0 && fd < 0) {
		*ret = (struct counters){};	/* no open since boot */
		return 0;
	}
	return r < 0 ? r : counters_read(fd, ret, err);
}

static void print_counters(FILE *f, const struct counters *c)
{
	put_header(f, "corral_sessions_opened_total", "counter",
		   "Logins that got a corral session, since boot.");
	fprintf(f, "corral_sessions_opened_total %" PRIu64 "\n", c->v[COUNTER_OPENED]);
	put_header(f, "corral_sessions_failed_total", "counter",
		   "Logins that did not get a corral session: refused by policy (max_sessions) "
		   "or failed, since boot.");
	fprintf(f, "corral_sessions_failed_total %" PRIu64 "\n", c->v[COUNTER_FAILED]);
}

/*
 * FILE is replaced whole by rename, so the collector never reads half of it.
 * Runs at once (an overlapping cron job) take turns on a lock on the
 * directory: otherwise one could remove the temporary file the other writes.
 */
static int write_output(const char *path, const char *buf, size_t len, struct corral_err *err)
{
	const char *slash = strrchr(path, '/'), *name;
	char tmp[NAME_MAX + 1];
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -EBADF;

	if (!slash)	/* parse_options() let only absolute paths through */
		return err_set(err, -EINVAL, "'%s' is not an absolute path", path);
	name = slash + 1;
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return err_set(err, -ENOMEM, "Out of memory");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(err, -errno, "Cannot open directory %s", dir);
	while (flock(dfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_errno(err, -errno, "Cannot lock directory %s", dir);
	/* fd_write_file_atomic_at()'s temporary name, left behind by a run that was killed. */
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) < sizeof(tmp))
		(void)unlinkat(dfd, tmp, 0);
	return fd_write_file_atomic_at(dfd, name, buf, len, 0644, err);
}

static int parse_options(int argc, char **argv, const char **ret_output)
{
	enum { ARG_OUTPUT = 0x100 };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, ARG_OUTPUT },
		{}
	};
	const char *base;
	int c;

	while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		if (c != ARG_OUTPUT)
			return option_error(c, argv);
		if (optarg[0] != '/')
			return usage_error("--output needs an absolute path, got '%s'", optarg);
		base = strrchr(optarg, '/');
		if (!base[1] || streq(base + 1, ".") || streq(base + 1, ".."))
			return usage_error("--output needs a file name, got '%s'", optarg);
		*ret_output = optarg;
	}
	if (optind < argc)
		return usage_error("metrics takes no argument, got '%s'", argv[optind]);
	return 0;
}

static int render(const struct metrics *m, const struct counters *c, char **ret,
		  size_t *ret_len)
{
	FILE *f = open_memstream(ret, ret_len);

	if (!f)
		return -errno;
	for (int fam = 0; fam < _FAM_MAX; fam++)
		print_family(f, m, (enum family)fam);
	print_counters(f, c);
	return fclose(f) == 0 ? 0 : -errno;
}

int verb_metrics(int argc, char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	const char *output = NULL;
	_cleanup_(metrics_done) struct metrics m = {};
	_cleanup_free_ char *text = NULL;
	struct counters c;
	size_t len = 0;
	int r;

	r = parse_options(argc, argv, &output);
	if (r != 0)
		return r;
	if (need_root("metrics") < 0)
		return EXIT_FAILURE;
	/* Half the figures would read as users gone: write nothing rather than that. */
	r = ctl_for_each_session(add_session, &m);
	if (r != EXIT_SUCCESS)
		return r;
	if (read_counters(&c, &err) < 0)
		return fail(&err);
	merge_sessions(&m);
	read_cgroups(&m);
	r = render(&m, &c, &text, &len);
	if (r < 0) {
		(void)err_errno(&err, r, "Cannot format the metrics");
		return fail(&err);
	}
	if (output)
		return write_output(output, text, len, &err) < 0 ? fail(&err) : EXIT_SUCCESS;
	(void)fwrite(text, 1, len, stdout);
	return EXIT_SUCCESS;
}
