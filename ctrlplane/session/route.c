/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing: which trunk a web user's call target goes to.  Rules are tried in
 * config order; the first whose every given criterion matches wins
 * (docs/config.md, sip.routes).
 */
#include <string.h>

#include "calls_pvt.h"

/* The user part and domain of a target: "+4420…", "1001", "sip:bob@pbx.example". */
static void split_target(const char *target, char *user, size_t ulen, const char **domain)
{
	const char *t = strncmp(target, "sip:", 4) == 0 ? target + 4 : target;
	const char *at = strchr(t, '@');
	size_t n = at != NULL ? (size_t)(at - t) : strlen(t);

	if (n >= ulen)
		n = ulen - 1;
	memcpy(user, t, n);
	user[n] = '\0';
	*domain = at != NULL ? at + 1 : NULL;
}

static bool domain_matches(const char *want, const char *have)
{
	size_t hl;

	if (have == NULL)
		return false;
	hl = strcspn(have, ":;>");   /* drop port and parameters */
	return strlen(want) == hl && strncasecmp(want, have, hl) == 0;
}

const struct tz_cfg_trunk *tz_route_target(const char *target, char *user, size_t ulen)
{
	const struct tz_cfg_sip *sip = &tz_calls_env.cfg->sip;
	const char *domain;

	split_target(target, user, ulen, &domain);
	for (size_t i = 0; i < sip->n_routes; i++) {
		const struct tz_cfg_route *r = &sip->routes[i];

		if (r->prefix != NULL && strncmp(user, r->prefix, strlen(r->prefix)) != 0)
			continue;
		if (r->domain != NULL && !domain_matches(r->domain, domain))
			continue;
		if (r->tenant != NULL)     /* web users carry no tenant yet */
			continue;
		return &sip->trunks[r->trunk];
	}
	return NULL;
}
