/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE consent (RFC 7675) in the dataplane (media.consent_in_dataplane,
 * dataplane/api/tz_stun.h): every flow keyed on the browser's 5-tuple is
 * published with the call's STUN credentials, so the owning worker answers
 * the browser's consent checks and libnice's socket stays silent for a held
 * call.  The worker counts the checks it answered in the flow's state slot;
 * supervision (calls.c) takes a change of that count for a fresh check.
 * Checks the worker does not answer (nomination, ICE restart, another
 * address) still reach libnice, whose consent time (ice.c) is kept too:
 * the later of the two counts.
 */
#include "calls_pvt.h"
#include "tz_stun.h"

void tz_consent_flow(const struct call *c, const struct tz_dp_flow_key *k, struct tz_dp_flow *f)
{
	memset(&f->stun, 0, sizeof(f->stun));
	if (!tz_calls_env.cfg->media.consent_in_dataplane || c->web.ice == NULL ||
	    k->port_idx != tz_calls_env.access_idx || c->web.neg.ice_ufrag == NULL)
		return;
	/* too long (the browser's ufrag may be 256 characters): left to libnice */
	(void)tz_dp_stun_cred_set(&f->stun, tz_ice_local_ufrag(c->web.ice), c->web.neg.ice_ufrag,
				  tz_ice_local_pwd(c->web.ice));
}

int64_t tz_consent_last(struct call *c, int64_t now)
{
	int64_t ice = c->web.ice != NULL ? tz_ice_last_consent(c->web.ice) : 0;
	uint32_t sum = 0;

	if (ice == 0)
		return 0;       /* consent not followed (ICE not connected) */
	for (unsigned i = 0; i < c->media.n_flows; i++)
		if (c->media.keys[i].port_idx == tz_calls_env.access_idx)
			sum += __atomic_load_n(&tz_dp_flow_state(tz_calls_env.sessions,
								 (uint32_t)c->media.slots[i])->consent_n,
					       __ATOMIC_RELAXED);
	if (sum != c->media.consent_seen) {
		c->media.consent_seen = sum;
		c->media.consent_at = now;
	}
	return MAX(ice, c->media.consent_at);
}
