/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "login.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Messages a module sends to the user; nothing here answers prompts. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_ERROR_MSG || msg[i]->msg_style == PAM_TEXT_INFO)
			fprintf(stderr, "bench: pam: %s\n", msg[i]->msg);
		else
			return PAM_CONV_ERR;
	*resp = calloc((size_t)n, sizeof(**resp));
	return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static const struct pam_conv pam_conv = { conv, NULL };

int login_start(const char *confdir, const char *service, const char *user, pam_handle_t **ret)
{
	int r = pam_start_confdir(service, user, &pam_conv, confdir, ret);

	if (r != PAM_SUCCESS) {
		fprintf(stderr, "bench: %s: pam_start: %s\n", service, pam_strerror(*ret, r));
		return LOGIN_EXIT_START;
	}
	/* What sshd sets for a command login. */
	(void)pam_set_item(*ret, PAM_TTY, "ssh");
	(void)pam_set_item(*ret, PAM_RHOST, "127.0.0.1");
	return 0;
}

int login_open(pam_handle_t *pamh, const char *service)
{
	int r = pam_open_session(pamh, 0);

	if (r != PAM_SUCCESS) {
		fprintf(stderr, "bench: %s: pam_open_session: %s\n", service, pam_strerror(pamh, r));
		return LOGIN_EXIT_OPEN;
	}
	return 0;
}

int login_close(pam_handle_t *pamh, const char *service)
{
	int r = pam_close_session(pamh, 0);

	if (r != PAM_SUCCESS) {
		fprintf(stderr, "bench: %s: pam_close_session: %s\n", service,
			pam_strerror(pamh, r));
		return LOGIN_EXIT_CLOSE;
	}
	return 0;
}

static _Noreturn void exec_as_user(pam_handle_t *pamh, const struct passwd *pw, char *const *cmd)
{
	char **env = pam_getenvlist(pamh);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		perror("bench: cannot become the user");
		_exit(LOGIN_EXIT_USAGE);
	}
	clearenv();
	for (size_t i = 0; env && env[i]; i++)
		putenv(env[i]);
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		_exit(LOGIN_EXIT_USAGE);
	execv(cmd[0], cmd);
	fprintf(stderr, "bench: cannot run %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

pid_t login_spawn(pam_handle_t *pamh, const struct passwd *pw, char *const *cmd)
{
	pid_t pid;

	(void)fflush(NULL);
	pid = fork();
	if (pid == 0)
		exec_as_user(pamh, pw, cmd);
	if (pid < 0)
		perror("bench: fork");
	return pid;
}

int login_wait(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("bench: waitpid");
			return LOGIN_EXIT_CMD;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "bench: %s exited %d\n", what, WEXITSTATUS(status));
	else
		fprintf(stderr, "bench: %s killed by signal %d\n", what, WTERMSIG(status));
	return LOGIN_EXIT_CMD;
}

void fd_snapshot(unsigned char open[FD_SCAN_MAX])
{
	for (int fd = 0; fd < FD_SCAN_MAX; fd++)
		open[fd] = fcntl(fd, F_GETFD) >= 0;
}

int fd_new_since(const unsigned char before[FD_SCAN_MAX])
{
	for (int fd = 0; fd < FD_SCAN_MAX; fd++)
		if (!before[fd] && fcntl(fd, F_GETFD) >= 0)
			return fd;
	return -1;
}
