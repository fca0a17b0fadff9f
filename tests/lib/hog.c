/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hog: bounded resource hogs for the enforcement tests. Each one stops on its
 * own, so a bug in corral cannot take the machine down.
 *
 *   hog mem MB        touch MB mebibytes, 1 MiB at a time; prints "allocated N" as it goes
 *   hog fork N        fork up to N children that sleep; prints "forked K" (K <= N), reaps them
 *   hog cpu SECONDS   spin for SECONDS of wall time; prints "cpu PERCENT" of one CPU used
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define FORK_MAX 10000
#define MEM_MAX_MB 4096
#define CPU_MAX_S 60

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each chunk starts with a pointer to the previous one: all stay reachable (no leak for
 * LeakSanitizer or the analyzer) until the hog frees them on its way out. */
static void free_chunks(void *head)
{
	while (head) {
		void *prev = *(void **)head;

		free(head);
		head = prev;
	}
}

static int mem(long mb)
{
	void *head = NULL;

	for (long i = 1; i <= mb; i++) {
		char *p = malloc(MIB);

		if (!p) {
			free_chunks(head);
			return 1;
		}
		memset(p, (int)i, MIB);
		*(void **)p = head;
		head = p;
		if (i % 8 == 0 || i == mb) {
			printf("allocated %ld\n", i);
			(void)fflush(stdout);
		}
	}
	free_chunks(head);
	return 0;
}

static int forks(long n)
{
	long k = 0;

	/* Our own process group, so the final SIGTERM reaches only the children. */
	setpgid(0, 0);
	for (; k < n; k++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (pid == 0) {
			sleep(5);
			_exit(0);
		}
	}
	printf("forked %ld\n", k);
	(void)fflush(stdout);
	(void)signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

static int cpu(long seconds)
{
	double start = now();
	struct rusage ru;
	volatile unsigned long spin = 0;

	while (now() - start < (double)seconds)
		for (int i = 0; i < 100000; i++)
			spin++;
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu %.0f\n", 100.0 * ((double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6) /
				     (now() - start));
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : -1;

	if (argc == 3 && strcmp(argv[1], "mem") == 0 && n > 0 && n <= MEM_MAX_MB)
		return mem(n);
	if (argc == 3 && strcmp(argv[1], "fork") == 0 && n > 0 && n <= FORK_MAX)
		return forks(n);
	if (argc == 3 && strcmp(argv[1], "cpu") == 0 && n > 0 && n <= CPU_MAX_S)
		return cpu(n);
	fprintf(stderr, "usage: hog mem MB | fork N | cpu SECONDS (bounded: %d MB, %d forks, %d s)\n",
		MEM_MAX_MB, FORK_MAX, CPU_MAX_S);
	return 2;
}
