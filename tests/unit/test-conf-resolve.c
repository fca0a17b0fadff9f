/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf_resolve() details: the hostname template (escapes, unsafe bytes, the
 * 64-byte cut, '-' and '.' trimmed) and exemption (exempt_users before
 * exempt_groups, exact names, the last [global] value read wins, origins).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"
#include "test-conf-util.h"

#define A10 "aaaaaaaaaa"
#define A60 A10 A10 A10 A10 A10 A10

static const struct {
	const char *template;	/* written between double quotes */
	const char *user;
	unsigned uid;
	const char *host;
	const char *want;
} template_cases[] = {
	{ "%u-%h", "alice", 1000, "build1", "alice-build1" },
	{ "%U", "alice", 1000, "build1", "1000" },
	{ "%u.%U", "alice", 4294967294u, "b", "alice.4294967294" },
	{ "a%%b", "alice", 1000, "b", "a-b" },
	{ "100%%", "alice", 1000, "b", "100" },
	{ "%u", "Bob_Smith", 1000, "b", "Bob-Smith" },
	{ "%u", "a@ad.example", 1000, "b", "a-ad.example" },
	{ "-.%u", "alice", 1000, "b", "alice" },
	{ "..x..", "alice", 1000, "b", "x" },
	{ "%h", "alice", 1000, "my host", "my-host" },
	{ "x\xc3\xa9y", "alice", 1000, "b", "x--y" },
	{ "a b\tc", "alice", 1000, "b", "a-b-c" },
	{ "%h", "alice", 1000, "", "" },
	{ "--", "alice", 1000, "b", "" },
	{ "", "alice", 1000, "b", "" },
	/* Cut at 64, then the trailing '-' of the cut is dropped too. */
	{ A60 A10, "alice", 1000, "b", A60 "aaaa" },
	{ A60 "aaa-b", "alice", 1000, "b", A60 "aaa" },
	{ A60 "%u", "alice", 1000, "b", A60 "alic" },
};

static void test_templates(const char *dir)
{
	for (size_t i = 0; i < ARRAY_SIZE(template_cases); i++) {
		_cleanup_(conf_freep) struct conf *c = NULL;
		struct corral_err err = CORRAL_ERR_INIT;
		struct fake_user u = { template_cases[i].user, template_cases[i].uid, "",
				       template_cases[i].host };
		char text[256];
		struct policy p;

		(void)snprintf(text, sizeof(text), "[defaults]\nhostname = \"%s\"\n",
			       template_cases[i].template);
		if (write_str(dir, "corral.conf", text) < 0 || load_dir(dir, &c, &err) < 0 ||
		    resolve_as(c, &u, &p, &err) < 0) {
			ok(false, "template '%s' loads and resolves", template_cases[i].template);
			diag("%s", err.msg);
			continue;
		}
		is_str(p.hostname, template_cases[i].want, "template '%s' (user %s, host '%s')",
		       template_cases[i].template, u.name, u.host);
	}
}

/* Each row is resolved against the files of its group; origin file NULL: built in. */
struct exempt_case {
	struct fake_user u;
	enum exempt_by by;
	const char *name;
	const char *file;
	unsigned line;
};

static void check_exempt(const char *dir, const struct exempt_case *cases, size_t n)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;

	if (!ok(load_dir(dir, &c, &err) == 0, "exempt: the files load")) {
		diag("%s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct exempt_case *e = &cases[i];
		const struct policy_origin *o;
		struct policy p;

		if (!ok(resolve_as(c, &e->u, &p, &err) == 0, "exempt: resolves %s", e->u.name))
			continue;
		o = &p.exempt_origin;
		ok(p.exempt == (e->by != EXEMPT_BY_NONE) && p.exempt_by == e->by,
		   "%s (groups '%s'): exempt_by %d", e->u.name, e->u.groups, e->by);
		is_str(p.exempt_name, e->name, "%s: matched name '%s'", e->u.name, e->name);
		if (e->file)
			ok(o->file && streq(o->file, path_in(dir, e->file)) && o->line == e->line &&
			   streq(o->section, "global"), "%s: the list is from %s:%u [global]",
			   e->u.name, e->file, e->line);
		else
			ok(!o->file, "%s: the list is the built-in default", e->u.name);
	}
}

static void test_exempt_lists(const char *dir)
{
	static const struct exempt_case cases[] = {
		{ { "root", 0, "root", NULL }, EXEMPT_BY_USER, "root", "corral.conf", 2 },
		{ { "bob", 1001, "", NULL }, EXEMPT_BY_USER, "bob", "corral.conf", 2 },
		/* exempt_users is looked at first. */
		{ { "alice", 1000, "wheel", NULL }, EXEMPT_BY_USER, "alice", "corral.conf", 2 },
		{ { "carol", 1002, "staff,admins", NULL }, EXEMPT_BY_GROUP, "admins",
		  "corral.conf", 3 },
		/* Not exempt: the origin is exempt_users'. */
		{ { "dave", 1003, "staff,admin", NULL }, EXEMPT_BY_NONE, "", "corral.conf", 2 },
		{ { "Root", 1004, "", NULL }, EXEMPT_BY_NONE, "", "corral.conf", 2 },
	};

	if (write_str(dir, "corral.conf", "[global]\n"
		      "exempt_users = root, alice\tbob,\n"
		      "exempt_groups = wheel,admins\n") == 0)
		check_exempt(dir, cases, ARRAY_SIZE(cases));
}

static void test_exempt_default(const char *dir)
{
	static const struct exempt_case cases[] = {
		{ { "root", 0, "", NULL }, EXEMPT_BY_USER, "root", NULL, 0 },
		/* A second uid 0 account is not exempt unless listed. */
		{ { "toor", 0, "root", NULL }, EXEMPT_BY_NONE, "", NULL, 0 },
	};

	if (write_str(dir, "corral.conf", "[defaults]\n") == 0)
		check_exempt(dir, cases, ARRAY_SIZE(cases));
}

static void test_exempt_dropin(const char *dir)
{
	static const struct exempt_case cases[] = {
		{ { "root", 0, "root", NULL }, EXEMPT_BY_NONE, "", "corral.conf.d/50-x.conf", 3 },
		{ { "alice", 1000, "", NULL }, EXEMPT_BY_USER, "alice", "corral.conf.d/50-x.conf",
		  3 },
		/* exempt_groups from the main file still counts. */
		{ { "erin", 1005, "wheel", NULL }, EXEMPT_BY_GROUP, "wheel", "corral.conf", 3 },
	};

	if (write_str(dir, "corral.conf", "[global]\nexempt_users = root\n"
		      "exempt_groups = wheel\n") == 0 &&
	    make_dir(dir, "corral.conf.d") == 0 &&
	    write_str(dir, "corral.conf.d/50-x.conf", "# root logins are isolated too\n"
		      "[global]\nexempt_users = alice\n") == 0)
		check_exempt(dir, cases, ARRAY_SIZE(cases));
}

static void test_exempt_empty(const char *dir)
{
	static const struct exempt_case cases[] = {
		{ { "root", 0, "root", NULL }, EXEMPT_BY_NONE, "", "corral.conf", 2 },
	};

	if (write_str(dir, "corral.conf", "[global]\nexempt_users =\n") == 0)
		check_exempt(dir, cases, ARRAY_SIZE(cases));
}

int main(void)
{
	with_scratch("templates", test_templates);
	with_scratch("exempt lists", test_exempt_lists);
	with_scratch("exempt default", test_exempt_default);
	with_scratch("exempt drop-in", test_exempt_dropin);
	with_scratch("exempt empty", test_exempt_empty);
	return done();
}
