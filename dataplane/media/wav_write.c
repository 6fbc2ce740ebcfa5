/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming PCM16 WAV writer.  The header is written first with the
 * streaming placeholder sizes (0xFFFFFFFF, which players read as "to the end
 * of the file"), and patched to the real sizes by _sync() and _close().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_media.h"

#define HEADER_LEN 44
#define MAX_DATA (0xFFFFFFFFu - (HEADER_LEN - 8))

struct tz_media_wav_writer {
	FILE *f;
	uint32_t rate;
	unsigned channels;
	uint64_t data_len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void header(const struct tz_media_wav_writer *w, uint8_t *h, bool final)
{
	uint32_t data = final ? (uint32_t)w->data_len : 0xFFFFFFFFu;
	uint32_t riff = final ? (uint32_t)w->data_len + HEADER_LEN - 8 : 0xFFFFFFFFu;

	memcpy(h, "RIFF", 4);
	put32(h + 4, riff);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, 1);                               /* PCM */
	put16(h + 22, (uint16_t)w->channels);
	put32(h + 24, w->rate);
	put32(h + 28, w->rate * 2 * w->channels);       /* bytes per second */
	put16(h + 32, (uint16_t)(2 * w->channels));     /* block align */
	put16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put32(h + 40, data);
}

struct tz_media_wav_writer *tz_media_wav_open(const char *path, uint32_t rate, unsigned channels)
{
	struct tz_media_wav_writer *w;
	uint8_t h[HEADER_LEN];
	int e;

	if (rate < 1000 || rate > 384000 || channels < 1 || channels > 2) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->rate = rate;
	w->channels = channels;
	w->f = fopen(path, "wbe");
	if (w->f == NULL)
		goto err_open;
	header(w, h, false);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		goto err_write;
	return w;

err_write:
	e = errno ? errno : EIO;
	fclose(w->f);
	free(w);
	errno = e;
	return NULL;
err_open:
	e = errno;
	free(w);
	errno = e;
	return NULL;
}

int tz_media_wav_write(struct tz_media_wav_writer *w, const int16_t *pcm, size_t frames)
{
	size_t n = frames * w->channels;
	uint8_t buf[512];

	if (w->data_len + (uint64_t)n * 2 > MAX_DATA)
		return -EFBIG;
	/* Little-endian on disk whatever the host. */
	for (size_t i = 0; i < n;) {
		size_t k = 0;

		for (; k < sizeof(buf) / 2 && i < n; k++, i++)
			put16(buf + 2 * k, (uint16_t)pcm[i]);
		if (fwrite(buf, 2, k, w->f) != k)
			return -EIO;
	}
	w->data_len += (uint64_t)n * 2;
	return 0;
}

int tz_media_wav_sync(struct tz_media_wav_writer *w)
{
	uint8_t h[HEADER_LEN];
	long pos = ftell(w->f);

	header(w, h, true);
	if (pos < 0 || fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof(h), w->f) != sizeof(h) ||
	    fseek(w->f, pos, SEEK_SET) != 0 || fflush(w->f) != 0)
		return -EIO;
	return 0;
}

int tz_media_wav_close(struct tz_media_wav_writer *w)
{
	int r;

	if (w == NULL)
		return 0;
	r = tz_media_wav_sync(w);
	if (fclose(w->f) != 0)
		r = -EIO;
	free(w);
	return r;
}
