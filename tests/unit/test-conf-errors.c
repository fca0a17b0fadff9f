/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every refusal of conf_load(), with its exact message: an admin reads these
 * in corralctl's output and in the auth log, so a changed message must be a
 * deliberate change of this table. Each row is a whole main file; the
 * expected message is what follows the file's path. A refused load must
 * return no configuration at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"
#include "test-conf-util.h"

#define NAMES_RULE "(letters, digits, '.', '_', '-', '@', not starting with '-' or '@', " \
		   "at most 255 bytes)"

struct err_case {
	const char *name;
	const char *text;
	size_t len;		/* sizeof - 1: NUL bytes count */
	int code;
	const char *want;	/* after "DIR/corral.conf" */
};

#define ROW(name, text, code, want) { name, text, sizeof(text) - 1, code, want }

static const struct err_case cases[] = {
	/* Schema. */
	ROW("unknown key, with a suggestion", "[defaults]\nkil_grace = 5s\n", -EINVAL,
	    ":2: [defaults] kil_grace: unknown key (did you mean 'kill_grace'?)"),
	ROW("unknown key, no suggestion", "[defaults]\nbandwidth = 1G\n", -EINVAL,
	    ":2: [defaults] bandwidth: unknown key"),
	ROW("unknown section", "[global]\n\n[limits]\nx = 1\n", -EINVAL,
	    ":3: unknown section [limits] (use [global], [defaults], [group:NAME] or "
	    "[user:NAME])"),
	ROW("section words are lower case", "[Defaults]\n", -EINVAL,
	    ":1: unknown section [Defaults] (use [global], [defaults], [group:NAME] or "
	    "[user:NAME])"),
	ROW("policy key in [global]", "[global]\nkill_grace = 5s\n", -EINVAL,
	    ":2: [global] kill_grace: not valid in [global] (put it in [defaults], "
	    "[group:NAME] or [user:NAME])"),
	ROW("[global] key in a policy section", "[group:staff]\nexempt_users = root\n", -EINVAL,
	    ":2: [group:staff] exempt_users: only valid in [global]"),
	ROW("duplicate key", "[defaults]\nkill_grace = 5s\n# again\nkill_grace = 2s\n", -EEXIST,
	    ":4: [defaults] kill_grace: duplicate key (first at line 2)"),
	ROW("duplicate section", "[defaults]\nkill_grace = 1s\n[defaults]\n", -EEXIST,
	    ":3: duplicate section [defaults] (first at line 1)"),
	ROW("duplicate section, case only", "[user:alice]\n[user:Alice]\n", -EEXIST,
	    ":2: duplicate section [user:Alice]: same as [user:alice] at line 1 (section names "
	    "are compared ignoring case)"),
	ROW("invalid user name", "[user:-bob]\n", -EINVAL,
	    ":1: [user:-bob] '-bob' is not a valid user name " NAMES_RULE),
	ROW("empty group name", "[group:]\n", -EINVAL,
	    ":1: [group:] '' is not a valid group name " NAMES_RULE),
	ROW("invalid name in exempt_users", "[global]\nexempt_users = root @x\n", -EINVAL,
	    ":2: [global] exempt_users: 'root @x' contains the invalid name '@x' (names: "
	    "letters, digits, '.', '_', '-', '@', not starting with '-' or '@', at most "
	    "255 bytes)"),
	/* Values. */
	ROW("bad boolean", "[defaults]\nkill_on_logout = 1\n", -EINVAL,
	    ":2: [defaults] kill_on_logout: '1' is not a boolean (use yes, no, true or false)"),
	ROW("bad duration", "[group:students]\nkill_grace = 5q\n", -EINVAL,
	    ":2: [group:students] kill_grace: '5q' is not a duration (use 5, 5s, 250ms or 2m)"),
	ROW("grace too long", "[user:bob]\nkill_grace = 601s\n", -ERANGE,
	    ":2: [user:bob] kill_grace: '601s' is too long (at most 10m)"),
	ROW("grace overflows", "[user:bob]\nkill_grace = 99999999999999999999\n", -ERANGE,
	    ":2: [user:bob] kill_grace: '99999999999999999999' is too long (at most 10m)"),
	ROW("bad on_error", "[defaults]\non_error = Deny\n", -EINVAL,
	    ":2: [defaults] on_error: 'Deny' is not a valid choice (use deny or allow)"),
	ROW("unknown hostname escape", "[defaults]\nhostname = %x-%u\n", -EINVAL,
	    ":2: [defaults] hostname: '%x-%u' has the unknown escape '%x' (use %u, %U, %h or "
	    "%%)"),
	ROW("lone % in hostname", "[defaults]\nhostname = \"50%\"\n", -EINVAL,
	    ":2: [defaults] hostname: '50%' ends with a lone '%' (write %% for a percent sign)"),
	/* Syntax. */
	ROW("key outside a section", "kill_grace = 5s\n[defaults]\n", -EINVAL,
	    ":1: key 'kill_grace' is outside any section"),
	ROW("missing '='", "[defaults]\nkill_grace 5s\n", -EINVAL,
	    ":2: expected '[section]' or 'key = value', got 'kill_grace 5s'"),
	ROW("missing key name", "[defaults]\n= 5s\n", -EINVAL,
	    ":2: [defaults] missing key name before '='"),
	ROW("upper-case key", "[defaults]\nKill_grace = 5s\n", -EINVAL,
	    ":2: [defaults] invalid key name 'Kill_grace': key names are lower case"),
	ROW("':' in a key", "[defaults]\nalice:kill_grace = 5s\n", -EINVAL,
	    ":2: [defaults] invalid key name 'alice:kill_grace': ':' is not allowed in key "
	    "names"),
	ROW("text after the closing quote", "[defaults]\nhostname = \"a\" b\n", -EINVAL,
	    ":2: [defaults] hostname: text after the closing quote"),
	ROW("missing closing quote", "[defaults]\nhostname = 'lab\n", -EINVAL,
	    ":2: [defaults] hostname: missing closing quote"),
	ROW("'#' inside an unquoted value", "[defaults]\nhostname = lab#1\n", -EINVAL,
	    ":2: [defaults] hostname: '#' inside a value: quote the value, or put a space "
	    "before a comment"),
	ROW("';' inside an unquoted value", "[defaults]\nkill_grace = 5s;\n", -EINVAL,
	    ":2: [defaults] kill_grace: ';' inside a value: quote the value, or put a space "
	    "before a comment"),
	ROW("text after ']'", "[defaults] # policy\n", -EINVAL,
	    ":1: text after ']' in a section header (a comment needs a line of its own)"),
	ROW("invalid section header", "[de faults]\n", -EINVAL,
	    ":1: invalid section header '[de faults]' (expected [global], [defaults], "
	    "[group:NAME] or [user:NAME])"),
	ROW("trailing backslash", "# see below \\\n[defaults]\n", -EINVAL,
	    ":1: line ends with '\\' (line continuation is not supported)"),
	/* Bytes. */
	ROW("CRLF", "[defaults]\r\nkill_grace = 5s\r\n", -EINVAL,
	    ":1: carriage return at column 11 (DOS line endings are not accepted; convert "
	    "with dos2unix)"),
	ROW("NUL byte", "[defaults]\nhostname = a\0b\n", -EINVAL, ":2: NUL byte at column 13"),
	ROW("control character", "# \x1b[31mred\n", -EINVAL,
	    ":1: control character 0x1b at column 3"),
	ROW("DEL", "[defaults]\nhostname = a\x7f\n", -EINVAL,
	    ":2: control character 0x7f at column 13"),
	ROW("invalid UTF-8", "# caf\xc3(\n", -EINVAL, ":1: invalid UTF-8 at column 6"),
	ROW("overlong UTF-8", "# \xc0\xaf\n", -EINVAL, ":1: invalid UTF-8 at column 3"),
	ROW("UTF-16 surrogate", "#  \xed\xa0\x80\n", -EINVAL, ":1: invalid UTF-8 at column 4"),
	ROW("above U+10FFFF", "# \xf4\x90\x80\x80\n", -EINVAL, ":1: invalid UTF-8 at column 3"),
	ROW("UTF-8 cut by the newline", "[defaults]\n# \xe2\x82\n", -EINVAL,
	    ":2: invalid UTF-8 at column 3"),
	/* network = veth's keys. */
	ROW("unknown network mode", "[defaults]\nnetwork = bridge\n", -EINVAL,
	    ":2: [defaults] network: 'bridge' is not a valid choice (use host, loopback or veth)"),
	ROW("network_bridge too long", "[defaults]\nnetwork_bridge = br-0123456789abc\n", -EINVAL,
	    ":2: [defaults] network_bridge: 'br-0123456789abc' is not a valid interface name "
	    "(letters, digits, '.', '_', '-', not starting with '-', at most 15 bytes)"),
	ROW("network_bridge with '/'", "[group:lab]\nnetwork_bridge = br/0\n", -EINVAL,
	    ":2: [group:lab] network_bridge: 'br/0' is not a valid interface name "
	    "(letters, digits, '.', '_', '-', not starting with '-', at most 15 bytes)"),
	ROW("network_bridge '..'", "[defaults]\nnetwork_bridge = ..\n", -EINVAL,
	    ":2: [defaults] network_bridge: '..' is not a valid interface name "
	    "(letters, digits, '.', '_', '-', not starting with '-', at most 15 bytes)"),
	ROW("network_pool not a CIDR", "[defaults]\nnetwork_pool = 10.213.0.0\n", -EINVAL,
	    ":2: [defaults] network_pool: '10.213.0.0' is not an IPv4 network in CIDR notation "
	    "(such as 10.213.0.0/24)"),
	ROW("network_pool octal", "[defaults]\nnetwork_pool = 010.0.0.0/8\n", -EINVAL,
	    ":2: [defaults] network_pool: '010.0.0.0/8' is not an IPv4 network in CIDR notation "
	    "(such as 10.213.0.0/24)"),
	ROW("network_pool IPv6", "[defaults]\nnetwork_pool = fd00::/64\n", -EINVAL,
	    ":2: [defaults] network_pool: 'fd00::/64' is not an IPv4 network in CIDR notation "
	    "(such as 10.213.0.0/24)"),
	ROW("network_pool host bits", "[defaults]\nnetwork_pool = 10.213.7.9/24\n", -EINVAL,
	    ":2: [defaults] network_pool: '10.213.7.9/24' has host bits set (the network is "
	    "10.213.7.0/24)"),
	ROW("network_pool /31", "[defaults]\nnetwork_pool = 10.213.7.0/31\n", -ERANGE,
	    ":2: [defaults] network_pool: '10.213.7.0/31' leaves no room (use /1 to /30: the "
	    "network, broadcast and bridge addresses and at least one session's)"),
	ROW("network_bridge_create", "[defaults]\nnetwork_bridge_create = sure\n", -EINVAL,
	    ":2: [defaults] network_bridge_create: 'sure' is not a boolean (use yes, no, true "
	    "or false)"),
	ROW("veth key in [global]", "[global]\nnetwork_pool = 10.0.0.0/8\n", -EINVAL,
	    ":2: [global] network_pool: not valid in [global] (put it in [defaults], "
	    "[group:NAME] or [user:NAME])"),
	/* The VPS mode keys. */
	ROW("unknown scope", "[defaults]\nscope = users\n", -EINVAL,
	    ":2: [defaults] scope: 'users' is not a valid choice (use session or user)"),
	ROW("scope is lower case", "[group:students]\nscope = User\n", -EINVAL,
	    ":2: [group:students] scope: 'User' is not a valid choice (use session or user)"),
	ROW("scope in [global]", "[global]\nscope = user\n", -EINVAL,
	    ":2: [global] scope: not valid in [global] (put it in [defaults], [group:NAME] or "
	    "[user:NAME])"),
	ROW("bad linger", "[user:bob]\nlinger = forever\n", -EINVAL,
	    ":2: [user:bob] linger: 'forever' is not a boolean (use yes, no, true or false)"),
	ROW("linger misspelt", "[defaults]\nlinge = yes\n", -EINVAL,
	    ":2: [defaults] linge: unknown key (did you mean 'linger'?)"),
	ROW("private_tmp is not a boolean", "[defaults]\nprivate_tmp = yes\n", -EINVAL,
	    ":2: [defaults] private_tmp: 'yes' is not a valid choice (use no, session or user)"),
	ROW("private_tmp misspelt", "[defaults]\nprivate_temp = user\n", -EINVAL,
	    ":2: [defaults] private_temp: unknown key (did you mean 'private_tmp'?)"),
	ROW("tmp_size max", "[defaults]\nscope = user\n\n[user:alice]\ntmp_size = max\n", -EINVAL,
	    ":5: [user:alice] tmp_size: 'max' is not a size (a tmpfs needs one: leave tmp_size "
	    "empty for the kernel's default, half of RAM)"),
	ROW("tmp_size not a size", "[group:students]\ntmp_size = 1GB\n", -EINVAL,
	    ":2: [group:students] tmp_size: '1GB' is not a size (use 512M, 2G, 1T, a percentage "
	    "of RAM such as 10%, or empty for the kernel's default)"),
	ROW("tmp_size 0 (no limit to tmpfs)", "[defaults]\ntmp_size = 0\n", -ERANGE,
	    ":2: [defaults] tmp_size: '0' is too small (at least 1M)"),
	ROW("tmp_size below 1M", "[defaults]\ntmp_size = 1023K\n", -ERANGE,
	    ":2: [defaults] tmp_size: '1023K' is too small (at least 1M)"),
	ROW("tmp_size 0%", "[defaults]\ntmp_size = 0%\n", -ERANGE,
	    ":2: [defaults] tmp_size: '0%' is not a percentage of RAM between 0.01% and 100%"),
	ROW("tmp_size over 100%", "[defaults]\ntmp_size = 150%\n", -ERANGE,
	    ":2: [defaults] tmp_size: '150%' is not a percentage of RAM between 0.01% and 100%"),
	ROW("cpus 0", "[defaults]\n\n[group:hpc]\ncpus = 0\n", -ERANGE,
	    ":4: [group:hpc] cpus: '0' is out of range (1 to 8192, or empty for all CPUs)"),
	ROW("cpus beyond the largest NR_CPUS", "[user:alice]\ncpus = 8193\n", -ERANGE,
	    ":2: [user:alice] cpus: '8193' is out of range (1 to 8192, or empty for all CPUs)"),
	ROW("cpus not a number", "[defaults]\ncpus = max\n", -EINVAL,
	    ":2: [defaults] cpus: 'max' is not a number of CPUs (use 2, auto to follow cpu_max, "
	    "or empty for all of them)"),
	ROW("cpus with a sign", "[defaults]\ncpus = +2\n", -EINVAL,
	    ":2: [defaults] cpus: '+2' is not a number of CPUs (use 2, auto to follow cpu_max, "
	    "or empty for all of them)"),
	ROW("cpus in [global]", "[global]\ncpus = 2\n", -EINVAL,
	    ":2: [global] cpus: not valid in [global] (put it in [defaults], [group:NAME] or "
	    "[user:NAME])"),
	ROW("BOM", "\xef\xbb\xbf[defaults]\n", -EINVAL,
	    ":1: file starts with a UTF-8 byte order mark; remove it"),
	ROW("empty main file", "", -ENODATA,
	    ": file is empty (for the built-in defaults, write a comment)"),
};

/* Load dir's files; the message must be path_in(dir, file) followed by want. */
static void expect_error(const char *dir, const char *file, int code, const char *want,
			 const char *name)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	char full[PATH_MAX + 1024];
	int r;

	(void)snprintf(full, sizeof(full), "%s%s", path_in(dir, file), want);
	r = load_dir(dir, &c, &err);
	is_str(err.msg, full, "%s: message", name);
	ok(r == code && err.code == code && !c, "%s: returns %d and no configuration", name,
	   code);
	if (r != code)
		diag("got %d", r);
}

static void test_table(const char *dir)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (write_bytes(dir, "corral.conf", cases[i].text, cases[i].len) == 0)
			expect_error(dir, "corral.conf", cases[i].code, cases[i].want,
				     cases[i].name);
}

/* Lines up to 1000 bytes are fine, 1001 is not; what iniparser 4.1 reads safely. */
static void test_line_length(const char *dir)
{
	char text[1100];
	int n;

	n = snprintf(text, sizeof(text), "[defaults]\nhostname = %0989d\n", 0);
	if (n != 11 + 1000 + 1 || write_str(dir, "corral.conf", text) < 0) {
		ok(false, "line length: test file");
		return;
	}
	{
		_cleanup_(conf_freep) struct conf *c = NULL;
		struct corral_err err = CORRAL_ERR_INIT;

		ok(load_dir(dir, &c, &err) == 0, "a line of 1000 bytes is accepted");
	}
	(void)snprintf(text, sizeof(text), "[defaults]\nhostname = %0990d\n", 0);
	if (write_str(dir, "corral.conf", text) == 0)
		expect_error(dir, "corral.conf", -E2BIG, ":2: line is longer than 1000 bytes",
			     "a line of 1001 bytes");
}

/* 4096 sections and keys per file at most. */
static void test_items(const char *dir)
{
	_cleanup_free_ char *text = malloc(4097 * 16 + 1);
	size_t off = 0;

	if (!text)
		return;
	for (unsigned i = 1; i <= 4097; i++)
		off += (size_t)sprintf(text + off, "[user:u%u]\n", i);
	if (write_bytes(dir, "corral.conf", text, off) == 0)
		expect_error(dir, "corral.conf", -E2BIG,
			     ":4097: more than 4096 sections and keys in one file",
			     "4097 sections");
}

static void test_big_file(const char *dir)
{
	size_t size = 1024 * 1024 + 1;
	_cleanup_free_ char *text = malloc(size);

	if (!text)
		return;
	memset(text, '\n', size);
	text[0] = '#';
	if (write_bytes(dir, "corral.conf", text, size) == 0)
		expect_error(dir, "corral.conf", -EFBIG, ": is larger than 1048576 bytes",
			     "a file over 1 MiB");
}

static void test_main_file_kinds(const char *dir)
{
	char target[PATH_MAX];

	expect_error(dir, "corral.conf", -ENOENT, ": does not exist", "missing main file");
	(void)snprintf(target, sizeof(target), "%s/real.conf", dir);
	if (write_str(dir, "real.conf", "[defaults]\n") == 0 &&
	    symlink(target, path_in(dir, "corral.conf")) == 0)
		expect_error(dir, "corral.conf", -ELOOP, ": is a symbolic link (not followed)",
			     "main file is a symlink");
	(void)unlink(path_in(dir, "corral.conf"));
	/* O_NONBLOCK: opening a FIFO nobody writes to must not hang (alarm() in main). */
	if (mkfifo(path_in(dir, "corral.conf"), 0644) == 0)
		expect_error(dir, "corral.conf", -EINVAL, ": is not a regular file",
			     "main file is a FIFO");
	(void)unlink(path_in(dir, "corral.conf"));
	if (make_dir(dir, "corral.conf") == 0)
		expect_error(dir, "corral.conf", -EINVAL, ": is not a regular file",
			     "main file is a directory");
}

static void test_dropin_kinds(const char *dir)
{
	char target[PATH_MAX];

	if (write_str(dir, "corral.conf", "[defaults]\n") < 0 ||
	    make_dir(dir, "corral.conf.d") < 0 || make_dir(dir, "corral.conf.d/50-x.conf") < 0)
		return;
	expect_error(dir, "corral.conf.d/50-x.conf", -EINVAL, ": is not a regular file",
		     "a drop-in *.conf that is a directory");
	(void)rmdir(path_in(dir, "corral.conf.d/50-x.conf"));
	(void)snprintf(target, sizeof(target), "%s/real.conf", dir);
	if (write_str(dir, "real.conf", "[defaults]\n") == 0 &&
	    symlink(target, path_in(dir, "corral.conf.d/50-x.conf")) == 0)
		expect_error(dir, "corral.conf.d/50-x.conf", -ELOOP,
			     ": is a symbolic link (not followed)", "a drop-in that is a symlink");
	(void)unlink(path_in(dir, "corral.conf.d/50-x.conf"));
	/* The example of conf.h: a drop-in's error names the drop-in and its line. */
	if (write_str(dir, "corral.conf.d/10-ok.conf", "") == 0 &&
	    write_str(dir, "corral.conf.d/50-lab.conf",
		      "[group:students]\nkill_grace = 5q\n") == 0)
		expect_error(dir, "corral.conf.d/50-lab.conf", -EINVAL,
			     ":2: [group:students] kill_grace: '5q' is not a duration (use 5, "
			     "5s, 250ms or 2m)", "an error in a drop-in, after an empty one");
}

static void test_dropin_dir_kinds(const char *dir)
{
	if (write_str(dir, "corral.conf", "[defaults]\n") < 0 ||
	    write_str(dir, "corral.conf.d", "[defaults]\n") < 0)
		return;
	expect_error(dir, "corral.conf.d", -ENOTDIR, ": is not a directory",
		     "corral.conf.d is a file");
	(void)unlink(path_in(dir, "corral.conf.d"));
	if (make_dir(dir, "elsewhere.d") == 0 &&
	    symlink("elsewhere.d", path_in(dir, "corral.conf.d")) == 0)
		expect_error(dir, "corral.conf.d", -ELOOP, ": is a symbolic link (not followed)",
			     "corral.conf.d is a symlink");
}

static void test_too_many_dropins(const char *dir)
{
	char name[64];

	if (write_str(dir, "corral.conf", "[defaults]\n") < 0 || make_dir(dir, "corral.conf.d") < 0)
		return;
	for (int i = 0; i <= 256; i++) {
		(void)snprintf(name, sizeof(name), "corral.conf.d/%03d.conf", i);
		if (write_str(dir, name, "") < 0)
			return;
	}
	expect_error(dir, "corral.conf.d", -E2BIG, ": more than 256 *.conf files",
		     "257 drop-ins");
}

static void test_bad_arguments(void)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct conf *c = NULL;
	struct conf_source src = { .main_path = "" };
	struct conf_subject who = { .user = NULL };
	struct policy p;

	is_int(conf_load(&src, &c, &err), -EINVAL, "conf_load refuses an empty path");
	is_str(err.msg, "No configuration file given", "... and says so");
	is_int(conf_load(NULL, &c, &err), -EINVAL, "conf_load refuses no source");
	is_int(conf_resolve(NULL, &who, &p, &err), -EINVAL, "conf_resolve refuses no conf");
	is_str(err.msg, "No configuration or no user to resolve", "... and says so");
}

int main(void)
{
	/* A hang (a FIFO opened without O_NONBLOCK) fails the test instead of stalling it. */
	alarm(20);
	with_scratch("table", test_table);
	with_scratch("line length", test_line_length);
	with_scratch("items", test_items);
	with_scratch("big file", test_big_file);
	with_scratch("main file kinds", test_main_file_kinds);
	with_scratch("drop-in kinds", test_dropin_kinds);
	with_scratch("drop-in directory kinds", test_dropin_dir_kinds);
	with_scratch("too many drop-ins", test_too_many_dropins);
	test_bad_arguments();
	return done();
}
