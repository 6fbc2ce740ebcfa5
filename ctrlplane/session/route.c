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

void tz_calls_tenant_count(uint32_t tenant, enum tz_calls_tenant_event e)
{
	(void)tenant;   /* per-tenant counters: ctrlplane/tenant (tz_tenant_count) */
	(void)e;
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
