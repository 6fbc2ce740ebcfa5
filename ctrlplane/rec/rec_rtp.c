/* SPDX-License-Identifier: BSD-3-Clause */
/* The RTP header of a recorded packet (RFC 3550 section 5.1): what the WAV
 * writer needs to place and decode its payload. */
#include <errno.h>

#include "rec_pvt.h"

int rec_rtp_parse(const uint8_t *p, size_t n, struct rec_rtp *out)
{
	size_t hdr, pad = 0;

	if (n < 12 || (p[0] >> 6) != 2)
		return -EINVAL;
	hdr = 12 + 4u * (p[0] & 0x0f);                      /* CSRCs */
	if ((p[0] & 0x10) != 0) {                           /* extension: 4 + 4 * length */
		if (n < hdr + 4)
			return -EINVAL;
		hdr += 4 + 4u * ((size_t)p[hdr + 2] << 8 | p[hdr + 3]);
	}
	if (hdr > n)
		return -EINVAL;
	if ((p[0] & 0x20) != 0) {                           /* padding: count in the last byte */
		pad = p[n - 1];
		if (pad == 0 || pad > n - hdr)
			return -EINVAL;
	}
	out->pt = p[1] & 0x7f;
	out->seq = (uint16_t)(p[2] << 8 | p[3]);
	out->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	out->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	out->payload = p + hdr;
	out->len = n - hdr - pad;
	return 0;
}
