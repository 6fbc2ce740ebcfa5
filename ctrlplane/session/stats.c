/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Figures of the call manager for metrics (ctrlplane/metrics): live calls
 * by state, the call set-up time histogram (offer to answer), and the
 * call-manager counters by name.  Control thread only.
 */
#include <string.h>

#include "calls_pvt.h"

const double tz_calls_setup_bounds[TZ_CALLS_SETUP_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60,
};

static uint64_t setup_counts[TZ_CALLS_SETUP_BUCKETS + 1];
static double setup_sum;

static const char *const counter_names[TZ_CC_COUNT] = {
#define TZ_CC_NAME(e, n) [TZ_CC_##e] = n,
	TZ_CALLS_COUNTERS(TZ_CC_NAME)
#undef TZ_CC_NAME
};

void tz_calls_stats_answered(const struct call *c)
{
	double s = (double)(g_get_monotonic_time() - c->t_offer) / (double)G_USEC_PER_SEC;
	size_t i = 0;

	while (i < TZ_CALLS_SETUP_BUCKETS && s > tz_calls_setup_bounds[i])
		i++;
	setup_counts[i]++;
	setup_sum += s;
}

static void count_state(struct call *c, void *arg)
{
	struct tz_calls_figures *f = arg;

	if (c->state == CALL_NEGOTIATING)
		f->negotiating++;
	else if (c->state == CALL_CONNECTED)
		f->connected++;
	if (c->kind == TZ_WEB_SIPWS)
		f->sipws++;
	else
		f->jsep++;
	if (c->inbound)
		f->inbound++;
}

void tz_calls_figures(struct tz_calls_figures *out)
{
	memset(out, 0, sizeof(*out));
	tz_calls_foreach(count_state, out);
	memcpy(out->setup_counts, setup_counts, sizeof(setup_counts));
	out->setup_sum = setup_sum;
	for (size_t i = 0; i <= TZ_CALLS_SETUP_BUCKETS; i++)
		out->setup_count += setup_counts[i];
	tz_calls_loss_figures(out);
}

const char *tz_calls_counter_name(unsigned i)
{
	return i < TZ_CC_COUNT ? counter_names[i] : NULL;
}

uint64_t tz_calls_counter_value(unsigned i)
{
	return i < TZ_CC_COUNT ? tz_calls_ctr[i] : 0;
}
