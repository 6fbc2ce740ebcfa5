/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 4733 event generation (dtmf_gen_pvt.h).  Packet k of a digit leaves
 * k packet intervals after its start and carries the duration up to the
 * end of its interval, capped at the digit's length; the packet that
 * reaches the full length is the end packet, sent three times (RFC 4733
 * section 2.5.1.4).  The next digit starts when the previous one's full
 * length and the gap have passed in real time, so its timestamp (taken
 * from the stream then) lies after the previous event's end.
 */
#include <errno.h>
#include <string.h>

#include "dtmf_gen_pvt.h"

#define START_RETRY_US 10000

int tz_dtmf_code(char d)
{
	if (d >= '0' && d <= '9')
		return d - '0';
	switch (d) {
	case '*': return 10;
	case '#': return 11;
	case 'A': case 'a': return 12;
	case 'B': case 'b': return 13;
	case 'C': case 'c': return 14;
	case 'D': case 'd': return 15;
	default: return -1;
	}
}

int tz_dtmf_gen_init(struct tz_dtmf_gen *g, const struct tz_svc_dtmf_cmd *cmd, uint64_t now_us)
{
	uint64_t total;

	if (cmd->n == 0 || cmd->n > TZ_SVC_DTMF_MAX || cmd->pt < 96 || cmd->pt > 127 ||
	    cmd->clock < 8000 || cmd->clock > 96000 || cmd->duration_ms < 40 ||
	    cmd->duration_ms > 6000 || cmd->ptime_ms < 10 || cmd->ptime_ms > 200)
		return -EINVAL;
	for (unsigned i = 0; i < cmd->n; i++)
		if (tz_dtmf_code(cmd->digits[i]) < 0)
			return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->cmd = *cmd;
	total = (uint64_t)cmd->duration_ms * cmd->clock / 1000;
	g->total = total > UINT16_MAX ? UINT16_MAX : (uint32_t)total;  /* 16-bit field */
	g->step = cmd->ptime_ms * cmd->clock / 1000;
	g->phase = TZ_DTMF_START;
	g->t_next = now_us;
	g->t_wait = now_us + TZ_DTMF_START_WAIT_US;
	return 0;
}

static void image(const struct tz_dtmf_gen *g, uint8_t *p, bool marker, bool end, uint32_t dur)
{
	memset(p, 0, TZ_DTMF_PKT_LEN);
	p[0] = 0x80;                                    /* V=2 */
	p[1] = (uint8_t)((marker ? 0x80 : 0) | g->cmd.pt);
	/* sequence number (2-3) and SSRC (8-11): the owning worker's */
	p[4] = (uint8_t)(g->ts >> 24);
	p[5] = (uint8_t)(g->ts >> 16);
	p[6] = (uint8_t)(g->ts >> 8);
	p[7] = (uint8_t)g->ts;
	p[12] = g->code;
	p[13] = (uint8_t)((end ? 0x80 : 0) | TZ_DTMF_VOLUME);
	p[14] = (uint8_t)(dur >> 8);
	p[15] = (uint8_t)dur;
}

unsigned tz_dtmf_gen_step(struct tz_dtmf_gen *g, uint64_t now_us, tz_dtmf_ts_fn ts_fn, void *arg,
			  uint8_t (*out)[TZ_DTMF_PKT_LEN], unsigned max, uint64_t *next_us,
			  bool *no_stream)
{
	uint64_t ptime_us = (uint64_t)g->cmd.ptime_ms * 1000;
	unsigned n = 0;

	*no_stream = false;
	while (g->phase != TZ_DTMF_DONE && now_us >= g->t_next && n < max) {
		if (g->phase == TZ_DTMF_START) {
			if (!ts_fn(arg, &g->ts)) {
				if (now_us >= g->t_wait) {
					g->phase = TZ_DTMF_DONE;
					*no_stream = true;
					break;
				}
				g->t_next = now_us + START_RETRY_US;
				break;
			}
			g->code = (uint8_t)tz_dtmf_code(g->cmd.digits[g->idx]);
			g->t_start = g->t_next;
			g->units = 0;
			g->phase = TZ_DTMF_EVENT;
		}
		if (max - n < (g->units + g->step >= g->total ? TZ_DTMF_END_COPIES : 1u))
			break;          /* the end packets go out together */
		if (g->units + g->step >= g->total) {
			for (int i = 0; i < TZ_DTMF_END_COPIES; i++)
				image(g, out[n++], g->units == 0 && i == 0, true, g->total);
			/* the next digit after the full length and the gap */
			g->t_next = g->t_start + (uint64_t)g->cmd.duration_ms * 1000 +
				    (uint64_t)g->cmd.gap_ms * 1000;
			g->t_wait = g->t_next + TZ_DTMF_START_WAIT_US;
			g->phase = ++g->idx < g->cmd.n ? TZ_DTMF_START : TZ_DTMF_DONE;
			continue;
		}
		image(g, out[n++], g->units == 0, false, g->units + g->step);
		g->units += g->step;
		g->t_next += ptime_us;
	}
	*next_us = g->t_next;
	return n;
}
