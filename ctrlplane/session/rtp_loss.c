/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's RTP loss on the way to the gateway, each way (docs/cdr.md):
 * summed from its flows' RFC 3550 A.3 state (struct tz_dp_rtp_loss, kept
 * by the owning worker), with what flows removed earlier had.  Direction
 * 0: flows keyed on the access port (from the browser), 1: the others
 * (from the SIP side; a media hairpin's other browser).
 */
#include <string.h>

#include "calls_pvt.h"

const double tz_calls_loss_bounds[TZ_CALLS_LOSS_BUCKETS] = { 0, 0.1, 0.5, 1, 2, 5, 10 };

/* Ended calls, for metrics (tz_calls_figures). */
static struct {
	uint64_t expected[2], lost[2];
	uint64_t counts[2][TZ_CALLS_LOSS_BUCKETS + 1];
	uint64_t n[2];
	double sum[2];
} ended;

static void add_flow(struct tz_call_loss *l, unsigned d, uint32_t slot)
{
	uint64_t exp, lost;

	tz_dp_rtp_loss_read(&tz_dp_flow_state(tz_calls_env.sessions, slot)->loss, &exp, &lost);
	l->expected[d] += exp;
	l->lost[d] += lost;
}

static unsigned flow_dir(const struct call *c, unsigned i)
{
	return c->media.keys[i].port_idx == tz_calls_env.access_idx ? 0 : 1;
}

void tz_media_loss_keep(struct call *c, unsigned i)
{
	add_flow(&c->media.loss_before, flow_dir(c, i), (uint32_t)c->media.slots[i]);
}

/* The partner's flows carry what reaches this call's browser. */
static void add_hairpin(struct tz_call_loss *l, const struct call *p)
{
	for (unsigned i = 0; p != NULL && i < p->media.n_flows; i++)
		add_flow(l, 1, (uint32_t)p->media.slots[i]);
}

void tz_media_loss_keep_hairpin(struct call *c, const struct call *p)
{
	add_hairpin(&c->media.loss_before, p);
}

void tz_media_loss(const struct call *c, struct tz_call_loss *out)
{
	*out = c->media.loss_before;
	for (unsigned i = 0; i < c->media.n_flows; i++)
		add_flow(out, flow_dir(c, i), (uint32_t)c->media.slots[i]);
	add_hairpin(out, c->media.hairpin);
}

bool tz_media_loss_pct(const struct tz_call_loss *l, unsigned d, double *pct)
{
	if (l->expected[d] == 0)
		return false;
	*pct = 100.0 * (double)l->lost[d] / (double)l->expected[d];
	return true;
}

void tz_calls_loss_ended(const struct tz_call_loss *l, bool echo)
{
	for (unsigned d = 0; d < (echo ? 1u : 2u); d++) {
		double pct;
		size_t i = 0;

		ended.expected[d] += l->expected[d];
		ended.lost[d] += l->lost[d];
		if (!tz_media_loss_pct(l, d, &pct))
			continue;
		while (i < TZ_CALLS_LOSS_BUCKETS && pct > tz_calls_loss_bounds[i])
			i++;
		ended.counts[d][i]++;
		ended.n[d]++;
		ended.sum[d] += pct;
	}
}

void tz_calls_loss_figures(struct tz_calls_figures *out)
{
	memcpy(out->rtp_expected, ended.expected, sizeof(ended.expected));
	memcpy(out->rtp_lost, ended.lost, sizeof(ended.lost));
	memcpy(out->loss_counts, ended.counts, sizeof(ended.counts));
	memcpy(out->loss_count, ended.n, sizeof(ended.n));
	memcpy(out->loss_sum, ended.sum, sizeof(ended.sum));
}
