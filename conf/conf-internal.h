/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Inside libcorral-conf. A loaded configuration is a flat list of sections in
 * load order (main file, then drop-ins in strcmp order; sections in file
 * order), each with its keys in file order. Loading a file runs four passes:
 *
 *   conf-file.c      safety checks and reading (ownership, symlinks, size)
 *   conf-scan.c      our own line scan: syntax, duplicates, line numbers
 *   conf-schema.c    known sections and keys, in the right section
 *   conf-ini.c       iniparser reads the same bytes; its view must match ours
 *   conf-schema.c    values parsed with the key's type
 *
 * conf-policy.c resolves the precedence for one user, conf-template.c expands
 * the hostname template.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"

#define CONF_FILE_MAX (1024 * 1024)	/* bytes per file */
#define CONF_LINE_MAX 1000		/* bytes per line, newline excluded (iniparser: 1022) */
#define CONF_ITEMS_MAX 4096		/* sections plus keys per file */
#define CONF_DROPINS_MAX 256		/* *.conf files in the drop-in directory */
#define CONF_QUOTE_MAX 64		/* bytes of a user-controlled string echoed in a message */
#define CONF_ESCAPED_SIZE (CONF_QUOTE_MAX * 4 + 4) /* worst case: every byte \xHH, then "..." */

enum section_kind {
	SECTION_GLOBAL,
	SECTION_DEFAULTS,
	SECTION_GROUP,
	SECTION_USER,
	_SECTION_KIND_MAX,
};

enum key_scope {
	SCOPE_GLOBAL,	/* [global] only */
	SCOPE_POLICY,	/* [defaults], [group:NAME], [user:NAME] */
};

/* A parsed value; strings are borrowed from the entry (or static, for defaults). */
union conf_value {
	bool b;
	uint64_t u;
	int e;
	const char *s;
	struct policy_limit l;
};

struct conf_key;

struct conf_entry {
	char *key;
	char *value;			/* the value both parsers agreed on */
	unsigned line;
	const struct conf_key *def;	/* set by the schema pass */
	union conf_value v;		/* set by the value pass */
};

struct conf_section {
	char *name;			/* as written, case preserved: "group:Staff" */
	enum section_kind kind;		/* set by the schema pass */
	const char *arg;		/* NAME of [group:NAME] / [user:NAME], inside name */
	const char *file;		/* borrowed from struct conf */
	unsigned line;
	struct conf_entry *entries;
	size_t n_entries, n_alloc;
};

struct conf {
	char **files;
	size_t n_files, n_files_alloc;
	struct conf_section *sections;
	size_t n_sections, n_sections_alloc;
};

/*
 * One row per key. Adding a key: a row here (conf-schema.c), and for a policy
 * key an enum policy_key value and a struct policy field (conf.h).
 */
struct conf_key {
	const char *name;
	enum key_scope scope;
	int policy;			/* enum policy_key, or -1 for [global] keys */
	const char *dflt;		/* built-in default, in config syntax */
	/* On failure, writes what follows "'VALUE' " in the message into why. */
	int (*parse)(const char *s, union conf_value *ret, char *why, size_t why_size);
	/* Policy keys: store the resolved value into p. */
	void (*store)(struct policy *p, const union conf_value *v, const struct conf_subject *who);
	/* Policy keys: the value of p as the config spells it. */
	int (*format)(const struct policy *p, char *buf, size_t size);
};

/* conf-util.c */
int conf_grow(void **array, size_t *n_alloc, size_t n, size_t elem_size);
char *conf_escape(char *buf, size_t size, const char *s, size_t len, size_t max);
int conf_err_at(struct corral_err *err, int code, const char *path, unsigned line,
		const struct conf_section *s, const char *key, const char *fmt, ...) _printf_(7, 8);
#ifdef __clang_analyzer__
/* Like err_set(), it always returns a negative errno: see lib/error.h. */
#define conf_err_at(...) err_analyzer_negative_(conf_err_at(__VA_ARGS__))
#endif
bool conf_name_valid(const char *s);
int conf_names_next(const char **p, char name[CONF_NAME_MAX + 1]);
void conf_ascii_lower(char *dst, const char *src, size_t size);

/* conf-file.c */
int conf_file_read(const char *path, bool check_owner, char **ret, size_t *ret_len,
		   struct corral_err *err);
int conf_dir_open(const char *path, bool check_owner, int *ret_fd, struct corral_err *err);
int conf_file_read_at(int dirfd, const char *name, const char *path, bool check_owner,
		      char **ret, size_t *ret_len, struct corral_err *err);

/* conf-scan.c: appends the file's sections to c. */
int conf_scan(struct conf *c, const char *path, const char *buf, size_t len,
	      struct corral_err *err);

/* conf-ini.c: iniparser must read exactly the sections, keys and values we scanned. */
int conf_ini_verify(const char *path, const char *buf, size_t len, struct conf_section *sections,
		    size_t n_sections, struct corral_err *err);

/* conf-schema.c */
int conf_schema_check(struct conf_section *sections, size_t n, struct corral_err *err);
int conf_schema_parse_values(struct conf_section *sections, size_t n, struct corral_err *err);
const struct conf_key *conf_key_find(const char *name);
const struct conf_key *conf_key_by_policy(enum policy_key k);

/* conf-template.c */
int conf_template_check(const char *t, char *why, size_t why_size);
void conf_template_expand(const char *t, const struct conf_subject *who,
			  char ret[HOST_NAME_MAX + 1]);
