/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One login as sshd's privileged half does it, in pieces the benchmarks can
 * time: pam_start, open the session, fork the user's command (credentials
 * dropped, PAM's environment), wait for it, close the session, pam_end.
 */

#include <pwd.h>
#include <stdint.h>
#include <sys/types.h>

#include <security/pam_appl.h>

/* Exit codes of a login that went wrong, shared by the bench programs. */
enum {
	LOGIN_EXIT_USAGE = 99,
	LOGIN_EXIT_START = 100,
	LOGIN_EXIT_OPEN = 101,
	LOGIN_EXIT_CMD = 102,
	LOGIN_EXIT_CLOSE = 103,
	LOGIN_EXIT_FD_LEAK = 104,
};

uint64_t now_ns(void);

/* 0, or a LOGIN_EXIT_* code after a message on stderr. */
int login_start(const char *confdir, const char *service, const char *user,
		pam_handle_t **ret);
int login_open(pam_handle_t *pamh, const char *service);
/* The command as the user, stdout on /dev/null; its pid. */
pid_t login_spawn(pam_handle_t *pamh, const struct passwd *pw, char *const *cmd);
/* 0 when the command exited 0. */
int login_wait(pid_t pid, const char *what);
int login_close(pam_handle_t *pamh, const char *service);

/* fds 0..FD_SCAN_MAX-1 that are open, as a bitmap; the first fd open in after, not in before. */
#define FD_SCAN_MAX 256
void fd_snapshot(unsigned char open[FD_SCAN_MAX]);
int fd_new_since(const unsigned char before[FD_SCAN_MAX]);
