/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main() for a fuzz target outside libFuzzer: runs LLVMFuzzerTestOneInput()
 * once on every file of the directories given (in name order, dot files
 * skipped), one TAP line per input. This is how every build, the sanitizer
 * build of CI included, replays the committed corpus and the inputs of past
 * crashes. A failed check aborts the program; the "# PATH" line before it
 * names the input. A missing directory counts as empty, but finding no input
 * at all is a failure: a replay that ran nothing must not pass.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX (4 * 1024 * 1024)

static unsigned count, failed;

static void result(int pass, const char *path, const char *why)
{
	printf("%sok %u - %s%s%s\n", pass ? "" : "not ", ++count, path, why ? ": " : "",
	       why ? why : "");
	failed += !pass;
}

static int read_input(int dirfd, const char *name, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > INPUT_MAX) {
		(void)close(fd);
		return -EINVAL;
	}
	/* One spare byte: malloc(0) may return NULL. */
	buf = malloc((size_t)st.st_size + 1);
	while (buf && len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	if (!buf || len != (size_t)st.st_size) {
		free(buf);
		return -EIO;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int not_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static void replay_dir(const char *dir)
{
	struct dirent **names;
	int dirfd, n;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT) {
		printf("# %s: no such directory, no inputs\n", dir);
		return;
	}
	n = dirfd < 0 ? -1 : scandir(dir, &names, not_dot, alphasort);
	if (n < 0) {
		result(0, dir, strerror(errno));
		if (dirfd >= 0)
			(void)close(dirfd);
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		uint8_t *data = NULL;
		size_t len = 0;
		int r;

		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		r = read_input(dirfd, names[i]->d_name, &data, &len);
		if (r < 0) {
			result(0, path, strerror(-r));
		} else {
			printf("# %s (%zu bytes)\n", path, len);
			(void)fflush(stdout);
			(void)LLVMFuzzerTestOneInput(data, len);
			free(data);
			result(1, path, NULL);
		}
		free(names[i]);
	}
	free(names);
	(void)close(dirfd);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		replay_dir(argv[i]);
	if (count == 0)
		result(0, "replay", "no inputs found");
	printf("1..%u\n", count);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
