/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "tap.h"
#include "test-conf-util.h"

char *scratch_make(const char *base)
{
	char *dir;

	if (asprintf(&dir, "%s/corral-test-XXXXXX", base) < 0)
		return NULL;
	/* 0755, not mkdtemp's 0700: the owner tests need a directory only root can write. */
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		diag("cannot create a scratch directory under %s: %s", base, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static int remove_one(const char *path, const struct stat *st _unused_, int type _unused_,
		      struct FTW *ftw _unused_)
{
	if (remove(path) < 0)
		diag("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

void scratch_remove(char *dir)
{
	if (!dir)
		return;
	(void)nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

const char *path_in(const char *dir, const char *name)
{
	static char buf[PATH_MAX];

	(void)snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

int write_bytes(const char *dir, const char *name, const char *content, size_t len)
{
	_cleanup_close_ int fd = -EBADF;
	const char *path = path_in(dir, name);

	errno = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || fchmod(fd, 0644) < 0 || write(fd, content, len) != (ssize_t)len) {
		int r = errno ? -errno : -EIO;

		diag("cannot write %s: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

int write_str(const char *dir, const char *name, const char *content)
{
	return write_bytes(dir, name, content, strlen(content));
}

int make_dir(const char *dir, const char *name)
{
	const char *path = path_in(dir, name);

	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0) {
		int r = -errno;

		diag("cannot create %s: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

bool fake_in_group(const char *group, void *userdata)
{
	const struct fake_user *u = userdata;
	size_t n = strlen(group);

	for (const char *p = u->groups; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, group, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

int load_dir(const char *dir, struct conf **ret, struct corral_err *err)
{
	char main_path[PATH_MAX];
	struct conf_source src = { .main_path = main_path };

	(void)snprintf(main_path, sizeof(main_path), "%s/corral.conf", dir);
	return conf_load(&src, ret, err);
}

int resolve_as(const struct conf *c, const struct fake_user *u, struct policy *ret,
	       struct corral_err *err)
{
	struct conf_subject who = {
		.user = u->name,
		.uid = u->uid,
		.host = u->host ? u->host : "box",
		.in_group = fake_in_group,
		.userdata = (void *)u,
	};

	return conf_resolve(c, &who, ret, err);
}
