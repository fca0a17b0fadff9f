/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iniparser reads the same bytes the scan read, and must see exactly the same
 * sections, keys and values; any disagreement refuses the file. Debian's
 * iniparser 4.1 can only load by path, so the bytes go into a sealed memfd
 * loaded as /proc/self/fd/N: the file is read once, and what was checked is
 * what is parsed.
 *
 * Only iniparser_getstring() and iniparser_find_entry() are used: the typed
 * getters of 4.1 crash on a section name (CVE-2023-33461), read "042" as 34 and
 * "10G" as 10, and call "yesno" true; iniparser_dump*() are never called.
 * The default error callback prints to stderr, which must never happen inside
 * a PAM host, so a collecting callback is installed; 4.1's callback has no
 * context pointer, hence the one (thread-local) global of this library. It
 * stays installed: there is no way to read back a callback someone else set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iniparser.h>

#include "conf-internal.h"

#define INI_MSG_QUOTE_MAX 160

static _Thread_local struct {
	char msg[512];
	unsigned count;
} ini_errors;

static _printf_(1, 2) int collect_error(const char *fmt, ...)
{
	va_list ap;

	if (ini_errors.count++ > 0)
		return 0;
	va_start(ap, fmt);
	(void)vsnprintf(ini_errors.msg, sizeof(ini_errors.msg), fmt, ap);
	va_end(ap);
	return 0;
}

static void freedictp(dictionary **d)
{
	if (*d)
		iniparser_freedict(*d);
}

static int memfd_copy(const char *path, const char *buf, size_t len, int *ret_fd,
		      struct corral_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	size_t off = 0;

	fd = memfd_create("corral.conf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return conf_err_at(err, -errno, path, 0, NULL, NULL, "memfd_create: %s",
				   strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return conf_err_at(err, -errno, path, 0, NULL, NULL,
					   "cannot copy to a memfd: %s", strerror(errno));
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return conf_err_at(err, -errno, path, 0, NULL, NULL, "cannot seal the memfd: %s",
				   strerror(errno));
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int ini_load(const char *path, const char *buf, size_t len, dictionary **ret,
		    struct corral_err *err)
{
	char proc[sizeof("/proc/self/fd/") + DECIMAL_STR_MAX(int)];
	char esc[INI_MSG_QUOTE_MAX * 4 + 4];
	_cleanup_close_ int fd = -EBADF;
	_cleanup_(freedictp) dictionary *d = NULL;
	int r;

	r = memfd_copy(path, buf, len, &fd, err);
	if (r < 0)
		return r;
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ini_errors.msg[0] = '\0';
	ini_errors.count = 0;
	iniparser_set_error_callback(collect_error);
	d = iniparser_load(proc);
	/* Even with a dictionary: 4.1 stops at an allocation failure and returns what it has. */
	if (!d || ini_errors.count > 0)
		return conf_err_at(err, -EINVAL, path, 0, NULL, NULL, "iniparser refused it: '%s'",
				   conf_escape(esc, sizeof(esc), ini_errors.msg,
					       strlen(ini_errors.msg), INI_MSG_QUOTE_MAX));
	*ret = TAKE_PTR(d);
	return 0;
}

static int verify_entry(const char *path, const dictionary *d, const char *lc_section,
			const struct conf_section *s, const struct conf_entry *e,
			struct corral_err *err)
{
	char full[CONF_LINE_MAX * 2 + 2];
	char e1[CONF_ESCAPED_SIZE], e2[CONF_ESCAPED_SIZE];
	const char *v;

	(void)snprintf(full, sizeof(full), "%s:%s", lc_section, e->key);
	v = iniparser_getstring(d, full, NULL);
	if (!v)
		return conf_err_at(err, -EINVAL, path, e->line, s, e->key,
				   "iniparser does not see this key; refusing the file");
	if (strcmp(v, e->value) != 0)
		return conf_err_at(err, -EINVAL, path, e->line, s, e->key,
				   "ambiguous value: iniparser reads '%s', corral '%s'",
				   conf_escape(e1, sizeof(e1), v, strlen(v), CONF_QUOTE_MAX),
				   conf_escape(e2, sizeof(e2), e->value, strlen(e->value),
					       CONF_QUOTE_MAX));
	return 0;
}

static int verify_section(const char *path, const dictionary *d, const struct conf_section *s,
			  struct corral_err *err)
{
	char lc[CONF_LINE_MAX + 1];
	int r;

	conf_ascii_lower(lc, s->name, sizeof(lc));
	if (iniparser_find_entry(d, lc) == 0)
		return conf_err_at(err, -EINVAL, path, s->line, s, NULL,
				   "iniparser does not see this section; refusing the file");
	for (size_t i = 0; i < s->n_entries; i++) {
		r = verify_entry(path, d, lc, s, &s->entries[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int conf_ini_verify(const char *path, const char *buf, size_t len, struct conf_section *sections,
		    size_t n_sections, struct corral_err *err)
{
	_cleanup_(freedictp) dictionary *d = NULL;
	size_t total = n_sections;
	int r;

	r = ini_load(path, buf, len, &d, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_sections; i++) {
		r = verify_section(path, d, &sections[i], err);
		if (r < 0)
			return r;
		total += sections[i].n_entries;
	}
	/* Nothing more either: every section and every key is one dictionary entry. */
	if (d->n < 0 || (size_t)d->n != total)
		return conf_err_at(err, -EINVAL, path, 0, NULL, NULL,
				   "iniparser reads %d sections and keys, corral %zu; refusing "
				   "the file", d->n, total);
	return 0;
}
