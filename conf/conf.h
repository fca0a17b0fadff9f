/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The policy layer: /etc/corral/corral.conf plus drop-ins, on iniparser, with a
 * strict schema. Pure: no NSS lookups (the caller answers group membership
 * through a callback), no logging, no exit(). Errors name file, line, section
 * and key: "corral.conf.d/50-lab.conf:12: [group:students] kill_grace: '5q' is
 * not a duration (use 5, 5s, 250ms or 2m)".
 *
 * Precedence (later wins): built-in defaults < [defaults] < every matching
 * [group:NAME] < [user:NAME]. Within one layer, files are read main file
 * first, then drop-ins in lexical order, and sections in file order.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ipv4-pool.h"

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 64
#endif

/* The longest user or group name the configuration accepts ([user:NAME], exempt lists). */
#define CONF_NAME_MAX 255

struct conf;

struct conf_source {
	const char *main_path;	/* the main file; must exist */
	const char *dropin_dir;	/* NULL: main_path + ".d"; a missing directory is fine */
	/*
	 * Require the file, the drop-in directory and every ancestor directory to
	 * be owned by root and not writable by group or others (the helper and
	 * the module always set this; unit tests running unprivileged do not).
	 */
	bool check_owner;
};

enum on_error {
	ON_ERROR_DENY,
	ON_ERROR_ALLOW,
	_ON_ERROR_MAX,
};

/* The session's network. */
enum policy_network {
	NETWORK_HOST,			/* the host's network namespace */
	NETWORK_LOOPBACK,		/* a fresh one whose only interface, lo, is up */
	NETWORK_VETH,			/* a fresh one, and a veth pair to network_bridge */
	_NETWORK_MAX,
};

/*
 * What one namespace set belongs to ("VPS mode" is scope = user). Not enum
 * key_scope of conf-internal.h, which says in which sections a key may stand.
 */
enum policy_scope {
	POLICY_SCOPE_SESSION,		/* every login creates a set of its own */
	POLICY_SCOPE_USER,		/* the first login creates it, later ones join */
	_POLICY_SCOPE_MAX,
};

/* Whether /tmp, /var/tmp and /dev/shm are tmpfs instances of the session's own. */
enum private_tmp {
	PRIVATE_TMP_NO,			/* the host's */
	PRIVATE_TMP_SESSION,		/* one set per namespace set */
	PRIVATE_TMP_USER,		/* one set shared by all of the user's sessions */
	_PRIVATE_TMP_MAX,
};

/* What the session's /proc/meminfo, /proc/cpuinfo... show (helper/proc-view.h). */
enum policy_proc_view {
	PROC_VIEW_HOST,			/* the kernel's: the whole host */
	PROC_VIEW_LXCFS,		/* LXCFS's: the session's cgroup limits and usage */
	_PROC_VIEW_KIND_MAX,
};

/*
 * policy_format_limits() records the keys from POLICY_MEMORY_MAX on into the
 * session's state, and corralctl limits reads them back from there: a key
 * that is not to be recorded goes before POLICY_MEMORY_MAX.
 */
enum policy_key {
	POLICY_HOSTNAME,
	POLICY_KILL_ON_LOGOUT,
	POLICY_KILL_GRACE,
	POLICY_ON_ERROR,
	POLICY_SCOPE,
	POLICY_LINGER,
	POLICY_PRIVATE_TMP,
	POLICY_TMP_SIZE,
	POLICY_PROC_VIEW,
	POLICY_MEMORY_MAX,		/* the limit keys, in enum limit_key order */
	POLICY_MEMORY_HIGH,
	POLICY_MEMORY_SWAP_MAX,
	POLICY_CPU_MAX,
	POLICY_CPU_WEIGHT,
	POLICY_PIDS_MAX,
	POLICY_IO_WEIGHT,
	POLICY_MAX_SESSIONS,
	POLICY_IO_MAX,
	POLICY_CPUS,
	POLICY_NETWORK,
	POLICY_NETWORK_BRIDGE,		/* network = veth only, like the two below */
	POLICY_NETWORK_POOL,
	POLICY_NETWORK_BRIDGE_CREATE,
	_POLICY_KEY_MAX,
};

/* The cgroup limits of a user, over all of the user's sessions together. */
enum limit_key {
	LIMIT_MEMORY_MAX,
	LIMIT_MEMORY_HIGH,
	LIMIT_MEMORY_SWAP_MAX,
	LIMIT_CPU_MAX,
	LIMIT_CPU_WEIGHT,
	LIMIT_PIDS_MAX,
	LIMIT_IO_WEIGHT,
	_LIMIT_MAX,
};

#define POLICY_UNLIMITED UINT64_MAX

/*
 * One limit as configured. Memory: bytes, or with percent hundredths of a
 * percent of RAM (the caller knows the RAM). cpu_max: hundredths of a percent
 * of one CPU (15000 = 1.5 CPUs). Weights 1..10000, pids a count.
 * POLICY_UNLIMITED is "max".
 */
struct policy_limit {
	bool set;
	bool percent;
	uint64_t v;
};

/*
 * cpus: the user's cgroup gets a cpuset of v CPUs (struct policy_limit, set),
 * or with POLICY_CPUS_AUTO as many as cpu_max, rounded up. The cgroup layer
 * picks which CPUs (cgroup/cgroup-cpuset.c).
 */
#define POLICY_CPUS_AUTO 0
#define POLICY_CPUS_MAX 8192		/* the kernel's largest NR_CPUS */

/*
 * io_max: bandwidth and IOPS caps per block device. The device is named by a
 * path (a device node, or any file on a filesystem: its backing disk), or by
 * "MAJOR:MINOR"; the cgroup layer resolves it when it applies the limit.
 */
#define POLICY_IO_DEVS_MAX 8
#define POLICY_IO_DEV_NAME_MAX 128

enum io_max_key {
	IO_MAX_RBPS,			/* bytes per second */
	IO_MAX_WBPS,
	IO_MAX_RIOPS,			/* operations per second */
	IO_MAX_WIOPS,
	_IO_MAX_KEY_MAX,
};

struct policy_io_dev {
	char name[POLICY_IO_DEV_NAME_MAX];	/* as written: "/dev/vda", "/home", "254:0" */
	uint64_t v[_IO_MAX_KEY_MAX];		/* POLICY_UNLIMITED: no cap */
};

struct policy_io_max {
	unsigned n;				/* 0: no caps */
	struct policy_io_dev dev[POLICY_IO_DEVS_MAX];
};

/*
 * Room for any value policy_format_value() writes, NUL included. io_max is the
 * longest: per device ", ", the name and " riops=" plus 20 digits per key.
 */
#define POLICY_VALUE_MAX (POLICY_IO_DEVS_MAX * (2 + POLICY_IO_DEV_NAME_MAX + _IO_MAX_KEY_MAX * 28))

/* Parse an io_max value; why says what is wrong. Used by the schema and its tests. */
int policy_io_max_parse(const char *s, struct policy_io_max *ret, char *why, size_t why_size);
int policy_io_max_format(const struct policy_io_max *io, char *buf, size_t size);
const char *io_max_key_name(enum io_max_key k);

/* Why a user is exempt, or not. */
enum exempt_by {
	EXEMPT_BY_NONE,			/* not exempt */
	EXEMPT_BY_USER,			/* the user name is listed in exempt_users */
	EXEMPT_BY_GROUP,		/* the user is in a group listed in exempt_groups */
	_EXEMPT_BY_MAX,
};

/* Where a value came from; file NULL means the built-in default. Borrowed from the conf. */
struct policy_origin {
	const char *file;
	unsigned line;
	const char *section;
};

struct policy {
	bool exempt;			/* from [global] exempt_users / exempt_groups */
	char hostname[HOST_NAME_MAX + 1]; /* expanded template; "" keeps the host's name */
	bool kill_on_logout;
	uint64_t kill_grace_ms;
	enum on_error on_error;
	enum policy_scope scope;
	bool linger;			/* scope = user: the set outlives the last login */
	enum private_tmp private_tmp;
	struct policy_limit tmp_size;	/* of each private tmpfs; unset: the kernel's */
	enum policy_proc_view proc_view;
	struct policy_limit limit[_LIMIT_MAX];
	uint64_t max_sessions;		/* concurrent sessions of the user; POLICY_UNLIMITED: no cap */
	struct policy_io_max io_max;
	struct policy_limit cpus;	/* unset: no cpuset; v: a count or POLICY_CPUS_AUTO */
	enum policy_network network;
	char network_bridge[16];	/* IFNAMSIZ; "" unset */
	struct ipv4_net network_pool;	/* prefix 0: unset */
	bool network_bridge_create;
	struct policy_origin origin[_POLICY_KEY_MAX];
	/*
	 * Why exempt is what it is (for corralctl): the list that matched, the name
	 * in it, and where that list was set. EXEMPT_BY_NONE: name "", origin of
	 * exempt_users.
	 */
	enum exempt_by exempt_by;
	char exempt_name[CONF_NAME_MAX + 1];
	struct policy_origin exempt_origin;
	char cgroup_root[64];		/* [global] cgroup_root */
};

struct conf_subject {
	const char *user;		/* the login name, case-sensitive */
	uid_t uid;
	const char *host;		/* the host's short name, for %h */
	/* True when the user belongs (primary or supplementary) to group `name`. */
	bool (*in_group)(const char *name, void *userdata);
	void *userdata;
};

int conf_load(const struct conf_source *src, struct conf **ret, struct corral_err *err);
struct conf *conf_free(struct conf *c);
static inline void conf_freep(struct conf **c)
{
	*c = conf_free(*c);
}

int conf_resolve(const struct conf *c, const struct conf_subject *who, struct policy *ret,
		 struct corral_err *err);

const char *policy_key_name(enum policy_key k);
/*
 * Set policy key to value in p as a [user:NAME] line would (the same parser;
 * the message names the key, there is no file): for corralctl limits. who
 * expands the hostname template.
 */
int policy_set_value(struct policy *p, const char *key, const char *value,
		     const struct conf_subject *who, struct corral_err *err);
/*
 * Every limit and cap of p that is set (the keys from memory_max on), one
 * "KEY VALUE" line each as the configuration spells them ("memory_max 50%");
 * a line that does not fit is left out whole.
 */
int policy_format_limits(const struct policy *p, char *buf, size_t size);
/* The value of key k of p as the config spells it ("yes", "5s", "deny", ...). */
int policy_format_value(const struct policy *p, enum policy_key k, char *buf, size_t size);
const char *on_error_to_string(enum on_error e);
const char *network_to_string(enum policy_network n);
const char *scope_to_string(enum policy_scope s);
const char *private_tmp_to_string(enum private_tmp t);
const char *proc_view_to_string(enum policy_proc_view v);
