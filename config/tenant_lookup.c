/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lookups in a loaded config's tenants (issue 11): by name, and the tenant a
 * SIP domain belongs to.  Pure functions over the immutable config.
 */
#include <strings.h>
#include <string.h>

#include "tz_config.h"

int tz_cfg_tenant_find(const struct tz_config *cfg, const char *name)
{
	for (size_t t = 0; cfg != NULL && name != NULL && t < cfg->n_tenants; t++)
		if (strcmp(cfg->tenants[t].name, name) == 0)
			return (int)t;
	return -1;
}

int tz_cfg_tenant_of_domain(const struct tz_config *cfg, const char *domain)
{
	for (size_t t = 0; cfg != NULL && domain != NULL && t < cfg->n_tenants; t++)
		for (char **d = cfg->tenants[t].domains; d != NULL && *d != NULL; d++)
			if (strcasecmp(*d, domain) == 0)
				return (int)t;
	return -1;
}

const char *tz_cfg_tenant_name(const struct tz_config *cfg, uint32_t t)
{
	return cfg != NULL && t < cfg->n_tenants ? cfg->tenants[t].name : TZ_TENANT_DEFAULT_NAME;
}
