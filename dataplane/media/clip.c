/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A file encoded once: the packets a live player of one codec and ptime
 * sends, kept so that any number of plays (announcements, music on hold)
 * share them instead of each running an encoder.  Built by a live player
 * run once to the file's end (the last packet padded with silence), then
 * read-only.  A looping play starts it again after the last packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tz_media.h"

struct tz_media_clip {
	enum tz_media_codec codec;
	uint8_t ptime;
	unsigned n;                     /* packets */
	uint32_t *off;                  /* payload i at data + off[i], off[n] = bytes */
	uint8_t *data;
};

void tz_media_clip_free(struct tz_media_clip *c)
{
	if (c == NULL)
		return;
	free(c->off);
	free(c->data);
	free(c);
}

struct tz_media_clip *tz_media_clip_encode(const int16_t *pcm, size_t frames,
					   const struct tz_media_player_cfg *cfg, const int *stop)
{
	struct tz_media_player_cfg pc = *cfg;
	struct tz_media_player *p;
	struct tz_media_clip *c;
	struct tz_media_rtp r;
	unsigned ptime = cfg->ptime ? cfg->ptime : 20, frame;
	size_t cap, used = 0;
	int rc = 0;

	pc.loop = false;                /* one pass: the last packet padded */
	p = tz_media_player_create(pcm, frames, &pc);
	if (p == NULL)
		return NULL;
	frame = tz_media_codec_audio_rate(cfg->codec) / 1000 * ptime;
	c = calloc(1, sizeof(*c));
	cap = (frames / frame + 1) * 256;
	if (c != NULL) {
		c->codec = cfg->codec;
		c->ptime = (uint8_t)ptime;
		c->off = calloc(frames / frame + 2, sizeof(c->off[0]));
		c->data = malloc(cap);
	}
	if (c == NULL || c->off == NULL || c->data == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	while (rc == 0 && (rc = tz_media_player_next(p, &r)) == 1) {
		if (stop != NULL && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
			rc = -ECANCELED;
			break;
		}
		if (c->n > frames / frame) {    /* more packets than the file holds */
			rc = -EINVAL;
			break;
		}
		if (used + r.len > cap) {
			uint8_t *d = realloc(c->data, cap * 2 + r.len);

			if (d == NULL) {
				rc = -ENOMEM;
				break;
			}
			c->data = d;
			cap = cap * 2 + r.len;
		}
		memcpy(c->data + used, r.payload, r.len);
		c->off[c->n++] = (uint32_t)used;
		used += r.len;
		rc = 0;
	}
	if (rc == 0 && c->n == 0)
		rc = -EINVAL;
	if (rc == 0)
		c->off[c->n] = (uint32_t)used;
out:
	tz_media_player_destroy(p);
	if (rc != 0) {
		tz_media_clip_free(c);
		errno = -rc;
		return NULL;
	}
	return c;
}

unsigned tz_media_clip_packets(const struct tz_media_clip *c)
{
	return c->n;
}

size_t tz_media_clip_bytes(const struct tz_media_clip *c)
{
	return sizeof(*c) + (c->n + 1) * sizeof(c->off[0]) + c->off[c->n];
}

bool tz_media_clip_fits(const struct tz_media_clip *c, const struct tz_media_player_cfg *cfg)
{
	return c->codec == cfg->codec && c->ptime == (cfg->ptime ? cfg->ptime : 20);
}

const uint8_t *tz_media_clip_payload(const struct tz_media_clip *c, unsigned i, uint16_t *len)
{
	*len = (uint16_t)(c->off[i + 1] - c->off[i]);
	return c->data + c->off[i];
}
