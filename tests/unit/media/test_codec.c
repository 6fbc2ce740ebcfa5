/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tz_media codecs: G.711 against values from the recommendation's tables
 * (checked once against Python's audioop over all 65536 inputs), the round
 * trip of every code; G.722 and Opus keep a tone's frequency; Opus conceals a
 * lost packet and refuses garbage; the resampler keeps a tone and does not
 * alias.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media_test.h"

static void g711_vectors(void **state)
{
	static const struct { int16_t pcm; uint8_t u, a; } v[] = {
		{ 0, 0xFF, 0xD5 },
		{ -1, 0x7E, 0x55 },
		{ 8, 0xFE, 0xD5 },
		{ 100, 0xF2, 0xD3 },
		{ -100, 0x72, 0x53 },
		{ 1000, 0xCE, 0xFA },
		{ 8031, 0xA0, 0x8A },
		{ 32767, 0x80, 0xAA },
		{ -32768, 0x00, 0x2A },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(tz_media_ulaw_encode(v[i].pcm), v[i].u);
		assert_int_equal(tz_media_alaw_encode(v[i].pcm), v[i].a);
	}
	assert_int_equal(tz_media_ulaw_decode(0xFF), 0);
	assert_int_equal(tz_media_ulaw_decode(0x7F), 0);
	assert_int_equal(tz_media_ulaw_decode(0x80), 32124);
	assert_int_equal(tz_media_ulaw_decode(0x00), -32124);
	assert_int_equal(tz_media_alaw_decode(0xD5), 8);
	assert_int_equal(tz_media_alaw_decode(0x55), -8);
	assert_int_equal(tz_media_alaw_decode(0xAA), 32256);
	assert_int_equal(tz_media_alaw_decode(0x2A), -32256);
}

static void g711_round_trip(void **state)
{
	(void)state;
	/* Every code decodes to a value that encodes back to it (0x7F, mu-law's
	 * negative zero, is the one alias: it decodes to 0, which is 0xFF). */
	for (unsigned c = 0; c < 256; c++) {
		if (c != 0x7F)
			assert_int_equal(tz_media_ulaw_encode(tz_media_ulaw_decode((uint8_t)c)), c);
		assert_int_equal(tz_media_alaw_encode(tz_media_alaw_decode((uint8_t)c)), c);
	}
	/* Quantisation error stays within half a step (at most 1/32 of the value + 8). */
	for (int x = -32768; x < 32768; x += 7) {
		int eu = abs(tz_media_ulaw_decode(tz_media_ulaw_encode((int16_t)x)) - x);
		int ea = abs(tz_media_alaw_decode(tz_media_alaw_encode((int16_t)x)) - x);

		assert_true(eu <= abs(x) / 16 + 8 || abs(x) > 32124);
		assert_true(ea <= abs(x) / 16 + 16 || abs(x) > 32256);
	}
}

/* The detector every other test relies on: a pure tone has all its power
 * on its bin and none on a neighbour's; of two tones the louder wins;
 * silence and -70 dBFS read as silent (0). */
static void goertzel_detector(void **state)
{
	static int16_t a[8000], b[8000];

	(void)state;
	tz_media_tone(a, 8000, 8000, 1000, 10000, 0);
	assert_true(tz_media_tone_power(a, 8000, 1, 8000, 1000) > 0.99);
	assert_true(tz_media_tone_power(a, 8000, 1, 8000, 1100) < 0.01);
	assert_true(tz_media_dominant_freq(a, 8000, 1, 8000) == 1000);
	tz_media_tone(b, 8000, 8000, 440, 4000, 0);
	for (unsigned i = 0; i < 8000; i++)
		b[i] = (int16_t)(b[i] + a[i] / 4);      /* 440 Hz at 4000, 1 kHz at 2500 */
	assert_true(tz_media_dominant_freq(b, 8000, 1, 8000) == 440);
	/* Interleaved: stride 2 reads one channel. */
	for (unsigned i = 0; i < 4000; i++)
		b[2 * i + 1] = 0;
	tz_media_tone(a, 8000, 8000, 697, 8000, 0);
	for (unsigned i = 0; i < 4000; i++)
		b[2 * i] = a[i];
	assert_true(tz_media_dominant_freq(b, 4000, 2, 8000) == 697);
	assert_true(tz_media_dominant_freq(b + 1, 4000, 2, 8000) == 0);
	tz_media_tone(a, 8000, 8000, 1000, 10, 0);          /* -70 dBFS */
	assert_true(tz_media_dominant_freq(a, 8000, 1, 8000) == 0);
}

static void codec_names(void **state)
{
	(void)state;
	assert_int_equal(tz_media_codec_parse("pcmu"), TZ_MEDIA_PCMU);
	assert_int_equal(tz_media_codec_parse("G711A"), TZ_MEDIA_PCMA);
	assert_int_equal(tz_media_codec_parse("OPUS"), TZ_MEDIA_OPUS);
	assert_int_equal(tz_media_codec_parse("g722"), TZ_MEDIA_G722);
	assert_int_equal(tz_media_codec_parse("amr"), -EINVAL);
	assert_int_equal(tz_media_codec_clock(TZ_MEDIA_G722), 8000);
	assert_int_equal(tz_media_codec_clock(TZ_MEDIA_OPUS), 48000);
	assert_int_equal(tz_media_codec_static_pt(TZ_MEDIA_PCMA), 8);
}

/* Encode one second of a tone 20 ms at a time, decode, check the tone. */
static void codec_tone(enum tz_media_codec c, uint32_t rate, double freq)
{
	unsigned frame = rate / 50, frames = 50;
	int16_t *in = calloc(frame * frames, sizeof(*in));
	int16_t *out = calloc(frame * frames, sizeof(*out));
	struct tz_media_enc *e = tz_media_enc_create(c, rate, NULL);
	struct tz_media_dec *d = tz_media_dec_create(c, rate);
	uint8_t pkt[1500];

	assert_non_null(e);
	assert_non_null(d);
	tz_media_tone(in, frame * frames, rate, freq, 8000, 0);
	for (unsigned i = 0; i < frames; i++) {
		int len = tz_media_enc_frame(e, in + i * frame, frame, pkt, sizeof(pkt));

		assert_true(len > 0);
		assert_int_equal(tz_media_dec_frame(d, pkt, (size_t)len, out + i * frame, frame), frame);
	}
	/* Skip the first 100 ms (codec start-up). */
	assert_tone(out + frame * 5, frame * (frames - 5), 1, rate, freq, 2, 0.8);
	tz_media_enc_destroy(e);
	tz_media_dec_destroy(d);
	free(in);
	free(out);
}

static void g711_tone(void **state)
{
	(void)state;
	codec_tone(TZ_MEDIA_PCMU, 8000, 1000);
	codec_tone(TZ_MEDIA_PCMA, 8000, 440);
}

static void g722_tone(void **state)
{
	(void)state;
	codec_tone(TZ_MEDIA_G722, 16000, 440);
	codec_tone(TZ_MEDIA_G722, 16000, 1000);
}

static void opus_tone(void **state)
{
	(void)state;
	codec_tone(TZ_MEDIA_OPUS, 48000, 440);
	codec_tone(TZ_MEDIA_OPUS, 48000, 1000);
	codec_tone(TZ_MEDIA_OPUS, 8000, 1000);
	codec_tone(TZ_MEDIA_OPUS, 16000, 440);
}

/* A lost packet: PLC (and FEC from the next packet) gives 20 ms of audio that
 * continues the tone rather than silence; garbage is refused, not a crash. */
static void opus_conceal_and_garbage(void **state)
{
	struct tz_media_opus_opts o = { .fec = true };
	struct tz_media_enc *e = tz_media_enc_create(TZ_MEDIA_OPUS, 48000, &o);
	struct tz_media_dec *d = tz_media_dec_create(TZ_MEDIA_OPUS, 48000);
	int16_t in[960], out[960];
	uint8_t pkt[20][400];
	int len[20];
	static const uint8_t garbage[] = { 0xFF, 0xFF, 0xFF };

	(void)state;
	for (unsigned i = 0; i < 20; i++) {
		tz_media_tone(in, 960, 48000, 1000, 8000, (uint64_t)i * 960);
		len[i] = tz_media_enc_frame(e, in, 960, pkt[i], sizeof(pkt[i]));
		assert_true(len[i] > 0);
	}
	for (unsigned i = 0; i < 20; i++) {
		if (i == 10) {
			assert_int_equal(tz_media_dec_conceal(d, pkt[11], (size_t)len[11], out, 960), 960);
			assert_tone(out, 960, 1, 48000, 1000, 60, 0.5);
			continue;
		}
		assert_int_equal(tz_media_dec_frame(d, pkt[i], (size_t)len[i], out, 960), 960);
	}
	assert_int_equal(tz_media_dec_conceal(d, NULL, 0, out, 960), 960);
	assert_int_equal(tz_media_dec_frame(d, garbage, sizeof(garbage), out, 960), -EBADMSG);
	assert_int_equal(tz_media_dec_frame(d, garbage, 0, out, 960), -EBADMSG);
	assert_int_equal(tz_media_dec_frame(d, pkt[0], (size_t)len[0], out, 100), -ENOSPC);
	assert_int_equal(tz_media_dec_conceal(d, NULL, 0, out, 7), -EINVAL);
	tz_media_enc_destroy(e);
	tz_media_dec_destroy(d);
}

static void bad_create(void **state)
{
	(void)state;
	errno = 0;
	assert_null(tz_media_enc_create(TZ_MEDIA_PCMU, 16000, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(tz_media_dec_create(TZ_MEDIA_OPUS, 44100));
	assert_null(tz_media_dec_create(TZ_MEDIA_CODEC_COUNT, 8000));
	assert_null(tz_media_resampler_create(0, 8000, 1, 0));
}

/* Resample a tone 20 ms at a time (the state carries across calls). */
static void resample_tone(uint32_t from, uint32_t to, double freq)
{
	struct tz_media_resampler *r = tz_media_resampler_create(from, to, 1, 0);
	unsigned in_frame = from / 50, frames = 50;
	size_t cap = tz_media_resampler_out_max(r, in_frame), total = 0;
	int16_t *in = calloc(in_frame, sizeof(*in));
	int16_t *out = calloc(cap * frames, sizeof(*out));

	assert_non_null(r);
	for (unsigned i = 0; i < frames; i++) {
		int n;

		tz_media_tone(in, in_frame, from, freq, 10000, (uint64_t)i * in_frame);
		n = tz_media_resample(r, in, in_frame, out + total, cap);
		assert_true(n >= 0);
		total += (size_t)n;
	}
	/* Integer ratios give exactly the expected count. */
	assert_int_equal(total, (size_t)to);
	assert_tone(out + to / 50, total - to / 50, 1, to, freq, 2, 0.9);
	tz_media_resampler_destroy(r);
	free(in);
	free(out);
}

static void resampler(void **state)
{
	(void)state;
	resample_tone(8000, 48000, 1000);
	resample_tone(48000, 8000, 1000);
	resample_tone(16000, 48000, 440);
	resample_tone(48000, 16000, 440);
	resample_tone(44100, 8000, 1000);
}

/* 5 kHz at 48 kHz down to 8 kHz: above the new Nyquist, it must be filtered
 * out, not folded to 3 kHz. */
static void resampler_no_alias(void **state)
{
	struct tz_media_resampler *r = tz_media_resampler_create(48000, 8000, 1, 0);
	int16_t in[48000], out[8001];
	double rms = 0;
	int n;

	(void)state;
	tz_media_tone(in, 48000, 48000, 5000, 10000, 0);
	n = tz_media_resample(r, in, 48000, out, 8001);
	assert_true(n >= 7900);
	for (int i = 800; i < n; i++)
		rms += (double)out[i] * out[i];
	rms = sqrt(rms / (n - 800));
	/* 10000 peak in; what is left must be below -40 dB of it. */
	assert_true(rms < 70);
	tz_media_resampler_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(g711_vectors),
		cmocka_unit_test(g711_round_trip),
		cmocka_unit_test(goertzel_detector),
		cmocka_unit_test(codec_names),
		cmocka_unit_test(g711_tone),
		cmocka_unit_test(g722_tone),
		cmocka_unit_test(opus_tone),
		cmocka_unit_test(opus_conceal_and_garbage),
		cmocka_unit_test(bad_create),
		cmocka_unit_test(resampler),
		cmocka_unit_test(resampler_no_alias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
