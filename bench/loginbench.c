/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loginbench: the time of one login on several stacks, interleaved, so that
 * whatever else the machine does falls on every stack alike.
 *
 *   loginbench --confdir DIR --user USER --rounds N [--warmup N] STACK...
 *   STACK is NAME=pam:SERVICE   PAM open_session, fork, exec /bin/true as
 *                               USER, wait, close_session (pam_start and
 *                               pam_end untimed), in a fresh process each
 *                               time, as sshd forks one per connection
 *         or NAME=cmd:PROG,ARG  fork, exec PROG ARG... (as root), wait
 *
 * Each round runs every stack once, starting one stack later than the round
 * before. Prints one line per timed login: "NAME NANOSECONDS OPEN CLOSE", the
 * last two the time in pam_open_session and pam_close_session (0 for a
 * command). Any login that
 * fails (PAM error, non-zero exit) ends the run with status 1 and a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "login.h"

#define STACKS_MAX 32
#define ARGS_MAX 32

struct stack {
	char *name;
	char *service;		/* a PAM stack, or NULL */
	char *argv[ARGS_MAX];	/* a command */
};

struct opts {
	const char *confdir, *user;
	unsigned long rounds, warmup;
	struct stack st[STACKS_MAX];
	unsigned n;
};

static _Noreturn void usage(const char *why)
{
	fprintf(stderr, "loginbench: %s\nusage: loginbench --confdir DIR --user USER --rounds N "
		"[--warmup N] NAME=pam:SERVICE|NAME=cmd:PROG[,ARG...]...\n", why);
	exit(LOGIN_EXIT_USAGE);
}

static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 1000000)
		usage("a count must be a number from 0 to 1000000");
	return v;
}

static void parse_stack(char *spec, struct stack *st)
{
	char *eq = strchr(spec, '='), *save = NULL;
	unsigned n = 0;

	if (!eq || eq == spec)
		usage("a stack is NAME=pam:SERVICE or NAME=cmd:PROG[,ARG...]");
	*eq = '\0';
	st->name = spec;
	if (strncmp(eq + 1, "pam:", 4) == 0 && eq[5]) {
		st->service = eq + 5;
		return;
	}
	if (strncmp(eq + 1, "cmd:/", 5) != 0)
		usage("a stack is NAME=pam:SERVICE or NAME=cmd:/PROG[,ARG...]");
	for (char *a = strtok_r(eq + 5, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		if (n == ARGS_MAX - 1)
			usage("too many arguments in a command");
		st->argv[n++] = a;
	}
	if (n == 0)
		usage("a stack is NAME=pam:SERVICE or NAME=cmd:/PROG[,ARG...]");
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "confdir", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1)
		switch (c) {
		case 'c': o->confdir = optarg; break;
		case 'u': o->user = optarg; break;
		case 'n': o->rounds = parse_count(optarg); break;
		case 'w': o->warmup = parse_count(optarg); break;
		default: usage("unknown option");
		}
	if (!o->confdir || !o->user || optind >= argc)
		usage("--confdir, --user and at least one stack are required");
	for (; optind < argc; optind++) {
		if (o->n == STACKS_MAX)
			usage("too many stacks");
		parse_stack(argv[optind], &o->st[o->n++]);
	}
}

/* In the forked application: one login, its time written to fd out. */
static _Noreturn void pam_child(const struct opts *o, const struct stack *st,
				const struct passwd *pw, int out)
{
	static char *const true_cmd[] = { "/bin/true", NULL };
	pam_handle_t *pamh = NULL;
	uint64_t t[4];
	int r;

	r = login_start(o->confdir, st->service, o->user, &pamh);
	if (r)
		_exit(r);
	t[0] = now_ns();
	r = login_open(pamh, st->service);
	t[1] = now_ns();
	if (r == 0)
		r = login_wait(login_spawn(pamh, pw, true_cmd), "/bin/true");
	t[2] = now_ns();
	if (r == 0)
		r = login_close(pamh, st->service);
	t[3] = now_ns();
	pam_end(pamh, r ? PAM_SESSION_ERR : PAM_SUCCESS);
	if (r == 0 && write(out, t, sizeof(t)) != (ssize_t)sizeof(t))
		r = LOGIN_EXIT_USAGE;
	_exit(r);
}

static int time_pam(const struct opts *o, const struct stack *st, const struct passwd *pw,
		    uint64_t ret[3])
{
	uint64_t t[4];
	int p[2], r;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	(void)fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		pam_child(o, st, pw, p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	n = read(p[0], t, sizeof(t));
	close(p[0]);
	r = login_wait(pid, st->name);
	if (r != 0 || n != (ssize_t)sizeof(t))
		return -EIO;
	ret[0] = t[3] - t[0];
	ret[1] = t[1] - t[0];
	ret[2] = t[3] - t[2];
	return 0;
}

static int time_cmd(const struct stack *st, uint64_t *ret)
{
	uint64_t t0 = now_ns();
	pid_t pid;
	int null;

	(void)fflush(NULL);
	pid = fork();
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(LOGIN_EXIT_USAGE);
		execv(st->argv[0], st->argv);
		fprintf(stderr, "loginbench: cannot run %s: %s\n", st->argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	if (login_wait(pid, st->name) != 0)
		return -EIO;
	*ret = now_ns() - t0;
	return 0;
}

static int run_round(const struct opts *o, const struct passwd *pw, unsigned long round,
		     bool report)
{
	for (unsigned k = 0; k < o->n; k++) {
		const struct stack *st = &o->st[(round + k) % o->n];
		uint64_t ns[3] = { 0 };
		int r = st->service ? time_pam(o, st, pw, ns) : time_cmd(st, ns);

		if (r < 0) {
			fprintf(stderr, "loginbench: %s failed in round %lu\n", st->name, round);
			return r;
		}
		if (report)
			printf("%s %llu %llu %llu\n", st->name, (unsigned long long)ns[0],
			       (unsigned long long)ns[1], (unsigned long long)ns[2]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .rounds = 100 };
	struct passwd *pw;

	parse_opts(argc, argv, &o);
	pw = getpwnam(o.user);
	if (!pw)
		usage("no such user");
	for (unsigned long i = 0; i < o.warmup + o.rounds; i++)
		if (run_round(&o, pw, i, i >= o.warmup) < 0)
			return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}
