/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf_load() + conf_resolve() on files written into a scratch directory,
 * without owner checks: the shipped file, precedence key by key with origins,
 * drop-in order. Templates and exemption are in test-conf-resolve.c, errors in
 * test-conf-errors.c, the ownership checks in test-conf-owner.c.
 *
 * argv[1]: the shipped conf/corral.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"
#include "test-conf-util.h"

/* Where a value is expected to come from; file NULL: the built-in default. */
struct expect {
	const char *value;
	const char *file;	/* relative to the scratch directory */
	unsigned line;
	const char *section;
};

static void check_key(const struct policy *p, enum policy_key k, const struct expect *e,
		      const char *dir, const char *who)
{
	const struct policy_origin *o = &p->origin[k];
	const char *key = policy_key_name(k);
	char value[128] = "";

	ok(policy_format_value(p, k, value, sizeof(value)) >= 0, "%s: %s formats", who, key);
	is_str(value, e->value, "%s: %s = '%s'", who, key, e->value);
	if (!e->file) {
		ok(!o->file && o->line == 0 && !o->section, "%s: %s is the built-in default",
		   who, key);
		return;
	}
	is_str(o->file, path_in(dir, e->file), "%s: %s comes from %s", who, key, e->file);
	is_int(o->line, e->line, "%s: %s comes from line %u", who, key, e->line);
	is_str(o->section, e->section, "%s: %s comes from [%s]", who, key, e->section);
}

/* The line number of the first line of path starting with prefix; 0 when none. */
static unsigned line_of(const char *path, const char *prefix)
{
	char line[1024];
	unsigned n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			(void)fclose(f);
			return n;
		}
	}
	(void)fclose(f);
	return 0;
}

static void test_shipped(const char *path)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	struct conf_source src = { .main_path = path };
	struct fake_user root = { "root", 0, "root", NULL };
	struct fake_user alice = { "alice", 1000, "alice,users", NULL };
	const struct policy_origin *o;
	struct policy p;

	if (!ok(conf_load(&src, &c, &err) == 0, "shipped %s loads", path)) {
		diag("%s", err.msg);
		return;
	}
	ok(resolve_as(c, &root, &p, &err) == 0, "shipped: resolves root");
	ok(p.exempt && p.exempt_by == EXEMPT_BY_USER, "shipped: root is exempt by user name");
	is_str(p.exempt_name, "root", "shipped: the exempt_users entry that matched is root");
	o = &p.exempt_origin;
	ok(o->file && streq(o->file, path) && streq(o->section, "global"),
	   "shipped: root's exemption comes from [global] of the shipped file");
	is_int(o->line, line_of(path, "exempt_users ="), "shipped: ... at its exempt_users line");

	ok(resolve_as(c, &alice, &p, &err) == 0, "shipped: resolves alice");
	ok(!p.exempt && p.exempt_by == EXEMPT_BY_NONE, "shipped: alice is not exempt");
	is_str(p.exempt_name, "", "shipped: no exempt name for alice");
	ok(p.kill_on_logout, "shipped: kill_on_logout is yes");
	is_int((long long)p.kill_grace_ms, 5000, "shipped: kill_grace is 5000 ms");
	ok(p.on_error == ON_ERROR_DENY, "shipped: on_error is deny");
	is_str(p.hostname, "", "shipped: hostname is empty (the host's own)");
	is_int(p.origin[POLICY_KILL_GRACE].line, line_of(path, "kill_grace ="),
	       "shipped: kill_grace comes from its line in [defaults]");
	is_str(p.origin[POLICY_ON_ERROR].section, "defaults",
	       "shipped: on_error comes from [defaults]");
}

static const char prec_main[] =
	"[global]\n"			/* 1 */
	"exempt_groups = wheel\n"	/* 2 */
	"\n"				/* 3 */
	"[defaults]\n"			/* 4 */
	"kill_grace = 3s\n"		/* 5 */
	"on_error = allow\n"		/* 6 */
	"\n"				/* 7 */
	"[user:alice]\n"		/* 8: a user section before the groups still wins */
	"on_error = deny\n"		/* 9 */
	"\n"				/* 10 */
	"[group:staff]\n"		/* 11 */
	"kill_grace = 2s\n"		/* 12 */
	"hostname = staff-%u\n"		/* 13 */
	"on_error = allow\n"		/* 14 */
	"\n"				/* 15 */
	"[group:students]\n"		/* 16 */
	"kill_grace = 1500ms\n";	/* 17 */

static const char prec_dropin[] =
	"[user:alice]\n"		/* 1 */
	"hostname = a-%h\n"		/* 2 */
	"[group:staff]\n"		/* 3: read after the main file's group sections */
	"hostname = late-staff\n"	/* 4 */
	"kill_on_logout = no\n";	/* 5 */

#define MAIN "corral.conf"
#define DROP "corral.conf.d/50-more.conf"

static const struct {
	struct fake_user u;
	struct expect e[_POLICY_KEY_MAX];
} prec_cases[] = {
	{ { "dave", 1001, "", NULL }, {
		[POLICY_HOSTNAME] = { "", NULL, 0, NULL },
		[POLICY_KILL_ON_LOGOUT] = { "yes", NULL, 0, NULL },
		[POLICY_KILL_GRACE] = { "3s", MAIN, 5, "defaults" },
		[POLICY_ON_ERROR] = { "allow", MAIN, 6, "defaults" } } },
	{ { "carol", 1002, "students", NULL }, {
		[POLICY_HOSTNAME] = { "", NULL, 0, NULL },
		[POLICY_KILL_ON_LOGOUT] = { "yes", NULL, 0, NULL },
		[POLICY_KILL_GRACE] = { "1500ms", MAIN, 17, "group:students" },
		[POLICY_ON_ERROR] = { "allow", MAIN, 6, "defaults" } } },
	/* Two groups: the section read later wins, key by key. */
	{ { "erin", 1003, "students,staff", NULL }, {
		[POLICY_HOSTNAME] = { "late-staff", DROP, 4, "group:staff" },
		[POLICY_KILL_ON_LOGOUT] = { "no", DROP, 5, "group:staff" },
		[POLICY_KILL_GRACE] = { "1500ms", MAIN, 17, "group:students" },
		[POLICY_ON_ERROR] = { "allow", MAIN, 14, "group:staff" } } },
	/* The user layer beats every group, whatever the order in the files. */
	{ { "alice", 1000, "staff", "box" }, {
		[POLICY_HOSTNAME] = { "a-box", DROP, 2, "user:alice" },
		[POLICY_KILL_ON_LOGOUT] = { "no", DROP, 5, "group:staff" },
		[POLICY_KILL_GRACE] = { "2s", MAIN, 12, "group:staff" },
		[POLICY_ON_ERROR] = { "deny", MAIN, 9, "user:alice" } } },
	/* [user:NAME] is case-sensitive. */
	{ { "Alice", 1004, "", NULL }, {
		[POLICY_HOSTNAME] = { "", NULL, 0, NULL },
		[POLICY_KILL_ON_LOGOUT] = { "yes", NULL, 0, NULL },
		[POLICY_KILL_GRACE] = { "3s", MAIN, 5, "defaults" },
		[POLICY_ON_ERROR] = { "allow", MAIN, 6, "defaults" } } },
};

static void test_precedence(const char *dir)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	struct policy p;

	if (write_str(dir, MAIN, prec_main) < 0 || make_dir(dir, "corral.conf.d") < 0 ||
	    write_str(dir, DROP, prec_dropin) < 0 ||
	    !ok(load_dir(dir, &c, &err) == 0, "precedence: the files load")) {
		diag("%s", err.msg);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(prec_cases); i++) {
		const struct fake_user *u = &prec_cases[i].u;

		if (!ok(resolve_as(c, u, &p, &err) == 0, "precedence: resolves %s", u->name)) {
			diag("%s", err.msg);
			continue;
		}
		for (int k = 0; k < _POLICY_KEY_MAX; k++)
			if (prec_cases[i].e[k].value)	/* the limit keys have a test of their own */
				check_key(&p, (enum policy_key)k, &prec_cases[i].e[k], dir,
					  u->name);
	}
}

/* strcmp order ("20-b" < "9-z"), and only non-hidden names ending in ".conf" count. */
static void test_dropin_order(const char *dir)
{
	static const char *const ignored[] = {
		"README", ".hidden.conf", ".conf", "30-c.conf.bak", "40-d.conf~", "conf",
	};
	static const struct expect hostname = { "z", "corral.conf.d/9-z.conf", 3, "defaults" };
	static const struct expect grace = { "3s", "corral.conf.d/20-b.conf", 2, "defaults" };
	static const struct expect on_error = { "allow", "corral.conf.d/10-a.conf", 3, "defaults" };
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	struct fake_user u = { "dave", 1001, "", NULL };
	struct policy p;
	int r = 0;

	r |= write_str(dir, "corral.conf", "[defaults]\nkill_grace = 1s\n");
	r |= make_dir(dir, "corral.conf.d");
	r |= write_str(dir, "corral.conf.d/10-a.conf",
		       "[defaults]\nkill_grace = 2s\non_error = allow\nhostname = a\n");
	r |= write_str(dir, "corral.conf.d/20-b.conf", "[defaults]\nkill_grace = 3s\n");
	r |= write_str(dir, "corral.conf.d/9-z.conf", "# last in strcmp order\n"
		       "[defaults]\nhostname = z\n");
	r |= make_dir(dir, "corral.conf.d/sub");
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++) {
		char name[64];

		(void)snprintf(name, sizeof(name), "corral.conf.d/%s", ignored[i]);
		r |= write_str(dir, name, "not a config file\n");
	}
	if (r < 0 || !ok(load_dir(dir, &c, &err) == 0,
			 "drop-ins: load, ignoring README, dotfiles, *.bak, *~")) {
		diag("%s", err.msg);
		return;
	}
	ok(resolve_as(c, &u, &p, &err) == 0, "drop-ins: resolves");
	check_key(&p, POLICY_HOSTNAME, &hostname, dir, "drop-ins");
	check_key(&p, POLICY_KILL_GRACE, &grace, dir, "drop-ins");
	check_key(&p, POLICY_ON_ERROR, &on_error, dir, "drop-ins");
}

/* conf_source.dropin_dir replaces main + ".d"; a missing directory is no error. */
static void test_dropin_dir(const char *dir)
{
	static const struct expect from_other = { "7s", "other.d/1.conf", 2, "defaults" };
	_cleanup_(conf_freep) struct conf *c = NULL, *c2 = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	char main_path[PATH_MAX], other[PATH_MAX], missing[PATH_MAX];
	struct conf_source src = { .main_path = main_path, .dropin_dir = other };
	struct fake_user u = { "dave", 1001, "", NULL };
	struct policy p;

	(void)snprintf(main_path, sizeof(main_path), "%s/corral.conf", dir);
	(void)snprintf(other, sizeof(other), "%s/other.d", dir);
	(void)snprintf(missing, sizeof(missing), "%s/missing.d", dir);
	if (write_str(dir, "corral.conf", "[defaults]\n") < 0 || make_dir(dir, "other.d") < 0 ||
	    write_str(dir, "other.d/1.conf", "[defaults] \nkill_grace = 7s\n") < 0)
		return;
	if (!ok(conf_load(&src, &c, &err) == 0, "dropin_dir: loads")) {
		diag("%s", err.msg);
		return;
	}
	ok(resolve_as(c, &u, &p, &err) == 0, "dropin_dir: resolves");
	check_key(&p, POLICY_KILL_GRACE, &from_other, dir, "dropin_dir");
	src.dropin_dir = missing;
	ok(conf_load(&src, &c2, &err) == 0 && err.code == 0, "a missing drop-in directory is fine");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-SHIPPED-corral.conf\n", argv[0]);
		return EXIT_FAILURE;
	}
	test_shipped(argv[1]);
	with_scratch("precedence", test_precedence);
	with_scratch("drop-in order", test_dropin_order);
	with_scratch("dropin_dir", test_dropin_dir);
	return done();
}
