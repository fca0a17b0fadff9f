/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostile-launch: exec a program with the process state an attacker can give
 * a set-user-ID program, including what a shell cannot set up.
 *
 *   hostile-launch [OPTIONS] -- PROGRAM [ARG...]
 *
 *   --argc0             execve with an empty argv (argc 0, PwnKit)
 *   --env VAR=VALUE     the environment, instead of ours (repeatable)
 *   --env-bytes N       and one variable HUGE=xxx... of N bytes
 *   --close FD          close FD (repeatable; 0, 1 and 2 too)
 *   --fds N             leave N more fds open on /dev/null, without O_CLOEXEC
 *   --block-signals     block every signal
 *   --ignore-signals    set every signal that can be ignored to SIG_IGN
 *   --umask OCTAL
 *   --fd3-socket FILE   fd 3 is a SOCK_SEQPACKET socket to an attacker, a child
 *                       that sends one message first and appends whatever
 *                       comes back to FILE
 *   --user UID:GID      drop to UID and GID (no supplementary groups)
 *   --rlimit NAME=SOFT[:HARD]
 *                       NOFILE, FSIZE, NPROC, CORE or AS (HARD: SOFT, or
 *                       "-" to keep the hard limit as it is), set after --user
 *                       (NPROC before it would fail the exec)
 *
 * Without --env the environment is inherited. Exit status: 126 bad usage or
 * a setup step failed, 127 the exec failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENV_MAX 64
#define RLIMITS_MAX 8

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "hostile-launch: %s: %s\n", what, errno ? strerror(errno) : "invalid");
	exit(126);
}

static unsigned long number(const char *s, int base)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end)
		die(s);
	return v;
}

static char *huge_var(unsigned long n)
{
	char *kv = malloc(n + 6);

	if (!kv)
		die("malloc");
	memcpy(kv, "HUGE=", 5);
	memset(kv + 5, 'x', n);
	kv[n + 5] = '\0';
	return kv;
}

static int rlimit_resource(const char *name, size_t len)
{
	static const struct {
		const char *name;
		int resource;
	} names[] = {
		{ "NOFILE", RLIMIT_NOFILE }, { "FSIZE", RLIMIT_FSIZE }, { "NPROC", RLIMIT_NPROC },
		{ "CORE", RLIMIT_CORE },     { "AS", RLIMIT_AS },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && strncmp(name, names[i].name, len) == 0)
			return names[i].resource;
	errno = 0;
	die(name);
}

static void signals(bool block, bool ignore)
{
	sigset_t all;

	for (int sig = 1; ignore && sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_IGN);
	if (block && (sigfillset(&all) < 0 || sigprocmask(SIG_SETMASK, &all, NULL) < 0))
		die("sigprocmask");
}

static void open_fds(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			die("open /dev/null");
}

static void attacker_socket(const char *log)
{
	static const char hello[] = "CRL\1 an attacker's request";
	char buf[4096];
	ssize_t n;
	int sv[2], out;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		(void)close(sv[1]);
		if (out < 0 || write(sv[0], hello, sizeof(hello)) < 0)
			_exit(1);
		while ((n = read(sv[0], buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				_exit(1);
		_exit(0);
	}
	(void)close(sv[0]);
	if (sv[1] != 3 && (dup2(sv[1], 3) < 0 || close(sv[1]) < 0))
		die("dup2");
}

static void drop(const char *spec)
{
	gid_t gid;
	uid_t uid;
	char *colon = strchr(spec, ':');

	if (!colon)
		die(spec);
	*colon = '\0';
	uid = (uid_t)number(spec, 10);
	gid = (gid_t)number(colon + 1, 10);
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		die("dropping to the user");
}

struct launch {
	char *env[ENV_MAX + 1];
	char **envp;
	size_t n_env;
	const char *attacker_log;
	char *user;
	struct {
		int resource;
		rlim_t soft, hard;
		bool keep_hard;
	} lim[RLIMITS_MAX];
	size_t n_lim;
	bool argc0, block, ignore;
	int closes[16], n_closes;
	unsigned long fds;
};

static void add_rlimit(struct launch *l, char *spec)
{
	char *eq = strchr(spec, '='), *colon = strchr(spec, ':');

	if (!eq || l->n_lim == RLIMITS_MAX)
		die(spec);
	l->lim[l->n_lim].resource = rlimit_resource(spec, (size_t)(eq - spec));
	if (colon)
		*colon = '\0';
	l->lim[l->n_lim].soft = (rlim_t)number(eq + 1, 10);
	l->lim[l->n_lim].keep_hard = colon && strcmp(colon + 1, "-") == 0;
	l->lim[l->n_lim].hard = !colon ? l->lim[l->n_lim].soft :
				l->lim[l->n_lim].keep_hard ? 0 : (rlim_t)number(colon + 1, 10);
	l->n_lim++;
}

static void add_env(struct launch *l, char *kv)
{
	if (l->n_env == ENV_MAX)
		die("too many --env");
	l->env[l->n_env++] = kv;
	l->envp = l->env;
}

static void parse(struct launch *l, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "argc0", no_argument, NULL, '0' },	    { "env", required_argument, NULL, 'e' },
		{ "env-bytes", required_argument, NULL, 'E' },
		{ "close", required_argument, NULL, 'c' },  { "fds", required_argument, NULL, 'f' },
		{ "block-signals", no_argument, NULL, 'b' },
		{ "ignore-signals", no_argument, NULL, 'i' },
		{ "umask", required_argument, NULL, 'm' },  { "user", required_argument, NULL, 'u' },
		{ "rlimit", required_argument, NULL, 'r' },
		{ "fd3-socket", required_argument, NULL, 's' }, {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case '0': l->argc0 = true; break;
		case 'e': add_env(l, optarg); break;
		case 'E': add_env(l, huge_var(number(optarg, 10))); break;
		case 'c':
			if (l->n_closes == 16)
				die("too many --close");
			l->closes[l->n_closes++] = (int)number(optarg, 10);
			break;
		case 'f': l->fds = number(optarg, 10); break;
		case 'b': l->block = true; break;
		case 'i': l->ignore = true; break;
		case 'm': umask((mode_t)number(optarg, 8)); break;
		case 'u': l->user = optarg; break;
		case 'r': add_rlimit(l, optarg); break;
		case 's': l->attacker_log = optarg; break;
		default:
			errno = 0;
			die("usage: hostile-launch [OPTIONS] -- PROGRAM [ARG...]");
		}
	}
	if (optind >= argc)
		die("no program");
}

static void set_rlimits(const struct launch *l)
{
	for (size_t i = 0; i < l->n_lim; i++) {
		struct rlimit rl = { l->lim[i].soft, l->lim[i].hard };

		if (l->lim[i].keep_hard && getrlimit(l->lim[i].resource, &rl) == 0)
			rl.rlim_cur = l->lim[i].soft;
		if (setrlimit(l->lim[i].resource, &rl) < 0)
			die("setrlimit");
	}
}

int main(int argc, char **argv)
{
	static struct launch l = { .envp = NULL };
	char *empty_argv[] = { NULL };

	l.envp = environ;
	parse(&l, argc, argv);
	if (l.attacker_log)
		attacker_socket(l.attacker_log);
	open_fds(l.fds);
	signals(l.block, l.ignore);
	if (l.user)
		drop(l.user);
	set_rlimits(&l);
	for (int i = 0; i < l.n_closes; i++)
		(void)close(l.closes[i]);
	execve(argv[optind], l.argc0 ? empty_argv : argv + optind, l.envp);
	/* stderr may be closed by now: the status says it. */
	return 127;
}
