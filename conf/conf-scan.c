/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our own pass over the bytes iniparser is about to read. iniparser 4.1 keeps
 * no line numbers, lower-cases section names (user names are case-sensitive)
 * and silently accepts what corral must refuse: a repeated section or key
 * (merged, last wins, even [LIMITS] with [limits]), ':' in a key (`alice:x`
 * in [user] collides with `x` in [user:alice]), NUL bytes (the rest of the
 * line vanishes), a trailing backslash (the next line is glued on, even to a
 * comment), text after a closing quote or a '#' inside a value (dropped).
 * This scan accepts a strict subset of iniparser's syntax and records every
 * section and key with its line, so the later passes can name the line.
 *
 * Grammar, per line, after stripping spaces and tabs at both ends:
 *   empty | '#' comment | ';' comment | '[' NAME ']' | KEY '=' VALUE
 *   VALUE: '"' text '"' or "'" text "'" (then nothing but a comment), or
 *          unquoted text, ending at a '#' or ';' that follows a space or tab.
 * Lines end with LF; CR, NUL, other control characters except tab, invalid
 * UTF-8 and lines over CONF_LINE_MAX bytes are errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf-internal.h"

struct scan {
	struct conf *c;
	const char *path;
	size_t first;			/* this file's first section in c->sections */
	unsigned line;
	unsigned items;
};

static struct conf_section *current(const struct scan *st)
{
	return st->c->n_sections > st->first ? &st->c->sections[st->c->n_sections - 1] : NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void strip(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

/* Length of the well-formed UTF-8 sequence at s (no overlongs, surrogates), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	cp = s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int check_bytes(const struct scan *st, const char *p, size_t n, struct corral_err *err)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n > CONF_LINE_MAX)
		return conf_err_at(err, -E2BIG, st->path, st->line, NULL, NULL,
				   "line is longer than %d bytes", CONF_LINE_MAX);
	for (size_t i = 0, k; i < n; i += k) {
		k = 1;
		if (u[i] == '\0')
			return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
					   "NUL byte at column %zu", i + 1);
		if (u[i] == '\r')
			return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
					   "carriage return at column %zu (DOS line endings are "
					   "not accepted; convert with dos2unix)", i + 1);
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
					   "control character 0x%02x at column %zu", u[i], i + 1);
		if (u[i] >= 0x80 && (k = utf8_len(u + i, n - i)) == 0)
			return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
					   "invalid UTF-8 at column %zu", i + 1);
	}
	return 0;
}

static int oom(const struct scan *st, struct corral_err *err)
{
	return conf_err_at(err, -ENOMEM, st->path, 0, NULL, NULL, "out of memory");
}

static int count_item(struct scan *st, struct corral_err *err)
{
	if (++st->items > CONF_ITEMS_MAX)
		return conf_err_at(err, -E2BIG, st->path, st->line, NULL, NULL,
				   "more than %d sections and keys in one file", CONF_ITEMS_MAX);
	return 0;
}

static bool section_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("_.:@$-", c));
}

static int check_section_syntax(const struct scan *st, const char *s, size_t n,
				struct corral_err *err)
{
	char esc[CONF_ESCAPED_SIZE];
	const char *close = memchr(s, ']', n);
	bool ok = n >= 3 && close == s + n - 1;

	if (close && close < s + n - 1)
		return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
				   "text after ']' in a section header (a comment needs a line "
				   "of its own)");
	for (size_t i = 1; ok && i + 1 < n; i++)
		ok = section_char(s[i]);
	if (!ok)
		return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
				   "invalid section header '%s' (expected [global], [defaults], "
				   "[group:NAME] or [user:NAME])",
				   conf_escape(esc, sizeof(esc), s, n, CONF_QUOTE_MAX));
	return 0;
}

/* iniparser merges sections whose names differ only in case: so must we, by refusing. */
static int check_section_dup(const struct scan *st, const char *name, struct corral_err *err)
{
	for (size_t i = st->first; i < st->c->n_sections; i++) {
		const struct conf_section *o = &st->c->sections[i];

		if (strcasecmp(o->name, name) != 0)
			continue;
		if (strcmp(o->name, name) == 0)
			return conf_err_at(err, -EEXIST, st->path, st->line, NULL, NULL,
					   "duplicate section [%s] (first at line %u)", name,
					   o->line);
		return conf_err_at(err, -EEXIST, st->path, st->line, NULL, NULL,
				   "duplicate section [%s]: same as [%s] at line %u (section "
				   "names are compared ignoring case)", name, o->name, o->line);
	}
	return 0;
}

static int scan_section(struct scan *st, const char *s, size_t n, struct corral_err *err)
{
	struct conf *c = st->c;
	struct conf_section *sec;
	char name[CONF_LINE_MAX + 1];
	int r;

	r = check_section_syntax(st, s, n, err);
	if (r < 0)
		return r;
	memcpy(name, s + 1, n - 2);
	name[n - 2] = '\0';
	r = check_section_dup(st, name, err);
	if (r < 0)
		return r;
	if (conf_grow((void **)&c->sections, &c->n_sections_alloc, c->n_sections,
		      sizeof(*c->sections)) < 0)
		return oom(st, err);
	sec = &c->sections[c->n_sections];
	sec->name = strdup(name);
	if (!sec->name)
		return oom(st, err);
	sec->file = st->path;
	sec->line = st->line;
	c->n_sections++;
	return 0;
}

static int check_key_name(const struct scan *st, const char *k, size_t n,
			  struct corral_err *err)
{
	char esc[CONF_ESCAPED_SIZE];
	const char *why = NULL;

	if (n == 0)
		return conf_err_at(err, -EINVAL, st->path, st->line, current(st), NULL,
				   "missing key name before '='");
	for (size_t i = 0; i < n && !why; i++) {
		if (k[i] == ':')
			why = "':' is not allowed in key names";
		else if (k[i] >= 'A' && k[i] <= 'Z')
			why = "key names are lower case";
		else if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
			   k[i] == '_'))
			why = "key names consist of a-z, 0-9 and _";
	}
	if (why)
		return conf_err_at(err, -EINVAL, st->path, st->line, current(st), NULL,
				   "invalid key name '%s': %s",
				   conf_escape(esc, sizeof(esc), k, n, CONF_QUOTE_MAX), why);
	return 0;
}

/* Unquoted: the value ends at a '#' or ';' that starts a comment. */
static int unquoted_value(const char *s, size_t *n, const char **why)
{
	size_t i = strcspn(s, "#;");

	if (i >= *n)
		return 0;
	if (i > 0 && !is_blank(s[i - 1])) {
		*why = s[i] == '#' ? "'#' inside a value: quote the value, or put a space "
				     "before a comment" :
				     "';' inside a value: quote the value, or put a space "
				     "before a comment";
		return -EINVAL;
	}
	*n = i;
	return 0;
}

/* s (n bytes, stripped, not NUL-terminated at n but inside a NUL-terminated line). */
static int scan_value(const char *s, size_t n, const char **ret, size_t *ret_n,
		      const char **why)
{
	const char *close, *rest;

	if (n == 0 || (s[0] != '"' && s[0] != '\'')) {
		int r = unquoted_value(s, &n, why);

		if (r < 0)
			return r;
		strip(&s, &n);
		*ret = s;
		*ret_n = n;
		return 0;
	}
	close = memchr(s + 1, s[0], n - 1);
	if (!close) {
		*why = "missing closing quote";
		return -EINVAL;
	}
	rest = close + 1;
	rest += strspn(rest, " \t");
	if (rest < s + n && *rest != '#' && *rest != ';') {
		*why = "text after the closing quote";
		return -EINVAL;
	}
	*ret = s + 1;
	*ret_n = (size_t)(close - s - 1);
	return 0;
}

static int check_key_dup(const struct scan *st, const struct conf_section *sec, const char *key,
			 struct corral_err *err)
{
	for (size_t i = 0; i < sec->n_entries; i++)
		if (strcmp(sec->entries[i].key, key) == 0)
			return conf_err_at(err, -EEXIST, st->path, st->line, sec, key,
					   "duplicate key (first at line %u)",
					   sec->entries[i].line);
	return 0;
}

static int add_entry(struct scan *st, struct conf_section *sec, const char *key, const char *v,
		     size_t vn, struct corral_err *err)
{
	struct conf_entry *e;
	int r;

	r = check_key_dup(st, sec, key, err);
	if (r < 0)
		return r;
	if (conf_grow((void **)&sec->entries, &sec->n_alloc, sec->n_entries,
		      sizeof(*sec->entries)) < 0)
		return oom(st, err);
	e = &sec->entries[sec->n_entries];
	e->key = strdup(key);
	e->value = strndup(v, vn);
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		e->key = e->value = NULL;
		return oom(st, err);
	}
	e->line = st->line;
	sec->n_entries++;
	return 0;
}

static int scan_key(struct scan *st, const char *s, size_t n, struct corral_err *err)
{
	char key[CONF_LINE_MAX + 1], esc[CONF_ESCAPED_SIZE];
	const char *eq = memchr(s, '=', n), *k = s, *v, *why = NULL;
	struct conf_section *sec = current(st);
	size_t kn, vn;
	int r;

	if (!eq)
		return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
				   "expected '[section]' or 'key = value', got '%s'",
				   conf_escape(esc, sizeof(esc), s, n, CONF_QUOTE_MAX));
	kn = (size_t)(eq - s);
	strip(&k, &kn);
	if (!sec)
		return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
				   "key '%s' is outside any section",
				   conf_escape(esc, sizeof(esc), k, kn, CONF_QUOTE_MAX));
	r = check_key_name(st, k, kn, err);
	if (r < 0)
		return r;
	memcpy(key, k, kn);
	key[kn] = '\0';
	v = eq + 1;
	vn = (size_t)(s + n - v);
	strip(&v, &vn);
	if (scan_value(v, vn, &v, &vn, &why) < 0)
		return conf_err_at(err, -EINVAL, st->path, st->line, sec, key, "%s", why);
	return add_entry(st, sec, key, v, vn, err);
}

static int scan_line(struct scan *st, const char *p, size_t n, struct corral_err *err)
{
	char line[CONF_LINE_MAX + 1];
	const char *s = line;
	int r;

	r = check_bytes(st, p, n, err);
	if (r < 0)
		return r;
	memcpy(line, p, n);
	line[n] = '\0';
	strip(&s, &n);
	/* iniparser joins the next line to one ending in '\', even to a comment. */
	if (n > 0 && s[n - 1] == '\\')
		return conf_err_at(err, -EINVAL, st->path, st->line, NULL, NULL,
				   "line ends with '\\' (line continuation is not supported)");
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	r = count_item(st, err);
	if (r < 0)
		return r;
	if (s[0] == '[')
		return scan_section(st, s, n, err);
	return scan_key(st, s, n, err);
}

int conf_scan(struct conf *c, const char *path, const char *buf, size_t len,
	      struct corral_err *err)
{
	struct scan st = { .c = c, .path = path, .first = c->n_sections };
	const char *p = buf, *end = buf + len;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		return conf_err_at(err, -EINVAL, path, 1, NULL, NULL,
				   "file starts with a UTF-8 byte order mark; remove it");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r;

		st.line++;
		r = scan_line(&st, p, n, err);
		if (r < 0)
			return r;
		p = nl ? nl + 1 : end;
	}
	return 0;
}
