/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The schema: which sections exist, which keys each may hold, and how every
 * value is parsed. Unknown sections and keys are errors (a typo must never
 * become a silently missing setting), and values are parsed by the strict
 * parsers of lib/parse-util.c, never by iniparser's typed getters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"
#include "parse-util.h"

#define KILL_GRACE_MAX_MS (10 * 60 * 1000)
#define KEY_SUGGEST_MAX 32		/* longest key name we look for a suggestion for */

static int parse_yes_no(const char *s, union conf_value *ret, char *why, size_t size)
{
	if (parse_bool(s, &ret->b) < 0) {
		(void)snprintf(why, size, "is not a boolean (use yes, no, true or false)");
		return -EINVAL;
	}
	return 0;
}

static int parse_grace(const char *s, union conf_value *ret, char *why, size_t size)
{
	uint64_t ms;
	int r;

	r = parse_duration_ms(s, &ms);
	if (r == -EINVAL) {
		(void)snprintf(why, size, "is not a duration (use 5, 5s, 250ms or 2m)");
		return r;
	}
	if (r < 0 || ms > KILL_GRACE_MAX_MS) {
		(void)snprintf(why, size, "is too long (at most 10m)");
		return -ERANGE;
	}
	ret->u = ms;
	return 0;
}

static int parse_on_error(const char *s, union conf_value *ret, char *why, size_t size)
{
	for (int e = 0; e < _ON_ERROR_MAX; e++)
		if (strcmp(s, on_error_to_string((enum on_error)e)) == 0) {
			ret->e = e;
			return 0;
		}
	(void)snprintf(why, size, "is not a valid choice (use deny or allow)");
	return -EINVAL;
}

static int parse_hostname(const char *s, union conf_value *ret, char *why, size_t size)
{
	int r = conf_template_check(s, why, size);

	if (r < 0)
		return r;
	ret->s = s;
	return 0;
}

static int parse_names(const char *s, union conf_value *ret, char *why, size_t size)
{
	char name[CONF_NAME_MAX + 1], esc[CONF_ESCAPED_SIZE];
	const char *p = s;
	int r;

	while ((r = conf_names_next(&p, name)) != 0) {
		if (r > 0 && conf_name_valid(name))
			continue;
		(void)snprintf(why, size, "contains the invalid name '%s' (names: letters, "
			       "digits, '.', '_', '-', '@', not starting with '-' or '@', "
			       "at most %d bytes)", r > 0 ? conf_escape(esc, sizeof(esc), name,
			       strlen(name), CONF_QUOTE_MAX) : "(too long)", CONF_NAME_MAX);
		return -EINVAL;
	}
	ret->s = s;
	return 0;
}

static void store_hostname(struct policy *p, const union conf_value *v,
			   const struct conf_subject *who)
{
	conf_template_expand(v->s, who, p->hostname);
}

static void store_kill_on_logout(struct policy *p, const union conf_value *v,
				 const struct conf_subject *who _unused_)
{
	p->kill_on_logout = v->b;
}

static void store_kill_grace(struct policy *p, const union conf_value *v,
			     const struct conf_subject *who _unused_)
{
	p->kill_grace_ms = v->u;
}

static void store_on_error(struct policy *p, const union conf_value *v,
			   const struct conf_subject *who _unused_)
{
	p->on_error = (enum on_error)v->e;
}

static int format_str(char *buf, size_t size, const char *s)
{
	int n = snprintf(buf, size, "%s", s);

	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static int format_hostname(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->hostname);
}

static int format_kill_on_logout(const struct policy *p, char *buf, size_t size)
{
	return format_str(buf, size, p->kill_on_logout ? "yes" : "no");
}

/* The shortest of the config's own spellings: 2m, 5s, 250ms. */
static int format_kill_grace(const struct policy *p, char *buf, size_t size)
{
	uint64_t ms = p->kill_grace_ms;
	int n;

	if (ms != 0 && ms % 60000 == 0)
		n = snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		n = snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		n = snprintf(buf, size, "%llums", (unsigned long long)ms);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

static int format_on_error(const struct policy *p, char *buf, size_t size)
{
	const char *s = on_error_to_string(p->on_error);

	return s ? format_str(buf, size, s) : -EINVAL;
}

/* Key names are at most KEY_SUGGEST_MAX bytes. Keep policy keys in enum policy_key order. */
static const struct conf_key keys[] = {
	{ "exempt_users", SCOPE_GLOBAL, -1, "root", parse_names, NULL, NULL },
	{ "exempt_groups", SCOPE_GLOBAL, -1, "", parse_names, NULL, NULL },
	{ "hostname", SCOPE_POLICY, POLICY_HOSTNAME, "", parse_hostname, store_hostname,
	  format_hostname },
	{ "kill_on_logout", SCOPE_POLICY, POLICY_KILL_ON_LOGOUT, "yes", parse_yes_no,
	  store_kill_on_logout, format_kill_on_logout },
	{ "kill_grace", SCOPE_POLICY, POLICY_KILL_GRACE, "5s", parse_grace, store_kill_grace,
	  format_kill_grace },
	{ "on_error", SCOPE_POLICY, POLICY_ON_ERROR, "deny", parse_on_error, store_on_error,
	  format_on_error },
};

const struct conf_key *conf_key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

const struct conf_key *conf_key_by_policy(enum policy_key k)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].policy >= 0 && keys[i].policy == (int)k)
			return &keys[i];
	return NULL;
}

/* Levenshtein distance of two short strings (both at most KEY_SUGGEST_MAX bytes). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[KEY_SUGGEST_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static const char *suggest_key(const char *key)
{
	const char *best = NULL;
	size_t best_d = 3;	/* suggest only within two edits */

	if (strlen(key) > KEY_SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t d = edit_distance(key, keys[i].name);

		if (d < best_d) {
			best = keys[i].name;
			best_d = d;
		}
	}
	return best;
}

static const struct {
	const char *word;		/* "global", or the prefix of "group:NAME" */
	enum section_kind kind;
	const char *name_of;		/* what NAME is, for sections that carry one */
} section_kinds[] = {
	{ "global", SECTION_GLOBAL, NULL },
	{ "defaults", SECTION_DEFAULTS, NULL },
	{ "group:", SECTION_GROUP, "group" },
	{ "user:", SECTION_USER, "user" },
};

static int classify_section(struct conf_section *s, struct corral_err *err)
{
	char esc[CONF_ESCAPED_SIZE];

	for (size_t i = 0; i < ARRAY_SIZE(section_kinds); i++) {
		const char *word = section_kinds[i].word;
		size_t n = strlen(word);
		bool match = section_kinds[i].name_of ? strncmp(s->name, word, n) == 0 :
							strcmp(s->name, word) == 0;

		if (!match)
			continue;
		s->kind = section_kinds[i].kind;
		if (!section_kinds[i].name_of)
			return 0;
		s->arg = s->name + n;
		if (conf_name_valid(s->arg))
			return 0;
		return conf_err_at(err, -EINVAL, s->file, s->line, s, NULL,
				   "'%s' is not a valid %s name (letters, digits, '.', '_', '-', "
				   "'@', not starting with '-' or '@', at most %d bytes)",
				   conf_escape(esc, sizeof(esc), s->arg, strlen(s->arg),
					       CONF_QUOTE_MAX), section_kinds[i].name_of,
				   CONF_NAME_MAX);
	}
	return conf_err_at(err, -EINVAL, s->file, s->line, NULL, NULL,
			   "unknown section [%s] (use [global], [defaults], [group:NAME] or "
			   "[user:NAME])", conf_escape(esc, sizeof(esc), s->name, strlen(s->name),
						       CONF_QUOTE_MAX));
}

static int check_entry(const struct conf_section *s, struct conf_entry *e,
		       struct corral_err *err)
{
	const struct conf_key *k = conf_key_find(e->key);
	const char *hint;

	if (!k) {
		hint = suggest_key(e->key);
		return conf_err_at(err, -EINVAL, s->file, e->line, s, e->key, "unknown key%s%s%s",
				   hint ? " (did you mean '" : "", hint ? hint : "",
				   hint ? "'?)" : "");
	}
	if (s->kind == SECTION_GLOBAL && k->scope != SCOPE_GLOBAL)
		return conf_err_at(err, -EINVAL, s->file, e->line, s, e->key,
				   "not valid in [global] (put it in [defaults], [group:NAME] "
				   "or [user:NAME])");
	if (s->kind != SECTION_GLOBAL && k->scope == SCOPE_GLOBAL)
		return conf_err_at(err, -EINVAL, s->file, e->line, s, e->key,
				   "only valid in [global]");
	e->def = k;
	return 0;
}

/* Sections and keys known and in their place, in file order. */
int conf_schema_check(struct conf_section *sections, size_t n, struct corral_err *err)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		r = classify_section(&sections[i], err);
		for (size_t j = 0; r >= 0 && j < sections[i].n_entries; j++)
			r = check_entry(&sections[i], &sections[i].entries[j], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_value(const struct conf_section *s, struct conf_entry *e,
		       struct corral_err *err)
{
	char why[256] = "", esc[CONF_ESCAPED_SIZE];
	int r;

	r = e->def->parse(e->value, &e->v, why, sizeof(why));
	if (r < 0)
		return conf_err_at(err, r, s->file, e->line, s, e->key, "'%s' %s",
				   conf_escape(esc, sizeof(esc), e->value, strlen(e->value),
					       CONF_QUOTE_MAX), why);
	return 0;
}

int conf_schema_parse_values(struct conf_section *sections, size_t n, struct corral_err *err)
{
	int r;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sections[i].n_entries; j++) {
			r = parse_value(&sections[i], &sections[i].entries[j], err);
			if (r < 0)
				return r;
		}
	return 0;
}
