/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * logsink SOCKET FILE: a syslog stand-in for the tests. Binds a datagram
 * socket at SOCKET (the tests' private /dev/log), and appends every message
 * it receives as one line to FILE, flushed at once so a test can grep it.
 * Writes its readiness as "ready\n" to stdout; ends on SIGTERM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[8192];
	FILE *out;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: logsink SOCKET FILE\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);	/* length checked above */
	out = fopen(argv[2], "ae");
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!out || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "logsink: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	puts("ready");
	(void)fflush(stdout);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		(void)fflush(out);
	}
}
