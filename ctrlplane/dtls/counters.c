/* SPDX-License-Identifier: BSD-3-Clause */
/* Process-wide DTLS counters (one writer: the control thread) and the rate
 * limit for warnings a peer can trigger. */
#include <glib.h>

#include "dtls_pvt.h"

#define WARN_BURST 10		/* warnings allowed per window */
#define WARN_WINDOW_US (10 * G_USEC_PER_SEC)

uint64_t tz_dtls_cnt[TZ_DTLS_CNT_COUNT];

static const char *const counter_names[TZ_DTLS_CNT_COUNT] = {
#define TZ_DTLS_COUNTER_NAME(e, n) [TZ_DTLS_CNT_##e] = n,
	TZ_DTLS_COUNTERS(TZ_DTLS_COUNTER_NAME)
#undef TZ_DTLS_COUNTER_NAME
};

void tz_dtls_counters(uint64_t out[TZ_DTLS_CNT_COUNT])
{
	for (unsigned int i = 0; i < TZ_DTLS_CNT_COUNT; i++)
		out[i] = tz_dtls_cnt[i];
}

const char *tz_dtls_counter_name(unsigned int idx)
{
	return idx < TZ_DTLS_CNT_COUNT ? counter_names[idx] : "?";
}

const char *tz_dtls_event_name(enum tz_dtls_event ev)
{
	switch (ev) {
	case TZ_DTLS_CONNECTED:
		return "connected";
	case TZ_DTLS_FAILED:
		return "failed";
	case TZ_DTLS_CLOSED:
		return "closed";
	}
	return "?";
}

bool tz_dtls_ratelimit_ok(void)
{
	static gint64 window_start;
	static unsigned int used;
	gint64 now = g_get_monotonic_time();

	if (now - window_start >= WARN_WINDOW_US) {
		window_start = now;
		used = 0;
	}
	return used++ < WARN_BURST;
}
