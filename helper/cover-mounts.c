/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session's mount table starts as a copy of the host's, and the host's may
 * hold more procfs and mqueue instances than /proc: a chroot's /proc, a
 * container's, systemd's /dev/mqueue. Each shows the namespace it was mounted
 * in, the host's processes or message queues, and would show them inside the
 * session. Each gets an instance of the session's own namespace mounted over
 * it (a mount over a host instance, not an unmount: the path keeps working).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cover-mounts.h"
#include "macro.h"
#include "parse-util.h"

#define COVER_MAX 256

static const char *const type_names[] = { [COVER_PROC] = "proc", [COVER_MQUEUE] = "mqueue" };

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPER": the type, or -1. */
static int parse_line(char *line, char **ret_path)
{
	char *dash = strstr(line, " - "), *save = NULL, *f = NULL, *fstype;

	if (!dash)
		return -1;
	*dash = '\0';
	fstype = strtok_r(dash + 3, " \n", &save);
	save = NULL;
	f = strtok_r(line, " ", &save);
	for (int i = 0; i < 4 && f; i++)
		f = strtok_r(NULL, " ", &save);
	if (!f || !fstype)
		return -1;
	unescape_octal(f);
	*ret_path = f;
	for (size_t t = 0; t < ARRAY_SIZE(type_names); t++)
		if (streq(fstype, type_names[t]))
			return (int)t;
	return -1;
}

static bool listed(const struct cover_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->path[i], path))
			return true;
	return false;
}

/*
 * gcc 12's -fanalyzer merges the states of cover_list_read()'s loop, loses
 * where l->path points and reports every strdup() stored there as leaked:
 * false, cover_list_free() frees them. clang does not know the warning.
 */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int add(struct cover_list *l, int type, const char *path, struct corral_err *err)
{
	if ((type == COVER_PROC && streq(path, "/proc")) || listed(l, path))
		return 0;
	if (l->n == COVER_MAX)
		return err_set(err, -E2BIG, "More than %d procfs and mqueue mounts", COVER_MAX);
	l->path[l->n] = strdup(path);
	if (!l->path[l->n])
		return err_set(err, -ENOMEM, "Out of memory");
	l->type[l->n++] = type;
	return 0;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

int cover_list_read(struct cover_list *ret, struct corral_err *err)
{
	struct cover_list l = {};
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	FILE *f;
	int r = 0;

	l.path = calloc(COVER_MAX, sizeof(*l.path));
	l.type = calloc(COVER_MAX, sizeof(*l.type));
	if (!l.path || !l.type) {
		cover_list_free(&l);
		return err_set(err, -ENOMEM, "Out of memory");
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		cover_list_free(&l);
		return err_errno(err, -errno, "Failed to open /proc/self/mountinfo");
	}
	while (r == 0 && getline(&line, &size, f) >= 0) {
		char *path;
		int type = parse_line(line, &path);

		if (type >= 0)
			r = add(&l, type, path, err);
	}
	(void)fclose(f);
	if (r < 0)
		cover_list_free(&l);
	else
		*ret = l;
	return r;
}

int cover_list_apply(const struct cover_list *l, struct corral_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *t = type_names[l->type[i]];

		if (mount(t, l->path[i], t, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
			continue;
		/* Hidden under a later mount: out of reach from the session as well. */
		if (errno == ENOENT || errno == ENOTDIR)
			continue;
		return err_errno(err, -errno, "Failed to mount the session's %s over the host's at %s",
				 t, l->path[i]);
	}
	return 0;
}

void cover_list_free(struct cover_list *l)
{
	for (size_t i = 0; l->path && i < l->n; i++)
		free(l->path[i]);
	free(l->path);
	free(l->type);
	*l = (struct cover_list){};
}
