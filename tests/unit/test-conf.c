/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf_load() + conf_resolve() on files written into a scratch directory,
 * without owner checks: the shipped file, precedence key by key with origins,
 * drop-in order, the VPS mode keys (scope, linger, private_tmp, tmp_size).
 * Templates and exemption are in test-conf-resolve.c, errors in
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
	/* VPS mode is opt-in: the shipped file only mentions its keys in comments. */
	ok(p.scope == POLICY_SCOPE_SESSION && !p.origin[POLICY_SCOPE].file,
	   "shipped: scope is the built-in session");
	ok(!p.linger && !p.origin[POLICY_LINGER].file, "shipped: linger is the built-in no");
	ok(p.private_tmp == PRIVATE_TMP_NO && !p.origin[POLICY_PRIVATE_TMP].file,
	   "shipped: private_tmp is the built-in no");
	ok(!p.tmp_size.set && !p.origin[POLICY_TMP_SIZE].file, "shipped: tmp_size is unset");
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

/* dir/corral.conf holding text, resolved for u; p's origins point into *c. */
static int load_text(const char *dir, const char *text, const struct fake_user *u,
		     struct conf **c, struct policy *p, struct corral_err *err)
{
	int r;

	*c = conf_free(*c);
	if (write_str(dir, MAIN, text) < 0)
		return -EIO;
	r = load_dir(dir, c, err);
	return r < 0 ? r : resolve_as(*c, u, p, err);
}

static void test_vps_defaults(const char *dir)
{
	static const struct {
		enum policy_key k;
		struct expect e;
	} builtin[] = {
		{ POLICY_SCOPE, { "session", NULL, 0, NULL } },
		{ POLICY_LINGER, { "no", NULL, 0, NULL } },
		{ POLICY_PRIVATE_TMP, { "no", NULL, 0, NULL } },
		{ POLICY_TMP_SIZE, { "", NULL, 0, NULL } },
	};
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	struct fake_user u = { "dave", 1001, "", NULL };
	struct policy p;

	if (!ok(load_text(dir, "[defaults]\n", &u, &c, &p, &err) == 0, "VPS defaults: load")) {
		diag("%s", err.msg);
		return;
	}
	ok(p.scope == POLICY_SCOPE_SESSION, "VPS defaults: scope is session");
	ok(!p.linger, "VPS defaults: linger is no");
	ok(p.private_tmp == PRIVATE_TMP_NO, "VPS defaults: private_tmp is no");
	ok(!p.tmp_size.set, "VPS defaults: tmp_size is unset (the kernel's default)");
	for (size_t i = 0; i < ARRAY_SIZE(builtin); i++)
		check_key(&p, builtin[i].k, &builtin[i].e, dir, "VPS defaults");
	is_str(scope_to_string(POLICY_SCOPE_USER), "user", "scope_to_string(user)");
	ok(!scope_to_string(_POLICY_SCOPE_MAX), "scope_to_string(out of range) is NULL");
	is_str(private_tmp_to_string(PRIVATE_TMP_SESSION), "session",
	       "private_tmp_to_string(session)");
	ok(!private_tmp_to_string(_PRIVATE_TMP_MAX), "private_tmp_to_string(out of range) is NULL");
}

/* Every accepted spelling, what it means, and how corralctl shows it. */
static const struct {
	const char *key, *value, *shown;
	int e;				/* scope, private_tmp; linger as 0/1 */
	struct policy_limit l;		/* tmp_size */
} vps_goods[] = {
	{ "scope", "session", "session", POLICY_SCOPE_SESSION, { 0 } },
	{ "scope", "user", "user", POLICY_SCOPE_USER, { 0 } },
	{ "linger", "yes", "yes", 1, { 0 } },
	{ "linger", "true", "yes", 1, { 0 } },
	{ "linger", "no", "no", 0, { 0 } },
	{ "linger", "false", "no", 0, { 0 } },
	{ "private_tmp", "no", "no", PRIVATE_TMP_NO, { 0 } },
	{ "private_tmp", "session", "session", PRIVATE_TMP_SESSION, { 0 } },
	{ "private_tmp", "user", "user", PRIVATE_TMP_USER, { 0 } },
	{ "tmp_size", "", "", 0, { .set = false } },
	{ "tmp_size", "512M", "512M", 0, { true, false, 512ULL << 20 } },
	{ "tmp_size", "2G", "2G", 0, { true, false, 2ULL << 30 } },
	{ "tmp_size", "1048576", "1M", 0, { true, false, 1ULL << 20 } },
	{ "tmp_size", "1025K", "1025K", 0, { true, false, 1025ULL << 10 } },
	{ "tmp_size", "10%", "10%", 0, { true, true, 1000 } },
	{ "tmp_size", "12.5%", "12.50%", 0, { true, true, 1250 } },
	{ "tmp_size", "0.01%", "0.01%", 0, { true, true, 1 } },
	{ "tmp_size", "100%", "100%", 0, { true, true, 10000 } },
};

static bool vps_value_is(const struct policy *p, size_t i)
{
	const struct policy_limit *l = &vps_goods[i].l;
	const char *key = vps_goods[i].key;

	if (streq(key, "scope"))
		return (int)p->scope == vps_goods[i].e;
	if (streq(key, "linger"))
		return (int)p->linger == vps_goods[i].e;
	if (streq(key, "private_tmp"))
		return (int)p->private_tmp == vps_goods[i].e;
	return p->tmp_size.set == l->set &&
	       (!l->set || (p->tmp_size.percent == l->percent && p->tmp_size.v == l->v));
}

static void test_vps_values(const char *dir)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct fake_user u = { "dave", 1001, "", NULL };
	char text[128], who[64];
	struct policy p;

	for (size_t i = 0; i < ARRAY_SIZE(vps_goods); i++) {
		struct corral_err err = CORRAL_ERR_INIT;
		struct expect e = { vps_goods[i].shown, MAIN, 2, "defaults" };
		const char *key = vps_goods[i].key, *value = vps_goods[i].value;
		int k = -1;

		(void)snprintf(text, sizeof(text), "[defaults]\n%s = %s\n", key, value);
		if (!ok(load_text(dir, text, &u, &c, &p, &err) == 0, "%s = '%s' loads", key,
			value)) {
			diag("%s", err.msg);
			continue;
		}
		ok(vps_value_is(&p, i), "%s = '%s' is stored as meant", key, value);
		for (int j = 0; j < _POLICY_KEY_MAX; j++)
			if (streq(policy_key_name((enum policy_key)j), key))
				k = j;
		(void)snprintf(who, sizeof(who), "%s = '%s'", key, value);
		if (ok(k >= 0, "%s is a policy key", key))
			check_key(&p, (enum policy_key)k, &e, dir, who);
	}
}

/*
 * [defaults] turns VPS mode on, a group and a user section take parts of it
 * back, key by key. They are not limits, so the session's recorded limits
 * (policy_format_limits) leave them out.
 */
static const char vps_main[] =
	"[defaults]\n"			/* 1 */
	"scope = user\n"		/* 2 */
	"linger = yes\n"		/* 3 */
	"private_tmp = user\n"		/* 4 */
	"tmp_size = 10%\n"		/* 5 */
	"memory_max = 1G\n"		/* 6 */
	"\n"				/* 7 */
	"[group:students]\n"		/* 8 */
	"private_tmp = session\n"	/* 9 */
	"tmp_size = 256M\n"		/* 10 */
	"\n"				/* 11 */
	"[user:x]\n"			/* 12 */
	"scope = session\n"		/* 13 */
	"tmp_size =\n";			/* 14: unset again, for x only */

static const struct {
	struct fake_user u;
	struct expect scope, linger, private_tmp, tmp_size;
} vps_cases[] = {
	{ { "dave", 1001, "", NULL },
	  { "user", MAIN, 2, "defaults" }, { "yes", MAIN, 3, "defaults" },
	  { "user", MAIN, 4, "defaults" }, { "10%", MAIN, 5, "defaults" } },
	{ { "carol", 1002, "students", NULL },
	  { "user", MAIN, 2, "defaults" }, { "yes", MAIN, 3, "defaults" },
	  { "session", MAIN, 9, "group:students" }, { "256M", MAIN, 10, "group:students" } },
	{ { "x", 1003, "students", NULL },
	  { "session", MAIN, 13, "user:x" }, { "yes", MAIN, 3, "defaults" },
	  { "session", MAIN, 9, "group:students" }, { "", MAIN, 14, "user:x" } },
};

static void test_vps_precedence(const char *dir)
{
	static const char *const not_limits[] = { "scope", "linger", "private_tmp", "tmp_size" };
	_cleanup_(conf_freep) struct conf *c = NULL;
	char limits[512];
	struct policy p;

	for (size_t i = 0; i < ARRAY_SIZE(vps_cases); i++) {
		struct corral_err err = CORRAL_ERR_INIT;
		const char *who = vps_cases[i].u.name;

		if (!ok(load_text(dir, vps_main, &vps_cases[i].u, &c, &p, &err) == 0,
			"VPS precedence: resolves %s", who)) {
			diag("%s", err.msg);
			continue;
		}
		check_key(&p, POLICY_SCOPE, &vps_cases[i].scope, dir, who);
		check_key(&p, POLICY_LINGER, &vps_cases[i].linger, dir, who);
		check_key(&p, POLICY_PRIVATE_TMP, &vps_cases[i].private_tmp, dir, who);
		check_key(&p, POLICY_TMP_SIZE, &vps_cases[i].tmp_size, dir, who);
		ok(policy_format_limits(&p, limits, sizeof(limits)) == 0, "%s: limits format", who);
		ok(strncmp(limits, "memory_max 1G\n", 14) == 0, "%s: memory_max is recorded", who);
		for (size_t j = 0; j < ARRAY_SIZE(not_limits); j++)
			ok(!strstr(limits, not_limits[j]), "%s: %s is not among the limits", who,
			   not_limits[j]);
		if (streq(who, "x"))
			ok(p.scope == POLICY_SCOPE_SESSION && p.linger && !p.tmp_size.set,
			   "x: scope session, linger yes (without effect there), tmp_size unset");
	}
}

/* policy_set_value() parses the keys as a [user:NAME] line would, messages included. */
static void test_vps_set_value(void)
{
	struct conf_subject who = { .user = "dave", .uid = 1001, .host = "box" };
	struct corral_err err = CORRAL_ERR_INIT;
	struct policy p = { 0 };

	ok(policy_set_value(&p, "scope", "user", &who, &err) == 0 &&
	   p.scope == POLICY_SCOPE_USER, "policy_set_value: scope = user");
	ok(policy_set_value(&p, "tmp_size", "25%", &who, &err) == 0 &&
	   p.tmp_size.set && p.tmp_size.percent && p.tmp_size.v == 2500,
	   "policy_set_value: tmp_size = 25%%");
	is_int(policy_set_value(&p, "tmp_size", "max", &who, &err), -EINVAL,
	       "policy_set_value: tmp_size = max is refused");
	is_str(err.msg, "tmp_size: 'max' is not a size (a tmpfs needs one: leave tmp_size empty "
	       "for the kernel's default, half of RAM)", "... with the reason");
	is_int(policy_set_value(&p, "private_tmp", "yes", &who, &err), -EINVAL,
	       "policy_set_value: private_tmp = yes is refused");
	is_str(err.msg, "private_tmp: 'yes' is not a valid choice (use no, session or user)",
	       "... naming the choices");
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
	with_scratch("VPS defaults", test_vps_defaults);
	with_scratch("VPS values", test_vps_values);
	with_scratch("VPS precedence", test_vps_precedence);
	test_vps_set_value();
	return done();
}
