/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpus = N: the user's cgroup gets a cpuset of N CPUs, over all of the user's
 * sessions, so what counts CPUs by the affinity mask (sched_getaffinity():
 * nproc, the JVM, OpenMP, Go) sees N in the session, not the host's count.
 *
 * Which CPUs, deterministic and without state (nothing to recover after a
 * crash, the same CPUs at every login): the pool is the CPUs of corral's
 * root cgroup (every online CPU, unless an admin narrowed that cgroup), in
 * ascending order p[0..m-1]; the user with uid u gets n = min(N, m) of them,
 * p[(u * n + j) mod m] for j = 0..n-1, wrapping around. Users with
 * consecutive uids and the same N get adjacent blocks, so they do not all
 * pile onto CPU 0; blocks are disjoint while m / n users fit, and uids m / n
 * apart share one.
 *
 * v2 writes cpuset.cpus of the user's cgroup: the placement, or empty (the
 * parent's CPUs) without cpus, so a removed key takes effect at the next
 * login; the session cgroups inherit it. v1 checks every cpuset against its
 * parent (a subset) and refuses tasks in one without cpus and mems, so every
 * level is written: corral's root and inits filled from their parent when
 * empty, the user's with the placement or the root's whole set, each
 * session's and the user's init.scope with its user's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"
#include "macro.h"

#define BITS 64

bool cg_cpus_has(const struct cg_cpus *c, unsigned cpu)
{
	return cpu < CG_CPUS_MAX && (c->bits[cpu / BITS] >> (cpu % BITS) & 1);
}

static void cpus_add(struct cg_cpus *c, unsigned cpu)
{
	c->bits[cpu / BITS] |= UINT64_C(1) << (cpu % BITS);
}

unsigned cg_cpus_count(const struct cg_cpus *c)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(c->bits); i++)
		n += (unsigned)__builtin_popcountll(c->bits[i]);
	return n;
}

static bool cpus_equal(const struct cg_cpus *a, const struct cg_cpus *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

/* One CPU number at *p: digits, no leading zero, below CG_CPUS_MAX. */
static int parse_cpu(const char **p, unsigned *ret)
{
	const char *s = *p;
	size_t n = strspn(s, "0123456789");
	unsigned v = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v >= CG_CPUS_MAX)
			return -ERANGE;
	}
	*p = s + n;
	*ret = v;
	return 0;
}

/* One "N" or "N-M" at *p, starting at or after min. */
static int parse_range(const char **p, unsigned min, unsigned *ret_lo, unsigned *ret_hi)
{
	unsigned lo, hi;
	int r = parse_cpu(p, &lo);

	if (r < 0)
		return r;
	hi = lo;
	if (**p == '-') {
		(*p)++;
		r = parse_cpu(p, &hi);
		if (r < 0)
			return r;
	}
	if (hi < lo || lo < min)
		return -EINVAL;
	*ret_lo = lo;
	*ret_hi = hi;
	return 0;
}

int cg_cpus_parse(const char *s, struct cg_cpus *ret)
{
	const char *end = s + strlen(s);
	struct cg_cpus c = { 0 };
	unsigned lo, hi, min = 0;
	int r;

	if (end > s && end[-1] == '\n')
		end--;
	while (s < end) {
		r = parse_range(&s, min, &lo, &hi);
		if (r < 0)
			return r;
		/* A ',' between ranges, not after the last. */
		if (s < end && (*s != ',' || ++s == end))
			return -EINVAL;
		for (unsigned cpu = lo; cpu <= hi; cpu++)
			cpus_add(&c, cpu);
		min = hi + 1;
	}
	*ret = c;
	return 0;
}

int cg_cpus_format(const struct cg_cpus *c, char *buf, size_t size)
{
	size_t off = 0;
	int n;

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (unsigned lo = 0; lo < CG_CPUS_MAX; lo++) {
		unsigned hi = lo;

		if (!cg_cpus_has(c, lo))
			continue;
		while (cg_cpus_has(c, hi + 1))
			hi++;
		n = hi == lo ? snprintf(buf + off, size - off, "%s%u", off ? "," : "", lo) :
			       snprintf(buf + off, size - off, "%s%u-%u", off ? "," : "", lo, hi);
		if (n < 0 || (size_t)n >= size - off) {
			buf[off] = '\0';
			return -ENOBUFS;
		}
		off += (size_t)n;
		lo = hi;
	}
	return (int)off;
}

void cg_cpus_place(const struct cg_cpus *pool, uid_t uid, unsigned n, struct cg_cpus *ret)
{
	unsigned m = cg_cpus_count(pool), k = 0, start;
	struct cg_cpus c = { 0 };

	if (m > 0) {
		n = n < m ? n : m;
		/* At most 2^32 * 2^13: no overflow in 64 bits. */
		start = (unsigned)((uint64_t)uid * n % m);
		for (unsigned cpu = 0; cpu < CG_CPUS_MAX; cpu++) {
			if (!cg_cpus_has(pool, cpu))
				continue;
			/* p[k] is taken when k is one of start, start + 1, ... (mod m), n of them. */
			if ((k + m - start) % m < n)
				cpus_add(&c, cpu);
			k++;
		}
	}
	*ret = c;
}

/* A list file of the cgroup (cpuset.cpus, cpuset.mems, ...) as a set. */
static int read_set(int fd, const char *file, struct cg_cpus *ret, struct corral_err *err)
{
	_cleanup_free_ char *buf = malloc(CG_CPULIST_MAX);
	int r;

	if (!buf)
		return err_set(err, -ENOMEM, "Out of memory");
	r = cg_read(fd, file, buf, CG_CPULIST_MAX, err);
	if (r < 0)
		return r;
	if (r >= CG_CPULIST_MAX - 1)
		return err_set(err, -E2BIG, "%s is longer than %d bytes", file, CG_CPULIST_MAX - 1);
	r = cg_cpus_parse(buf, ret);
	if (r < 0)
		return err_set(err, r, "%s is not a list of CPUs: '%.64s'", file, buf);
	return 0;
}

/* Write set into file, unless it holds it already (v1 rebuilds scheduler domains on a write). */
static int write_set(int fd, const char *file, const struct cg_cpus *set, struct corral_err *err)
{
	_cleanup_free_ char *buf = NULL;
	struct cg_cpus cur;
	int r;

	r = read_set(fd, file, &cur, err);
	if (r < 0 || cpus_equal(&cur, set))
		return r;
	buf = malloc(CG_CPULIST_MAX);
	if (!buf)
		return err_set(err, -ENOMEM, "Out of memory");
	r = cg_cpus_format(set, buf, CG_CPULIST_MAX);
	if (r < 0)
		return err_set(err, r, "Too many CPUs to list");
	/* An empty set (v2: the parent's CPUs) is a newline: a write of 0 bytes does nothing. */
	return cg_write(fd, file, r > 0 ? buf : "\n", err);
}

static int fill_from(int parent, int child, const char *file, struct corral_err *err)
{
	struct cg_cpus have, want;
	int r;

	r = read_set(child, file, &have, err);
	if (r < 0 || cg_cpus_count(&have) > 0)
		return r;
	r = read_set(parent, file, &want, err);
	return r < 0 ? r : write_set(child, file, &want, err);
}

int cg1_cpuset_fill(int parent, int child, struct corral_err *err)
{
	int r = fill_from(parent, child, "cpuset.cpus", err);

	return r < 0 ? r : fill_from(parent, child, "cpuset.mems", err);
}

/* Make child's file hold what parent's holds. */
static int copy_from(int parent, int child, const char *file, struct corral_err *err)
{
	struct cg_cpus want;
	int r = read_set(parent, file, &want, err);

	return r < 0 ? r : write_set(child, file, &want, err);
}

int cg1_cpuset_session(int userfd, int sessfd, struct corral_err *err)
{
	int r = copy_from(userfd, sessfd, "cpuset.mems", err);

	if (r >= 0)
		r = copy_from(userfd, sessfd, "cpuset.cpus", err);
	return r < 0 ? err_wrap(err, "cpus") : 0;
}

struct sessions_cpus {
	const struct cg_cpus *want;
	struct corral_err *err;
	int r;
};

static void session_cpus(int userfd, const char *name, void *data)
{
	struct sessions_cpus *w = data;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (w->r < 0)
		return;
	r = cg_dir_open(userfd, name, false, &fd, w->err);
	if (r >= 0)
		r = write_set(fd, "cpuset.cpus", w->want, w->err);
	if (r == -ENOENT || r == -ENODEV) {	/* the session ended meanwhile */
		err_clear(w->err);
		r = 0;
	}
	w->r = r;
}

/*
 * v1: the user's cpuset must hold each session's, and be held by the
 * root's. From one set to another with sessions live: the user's widened to
 * the root's, each session's moved (its processes' affinity with it), then
 * the user's narrowed. A run cut short leaves the user's set unlike want,
 * so the next login does it all again.
 */
static int v1_user_cpus(int userfd, const struct cg_cpus *pool, const struct cg_cpus *want,
			struct corral_err *err)
{
	struct sessions_cpus w = { want, err, 0 };
	struct cg_cpus have;
	int r;

	r = read_set(userfd, "cpuset.cpus", &have, err);
	if (r < 0 || cpus_equal(&have, want))
		return r;
	r = write_set(userfd, "cpuset.cpus", pool, err);
	if (r < 0)
		return r;
	cg_for_each_child(userfd, session_cpus, &w);
	return w.r < 0 ? w.r : write_set(userfd, "cpuset.cpus", want, err);
}

/*
 * v2 without cpus: an empty cpuset.cpus, the parent's CPUs whatever they
 * become. The kernel refuses to empty it while the user's sessions have
 * processes (-ENOSPC): then all of the root's CPUs, written out, until the
 * user's cgroup goes with the last session.
 */
static int v2_user_reset(int userfd, const struct cg_cpus *pool, struct corral_err *err)
{
	struct cg_cpus have;
	int r;

	r = read_set(userfd, "cpuset.cpus", &have, err);
	if (r < 0 || cg_cpus_count(&have) == 0)
		return r;
	r = cg_write(userfd, "cpuset.cpus", "\n", err);
	if (r == -ENOSPC) {
		err_clear(err);
		r = write_set(userfd, "cpuset.cpus", pool, err);
	}
	return r;
}

int cg_cpuset_apply(const struct cg_host *host, unsigned i, int rootfd, int userfd, uid_t uid,
		    const struct cg_limits *lim, struct corral_err *err)
{
	bool v2 = host->h[i].version == 2;
	struct cg_cpus pool, want;
	int r;

	/* v1 checks against cpuset.cpus; v2 gives the user a part of what the root has now. */
	r = read_set(rootfd, v2 ? "cpuset.cpus.effective" : "cpuset.cpus", &pool, err);
	if (r >= 0 && cg_cpus_count(&pool) == 0)
		r = err_set(err, -ENOSPC, "corral's cgroup in %s has no CPUs", host->h[i].mnt);
	if (r < 0)
		return err_wrap(err, "cpus");
	/* More CPUs than the pool has is all of them (cg_cpus_place() clamps). */
	if (lim->set[CG_CPUS])
		cg_cpus_place(&pool, uid, lim->v[CG_CPUS] < CG_CPUS_MAX ?
				  (unsigned)lim->v[CG_CPUS] : CG_CPUS_MAX, &want);
	else
		want = pool;
	if (v2 && lim->set[CG_CPUS])
		r = write_set(userfd, "cpuset.cpus", &want, err);
	else if (v2)
		r = v2_user_reset(userfd, &pool, err);
	else
		r = fill_from(rootfd, userfd, "cpuset.mems", err);
	if (r >= 0 && !v2)
		r = v1_user_cpus(userfd, &pool, &want, err);
	return r < 0 ? err_wrap(err, "cpus") : 0;
}
