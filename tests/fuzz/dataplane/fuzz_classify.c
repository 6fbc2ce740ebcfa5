/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the fast path's packet parsing: any bytes as a received frame go
 * through classification, and media through the egress rewrite, exactly as
 * the worker does.  Needs no EAL: the mbuf lives on the stack.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath_pvt.h"

#define HEADROOM 128
#define ROOM 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[HEADROOM + ROOM];
	struct rte_mbuf m;
	/* two further media addresses, 198.51.100.11 and .12: the key's index */
	struct tz_dp_rxq q = { .media_first = 20000, .media_last = 29999, .port_idx = 1,
			       .n_addr4 = 2, .addr4 = { 0x0b6433c6u, 0x0c6433c6u } };
	struct tz_dp_egress e = { .family = AF_INET6, .dst_port = 5004, .dst_rtcp_port = 5005 };
	struct tz_dp_flow_key k;
	uint16_t hlen = 0;

	memset(&m, 0, sizeof(m));
	if (size > ROOM)
		size = ROOM;
	memcpy(buf + HEADROOM, data, size);
	m.buf_addr = buf;
	m.buf_len = sizeof(buf);
	m.data_off = HEADROOM;
	m.data_len = (uint16_t)size;
	m.pkt_len = (uint32_t)size;
	m.nb_segs = 1;
	if (fp_classify(&m, &q, &k, &hlen) != FP_MEDIA)
		return 0;
	if (k.local_port < q.media_first || k.local_port > q.media_last || k.port_idx != 1 ||
	    k.pad > q.n_addr4)
		abort();
	/* Alternate egress families so both rewrites run. */
	if (size & 1)
		e.family = AF_INET;
	{
		bool rtcp = fp_is_rtcp(&m, hlen);

		/* every checksum mode of the egress port, by the frame's size,
		 * and the incremental update of a relayed checksum */
		uint32_t rx_part = size & 2 ? fp_ck_rx_part(&m, hlen) : FP_CK_NONE;

		if (fp_strip(&m, hlen) == 0)
			fp_push_headers(&m, &e, rtcp, (uint8_t)((size >> 2) & 7), rx_part);
	}
	if (m.data_off > sizeof(buf) || m.data_off + m.data_len > sizeof(buf))
		abort();
	return 0;
}
