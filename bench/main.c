/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench: Trapeze's benchmarks.  `trapeze-bench pipeline --help`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench.h"
#include "calls/calls.h"
#include "floor.h"

static const char usage[] =
"Usage: trapeze-bench COMMAND [OPTION]...\n"
"Commands:\n"
"  calls      whole WebRTC calls against the gateway like many browsers: set-up\n"
"             rate and concurrent calls it holds, set-up times, loss, its cost\n"
"  dtls       the gateway's DTLS server side: handshakes/s and CPU us per handshake\n"
"             on 1..T threads and with the handshake pool, bytes per context\n"
"  floor      the raw SRTP crypto chain (intel-ipsec-mb job API per manager) next\n"
"             to cryptodev and our transform on both backends, ns/op and ratios\n"
"  pipeline   the dataplane worker on ring ports: SRTP <-> RTP bridged both ways,\n"
"             Mpps per worker core, ratio to the SRTP floor, latency percentiles\n"
"  play       announcement/music-on-hold packets per codec, encoded live vs\n"
"             from the file's clip (encoded once): plays per stage core\n"
"  stage      transcoded calls through the media-services stage next to\n"
"             forwarded calls, same run (worker and stage CPU per packet)\n"
"  transcode  the media transcoder: CPU per 20 ms frame (PCMU/G.722 <-> Opus),\n"
"             transcoded calls per media core, next to forwarding a packet\n"
"  reflect    a UDP reflector: every datagram back to its sender (calls --signal self)\n"
"Run 'trapeze-bench COMMAND --help' for its options; docs/bench.md explains\n"
"the numbers.\n";

static const char *const suite_names[] = {
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	[TZ_SRTP_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM",
	[TZ_SRTP_AEAD_AES_256_GCM] = "AEAD_AES_256_GCM",
	[BENCH_SUITE_NONE] = "none",
};

int bench_suite_parse(const char *s)
{
	for (unsigned i = 0; i <= BENCH_SUITE_NONE; i++)
		if (strcasecmp(s, suite_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *bench_suite_name(unsigned suite)
{
	return suite <= BENCH_SUITE_NONE ? suite_names[suite] : "?";
}

double bench_tsc_per_us(void)
{
	return (double)rte_get_tsc_hz() / 1e6;
}

void bench_progress(bool quiet, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "dtls") == 0)
		return bench_dtls_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "pipeline") == 0)
		return bench_pipeline_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "calls") == 0) return bench_calls_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "reflect") == 0) return bench_reflect_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "play") == 0)
		return bench_play_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "transcode") == 0)
		return bench_transcode_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "stage") == 0)
		return bench_stage_main(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "floor") == 0) return bench_floor_main(argc - 1, argv + 1);
	fputs(usage, argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
	return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
