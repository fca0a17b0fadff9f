/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * close: the module hands back the init's pidfd it has held since open. We
 * act only when the pidfd names the very init the state file recorded (same
 * pid and same PID namespace inode), so no stale or recycled pid is signalled
 * (CVE-2017-2616, util-linux #4054).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "login.h"
#include "net-veth.h"
#include "proto.h"
#include "session-cgroup.h"
#include "spawn-init.h"
#include "state.h"

/* Not the session's end: see session_end_init(). */
#define END_INIT_WAIT_MS 50

/*
 * The session is found through the pidfd, not through the request: the
 * init's PID namespace inode names its state (sessions/.pidns/INODE), so close
 * needs no NSS lookup and acts only on the very init the state recorded (same
 * pid, same namespace); the request must name that session and user.
 *
 * On success *ret_pidns is the init's PID namespace, held open: while we hold
 * it its inode number cannot go to a newer session's namespace, so removing
 * the index entry of that number (state_unindex()) removes ours.
 * 1: the init is gone: the session ended already.
 */
static int find_session(int state_fd, int pidfd, const struct proto_msg *req,
			struct session_state *st, int *ret_pidns, struct corral_err *err)
{
	_cleanup_close_ int ns = -EBADF;
	char path[64];
	struct stat sb;
	pid_t pid;
	int r;

	r = pidfd_get_pid(pidfd, &pid, err);
	if (r == -ESRCH) {
		err_clear(err);
		return 1;
	}
	if (r < 0)
		return r;
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || fstat(ns, &sb) < 0)
		return err_errno(err, -errno, "Failed to open %s", path);
	r = state_find_pidns(state_fd, (uint64_t)sb.st_ino, st, err);
	if (r < 0)
		return r;
	if (r == 0 || st->init_pid != pid)
		return err_set(err, -ESRCH, "pid %d is not the init of a session", (int)pid);
	if (!streq(st->id, proto_str(req, PF_SESSION_ID)) ||
	    !streq(st->user, proto_str(req, PF_USER)))
		return err_set(err, -ESRCH, "The pidfd names session %s of '%s', not %s of '%s'",
			       st->id, st->user, proto_str(req, PF_SESSION_ID),
			       proto_str(req, PF_USER));
	/* Still the same process after the checks: a pidfd cannot be recycled. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		err_clear(err);
		return 1;
	}
	*ret_pidns = TAKE_FD(ns);
	return 0;
}

static int end_session(int pidfd, const struct session_state *st,
		       const struct session_cgroup *cg, struct corral_err *err)
{
	int r;

	if (!st->kill_on_logout) {
		/* The init ends the session once its last process exits. */
		if (syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0) < 0)
			return err_errno(err, -errno, "Failed to notify the session init");
		return 0;
	}
	/*
	 * Entering the session to signal costs two forks: not when its cgroups
	 * show nothing left (the init lives in its init.scope below), as after
	 * most logouts, where the shell and its children have exited already.
	 */
	if (!cg->created || !cg_session_empty(&cg->host, &cg->s)) {
		/* Frozen (corralctl freeze), its processes could not act on the SIGTERM. */
		if (cg->created)
			cg_session_thaw(&cg->host, &cg->s);
		r = session_terminate(pidfd, st->kill_grace_ms, err);
		if (r < 0)
			return r;
	}
	(void)session_end_init(pidfd, END_INIT_WAIT_MS);
	return 0;
}

/*
 * The application goes back to the cgroups it came from, so the session's can
 * be removed; with kill_on_logout what is left in them is killed.
 */
static int end_cgroup(struct session_cgroup *cg, pid_t app, const struct session_state *st,
		      bool before, struct corral_err *err)
{
	int r;

	if (!st->cgroup_root[0])
		return 0;	/* a session from before cgroups */
	if (before) {
		r = session_cgroup_open(cg, st->cgroup_root, st->uid, st->id, err);
		if (r < 0)
			return r;
		/* We were forked inside it too: out with us, or we would kill ourselves. */
		r = session_cgroup_release_app(cg, getpid(), st->app_cgroups, err);
		return r < 0 ? r : session_cgroup_release_app(cg, app, st->app_cgroups, err);
	}
	return st->kill_on_logout ? session_cgroup_end(cg, err) : 0;
}

/*
 * network = veth (recorded with the limits): the pair goes now, not whenever
 * the kernel frees the session's namespace, so the user's next login finds
 * no leftover. Only once the session is ended: kill_on_logout = no keeps it.
 */
static int end_veth(const struct session_state *st, struct corral_err *err)
{
	const char *p = strstr(st->limits, "network veth\n");
	char host[IFNAMSIZ];

	if (!st->kill_on_logout || !p || (p != st->limits && p[-1] != '\n'))
		return 0;
	veth_host_name(st->uid, host);
	return veth_remove(host, err);
}

/*
 * scope = user: the closing login's record goes; its application's cgroups
 * come from it. Under the session lock, against joins: 1 when other logins
 * remain, or the set lingers (the init, told under the lock, ends it once
 * empty, unless a login joins first); 0 when this was the last login and the
 * set is to end, marked ending so that no login joins it meanwhile.
 */
static int close_login(pid_t app, int state_fd, int pidfd, struct session_state *st,
		       struct corral_err *err)
{
	_cleanup_close_ int lock = -EBADF;
	struct session_state l;
	int r;

	r = state_lock(state_fd, &lock, err);
	if (r < 0)
		return r;
	r = login_find_app(state_fd, st, app, &l, err);
	if (r == 0)
		r = err_set(err, -ESRCH, "Set %s has no login of process %d", st->id, (int)app);
	if (r < 0)
		return r;
	login_remove(state_fd, &l);
	memcpy(st->app_cgroups, l.app_cgroups, sizeof(st->app_cgroups));
	(void)snprintf(st->service, sizeof(st->service), "%s", l.service);
	(void)snprintf(st->tty, sizeof(st->tty), "%s", l.tty);
	(void)snprintf(st->rhost, sizeof(st->rhost), "%s", l.rhost);
	if (state_count_set_logins(state_fd, st) > 0)
		return 1;
	if (!st->kill_on_logout) {
		if (syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0) < 0)
			return err_errno(err, -errno, "Failed to notify the init of set %s", st->id);
		return 1;
	}
	st->ending = true;
	return state_rewrite(state_fd, st, err);
}

/* A login of a set that goes on: only its application (and we) leave the set's cgroups. */
static int close_kept(struct helper *h, const struct session_state *st, struct corral_err *err)
{
	struct session_cgroup cg = { 0 };
	int r;

	r = end_cgroup(&cg, h->peer_pid, st, true, err);
	session_cgroup_done(&cg);
	if (r < 0)
		return r;
	hlog(LOG_INFO,
	     "session closed for user '%s' (uid %u) service=%s tty=%s rhost=%s session=%s "
	     "scope=user init=%d (%s)",
	     st->user, (unsigned)st->uid, st->service, st->tty, st->rhost, st->id,
	     (int)st->init_pid, st->kill_on_logout ? "the set goes on with its other logins" :
	     "linger: the set stays while it has logins or processes");
	return 0;
}

static int close_session(struct helper *h, const struct proto_msg *req, int pidfd,
			 struct corral_err *err)
{
	struct session_cgroup cg = { 0 };
	struct cg_account acct = { 0 };
	char usage[128];
	_cleanup_close_ int state_fd = -EBADF, pidns = -EBADF;
	struct session_state st;
	int r;

	r = state_open_dir((uid_t)-1, &state_fd, err);
	if (r < 0)
		return r;
	r = find_session(state_fd, pidfd, req, &st, &pidns, err);
	if (r == 1) {
		/* The init ended the session already (its last process exited): nothing to do. */
		hlog(LOG_INFO, "session %s of user '%s' had already ended",
		     proto_str(req, PF_SESSION_ID), proto_str(req, PF_USER));
		return 1;
	}
	if (r == 0 && st.scope_user) {
		r = close_login(h->peer_pid, state_fd, pidfd, &st, err);
		if (r == 1)
			return close_kept(h, &st, err);
	}
	if (r == 0)
		r = end_cgroup(&cg, h->peer_pid, &st, true, err);
	if (r == 0 && cg.created)
		cg_session_account(&cg.host, &cg.s, &acct);
	if (r == 0)
		r = end_session(pidfd, &st, &cg, err);
	if (r == 0)
		r = end_veth(&st, err);
	if (r == 0)
		r = end_cgroup(&cg, h->peer_pid, &st, false, err);
	session_cgroup_done(&cg);
	/* The init removes both on its way out too, but maybe only after we replied. */
	if (r == 0 && st.kill_on_logout) {
		state_unindex(state_fd, st.pidns);
		state_remove(state_fd, st.uid, st.id);
	}
	if (r < 0)
		return r;
	session_usage_format(&st, &acct, usage, sizeof(usage));
	hlog(LOG_INFO,
	     "session closed for user '%s' (uid %u) service=%s tty=%s rhost=%s session=%s "
	     "init=%d %s%s",
	     st.user, (unsigned)st.uid, st.service, st.tty, st.rhost, st.id, (int)st.init_pid, usage,
	     st.kill_on_logout ? "" : " (kill_on_logout=no: processes left running)");
	return 0;
}

static int reply(int status, const char *msg)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg m;

	proto_init(&m, PROTO_REPLY);
	proto_set_num(&m, PF_STATUS, status);
	(void)proto_set_str(&m, PF_MESSAGE, msg, &err);
	return proto_send(HELPER_SOCK_FD, &m, -EBADF, &err);
}

int verb_close(struct helper *h)
{
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_close_ int pidfd = -EBADF;
	struct proto_msg req;
	int r;

	proto_init(&req, PROTO_REQ_CLOSE);
	r = proto_recv(HELPER_SOCK_FD, &req, &pidfd, HELPER_RECV_TIMEOUT_MS, &err);
	if (r == 0 && (req.kind != PROTO_REQ_CLOSE || pidfd < 0))
		r = err_set(&err, -EBADMSG, "Expected a close request with the init's pidfd");
	if (r == 0)
		r = close_session(h, &req, pidfd, &err);
	if (r > 0)
		r = 0;	/* already ended */
	if (r < 0)
		hlog(LOG_ERR, "Failed to close session %s of user '%s': %s",
		     proto_str(&req, PF_SESSION_ID), proto_str(&req, PF_USER), err.msg);
	(void)reply(r < 0 ? r : 0, r < 0 ? err.msg : "closed");
	return r < 0 ? 1 : 0;
}
