/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The logins of a scope = user set (login.h): their records beside the set's
 * state, and the hand-over of each one's PAM application to the set's init.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "login.h"
#include "macro.h"

/* How long the init may take to answer a hand-over: it answers at once unless it is ending. */
#define HAND_TIMEOUT_MS 2000

static bool is_set(const struct session_state *s)
{
	return s->scope_user;
}

int login_find_set(int state_fd, uid_t uid, struct session_state *ret, struct corral_err *err)
{
	return state_find_live(state_fd, uid, is_set, ret, err);
}

/* "/proc/self/fd/N/<uid>/<set>.sock": a socket path resolved beneath the state directory fd. */
static int sock_addr(int state_fd, uid_t uid, const char *set, struct sockaddr_un *sa,
		     struct corral_err *err)
{
	int n;

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%u/%s.sock", state_fd,
		     (unsigned)uid, set);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return err_set(err, -ENAMETOOLONG, "The socket path of set %s is too long", set);
	return 0;
}

int login_listen(int state_fd, uid_t uid, const char *set, int *ret_fd, struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa;
	int r;

	r = sock_addr(state_fd, uid, set, &sa, err);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_errno(err, -errno, "Failed to create the socket of set %s", set);
	/* A leftover of a set whose id we drew again cannot be: ids are random. Still, not ours to reuse. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_errno(err, -errno, "Failed to bind the socket of set %s", set);
	if (listen(fd, LOGINS_MAX) < 0)
		return err_errno(err, -errno, "Failed to listen on the socket of set %s", set);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Only a socket root made may be the set's: the directory is root's 0700, but check. */
static int check_sock(int state_fd, const struct session_state *set, struct corral_err *err)
{
	char path[DECIMAL_STR_MAX(uid_t) + SESSION_ID_LEN + 8];
	struct stat st;

	(void)snprintf(path, sizeof(path), "%u/%s.sock", (unsigned)set->uid, set->id);
	if (fstatat(state_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(err, errno == ENOENT ? -ECONNREFUSED : -errno,
				 "Set %s has no socket", set->id);
	if (!S_ISSOCK(st.st_mode) || st.st_uid != 0)
		return err_set(err, -EPERM, "%s is not root's socket", path);
	return 0;
}

static int send_pidfd(int sock, int pidfd, struct corral_err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf = { 0 };
	struct iovec iov = { .iov_base = (void *)"a", .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != 1)
		return err_errno(err, -errno, "Failed to hand the application to the set's init");
	return 0;
}

static int wait_answer(int sock, const char *set, struct corral_err *err)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char a = 0;
	ssize_t n;
	int r;

	do
		r = poll(&p, 1, HAND_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return err_set(err, -ETIMEDOUT, "The init of set %s did not answer", set);
	n = recv(sock, &a, 1, MSG_DONTWAIT);
	if (n < 0)
		return err_errno(err, -errno, "The init of set %s did not take the login", set);
	if (n == 0)
		return err_set(err, -ECONNRESET, "The init of set %s is ending", set);
	if (a == 'f')
		return err_set(err, -EUSERS, "Set %s has %d logins, the most one set takes", set,
			       LOGINS_MAX);
	return a == 'k' ? 0 : err_set(err, -EPROTO, "The init of set %s answered '%c'", set, a);
}

int login_hand_app(int state_fd, const struct session_state *set, int app_pidfd,
		   struct corral_err *err)
{
	_cleanup_close_ int sock = -EBADF;
	struct sockaddr_un sa;
	int r;

	r = check_sock(state_fd, set, err);
	if (r == 0)
		r = sock_addr(state_fd, set->uid, set->id, &sa, err);
	if (r < 0)
		return r;
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return err_errno(err, -errno, "Failed to create a socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_errno(err, -errno, "Failed to reach the init of set %s", set->id);
	r = send_pidfd(sock, app_pidfd, err);
	return r < 0 ? r : wait_answer(sock, set->id, err);
}

static void login_name(char *buf, size_t size, const char *set, const char *id)
{
	(void)snprintf(buf, size, "%s.%s", set, id);
}

int login_write(int state_fd, const struct session_state *set, pid_t app,
		struct session_state *l, struct corral_err *err)
{
	char name[2 * SESSION_ID_LEN + 2];
	int r;

	r = state_new_id(l->id, err);
	if (r < 0)
		return r;
	r = state_proc_start(app, &l->app_start);
	if (r < 0)
		return err_errno(err, r, "Failed to read the start time of process %d", (int)app);
	(void)snprintf(l->set, sizeof(l->set), "%s", set->id);
	l->uid = set->uid;
	l->app_pid = app;
	l->init_pid = set->init_pid;
	l->pidns = set->pidns;
	l->scope_user = false;
	login_name(name, sizeof(name), set->id, l->id);
	return state_write_name(state_fd, l, name, err);
}

int login_for_each(int state_fd, const struct session_state *set,
		   int (*cb)(const struct session_state *l, void *data), void *data,
		   struct corral_err *err)
{
	struct dirent *de;
	int r = 0;
	DIR *d = state_opendir_user(state_fd, set->uid);

	if (!d)
		return err_errno(err, -errno, "Failed to list the logins of set %s", set->id);
	while (r == 0 && (de = readdir(d))) {
		struct corral_err e = CORRAL_ERR_INIT;
		const char *id = de->d_name + SESSION_ID_LEN + 1;
		struct session_state l;

		if (!state_login_name(de->d_name, set->id) ||
		    state_read_name_at(dirfd(d), de->d_name, set->uid, id, &l, &e) < 0 ||
		    !state_app_alive(&l))
			continue;
		r = cb(&l, data);
	}
	(void)closedir(d);
	return r > 0 ? r : 0;
}

struct find_app {
	pid_t app;
	struct session_state *ret;
};

static int match_app(const struct session_state *l, void *data)
{
	struct find_app *f = data;

	if (l->app_pid != f->app)
		return 0;
	*f->ret = *l;
	return 1;
}

int login_find_app(int state_fd, const struct session_state *set, pid_t app,
		   struct session_state *ret, struct corral_err *err)
{
	struct find_app f = { .app = app, .ret = ret };
	int r = login_for_each(state_fd, set, match_app, &f, err);

	return r < 0 ? r : r > 0;
}

void login_remove(int state_fd, const struct session_state *l)
{
	char name[DECIMAL_STR_MAX(uid_t) + 2 * SESSION_ID_LEN + 4];

	(void)snprintf(name, sizeof(name), "%u/%s.%s", (unsigned)l->uid, l->set, l->id);
	(void)unlinkat(state_fd, name, 0);
}
