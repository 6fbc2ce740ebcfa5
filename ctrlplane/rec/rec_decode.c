/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payloads to 8 kHz PCM16 for the recording's WAV: G.711 mu-law and A-law
 * (ITU-T G.711 tables 1a/1b, computed, not tabled) and Opus (libopus,
 * decoding straight at 8 kHz).  Other payload types (telephone-event, CN)
 * are not decoded: they stay in the pcap, and the WAV has silence there.
 */
#include <errno.h>
#include <strings.h>

#include <opus.h>

#include "rec_pvt.h"

int16_t rec_ulaw(uint8_t u)
{
	int v;

	u = (uint8_t)~u;
	v = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7);
	return (int16_t)((u & 0x80) ? 0x84 - v : v - 0x84);
}

int16_t rec_alaw(uint8_t a)
{
	int e, v;

	a ^= 0x55;
	e = (a >> 4) & 7;
	v = (a & 0x0f) << 4;
	v = e == 0 ? v + 8 : (v + 0x108) << (e - 1);
	return (int16_t)((a & 0x80) ? v : -v);
}

static int g711(int16_t (*fn)(uint8_t), const uint8_t *p, size_t n, int16_t *out, size_t max)
{
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		out[i] = fn(p[i]);
	return (int)n;
}

int rec_decode(struct rec_dec *d, const struct tz_rec_codec *codec, const uint8_t *p, size_t n,
	       int16_t *out, size_t max)
{
	int rc;

	if (codec == NULL)
		return -ENOTSUP;
	if (strcasecmp(codec->name, "PCMU") == 0 && codec->clock == 8000)
		return g711(rec_ulaw, p, n, out, max);
	if (strcasecmp(codec->name, "PCMA") == 0 && codec->clock == 8000)
		return g711(rec_alaw, p, n, out, max);
	if (strcasecmp(codec->name, "opus") != 0)
		return -ENOTSUP;
	if (d->opus == NULL) {
		d->opus = opus_decoder_create(REC_WAV_RATE, 1, &rc);
		if (d->opus == NULL)
			return -ENOMEM;
	}
	if (n == 0 || n > 1275 * 3)                         /* RFC 6716 section 3.2.1 */
		return -EINVAL;
	rc = opus_decode(d->opus, p, (opus_int32)n, out, (int)max, 0);
	return rc < 0 ? -EINVAL : rc;
}

void rec_dec_free(struct rec_dec *d)
{
	if (d->opus != NULL)
		opus_decoder_destroy(d->opus);
	d->opus = NULL;
}
