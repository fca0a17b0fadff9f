/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check: load the configuration exactly as the helper does (same library,
 * same ownership checks unless --no-owner-check) and list the files read;
 * then, unless --no-host-check, report each limit this host cannot carry
 * (memory_high on cgroup v1, a missing controller, an io_max disk that is not
 * here), where it is set: a login it applies to would fail. No user's policy
 * is resolved and nothing is written.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "config.h"
#include "corralctl.h"
#include "identity.h"
/*
 * conf.h has no accessor for the list of files read; it lives in struct conf.
 * FIXME: read it through a public conf_files() once conf.h has one.
 */
#include "conf-internal.h"

const char verb_check_details[] =
	"Loads the configuration as the helper does: the same parser, the same strict\n"
	"schema, the same ownership checks (file, drop-in directory and every parent\n"
	"owned by root, not writable by group or others), then lists the files read.\n"
	"Every error names the file, the line, the section and the key. Then, unless\n"
	"--no-host-check, it reports each limit this host cannot carry (memory_high on\n"
	"cgroup v1, a controller that is not mounted, an io_max disk that is not here)\n"
	"and where it is set: a login it applies to would fail, as on_error says.\n"
	"It warns, without failing, when root is not exempt (a drop-in's exempt_users\n"
	"replaces the list, root included) and, unless --no-host-check, about a\n"
	"[group:NAME] naming a group this host does not have. Nothing is written.\n"
	"\n"
	"Options:\n"
	"  --no-owner-check  do not require root-owned files (for drafts; the helper\n"
	"                    always checks)\n"
	"  --no-host-check   do not check the limits against this host (for a\n"
	"                    configuration written for another host)\n"
	"\n"
	"Exit status: 0 valid; 1 invalid, or a limit this host cannot carry; 2 usage\n"
	"error.\n"
	"\n"
	"Examples:\n"
	"  corralctl check\n"
	"  corralctl check --no-owner-check ./corral.conf\n";

static void print_files(const struct conf *c, bool owner_checked)
{
	print_safe(stdout, c->files[0]);
	printf(": OK (%zu file%s%s)\n", c->n_files, c->n_files == 1 ? "" : "s",
	       owner_checked ? "" : ", ownership not checked");
	for (size_t i = 0; i < c->n_files; i++) {
		(void)fputs("  ", stdout);
		print_safe(stdout, c->files[i]);
		(void)fputc('\n', stdout);
	}
}

static const char *cgroup_root(const struct conf *c)
{
	const char *root = "corral";

	for (size_t i = 0; i < c->n_sections; i++)
		for (size_t j = 0; j < c->sections[i].n_entries; j++)
			if (c->sections[i].kind == SECTION_GLOBAL &&
			    strcmp(c->sections[i].entries[j].key, "cgroup_root") == 0)
				root = c->sections[i].entries[j].value;
	return root;
}

/* Whether this host can carry one setting; err says why not. */
static int entry_on_host(const struct cg_host *host, const struct conf_entry *e,
			 struct corral_err *err)
{
	struct policy_io_max io;
	unsigned ma, mi;
	char why[256];
	int r;

	for (int l = 0; l < _CG_LIMIT_MAX; l++) {
		if (strcmp(e->key, cg_limit_name((enum cg_limit)l)) != 0)
			continue;
		r = cg_limit_supported(host, (enum cg_limit)l, err);
		if (r < 0 || l != CG_IO_MAX)
			return r;
		if (policy_io_max_parse(e->value, &io, why, sizeof(why)) < 0)
			return err_set(err, -EINVAL, "io_max: %s", why);
		for (unsigned d = 0; d < io.n; d++) {
			r = cg_io_device(io.dev[d].name, &ma, &mi, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void print_entry_error(const struct conf_section *s, const struct conf_entry *e,
			      const struct corral_err *err)
{
	print_safe(stderr, s->file);
	fprintf(stderr, ":%u: [", e->line);
	print_safe(stderr, s->name);
	(void)fputs("] ", stderr);
	print_safe(stderr, err->msg);
	(void)fputc('\n', stderr);
}

static void warn_at(const char *file, unsigned line, const char *what)
{
	(void)fputs("corralctl: warning: ", stderr);
	print_safe(stderr, file ? file : "(built-in default)");
	fprintf(stderr, ":%u: ", line);
	print_safe(stderr, what);
	(void)fputc('\n', stderr);
}

/*
 * Valid, but rarely meant: a drop-in's exempt_users replaces the whole list,
 * so one that forgets root isolates root's logins, and kill_on_logout then
 * ends whatever root leaves running.
 */
static void warn_root_isolated(const struct conf *c)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct conf_subject who = { .host = "", .in_group = identity_in_group };
	struct identity id;
	struct policy p;

	if (identity_resolve("root", &id, &err) < 0)
		return;
	who.user = id.name;
	who.uid = id.uid;
	who.userdata = &id;
	if (conf_resolve(c, &who, &p, &err) < 0 || identity_groups_check(&id, &err) < 0 ||
	    p.exempt)
		return;
	warn_at(p.exempt_origin.file, p.exempt_origin.line,
		"[global] exempt_users: root is not listed (nor in a group of exempt_groups): "
		"root's logins are isolated");
}

/* A [group:NAME] no group of this host is called applies to nobody. */
static void warn_unknown_groups(const struct conf *c)
{
	char what[CONF_NAME_MAX + 128];

	for (size_t i = 0; i < c->n_sections; i++) {
		const struct conf_section *s = &c->sections[i];

		if (s->kind != SECTION_GROUP)
			continue;
		errno = 0;
		if (getgrnam(s->arg))
			continue;
		(void)snprintf(what, sizeof(what), "[%s]: %s '%s': the section applies to nobody",
			       s->name, errno ? "cannot look up group" : "no group", s->arg);
		warn_at(s->file, s->line, what);
	}
}

static int check_host(const struct conf *c)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct cg_host host;
	unsigned bad = 0;

	if (cg_host_open(cgroup_root(c), &host, &err) < 0) {
		fprintf(stderr, "corralctl: cannot inspect this host's cgroups: ");
		return fail(&err);
	}
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct conf_section *s = &c->sections[i];

		for (size_t j = 0; j < s->n_entries; j++) {
			/* An empty value unsets the key: nothing to carry. */
			if (!s->entries[j].value[0] ||
			    entry_on_host(&host, &s->entries[j], &err) == 0)
				continue;
			print_entry_error(s, &s->entries[j], &err);
			err_clear(&err);
			bad++;
		}
	}
	if (bad > 0)
		fprintf(stderr, "corralctl: %u setting%s cannot be carried on this host (%s): "
			"logins they apply to fail, per on_error\n", bad, bad == 1 ? "" : "s",
			cg_layout_name(host.layout));
	cg_host_close(&host);
	return bad == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int verb_check(int argc, char **argv)
{
	enum { ARG_HELP = 0x100, ARG_NO_OWNER_CHECK, ARG_NO_HOST_CHECK };
	static const struct option options[] = {
		{ "help", no_argument, NULL, ARG_HELP },
		{ "no-owner-check", no_argument, NULL, ARG_NO_OWNER_CHECK },
		{ "no-host-check", no_argument, NULL, ARG_NO_HOST_CHECK },
		{}
	};
	struct conf_source src = { .main_path = CORRAL_CONF_PATH, .check_owner = true };
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	bool host_check = true;
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
		switch (opt) {
		case 'h':
		case ARG_HELP:
			return verb_usage(argv[0]);
		case ARG_NO_OWNER_CHECK:
			src.check_owner = false;
			break;
		case ARG_NO_HOST_CHECK:
			host_check = false;
			break;
		default:
			return option_error(opt, argv);
		}
	}
	if (argc - optind > 1)
		return usage_error("check: unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		src.main_path = argv[optind];
	if (conf_load(&src, &c, &err) < 0)
		return fail(&err);
	print_files(c, src.check_owner);
	warn_root_isolated(c);
	if (!host_check)
		return EXIT_SUCCESS;
	warn_unknown_groups(c);
	return check_host(c);
}
