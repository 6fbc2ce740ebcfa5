/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for trapeze-media's capture reader (tz_mtool_pcap_walk) and
 * RTP parser: any bytes as a pcap file; every datagram found must lie inside
 * the input, every RTP payload inside its datagram.
 *
 * Real fuzzing: tools/fuzz.sh 60 media_pcap
 */
#include <stdint.h>
#include <stdlib.h>

#include "mtool_pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const uint8_t *lo, *hi;
};

static int check(const struct tz_mtool_udp *u, void *arg)
{
	const struct span *s = arg;
	struct tz_mtool_rtp r;
	volatile uint8_t sink = 0;

	if (u->payload < s->lo || u->payload + u->len > s->hi)
		abort();
	if (tz_mtool_rtp_parse(u->payload, u->len, &r) == 0) {
		if (r.payload < u->payload || r.payload + r.len > u->payload + u->len)
			abort();
		for (size_t i = 0; i < r.len; i++)
			sink ^= r.payload[i];
	}
	(void)sink;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span s = { data, data + size };
	const char *why = NULL;

	tz_mtool_pcap_walk(data, size, check, &s, &why);
	return 0;
}
