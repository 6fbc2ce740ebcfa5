/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operations on a running agent (issue 13): a config reload swaps the
 * trunks, routes and the source guard; a drain answers new INVITEs 503.
 */
#include <errno.h>

#include "sip_pvt.h"

int tz_sip_reconfigure(struct tz_sip *s, const struct tz_cfg_sip *cfg)
{
	struct sip_guard *g;

	if (s == NULL || cfg == NULL)
		return -EINVAL;
	/* The allow-list is built (and trunk names resolved) before the swap,
	 * so no request meets a half-built guard. */
	g = sip_guard_new(cfg, s->ctr);
	if (g == NULL)
		return -ENOMEM;
	if (s->cfg->transports & TZ_SIP_UDP)
		sip_guard_watch(g, s->ctx, s->cfg->listen[0].port ? s->cfg->listen[0].port : 5060);
	sip_guard_free(s->guard);
	s->guard = g;
	s->cfg = cfg;
	TZ_LOG(CP_SIP, INFO, "sip: %zu trunks, %zu routes in force", cfg->n_trunks, cfg->n_routes);
	return 0;
}

void tz_sip_set_draining(struct tz_sip *s, unsigned retry_after_s)
{
	if (s != NULL)
		s->drain_retry_after = retry_after_s;
}

void tz_sip_set_message_accept(struct tz_sip *s, const char *accept)
{
	if (s == NULL)
		return;
	g_free(s->msg_accept);
	s->msg_accept = accept != NULL && sip_header_value_ok(accept, 1024) ? g_strdup(accept)
									   : NULL;
}

/* RFC 3261 21.5.4: 503 with Retry-After; the caller's proxy tries another
 * gateway (RFC 3263) or comes back after the restart. */
void sip_drain_refuse(struct tz_sip *s, nua_t *nua, nua_handle_t *nh)
{
	char ra[12];

	s->ctr[TZ_SIP_CTR_INVITE_DRAINING]++;
	g_snprintf(ra, sizeof(ra), "%u", s->drain_retry_after);
	nua_respond(nh, 503, "Service Unavailable (draining)", SIPTAG_RETRY_AFTER_STR(ra),
		    NUTAG_WITH_THIS(nua), TAG_END());
	nua_handle_destroy(nh);
}
