/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration loader from bytes: conf_load() (read, strict scan,
 * schema, iniparser cross-check, values) of a main file and drop-ins, then
 * conf_resolve() for several users. The input is the main file; a line that
 * is exactly "%%" (never valid in a config) starts the next drop-in,
 * written as conf.d/00.conf, 01.conf, ... The files live in a private
 * scratch directory (conf_load() takes paths, and refuses the
 * /proc/self/fd/N symlink of a memfd).
 *
 * Checked: an error has a negative errno and a message that starts with the
 * file name and holds no raw control bytes (it goes to syslog and
 * terminals); no fd leaks; a resolved policy formats to values its own key
 * parsers accept; origins point into the loaded files.
 */
#include <errno.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "conf-internal.h"
#include "fuzz.h"

#define DROPINS_MAX 4

/* The scratch directory goes in TMPDIR (run-fuzz.sh: its own scratch) if shorter, else /tmp. */
#define TMPDIR_MAX 200

static char dir[TMPDIR_MAX + 32], main_path[TMPDIR_MAX + 64], dropin_dir[TMPDIR_MAX + 64];

static void cleanup(void)
{
	char path[TMPDIR_MAX + 96];

	for (int i = 0; i < DROPINS_MAX; i++) {
		(void)snprintf(path, sizeof(path), "%s/%02d.conf", dropin_dir, i);
		(void)unlink(path);
	}
	(void)rmdir(dropin_dir);
	(void)unlink(main_path);
	(void)rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_)
{
	const char *tmp = getenv("TMPDIR");

	(void)snprintf(dir, sizeof(dir), "%s/corral-fuzz-conf.XXXXXX",
		       tmp && tmp[0] == '/' && strlen(tmp) < TMPDIR_MAX ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	(void)snprintf(main_path, sizeof(main_path), "%s/corral.conf", dir);
	(void)snprintf(dropin_dir, sizeof(dropin_dir), "%s/conf.d", dir);
	if (mkdir(dropin_dir, 0755) < 0)
		abort();
	(void)atexit(cleanup);
	return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		abort();
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n <= 0)
			abort();
		data += n;
		len -= (size_t)n;
	}
	(void)close(fd);
}

/* The end of the file that starts at p: the next "%%" line, or the end of the input. */
static const uint8_t *part_end(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	for (const uint8_t *l = p; l < end;) {
		const uint8_t *nl = memchr(l, '\n', (size_t)(end - l));
		const uint8_t *le = nl ? nl : end;

		if (le - l == 2 && l[0] == '%' && l[1] == '%') {
			*next = nl ? nl + 1 : end;
			return l;
		}
		l = nl ? nl + 1 : end;
	}
	*next = NULL;
	return end;
}

static void write_files(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *next;
	char path[TMPDIR_MAX + 96];
	int i;

	write_file(main_path, p, (size_t)(part_end(p, end, &next) - p));
	for (i = 0; next && i < DROPINS_MAX; i++) {
		p = next;
		(void)snprintf(path, sizeof(path), "%s/%02d.conf", dropin_dir, i);
		write_file(path, p, (size_t)(part_end(p, end, &next) - p));
	}
	for (; i < DROPINS_MAX; i++) {
		(void)snprintf(path, sizeof(path), "%s/%02d.conf", dropin_dir, i);
		(void)unlink(path);
	}
}

static void check_error(int r, const struct corral_err *err)
{
	fuzz_check(r < 0 && r >= -4095, "conf_load returned %d", r);
	fuzz_check(err->code == r, "error code %d, returned %d", err->code, r);
	fuzz_check(strncmp(err->msg, dir, strlen(dir)) == 0, "message does not name the file: %s",
		   err->msg);
	fuzz_check(fuzz_printable(err->msg), "unprintable message: %s", err->msg);
}

/* Group membership decided by the first letter, so both answers occur. */
static bool in_group(const char *name, void *userdata)
{
	const char *letters = userdata;

	return strchr(letters, name[0]) != NULL;
}

static bool origin_ok(const struct conf *c, const struct policy_origin *o)
{
	if (!o->file)
		return true;
	for (size_t i = 0; i < c->n_files; i++)
		if (o->file == c->files[i])
			return o->line > 0 && o->section;
	return false;
}

static void check_policy(const struct conf *c, const struct policy *p, const char *user)
{
	char out[POLICY_VALUE_MAX], why[256];
	union conf_value v;

	fuzz_check(strlen(p->hostname) <= HOST_NAME_MAX, "hostname too long");
	fuzz_check(strspn(p->hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789-.") == strlen(p->hostname),
		   "hostname '%s' of %s has other characters", p->hostname, user);
	fuzz_check(p->exempt == (p->exempt_by != EXEMPT_BY_NONE) &&
		   p->exempt == (p->exempt_name[0] != '\0'), "exempt of %s inconsistent", user);
	fuzz_check(cg_root_name_valid(p->cgroup_root), "cgroup_root '%s'", p->cgroup_root);
	fuzz_check(origin_ok(c, &p->exempt_origin), "exempt origin of %s", user);
	for (int k = 0; k < _POLICY_KEY_MAX; k++) {
		const struct conf_key *key = conf_key_by_policy((enum policy_key)k);
		int n = policy_format_value(p, (enum policy_key)k, out, sizeof(out));

		fuzz_check(origin_ok(c, &p->origin[k]), "origin of %s for %s", key->name, user);
		fuzz_check(n >= 0 && (size_t)n == strlen(out), "%s of %s does not format", key->name,
			   user);
		fuzz_check(key->parse(out, &v, why, sizeof(why)) == 0,
			   "%s of %s formats as '%s', which is refused: %s", key->name, user, out,
			   why);
	}
}

static void resolve(const struct conf *c, const char *user, const char *groups)
{
	struct conf_subject who = {
		.user = user, .uid = 1000, .host = "host", .in_group = in_group,
		.userdata = (void *)groups,
	};
	struct corral_err err = CORRAL_ERR_INIT;
	struct policy p;
	int r;

	r = conf_resolve(c, &who, &p, &err);
	fuzz_check(r == 0, "conf_resolve(%s): %s", user, err.msg);
	check_policy(c, &p, user);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct conf_source src = { .main_path = main_path, .dropin_dir = dropin_dir };
	struct conf *c = NULL;
	int fd = fuzz_lowest_fd(), r;

	write_files(data, size);
	r = conf_load(&src, &c, &err);
	fuzz_check(fuzz_lowest_fd() == fd, "conf_load leaked an fd");
	if (r < 0) {
		fuzz_check(!c, "conf_load failed and returned a conf");
		check_error(r, &err);
		return 0;
	}
	resolve(c, "root", "");
	resolve(c, "alice", "abcdefghijklm");
	resolve(c, "bob", "nopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	/* Every user named in a section, in every group or none. */
	for (size_t i = 0; i < c->n_sections && i < 32; i++) {
		if (c->sections[i].kind != SECTION_USER)
			continue;
		resolve(c, c->sections[i].arg, "");
		resolve(c, c->sections[i].arg, "abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
	}
	conf_free(c);
	return 0;
}
