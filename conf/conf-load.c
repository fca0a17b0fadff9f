/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf_load(): the main file (it must exist and must not be empty), then every
 * "*.conf" in the drop-in directory in strcmp order (a missing directory is
 * fine; names starting with '.' and other names are ignored; a "*.conf" that
 * is not a regular file is an error). Each file goes through the passes listed
 * in conf-internal.h; the first error stops the load, nothing half-parsed is
 * ever returned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf-internal.h"

struct conf *conf_free(struct conf *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_sections; i++) {
		struct conf_section *s = &c->sections[i];

		for (size_t j = 0; j < s->n_entries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->name);
	}
	free(c->sections);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
	return NULL;
}

/* Takes ownership of path; *ret borrows it from c. */
static int add_file(struct conf *c, char *path, const char **ret, struct corral_err *err)
{
	if (conf_grow((void **)&c->files, &c->n_files_alloc, c->n_files, sizeof(*c->files)) < 0) {
		free(path);
		return err_set(err, -ENOMEM, "Out of memory");
	}
	c->files[c->n_files++] = path;
	*ret = path;
	return 0;
}

static int load_buffer(struct conf *c, const char *path, const char *buf, size_t len,
		       struct corral_err *err)
{
	size_t first = c->n_sections, n;
	struct conf_section *s;
	int r;

	r = conf_scan(c, path, buf, len, err);
	if (r < 0)
		return r;
	/* A file of comments adds no section, and sections may still be NULL. */
	n = c->n_sections - first;
	s = n > 0 ? c->sections + first : NULL;
	r = conf_schema_check(s, n, err);
	if (r >= 0)
		r = conf_ini_verify(path, buf, len, s, n, err);
	if (r >= 0)
		r = conf_schema_parse_values(s, n, err);
	return r;
}

static int load_main(struct conf *c, const struct conf_source *src, struct corral_err *err)
{
	_cleanup_free_ char *buf = NULL;
	char *copy;
	const char *path = NULL;
	size_t len;
	int r;

	r = conf_file_read(src->main_path, src->check_owner, &buf, &len, err);
	if (r < 0)
		return r;
	/* A truncated file must not quietly turn into the built-in defaults. */
	if (len == 0)
		return conf_err_at(err, -ENODATA, src->main_path, 0, NULL, NULL,
				   "file is empty (for the built-in defaults, write a comment)");
	copy = strdup(src->main_path);
	if (!copy)
		return err_set(err, -ENOMEM, "Out of memory");
	r = add_file(c, copy, &path, err);
	if (r < 0)
		return r;
	return load_buffer(c, path, buf, len, err);
}

static int load_dropin(struct conf *c, int dirfd, const char *dir, const char *name,
		       bool check_owner, struct corral_err *err)
{
	_cleanup_free_ char *buf = NULL;
	const char *path = NULL;
	char *p;
	size_t len;
	int r;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return err_set(err, -ENOMEM, "Out of memory");
	r = add_file(c, p, &path, err);
	if (r < 0)
		return r;
	r = conf_file_read_at(dirfd, name, path, check_owner, &buf, &len, err);
	if (r < 0)
		return r;
	return load_buffer(c, path, buf, len, err);
}

static bool is_dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

struct names {
	char **v;
	size_t n, alloc;
};

static void names_done(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int names_add(struct names *l, const char *dir, const char *name, struct corral_err *err)
{
	char *copy;

	if (l->n >= CONF_DROPINS_MAX)
		return conf_err_at(err, -E2BIG, dir, 0, NULL, NULL, "more than %d *.conf files",
				   CONF_DROPINS_MAX);
	if (conf_grow((void **)&l->v, &l->alloc, l->n, sizeof(*l->v)) < 0)
		return err_set(err, -ENOMEM, "Out of memory");
	copy = strdup(name);
	if (!copy)
		return err_set(err, -ENOMEM, "Out of memory");
	/* Store, then count: gcc 12's -fanalyzer loses the pointer (reports a leak) when the
	 * store sits in a condition or uses l->n++ as the index. */
	l->v[l->n] = copy;
	l->n++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf names of the directory, in strcmp order. */
static int list_dropins(int dirfd, const char *dir, struct names *ret, struct corral_err *err)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = conf_err_at(err, -errno, dir, 0, NULL, NULL, "cannot list: %s",
				strerror(errno));
		(void)close_nointr_keep_errno(fd);
		return r;
	}
	errno = 0;
	while (r >= 0 && (de = readdir(d)))
		if (is_dropin_name(de->d_name))
			r = names_add(ret, dir, de->d_name, err);
	if (r >= 0 && errno != 0)
		r = conf_err_at(err, -errno, dir, 0, NULL, NULL, "cannot list: %s",
				strerror(errno));
	(void)closedir(d);
	/* An empty directory leaves v NULL, which qsort() must not be given even for 0 items. */
	if (r >= 0 && ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_names);
	return r;
}

static int load_dropins(struct conf *c, const struct conf_source *src, struct corral_err *err)
{
	_cleanup_(names_done) struct names names = { 0 };
	_cleanup_free_ char *dflt = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	const char *dir = src->dropin_dir;
	int r;

	if (!dir && asprintf(&dflt, "%s.d", src->main_path) < 0)
		return err_set(err, -ENOMEM, "Out of memory");
	if (!dir)
		dir = dflt;
	r = conf_dir_open(dir, src->check_owner, &dirfd, err);
	if (r == -ENOENT) {
		err_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = list_dropins(dirfd, dir, &names, err);
	for (size_t i = 0; r >= 0 && i < names.n; i++)
		r = load_dropin(c, dirfd, dir, names.v[i], src->check_owner, err);
	return r;
}

int conf_load(const struct conf_source *src, struct conf **ret, struct corral_err *err)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	int r;

	if (!src || !src->main_path || !src->main_path[0] || !ret)
		return err_set(err, -EINVAL, "No configuration file given");
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(err, -ENOMEM, "Out of memory");
	r = load_main(c, src, err);
	if (r < 0)
		return r;
	r = load_dropins(c, src, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}
