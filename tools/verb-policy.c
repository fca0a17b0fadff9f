/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy USER: what corral would apply to USER's next login on this host, and
 * which line of which file says so. The user and groups are looked up with
 * the helper's own code (helper/identity.c) so the answer is the helper's:
 * a login name NSS spells differently is refused here as it is there.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "conf.h"
#include "config.h"
#include "corralctl.h"
#include "identity.h"

const char verb_policy_details[] =
	"Resolves the policy of USER as the helper would at USER's next login: the\n"
	"user and groups are looked up with the helper's own code, then [defaults],\n"
	"every matching [group:NAME] and [user:NAME] are applied in order. Each key\n"
	"is printed with its value and the file, line and section it came from (or\n"
	"\"built-in default\"), and whether USER is exempt, and why.\n"
	"\n"
	"Options:\n"
	"  --config FILE     the main file (default " CORRAL_CONF_PATH ")\n"
	"  --no-owner-check  do not require root-owned files (for drafts)\n"
	"\n"
	"Exit status: 0 shown; 1 an unknown user or a bad configuration; 2 usage error.\n"
	"\n"
	"Example:\n"
	"  corralctl policy alice\n";

/* The key column fits the longest key, network_bridge_create. */
#define COLUMN "%-21s "
#define VALUE_COLUMN "%-15s "

/* The host's name up to the first '.', as %h expands it. */
static void short_hostname(char buf[HOST_NAME_MAX + 1])
{
	struct utsname u;

	buf[0] = '\0';
	if (uname(&u) == 0)
		(void)snprintf(buf, HOST_NAME_MAX + 1, "%s", u.nodename);
	buf[strcspn(buf, ".")] = '\0';
}

static void print_origin(const struct policy_origin *o)
{
	if (!o->file) {
		(void)fputs("built-in default", stdout);
		return;
	}
	print_safe(stdout, o->file);
	printf(":%u [%s]", o->line, o->section);
}

/* Names in exempt lists and section names were validated at load: safe to print. */
static void print_exempt(const struct policy *p)
{
	printf(COLUMN, "exempt");
	switch (p->exempt_by) {
	case EXEMPT_BY_USER:
		printf("yes: user '%s' is listed in exempt_users (", p->exempt_name);
		break;
	case EXEMPT_BY_GROUP:
		printf("yes: member of group '%s', listed in exempt_groups (", p->exempt_name);
		break;
	case EXEMPT_BY_NONE:
	case _EXEMPT_BY_MAX:
	default:
		(void)fputs("no: not listed in exempt_users (", stdout);
		break;
	}
	print_origin(&p->exempt_origin);
	puts(p->exempt ? ")" : "), in no group listed in exempt_groups");
	if (p->exempt)
		printf(COLUMN "%s\n", "", "not isolated: the keys below are not applied");
}

static int print_keys(const struct policy *p)
{
	char value[POLICY_VALUE_MAX];

	for (int k = 0; k < _POLICY_KEY_MAX; k++) {
		const char *name = policy_key_name((enum policy_key)k);

		if (!name || policy_format_value(p, (enum policy_key)k, value, sizeof(value)) < 0) {
			fprintf(stderr, "corralctl: internal error: cannot format policy key %d\n",
				k);
			return EXIT_FAILURE;
		}
		printf(COLUMN VALUE_COLUMN, name, value[0] ? value : "\"\"");
		print_origin(&p->origin[k]);
		(void)fputc('\n', stdout);
	}
	return EXIT_SUCCESS;
}

static int lookup_user(const char *name, struct identity *ret)
{
	struct corral_err err = CORRAL_ERR_INIT;
	int r;

	r = identity_resolve(name, ret, &err);
	if (r == -ENOENT) {
		(void)fputs("corralctl: no such user '", stderr);
		print_safe(stderr, name);
		(void)fputs("'\n", stderr);
		return EXIT_FAILURE;
	}
	return r < 0 ? fail(&err) : EXIT_SUCCESS;
}

static int show_policy(const struct conf_source *src, const char *user)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	char host[HOST_NAME_MAX + 1];
	struct identity id;
	struct conf_subject who = { .host = host, .in_group = identity_in_group };
	struct policy p;

	if (lookup_user(user, &id) != EXIT_SUCCESS)
		return EXIT_FAILURE;
	short_hostname(host);
	who.user = id.name;
	who.uid = id.uid;
	who.userdata = &id;
	if (conf_load(src, &c, &err) < 0 || conf_resolve(c, &who, &p, &err) < 0 ||
	    identity_groups_check(&id, &err) < 0)
		return fail(&err);
	printf(COLUMN "%s (uid %u)\n", "user", id.name, (unsigned)id.uid);
	printf(COLUMN "%s\n", "host", host);
	print_exempt(&p);
	return print_keys(&p);
}

int verb_policy(int argc, char **argv)
{
	enum { ARG_HELP = 0x100, ARG_CONFIG, ARG_NO_OWNER_CHECK };
	static const struct option options[] = {
		{ "help", no_argument, NULL, ARG_HELP },
		{ "config", required_argument, NULL, ARG_CONFIG },
		{ "no-owner-check", no_argument, NULL, ARG_NO_OWNER_CHECK },
		{}
	};
	struct conf_source src = { .main_path = CORRAL_CONF_PATH, .check_owner = true };
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
		switch (opt) {
		case 'h':
		case ARG_HELP:
			return verb_usage(argv[0]);
		case ARG_CONFIG:
			src.main_path = optarg;
			break;
		case ARG_NO_OWNER_CHECK:
			src.check_owner = false;
			break;
		default:
			return option_error(opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("policy: missing USER");
	if (argc - optind > 1)
		return usage_error("policy: unexpected argument '%s'", argv[optind + 1]);
	return show_policy(&src, argv[optind]);
}
