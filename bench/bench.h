/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench: shared pieces of the benchmarks.  Benchmarks measure and
 * report; they never fail on time.  Speeds are reported next to a baseline
 * measured in the same run, because the machines are shared and noisy.
 */
#ifndef TZ_BENCH_H
#define TZ_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tz_srtp.h"

#define BENCH_SUITE_NONE TZ_SRTP_SUITE_COUNT   /* plain RTP both ways */

struct pipeline_opts {
	unsigned suite;               /* enum tz_srtp_suite or BENCH_SUITE_NONE */
	uint32_t sessions;            /* bridged calls */
	uint16_t size;                /* RTP packet size (header + payload), bytes */
	uint16_t burst;               /* generator enqueue burst */
	unsigned workers;
	uint32_t packets;             /* packets per throughput run */
	uint32_t latency_packets;     /* packets in the paced latency run */
	unsigned runs;                /* throughput runs; the best is reported */
	const char *json;             /* write results here, or NULL */
	bool quiet;
	bool sdes;                    /* SDES trunk: SRTP on the SIP side too, TZ_XF_REKEY flows */
	/* crypto backend (floor-imb) */
	enum tz_srtp_backend backend; /* --crypto: auto (direct ipsec_mb) or cryptodev */
	enum tz_srtp_imb_arch imb_arch; /* --arch: the direct backend's manager */
};

struct pipeline_result {
	const char *suite;
	const char *engine;
	bool hugepages;
	uint32_t sessions;
	unsigned workers;
	uint16_t size;
	double floor_ns;              /* SRTP transform alone, ns/packet (mixed directions) */
	double pipeline_ns;           /* full worker, ns/packet per worker core */
	double mpps_per_worker;
	double ratio_to_floor;        /* floor_ns / pipeline_ns */
	double lat_p50_us, lat_p99_us, lat_p999_us;
	double offered_mpps;          /* paced rate of the latency run */
	double publish_us_per_call;   /* control-plane cost of publishing one call */
	size_t bytes_per_call;        /* dataplane state of one bridged call */
	uint64_t drops;
	/* the raw floor (bench/floor.c): the chain alone, intel-ipsec-mb directly */
	double raw_floor_ns;          /* best manager, ns/packet (mixed directions) */
	const char *raw_floor_mgr;    /* its manager ("avx512") */
	double pipeline_minus_raw_ns; /* pipeline_ns - raw_floor_ns */
	double ratio_to_raw;          /* raw_floor_ns / pipeline_ns */
};

int bench_pipeline_main(int argc, char **argv);

/* Parse a suite name ("AES_CM_128_HMAC_SHA1_80", "none"); -1 if unknown. */
int bench_suite_parse(const char *s);
const char *bench_suite_name(unsigned suite);

/* TSC ticks per microsecond. */
double bench_tsc_per_us(void);

/* Progress on stderr ("\r..."), unless quiet. */
void bench_progress(bool quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the result table / write it as JSON. */
void bench_pipeline_print(const struct pipeline_result *r, FILE *f);
int bench_pipeline_json(const struct pipeline_result *r, const char *path);

#endif /* TZ_BENCH_H */
