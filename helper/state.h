/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define SESSION_ID_LEN 16

/*
 * Runtime state: RUN_DIR/sessions/<uid>/<session id>, in root-owned 0700
 * directories created and verified fd by fd (bubblewrap CVE-2019-12439: no
 * predictable names in a world-writable place). Names are numeric uids and
 * random ids only, never user names (linux-pam #999).
 */
struct session_state {
	char id[SESSION_ID_LEN + 1];
	uid_t uid;
	char user[256];
	char service[128];
	char tty[128];
	char rhost[256];
	pid_t init_pid;
	uint64_t pidns;		/* inode of the session's PID namespace */
	/*
	 * scope = user: this namespace set is the user's, joined by every login
	 * (helper/login.c); ending once its last login closed and it is being
	 * ended, so that no new login joins it.
	 */
	bool scope_user;
	bool ending;
	/* private_tmp = user: its /tmp, /var/tmp and /dev/shm are the user's, for the next session to share. */
	bool tmp_user;
	/*
	 * A login record of a scope = user set (file "<set>.<id>" beside the
	 * set's): the set's id, and the PAM application, by pid and start time
	 * (field 22 of /proc/PID/stat), so a recycled pid is not taken for it.
	 */
	char set[SESSION_ID_LEN + 1];
	pid_t app_pid;
	uint64_t app_start;
	uint64_t started;	/* seconds since the epoch */
	bool kill_on_logout;
	uint64_t kill_grace_ms;
	char cgroup_root[64];	/* [global] cgroup_root when the session was made */
	char app_cgroups[1024];	/* /proc/PID/cgroup of the PAM application before it moved */
	/*
	 * The policy's limits when the session opened, one "KEY VALUE" line each
	 * as the configuration spells them ("memory_max 2G"): what the helper
	 * wrote into the user's cgroup, for `corralctl status` inside a session,
	 * where the cgroup namespace hides the user's cgroup.
	 */
	char limits[1024];
};

int state_new_id(char ret[SESSION_ID_LEN + 1], struct corral_err *err);
bool state_valid_id(const char *id);
/* Open (creating as needed) RUN_DIR/sessions; with uid != -1 also ensure sessions/<uid>. */
int state_open_dir(uid_t uid, int *ret_fd, struct corral_err *err);
/* The state file, then its PID namespace index entry (s->pidns); under the lock. */
int state_write(int dirfd, const struct session_state *s, struct corral_err *err);
/* Replace the state file of a live session (corralctl limits updates s->limits). */
int state_rewrite(int dirfd, const struct session_state *s, struct corral_err *err);
int state_read(int dirfd, uid_t uid, const char *id, struct session_state *ret,
	       struct corral_err *err);
/* The same, from sessions/<uid> opened by the caller (no path is resolved but the id). */
int state_read_user(int user_dirfd, uid_t uid, const char *id, struct session_state *ret,
		    struct corral_err *err);
/* The text of a state file (cut up in place), which must describe session id of uid. */
int state_parse(char *text, const char *path, uid_t uid, const char *id,
		struct session_state *ret, struct corral_err *err);
/*
 * Serialize opens host-wide (RUN_DIR/sessions/.lock): counting sessions for
 * max_sessions, writing the PID namespace index and removing leftover cgroups
 * must not race another open.
 */
int state_lock(int dirfd, int *ret_fd, struct corral_err *err);
/*
 * Whether every user's leftovers are due for collection: the last collection
 * was interval_s ago or more, or the clock went back. If so, now is recorded as
 * the last one: the mtime of the lock file (held by the caller, root's alone,
 * and never written otherwise).
 */
bool state_gc_due(int lock_fd, unsigned interval_s);
/*
 * The live session whose PID namespace has inode pidns, through the index
 * sessions/.pidns/<inode> that state_write() adds: 1 with ret filled, 0 if
 * none. Under the lock: an entry left dangling by a killed init is removed.
 */
int state_find_pidns(int dirfd, uint64_t pidns, struct session_state *ret,
		     struct corral_err *err);
/*
 * Remove the index entry of pidns: only under the lock, or while that
 * namespace lives (its inode number is reused once it is freed).
 */
void state_unindex(int dirfd, uint64_t pidns);
/*
 * The number of live sessions of uid. A session is live while its state file
 * exists and its init runs; the state of one whose init is gone without a
 * logout (killed by root or the OOM killer) is removed on the way. Under the lock.
 */
int state_count(int dirfd, uid_t uid, unsigned *ret, struct corral_err *err);
/*
 * The number of live logins of uid, for max_sessions: a session of scope =
 * session is one, a scope = user set as many as its login records whose
 * application runs (the others are removed on the way). Under the lock.
 */
int state_count_logins(int dirfd, uid_t uid, unsigned *ret, struct corral_err *err);
/* The same for one scope = user set (when its logins cannot be listed: 1). */
unsigned state_count_set_logins(int dirfd, const struct session_state *set);
/* The start time of pid (field 22 of /proc/PID/stat): with the pid, a process's identity. */
int state_proc_start(pid_t pid, uint64_t *ret);
/* Whether the PAM application of login record l runs (same pid, same start time); when unsure, yes. */
bool state_app_alive(const struct session_state *l);
/*
 * Whether the init s recorded still runs: the same pid in the same PID
 * namespace, not a zombie. When unsure, alive.
 */
bool state_init_alive(const struct session_state *s);
/*
 * The first session of uid, in directory order, whose init runs, that is not
 * ending and for which want() holds: 1 and *ret filled, 0 when there is none
 * (or no directory of uid), negative errno when the directory cannot be
 * listed. Unreadable state files are passed over.
 */
int state_find_live(int sessions_fd, uid_t uid, bool (*want)(const struct session_state *s),
		    struct session_state *ret, struct corral_err *err);
/* Whether session id of uid is live, as state_count() counts it (and reaps). */
bool state_live(int dirfd, uid_t uid, const char *id);
/* The state file of session id, and the files beside it named "<id>.*" (helper/login.c). */
void state_remove(int dirfd, uid_t uid, const char *id);
/* The file "<uid>/<name>" (a login record), read like a state file describing session id. */
int state_read_name(int dirfd, uid_t uid, const char *name, const char *id,
		    struct session_state *ret, struct corral_err *err);
/* sessions/<uid>, to list; NULL with errno set (ENOENT: the user has no session). */
DIR *state_opendir_user(int sessions_fd, uid_t uid);
/* Whether name is a login record of set: "<set>.<login id>" (login.h). */
bool state_login_name(const char *name, const char *set);
/* The same, from sessions/<uid> opened by the caller. */
int state_read_name_at(int user_dirfd, const char *name, uid_t uid, const char *id,
		       struct session_state *ret, struct corral_err *err);
/* Write s as "<uid>/<name>" (a login record): no index entry. */
int state_write_name(int dirfd, const struct session_state *s, const char *name,
		     struct corral_err *err);
