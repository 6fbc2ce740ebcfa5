/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video calls of SIP-over-WebSocket phones (docs/video.md,
 * docs/sip-websocket.md).  The phone's audio + video BUNDLE offer takes
 * the same path as a trapeze-jsep.v1 browser's: the call manager answers
 * it (video.c), and the answer goes in our 18x and 200.  The one thing
 * left to the edge: the SIP side may decline the video after our answer
 * went out in a 18x; then the 200 carries that answer with the video
 * section rejected (port 0, out of the BUNDLE group) and the phone's
 * video stops there, as the `answered` message's "video": "rejected"
 * tells a trapeze-jsep.v1 page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dialog_pvt.h"
#include "tz_sdp.h"
#include "tz_sdp_video.h"

char *sipws_sdp_video_rejected(const char *sdp)
{
	struct tz_sdp *s = NULL;
	char err[128], *out = NULL;

	if (sdp == NULL || tz_sdp_parse(sdp, strlen(sdp), &s, err, sizeof(err)) != 0)
		return NULL;
	if (tz_sdp_video_reject_webrtc(s) == 0)
		out = tz_sdp_build(s, NULL);
	tz_sdp_free(s);
	return out;
}

void sipws_video_answered(struct dlg *d, const struct tz_jsep_out *o)
{
	char *sdp;

	if (o->video == NULL || strcmp(o->video, "rejected") != 0)
		return;
	sdp = sipws_sdp_video_rejected(d->our_sdp);
	if (sdp == NULL)
		return;                        /* no video in our answer: nothing to say */
	TZ_LOG(CP_SESSION, INFO, "SIP-WS call %s: the SIP side declined the video: "
	       "the 200 rejects it", d->call);
	g_free(d->our_sdp);
	d->our_sdp = g_strdup(sdp);
	free(sdp);
}
