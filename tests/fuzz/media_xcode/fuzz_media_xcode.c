/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the transcoder (tz_media_xcode_push): the first byte picks
 * the input and output codecs and the output ptime (Opus input also takes
 * RFC 2198 RED as PT 63); the rest is a sequence of
 * packets, each [len][pt|marker][seq 2][ts 4] then len bytes of payload.  No
 * push may crash or return more packets than TZ_MEDIA_XCODE_MAX_OUT, and
 * every output payload fits TZ_MEDIA_XCODE_MAX_PAYLOAD.
 *
 * Real fuzzing: tools/fuzz.sh 60 media_xcode
 */
#include <stdlib.h>

#include "tz_media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ptimes[] = { 10, 20, 40, 60 };
	static const uint8_t pts[] = { 0, 8, 9, 111 };
	struct tz_media_rtp out[TZ_MEDIA_XCODE_MAX_OUT];
	struct tz_media_xcode_cfg cfg = { 0 };
	struct tz_media_xcode *x;
	size_t off = 1;

	if (size < 1)
		return 0;
	cfg.in.codec = (enum tz_media_codec)(data[0] & 3);
	cfg.out.codec = (enum tz_media_codec)((data[0] >> 2) & 3);
	cfg.in.pt = pts[cfg.in.codec];
	cfg.out.pt = pts[cfg.out.codec];
	cfg.in.event_pt = 101;
	cfg.out.event_pt = (data[0] & 0x80) ? TZ_MEDIA_NO_PT : 110;
	cfg.out.ptime = ptimes[(data[0] >> 4) & 3];
	cfg.opus_rate = (data[0] & 0x40) ? 48000 : 0;
	cfg.in.red_pt = cfg.in.codec == TZ_MEDIA_OPUS ? 63 : 0;
	x = tz_media_xcode_create(&cfg);
	if (x == NULL)
		abort();
	while (size - off >= 8) {
		struct tz_media_rtp in = {
			.len = data[off],
			.pt = data[off + 1] & 0x7F,
			.marker = data[off + 1] >> 7,
			.seq = (uint16_t)(data[off + 2] << 8 | data[off + 3]),
			.ts = (uint32_t)data[off + 4] << 24 | (uint32_t)data[off + 5] << 16 |
			      (uint32_t)data[off + 6] << 8 | data[off + 7],
		};
		int n;

		off += 8;
		if (in.len > size - off)
			in.len = (uint16_t)(size - off);
		in.payload = data + off;
		off += in.len;
		/* Steer half the packets to the audio PT, a quarter to RED's. */
		if (in.pt & 0x40)
			in.pt = cfg.in.pt;
		else if (in.pt & 0x20)
			in.pt = 63;
		n = tz_media_xcode_push(x, &in, out);
		if (n > TZ_MEDIA_XCODE_MAX_OUT)
			abort();
		for (int i = 0; i < n; i++)
			if (out[i].len > TZ_MEDIA_XCODE_MAX_PAYLOAD || out[i].len == 0)
				abort();
	}
	if (tz_media_xcode_flush(x, out) < 0)
		abort();
	tz_media_xcode_destroy(x);
	return 0;
}
