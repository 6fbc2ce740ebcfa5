/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our answer to a browser with its video rejected after the fact
 * (tz_sdp_video.h): a SIP-over-WebSocket phone gets our answer in the 18x
 * and the 200 of its INVITE, and the 200 must say that the SIP side
 * declined the video (docs/video.md).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_pvt.h"
#include "tz_sdp_video.h"

/* RFC 8843 §7.3.3: a rejected section leaves the BUNDLE group. */
static void unbundle(struct tz_sdp *a, const char *mid)
{
	for (unsigned i = 0; mid != NULL && i < a->n_groups; i++) {
		struct tz_sdp_group *g = &a->groups[i];
		unsigned n = 0;

		if (strcmp(g->semantics, "BUNDLE") != 0)
			continue;
		for (unsigned j = 0; j < g->n_mids; j++)
			if (strcmp(g->mids[j], mid) != 0)
				g->mids[n++] = g->mids[j];
		g->n_mids = n;
	}
}

int tz_sdp_video_reject_webrtc(struct tz_sdp *answer)
{
	unsigned n = 0;

	for (unsigned i = 0; i < answer->n_media; i++) {
		struct tz_sdp_media *m = &answer->media[i];
		int family = m->common.conn.family == AF_INET6 ? AF_INET6 : AF_INET;
		uint8_t pt = m->n_codecs > 0 ? m->codecs[0].pt : 0;
		const char *mid = m->mid, *proto = m->proto;

		if (m->type != TZ_SDP_MEDIA_VIDEO || m->port == 0 || !m->rtp)
			continue;
		/* RFC 3264 §6: its place, port 0, one format; only a=mid stays */
		*m = (struct tz_sdp_media){ .type = TZ_SDP_MEDIA_VIDEO, .media = "video",
					    .proto = proto, .rtp = true, .mid = mid };
		m->common.conn.family = family;
		m->common.conn.addr = family == AF_INET6 ? "::" : "0.0.0.0";
		m->codecs = sdp_alloc(answer, sizeof(*m->codecs));
		if (m->codecs == NULL)
			return -ENOMEM;
		m->codecs[0].pt = pt;
		m->n_codecs = 1;
		unbundle(answer, mid);
		n++;
	}
	return n > 0 ? 0 : -ENOENT;
}
