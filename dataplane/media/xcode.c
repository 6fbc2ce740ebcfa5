/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One direction of a transcoded call: decode, resample, re-frame to the
 * output ptime, encode; RTP timestamps rescaled (RFC 3550 5.1: the output
 * clock's), the output's own sequence numbers, RFC 4733 events mapped.
 *
 * Timestamps: the first packet anchors in_ts0 -> first_ts; every packet's
 * output timestamp is that mapping of its (extended) input timestamp, so a
 * gap in the input is a gap of the same length in the output and never
 * shifts what follows.  Audio inside a talkspurt is re-framed in an
 * accumulator whose timestamp advances by the samples it holds.  Lost Opus
 * packets are concealed (FEC from the next packet, else PLC) up to
 * MAX_CONCEAL_MS; other gaps are carried through as gaps.
 *
 * A new source (another SSRC, or a sequence/timestamp jump no reordering
 * explains: RFC 3550 A.1's MAX_DROPOUT / MAX_MISORDER) re-anchors the
 * mapping where the output stands, so the output stays one continuous stream
 * and the new talkspurt gets the marker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tz_media.h"

#define MAX_PCM 5760                    /* 120 ms at 48 kHz: the longest packet */
#define MAX_CONCEAL_MS 60
#define MAX_PACKET_MS 120
#define MAX_DROPOUT 3000                /* RFC 3550 A.1 */
#define MAX_MISORDER 100
#define MAX_JUMP_S 60                   /* a timestamp jump beyond: a new source */
#define ACC_CAP (2 * MAX_PCM + 64)
#define EVENT_BLOCK 4                   /* RFC 4733 2.3: event, E/R/volume, duration */
#define MAX_RED 4                       /* redundant blocks kept from one RED packet */

/* A redundant block of an RFC 2198 packet: the frame offset ticks earlier. */
struct red_block {
	const uint8_t *data;
	size_t pos;                     /* of data, from the end of the headers */
	uint16_t len;
	uint32_t offset;
};

struct tz_media_xcode {
	struct tz_media_xcode_cfg cfg;
	uint32_t in_clock, out_clock;
	uint32_t dec_rate, enc_rate;
	unsigned frame;                 /* samples per output packet, at enc_rate */
	uint32_t frame_ts;              /* its length on the output clock */
	struct tz_media_dec *dec;
	struct tz_media_enc *enc;
	struct tz_media_resampler *rs;  /* NULL when dec_rate == enc_rate */

	bool started;
	uint16_t last_seq;
	uint32_t last_ts;               /* of the last audio packet, input clock */
	int64_t last_ext;               /* the same, extended past wraps */
	int64_t in_ts0;                 /* input timestamp (extended) mapped to out_ts0 */
	int64_t out_ts0;
	uint32_t ssrc;
	int64_t acc_ts;                 /* output timestamp of acc[0] (extended) */
	unsigned acc_len;
	bool marker_next;
	uint16_t seq;

	struct red_block red[MAX_RED];  /* of the packet being pushed, oldest first */
	unsigned n_red;
	struct tz_media_rtp *out;       /* the caller's array during a push */
	unsigned n_out;
	struct tz_media_xcode_stats st;

	int16_t dec_buf[MAX_PCM];
	int16_t rs_buf[MAX_PCM + 64];
	int16_t acc[ACC_CAP];
	uint8_t out_buf[TZ_MEDIA_XCODE_MAX_OUT][TZ_MEDIA_XCODE_MAX_PAYLOAD];
};

static uint32_t audio_rate(enum tz_media_codec c, uint32_t opus_rate, enum tz_media_codec other)
{
	switch (c) {
	case TZ_MEDIA_PCMU:
	case TZ_MEDIA_PCMA:
		return 8000;
	case TZ_MEDIA_G722:
		return 16000;
	default:
		if (opus_rate)
			return opus_rate;
		return other == TZ_MEDIA_OPUS ? 48000 : audio_rate(other, 0, other);
	}
}

static bool ptime_ok(enum tz_media_codec c, unsigned ptime)
{
	if (ptime < 10 || ptime > 120 || ptime % 10)
		return false;
	/* Opus frames: 10, 20, 40, 60 ms, and 80..120 ms as several (RFC 6716 3.1). */
	return c != TZ_MEDIA_OPUS || (ptime != 30 && ptime != 50 && ptime != 70 && ptime != 90 &&
				      ptime != 110);
}

static bool leg_ok(const struct tz_media_leg *l)
{
	return (unsigned)l->codec < TZ_MEDIA_CODEC_COUNT && l->pt < 128 &&
	       l->clock <= 192000 && l->event_pt >= TZ_MEDIA_NO_PT && l->event_pt < 128 &&
	       l->event_pt != l->pt && l->red_pt < 128 &&
	       (l->red_pt == 0 || (l->red_pt != l->pt && l->red_pt != l->event_pt));
}

struct tz_media_xcode *tz_media_xcode_create(const struct tz_media_xcode_cfg *cfg)
{
	struct tz_media_xcode *x;
	unsigned ptime = cfg->out.ptime ? cfg->out.ptime : 20;

	if (!leg_ok(&cfg->in) || !leg_ok(&cfg->out) || !ptime_ok(cfg->out.codec, ptime) ||
	    (cfg->in.red_pt && cfg->in.codec != TZ_MEDIA_OPUS) ||
	    (cfg->opus_rate && cfg->opus_rate != 8000 && cfg->opus_rate != 16000 &&
	     cfg->opus_rate != 48000)) {
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->cfg = *cfg;
	x->cfg.out.ptime = (uint8_t)ptime;
	x->in_clock = cfg->in.clock ? cfg->in.clock : tz_media_codec_clock(cfg->in.codec);
	x->out_clock = cfg->out.clock ? cfg->out.clock : tz_media_codec_clock(cfg->out.codec);
	x->dec_rate = audio_rate(cfg->in.codec, cfg->opus_rate, cfg->out.codec);
	x->enc_rate = audio_rate(cfg->out.codec, cfg->opus_rate, cfg->in.codec);
	x->frame = x->enc_rate / 1000 * ptime;
	x->frame_ts = x->out_clock / 1000 * ptime;
	x->seq = cfg->first_seq;
	x->dec = tz_media_dec_create(cfg->in.codec, x->dec_rate);
	x->enc = tz_media_enc_create(cfg->out.codec, x->enc_rate, &cfg->opus);
	if (x->dec == NULL || x->enc == NULL)
		goto err_codec;
	if (x->dec_rate != x->enc_rate) {
		x->rs = tz_media_resampler_create(x->dec_rate, x->enc_rate, 1, 0);
		if (x->rs == NULL)
			goto err_codec;
	}
	return x;

err_codec:
	{
		int e = errno;

		tz_media_xcode_destroy(x);
		errno = e;
	}
	return NULL;
}

void tz_media_xcode_destroy(struct tz_media_xcode *x)
{
	if (x == NULL)
		return;
	tz_media_dec_destroy(x->dec);
	tz_media_enc_destroy(x->enc);
	tz_media_resampler_destroy(x->rs);
	free(x);
}

const struct tz_media_xcode_stats *tz_media_xcode_stats(const struct tz_media_xcode *x)
{
	return &x->st;
}

static int64_t map_ts(const struct tz_media_xcode *x, int64_t ext)
{
	return x->out_ts0 + (ext - x->in_ts0) * x->out_clock / x->in_clock;
}

static int64_t acc_end(const struct tz_media_xcode *x)
{
	return x->acc_ts + (int64_t)x->acc_len * x->out_clock / x->enc_rate;
}

/* Encode acc[0..frame) into the next output packet. */
static int emit_frame(struct tz_media_xcode *x)
{
	uint8_t *buf;
	int r;

	/* Cannot happen within the documented bounds; if it did, drop the audio
	 * held rather than leave the accumulator over a frame. */
	if (x->n_out >= TZ_MEDIA_XCODE_MAX_OUT) {
		x->acc_len = 0;
		return -ENOSPC;
	}
	buf = x->out_buf[x->n_out];
	r = tz_media_enc_frame(x->enc, x->acc, x->frame, buf, TZ_MEDIA_XCODE_MAX_PAYLOAD);
	if (r < 0)
		return r;
	if (r == 0) {
		/* DTX: nothing sent; the next packet sent starts a talkspurt. */
		x->st.dtx++;
		x->marker_next = true;
	} else {
		x->out[x->n_out++] = (struct tz_media_rtp){
			.payload = buf,
			.len = (uint16_t)r,
			.seq = x->seq++,
			.ts = (uint32_t)x->acc_ts,
			.pt = x->cfg.out.pt,
			.marker = x->marker_next,
		};
		x->marker_next = false;
		x->st.out_audio++;
	}
	x->acc_len -= x->frame;
	memmove(x->acc, x->acc + x->frame, x->acc_len * sizeof(x->acc[0]));
	x->acc_ts += x->frame_ts;
	return 0;
}

static int append(struct tz_media_xcode *x, const int16_t *pcm, size_t n)
{
	int r;

	if (n > ACC_CAP - x->acc_len)
		return -ENOSPC;
	if (pcm)
		memcpy(x->acc + x->acc_len, pcm, n * sizeof(*pcm));
	else
		memset(x->acc + x->acc_len, 0, n * sizeof(*pcm));
	x->acc_len += (unsigned)n;
	while (x->acc_len >= x->frame)
		if ((r = emit_frame(x)) != 0)
			return r;
	return 0;
}

/* Decoded PCM (dec_rate) into the accumulator (enc_rate). */
static int feed(struct tz_media_xcode *x, const int16_t *pcm, size_t n)
{
	int m;

	if (x->rs == NULL)
		return append(x, pcm, n);
	m = tz_media_resample(x->rs, pcm, n, x->rs_buf, sizeof(x->rs_buf) / sizeof(x->rs_buf[0]));
	return m < 0 ? m : append(x, x->rs_buf, (size_t)m);
}

/* Opus loss: conceal up to MAX_CONCEAL_MS of the gap in packet-sized steps,
 * the last from the FEC in the packet that just came. */
static int conceal(struct tz_media_xcode *x, int64_t gap, const uint8_t *fec, size_t fec_len,
		   unsigned pkt_samples)
{
	unsigned step = x->dec_rate / 400;      /* 2.5 ms */
	int64_t left = gap * x->dec_rate / x->out_clock;
	int r;

	left -= left % step;
	while (left > 0) {
		unsigned n = (unsigned)(left < pkt_samples ? left : pkt_samples);
		bool last = left <= pkt_samples;

		n -= n % step;
		if (n == 0)
			break;
		r = tz_media_dec_conceal(x->dec, last ? fec : NULL, last ? fec_len : 0,
					 x->dec_buf, n);
		if (r <= 0)
			return r < 0 ? r : -EIO;
		x->st.concealed += (unsigned)r;
		if ((r = feed(x, x->dec_buf, (size_t)r)) != 0)
			return r;
		left -= n;
	}
	return 0;
}

/* Lost frames the RED packet just received carries (oldest first): each
 * decoded at its place, PLC before it if a hole is left. */
static int recover_red(struct tz_media_xcode *x, int64_t mapped, unsigned pkt_samples)
{
	int64_t tol = (int64_t)x->out_clock / 1000;
	int n, r;

	for (unsigned i = 0; i < x->n_red; i++) {
		int64_t at = mapped - (int64_t)x->red[i].offset * x->out_clock / x->in_clock;

		if (at < acc_end(x) - tol || at >= mapped)
			continue;
		if (at > acc_end(x) + tol && (r = conceal(x, at - acc_end(x), NULL, 0, pkt_samples)) != 0)
			return r;
		n = tz_media_dec_frame(x->dec, x->red[i].data, x->red[i].len, x->dec_buf, MAX_PCM);
		if (n < 0 || (unsigned)n > x->dec_rate / 1000 * MAX_PACKET_MS)
			continue;
		x->st.recovered++;
		if ((r = feed(x, x->dec_buf, (size_t)n)) != 0)
			return r;
	}
	return 0;
}

/* A gap in the input: conceal it (Opus) or carry it to the output. */
static int handle_gap(struct tz_media_xcode *x, int64_t mapped, int lost,
		      const struct tz_media_rtp *in, unsigned pkt_samples)
{
	int64_t gap = mapped - acc_end(x);
	int64_t pad, pad_ts;
	int r;

	if (x->cfg.in.codec == TZ_MEDIA_OPUS && lost > 0 &&
	    gap <= (int64_t)x->out_clock * MAX_CONCEAL_MS / 1000) {
		if ((r = recover_red(x, mapped, pkt_samples)) != 0)
			return r;
		gap = mapped - acc_end(x);
		if (gap > 0 && (r = conceal(x, gap, in->payload, in->len, pkt_samples)) != 0)
			return r;
		gap = mapped - acc_end(x);
		if (gap <= (int64_t)x->out_clock / 1000)
			return 0;
	}
	x->st.gaps++;
	if (x->acc_len > 0) {
		/* Complete the partial frame with silence, as far as the gap goes. */
		pad = x->frame - x->acc_len;
		pad_ts = pad * x->out_clock / x->enc_rate;
		if (pad_ts > gap)
			pad = gap * x->enc_rate / x->out_clock;
		if ((r = append(x, NULL, (size_t)pad)) != 0)
			return r;
	}
	if (x->acc_len == 0)
		x->acc_ts = mapped;
	return 0;
}

static int fail(struct tz_media_xcode *x, uint64_t *counter, int err)
{
	(*counter)++;
	(void)x;
	return err;
}

/* RFC 3550 A.1's test, plus the SSRC and a timestamp jump of a minute. */
static bool new_source(struct tz_media_xcode *x, const struct tz_media_rtp *in)
{
	uint16_t fwd = (uint16_t)(in->seq - x->last_seq);
	int32_t dts = (int32_t)(in->ts - x->last_ts);

	if (in->ssrc != x->ssrc || (fwd > MAX_DROPOUT && fwd < 0x10000 - MAX_MISORDER) ||
	    dts > (int64_t)x->in_clock * MAX_JUMP_S || dts < -(int64_t)x->in_clock * MAX_JUMP_S) {
		x->st.restarts++;
		return true;
	}
	return false;
}

/* (Re)start: this packet's timestamp maps to where the output stands (the
 * first packet: first_ts); the previous packet is taken as just before it. */
static void anchor(struct tz_media_xcode *x, const struct tz_media_rtp *in)
{
	if (!x->started) {
		x->acc_ts = x->cfg.first_ts;
		x->acc_len = 0;
	}
	x->started = true;
	x->ssrc = in->ssrc;
	x->last_seq = (uint16_t)(in->seq - 1);
	x->last_ts = in->ts;
	x->last_ext = x->in_ts0 = in->ts;
	x->out_ts0 = acc_end(x);
	x->marker_next = true;
}

static int push_event(struct tz_media_xcode *x, const struct tz_media_rtp *in)
{
	uint8_t *buf = x->out_buf[0];
	int64_t ext;

	if (x->cfg.out.event_pt == TZ_MEDIA_NO_PT)
		return fail(x, &x->st.bad_pt, -EPROTO);
	if (in->len < EVENT_BLOCK || in->len % EVENT_BLOCK || in->len > TZ_MEDIA_XCODE_MAX_PAYLOAD)
		return fail(x, &x->st.bad_payload, -EBADMSG);
	if (!x->started || new_source(x, in))
		anchor(x, in);
	else if ((int16_t)(in->seq - x->last_seq) <= 0)
		return fail(x, &x->st.late, -EALREADY);
	else if ((int16_t)(in->seq - x->last_seq) > 1)
		x->st.lost += (uint16_t)(in->seq - x->last_seq - 1);
	x->last_seq = in->seq;
	ext = x->last_ext + (int32_t)(in->ts - x->last_ts);
	memcpy(buf, in->payload, in->len);
	for (unsigned i = 0; i < in->len; i += EVENT_BLOCK) {
		uint64_t d = ((unsigned)buf[i + 2] << 8 | buf[i + 3]) * (uint64_t)x->out_clock /
			     x->in_clock;

		/* RFC 4733 2.5.2.3 splits longer events; clamp what does not fit. */
		if (d > 0xFFFF)
			d = 0xFFFF;
		buf[i + 2] = (uint8_t)(d >> 8);
		buf[i + 3] = (uint8_t)d;
	}
	x->out[0] = (struct tz_media_rtp){
		.payload = buf,
		.len = in->len,
		.seq = x->seq++,
		.ts = (uint32_t)map_ts(x, ext),
		.pt = (uint8_t)x->cfg.out.event_pt,
		.marker = in->marker,
	};
	x->st.in_events++;
	x->st.out_events++;
	return 1;
}

static int push_audio(struct tz_media_xcode *x, const struct tz_media_rtp *in)
{
	int n, lost = 0, r;
	int64_t ext, mapped;

	/* At most 120 ms per packet (RFC 6716 3.2.5's limit, applied to all):
	 * what the buffers are sized for, resampled to 48 kHz included. */
	n = tz_media_dec_samples(x->dec, in->payload, in->len);
	if (n < 0 || (unsigned)n > x->dec_rate / 1000 * MAX_PACKET_MS)
		return fail(x, &x->st.bad_payload, -EBADMSG);
	if (!x->started || new_source(x, in)) {
		anchor(x, in);
		ext = x->last_ext;
		mapped = acc_end(x);
	} else {
		int16_t d = (int16_t)(in->seq - x->last_seq);

		if (d <= 0)
			return fail(x, &x->st.late, -EALREADY);
		lost = d - 1;
		ext = x->last_ext + (int32_t)(in->ts - x->last_ts);
		mapped = map_ts(x, ext);
		if (mapped < acc_end(x) - (int64_t)x->out_clock / 1000)
			return fail(x, &x->st.late, -EALREADY);
	}
	x->st.lost += (unsigned)lost;
	x->last_seq = in->seq;
	x->last_ts = in->ts;
	x->last_ext = ext;
	if (in->marker)
		x->marker_next = true;
	/* The gap first: the decoder conceals (PLC, FEC from this packet, RED)
	 * before it decodes this packet, as its state expects. */
	if (mapped > acc_end(x) + (int64_t)x->out_clock / 1000 &&
	    (r = handle_gap(x, mapped, lost, in, (unsigned)n)) != 0)
		return r;
	n = tz_media_dec_frame(x->dec, in->payload, in->len, x->dec_buf, MAX_PCM);
	if (n < 0) {
		x->st.bad_payload++;
		return x->n_out ? (int)x->n_out : -EBADMSG;
	}
	if ((r = feed(x, x->dec_buf, (size_t)n)) != 0)
		return r;
	x->st.in_audio++;
	return (int)x->n_out;
}

/* RFC 2198 3: 4-byte headers (F, block PT, timestamp offset, length) while
 * F is set, then a 1-byte header with the primary's PT; the blocks follow in
 * header order, the primary last.  Keeps the redundant blocks of the audio
 * PT; *prim becomes the primary. */
static int red_split(struct tz_media_xcode *x, const struct tz_media_rtp *in,
		     struct tz_media_rtp *prim)
{
	const uint8_t *p = in->payload, *end = in->payload + in->len;
	size_t hdr = 0, data = 0;
	unsigned nb = 0;

	x->n_red = 0;
	while (p + hdr < end && (p[hdr] & 0x80)) {
		uint16_t blen;

		if (end - (p + hdr) < 4)
			return -EBADMSG;
		blen = (uint16_t)((p[hdr + 2] & 0x03) << 8 | p[hdr + 3]);
		if ((p[hdr] & 0x7F) == x->cfg.in.pt && blen > 0 && x->n_red < MAX_RED)
			x->red[x->n_red++] = (struct red_block){
				.len = blen,
				.offset = (uint32_t)(p[hdr + 1] << 6 | p[hdr + 2] >> 2),
				.pos = data,
			};
		data += blen;
		hdr += 4;
		nb++;
	}
	if (p + hdr >= end || (p[hdr] & 0x7F) != x->cfg.in.pt || nb > 16)
		return -EBADMSG;
	hdr++;
	if (hdr + data >= in->len)
		return -EBADMSG;
	for (unsigned i = 0; i < x->n_red; i++)
		x->red[i].data = p + hdr + x->red[i].pos;
	*prim = *in;
	prim->pt = x->cfg.in.pt;
	prim->payload = p + hdr + data;
	prim->len = (uint16_t)(in->len - hdr - data);
	return 0;
}

int tz_media_xcode_push(struct tz_media_xcode *x, const struct tz_media_rtp *in,
			struct tz_media_rtp *out)
{
	struct tz_media_rtp prim;

	x->out = out;
	x->n_out = 0;
	x->n_red = 0;
	if (in->payload == NULL && in->len > 0)
		return -EINVAL;
	if (in->pt == x->cfg.in.pt)
		return push_audio(x, in);
	if (x->cfg.in.red_pt && in->pt == x->cfg.in.red_pt) {
		if (red_split(x, in, &prim) != 0)
			return fail(x, &x->st.bad_payload, -EBADMSG);
		return push_audio(x, &prim);
	}
	if (x->cfg.in.event_pt != TZ_MEDIA_NO_PT && in->pt == x->cfg.in.event_pt)
		return push_event(x, in);
	return fail(x, &x->st.bad_pt, -EPROTO);
}

int tz_media_xcode_flush(struct tz_media_xcode *x, struct tz_media_rtp *out)
{
	int r;

	x->out = out;
	x->n_out = 0;
	if (x->acc_len == 0)
		return 0;
	r = append(x, NULL, x->acc_len < x->frame ? x->frame - x->acc_len : 0);
	return r < 0 ? r : (int)x->n_out;
}
