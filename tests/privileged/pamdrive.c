/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pamdrive: a small PAM application shaped like sshd's privileged half, for
 * the tests and the demo. It opens a session as root, forks, drops to the
 * user in the child and runs a command there, waits, and closes the session.
 *
 *   pamdrive [--confdir DIR] --service NAME --user USER [--tty TTY]
 *            [--rhost HOST] [--no-close] -- COMMAND [ARG...]
 *
 * Exit status: the command's (128+N for a signal), or
 *   99  bad usage or pam_start failed
 *   100 pam_open_session failed (the login is refused)
 *   101 pam_close_session failed
 *   102 the module left an fd open in this process
 *   103 this process did not get its own namespaces (or mount table) back
 * Messages PAM sends to the user are printed as "pamdrive: pam: MESSAGE".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define EXIT_USAGE 99
#define EXIT_OPEN 100
#define EXIT_CLOSE 101
#define EXIT_FD_LEAK 102
#define EXIT_NS_LEAK 103
#define FD_SCAN_MAX 256

struct opts {
	const char *confdir, *service, *user, *tty, *rhost;
	bool no_close;
	char **cmd;
};

/* What this process looks like before PAM touches it; compared after pam_end(). */
struct snapshot {
	bool fds[FD_SCAN_MAX];		/* true where an fd is open */
	ino_t ns[4];
	unsigned long mounts_hash;	/* of /proc/self/mountinfo */
};

static const char *const ns_names[4] = { "pid_for_children", "mnt", "uts", "ipc" };

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_ERROR_MSG || msg[i]->msg_style == PAM_TEXT_INFO)
			fprintf(stderr, "pamdrive: pam: %s\n", msg[i]->msg);
		else
			return PAM_CONV_ERR;
	*resp = calloc((size_t)n, sizeof(**resp));
	return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static bool fcntl_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static unsigned long mountinfo_hash(void)
{
	unsigned long h = 5381;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		h = h * 33 + (unsigned char)c;
	(void)fclose(f);
	return h;
}

static void snapshot_take(struct snapshot *s)
{
	char path[64];
	struct stat st;

	for (int fd = 0; fd < FD_SCAN_MAX; fd++)
		s->fds[fd] = fcntl_is_open(fd);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		s->ns[i] = stat(path, &st) == 0 ? st.st_ino : 0;
	}
	s->mounts_hash = mountinfo_hash();
}

static int snapshot_compare(const struct snapshot *before)
{
	struct snapshot now;
	char path[64], target[256];
	ssize_t n;

	snapshot_take(&now);
	for (int i = 0; i < 4; i++)
		if (now.ns[i] != before->ns[i]) {
			fprintf(stderr, "pamdrive: namespace %s not restored\n", ns_names[i]);
			return EXIT_NS_LEAK;
		}
	if (now.mounts_hash != before->mounts_hash) {
		fprintf(stderr, "pamdrive: the mount table changed\n");
		return EXIT_NS_LEAK;
	}
	for (int fd = 0; fd < FD_SCAN_MAX; fd++) {
		if (!now.fds[fd] || before->fds[fd])
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		fprintf(stderr, "pamdrive: leaked fd %d -> %s\n", fd, target);
		return EXIT_FD_LEAK;
	}
	return 0;
}

static _Noreturn void usage(const char *why)
{
	fprintf(stderr, "pamdrive: %s\nusage: pamdrive [--confdir DIR] --service NAME --user USER "
		"[--tty TTY] [--rhost HOST] [--no-close] -- COMMAND [ARG...]\n", why);
	exit(EXIT_USAGE);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "confdir", required_argument, NULL, 'c' },
		{ "service", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "tty", required_argument, NULL, 't' },
		{ "rhost", required_argument, NULL, 'r' },
		{ "no-close", no_argument, NULL, 'n' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1)
		switch (c) {
		case 'c': o->confdir = optarg; break;
		case 's': o->service = optarg; break;
		case 'u': o->user = optarg; break;
		case 't': o->tty = optarg; break;
		case 'r': o->rhost = optarg; break;
		case 'n': o->no_close = true; break;
		default: usage("unknown option");
		}
	if (!o->service || !o->user || optind >= argc)
		usage("--service, --user and a command are required");
	o->cmd = argv + optind;
}

/* The user's side of the fork: credentials, environment, the command. */
static _Noreturn void run_as_user(pam_handle_t *pamh, const struct passwd *pw, char **cmd)
{
	char **env = pam_getenvlist(pamh);

	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		perror("pamdrive: cannot become the user");
		_exit(EXIT_USAGE);
	}
	clearenv();
	for (size_t i = 0; env && env[i]; i++)
		putenv(env[i]);
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	setenv("SHELL", pw->pw_shell, 1);
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		_exit(EXIT_USAGE);
	execvp(cmd[0], cmd);
	fprintf(stderr, "pamdrive: cannot run %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

static int run_session(pam_handle_t *pamh, const struct passwd *pw, char **cmd)
{
	int status;
	pid_t pid;

	(void)fflush(NULL);
	pid = fork();
	if (pid < 0)
		return EXIT_USAGE;
	if (pid == 0)
		run_as_user(pamh, pw, cmd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_USAGE;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int drive(const struct opts *o, const struct passwd *pw)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int r, rc;

	r = pam_start_confdir(o->service, o->user, &pc, o->confdir, &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start: %s\n", pam_strerror(pamh, r));
		return EXIT_USAGE;
	}
	if (o->tty)
		(void)pam_set_item(pamh, PAM_TTY, o->tty);
	if (o->rhost)
		(void)pam_set_item(pamh, PAM_RHOST, o->rhost);
	r = pam_open_session(pamh, 0);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_open_session: %s\n", pam_strerror(pamh, r));
		pam_end(pamh, r);
		return EXIT_OPEN;
	}
	rc = run_session(pamh, pw, o->cmd);
	if (o->no_close)
		_exit(rc);	/* an application that dies without closing */
	r = pam_close_session(pamh, 0);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_close_session: %s\n", pam_strerror(pamh, r));
		rc = EXIT_CLOSE;
	}
	pam_end(pamh, r);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {};
	struct snapshot before;
	struct passwd *pw;
	int rc, leak;

	parse_opts(argc, argv, &o);
	pw = getpwnam(o.user);
	if (!pw)
		usage("no such user");
	/* PAM modules log through syslog(), whose socket stays open: open it first. */
	openlog("pamdrive", LOG_NDELAY, LOG_AUTHPRIV);
	snapshot_take(&before);
	rc = drive(&o, pw);
	if (rc == EXIT_USAGE)
		return rc;
	leak = snapshot_compare(&before);
	return leak ? leak : rc;
}
