/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encoder and decoder objects behind one interface: G.711 (own, g711.c),
 * G.722 (spandsp, 64 kbit/s, unpacked) and Opus (libopus, VoIP application).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opus.h>
#include <spandsp.h>

#include "tz_media.h"

#define OPUS_DEFAULT_BITRATE 24000
#define OPUS_DEFAULT_COMPLEXITY 5
#define OPUS_FEC_LOSS_PERC 10

static const struct {
	const char *name;
	uint32_t clock;
	uint32_t rate;          /* audio rate of the PCM, 0 = chosen by the user */
	int pt;
} codecs[TZ_MEDIA_CODEC_COUNT] = {
	[TZ_MEDIA_PCMU] = { "PCMU", 8000, 8000, 0 },
	[TZ_MEDIA_PCMA] = { "PCMA", 8000, 8000, 8 },
	[TZ_MEDIA_G722] = { "G722", 8000, 16000, 9 },
	[TZ_MEDIA_OPUS] = { "opus", 48000, 0, -1 },
};

static const struct {
	const char *alias;
	enum tz_media_codec codec;
} aliases[] = {
	{ "g711u", TZ_MEDIA_PCMU },
	{ "ulaw", TZ_MEDIA_PCMU },
	{ "g711a", TZ_MEDIA_PCMA },
	{ "alaw", TZ_MEDIA_PCMA },
	{ "g.722", TZ_MEDIA_G722 },
};

struct tz_media_enc {
	enum tz_media_codec codec;
	uint32_t rate;
	bool dtx;
	union {
		OpusEncoder *opus;
		g722_encode_state_t *g722;
	};
};

struct tz_media_dec {
	enum tz_media_codec codec;
	uint32_t rate;
	union {
		OpusDecoder *opus;
		g722_decode_state_t *g722;
	};
};

const char *tz_media_codec_name(enum tz_media_codec c)
{
	return (unsigned)c < TZ_MEDIA_CODEC_COUNT ? codecs[c].name : "?";
}

int tz_media_codec_parse(const char *name)
{
	for (unsigned i = 0; i < TZ_MEDIA_CODEC_COUNT; i++)
		if (strcasecmp(name, codecs[i].name) == 0)
			return (int)i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].alias) == 0)
			return (int)aliases[i].codec;
	return -EINVAL;
}

uint32_t tz_media_codec_clock(enum tz_media_codec c)
{
	return (unsigned)c < TZ_MEDIA_CODEC_COUNT ? codecs[c].clock : 0;
}

int tz_media_codec_static_pt(enum tz_media_codec c)
{
	return (unsigned)c < TZ_MEDIA_CODEC_COUNT ? codecs[c].pt : -1;
}

static bool rate_ok(enum tz_media_codec c, uint32_t rate)
{
	if ((unsigned)c >= TZ_MEDIA_CODEC_COUNT)
		return false;
	if (c != TZ_MEDIA_OPUS)
		return rate == codecs[c].rate;
	return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

static int opus_setup(OpusEncoder *oe, const struct tz_media_opus_opts *o)
{
	struct tz_media_opus_opts d = { 0 };

	if (o == NULL)
		o = &d;
	if (opus_encoder_ctl(oe, OPUS_SET_BITRATE(o->bitrate ? (opus_int32)o->bitrate
						   : OPUS_DEFAULT_BITRATE)) != OPUS_OK ||
	    opus_encoder_ctl(oe, OPUS_SET_COMPLEXITY(o->complexity ? o->complexity
						      : OPUS_DEFAULT_COMPLEXITY)) != OPUS_OK ||
	    opus_encoder_ctl(oe, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK ||
	    opus_encoder_ctl(oe, OPUS_SET_INBAND_FEC(o->fec ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(oe, OPUS_SET_PACKET_LOSS_PERC(o->fec ? OPUS_FEC_LOSS_PERC : 0)) != OPUS_OK ||
	    opus_encoder_ctl(oe, OPUS_SET_DTX(o->dtx ? 1 : 0)) != OPUS_OK)
		return -EINVAL;
	return 0;
}

struct tz_media_enc *tz_media_enc_create(enum tz_media_codec c, uint32_t pcm_rate,
					 const struct tz_media_opus_opts *opts)
{
	struct tz_media_enc *e;
	int err;

	if (!rate_ok(c, pcm_rate) || (opts && opts->complexity > 10))
		goto err_inval;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->codec = c;
	e->rate = pcm_rate;
	if (c == TZ_MEDIA_OPUS) {
		e->opus = opus_encoder_create((opus_int32)pcm_rate, 1, OPUS_APPLICATION_VOIP, &err);
		if (e->opus == NULL)
			goto err_codec;
		if (opus_setup(e->opus, opts) != 0)
			goto err_codec;
		e->dtx = opts && opts->dtx;
	} else if (c == TZ_MEDIA_G722) {
		e->g722 = g722_encode_init(NULL, 64000, 0);
		if (e->g722 == NULL)
			goto err_codec;
	}
	return e;

err_codec:
	tz_media_enc_destroy(e);
	errno = ENOMEM;
	return NULL;
err_inval:
	errno = EINVAL;
	return NULL;
}

void tz_media_enc_destroy(struct tz_media_enc *e)
{
	if (e == NULL)
		return;
	if (e->codec == TZ_MEDIA_OPUS && e->opus)
		opus_encoder_destroy(e->opus);
	else if (e->codec == TZ_MEDIA_G722 && e->g722)
		g722_encode_free(e->g722);
	free(e);
}

int tz_media_enc_frame(struct tz_media_enc *e, const int16_t *pcm, unsigned n,
		       uint8_t *out, size_t cap)
{
	int r;

	switch (e->codec) {
	case TZ_MEDIA_PCMU:
	case TZ_MEDIA_PCMA:
		if (cap < n)
			return -ENOSPC;
		tz_media_g711_encode(e->codec == TZ_MEDIA_PCMA, pcm, out, n);
		return (int)n;
	case TZ_MEDIA_G722:
		if (n % 2 || cap < n / 2)
			return n % 2 ? -EINVAL : -ENOSPC;
		return g722_encode(e->g722, out, pcm, (int)n);
	case TZ_MEDIA_OPUS:
		r = opus_encode(e->opus, pcm, (int)n, out, (opus_int32)(cap > 1275 ? 1275 : cap));
		if (r == OPUS_BAD_ARG)
			return -EINVAL;
		if (r == OPUS_BUFFER_TOO_SMALL)
			return -ENOSPC;
		if (r < 0)
			return -EIO;
		/* RFC 7587 3.1.3: with DTX, 1-2 byte packets are not transmitted. */
		return e->dtx && r <= 2 ? 0 : r;
	default:
		return -EINVAL;
	}
}

struct tz_media_dec *tz_media_dec_create(enum tz_media_codec c, uint32_t pcm_rate)
{
	struct tz_media_dec *d;
	int err;

	if (!rate_ok(c, pcm_rate)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->codec = c;
	d->rate = pcm_rate;
	if (c == TZ_MEDIA_OPUS)
		d->opus = opus_decoder_create((opus_int32)pcm_rate, 1, &err);
	else if (c == TZ_MEDIA_G722)
		d->g722 = g722_decode_init(NULL, 64000, 0);
	if ((c == TZ_MEDIA_OPUS || c == TZ_MEDIA_G722) && d->opus == NULL) {
		tz_media_dec_destroy(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void tz_media_dec_destroy(struct tz_media_dec *d)
{
	if (d == NULL)
		return;
	if (d->codec == TZ_MEDIA_OPUS && d->opus)
		opus_decoder_destroy(d->opus);
	else if (d->codec == TZ_MEDIA_G722 && d->g722)
		g722_decode_free(d->g722);
	free(d);
}

int tz_media_dec_samples(const struct tz_media_dec *d, const uint8_t *payload, size_t len)
{
	int n;

	switch (d->codec) {
	case TZ_MEDIA_PCMU:
	case TZ_MEDIA_PCMA:
		return len > 0 && len <= INT32_MAX ? (int)len : -EBADMSG;
	case TZ_MEDIA_G722:
		return len > 0 && len <= INT32_MAX / 2 ? (int)len * 2 : -EBADMSG;
	case TZ_MEDIA_OPUS:
		if (len == 0 || len > 1275 * 3)
			return -EBADMSG;
		n = opus_packet_get_nb_samples(payload, (opus_int32)len, (opus_int32)d->rate);
		return n > 0 ? n : -EBADMSG;
	default:
		return -EINVAL;
	}
}

int tz_media_dec_frame(struct tz_media_dec *d, const uint8_t *payload, size_t len,
		       int16_t *pcm, size_t cap)
{
	int n = tz_media_dec_samples(d, payload, len);

	if (n < 0)
		return n;
	if ((size_t)n > cap)
		return -ENOSPC;
	switch (d->codec) {
	case TZ_MEDIA_PCMU:
	case TZ_MEDIA_PCMA:
		tz_media_g711_decode(d->codec == TZ_MEDIA_PCMA, payload, pcm, len);
		return n;
	case TZ_MEDIA_G722:
		return g722_decode(d->g722, pcm, payload, (int)len);
	default:
		n = opus_decode(d->opus, payload, (opus_int32)len, pcm, n, 0);
		return n < 0 ? -EBADMSG : n;
	}
}

int tz_media_dec_conceal(struct tz_media_dec *d, const uint8_t *next, size_t next_len,
			 int16_t *pcm, unsigned n)
{
	int r;

	if (d->codec != TZ_MEDIA_OPUS) {
		memset(pcm, 0, n * sizeof(*pcm));
		return (int)n;
	}
	/* PLC and FEC work in 2.5 ms steps (RFC 6716 4.4: the frame_size of a
	 * lost packet must be a multiple of 2.5 ms). */
	if (n == 0 || n % (d->rate / 400) != 0)
		return -EINVAL;
	/* With decode_fec set, libopus falls back to PLC when next has no FEC. */
	if (next && next_len > 0 && next_len <= 1275 * 3)
		r = opus_decode(d->opus, next, (opus_int32)next_len, pcm, (int)n, 1);
	else
		r = opus_decode(d->opus, NULL, 0, pcm, (int)n, 0);
	if (r < 0) {
		memset(pcm, 0, n * sizeof(*pcm));
		return -EIO;
	}
	return r;
}
