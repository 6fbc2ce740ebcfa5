/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Announcement / music-on-hold player: a PCM buffer (one WAV loaded once,
 * shared by every call playing it) encoded to a leg's codec one packet at a
 * time, or a clip (clip.c: the same file encoded once, shared), with the
 * player's own sequence numbers and timestamps.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tz_media.h"

struct tz_media_player {
	struct tz_media_player_cfg cfg;
	const int16_t *pcm;
	size_t frames, pos;
	unsigned frame;                 /* samples per packet */
	uint32_t ts_step;
	uint16_t seq;
	uint32_t ts;
	bool first;
	struct tz_media_enc *enc;       /* live: NULL when playing a clip */
	const struct tz_media_clip *clip;
	unsigned idx;                   /* the clip's next packet */
	int16_t buf[5760];
	uint8_t out[TZ_MEDIA_XCODE_MAX_PAYLOAD];
};

uint32_t tz_media_codec_audio_rate(enum tz_media_codec c)
{
	return c == TZ_MEDIA_G722 ? 16000 : c == TZ_MEDIA_OPUS ? 48000 : 8000;
}

struct tz_media_player *tz_media_player_create(const int16_t *pcm, size_t frames,
					       const struct tz_media_player_cfg *cfg)
{
	struct tz_media_player *p;
	unsigned ptime = cfg->ptime ? cfg->ptime : 20;
	uint32_t rate;

	if ((unsigned)cfg->codec >= TZ_MEDIA_CODEC_COUNT || pcm == NULL || frames == 0 ||
	    cfg->pt > 127 || ptime < 10 || ptime > 120 || ptime % 10 ||
	    (cfg->codec == TZ_MEDIA_OPUS && ptime != 10 && ptime != 20 && ptime != 40 && ptime != 60)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	rate = tz_media_codec_audio_rate(cfg->codec);
	p->cfg = *cfg;
	p->pcm = pcm;
	p->frames = frames;
	p->frame = rate / 1000 * ptime;
	p->ts_step = tz_media_codec_clock(cfg->codec) / 1000 * ptime;
	p->seq = cfg->first_seq;
	p->ts = cfg->first_ts;
	p->first = true;
	/* Every packet is sent: a file's silences are short, and a player
	 * without DTX never has a packet with nothing in it. */
	p->cfg.opus.dtx = false;
	p->enc = tz_media_enc_create(cfg->codec, rate, &p->cfg.opus);
	if (p->enc == NULL) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

struct tz_media_player *tz_media_player_create_clip(const struct tz_media_clip *clip,
						    const struct tz_media_player_cfg *cfg)
{
	struct tz_media_player *p;

	if (clip == NULL || !tz_media_clip_fits(clip, cfg) || cfg->pt > 127) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->cfg = *cfg;
	p->clip = clip;
	p->ts_step = tz_media_codec_clock(cfg->codec) / 1000 * (cfg->ptime ? cfg->ptime : 20);
	p->seq = cfg->first_seq;
	p->ts = cfg->first_ts;
	p->first = true;
	return p;
}

/* The clip's next packet: 1, or 0 at its end (not looping). */
static int clip_next(struct tz_media_player *p, struct tz_media_rtp *out)
{
	uint16_t len;
	const uint8_t *payload;

	if (p->idx >= tz_media_clip_packets(p->clip)) {
		if (!p->cfg.loop)
			return 0;
		p->idx = 0;
	}
	payload = tz_media_clip_payload(p->clip, p->idx++, &len);
	*out = (struct tz_media_rtp){
		.payload = payload,
		.len = len,
		.seq = p->seq++,
		.ts = p->ts,
		.pt = p->cfg.pt,
		.marker = p->first,
	};
	p->ts += p->ts_step;
	p->first = false;
	return 1;
}

void tz_media_player_destroy(struct tz_media_player *p)
{
	if (p == NULL)
		return;
	tz_media_enc_destroy(p->enc);
	free(p);
}

int tz_media_player_next(struct tz_media_player *p, struct tz_media_rtp *out)
{
	unsigned got = 0;
	int len;

	if (p->clip != NULL)
		return clip_next(p, out);
	if (p->pos >= p->frames && !p->cfg.loop)
		return 0;
	/* Fill one packet, wrapping to the start when looping, silence after
	 * the end otherwise. */
	while (got < p->frame) {
		size_t n;

		if (p->pos >= p->frames) {
			if (!p->cfg.loop) {
				memset(p->buf + got, 0, (p->frame - got) * sizeof(p->buf[0]));
				break;
			}
			p->pos = 0;
		}
		n = p->frames - p->pos < p->frame - got ? p->frames - p->pos : p->frame - got;
		memcpy(p->buf + got, p->pcm + p->pos, n * sizeof(p->buf[0]));
		got += (unsigned)n;
		p->pos += n;
	}
	len = tz_media_enc_frame(p->enc, p->buf, p->frame, p->out, sizeof(p->out));
	if (len < 0)
		return len;
	*out = (struct tz_media_rtp){
		.payload = p->out,
		.len = (uint16_t)len,
		.seq = p->seq++,
		.ts = p->ts,
		.pt = p->cfg.pt,
		.marker = p->first,
	};
	p->ts += p->ts_step;
	p->first = false;
	return 1;
}

void tz_media_player_rewind(struct tz_media_player *p)
{
	p->pos = 0;
	p->idx = 0;
	p->first = true;
}
