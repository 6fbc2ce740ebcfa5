/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RIFF/WAVE reader: walks the chunk list for "fmt " and "data" (skipping any
 * other chunk, word-aligned), accepts PCM16 and G.711 (WAVE_FORMAT_PCM 1,
 * ALAW 6, MULAW 7, or EXTENSIBLE 0xFFFE carrying one of them), converts to the
 * caller's channel count and rate.  Every length comes from the file, so each
 * is checked against what is left of the buffer before it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_media.h"

#define FMT_PCM 1
#define FMT_ALAW 6
#define FMT_MULAW 7
#define FMT_EXTENSIBLE 0xFFFE
#define MAX_CHANNELS 8
#define MIN_RATE 1000
#define MAX_RATE 384000
#define MAX_FILE (1u << 30)             /* 1 GiB: an announcement, not a film */

struct wav_fmt {
	uint16_t format, channels, bits, block;
	uint32_t rate;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int parse_fmt(const uint8_t *p, uint32_t len, struct wav_fmt *f)
{
	if (len < 16)
		return -EBADMSG;
	f->format = le16(p);
	f->channels = le16(p + 2);
	f->rate = le32(p + 4);
	f->block = le16(p + 12);
	f->bits = le16(p + 14);
	/* WAVEFORMATEXTENSIBLE: the real format is the sub-format GUID's first two bytes. */
	if (f->format == FMT_EXTENSIBLE) {
		if (len < 40)
			return -EBADMSG;
		f->format = le16(p + 24);
	}
	if (f->channels == 0 || f->channels > MAX_CHANNELS || f->rate < MIN_RATE ||
	    f->rate > MAX_RATE)
		return -ENOTSUP;
	if (f->format == FMT_PCM && f->bits == 16 && f->block == 2 * f->channels)
		return 0;
	if ((f->format == FMT_ALAW || f->format == FMT_MULAW) && f->bits == 8 &&
	    f->block == f->channels)
		return 0;
	return -ENOTSUP;
}

/* Find fmt and data; data may claim more than the buffer holds (an unclosed
 * recording): it is cut to what is there. */
static int find_chunks(const uint8_t *buf, size_t len, struct wav_fmt *f,
		       const uint8_t **data, size_t *data_len)
{
	size_t off = 12;
	bool have_fmt = false;
	int r;

	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return -EBADMSG;
	while (len - off >= 8) {
		uint32_t clen = le32(buf + off + 4);
		const uint8_t *body = buf + off + 8;
		size_t left = len - off - 8;

		if (memcmp(buf + off, "fmt ", 4) == 0) {
			if (clen > left)
				return -EBADMSG;
			if ((r = parse_fmt(body, clen, f)) != 0)
				return r;
			have_fmt = true;
		} else if (memcmp(buf + off, "data", 4) == 0) {
			if (!have_fmt)
				return -EBADMSG;
			*data = body;
			*data_len = clen < left ? clen : left;
			return 0;
		}
		if (clen > left)
			break;
		off += 8 + (size_t)clen + (clen & 1);
		if (off > len)
			break;
	}
	return -EBADMSG;
}

static void to_linear(const struct wav_fmt *f, const uint8_t *data, size_t samples, int16_t *out)
{
	if (f->format == FMT_PCM)
		for (size_t i = 0; i < samples; i++)
			out[i] = (int16_t)le16(data + 2 * i);
	else
		tz_media_g711_decode(f->format == FMT_ALAW, data, out, samples);
}

/* Interleaved in (ch channels) to want channels, in place-safe copy. */
static void remix(const int16_t *in, size_t frames, unsigned ch, unsigned want, int16_t *out)
{
	for (size_t i = 0; i < frames; i++) {
		const int16_t *s = in + i * ch;

		if (want == 1) {
			int32_t sum = 0;

			for (unsigned c = 0; c < ch; c++)
				sum += s[c];
			out[i] = (int16_t)(sum / (int32_t)ch);
		} else {
			out[2 * i] = s[0];
			out[2 * i + 1] = s[ch > 1 ? 1 : 0];
		}
	}
}

/* The whole file at once, the filter's delay removed: zeros fed after the
 * data push its tail out, the output's first frames (the filter's start-up)
 * are dropped, so output time t is input time t. */
static int resample_all(const int16_t *in, size_t frames, unsigned ch, uint32_t from,
			uint32_t to, int16_t **out, size_t *out_frames)
{
	struct tz_media_resampler *rs = tz_media_resampler_create(from, to, ch, 0);
	int16_t zeros[64 * 2] = { 0 };
	size_t cap, skip, got = 0;
	unsigned delay;
	int r = -ENOMEM;

	*out = NULL;
	if (rs == NULL)
		return errno == EINVAL ? -EINVAL : -ENOMEM;
	delay = tz_media_resampler_delay(rs);
	cap = tz_media_resampler_out_max(rs, frames) + tz_media_resampler_out_max(rs, delay + 64);
	*out = malloc(cap * ch * sizeof(**out));
	if (*out == NULL)
		goto cleanup;
	r = tz_media_resample(rs, in, frames, *out, cap);
	if (r < 0)
		goto cleanup;
	got = (size_t)r;
	for (unsigned left = delay; left > 0;) {
		unsigned n = left < 64 / ch ? left : 64 / ch;

		r = tz_media_resample(rs, zeros, n, *out + got * ch, cap - got);
		if (r < 0)
			goto cleanup;
		got += (size_t)r;
		left -= n;
	}
	skip = (size_t)((uint64_t)delay * to / from);
	if (skip > got)
		skip = got;
	got -= skip;
	memmove(*out, *out + skip * ch, got * ch * sizeof(**out));
	/* What the file holds, no more: the flushed tail is the filter's ringing. */
	if (got > (size_t)((uint64_t)frames * to / from))
		got = (size_t)((uint64_t)frames * to / from);
	*out_frames = got;
	r = 0;
cleanup:
	tz_media_resampler_destroy(rs);
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

int tz_media_wav_parse(const uint8_t *buf, size_t len, uint32_t want_rate,
		       unsigned want_channels, struct tz_media_wav_info *info,
		       int16_t **pcm, size_t *frames)
{
	struct wav_fmt f = { 0 };
	const uint8_t *data;
	size_t data_len, nframes, out_frames;
	int16_t *lin = NULL, *mixed = NULL, *res = NULL;
	unsigned ch;
	int r;

	*pcm = NULL;
	*frames = 0;
	if (want_channels > 2 || (want_rate && (want_rate < MIN_RATE || want_rate > MAX_RATE)))
		return -EINVAL;
	if ((r = find_chunks(buf, len, &f, &data, &data_len)) != 0)
		return r;
	nframes = data_len / f.block;
	if (nframes == 0)
		return -EBADMSG;
	if (info)
		*info = (struct tz_media_wav_info){ f.format, f.channels, f.rate, (uint32_t)nframes };
	ch = want_channels ? want_channels : f.channels;
	lin = malloc(nframes * f.channels * sizeof(*lin));
	mixed = ch == f.channels ? lin : malloc(nframes * ch * sizeof(*mixed));
	if (lin == NULL || mixed == NULL)
		goto err_nomem;
	to_linear(&f, data, nframes * f.channels, lin);
	if (mixed != lin)
		remix(lin, nframes, f.channels, ch, mixed);
	out_frames = nframes;
	if (want_rate && want_rate != f.rate) {
		r = resample_all(mixed, nframes, ch, f.rate, want_rate, &res, &out_frames);
		if (r < 0)
			goto cleanup;
		if (mixed != lin)
			free(mixed);
		free(lin);
		lin = mixed = res;
		res = NULL;
		/* A few samples resampled to less than one frame: nothing to play. */
		if (out_frames == 0) {
			r = -EBADMSG;
			goto cleanup;
		}
	}
	if (mixed != lin)
		free(lin);
	*pcm = mixed;
	*frames = out_frames;
	return 0;

err_nomem:
	r = -ENOMEM;
cleanup:
	if (mixed != lin)
		free(mixed);
	free(lin);
	return r;
}

int tz_media_wav_load(const char *path, uint32_t want_rate, unsigned want_channels,
		      struct tz_media_wav_info *info, int16_t **pcm, size_t *frames)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		goto err_errno;
	if (st.st_size > MAX_FILE) {
		r = -EFBIG;
		goto cleanup;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		r = -ENOMEM;
		goto cleanup;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err_errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	r = tz_media_wav_parse(buf, got, want_rate, want_channels, info, pcm, frames);
	goto cleanup;

err_errno:
	r = -errno;
cleanup:
	free(buf);
	close(fd);
	return r;
}
