/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WAV files: a stereo recording written 20 ms at a time reads back sample for
 * sample with both channels' tones; read as mono 8 kHz it is resampled and
 * mixed; G.711 files (formats 6 and 7) read; an unclosed recording (the
 * placeholder sizes) reads to the end; truncated and foreign files are
 * refused with the right error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media_test.h"

static char dir[] = "/tmp/tz-media-wav-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[64];

	(void)state;
	snprintf(p, sizeof(p), "%s/a.wav", dir);
	unlink(p);
	return rmdir(dir);
}

static void path(char *p, size_t len)
{
	snprintf(p, len, "%s/a.wav", dir);
}

static void stereo_round_trip(void **state)
{
	char p[64];
	struct tz_media_wav_writer *w;
	struct tz_media_wav_info info;
	int16_t frame[2 * 960], l[960], r[960];
	int16_t *pcm;
	size_t frames;

	(void)state;
	path(p, sizeof(p));
	w = tz_media_wav_open(p, 48000, 2);
	assert_non_null(w);
	for (unsigned i = 0; i < 50; i++) {
		tz_media_tone(l, 960, 48000, 440, 10000, (uint64_t)i * 960);
		tz_media_tone(r, 960, 48000, 1000, 10000, (uint64_t)i * 960);
		for (unsigned k = 0; k < 960; k++) {
			frame[2 * k] = l[k];
			frame[2 * k + 1] = r[k];
		}
		assert_int_equal(tz_media_wav_write(w, frame, 960), 0);
	}
	assert_int_equal(tz_media_wav_close(w), 0);

	assert_int_equal(tz_media_wav_load(p, 0, 0, &info, &pcm, &frames), 0);
	assert_int_equal(info.format, 1);
	assert_int_equal(info.channels, 2);
	assert_int_equal(info.rate, 48000);
	assert_int_equal(frames, 48000);
	/* Last frame written is exact. */
	assert_memory_equal(pcm + 2 * 49 * 960, frame, sizeof(frame));
	assert_tone(pcm, frames, 2, 48000, 440, 1, 0.95);
	assert_tone(pcm + 1, frames, 2, 48000, 1000, 1, 0.95);
	free(pcm);

	/* As mono 8 kHz: both tones, mixed, resampled. */
	assert_int_equal(tz_media_wav_load(p, 8000, 1, NULL, &pcm, &frames), 0);
	assert_true(frames >= 7990 && frames <= 8001);
	assert_true(tz_media_tone_power(pcm, frames, 1, 8000, 440) > 0.4);
	assert_true(tz_media_tone_power(pcm, frames, 1, 8000, 1000) > 0.4);
	free(pcm);
}

static size_t le(uint8_t *p, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return n;
}

/* A minimal WAV in memory: fmt (format, channels, rate, bits), an extra chunk
 * of odd length before data (padding byte), data of len bytes claiming
 * data_claim. */
static size_t build(uint8_t *b, uint16_t fmt, uint16_t ch, uint32_t rate, uint16_t bits,
		    const uint8_t *data, uint32_t len, uint32_t data_claim)
{
	size_t o = 0;
	uint16_t block = (uint16_t)(ch * bits / 8);

	memcpy(b, "RIFF", 4);
	o = 4;
	o += le(b + o, 0xFFFFFFFFu, 4);
	memcpy(b + o, "WAVEfmt ", 8);
	o += 8;
	o += le(b + o, 16, 4);
	o += le(b + o, fmt, 2);
	o += le(b + o, ch, 2);
	o += le(b + o, rate, 4);
	o += le(b + o, rate * block, 4);
	o += le(b + o, block, 2);
	o += le(b + o, bits, 2);
	memcpy(b + o, "LIST", 4);
	o += 4;
	o += le(b + o, 3, 4);
	memcpy(b + o, "abc\0", 4);      /* 3 bytes + pad */
	o += 4;
	memcpy(b + o, "data", 4);
	o += 4;
	o += le(b + o, data_claim, 4);
	memcpy(b + o, data, len);
	return o + len;
}

static void g711_files(void **state)
{
	static uint8_t buf[16384 + 100], data[16000];
	int16_t tone[16000], *pcm;
	struct tz_media_wav_info info;
	size_t len, frames;

	(void)state;
	tz_media_tone(tone, 16000, 8000, 1000, 8000, 0);
	for (unsigned alaw = 0; alaw < 2; alaw++) {
		tz_media_g711_encode(alaw, tone, data, 16000);
		len = build(buf, alaw ? 6 : 7, 2, 8000, 8, data, 16000, 16000);
		assert_int_equal(tz_media_wav_parse(buf, len, 0, 1, &info, &pcm, &frames), 0);
		assert_int_equal(info.format, alaw ? 6 : 7);
		assert_int_equal(frames, 8000);
		assert_int_equal(pcm[100], tz_media_alaw_decode(0) * 0 + (alaw ?
			(tz_media_alaw_decode(data[200]) + tz_media_alaw_decode(data[201])) / 2 :
			(tz_media_ulaw_decode(data[200]) + tz_media_ulaw_decode(data[201])) / 2));
		free(pcm);
		/* Unclosed (data claims 0xFFFFFFFF): read to the end; resampled to 48 kHz. */
		len = build(buf, alaw ? 6 : 7, 1, 8000, 8, data, 16000, 0xFFFFFFFFu);
		assert_int_equal(tz_media_wav_parse(buf, len, 48000, 0, &info, &pcm, &frames), 0);
		assert_true(frames >= 95990 && frames <= 96001);
		assert_tone(pcm + 4800, frames - 4800, 1, 48000, 1000, 2, 0.9);
		free(pcm);
	}
}

static void bad_files(void **state)
{
	static uint8_t buf[1024], data[64];
	int16_t *pcm = (int16_t *)1;
	size_t len, frames;

	(void)state;
	len = build(buf, 1, 1, 8000, 16, data, 64, 64);
	/* Every truncation of a good file fails cleanly or reads a prefix. */
	for (size_t cut = 0; cut < len; cut++) {
		int r = tz_media_wav_parse(buf, cut, 8000, 1, NULL, &pcm, &frames);

		if (r == 0)
			free(pcm);
		else
			assert_true(r == -EBADMSG);
	}
	len = build(buf, 3, 1, 8000, 32, data, 64, 64);        /* float */
	assert_int_equal(tz_media_wav_parse(buf, len, 0, 0, NULL, &pcm, &frames), -ENOTSUP);
	assert_null(pcm);
	len = build(buf, 1, 1, 8000, 24, data, 63, 63);        /* 24-bit */
	assert_int_equal(tz_media_wav_parse(buf, len, 0, 0, NULL, &pcm, &frames), -ENOTSUP);
	len = build(buf, 1, 9, 8000, 16, data, 64, 64);        /* 9 channels */
	assert_int_equal(tz_media_wav_parse(buf, len, 0, 0, NULL, &pcm, &frames), -ENOTSUP);
	len = build(buf, 1, 1, 100, 16, data, 64, 64);         /* 100 Hz */
	assert_int_equal(tz_media_wav_parse(buf, len, 0, 0, NULL, &pcm, &frames), -ENOTSUP);
	memcpy(buf, "RIFX", 4);
	assert_int_equal(tz_media_wav_parse(buf, len, 0, 0, NULL, &pcm, &frames), -EBADMSG);
	assert_int_equal(tz_media_wav_load("/nonexistent/x.wav", 0, 0, NULL, &pcm, &frames), -ENOENT);
	errno = 0;
	assert_null(tz_media_wav_open("/tmp/x.wav", 8000, 3));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stereo_round_trip),
		cmocka_unit_test(g711_files),
		cmocka_unit_test(bad_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
