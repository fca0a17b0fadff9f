/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One user's policy. Layers, later wins key by key: built-in defaults,
 * [defaults], every [group:NAME] the user is in, [user:NAME] with exactly the
 * login name (case-sensitive). Within a layer, sections count in load order:
 * the main file, then drop-ins in strcmp order, sections in file order.
 *
 * Exemption, from [global] (the last exempt_users / exempt_groups line read
 * wins, default exempt_users = root): exempt when the login name is listed in
 * exempt_users, or the user is in a group listed in exempt_groups. Names are
 * compared exactly; a uid 0 account not called "root" is not exempt unless
 * listed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"

struct resolved {
	union conf_value v;
	struct policy_origin origin;
};

static const char *const on_error_names[_ON_ERROR_MAX] = {
	[ON_ERROR_DENY] = "deny",
	[ON_ERROR_ALLOW] = "allow",
};

const char *on_error_to_string(enum on_error e)
{
	return (unsigned)e < _ON_ERROR_MAX ? on_error_names[e] : NULL;
}

static const char *const network_names[_NETWORK_MAX] = {
	[NETWORK_HOST] = "host",
	[NETWORK_LOOPBACK] = "loopback",
	[NETWORK_VETH] = "veth",
};

const char *network_to_string(enum policy_network n)
{
	return (unsigned)n < _NETWORK_MAX ? network_names[n] : NULL;
}

static const char *const scope_names[_POLICY_SCOPE_MAX] = {
	[POLICY_SCOPE_SESSION] = "session",
	[POLICY_SCOPE_USER] = "user",
};

const char *scope_to_string(enum policy_scope s)
{
	return (unsigned)s < _POLICY_SCOPE_MAX ? scope_names[s] : NULL;
}

static const char *const private_tmp_names[_PRIVATE_TMP_MAX] = {
	[PRIVATE_TMP_NO] = "no",
	[PRIVATE_TMP_SESSION] = "session",
	[PRIVATE_TMP_USER] = "user",
};

const char *private_tmp_to_string(enum private_tmp t)
{
	return (unsigned)t < _PRIVATE_TMP_MAX ? private_tmp_names[t] : NULL;
}

static const char *const proc_view_names[_PROC_VIEW_KIND_MAX] = {
	[PROC_VIEW_HOST] = "host",
	[PROC_VIEW_LXCFS] = "lxcfs",
};

const char *proc_view_to_string(enum policy_proc_view v)
{
	return (unsigned)v < _PROC_VIEW_KIND_MAX ? proc_view_names[v] : NULL;
}

const char *policy_key_name(enum policy_key k)
{
	const struct conf_key *key = conf_key_by_policy(k);

	return key ? key->name : NULL;
}

int policy_format_value(const struct policy *p, enum policy_key k, char *buf, size_t size)
{
	const struct conf_key *key = conf_key_by_policy(k);

	if (!key || !key->format || !buf || size == 0)
		return -EINVAL;
	return key->format(p, buf, size);
}

static int builtin_defaults(struct resolved r[_POLICY_KEY_MAX], struct corral_err *err)
{
	char why[256];

	for (int k = 0; k < _POLICY_KEY_MAX; k++) {
		const struct conf_key *key = conf_key_by_policy((enum policy_key)k);

		if (!key || key->parse(key->dflt, &r[k].v, why, sizeof(why)) < 0)
			return err_set(err, -EINVAL, "Internal error: no valid default for "
				       "policy key %d", k);
		r[k].origin = (struct policy_origin){ .file = NULL };
	}
	return 0;
}

static bool section_applies(const struct conf_section *s, enum section_kind kind,
			    const struct conf_subject *who)
{
	if (s->kind != kind)
		return false;
	switch (kind) {
	case SECTION_DEFAULTS:
		return true;
	case SECTION_GROUP:
		return who->in_group && who->in_group(s->arg, who->userdata);
	case SECTION_USER:
		return strcmp(s->arg, who->user) == 0;
	default:
		return false;
	}
}

static void apply_layer(const struct conf *c, enum section_kind kind,
			const struct conf_subject *who, struct resolved r[_POLICY_KEY_MAX])
{
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct conf_section *s = &c->sections[i];

		if (!section_applies(s, kind, who))
			continue;
		for (size_t j = 0; j < s->n_entries; j++) {
			const struct conf_entry *e = &s->entries[j];
			int k = e->def->policy;

			if (k < 0 || k >= _POLICY_KEY_MAX)
				continue;
			r[k].v = e->v;
			r[k].origin = (struct policy_origin){ s->file, e->line, s->name };
		}
	}
}

/* The effective value of a [global] key: the last one read, else the built-in default. */
static struct resolved global_value(const struct conf *c, const char *name)
{
	struct resolved r = { .v.s = conf_key_find(name)->dflt };

	for (size_t i = 0; i < c->n_sections; i++) {
		const struct conf_section *s = &c->sections[i];

		if (s->kind != SECTION_GLOBAL)
			continue;
		for (size_t j = 0; j < s->n_entries; j++)
			if (strcmp(s->entries[j].key, name) == 0)
				r = (struct resolved){ s->entries[j].v,
						       { s->file, s->entries[j].line, s->name } };
	}
	return r;
}

/* The first name of list for which match() holds, into ret; false when none. */
static bool list_find(const char *list, const struct conf_subject *who,
		      bool (*match)(const char *name, const struct conf_subject *who),
		      char ret[CONF_NAME_MAX + 1])
{
	const char *p = list;
	int r;

	while ((r = conf_names_next(&p, ret)) != 0)
		if (r > 0 && match(ret, who))
			return true;
	return false;
}

static bool is_user(const char *name, const struct conf_subject *who)
{
	return strcmp(name, who->user) == 0;
}

static bool is_group(const char *name, const struct conf_subject *who)
{
	return who->in_group && who->in_group(name, who->userdata);
}

static void resolve_exempt(const struct conf *c, const struct conf_subject *who,
			   struct policy *p)
{
	struct resolved users = global_value(c, "exempt_users");
	struct resolved groups = global_value(c, "exempt_groups");

	p->exempt_by = EXEMPT_BY_NONE;
	p->exempt_origin = users.origin;
	if (list_find(users.v.s, who, is_user, p->exempt_name)) {
		p->exempt_by = EXEMPT_BY_USER;
	} else if (list_find(groups.v.s, who, is_group, p->exempt_name)) {
		p->exempt_by = EXEMPT_BY_GROUP;
		p->exempt_origin = groups.origin;
	} else {
		p->exempt_name[0] = '\0';
	}
	p->exempt = p->exempt_by != EXEMPT_BY_NONE;
}

/*
 * network = veth needs a bridge and a pool; they may come from other sections
 * than network itself (a pool in [defaults], veth for one group), so this is
 * checked per user, and the error points at where veth was chosen.
 */
static int check_veth(const struct policy *p, struct corral_err *err)
{
	const struct policy_origin *o = &p->origin[POLICY_NETWORK];
	const char *missing = !p->network_bridge[0] ? "network_bridge" :
			      p->network_pool.prefix == 0 ? "network_pool" : NULL;
	char esec[CONF_ESCAPED_SIZE];

	if (p->network != NETWORK_VETH || !missing)
		return 0;
	if (!o->file)
		return err_set(err, -EINVAL, "network: 'veth' needs network_bridge and "
			       "network_pool, and %s is not set", missing);
	return err_set(err, -EINVAL, "%s:%u: [%s] network: 'veth' needs network_bridge and "
		       "network_pool, and %s is not set", o->file, o->line,
		       conf_escape(esec, sizeof(esec), o->section, strlen(o->section),
				   CONF_QUOTE_MAX), missing);
}

int conf_resolve(const struct conf *c, const struct conf_subject *who, struct policy *ret,
		 struct corral_err *err)
{
	struct resolved r[_POLICY_KEY_MAX];
	struct policy p = { 0 };
	int res;

	if (!c || !who || !who->user || !who->user[0] || !ret)
		return err_set(err, -EINVAL, "No configuration or no user to resolve");
	res = builtin_defaults(r, err);
	if (res < 0)
		return res;
	apply_layer(c, SECTION_DEFAULTS, who, r);
	apply_layer(c, SECTION_GROUP, who, r);
	apply_layer(c, SECTION_USER, who, r);
	for (int k = 0; k < _POLICY_KEY_MAX; k++) {
		conf_key_by_policy((enum policy_key)k)->store(&p, &r[k].v, who);
		p.origin[k] = r[k].origin;
	}
	res = check_veth(&p, err);
	if (res < 0)
		return res;
	resolve_exempt(c, who, &p);
	(void)snprintf(p.cgroup_root, sizeof(p.cgroup_root), "%s",
		       global_value(c, "cgroup_root").v.s);
	*ret = p;
	return 0;
}
