/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libevil.so: what an attacker gets loaded into a process through the
 * environment: LD_PRELOAD (a constructor), LD_AUDIT (la_version) or
 * GCONV_PATH (a gconv module, as in PwnKit). Whichever way it is loaded, it
 * leaves a file next to itself, hit.COMM.EUID, that names who loaded it.
 * The tests show the marker appears for an ordinary program (so the trap
 * works) and never for corral's programs.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void mark(void)
{
	char dir[4096], comm[17] = "", path[4200];
	Dl_info info;
	int fd;

	if (!dladdr((void *)mark, &info) || !info.dli_fname)
		return;
	(void)snprintf(dir, sizeof(dir), "%s", info.dli_fname);
	(void)prctl(PR_GET_NAME, comm, 0, 0, 0);
	(void)snprintf(path, sizeof(path), "%s/hit.%s.%u", dirname(dir), comm,
		       (unsigned)geteuid());
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0)
		(void)close(fd);
}

__attribute__((constructor)) static void evil_init(void)
{
	mark();
}

/* LD_AUDIT: the loader calls this first. */
unsigned la_version(unsigned version);
unsigned la_version(unsigned version)
{
	mark();
	return version;
}

/* GCONV_PATH: a gconv module. */
int gconv_init(void *step);
int gconv_init(void *step)
{
	(void)step;
	mark();
	return 1;	/* __GCONV_NOCONV: refuse, after leaving the mark */
}

/* Required by the loader; never called, since gconv_init() refuses. */
int gconv(void);
int gconv(void)
{
	return 1;
}
