/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing: which trunk a web user's call target goes to.  The target is
 * validated and routed by tz_sip_target_check() (ctrlplane/sip/sip_target.c:
 * numbers, or sip:user@domain where a route allows URIs); this file maps its
 * result to the client's error codes and counts refusals (docs/config.md,
 * sip.routes; docs/protocol.md, bad-target).
 */
#include <errno.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

/* Whether another tenant's routes would take @p t: the caller dialled
 * someone else's number or domain (refused as no-route all the same). */
static bool routed_elsewhere(uint32_t tenant, const struct tz_sip_target *t)
{
	const struct tz_config *cfg = tz_calls_env.cfg;

	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (i != tenant && tz_sip_target_route(&cfg->sip, (uint32_t)i, t) != NULL)
			return true;
	return false;
}

int tz_route_target(uint32_t tenant, const char *target, size_t len,
		    const struct tz_cfg_trunk **trunk, char *user, size_t ulen,
		    enum tz_jsep_err *code, char *why, size_t wlen)
{
	struct tz_sip_target t;
	int rc = tz_sip_target_check(&tz_calls_env.cfg->sip, tenant, target, len, &t, trunk, why,
				     wlen);

	switch (rc) {
	case 0:
		if (g_strlcpy(user, t.user, ulen) >= ulen) {
			snprintf(why, wlen, "target: too long");
			*code = TZ_JSEP_ERR_BAD_TARGET;
			break;
		}
		return 0;
	case -ENOENT:
		*code = TZ_JSEP_ERR_NO_ROUTE;
		if (routed_elsewhere(tenant, &t))
			tz_calls_tenant_count(tenant, TZ_CALLS_TENANT_CROSS);
		return rc;
	case -EILSEQ:
		*code = TZ_JSEP_ERR_BAD_MESSAGE;
		break;
	default:
		*code = TZ_JSEP_ERR_BAD_TARGET;
		break;
	}
	tz_sip_count(tz_calls_env.sip, TZ_SIP_CTR_TARGET_REFUSED);
	TZ_LOG(CP_SESSION, NOTICE, "call target refused: %s", why);
	return rc != 0 ? rc : -EINVAL;
}
