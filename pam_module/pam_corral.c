/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_corral.so: puts a login into its own namespaces.
 *
 * open_session runs corral-helper, which creates the session init and sends
 * back its pidfd; we setns() this process into the init's namespaces, so the
 * shell the application forks next is born inside. close_session returns us
 * to our own namespaces and has the helper end the session.
 * Nothing here exits, prints, or reads the environment for a decision.
 */
#include <errno.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "args.h"
#include "join.h"
#include "macro.h"
#include "proto.h"
#include "spawn.h"

#define DATA_NAME "pam_corral_session"
#define OPEN_TIMEOUT_MS (30 * 1000)
/* Ending a session may wait kill_grace (at most 10 minutes) for its processes. */
#define CLOSE_TIMEOUT_MS (11 * 60 * 1000)

struct session {
	pid_t owner;		/* the process that opened it; others may not close it */
	char id[PROTO_STR_MAX];
	char user[PROTO_STR_MAX];
	int pidfd;
	struct ns_saved saved;
};

static void session_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct session *s = data;

	(void)pamh;
	(void)error_status;
	s->pidfd = close_nointr_keep_errno(s->pidfd);
	ns_saved_close(&s->saved);
	free(s);
}

static int get_item(pam_handle_t *pamh, int item, const char **ret)
{
	const void *v = NULL;
	int r;

	r = pam_get_item(pamh, item, &v);
	*ret = r == PAM_SUCCESS && v ? v : NULL;
	return r == PAM_SUCCESS || r == PAM_BAD_ITEM ? PAM_SUCCESS : r;
}

/* PAM items are only a lookup key (PAM_USER) and log decoration (the rest). */
static int build_open_request(pam_handle_t *pamh, const char *user, struct proto_msg *m,
			      struct corral_err *err)
{
	static const struct {
		int item;
		enum proto_field field;
	} items[] = {
		{ PAM_SERVICE, PF_SERVICE }, { PAM_TTY, PF_TTY },
		{ PAM_RHOST, PF_RHOST },     { PAM_RUSER, PF_RUSER },
	};

	proto_init(m, PROTO_REQ_OPEN);
	if (proto_set_str(m, PF_USER, user, err) < 0)
		return err->code;
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		const char *v;

		if (get_item(pamh, items[i].item, &v) != PAM_SUCCESS)
			return err_set(err, -EINVAL, "Failed to read a PAM item");
		/* A hostile RHOST (control characters, overlong) is dropped, not fatal. */
		if (v && proto_set_str(m, items[i].field, v, err) < 0)
			(void)proto_set_str(m, items[i].field, "?", err);
	}
	return 0;
}

static int export_session(pam_handle_t *pamh, struct session *s, struct corral_err *err)
{
	char env[PROTO_STR_MAX + 32];
	int r;

	(void)snprintf(env, sizeof(env), "CORRAL_SESSION=%s", s->id);
	r = pam_putenv(pamh, env);
	if (r != PAM_SUCCESS)
		return err_set(err, -ENOMEM, "Failed to set CORRAL_SESSION: %s",
			       pam_strerror(pamh, r));
	r = pam_set_data(pamh, DATA_NAME, s, session_cleanup);
	if (r != PAM_SUCCESS)
		return err_set(err, -ENOMEM, "Failed to store the session: %s",
			       pam_strerror(pamh, r));
	return 0;
}

static void close_via_helper(pam_handle_t *pamh, const struct mod_args *a, const char *user,
			     const char *id, int pidfd)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg req, reply;
	int r;

	proto_init(&req, PROTO_REQ_CLOSE);
	(void)proto_set_str(&req, PF_USER, user, &err);
	(void)proto_set_str(&req, PF_SESSION_ID, id, &err);
	r = helper_call(a, "close", &req, pidfd, CLOSE_TIMEOUT_MS, &reply, NULL, &err);
	if (r < 0)
		pam_syslog(pamh, LOG_ERR, "Failed to close session %s: %s", id, err.msg);
	else if (proto_num(&reply, PF_STATUS, -EBADMSG) != 0)
		pam_syslog(pamh, LOG_ERR, "Failed to close session %s: %s", id,
			   proto_has(&reply, PF_MESSAGE) ? proto_str(&reply, PF_MESSAGE) :
							   "the helper failed");
}

/* Joined and recorded, or nothing left behind. */
static int adopt(pam_handle_t *pamh, const struct mod_args *a, const char *user,
		 const struct proto_msg *reply, int pidfd, struct corral_err *err)
{
	struct session *s;
	int flags = proto_num(reply, PF_NS_FLAGS, 0);
	pid_t pid = proto_num(reply, PF_INIT_PID, 0);
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, -ENOMEM, "Out of memory");
	s->owner = getpid();
	s->pidfd = pidfd;
	(void)snprintf(s->id, sizeof(s->id), "%s", proto_str(reply, PF_SESSION_ID));
	(void)snprintf(s->user, sizeof(s->user), "%s", user);
	r = join_save(flags & JOIN_ALLOWED_FLAGS, &s->saved, err);
	if (r == 0) {
		r = join_session(pidfd, pid, flags, false, s->saved.cwd, err);
		if (r < 0)
			(void)join_restore(&s->saved, &(struct corral_err)CORRAL_ERR_INIT);
	}
	if (r == 0)
		r = export_session(pamh, s, err);
	if (r < 0) {
		close_via_helper(pamh, a, user, s->id, pidfd);
		if (s->saved.n)
			(void)join_restore(&s->saved, &(struct corral_err)CORRAL_ERR_INIT);
		session_cleanup(pamh, s, 0);
	}
	return r;
}

static bool user_is_root(pam_handle_t *pamh, const char *user)
{
	struct passwd *pw = pam_modutil_getpwnam(pamh, user);

	return pw && pw->pw_uid == 0;
}

/*
 * on_error decides; without a reply we cannot know the policy, so we deny,
 * except for root: a broken install must not lock the admin out.
 */
static int on_failure(pam_handle_t *pamh, const char *user, bool have_reply, bool allow,
		      const char *msg)
{
	const char *outcome = allow ? "login continues un-isolated (on_error = allow)"
				    : "login refused (on_error = deny)";

	if (!have_reply && user_is_root(pamh, user)) {
		allow = true;
		outcome = "letting root in un-isolated so it can be fixed";
	}
	pam_syslog(pamh, allow ? LOG_WARNING : LOG_ERR,
		   "Failed to isolate the session of user '%s': %s; %s", user, msg, outcome);
	if (!allow)
		(void)pam_error(pamh, "Your login session could not be isolated, so the login is "
				"refused. Please tell your administrator.");
	return allow ? PAM_SUCCESS : PAM_SESSION_ERR;
}

/* The policy refused the session (max_sessions): the user is told exactly why. */
static int refused(pam_handle_t *pamh, const char *user, const char *msg)
{
	pam_syslog(pamh, LOG_NOTICE, "Refused a session of user '%s': %s", user, msg);
	(void)pam_error(pamh, "%s", msg);
	return PAM_SESSION_ERR;
}


static int open_session(pam_handle_t *pamh, const struct mod_args *a, const char *user)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg req, reply;
	int pidfd = -EBADF, status, r;
	bool allow;

	r = build_open_request(pamh, user, &req, &err);
	if (r == 0)
		r = helper_call(a, "open", &req, -EBADF, OPEN_TIMEOUT_MS, &reply, &pidfd, &err);
	if (r < 0)
		return on_failure(pamh, user, false, false, err.msg);
	status = proto_num(&reply, PF_STATUS, -EBADMSG);
	allow = proto_num(&reply, PF_FLAGS, 0) & PROTO_FLAG_ALLOW_ON_ERROR;
	if (status == PROTO_STATUS_EXEMPT) {
		(void)close_nointr_keep_errno(pidfd);
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG, "user '%s' is exempt", user);
		return PAM_SUCCESS;
	}
	if (status == -EUSERS) {
		(void)close_nointr_keep_errno(pidfd);
		return refused(pamh, user, proto_str(&reply, PF_MESSAGE));
	}
	if (status != PROTO_STATUS_ISOLATED || pidfd < 0) {
		(void)close_nointr_keep_errno(pidfd);
		return on_failure(pamh, user, true, allow,
				  proto_has(&reply, PF_MESSAGE) ? proto_str(&reply, PF_MESSAGE)
								: "the helper failed");
	}
	if (adopt(pamh, a, user, &reply, pidfd, &err) < 0)
		return on_failure(pamh, user, true, allow, err.msg);
	if (a->debug)
		pam_syslog(pamh, LOG_DEBUG, "joined session %s", proto_str(&reply, PF_SESSION_ID));
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct mod_args a;
	const char *user = NULL;
	const void *data = NULL;
	int r;

	(void)flags;
	if (pam_get_data(pamh, DATA_NAME, &data) == PAM_SUCCESS && data) {
		pam_syslog(pamh, LOG_ERR, "A corral session is already open in this PAM handle");
		return PAM_SESSION_ERR;
	}
	r = pam_get_user(pamh, &user, NULL);
	if (r != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "Failed to get the user name");
		return PAM_SESSION_ERR;
	}
	/* A typo in /etc/pam.d is a broken install: it must not lock root out. */
	if (args_parse(argc, argv, &a, &err) < 0)
		return on_failure(pamh, user, false, false, err.msg);
	return open_session(pamh, &a, user);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	const void *data = NULL;
	struct session *s;
	struct mod_args a;

	(void)flags;
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data)
		return PAM_SUCCESS; /* exempt, un-isolated, or never opened here */
	s = (struct session *)data;
	/* A forked child holding a copy of the handle must not end its parent's session. */
	if (s->owner != getpid())
		return PAM_SUCCESS;
	/* The line open_session parsed, so this fails only if it did. */
	if (args_parse(argc, argv, &a, &err) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s", err.msg);
		return PAM_SESSION_ERR;
	}
	if (join_restore(&s->saved, &err) < 0)
		pam_syslog(pamh, LOG_WARNING, "%s, ignoring", err.msg);
	close_via_helper(pamh, &a, s->user, s->id, s->pidfd);
	/* Replacing the data runs session_cleanup() on it. */
	(void)pam_set_data(pamh, DATA_NAME, NULL, NULL);
	return PAM_SUCCESS;
}

/* Misplaced in another stack, the module does nothing. */
PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_IGNORE;
}
