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
#include "policy-load.h"
#include "proto.h"
#include "session-cgroup.h"
#include "spawn-init.h"
#include "state.h"

/* What a half-made session owns; open_txn_abort() undoes it in reverse order. */
struct open_txn {
	int state_fd;
	int init_pidfd;
	struct session_cgroup cg;
	struct session_state st;
	struct veth_plan veth;	/* network = veth: host[0] once its name is ours to remove */
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
	st->kill_on_logout = pol->kill_on_logout;
	st->kill_grace_ms = pol->kill_grace_ms;
	(void)policy_format_limits(pol, st->limits, sizeof(st->limits));
	return 0;
}

static int spawn(struct helper *h, struct open_txn *t, const struct policy *pol,
		 struct corral_err *err)
{
	_cleanup_close_ int app = -EBADF;
	int cg_fds[INIT_CG_FDS_MAX];
	unsigned n_cg_fds = 0;
	struct init_spec spec = {
		.init_path = h->init_path,
		.uid = t->st.uid,
		.session_id = t->st.id,
		.hostname = pol->hostname,
		.kill_on_abandon = pol->kill_on_logout,
		.net_loopback = pol->network == NETWORK_LOOPBACK,
		.veth = pol->network == NETWORK_VETH ? &t->veth : NULL,
		.state_fd = t->state_fd,
		.cg_host = &t->cg.host,
		.cg_session = &t->cg.s,
		.cg_root_fds = cg_fds,
	};
	int r;

	app = (int)syscall(SYS_pidfd_open, h->peer_pid, 0);
	if (app < 0)
		return err_errno(err, -errno, "Failed to open a pidfd for the PAM application");
	spec.app_pidfd = app;
	r = cg_root_fds(&t->cg.host, cg_fds, &n_cg_fds, err);
	if (r < 0)
		return r;
	spec.n_cg_root_fds = n_cg_fds;
	r = init_spawn(&spec, &t->init_pidfd, &t->st.init_pid, err);
	while (n_cg_fds > 0)
		(void)close(cg_fds[--n_cg_fds]);
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
	r = state_count(state_fd, id->uid, &n, err);
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

static int reply_isolated(const struct open_txn *t, const struct policy *pol,
			  struct corral_err *err)
{
	struct proto_msg m;

	proto_init(&m, PROTO_REPLY);
	proto_set_num(&m, PF_STATUS, PROTO_STATUS_ISOLATED);
	proto_set_num(&m, PF_INIT_PID, t->st.init_pid);
	proto_set_num(&m, PF_NS_FLAGS, SESSION_JOIN_FLAGS |
		      (pol->network != NETWORK_HOST ? CLONE_NEWNET : 0));
	proto_set_num(&m, PF_FLAGS, pol->on_error == ON_ERROR_ALLOW ? PROTO_FLAG_ALLOW_ON_ERROR : 0);
	if (proto_set_str(&m, PF_SESSION_ID, t->st.id, err) < 0)
		return err->code;
	return proto_send(HELPER_SOCK_FD, &m, t->init_pidfd, err);
}

static int open_session(struct helper *h, const struct proto_msg *req,
			const struct identity *id, const struct policy *pol,
			struct corral_err *err)
{
	struct open_txn t = { .state_fd = -EBADF, .init_pidfd = -EBADF };
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
		r = reply_isolated(&t, pol, err);
	if (r < 0) {
		open_txn_abort(&t);
		return r;
	}
	veth_describe(&t.veth, veth, sizeof(veth));
	hlog(LOG_INFO,
	     "session opened for user '%s' (uid %u) service=%s tty=%s rhost=%s session=%s "
	     "namespaces=pid,mnt,uts,ipc,cgroup%s init=%d cgroup=%s/%u/%s (%s)%s",
	     id->name, (unsigned)id->uid, t.st.service, t.st.tty, t.st.rhost, t.st.id,
	     pol->network != NETWORK_HOST ? ",net" : "", (int)t.st.init_pid, t.st.cgroup_root,
	     (unsigned)id->uid, t.st.id, cg_layout_name(t.cg.host.layout), veth);
	session_cgroup_done(&t.cg);
	t.init_pidfd = close_nointr_keep_errno(t.init_pidfd);
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
