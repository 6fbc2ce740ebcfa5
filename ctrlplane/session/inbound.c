/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenants of inbound SIP requests (issue 11): whose web users an INVITE or
 * MESSAGE from a trunk may reach.  Moved out of sip_side.c unchanged so
 * that it can be tested on its own (tests/unit/session/test_inbound.c).
 */
#include "calls_pvt.h"
#include "tz_log.h"

/*
 * Whose users a request from @p src may reach: the tenant of the trunk it
 * comes from; when the address is trunks of several tenants (one SBC in
 * front of several PBXs), the one of them whose domains hold the
 * Request-URI host; -1 when that does not tell.  A source that is no trunk
 * (only in tests: the SIP guard refuses those) is the default tenant's.
 */
int tz_inbound_tenant(const struct tz_sip_source *src, const struct tz_cfg_trunk **trunk)
{
	bool one = true;
	int by_host;

	*trunk = NULL;
	if (src == NULL || src->n_trunks == 0)
		return TZ_TENANT_DEFAULT;
	for (size_t i = 1; i < src->n_trunks; i++)
		one &= src->trunks[i]->tenant == src->trunks[0]->tenant;
	if (one) {
		*trunk = src->trunks[0];
		return (int)src->trunks[0]->tenant;
	}
	by_host = tz_cfg_tenant_of_domain(tz_calls_env.cfg, src->request_host);
	for (size_t i = 0; by_host >= 0 && i < src->n_trunks; i++)
		if (src->trunks[i]->tenant == (uint32_t)by_host) {
			*trunk = src->trunks[i];
			return by_host;
		}
	return -1;
}

/* The web user a request for @p to_user of @p tenant goes to: forwarded by
 * a registrar to one registration's Contact (@p token): that login only,
 * while it lasts (sip_reg.c); else the user's latest login. */
void *tz_inbound_callee(int tenant, const char *to_user, const char *token)
{
	void *conn;

	if (tenant < 0)
		return NULL;
	conn = token != NULL ? tz_login_conn_of_contact((uint32_t)tenant, to_user, token)
			     : tz_calls_conn_of_user((uint32_t)tenant, to_user);
	if (conn == NULL && tz_login_user_elsewhere((uint32_t)tenant, to_user)) {
		tz_calls_tenant_count((uint32_t)tenant, TZ_CALLS_TENANT_CROSS);
		TZ_LOG(CP_SESSION, NOTICE, "request from tenant %s's trunk for %s: that user is "
		       "another tenant's: 404", tz_cfg_tenant_name(tz_calls_env.cfg, (uint32_t)tenant),
		       to_user);
	}
	return conn;
}
