/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message reassembly: lws hands us a message in pieces (its frames, RFC 6455
 * section 5.4, and its own buffer-sized chunks of one frame).  We join them
 * up to limits.ws_max_message; past it the rest of that message is dropped
 * unread, so a peer cannot make us hold more than max + one chunk.
 */
#include "ws_pvt.h"

enum ws_rx_result tz_ws_rx_feed(struct ws_rx *rx, const void *in, size_t len, bool last,
				uint32_t max)
{
	if (!rx->oversize) {
		if (max != 0 && (len > max || rx->buf->len > max - len)) {
			rx->oversize = true;
			g_string_truncate(rx->buf, 0);
		} else if (len > 0) {
			g_string_append_len(rx->buf, in, (gssize)len);
		}
	}
	if (!last)
		return WS_RX_MORE;
	return rx->oversize ? WS_RX_TOO_BIG : WS_RX_MESSAGE;
}

void tz_ws_rx_reset(struct ws_rx *rx)
{
	g_string_truncate(rx->buf, 0);
	rx->oversize = false;
}
