/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The call manager's side of tenants (issue 11, docs/tenants.md): each
 * call's admission by its tenant's limits (ctrlplane/tenant), the answer
 * and end that keep the live counts and the daily budget, the trunks'
 * results, per-tenant events, and the live figures `show tenants` asks for.
 */
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

static int64_t now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* The trunk's index in the config in force; a trunk of a config a reload
 * replaced (a call placed before it) is found by name, if it is still there. */
static uint32_t trunk_index(const struct tz_cfg_trunk *t)
{
	const struct tz_cfg_sip *sip = &tz_calls_env.cfg->sip;

	if (t == NULL)
		return UINT32_MAX;
	if (t >= sip->trunks && t < sip->trunks + sip->n_trunks)
		return (uint32_t)(t - sip->trunks);
	for (size_t i = 0; i < sip->n_trunks; i++)
		if (strcmp(sip->trunks[i].name, t->name) == 0)
			return (uint32_t)i;
	return UINT32_MAX;
}

static enum tz_jsep_err client_code(enum tz_tenant_limit l)
{
	switch (l) {
	case TZ_TL_MAX_CALLS:
	case TZ_TL_USER_CALLS:
		return TZ_JSEP_ERR_TOO_MANY_CALLS;
	case TZ_TL_RATE:
	case TZ_TL_USER_RATE:
		return TZ_JSEP_ERR_RATE_LIMITED;
	default:
		return TZ_JSEP_ERR_FORBIDDEN;
	}
}

int tz_calls_tenant_admit(struct call *c, const char *number, enum tz_jsep_err *code, char *why,
			  size_t wlen)
{
	enum tz_tenant_limit l;

	c->tl.call = (struct tz_tenant_call){
		.tenant = c->tenant, .trunk = trunk_index(c->sip.trunk), .user = c->user,
		.number = c->inbound ? NULL : number, .inbound = c->inbound,
	};
	l = tz_tenant_admit(&c->tl.call, g_get_monotonic_time(), now_s(), why, wlen);
	c->tl.call.number = NULL;             /* read during the admission only */
	if (l == TZ_TL_OK) {
		c->tl.admitted = true;
		return 0;
	}
	if (code != NULL)
		*code = client_code(l);
	return tz_tenant_sip_status(l);
}

void tz_calls_tenant_answered(struct call *c)
{
	if (!c->tl.admitted || c->tl.answered_s != 0)
		return;
	c->tl.answered_s = now_s();
	tz_calls_stats_answered(c);
	tz_tenant_call_answered(&c->tl.call, c->tl.answered_s);
}

void tz_calls_tenant_end(struct call *c)
{
	if (!c->tl.admitted)
		return;
	c->tl.admitted = false;
	tz_tenant_call_end(&c->tl.call, c->tl.answered_s, now_s());
}

void tz_calls_tenant_move(struct call *from, struct call *to)
{
	to->tl = from->tl;
	from->tl.admitted = false;
}

void tz_calls_trunk_result(const struct tz_cfg_trunk *t, int status)
{
	uint32_t i = trunk_index(t);

	if (i != UINT32_MAX)
		tz_tenant_trunk_result(i, status, now_s());
}

void tz_calls_tenant_count(uint32_t tenant, enum tz_calls_tenant_event e)
{
	switch (e) {
	case TZ_CALLS_TENANT_CROSS:
		tz_tenant_count(tenant, TZ_TENANT_CROSS_TENANT);
		break;
	case TZ_CALLS_TENANT_WRONG_LOGIN:
		tz_tenant_count(tenant, TZ_TENANT_LOGINS_REFUSED);
		break;
	case TZ_CALLS_TENANT_LOGIN:
		tz_tenant_count(tenant, TZ_TENANT_LOGINS);
		break;
	}
}

static void live(uint32_t t, struct tz_tenant_live *out)
{
	tz_login_tenant_figures(t, &out->users_online, &out->registrations);
}

int tz_calls_tenancy_init(void)
{
	int rc = tz_tenant_init(tz_calls_env.cfg);

	if (rc == 0)
		tz_tenant_set_live_hook(live);
	return rc;
}

void tz_calls_tenancy_tick(void)
{
	tz_tenant_tick(now_s());
}
