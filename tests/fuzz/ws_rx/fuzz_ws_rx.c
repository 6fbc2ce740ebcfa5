/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz WebSocket message reassembly (limits.ws_max_message): the input is
 * a max selector byte then fragments, each a header byte (bits 0-5 length,
 * bit 6 "last fragment of the message") and its bytes.  Checked against a
 * model: a message within max arrives whole and exact, one over max is
 * reported too-big, and the buffer never holds more than max.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "ws_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_rx rx = { .buf = g_string_new(NULL) };
	GString *model = g_string_new(NULL);
	uint32_t max;
	size_t i = 1;

	if (size == 0)
		goto out;
	max = data[0] == 0 ? 0 : 1u + data[0] % 128u;     /* 0 = no limit */
	while (i < size) {
		size_t len = data[i] & 0x3f;
		bool last = (data[i] & 0x40) != 0;
		enum ws_rx_result r;

		i++;
		if (len > size - i)
			len = size - i;
		g_string_append_len(model, (const char *)data + i, (gssize)len);
		r = tz_ws_rx_feed(&rx, data + i, len, last, max);
		i += len;
		assert(max == 0 || rx.buf->len <= max);
		if (!last) {
			assert(r == WS_RX_MORE);
			continue;
		}
		if (max != 0 && model->len > max) {
			assert(r == WS_RX_TOO_BIG);
		} else {
			assert(r == WS_RX_MESSAGE);
			assert(rx.buf->len == model->len &&
			       memcmp(rx.buf->str, model->str, model->len) == 0);
		}
		tz_ws_rx_reset(&rx);
		g_string_truncate(model, 0);
	}
out:
	g_string_free(rx.buf, TRUE);
	g_string_free(model, TRUE);
	return 0;
}
