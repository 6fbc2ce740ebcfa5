/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The announcement player: a 1 kHz file plays as Opus packets 20 ms apart
 * (timestamps +960, sequence +1, marker on the first) that decode to the
 * tone and end with the file; music on hold loops past the end; a rewind
 * marks the restart; bad configurations are refused.  A clip (the file
 * encoded once) plays the same packets as a live player, loops, and refuses
 * another codec or ptime.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media_test.h"

static void opus_announcement(void **state)
{
	static int16_t file[48000 - 480], heard[48000];
	struct tz_media_player_cfg cfg = { .codec = TZ_MEDIA_OPUS, .pt = 111, .first_seq = 65530,
					   .first_ts = 0xFFFFF000u };
	struct tz_media_player *p;
	struct tz_media_dec *d = tz_media_dec_create(TZ_MEDIA_OPUS, 48000);
	struct tz_media_rtp r;
	unsigned n = 0;

	(void)state;
	assert_int_equal(tz_media_codec_audio_rate(TZ_MEDIA_OPUS), 48000);
	tz_media_tone(file, sizeof(file) / sizeof(file[0]), 48000, 1000, 8000, 0);
	p = tz_media_player_create(file, sizeof(file) / sizeof(file[0]), &cfg);
	assert_non_null(p);
	while (tz_media_player_next(p, &r) == 1) {
		assert_int_equal(r.seq, (uint16_t)(65530 + n));
		assert_int_equal(r.ts, 0xFFFFF000u + n * 960);
		assert_int_equal(r.marker, n == 0);
		assert_int_equal(r.pt, 111);
		assert_int_equal(tz_media_dec_frame(d, r.payload, r.len, heard + n * 960, 960), 960);
		n++;
	}
	/* 0.99 s: 50 packets, the last padded. */
	assert_int_equal(n, 50);
	assert_int_equal(tz_media_player_next(p, &r), 0);
	assert_tone(heard + 4800, 48000 - 9600, 1, 48000, 1000, 2, 0.8);
	tz_media_player_rewind(p);
	assert_int_equal(tz_media_player_next(p, &r), 1);
	assert_true(r.marker);
	assert_int_equal(r.seq, (uint16_t)(65530 + 50));
	tz_media_player_destroy(p);
	tz_media_dec_destroy(d);
}

static void music_on_hold_loops(void **state)
{
	static int16_t file[4000], heard[200 * 160];
	struct tz_media_player_cfg cfg = { .codec = TZ_MEDIA_PCMU, .pt = 0, .loop = true };
	struct tz_media_player *p;
	struct tz_media_rtp r;

	(void)state;
	tz_media_tone(file, 4000, 8000, 440, 8000, 0);      /* 0.5 s: 22 cycles exactly */
	p = tz_media_player_create(file, 4000, &cfg);
	assert_non_null(p);
	for (unsigned i = 0; i < 200; i++) {
		assert_int_equal(tz_media_player_next(p, &r), 1);
		assert_int_equal(r.len, 160);
		assert_int_equal(r.ts, i * 160);
		tz_media_g711_decode(false, r.payload, heard + i * 160, 160);
	}
	assert_tone(heard, 200 * 160, 1, 8000, 440, 1, 0.9);
	tz_media_player_destroy(p);
}

/* A clip holds exactly the packets a live player sends: a play of it is the
 * same stream (payloads, sequence, timestamps, marker) without an encoder. */
static void clip_equals_live_player(void **state)
{
	static int16_t file[48000 - 480];
	struct tz_media_player_cfg cfg = { .codec = TZ_MEDIA_OPUS, .pt = 111, .first_seq = 7,
					   .first_ts = 1000 };
	struct tz_media_clip *c;
	struct tz_media_player *live, *pre;
	struct tz_media_rtp a, b;
	unsigned n = 0;

	(void)state;
	tz_media_tone(file, sizeof(file) / sizeof(file[0]), 48000, 1000, 8000, 0);
	c = tz_media_clip_encode(file, sizeof(file) / sizeof(file[0]), &cfg, NULL);
	assert_non_null(c);
	assert_int_equal(tz_media_clip_packets(c), 50);
	assert_true(tz_media_clip_bytes(c) > 50 * 20);
	live = tz_media_player_create(file, sizeof(file) / sizeof(file[0]), &cfg);
	pre = tz_media_player_create_clip(c, &cfg);
	assert_non_null(live);
	assert_non_null(pre);
	while (tz_media_player_next(live, &a) == 1) {
		assert_int_equal(tz_media_player_next(pre, &b), 1);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.payload, b.payload, a.len);
		assert_int_equal(a.seq, b.seq);
		assert_int_equal(a.ts, b.ts);
		assert_int_equal(a.marker, b.marker);
		assert_int_equal(a.pt, b.pt);
		n++;
	}
	assert_int_equal(n, 50);
	assert_int_equal(tz_media_player_next(pre, &b), 0);     /* ended with the file */
	tz_media_player_rewind(pre);
	assert_int_equal(tz_media_player_next(pre, &b), 1);
	assert_true(b.marker);
	assert_int_equal(b.seq, 7 + 50);
	tz_media_player_destroy(live);
	tz_media_player_destroy(pre);
	tz_media_clip_free(c);
}

/* Music on hold from a clip: after the last packet the first comes again,
 * sequence and timestamps running on; the tone heard throughout. */
static void clip_loops(void **state)
{
	static int16_t file[4000], heard[200 * 160];
	struct tz_media_player_cfg cfg = { .codec = TZ_MEDIA_PCMU, .pt = 0, .loop = true };
	struct tz_media_clip *c;
	struct tz_media_player *p;
	struct tz_media_rtp r;
	const uint8_t *first;
	uint16_t len;

	(void)state;
	tz_media_tone(file, 4000, 8000, 440, 8000, 0);
	c = tz_media_clip_encode(file, 4000, &cfg, NULL);
	assert_non_null(c);
	assert_int_equal(tz_media_clip_packets(c), 25);
	first = tz_media_clip_payload(c, 0, &len);
	assert_int_equal(len, 160);
	p = tz_media_player_create_clip(c, &cfg);
	assert_non_null(p);
	for (unsigned i = 0; i < 200; i++) {
		assert_int_equal(tz_media_player_next(p, &r), 1);
		assert_int_equal(r.ts, i * 160);
		assert_int_equal(r.seq, (uint16_t)i);
		if (i % 25 == 0)
			assert_memory_equal(r.payload, first, 160);
		tz_media_g711_decode(false, r.payload, heard + i * 160, 160);
	}
	assert_tone(heard, 200 * 160, 1, 8000, 440, 1, 0.9);
	tz_media_player_destroy(p);
	tz_media_clip_free(c);
}

/* A clip plays only with its codec and ptime; encoding can be called off. */
static void clip_refusals(void **state)
{
	static int16_t pcm[8000];
	struct tz_media_player_cfg cfg = { .codec = TZ_MEDIA_PCMA, .pt = 8 };
	struct tz_media_clip *c = tz_media_clip_encode(pcm, 8000, &cfg, NULL);
	int stop = 1;

	(void)state;
	assert_non_null(c);
	cfg.codec = TZ_MEDIA_PCMU;
	errno = 0;
	assert_null(tz_media_player_create_clip(c, &cfg));
	assert_int_equal(errno, EINVAL);
	cfg.codec = TZ_MEDIA_PCMA;
	cfg.ptime = 40;
	assert_null(tz_media_player_create_clip(c, &cfg));
	cfg.ptime = 20;
	cfg.pt = 128;
	assert_null(tz_media_player_create_clip(c, &cfg));
	assert_null(tz_media_player_create_clip(NULL, &cfg));
	cfg.pt = 8;
	errno = 0;
	assert_null(tz_media_clip_encode(pcm, 8000, &cfg, &stop));
	assert_int_equal(errno, ECANCELED);
	assert_null(tz_media_clip_encode(pcm, 0, &cfg, NULL));
	tz_media_clip_free(c);
	tz_media_clip_free(NULL);
}

static void bad_player(void **state)
{
	int16_t pcm[160] = { 0 };
	struct tz_media_player_cfg cfg = { .codec = TZ_MEDIA_OPUS, .pt = 111, .ptime = 30 };

	(void)state;
	errno = 0;
	assert_null(tz_media_player_create(pcm, 160, &cfg));
	assert_int_equal(errno, EINVAL);
	cfg.ptime = 20;
	assert_null(tz_media_player_create(pcm, 0, &cfg));
	assert_null(tz_media_player_create(NULL, 160, &cfg));
	cfg.pt = 128;
	assert_null(tz_media_player_create(pcm, 160, &cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opus_announcement),
		cmocka_unit_test(music_on_hold_loops),
		cmocka_unit_test(clip_equals_live_player),
		cmocka_unit_test(clip_loops),
		cmocka_unit_test(clip_refusals),
		cmocka_unit_test(bad_player),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
