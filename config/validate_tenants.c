/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cross-field checks of the tenants (issue 11): unique names, "default"
 * reserved, and every origin, host, path and domain selecting one tenant
 * at most.  Also how an entry of the flattened lists is named in messages
 * (sip.trunks[1], or tenants[0].trunks[1] where the user wrote it).
 */
#include <string.h>
#include <strings.h>

#include "cfg_pvt.h"

const char *tz_cfg_tenant_label(const struct tz_config *cfg, uint32_t t, char *buf,
				size_t len)
{
	if (t == TZ_TENANT_DEFAULT || t >= cfg->n_tenants)
		snprintf(buf, len, "the default tenant");
	else
		snprintf(buf, len, "tenant %s", cfg->tenants[t].name);
	return buf;
}

/* Entry @p i of a flattened list as the user wrote it: "sip.trunks[1]" (@p top)
 * or "tenants[0].trunks[1]" (@p key; @p off_n its count in struct tz_cfg_tenant). */
void tz_cfg_entry_path(const struct tz_config *cfg, const char *top, const char *key,
		       size_t off_n, uint32_t tenant, size_t i, char *buf, size_t len)
{
	if (tenant == TZ_TENANT_DEFAULT || tenant >= cfg->n_tenants)
		snprintf(buf, len, "%s[%zu]", top, i);
	else
		snprintf(buf, len, "tenants[%u].%s[%zu]", tenant - 1, key,
			 i - tz_cfg_share_start(cfg, off_n, tenant));
}

static void check_names(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	char what[200];

	for (size_t i = 1; i < cfg->n_tenants; i++) {
		const struct tz_cfg_tenant *t = &cfg->tenants[i];
		const struct tz_cfg_pos *p = tz_cfg_pos_find(c, t->name);

		if (p == NULL || p->bad)
			continue;   /* missing or malformed: reported already */
		if (strcmp(t->name, TZ_TENANT_DEFAULT_NAME) == 0) {
			tz_cfg_err_at(c, p->line, p->col, p->path, "\"default\" is reserved for "
				      "the default tenant (the top-level sip.trunks, sip.routes and "
				      "auth.token_secrets); expected another name");
			continue;
		}
		for (size_t j = 1; j < i; j++) {
			if (strcmp(t->name, cfg->tenants[j].name) != 0)
				continue;
			snprintf(what, sizeof(what), "\"%s\" is already the name of tenants[%zu]; "
				 "expected a unique name", t->name, j - 1);
			tz_cfg_err_at(c, p->line, p->col, p->path, "%s", what);
			break;
		}
	}
}

/* One kind of selector: where the list is in struct tz_cfg_tenant, what one is called. */
struct selector {
	size_t off;
	const char *key;
	const char *what;
	bool case_sensitive;
};

static char *const *sel_list(const struct tz_cfg_tenant *t, const struct selector *s)
{
	return *(char *const *const *)((const char *)t + s->off);
}

/* The tenant before @p i that already has @p v, or 0. */
static size_t owner(const struct tz_config *cfg, size_t i, const struct selector *s,
		    const char *v)
{
	for (size_t j = 1; j < i; j++) {
		char *const *l = sel_list(&cfg->tenants[j], s);

		for (size_t k = 0; l != NULL && l[k] != NULL; k++)
			if (s->case_sensitive ? strcmp(l[k], v) == 0 : strcasecmp(l[k], v) == 0)
				return j;
	}
	return 0;
}

static void check_selector(struct tz_cfg_ctx *c, const struct tz_config *cfg,
			   const struct selector *s)
{
	for (size_t i = 2; i < cfg->n_tenants; i++) {
		const struct tz_cfg_tenant *t = &cfg->tenants[i];
		char *const *l = sel_list(t, s);
		const struct tz_cfg_pos *p = tz_cfg_pos_find(c, (const char *)t + s->off);

		for (size_t k = 0; p != NULL && l != NULL && l[k] != NULL; k++) {
			size_t j = owner(cfg, i, s, l[k]);

			if (j == 0)
				continue;
			tz_cfg_err_at(c, p->line, p->col, p->path, "\"%.80s\" is already one of "
				      "tenants[%zu].%s (tenant %s); expected each %s in one tenant "
				      "only", l[k], j - 1, s->key, cfg->tenants[j].name, s->what);
		}
	}
}

void tz_cfg_validate_tenants(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	static const struct selector sels[] = {
		{ offsetof(struct tz_cfg_tenant, domains), "domains", "domain", false },
		{ offsetof(struct tz_cfg_tenant, origins), "origins", "origin", false },
		{ offsetof(struct tz_cfg_tenant, hosts), "hosts", "host", false },
		{ offsetof(struct tz_cfg_tenant, paths), "paths", "path", true },
	};

	check_names(c, cfg);
	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++)
		check_selector(c, cfg, &sels[i]);
}
