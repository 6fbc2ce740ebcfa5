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
#define BENCH_MAX_SCALING 4                   /* worker counts in one --workers list */
#define BENCH_LOAD_HIGH 0.8                   /* latency: of the measured rate */
#define BENCH_LOAD_HALF 0.5

/* One paced latency run: added latency (enqueue to the packet's exit). */
struct bench_latency {
	double load;                  /* fraction of the measured rate asked for */
	double offered_mpps;          /* what the generator really offered */
	double p50_us, p99_us, p999_us;
};

/* The pipeline with one worker count (--workers 1,2 gives two). */
struct bench_scaling {
	unsigned workers;
	uint32_t calls_per_worker;
	double pipeline_ns;           /* ns/packet per worker core */
	double mpps_per_worker, mpps_total;
	struct bench_latency lat[2];  /* BENCH_LOAD_HIGH, BENCH_LOAD_HALF */
};

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
	/* worker-fast: scaling runs (--workers 1,2) and the latency loads */
	unsigned worker_counts[BENCH_MAX_SCALING];    /* ascending; workers = the last */
	unsigned n_worker_counts;
	const char *udp_checksum;     /* the egress ports' mode: zero, compute, offload */
	uint8_t tx_flags;             /* its TZ_DP_TX_* flags */
	/* crypto backend (floor-imb) */
	enum tz_srtp_backend backend; /* --crypto: auto (direct ipsec_mb) or cryptodev */
	enum tz_srtp_imb_arch imb_arch; /* --arch: the direct backend's manager */
	uint32_t record;              /* --record N: calls 0..N-1 recorded (pipeline_rec.c) */
	bool no_huge;                 /* --no-huge: 4 KiB pages even if hugepages are free
					 (valgrind cannot map them) */
	bool cold_only;               /* --mbufs cold: no warm-mbuf run (pipeline_warm.c) */
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
	/* worker-fast: -march, scaling, latency at 80 % and 50 % of the rate */
	const char *march;            /* what the dataplane was compiled for */
	const char *udp_checksum;     /* the egress ports' udp_checksum mode */
	bool generator_shares_core;   /* fewer CPUs than workers + the generator */
	unsigned n_scaling;
	struct bench_scaling scaling[BENCH_MAX_SCALING];
	double scaling_factor;        /* total Mpps, last count / first count */
	uint64_t worker_rx_pkts;      /* packets the workers received, all runs (profiles) */
	/* the raw floor (bench/floor.c): the chain alone, intel-ipsec-mb directly */
	double raw_floor_ns;          /* best manager, ns/packet (mixed directions) */
	const char *raw_floor_mgr;    /* its manager ("avx512") */
	double pipeline_minus_raw_ns; /* pipeline_ns - raw_floor_ns */
	double ratio_to_raw;          /* raw_floor_ns / pipeline_ns */
	/* the transform on packets not in cache (pipe): what the floor costs when
	 * every packet is first touched, as the pipeline's are */
	double floor_cold_ns;         /* ns/packet (mixed directions), 0: not run */
	uint32_t floor_cold_pkts;     /* distinct packets it used */
	/* the same packets in mbufs recycled warm, as a NIC driver's (pipeline_warm.c) */
	double pipeline_warm_ns;      /* ns/packet per worker core, 0: not run */
};

int bench_pipeline_main(int argc, char **argv);
int bench_dtls_main(int argc, char **argv);           /* bench/dtls.c */

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

/* trapeze-bench play (bench/play.c): announcement packets, live vs pre-encoded. */
int bench_play_main(int argc, char **argv);
/* trapeze-bench transcode (bench/transcode.c): the tz_media transcoder per frame. */
int bench_transcode_main(int argc, char **argv);
/* bench/stage.c: transcoded calls through the stage next to forwarded ones */
int bench_stage_main(int argc, char **argv);

#endif /* TZ_BENCH_H */
