/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * open: resolve the user, read the policy ourselves (never from the caller),
 * create the session init in fresh namespaces, record the session, and hand
 * the init's pidfd back so the module can setns() into it.
 * Any failure undoes everything done so far (struct open_txn).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "helper.h"
#include "identity.h"
#include "login.h"
#include "policy-load.h"
#include "proto.h"
#include "session-cgroup.h"
#include "session-tmp.h"
#include "spawn-init.h"
#include "state.h"

/* What a half-made session owns; open_txn_abort() undoes it in reverse order. */
struct open_txn {
	int state_fd;
	int init_pidfd;
	int listen_fd;		/* scope = user: the set's socket, until the init holds it */
	struct session_cgroup cg;
	struct session_state st;
	struct veth_plan veth;	/* network = veth: host[0] once its name is ours to remove */
	bool proc_view;		/* LXCFS's view mounted (proc_view = lxcfs, and one was found) */
};

static void open_txn_abort(struct open_txn *t)
{
	if (t->init_pidfd >= 0) {
		struct corral_err ignored = CORRAL_ERR_INIT;

		(void)session_kill_init(t->init_pidfd, 3000, &ignored);
		t->init_pidfd = close_nointr_keep_errno(t->init_pidfd);
	}
	/* The kernel would, once the namespace is freed: not soon enough for a retry. */
	if (t->veth.host[0]) {
		struct corral_err ignored = CORRAL_ERR_INIT;

		(void)veth_remove(t->veth.host, &ignored);
	}
	t->listen_fd = close_nointr_keep_errno(t->listen_fd);
	session_cgroup_abort(&t->cg);
	/* Even unwritten: the user's directory we may have made must not stay. */
	if (t->state_fd >= 0 && t->st.pidns != 0)
		state_unindex(t->state_fd, t->st.pidns);	/* we hold the lock */
	if (t->state_fd >= 0)
		state_remove(t->state_fd, t->st.uid, t->st.id);
	t->state_fd = close_nointr_keep_errno(t->state_fd);
}

static int copy_request(struct session_state *st, const struct proto_msg *req,
			const struct identity *id, const struct policy *pol)
{
	(void)snprintf(st->user, sizeof(st->user), "%s", id->name);
	(void)snprintf(st->service, sizeof(st->service), "%s", proto_str(req, PF_SERVICE));
	(void)snprintf(st->tty, sizeof(st->tty), "%s", proto_str(req, PF_TTY));
	(void)snprintf(st->rhost, sizeof(st->rhost), "%s", proto_str(req, PF_RHOST));
	st->uid = id->uid;
	st->started = (uint64_t)time(NULL);
	/* A user's set ends with its last login unless it lingers; kill_on_logout is the sessions'. */
	st->scope_user = pol->scope == POLICY_SCOPE_USER;
	st->kill_on_logout = st->scope_user ? !pol->linger : pol->kill_on_logout;
	st->kill_grace_ms = pol->kill_grace_ms;
	(void)policy_format_limits(pol, st->limits, sizeof(st->limits));
	return 0;
}

/*
 * proc_view = lxcfs: LXCFS's files, opened here in the host's namespace. A
 * session without them is still isolated, so on_error = allow carries on
 * with the host's /proc and says so; deny refuses the login. *ret stays NULL
 * then.
 */
static int open_proc_view(const struct policy *pol, const char *user, struct proc_view *pv,
			  const struct proc_view **ret, struct corral_err *err)
{
	int r;

	r = proc_view_open(NULL, pv, err);
	if (r == 0) {
		*ret = pv;
		return 0;
	}
	if (pol->on_error != ON_ERROR_ALLOW)
		return err_wrap(err, "proc_view = lxcfs");
	hlog(LOG_WARNING, "proc_view = lxcfs: %s; user '%s' sees the host's /proc (on_error = allow)",
	     err->msg, user);
	err_clear(err);
	return 0;
}

static int spawn(struct helper *h, struct open_txn *t, const struct policy *pol,
		 struct corral_err *err)
{
	_cleanup_close_ int app = -EBADF;
	struct private_tmp_spec tmp;
	struct proc_view pv = PROC_VIEW_INIT;
	int cg_fds[INIT_CG_FDS_MAX];
	unsigned n_cg_fds = 0;
	struct init_spec spec = {
		.init_path = h->init_path,
		.uid = t->st.uid,
		.session_id = t->st.id,
		.hostname = pol->hostname,
		.kill_on_abandon = t->st.kill_on_logout,	/* scope = user: !linger */
		.net_loopback = pol->network == NETWORK_LOOPBACK,
		.veth = pol->network == NETWORK_VETH ? &t->veth : NULL,
		.state_fd = t->state_fd,
		.cg_host = &t->cg.host,
		.cg_session = &t->cg.s,
		.cg_root_fds = cg_fds,
		.listen_fd = -EBADF,
	};
	int r;

	app = (int)syscall(SYS_pidfd_open, h->peer_pid, 0);
	if (app < 0)
		return err_errno(err, -errno, "Failed to open a pidfd for the PAM application");
	spec.app_pidfd = app;
	if (t->st.scope_user) {
		r = login_listen(t->state_fd, t->st.uid, t->st.id, &t->listen_fd, err);
		if (r < 0)
			return r;
		spec.listen_fd = t->listen_fd;
	}
	if (pol->private_tmp != PRIVATE_TMP_NO) {
		r = session_tmp_prepare(t->state_fd, t->st.uid, pol, &tmp, err);
		if (r < 0)
			return r;
		spec.tmp = &tmp;
		t->st.tmp_user = pol->private_tmp == PRIVATE_TMP_USER;
	}
	r = pol->proc_view == PROC_VIEW_LXCFS ?
		open_proc_view(pol, t->st.user, &pv, &spec.proc_view, err) : 0;
	if (r == 0)
		r = cg_root_fds(&t->cg.host, cg_fds, &n_cg_fds, err);
	if (r == 0) {
		spec.n_cg_root_fds = n_cg_fds;
		r = init_spawn(&spec, &t->init_pidfd, &t->st.init_pid, err);
	}
	while (n_cg_fds > 0)
		(void)close(cg_fds[--n_cg_fds]);
	if (spec.tmp)
		private_tmp_close(tmp.share_fds);
	proc_view_close(&pv);
	t->proc_view = spec.proc_view != NULL;
	if (r < 0)
		return r;
	return ns_inode(t->st.init_pid, "pid", &t->st.pidns, err);
}

/*
 * su or sudo to another user from inside a session would build the new
 * session on the first one's namespaces and cgroups: refuse, so the target
 * user's login is a login of its own (on_error decides).
 */
static int check_not_nested(int state_fd, const struct identity *id, struct corral_err *err)
{
	struct session_state outer;
	uint64_t pidns;
	int r;

	r = ns_inode(0, "pid", &pidns, err);
	if (r >= 0)
		r = state_find_pidns(state_fd, pidns, &outer, err);
	if (r < 0)
		return err_wrap(err, "Cannot tell whether the caller is inside a session");
	if (r > 0)
		return err_set(err, -EBUSY, "Cannot open a session for '%s' from inside session %s "
			       "of '%s' (su or sudo inside a session): log in as '%s' instead",
			       id->name, outer.id, outer.user, id->name);
	return 0;
}

/* Count the user's live sessions; refuse one more than max_sessions. */
static int check_max_sessions(int state_fd, const struct identity *id, const struct policy *pol,
			      struct corral_err *err)
{
	unsigned n = 0;
	int r;

	if (pol->max_sessions == POLICY_UNLIMITED)
		return 0;
	r = state_count_logins(state_fd, id->uid, &n, err);
	if (r < 0)
		return r;
	if (n >= pol->max_sessions)
		return err_set(err, -EUSERS, "You already have %u sessions open, and %llu is the "
			       "most allowed. Log out of one of them and try again.", n,
			       (unsigned long long)pol->max_sessions);
	return 0;
}

/*
 * Leftover cgroups (an abandoned session's, which its init cannot remove since
 * the session's processes die only after it) are collected by opens. Each one
 * collects the user's own, in proportion to that user's sessions; everyone's
 * only once a minute, so that a login costs the same with one session live on
 * the host or thousands, and a user who never logs in again is still cleaned
 * up within a minute of anyone's next login.
 */
#define GC_ALL_INTERVAL_S 60

static int begin_cgroup(struct open_txn *t, const struct policy *pol, int lock,
			struct corral_err *err)
{
	bool all = state_gc_due(lock, GC_ALL_INTERVAL_S);

	(void)snprintf(t->st.cgroup_root, sizeof(t->st.cgroup_root), "%s", pol->cgroup_root);
	return session_cgroup_begin(&t->cg, pol, t->st.uid, t->st.id, t->state_fd, all, err);
}

/* For the log: " veth=cr1000 address=10.213.0.243/24 gateway=10.213.0.1", or "". */
static void veth_describe(const struct veth_plan *p, char *buf, size_t size)
{
	char a[IPV4_ADDR_STR_MAX], gw[IPV4_ADDR_STR_MAX];

	buf[0] = '\0';
	if (p->host[0])
		(void)snprintf(buf, size, " veth=%s address=%s/%u gateway=%s", p->host,
			       ipv4_addr_str(p->addr, a), p->prefix, ipv4_addr_str(p->gw, gw));
}

/* Whether uid has a live session; when unsure, yes: never remove a live session's veth. */
static int has_live(uid_t uid, void *data)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	const struct open_txn *t = data;
	unsigned n = 0;

	return state_count(t->state_fd, uid, &n, &ignored) < 0 || n > 0;
}

static int plan_veth(struct open_txn *t, const struct policy *pol, struct corral_err *err)
{
	struct veth_plan p;
	int r = veth_plan(pol, t->st.uid, has_live, t, &p, err);

	if (r == 0)
		t->veth = p;	/* under the lock, cr<uid> is now ours */
	return r;
}

static int adopt_app(struct helper *h, struct open_txn *t, struct corral_err *err)
{
	int r = session_cgroup_adopt_app(&t->cg, h->peer_pid, t->st.init_pid, err);

	if (r == 0)
		(void)snprintf(t->st.app_cgroups, sizeof(t->st.app_cgroups), "%s",
			       t->cg.app_cgroups);
	return r;
}

/* The namespaces a login joins: the set's, with its network namespace if it has one. */
static int join_flags(pid_t init)
{
	struct corral_err ignored = CORRAL_ERR_INIT;
	uint64_t ours = 0, theirs = 0;

	if (ns_inode(0, "net", &ours, &ignored) < 0 || ns_inode(init, "net", &theirs, &ignored) < 0)
		return SESSION_JOIN_FLAGS | CLONE_NEWNET;	/* the module then checks and fails */
	return SESSION_JOIN_FLAGS | (ours != theirs ? CLONE_NEWNET : 0);
}

static int reply_isolated(const struct session_state *st, int init_pidfd, int ns_flags,
			  const struct policy *pol, struct corral_err *err)
{
	struct proto_msg m;

	proto_init(&m, PROTO_REPLY);
	proto_set_num(&m, PF_STATUS, PROTO_STATUS_ISOLATED);
	proto_set_num(&m, PF_INIT_PID, st->init_pid);
	proto_set_num(&m, PF_NS_FLAGS, ns_flags);
	proto_set_num(&m, PF_FLAGS, pol->on_error == ON_ERROR_ALLOW ? PROTO_FLAG_ALLOW_ON_ERROR : 0);
	if (proto_set_str(&m, PF_SESSION_ID, st->id, err) < 0)
		return err->code;
	return proto_send(HELPER_SOCK_FD, &m, init_pidfd, err);
}

/* scope = user: the record of the set's first login, made with it. */
static int record_first_login(struct helper *h, struct open_txn *t, struct corral_err *err)
{
	struct session_state l = t->st;

	if (!t->st.scope_user)
		return 0;
	return login_write(t->state_fd, &t->st, h->peer_pid, &l, err);
}

/* What a login that joins a set owns until it is done; join_abort() undoes it. */
struct join_txn {
	struct session_cgroup cg;
	struct session_state l;	/* the login record, once written (l.set set) */
	int init_pidfd;
	int app_pidfd;
};

static void join_abort(int state_fd, struct join_txn *j)
{
	struct corral_err ignored = CORRAL_ERR_INIT;

	if (j->l.set[0])
		login_remove(state_fd, &j->l);
	if (j->cg.app > 0)
		(void)session_cgroup_release_app(&j->cg, j->cg.app, j->cg.app_cgroups, &ignored);
}

/* The set's init, by a pidfd taken before it is checked: then the pid cannot be another's. */
static int open_set_init(const struct session_state *set, int *ret, struct corral_err *err)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, set->init_pid, 0);

	if (fd < 0 || !state_init_alive(set))
		return err_set(err, -ESRCH, "The init of set %s is gone", set->id);
	*ret = TAKE_FD(fd);
	return 0;
}

static int join_cgroup(struct join_txn *j, const struct session_state *set, pid_t app,
		       struct corral_err *err)
{
	int r;

	if (!set->cgroup_root[0])
		return 0;
	r = session_cgroup_open(&j->cg, set->cgroup_root, set->uid, set->id, err);
	if (r == 0)
		r = session_cgroup_join_app(&j->cg, app, err);
	if (r == 0)
		(void)snprintf(j->l.app_cgroups, sizeof(j->l.app_cgroups), "%s", j->cg.app_cgroups);
	return r;
}

static int join_set(struct helper *h, struct open_txn *t, struct join_txn *j,
		    const struct session_state *set, const struct policy *pol,
		    struct corral_err *err)
{
	int r;

	r = open_set_init(set, &j->init_pidfd, err);
	if (r == 0)
		r = join_cgroup(j, set, h->peer_pid, err);
	if (r == 0) {
		j->l = t->st;
		(void)snprintf(j->l.app_cgroups, sizeof(j->l.app_cgroups), "%s", j->cg.app_cgroups);
		r = login_write(t->state_fd, set, h->peer_pid, &j->l, err);
	}
	if (r == 0) {
		j->app_pidfd = (int)syscall(SYS_pidfd_open, h->peer_pid, 0);
		if (j->app_pidfd < 0)
			r = err_errno(err, -errno, "Failed to open a pidfd for the PAM application");
	}
	/* Last: once the init has the application, the login is the set's. */
	if (r == 0)
		r = login_hand_app(t->state_fd, set, j->app_pidfd, err);
	if (r == 0)
		r = reply_isolated(set, j->init_pidfd, join_flags(set->init_pid), pol, err);
	return r;
}

/* The set went away under us (its init ended as we came): make a new one instead. */
static bool set_gone(int r)
{
	return r == -ESRCH || r == -ECONNREFUSED || r == -ECONNRESET || r == -EPIPE ||
	       r == -ENOENT;
}

/*
 * scope = user: join the user's live set if there is one. 0: joined and
 * replied; 1: no set to join, make one; < 0: failed.
 */
static int join_user_set(struct helper *h, struct open_txn *t, const struct policy *pol,
			 struct corral_err *err)
{
	struct join_txn j = { .init_pidfd = -EBADF, .app_pidfd = -EBADF };
	struct session_state set;
	unsigned logins = 0;
	int r;

	r = login_find_set(t->state_fd, t->st.uid, &set, err);
	if (r <= 0)
		return r < 0 ? r : 1;
	r = join_set(h, t, &j, &set, pol, err);
	if (r < 0)
		join_abort(t->state_fd, &j);
	session_cgroup_done(&j.cg);
	j.init_pidfd = close_nointr_keep_errno(j.init_pidfd);
	j.app_pidfd = close_nointr_keep_errno(j.app_pidfd);
	if (r < 0 && set_gone(r)) {
		hlog(LOG_INFO, "set %s of user '%s' ended as a login came (%s): making a new one",
		     set.id, set.user, err->msg);
		err_clear(err);
		return 1;
	}
	if (r < 0)
		return r;
	(void)state_count_logins(t->state_fd, set.uid, &logins, &(struct corral_err)CORRAL_ERR_INIT);
	hlog(LOG_INFO,
	     "session joined by user '%s' (uid %u) service=%s tty=%s rhost=%s session=%s "
	     "scope=user login=%s logins=%u init=%d",
	     set.user, (unsigned)set.uid, t->st.service, t->st.tty, t->st.rhost, set.id, j.l.id,
	     logins, (int)set.init_pid);
	return 0;
}

static int open_session(struct helper *h, const struct proto_msg *req,
			const struct identity *id, const struct policy *pol,
			struct corral_err *err)
{
	struct open_txn t = { .state_fd = -EBADF, .init_pidfd = -EBADF, .listen_fd = -EBADF };
	_cleanup_close_ int lock = -EBADF;
	char veth[IFNAMSIZ + 2 * IPV4_ADDR_STR_MAX + 32];
	int r;

	copy_request(&t.st, req, id, pol);
	r = state_new_id(t.st.id, err);
	if (r == 0)
		r = state_open_dir(id->uid, &t.state_fd, err);
	if (r == 0)
		r = state_lock(t.state_fd, &lock, err);
	if (r == 0)
		r = check_not_nested(t.state_fd, id, err);
	if (r == 0)
		r = check_max_sessions(t.state_fd, id, pol, err);
	if (r == 0 && t.st.scope_user) {
		r = join_user_set(h, &t, pol, err);
		if (r <= 0) {
			t.state_fd = close_nointr_keep_errno(t.state_fd);
			return r;
		}
		r = 0;	/* no set to join: make it */
	}
	if (r == 0 && pol->network == NETWORK_VETH)
		r = plan_veth(&t, pol, err);
	if (r == 0)
		r = begin_cgroup(&t, pol, lock, err);
	if (r == 0)
		r = spawn(h, &t, pol, err);
	if (r == 0)
		r = adopt_app(h, &t, err);
	if (r == 0)
		r = state_write(t.state_fd, &t.st, err);
	if (r == 0)
		r = record_first_login(h, &t, err);
	if (r == 0)
		r = reply_isolated(&t.st, t.init_pidfd, SESSION_JOIN_FLAGS |
				   (pol->network != NETWORK_HOST ? CLONE_NEWNET : 0), pol, err);
	if (r < 0) {
		open_txn_abort(&t);
		return r;
	}
	veth_describe(&t.veth, veth, sizeof(veth));
	hlog(LOG_INFO,
	     "session opened for user '%s' (uid %u) service=%s tty=%s rhost=%s session=%s%s "
	     "namespaces=pid,mnt,uts,ipc,cgroup%s init=%d cgroup=%s/%u/%s (%s)%s%s",
	     id->name, (unsigned)id->uid, t.st.service, t.st.tty, t.st.rhost, t.st.id,
	     t.st.scope_user ? " scope=user" : "",
	     pol->network != NETWORK_HOST ? ",net" : "", (int)t.st.init_pid, t.st.cgroup_root,
	     (unsigned)id->uid, t.st.id, cg_layout_name(t.cg.host.layout), veth,
	     t.proc_view ? " proc_view=lxcfs" : "");
	session_cgroup_done(&t.cg);
	t.init_pidfd = close_nointr_keep_errno(t.init_pidfd);
	t.listen_fd = close_nointr_keep_errno(t.listen_fd);
	t.state_fd = close_nointr_keep_errno(t.state_fd);
	return 0;
}

static int reply_status(int status, bool allow, const char *msg)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg m;

	proto_init(&m, PROTO_REPLY);
	proto_set_num(&m, PF_STATUS, status);
	proto_set_num(&m, PF_FLAGS, allow ? PROTO_FLAG_ALLOW_ON_ERROR : 0);
	(void)proto_set_str(&m, PF_MESSAGE, msg, &err);
	return proto_send(HELPER_SOCK_FD, &m, -EBADF, &err);
}

/* For `corralctl metrics`; a login never waits on, or fails for, its own counting. */
static void count_open(enum counter c)
{
	struct corral_err err = CORRAL_ERR_INIT;
	_cleanup_close_ int fd = -EBADF;

	if (state_open_dir((uid_t)-1, &fd, &err) < 0 || counters_bump(fd, c, &err) < 0)
		hlog(LOG_DEBUG, "Failed to count a session open: %s", err.msg);
}

int verb_open(struct helper *h)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct identity id;
	struct policy pol;
	struct proto_msg req;
	bool have_policy = false;
	int r;

	proto_init(&req, PROTO_REQ_OPEN);
	r = proto_recv(HELPER_SOCK_FD, &req, NULL, HELPER_RECV_TIMEOUT_MS, &err);
	if (r == 0 && req.kind != PROTO_REQ_OPEN)
		r = err_set(&err, -EBADMSG, "Expected an open request");
	if (r == 0)
		r = identity_resolve(proto_str(&req, PF_USER), &id, &err);
	if (r == 0) {
		r = policy_load(h->config_path, &id, &pol, &err);
		have_policy = r == 0;
		/* A broken configuration must not lock the administrator out. */
		if (r < 0 && id.uid == 0) {
			hlog(LOG_WARNING, "%s; letting root in un-isolated so it can be fixed",
			     err.msg);
			count_open(COUNTER_FAILED);
			return reply_status(PROTO_STATUS_EXEMPT, false, "exempt") < 0 ? 1 : 0;
		}
	}
	if (r == 0 && pol.exempt) {
		hlog(LOG_INFO, "user '%s' (uid %u) is exempt, not isolated", id.name,
		     (unsigned)id.uid);
		return reply_status(PROTO_STATUS_EXEMPT, false, "exempt") < 0 ? 1 : 0;
	}
	if (r == 0)
		r = open_session(h, &req, &id, &pol, &err);
	if (r < 0) {
		hlog(LOG_ERR, "Failed to open a session for user '%s': %s",
		     proto_str(&req, PF_USER), err.msg);
		/* Too many sessions is the policy speaking, not a failure: on_error does not apply. */
		(void)reply_status(r, have_policy && pol.on_error == ON_ERROR_ALLOW && r != -EUSERS,
				   err.msg);
		count_open(COUNTER_FAILED);
		return 1;
	}
	count_open(COUNTER_OPENED);
	return 0;
}
