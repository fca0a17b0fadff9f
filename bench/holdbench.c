/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * holdbench: keep COUNT sessions open at once, each held by a process of its
 * own as sshd's [priv] monitor holds one, with the user's COMMAND (an idle
 * sleep) running inside; close them all when told.
 *
 *   holdbench --confdir DIR --service NAME --count N --users U1,U2,...
 *             [--parallel P] -- COMMAND [ARG...]
 *
 * Sessions are opened one after another, round robin over the users (so no
 * user goes past max_sessions). Once all are open it prints
 * "opened N SECONDS" and waits for a line (or EOF) on stdin, then ends the
 * commands and closes the sessions, at most P at a time, and prints
 * "closed N failed F SECONDS". Exit status 0 only when every session opened
 * and closed cleanly, and no holder was left with an fd PAM opened.
 * If holdbench dies, its holders see their release pipe close and log out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "login.h"

#define USERS_MAX 64

struct opts {
	const char *confdir, *service;
	unsigned long count, parallel;
	char *users[USERS_MAX];
	unsigned n_users;
	char **cmd;
};

static _Noreturn void usage(const char *why)
{
	fprintf(stderr, "holdbench: %s\nusage: holdbench --confdir DIR --service NAME --count N "
		"--users U1,U2,... [--parallel P] -- COMMAND [ARG...]\n", why);
	exit(LOGIN_EXIT_USAGE);
}

static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 100000)
		usage("a count must be a number from 1 to 100000");
	return v;
}

static void parse_users(char *list, struct opts *o)
{
	char *save = NULL;

	for (char *u = strtok_r(list, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
		if (o->n_users == USERS_MAX)
			usage("too many users");
		o->users[o->n_users++] = u;
	}
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "confdir", required_argument, NULL, 'c' },
		{ "service", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "users", required_argument, NULL, 'u' },
		{ "parallel", required_argument, NULL, 'p' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1)
		switch (c) {
		case 'c': o->confdir = optarg; break;
		case 's': o->service = optarg; break;
		case 'n': o->count = parse_count(optarg); break;
		case 'u': parse_users(optarg, o); break;
		case 'p': o->parallel = parse_count(optarg); break;
		default: usage("unknown option");
		}
	if (!o->confdir || !o->service || !o->count || !o->n_users || optind >= argc ||
	    argv[optind][0] != '/')
		usage("--confdir, --service, --count, --users and a /COMMAND are required");
	o->cmd = argv + optind;
}

/* Wait for the release byte (or EOF: holdbench is gone), then log out. */
static int hold_until_released(pam_handle_t *pamh, const char *service, pid_t cmd, int release)
{
	char b;
	int status;

	while (read(release, &b, 1) < 0 && errno == EINTR)
		;
	(void)kill(cmd, SIGKILL);
	while (waitpid(cmd, &status, 0) < 0 && errno == EINTR)
		;
	return login_close(pamh, service);
}

/* One holder: open, start the command, say so on ready, hold, close. */
static _Noreturn void holder(const struct opts *o, const char *user, int ready, int release)
{
	unsigned char fds[FD_SCAN_MAX];
	pam_handle_t *pamh = NULL;
	struct passwd *pw = getpwnam(user);
	pid_t cmd = -1;
	int r, leaked;

	(void)signal(SIGPIPE, SIG_DFL);
	/* Modules log through syslog(), whose socket stays open: open it first. */
	openlog("holdbench", LOG_NDELAY, LOG_AUTHPRIV);
	fd_snapshot(fds);
	r = pw ? login_start(o->confdir, o->service, user, &pamh) : LOGIN_EXIT_USAGE;
	if (r == 0)
		r = login_open(pamh, o->service);
	if (r == 0 && (cmd = login_spawn(pamh, pw, o->cmd)) < 0)
		r = LOGIN_EXIT_CMD;
	if (write(ready, r == 0 ? "o" : "f", 1) != 1)
		r = r ? r : LOGIN_EXIT_USAGE;
	close(ready);
	if (r == 0)
		r = hold_until_released(pamh, o->service, cmd, release);
	if (pamh)
		pam_end(pamh, r ? PAM_SESSION_ERR : PAM_SUCCESS);
	close(release);
	leaked = fd_new_since(fds);
	if (r == 0 && leaked >= 0) {
		char path[64], target[256];
		ssize_t n;

		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", leaked);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		fprintf(stderr, "holdbench: fd %d (%s) left open after the session closed\n",
			leaked, target);
		r = LOGIN_EXIT_FD_LEAK;
	}
	_exit(r);
}

/* Fork a holder for session i and wait until it has opened (1) or failed (0). */
static int open_one(const struct opts *o, unsigned long i, int release[2], pid_t *ret)
{
	int ready[2];
	char b = 'f';
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	(void)fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(release[1]);
		holder(o, o->users[i % o->n_users], ready[1], release[0]);
	}
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		return -errno;
	}
	*ret = pid;
	while (read(ready[0], &b, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	return b == 'o';
}

/* Release the holders, at most parallel at a time; the number that failed. */
static unsigned long close_all(const struct opts *o, int release, unsigned long live)
{
	unsigned long sent = 0, done = 0, failed = 0;
	int status;

	while (done < live) {
		while (sent < live && sent - done < o->parallel) {
			if (write(release, "c", 1) != 1)
				return live;
			sent++;
		}
		if (wait(&status) < 0) {
			if (errno == EINTR)
				continue;
			return failed + live - done;
		}
		done++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "holdbench: a holder ended with status 0x%x\n", status);
			failed++;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct opts o = { .parallel = 8 };
	unsigned long opened = 0, failed = 0;
	int release[2];
	uint64_t t0;
	char line[64];
	pid_t pid;

	parse_opts(argc, argv, &o);
	if (pipe2(release, O_CLOEXEC) < 0) {
		perror("holdbench: pipe");
		return 1;
	}
	/* A holder that ended early must not turn our write into a SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	t0 = now_ns();
	for (unsigned long i = 0; i < o.count; i++) {
		int r = open_one(&o, i, release, &pid);

		if (r < 0) {
			perror("holdbench: fork");
			break;
		}
		opened++;	/* a failed holder exits on its own; close_all() counts it */
		if (r == 0) {
			fprintf(stderr, "holdbench: session %lu of %s did not open\n", i,
				o.users[i % o.n_users]);
			break;
		}
	}
	printf("opened %lu %.3f\n", opened, (double)(now_ns() - t0) / 1e9);
	(void)fflush(stdout);
	if (opened == o.count)
		(void)!fgets(line, sizeof(line), stdin);
	t0 = now_ns();
	close(release[0]);
	failed = close_all(&o, release[1], opened);
	close(release[1]);
	printf("closed %lu failed %lu %.3f\n", opened, failed, (double)(now_ns() - t0) / 1e9);
	return opened == o.count && failed == 0 ? 0 : 1;
}
