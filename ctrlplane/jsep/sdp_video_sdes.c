/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP side's video section on an SDES-SRTP trunk (tz_sdp_video.h):
 * RTP/SAVP or RTP/SAVPF with a=crypto lines of its own (RFC 4568 §6: each
 * media stream its own keys), on an offer or answer the plain-RTP
 * functions of sdp_video.c built.
 */
#include <errno.h>
#include <string.h>

#include "sdp_pvt.h"
#include "tz_sdp_video.h"

/* RTP/AVP -> RTP/SAVP, RTP/AVPF -> RTP/SAVPF; NULL for anything else. */
static const char *secure_proto(const char *proto)
{
	if (strcmp(proto, "RTP/AVP") == 0 || strcmp(proto, "RTP/SAVP") == 0)
		return "RTP/SAVP";
	if (strcmp(proto, "RTP/AVPF") == 0 || strcmp(proto, "RTP/SAVPF") == 0)
		return "RTP/SAVPF";
	return NULL;
}

int tz_sdp_video_add_crypto(struct tz_sdp *sdp, const struct tz_sdp_crypto *keys, unsigned n,
			    const struct tz_sdp_crypto *peer)
{
	for (unsigned i = 0; i < sdp->n_media; i++) {
		struct tz_sdp_media *m = &sdp->media[i];
		const char *proto;

		if (m->type != TZ_SDP_MEDIA_VIDEO || m->port == 0 || !m->rtp)
			continue;
		proto = secure_proto(m->proto);
		if (proto == NULL || n == 0)
			return -EINVAL;
		m->proto = proto;
		m->crypto = NULL;
		m->n_crypto = 0;
		for (unsigned k = 0; k < (peer != NULL ? 1 : n); k++) {
			struct tz_sdp_crypto *c = TZ_SDP_PUSH(sdp, m->crypto, m->n_crypto,
							      TZ_SDP_MAX_SMALL);

			if (c == NULL)
				return -ENOMEM;
			*c = keys[k];
			if (peer != NULL)
				c->tag = peer->tag;     /* RFC 4568 §7.1.2: the offer's tag */
			c->suite = tz_sdp_strdup(sdp, c->suite);
			c->params = NULL;
			if (c->suite == NULL)
				return -ENOMEM;
		}
		return 0;
	}
	return -ENOENT;
}
