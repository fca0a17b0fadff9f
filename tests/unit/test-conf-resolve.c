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

/* network = veth: its keys may come from anywhere, and must be there for a veth user. */
static void test_veth(const char *dir)
{
	static const struct fake_user alice = { "alice", 1000, "lab", NULL };
	static const struct fake_user bob = { "bob", 1001, "", NULL };
	static const struct fake_user carol = { "carol", 1002, "", NULL };
	char want[PATH_MAX + 256], buf[POLICY_VALUE_MAX];
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	struct policy p;

	if (write_str(dir, "corral.conf", "[defaults]\nnetwork_pool = 10.213.0.0/16\n"
		      "network_bridge = crbr0\n\n[group:lab]\nnetwork = veth\n"
		      "network_bridge_create = yes\n\n[user:carol]\nnetwork = veth\n"
		      "network_pool =\n") < 0 || load_dir(dir, &c, &err) < 0) {
		ok(false, "veth: load: %s", err.msg);
		return;
	}
	ok(resolve_as(c, &alice, &p, &err) == 0 && p.network == NETWORK_VETH &&
	   streq(p.network_bridge, "crbr0") && p.network_pool.addr == 0x0ad50000 &&
	   p.network_pool.prefix == 16 && p.network_bridge_create,
	   "veth: pool and bridge from [defaults], veth and create from [group:lab]");
	ok(policy_format_value(&p, POLICY_NETWORK_POOL, buf, sizeof(buf)) > 0 &&
	   streq(buf, "10.213.0.0/16"), "veth: network_pool formats as written");
	(void)policy_format_limits(&p, buf, sizeof(buf));
	ok(strstr(buf, "network veth\nnetwork_bridge crbr0\nnetwork_pool 10.213.0.0/16\n"
		 "network_bridge_create yes\n") != NULL, "veth: the recorded limits name the veth keys");
	ok(resolve_as(c, &bob, &p, &err) == 0 && p.network == NETWORK_HOST,
	   "veth: bob keeps network = host");
	(void)policy_format_limits(&p, buf, sizeof(buf));
	ok(strstr(buf, "network_") == NULL, "veth: with network = host no veth key is recorded");
	(void)snprintf(want, sizeof(want), "%s:10: [user:carol] network: 'veth' needs "
		       "network_bridge and network_pool, and network_pool is not set",
		       path_in(dir, "corral.conf"));
	ok(resolve_as(c, &carol, &p, &err) == -EINVAL, "veth: carol, without a pool, is refused");
	is_str(err.msg, want, "veth: the message points at carol's network line");
}

int main(void)
{
	with_scratch("templates", test_templates);
	with_scratch("exempt lists", test_exempt_lists);
	with_scratch("exempt default", test_exempt_default);
	with_scratch("exempt drop-in", test_exempt_dropin);
	with_scratch("exempt empty", test_exempt_empty);
	with_scratch("veth", test_veth);
	return done();
}
