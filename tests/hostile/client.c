/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostile-client: talk to corral-helper the way pam_corral.so does (fd 3, one
 * request, one reply), but with the request an attacker would craft: another
 * user's session id, a pidfd of a process that is not the session's init, a
 * peer that is not root.
 *
 *   hostile-client [OPTIONS] HELPER open|close
 *
 *   --user NAME, --session ID, --service S, --tty T, --rhost R   the fields
 *   --pidfd PID        send a pidfd of PID with the request
 *   --peer UID:GID     the helper's peer (the other end of fd 3) runs as UID:GID
 *                      and sends the request; the helper still runs as root
 *
 * Prints "reply status=N message=TEXT" (or "no reply") and "helper exit=N".
 * Exit status: 0 when it got that far, 2 on a setup failure.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "parse-util.h"
#include "proto.h"

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "hostile-client: %s: %s\n", what, strerror(errno));
	exit(2);
}

static pid_t spawn_helper(const char *helper, const char *verb, int sock)
{
	struct corral_err err = CORRAL_ERR_INIT;
	char *argv[] = { "corral-helper", (char *)verb, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid > 0)
		return pid;
	if (fd_move_to(sock, 3, &err) < 0 || fd_close_from(4, &err) < 0)
		_exit(126);
	execve(helper, argv, envp);
	_exit(127);
}

/* The request and the reply, from whoever holds sock. */
static void exchange(int sock, const struct proto_msg *req, int pidfd)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg reply;
	int fd = -EBADF;

	if (proto_send(sock, req, pidfd, &err) < 0) {
		printf("send failed: %s\n", err.msg);
		return;
	}
	proto_init(&reply, PROTO_REPLY);
	if (proto_recv(sock, &reply, &fd, 15000, &err) < 0 && err.code != -EBADF) {
		printf("no reply: %s\n", err.msg);
		return;
	}
	printf("reply status=%d message=%s\n", proto_num(&reply, PF_STATUS, 0),
	       proto_str(&reply, PF_MESSAGE));
	if (fd >= 0)
		(void)close(fd);
}

/*
 * A peer of another uid: SO_PEERCRED of a socketpair is its creator's, so
 * the user connects to a listening socket and root hands the accepted end to
 * the helper.
 */
static pid_t peer_as_user(const char *spec, const struct proto_msg *req, int *ret_sock)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char ids[32], *colon;
	uid_t uid, gid;
	int lsock, sock;
	pid_t pid;

	(void)snprintf(ids, sizeof(ids), "%s", spec);
	colon = strchr(ids, ':');
	if (colon)
		*colon = '\0';
	if (!colon || parse_uid(ids, &uid) < 0 || parse_uid(colon + 1, &gid) < 0)
		die("--peer UID:GID");
	(void)snprintf(addr.sun_path, sizeof(addr.sun_path), "/run/hostile-client.%d", getpid());
	lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(addr.sun_path, 0666) < 0 || listen(lsock, 1) < 0)
		die("listen");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0 || sock < 0 ||
		    connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			die("connect as the peer");
		exchange(sock, req, -EBADF);
		_exit(0);
	}
	sock = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		die("accept");
	(void)unlink(addr.sun_path);
	(void)close(lsock);
	*ret_sock = sock;
	return pid;
}

static void set(struct proto_msg *m, enum proto_field f, const char *v)
{
	struct corral_err err = CORRAL_ERR_INIT;

	if (proto_set_str(m, f, v, &err) < 0) {
		errno = EINVAL;
		die(err.msg);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },    { "session", required_argument, NULL, 's' },
		{ "service", required_argument, NULL, 'S' }, { "tty", required_argument, NULL, 't' },
		{ "rhost", required_argument, NULL, 'r' },   { "pidfd", required_argument, NULL, 'p' },
		{ "peer", required_argument, NULL, 'P' },    {},
	};
	struct proto_msg req;
	const char *peer = NULL, *verb;
	int c, pidfd = -EBADF, sock[2], status;
	pid_t helper, peer_pid = 0;

	proto_init(&req, PROTO_REQ_OPEN);
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'u': set(&req, PF_USER, optarg); break;
		case 's': set(&req, PF_SESSION_ID, optarg); break;
		case 'S': set(&req, PF_SERVICE, optarg); break;
		case 't': set(&req, PF_TTY, optarg); break;
		case 'r': set(&req, PF_RHOST, optarg); break;
		case 'p': {
			pid_t target;

			if (parse_pid(optarg, &target) < 0)
				die("--pidfd PID");
			pidfd = (int)syscall(SYS_pidfd_open, target, 0);
			if (pidfd < 0)
				die("pidfd_open");
			break;
		}
		case 'P': peer = optarg; break;
		default: errno = EINVAL; die("usage");
		}
	}
	if (argc - optind != 2) {
		errno = EINVAL;
		die("usage: hostile-client [OPTIONS] HELPER open|close");
	}
	verb = argv[optind + 1];
	req.kind = strcmp(verb, "close") == 0 ? PROTO_REQ_CLOSE : PROTO_REQ_OPEN;
	if (peer) {
		peer_pid = peer_as_user(peer, &req, &sock[1]);
		sock[0] = -EBADF;
	} else if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0) {
		die("socketpair");
	}
	helper = spawn_helper(argv[optind], verb, sock[1]);
	(void)close(sock[1]);
	if (sock[0] >= 0)
		exchange(sock[0], &req, pidfd);
	if (peer_pid > 0)
		(void)waitpid(peer_pid, NULL, 0);
	if (waitpid(helper, &status, 0) < 0)
		die("waitpid");
	printf("helper exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
