/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transcoder as the two legs of a call see it: PCMU 8 kHz -> Opus 48 kHz
 * -> PCMU keeps a tone and its level; timestamps scale 8000 <-> 48000 across a wrap;
 * sequence numbers continue; a lost packet is a timestamp gap, not a shift
 * (PCMU in) or concealed (Opus in); telephone events get the other PT and
 * durations on the other clock; ptimes differ; bad input is refused and
 * counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media_test.h"

#define PT_OPUS 111
#define PT_EV8 101
#define PT_EV48 110
#define SECOND 50                       /* 20 ms packets */

struct stream {
	struct tz_media_rtp pkt[4 * SECOND];
	uint8_t data[4 * SECOND][TZ_MEDIA_XCODE_MAX_PAYLOAD];
	unsigned n;
};

static struct tz_media_xcode *make(enum tz_media_codec in, uint8_t in_pt, int16_t in_ev,
				   enum tz_media_codec out, uint8_t out_pt, int16_t out_ev,
				   uint8_t ptime)
{
	struct tz_media_xcode_cfg cfg = {
		.in = { .codec = in, .pt = in_pt, .event_pt = in_ev },
		.out = { .codec = out, .pt = out_pt, .event_pt = out_ev, .ptime = ptime },
		.first_seq = 0xFFF0,            /* wraps during the test */
		.first_ts = 0xFFFF0000u,
	};
	struct tz_media_xcode *x = tz_media_xcode_create(&cfg);

	assert_non_null(x);
	return x;
}

/* PCMU packets of a tone: seq from 65500, ts from 0xFFFFFC00 (both wrap). */
static void pcmu_tone(struct stream *s, unsigned count, double freq)
{
	int16_t pcm[160];

	for (unsigned i = 0; i < count; i++) {
		tz_media_tone(pcm, 160, 8000, freq, 8000, (uint64_t)i * 160);
		tz_media_g711_encode(false, pcm, s->data[i], 160);
		s->pkt[i] = (struct tz_media_rtp){
			.payload = s->data[i], .len = 160, .seq = (uint16_t)(65500 + i),
			.ts = 0xFFFFFC00u + i * 160, .pt = 0, .marker = i == 0,
		};
	}
	s->n = count;
}

/* Push one packet, append what comes out to s (copying the payloads). */
static int push(struct tz_media_xcode *x, const struct tz_media_rtp *in, struct stream *s)
{
	struct tz_media_rtp out[TZ_MEDIA_XCODE_MAX_OUT];
	int n = tz_media_xcode_push(x, in, out);

	for (int i = 0; i < n; i++) {
		assert_true(s->n < 4 * SECOND);
		memcpy(s->data[s->n], out[i].payload, out[i].len);
		s->pkt[s->n] = out[i];
		s->pkt[s->n].payload = s->data[s->n];
		s->n++;
	}
	return n;
}

static void assert_continuous(const struct stream *s, uint32_t ts_step)
{
	for (unsigned i = 1; i < s->n; i++) {
		assert_int_equal((uint16_t)(s->pkt[i].seq - s->pkt[i - 1].seq), 1);
		assert_int_equal(s->pkt[i].ts - s->pkt[i - 1].ts, ts_step);
		assert_false(s->pkt[i].marker);
	}
	assert_true(s->n > 0 && s->pkt[0].marker);
}

static void pcmu_opus_pcmu(void **state)
{
	static struct stream a, b, c;
	struct tz_media_xcode *up = make(TZ_MEDIA_PCMU, 0, PT_EV8, TZ_MEDIA_OPUS, PT_OPUS, PT_EV48, 20);
	struct tz_media_xcode *down = make(TZ_MEDIA_OPUS, PT_OPUS, PT_EV48, TZ_MEDIA_PCMU, 0, PT_EV8, 20);
	int16_t pcm[SECOND * 160];

	(void)state;
	a.n = b.n = c.n = 0;
	pcmu_tone(&a, SECOND, 1000);
	for (unsigned i = 0; i < a.n; i++)
		assert_int_equal(push(up, &a.pkt[i], &b), 1);
	assert_int_equal(b.n, SECOND);
	assert_continuous(&b, 960);
	assert_int_equal(b.pkt[0].ts, 0xFFFF0000u);
	assert_int_equal(b.pkt[0].seq, 0xFFF0);
	assert_int_equal(b.pkt[0].pt, PT_OPUS);
	for (unsigned i = 0; i < b.n; i++)
		assert_int_equal(push(down, &b.pkt[i], &c), 1);
	assert_continuous(&c, 160);
	for (unsigned i = 0; i < c.n; i++) {
		assert_int_equal(c.pkt[i].len, 160);
		assert_int_equal(c.pkt[i].pt, 0);
		tz_media_g711_decode(false, c.pkt[i].payload, pcm + i * 160, 160);
	}
	assert_tone(pcm + 800, (SECOND - 5) * 160, 1, 8000, 1000, 2, 0.8);
	/* The level a listener hears stays within 1.5 dB of what was sent
	 * (an 8000-peak sine: -12.3 dBFS). */
	assert_true(fabs(level_dbfs(pcm + 800, (SECOND - 5) * 160) - 20 * log10(8000.0 / 32768)) < 1.5);
	assert_int_equal(tz_media_xcode_stats(up)->in_audio, SECOND);
	assert_int_equal(tz_media_xcode_stats(down)->out_audio, SECOND);
	tz_media_xcode_destroy(up);
	tz_media_xcode_destroy(down);
}

/* Opus at 48 kHz PCM (full band through our resampler) keeps the tone too. */
static void pcmu_opus48_pcmu(void **state)
{
	static struct stream a, b, c;
	struct tz_media_xcode_cfg cfg = {
		.in = { .codec = TZ_MEDIA_PCMU, .pt = 0, .event_pt = TZ_MEDIA_NO_PT },
		.out = { .codec = TZ_MEDIA_OPUS, .pt = PT_OPUS, .event_pt = TZ_MEDIA_NO_PT },
		.opus_rate = 48000,
	};
	struct tz_media_xcode *up = tz_media_xcode_create(&cfg), *down;
	int16_t pcm[SECOND * 160];

	(void)state;
	cfg.in = (struct tz_media_leg){ .codec = TZ_MEDIA_OPUS, .pt = PT_OPUS, .event_pt = TZ_MEDIA_NO_PT };
	cfg.out = (struct tz_media_leg){ .codec = TZ_MEDIA_PCMU, .pt = 0, .event_pt = TZ_MEDIA_NO_PT };
	down = tz_media_xcode_create(&cfg);
	assert_non_null(up);
	assert_non_null(down);
	a.n = b.n = c.n = 0;
	pcmu_tone(&a, SECOND, 440);
	for (unsigned i = 0; i < a.n; i++)
		push(up, &a.pkt[i], &b);
	for (unsigned i = 0; i < b.n; i++)
		push(down, &b.pkt[i], &c);
	assert_int_equal(c.n, SECOND);
	assert_continuous(&c, 160);
	for (unsigned i = 0; i < c.n; i++)
		tz_media_g711_decode(false, c.pkt[i].payload, pcm + i * 160, 160);
	assert_tone(pcm + 800, (SECOND - 5) * 160, 1, 8000, 440, 2, 0.8);
	assert_true(fabs(level_dbfs(pcm + 800, (SECOND - 5) * 160) - 20 * log10(8000.0 / 32768)) < 1.5);
	assert_int_equal(tz_media_xcode_stats(up)->gaps, 0);
	assert_int_equal(tz_media_xcode_stats(down)->gaps, 0);
	tz_media_xcode_destroy(up);
	tz_media_xcode_destroy(down);
}

/* PCMU packet 10 lost: packet 11's output timestamp is where packet 11
 * belongs (a 1920 gap), the output sequence has no hole. */
static void lost_pcmu_is_gap(void **state)
{
	static struct stream a, b;
	struct tz_media_xcode *x = make(TZ_MEDIA_PCMU, 0, PT_EV8, TZ_MEDIA_OPUS, PT_OPUS, PT_EV48, 20);

	(void)state;
	a.n = b.n = 0;
	pcmu_tone(&a, 20, 1000);
	for (unsigned i = 0; i < a.n; i++)
		if (i != 10)
			assert_int_equal(push(x, &a.pkt[i], &b), 1);
	assert_int_equal(b.n, 19);
	for (unsigned i = 0; i < b.n; i++) {
		unsigned slot = i < 10 ? i : i + 1;

		assert_int_equal(b.pkt[i].ts, 0xFFFF0000u + slot * 960);
		assert_int_equal(b.pkt[i].seq, (uint16_t)(0xFFF0 + i));
	}
	assert_int_equal(tz_media_xcode_stats(x)->lost, 1);
	assert_int_equal(tz_media_xcode_stats(x)->gaps, 1);
	tz_media_xcode_destroy(x);
}

/* An Opus packet lost: the decoder conceals it (PLC/FEC), so the PCMU side
 * gets a packet for the missing 20 ms and no gap. */
static void lost_opus_is_concealed(void **state)
{
	static struct stream a, b, c;
	struct tz_media_xcode_cfg cfg = {
		.in = { .codec = TZ_MEDIA_PCMU, .pt = 0, .event_pt = TZ_MEDIA_NO_PT },
		.out = { .codec = TZ_MEDIA_OPUS, .pt = PT_OPUS, .event_pt = TZ_MEDIA_NO_PT },
		.opus = { .fec = true },
	};
	struct tz_media_xcode *up = tz_media_xcode_create(&cfg);
	struct tz_media_xcode *down = make(TZ_MEDIA_OPUS, PT_OPUS, TZ_MEDIA_NO_PT, TZ_MEDIA_PCMU, 0,
					   TZ_MEDIA_NO_PT, 20);

	(void)state;
	a.n = b.n = c.n = 0;
	pcmu_tone(&a, 30, 1000);
	for (unsigned i = 0; i < a.n; i++)
		push(up, &a.pkt[i], &b);
	for (unsigned i = 0; i < b.n; i++)
		if (i != 15)
			push(down, &b.pkt[i], &c);
	assert_int_equal(c.n, 30);
	assert_continuous(&c, 160);
	assert_int_equal(tz_media_xcode_stats(down)->lost, 1);
	assert_int_equal(tz_media_xcode_stats(down)->concealed, 160);
	assert_int_equal(tz_media_xcode_stats(down)->gaps, 0);
	tz_media_xcode_destroy(up);
	tz_media_xcode_destroy(down);
}

/* The decoder conceals a loss before it decodes the packet after it: the
 * tone changes from 1000 Hz to 440 Hz at packet 16, packet 15 is lost; slot
 * 15 continues the 1000 Hz before it, slot 16 carries packet 16's 440 Hz. */
static void after_loss_the_packet_is_heard(void **state)
{
	static struct stream a, b, c;
	struct tz_media_xcode *up = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_OPUS, PT_OPUS,
					 TZ_MEDIA_NO_PT, 20);
	struct tz_media_xcode *down = make(TZ_MEDIA_OPUS, PT_OPUS, TZ_MEDIA_NO_PT, TZ_MEDIA_PCMU, 0,
					   TZ_MEDIA_NO_PT, 20);
	int16_t pcm[160];

	(void)state;
	a.n = b.n = c.n = 0;
	pcmu_tone(&a, 30, 1000);
	for (unsigned i = 16; i < 30; i++) {
		tz_media_tone(pcm, 160, 8000, 440, 8000, (uint64_t)i * 160);
		tz_media_g711_encode(false, pcm, a.data[i], 160);
	}
	for (unsigned i = 0; i < a.n; i++)
		push(up, &a.pkt[i], &b);
	for (unsigned i = 0; i < b.n; i++)
		if (i != 15)
			push(down, &b.pkt[i], &c);
	assert_int_equal(c.n, 30);
	/* Slot 15, concealed, continues what came before it. */
	tz_media_g711_decode(false, c.pkt[15].payload, pcm, 160);
	assert_true(tz_media_tone_power(pcm, 160, 1, 8000, 1000) >
		    2 * tz_media_tone_power(pcm, 160, 1, 8000, 440));
	tz_media_g711_decode(false, c.pkt[16].payload, pcm, 160);
	assert_true(tz_media_tone_power(pcm, 160, 1, 8000, 440) >
		    2 * tz_media_tone_power(pcm, 160, 1, 8000, 1000));
	tz_media_xcode_destroy(up);
	tz_media_xcode_destroy(down);
}

/* Chrome's RED (RFC 2198, red/48000/2): each packet carries the previous
 * frame as a redundant block.  A lost packet is rebuilt from the next one's
 * block (counted as recovered, nothing concealed); a truncated RED header is
 * refused. */
static void red_recovers_loss(void **state)
{
	static struct stream a, b, c;
	static uint8_t red[30][TZ_MEDIA_XCODE_MAX_PAYLOAD];
	struct tz_media_xcode *up = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_OPUS, PT_OPUS,
					 TZ_MEDIA_NO_PT, 20);
	struct tz_media_xcode_cfg cfg = {
		.in = { .codec = TZ_MEDIA_OPUS, .pt = PT_OPUS, .event_pt = TZ_MEDIA_NO_PT, .red_pt = 63 },
		.out = { .codec = TZ_MEDIA_PCMU, .pt = 0, .event_pt = TZ_MEDIA_NO_PT },
	};
	struct tz_media_xcode *down = tz_media_xcode_create(&cfg);
	struct tz_media_rtp out[TZ_MEDIA_XCODE_MAX_OUT];
	int16_t pcm[30 * 160];

	(void)state;
	assert_non_null(down);
	a.n = b.n = c.n = 0;
	pcmu_tone(&a, 30, 1000);
	for (unsigned i = 0; i < a.n; i++)
		push(up, &a.pkt[i], &b);
	assert_int_equal(b.n, 30);
	for (unsigned i = 0; i < 30; i++) {
		struct tz_media_rtp p = b.pkt[i];
		size_t o = 0;

		if (i > 0) {                    /* block: packet i-1, 960 ticks earlier */
			red[i][o++] = 0x80 | PT_OPUS;
			red[i][o++] = (uint8_t)(960 >> 6);
			red[i][o++] = (uint8_t)((960 & 0x3F) << 2 | b.pkt[i - 1].len >> 8);
			red[i][o++] = (uint8_t)b.pkt[i - 1].len;
		}
		red[i][o++] = PT_OPUS;
		if (i > 0) {
			memcpy(red[i] + o, b.pkt[i - 1].payload, b.pkt[i - 1].len);
			o += b.pkt[i - 1].len;
		}
		memcpy(red[i] + o, b.pkt[i].payload, b.pkt[i].len);
		p.payload = red[i];
		p.len = (uint16_t)(o + b.pkt[i].len);
		p.pt = 63;
		if (i != 15)
			assert_int_equal(push(down, &p, &c), 1 + (i == 16));
	}
	assert_int_equal(c.n, 30);
	assert_continuous(&c, 160);
	assert_int_equal(tz_media_xcode_stats(down)->recovered, 1);
	assert_int_equal(tz_media_xcode_stats(down)->concealed, 0);
	assert_int_equal(tz_media_xcode_stats(down)->lost, 1);
	for (unsigned i = 0; i < c.n; i++)
		tz_media_g711_decode(false, c.pkt[i].payload, pcm + i * 160, 160);
	assert_tone(pcm + 800, 25 * 160, 1, 8000, 1000, 2, 0.8);
	{
		struct tz_media_rtp bad = { .payload = red[5], .len = 3, .seq = 40, .ts = 40 * 960, .pt = 63 };

		assert_int_equal(tz_media_xcode_push(down, &bad, out), -EBADMSG);
		bad.len = 5;                    /* headers, no primary */
		assert_int_equal(tz_media_xcode_push(down, &bad, out), -EBADMSG);
	}
	tz_media_xcode_destroy(up);
	tz_media_xcode_destroy(down);
}

static void put_event(struct stream *s, unsigned i, uint8_t digit, bool end, uint16_t dur,
		      uint16_t seq, uint32_t ts, bool marker)
{
	uint8_t *p = s->data[i];

	p[0] = digit;
	p[1] = (uint8_t)((end ? 0x80 : 0) | 10);
	p[2] = (uint8_t)(dur >> 8);
	p[3] = (uint8_t)dur;
	s->pkt[i] = (struct tz_media_rtp){ .payload = p, .len = 4, .seq = seq, .ts = ts,
					   .pt = PT_EV8, .marker = marker };
}

/* Digit 5 on the PCMU side (8 kHz events, PT 101) after 10 audio packets:
 * on the Opus side PT 110, the start timestamp mapped, durations x6, the
 * end packets kept, sequence numbers shared with the audio. */
static void events_mapped(void **state)
{
	static struct stream a, ev, b;
	struct tz_media_xcode *x = make(TZ_MEDIA_PCMU, 0, PT_EV8, TZ_MEDIA_OPUS, PT_OPUS, PT_EV48, 20);
	static const uint16_t durs[] = { 160, 320, 480, 640, 640, 640 };
	uint32_t start = 0xFFFFFC00u + 10 * 160;

	(void)state;
	a.n = ev.n = b.n = 0;
	pcmu_tone(&a, 10, 1000);
	for (unsigned i = 0; i < a.n; i++)
		push(x, &a.pkt[i], &b);
	for (unsigned i = 0; i < 6; i++)
		put_event(&ev, i, 5, i >= 3, durs[i], (uint16_t)(65510 + i), start, i == 0);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(push(x, &ev.pkt[i], &b), 1);
	assert_int_equal(b.n, 16);
	for (unsigned i = 10; i < 16; i++) {
		const struct tz_media_rtp *p = &b.pkt[i];

		assert_int_equal(p->pt, PT_EV48);
		assert_int_equal(p->ts, 0xFFFF0000u + 10 * 960);
		assert_int_equal(p->seq, (uint16_t)(0xFFF0 + i));
		assert_int_equal(p->marker, i == 10);
		assert_int_equal(p->payload[0], 5);
		assert_int_equal(p->payload[1], (i >= 13 ? 0x80 : 0) | 10);
		assert_int_equal(p->payload[2] << 8 | p->payload[3], durs[i - 10] * 6);
	}
	assert_int_equal(tz_media_xcode_stats(x)->out_events, 6);
	tz_media_xcode_destroy(x);
}

/* 20 ms PCMU in, 60 ms Opus out, and 20 ms PCMA in, 10 ms PCMU out. */
static void repacketize(void **state)
{
	static struct stream a, b;
	struct tz_media_xcode *x = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_OPUS, PT_OPUS,
					TZ_MEDIA_NO_PT, 60);
	struct tz_media_xcode *y = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_PCMA, 8,
					TZ_MEDIA_NO_PT, 10);

	(void)state;
	a.n = b.n = 0;
	pcmu_tone(&a, 30, 1000);
	for (unsigned i = 0; i < a.n; i++)
		assert_int_equal(push(x, &a.pkt[i], &b), i % 3 == 2 ? 1 : 0);
	assert_int_equal(b.n, 10);
	assert_continuous(&b, 2880);
	b.n = 0;
	for (unsigned i = 0; i < a.n; i++)
		assert_int_equal(push(y, &a.pkt[i], &b), 2);
	assert_continuous(&b, 80);
	assert_int_equal(b.pkt[0].len, 80);
	/* A partial frame is flushed padded. */
	tz_media_xcode_destroy(x);
	x = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_PCMA, 8, TZ_MEDIA_NO_PT, 40);
	b.n = 0;
	assert_int_equal(push(x, &a.pkt[0], &b), 0);
	{
		struct tz_media_rtp out[TZ_MEDIA_XCODE_MAX_OUT];

		assert_int_equal(tz_media_xcode_flush(x, out), 1);
		assert_int_equal(out[0].len, 320);
		assert_int_equal(tz_media_xcode_flush(x, out), 0);
	}
	tz_media_xcode_destroy(x);
	tz_media_xcode_destroy(y);
}

/* PCMU to G.722 (8 kHz -> 16 kHz audio, both on an 8000 clock). */
static void pcmu_g722(void **state)
{
	static struct stream a, b;
	struct tz_media_xcode *x = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_G722, 9,
					TZ_MEDIA_NO_PT, 20);
	struct tz_media_dec *d = tz_media_dec_create(TZ_MEDIA_G722, 16000);
	static int16_t pcm[SECOND * 320];

	(void)state;
	a.n = b.n = 0;
	pcmu_tone(&a, SECOND, 440);
	for (unsigned i = 0; i < a.n; i++)
		push(x, &a.pkt[i], &b);
	assert_int_equal(b.n, SECOND);
	assert_continuous(&b, 160);
	for (unsigned i = 0; i < b.n; i++) {
		assert_int_equal(b.pkt[i].len, 160);
		assert_int_equal(tz_media_dec_frame(d, b.pkt[i].payload, 160, pcm + i * 320, 320), 320);
	}
	assert_tone(pcm + 1600, (SECOND - 5) * 320, 1, 16000, 440, 2, 0.8);
	assert_true(fabs(level_dbfs(pcm + 1600, (SECOND - 5) * 320) - 20 * log10(8000.0 / 32768)) < 1.5);
	tz_media_dec_destroy(d);
	tz_media_xcode_destroy(x);
}

/* The source changes (a new SSRC after a re-INVITE, or the same SSRC with
 * its timestamps restarted): the output goes on as one stream, the new
 * talkspurt marked; nothing is dropped as late. */
static void new_source_continues(void **state)
{
	static struct stream a, b;
	struct tz_media_xcode *x = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_OPUS, PT_OPUS,
					TZ_MEDIA_NO_PT, 20);

	(void)state;
	a.n = b.n = 0;
	pcmu_tone(&a, 30, 1000);
	for (unsigned i = 0; i < 30; i++) {
		a.pkt[i].ssrc = 0x1111;
		if (i >= 10) {                  /* new SSRC, new seq and ts bases */
			a.pkt[i].ssrc = 0x2222;
			a.pkt[i].seq = (uint16_t)(7 + i);
			a.pkt[i].ts = 0x12345678u + i * 160;
			a.pkt[i].marker = i == 10;
		}
		if (i >= 20)                    /* same SSRC, timestamps 10 minutes back */
			a.pkt[i].ts -= 8000u * 600;
		assert_int_equal(push(x, &a.pkt[i], &b), 1);
	}
	for (unsigned i = 0; i < 30; i++) {
		assert_int_equal(b.pkt[i].ts, 0xFFFF0000u + i * 960);
		assert_int_equal(b.pkt[i].seq, (uint16_t)(0xFFF0 + i));
		assert_int_equal(b.pkt[i].marker, i == 0 || i == 10 || i == 20);
	}
	assert_int_equal(tz_media_xcode_stats(x)->restarts, 2);
	assert_int_equal(tz_media_xcode_stats(x)->late, 0);
	assert_int_equal(tz_media_xcode_stats(x)->lost, 0);
	tz_media_xcode_destroy(x);
}

/* Opus DTX: 1 s tone, 2 s silence, 1 s tone.  Silence is mostly not sent
 * (counted as dtx), the output timestamps keep the silence's length, and
 * every packet sent after a hole starts a talkspurt (marker). */
static void opus_dtx(void **state)
{
	static struct stream b;
	struct tz_media_xcode_cfg cfg = {
		.in = { .codec = TZ_MEDIA_PCMU, .pt = 0, .event_pt = TZ_MEDIA_NO_PT },
		.out = { .codec = TZ_MEDIA_OPUS, .pt = PT_OPUS, .event_pt = TZ_MEDIA_NO_PT },
		.opus = { .dtx = true },
	};
	struct tz_media_xcode *x = tz_media_xcode_create(&cfg);
	int16_t pcm[160];
	uint8_t payload[160];
	unsigned sent = 0;

	(void)state;
	assert_non_null(x);
	b.n = 0;
	for (unsigned i = 0; i < 4 * SECOND; i++) {
		struct tz_media_rtp p = { .payload = payload, .len = 160, .seq = (uint16_t)i,
					  .ts = i * 160, .pt = 0 };

		if (i < SECOND || i >= 3 * SECOND)
			tz_media_tone(pcm, 160, 8000, 1000, 8000, (uint64_t)i * 160);
		else
			memset(pcm, 0, sizeof(pcm));
		tz_media_g711_encode(false, pcm, payload, 160);
		sent += (unsigned)push(x, &p, &b);
	}
	assert_true(tz_media_xcode_stats(x)->dtx >= SECOND);
	assert_int_equal(sent + tz_media_xcode_stats(x)->dtx, 4 * SECOND);
	for (unsigned i = 1; i < b.n; i++) {
		uint32_t step = b.pkt[i].ts - b.pkt[i - 1].ts;

		assert_int_equal(step % 960, 0);
		assert_int_equal((uint16_t)(b.pkt[i].seq - b.pkt[i - 1].seq), 1);
		assert_int_equal(b.pkt[i].marker, step > 960);
	}
	/* The second tone's packets sit at their own time. */
	assert_int_equal(b.pkt[b.n - 1].ts, (4 * SECOND - 1) * 960u);
	tz_media_xcode_destroy(x);
}

/* Wrong PT, garbage Opus, a truncated event, a duplicate: refused, counted;
 * then a few thousand random packets: no crash (ASan build). */
static void bad_input(void **state)
{
	static struct stream a, b;
	struct tz_media_xcode *x = make(TZ_MEDIA_OPUS, PT_OPUS, PT_EV48, TZ_MEDIA_PCMU, 0, PT_EV8, 20);
	struct tz_media_rtp out[TZ_MEDIA_XCODE_MAX_OUT];
	static const uint8_t garbage[] = { 0xFF, 0xFF, 0xFF, 0xFF };
	uint8_t rnd[300];
	struct tz_media_rtp p = { .payload = garbage, .len = 4, .seq = 1, .ts = 0, .pt = 96 };
	const struct tz_media_xcode_stats *st = tz_media_xcode_stats(x);

	(void)state;
	assert_int_equal(tz_media_xcode_push(x, &p, out), -EPROTO);
	p.pt = PT_OPUS;
	assert_int_equal(tz_media_xcode_push(x, &p, out), -EBADMSG);
	p.pt = PT_EV48;
	p.len = 3;
	assert_int_equal(tz_media_xcode_push(x, &p, out), -EBADMSG);
	p.len = 4;
	assert_int_equal(tz_media_xcode_push(x, &p, out), 1);
	assert_int_equal(tz_media_xcode_push(x, &p, out), -EALREADY);
	{
		static uint8_t big[961];

		memset(big, 0xFF, sizeof(big));
		p.payload = big;
		p.len = sizeof(big);
		p.pt = PT_OPUS;
		p.seq = 2;
		/* Code 3, 63 frames of 20 ms (RFC 6716 3.2.5: over 120 ms). */
		assert_int_equal(tz_media_xcode_push(x, &p, out), -EBADMSG);
	}
	assert_int_equal(st->bad_pt, 1);
	assert_int_equal(st->bad_payload, 3);
	assert_int_equal(st->late, 1);

	srand(14);
	for (unsigned i = 0; i < 3000; i++) {
		p.len = (uint16_t)(rand() % sizeof(rnd));
		for (unsigned k = 0; k < p.len; k++)
			rnd[k] = (uint8_t)rand();
		p.payload = rnd;
		p.seq = (uint16_t)rand();
		p.ts = (uint32_t)rand();
		p.pt = (uint8_t)(rand() % 2 ? PT_OPUS : rand() % 2 ? PT_EV48 : rand() % 128);
		p.marker = rand() % 2;
		assert_true(tz_media_xcode_push(x, &p, out) <= TZ_MEDIA_XCODE_MAX_OUT);
	}
	tz_media_xcode_destroy(x);

	/* A PCMU packet over 120 ms is refused (the buffers hold 120 ms). */
	{
		static uint8_t big[961];
		struct tz_media_xcode *y = make(TZ_MEDIA_PCMU, 0, TZ_MEDIA_NO_PT, TZ_MEDIA_OPUS, PT_OPUS,
						TZ_MEDIA_NO_PT, 20);
		struct tz_media_rtp q = { .payload = big, .len = 961, .pt = 0 };

		assert_int_equal(tz_media_xcode_push(y, &q, out), -EBADMSG);
		q.len = 960;
		assert_int_equal(tz_media_xcode_push(y, &q, out), 6);
		tz_media_xcode_destroy(y);
	}
	/* Bad configurations. */
	{
		struct tz_media_xcode_cfg cfg = {
			.in = { .codec = TZ_MEDIA_PCMU, .pt = 0, .event_pt = TZ_MEDIA_NO_PT },
			.out = { .codec = TZ_MEDIA_OPUS, .pt = PT_OPUS, .event_pt = TZ_MEDIA_NO_PT,
				 .ptime = 30 },
		};

		assert_null(tz_media_xcode_create(&cfg));
		cfg.out.ptime = 20;
		cfg.out.pt = 200;
		assert_null(tz_media_xcode_create(&cfg));
		cfg.out.pt = PT_OPUS;
		cfg.opus_rate = 44100;
		assert_null(tz_media_xcode_create(&cfg));
	}
	(void)a;
	(void)b;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcmu_opus_pcmu),
		cmocka_unit_test(pcmu_opus48_pcmu),
		cmocka_unit_test(lost_pcmu_is_gap),
		cmocka_unit_test(lost_opus_is_concealed),
		cmocka_unit_test(after_loss_the_packet_is_heard),
		cmocka_unit_test(red_recovers_loss),
		cmocka_unit_test(events_mapped),
		cmocka_unit_test(repacketize),
		cmocka_unit_test(pcmu_g722),
		cmocka_unit_test(new_source_continues),
		cmocka_unit_test(opus_dtx),
		cmocka_unit_test(bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
