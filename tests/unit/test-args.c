/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Argument parsing of both sides of the privilege boundary: the helper's argv
 * (helper/args.c) and the PAM module's arguments (pam_module/args.c). Every
 * malformed shape is refused; nothing is guessed.
 */
#include <errno.h>
#include <string.h>

#include "args.h"
#include "config.h"
#include "helper.h"
#include "tap.h"

static int helper_parse(const char *const *words, struct helper_args *a)
{
	int argc = 0;

	while (words[argc])
		argc++;
	return helper_args_parse(argc, (char *const *)words, a);
}

static void test_helper_good(void)
{
	struct helper_args a;
	int r;

	r = helper_parse((const char *[]){ "corral-helper", "open", NULL }, &a);
	is_int(r, 0, "helper: a bare verb");
	is_str(a.verb, "open", "helper: the verb");
	ok(!a.config_path && !a.init_path && !a.debug, "helper: no options, no paths");

	r = helper_parse((const char *[]){ "corral-helper", "--config=/etc/x.conf", "--init=/usr/x",
					   "--debug", "close", NULL }, &a);
	is_int(r, 0, "helper: every option");
	is_str(a.config_path, "/etc/x.conf", "helper: --config");
	is_str(a.init_path, "/usr/x", "helper: --init");
	ok(a.debug, "helper: --debug");
	is_str(a.verb, "close", "helper: the verb after options");
}

static void test_helper_bad(void)
{
	const char *const *bad[] = {
		(const char *[]){ "corral-helper", NULL },
		(const char *[]){ "corral-helper", "open", "close", NULL },
		(const char *[]){ "corral-helper", "--config=relative", "open", NULL },
		(const char *[]){ "corral-helper", "--config=", "open", NULL },
		(const char *[]){ "corral-helper", "--config=/a", "--config=/b", "open", NULL },
		(const char *[]){ "corral-helper", "--init=/a", "--init=/b", "open", NULL },
		(const char *[]){ "corral-helper", "--debug", "--debug", "open", NULL },
		(const char *[]){ "corral-helper", "--config", "/etc/x", "open", NULL },
		(const char *[]){ "corral-helper", "--verbose", "open", NULL },
		(const char *[]){ "corral-helper", "--", "open", NULL },
		(const char *[]){ "corral-helper", "open", "--debug", NULL },
	};
	struct helper_args a = { .verb = "untouched" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char desc[256] = "";

		for (size_t j = 1; bad[i][j]; j++) {
			strncat(desc, " ", sizeof(desc) - strlen(desc) - 1);
			strncat(desc, bad[i][j], sizeof(desc) - strlen(desc) - 1);
		}
		is_int(helper_parse(bad[i], &a), -EINVAL, "helper: refused:%s", desc);
	}
	is_str(a.verb, "untouched", "helper: a refusal leaves the result untouched");
}

static int module_parse(const char *const *args, struct mod_args *a, struct corral_err *err)
{
	int argc = 0;

	while (args[argc])
		argc++;
	return args_parse(argc, (const char **)args, a, err);
}

static void test_module(void)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct mod_args a;
	int r;

	r = module_parse((const char *[]){ NULL }, &a, &err);
	is_int(r, 0, "module: no arguments");
	is_str(a.helper, CORRAL_HELPER_PATH, "module: the built-in helper path by default");
	ok(!a.config && !a.init && !a.debug, "module: no config, init or debug by default");

	r = module_parse((const char *[]){ "debug", "helper=/h", "config=/c", "init=/i", NULL },
			 &a, &err);
	is_int(r, 0, "module: every argument");
	ok(a.debug && streq(a.helper, "/h") && streq(a.config, "/c") && streq(a.init, "/i"),
	   "module: every argument is stored");

	r = module_parse((const char *[]){ "bogus=1", NULL }, &a, &err);
	is_int(r, -EINVAL, "module: an unknown argument is refused");
	is_str(err.msg, "Unknown module argument 'bogus=1'", "module: the message names it");
	r = module_parse((const char *[]){ "config=relative.conf", NULL }, &a, &err);
	is_int(r, -EINVAL, "module: a relative path is refused");
	is_str(err.msg, "Module argument 'config=relative.conf' needs an absolute path",
	       "module: the message names it");
	r = module_parse((const char *[]){ "helper=/a", "helper=/b", NULL }, &a, &err);
	is_int(r, -EINVAL, "module: a repeated path is refused");
	is_str(err.msg, "Module argument 'helper=/b' given twice", "module: the message names it");
	r = module_parse((const char *[]){ "debug", "debug", NULL }, &a, &err);
	is_int(r, -EINVAL, "module: a repeated debug is refused");
	r = module_parse((const char *[]){ "Debug", NULL }, &a, &err);
	is_int(r, -EINVAL, "module: arguments are case-sensitive");
}

int main(void)
{
	test_helper_good();
	test_helper_bad();
	test_module();
	return done();
}
