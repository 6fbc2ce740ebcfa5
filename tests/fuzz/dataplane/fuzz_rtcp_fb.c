/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the video RTCP feedback filter (dataplane/bundle_pvt.h): any bytes
 * as an unprotected compound RTCP packet from a browser go through
 * the routing peek (bundle_fb_about) and tz_dp_rtcp_fb_filter() (REMB /
 * transport-cc cut out, feedback media SSRC
 * mapped), and a trailing PLI through the PLI -> FIR rewrite on a stack
 * mbuf.  Needs no EAL.  The result is never longer than the input (plus
 * the FIR's 8 bytes) and still a sequence of whole RTCP packets where it
 * was one before.  The same bytes as an RTP packet go through the MID
 * header-extension reader (the BUNDLE demultiplexer's RFC 8843 fallback),
 * whose MID must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_pvt.h"

#define HEADROOM 128
#define ROOM 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[HEADROOM + ROOM + 16];
	struct rte_mbuf m;
	uint16_t dropped = 0, kf = 0;
	uint32_t len, off = 0;
	uint8_t seq = 0;
	uint8_t *p = buf + HEADROOM;

	if (size > ROOM)
		size = ROOM;
	memcpy(p, data, size);
	if (size >= 12) {
		const uint8_t *mid = NULL;
		bool bad;
		unsigned n = tz_dp_rtp_mid_check(p, (uint32_t)size,
						 (uint8_t)(size > 12 ? p[size - 1] : 4), &mid, &bad);

		if (n != 0 && (mid < p || mid + n > p + size))
			abort();
		if (bad && (n != 0 || !(p[0] & 0x10)))
			abort();        /* malformed means: an extension, and no MID */
	}
	(void)bundle_fb_about(p, (uint32_t)size, 0xbeef);   /* the routing peek */
	if (size & 1)           /* a SIP side that takes key frame requests by INFO */
		len = tz_dp_rtcp_fb_filter_kf(p, (uint32_t)size, 0xbeef, 0x51515151, &dropped, &kf);
	else
		len = tz_dp_rtcp_fb_filter(p, (uint32_t)size, 0xbeef, 0x51515151, &dropped);
	if (len > size || size - len < 4u * ((uint32_t)dropped + kf))
		abort();        /* only removes, each removal a whole packet (>= 4 bytes) */
	memset(&m, 0, sizeof(m));
	m.buf_addr = buf;
	m.buf_len = sizeof(buf);
	m.data_off = HEADROOM;
	m.data_len = (uint16_t)len;
	m.pkt_len = len;
	m.nb_segs = 1;
	while (off + 12 <= len) {
		uint32_t plen = 4u * ((uint32_t)(p[off + 2] << 8 | p[off + 3]) + 1u);

		if (off + plen == len && plen == 12 && p[off + 1] == RTCP_PSFB &&
		    (p[off] & 0x1f) == RTCP_FMT_PLI) {
			if (bundle_pli_to_fir(&m, off, 0x51515151, &seq) != 0 ||
			    m.data_len != len + 8 || p[off + 3] != 4)
				abort();
			break;
		}
		off += plen;
	}
	return 0;
}
