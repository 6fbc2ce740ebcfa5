/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payloads to REC_WAV_RATE (8 kHz) PCM16 for the recording's WAV, with the
 * gateway's own codec library (tz_media, dataplane/media): G.711 mu-law and
 * A-law, Opus (decoded straight at 8 kHz) and G.722 (decoded at its 16 kHz,
 * then resampled).  Other payload types (telephone-event, CN, a codec we do
 * not know) are not decoded: they stay in the pcap, and the WAV has silence
 * there.
 */
#include <errno.h>

#include "rec_pvt.h"
#include "tz_media.h"

/* G.722 at 16 kHz before resampling: twice the 8 kHz samples rec_file.c asks
 * for at most (120 ms x3, Opus's bound). */
#define REC_DECODE_WIDE_MAX (2 * 960 * 3)

/* (Re)make @p d's decoder for codec @p c: a direction may change codec
 * mid-call (a re-INVITE). */
static int dec_for(struct rec_dec *d, int c)
{
	uint32_t rate;

	if (d->dec != NULL && d->codec == c)
		return 0;
	rec_dec_free(d);
	rate = c == TZ_MEDIA_G722 ? tz_media_codec_audio_rate(c) : REC_WAV_RATE;
	d->dec = tz_media_dec_create((enum tz_media_codec)c, rate);
	if (d->dec == NULL)
		return -ENOMEM;
	if (rate != REC_WAV_RATE) {
		d->rs = tz_media_resampler_create(rate, REC_WAV_RATE, 1, 0);
		if (d->rs == NULL) {
			rec_dec_free(d);
			return -ENOMEM;
		}
	}
	d->codec = c;
	return 0;
}

int rec_decode(struct rec_dec *d, const struct tz_rec_codec *codec, const uint8_t *p, size_t n,
	       int16_t *out, size_t max)
{
	int16_t wide[REC_DECODE_WIDE_MAX];
	int c, rc;

	if (codec == NULL)
		return -ENOTSUP;
	c = tz_media_codec_parse(codec->name);
	if (c < 0 || tz_media_codec_clock((enum tz_media_codec)c) != codec->clock)
		return -ENOTSUP;
	rc = dec_for(d, c);
	if (rc < 0)
		return rc;
	if (d->rs == NULL) {
		rc = tz_media_dec_frame(d->dec, p, n, out, max);
		return rc == -EBADMSG || rc == -ENOSPC ? -EINVAL : rc;
	}
	rc = tz_media_dec_frame(d->dec, p, n, wide, REC_DECODE_WIDE_MAX);
	if (rc < 0)
		return -EINVAL;
	if (tz_media_resampler_out_max(d->rs, (size_t)rc) > max)
		return -EINVAL;
	return tz_media_resample(d->rs, wide, (size_t)rc, out, max);
}

void rec_dec_free(struct rec_dec *d)
{
	tz_media_dec_destroy(d->dec);
	tz_media_resampler_destroy(d->rs);
	d->dec = NULL;
	d->rs = NULL;
	d->codec = -1;
}
