/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Both argument parsers of the privilege boundary: the helper's argv
 * (helper/args.c) and the PAM module's arguments (pam_module/args.c). The
 * input is the words, NUL-separated. Each parser is checked against a
 * reference written from its documented grammar: it must accept exactly
 * the well-formed lists, and what it returns must point into the words.
 */
#include <errno.h>
#include <limits.h>

#include "args.h"
#include "fuzz.h"
#include "helper.h"

#define WORDS_MAX 16

static bool absolute(const char *p)
{
	return p[0] == '/' && strlen(p) < PATH_MAX;
}

/* One option word of the helper; seen counts each kind. */
static bool helper_option_ok(const char *w, unsigned seen[3])
{
	if (strncmp(w, "--config=", 9) == 0)
		return seen[0]++ == 0 && absolute(w + 9);
	if (strncmp(w, "--init=", 7) == 0)
		return seen[1]++ == 0 && absolute(w + 7);
	if (streq(w, "--debug"))
		return seen[2]++ == 0;
	return false;
}

/* [--config=/ABS] [--init=/ABS] [--debug] VERB, each option at most once, in any order. */
static bool helper_ref(int argc, char **argv)
{
	unsigned seen[3] = { 0 };

	if (argc < 2 || strncmp(argv[argc - 1], "--", 2) == 0)
		return false;
	for (int i = 1; i < argc - 1; i++)
		if (!helper_option_ok(argv[i], seen))
			return false;
	return true;
}

static bool inside(const char *p, char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void fuzz_helper(int argc, char **argv)
{
	struct helper_args a = { .verb = "untouched" };
	int r = helper_args_parse(argc, argv, &a);

	fuzz_check(r == 0 || r == -EINVAL, "helper_args_parse returned %d", r);
	fuzz_check((r == 0) == helper_ref(argc, argv), "helper_args_parse returned %d", r);
	if (r < 0) {
		fuzz_check(streq(a.verb, "untouched"), "wrote its result on failure");
		return;
	}
	fuzz_check(a.verb == argv[argc - 1], "the verb is not the last word");
	fuzz_check(!a.config_path || (absolute(a.config_path) && inside(a.config_path, argv, argc)),
		   "bad config path");
	fuzz_check(!a.init_path || (absolute(a.init_path) && inside(a.init_path, argv, argc)),
		   "bad init path");
}

static bool module_word_ok(const char *w, unsigned seen[4])
{
	static const char *const prefixes[] = { "helper=", "config=", "init=" };

	if (streq(w, "debug"))
		return seen[3]++ == 0;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(w, prefixes[i], strlen(prefixes[i])) == 0)
			return seen[i]++ == 0 && absolute(w + strlen(prefixes[i]));
	return false;
}

static void fuzz_module(int argc, char **argv)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct mod_args a = { .helper = "untouched" };
	unsigned seen[4] = { 0 };
	bool want = true;
	int r;

	for (int i = 0; i < argc; i++)
		want = module_word_ok(argv[i], seen) && want;
	r = args_parse(argc, (const char **)argv, &a, &err);
	fuzz_check((r == 0) == want, "args_parse returned %d: %s", r, err.msg);
	if (r < 0) {
		fuzz_check(r == -EINVAL && err.code == r && err.msg[0], "bad error %d", r);
		fuzz_check(streq(a.helper, "untouched"), "wrote its result on failure");
		return;
	}
	fuzz_check(absolute(a.helper), "helper path '%s'", a.helper);
	fuzz_check(!a.config || (absolute(a.config) && inside(a.config, argv, argc)), "config");
	fuzz_check(!a.init || (absolute(a.init) && inside(a.init, argv, argc)), "init");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_strndup(data, size), *argv[WORDS_MAX + 1];
	int argc = 0;

	/* NUL-separated words; a final NUL ends the last word rather than adding an empty one. */
	for (char *p = buf; argc < WORDS_MAX && p < buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	fuzz_helper(argc, argv);
	fuzz_module(argc, argv);
	free(buf);
	return 0;
}
