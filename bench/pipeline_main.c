/* SPDX-License-Identifier: BSD-3-Clause */
/* trapeze-bench pipeline: options, EAL, the run in order, the report. */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "pipeline_pvt.h"

static const char usage[] =
"Usage: trapeze-bench pipeline [OPTION]...\n"
"Runs the real dataplane worker in-process on ring ports: calls bridged both\n"
"ways (browser SRTP <-> SIP RTP), every call with its own keys and flows.\n"
"\n"
"  -s, --suite NAME      AES_CM_128_HMAC_SHA1_80 (default), AES_CM_128_HMAC_SHA1_32,\n"
"                        AEAD_AES_128_GCM, AEAD_AES_256_GCM, or none (plain RTP)\n"
"  -n, --sessions N      bridged calls published (default 10000; up to 1000000)\n"
"  -S, --size BYTES      RTP packet size, header included (default 172: G.711 20 ms)\n"
"  -b, --burst N         generator enqueue burst, 1..32 (default 32)\n"
"  -w, --workers N[,N..] worker cores (default 1; lcores 1..N, the generator on 0);\n"
"                        a list (1,2) runs each count and reports the scaling\n"
"  -p, --packets N       packets per throughput run (default 1000000)\n"
"  -r, --runs N          throughput runs, the best reported (default 3)\n"
"  -L, --latency N       packets in the paced latency run (default 200000)\n"
"  -c, --udp-checksum M  the egress ports' udp_checksum: zero (default: what auto\n"
"                        gives a port without offload), compute, or offload (the\n"
"                        worker's side of a NIC that computes it)\n"
"  -j, --json FILE       also write the results as JSON\n"
"  -q, --quiet           no progress line\n"
"  -d, --sdes            an SDES-SRTP trunk: SRTP on the SIP side too, every packet\n"
"                        re-keyed (TZ_XF_REKEY: unprotect + protect)\n"
"      --crypto NAME     crypto backend: auto (default: intel-ipsec-mb directly),\n"
"                        ipsec_mb, or cryptodev (the aesni_mb PMD)\n"
"      --arch NAME       the direct backend's manager: auto, sse, avx, avx2, avx512\n"
"      --record N        record calls 0..N-1: their packets are copied to the\n"
"                        workers' recording taps (a thread drains them, no files)\n"
"      --no-huge         4 KiB pages even when hugepages are free (valgrind)\n"
"      --mbufs M         both (default): the throughput also with mbufs recycled\n"
"                        warm as a NIC driver's; cold: only packets built first\n"
"\n"
"Measured in the same run: the raw floor (the crypto chain alone through\n"
"intel-ipsec-mb's job API, best manager: trapeze-bench floor), the SRTP\n"
"transform floor (protect+unprotect alone, no I/O), the pipeline (rx,\n"
"classify, lookup, SRTP, rewrite, tx) and its added latency paced at 80 %\n"
"and 50 % of the measured rate.  Uses hugepages when reserved\n"
"(echo 1024 > /proc/sys/vm/nr_hugepages), else --no-huge.  See docs/bench.md.\n";

/* The egress ring ports' udp_checksum, as the daemon resolves it: a ring
 * has no offload, so auto is zero; offload sets the flags a NIC's port
 * would have (the ring ignores them: the worker's cost only). */
static int parse_cksum(const char *arg, struct pipeline_opts *o)
{
	static const struct { const char *name; uint8_t flags; } modes[] = {
		{ "zero", TZ_DP_TX_UDP_ZERO4 }, { "auto", TZ_DP_TX_UDP_ZERO4 }, { "compute", 0 },
		{ "offload", TZ_DP_TX_UDP_OFFLOAD | TZ_DP_TX_IP4_OFFLOAD },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(arg, modes[i].name) == 0) {
			o->udp_checksum = i == 1 ? "zero" : modes[i].name;
			o->tx_flags = modes[i].flags;
			return 0;
		}
	return -1;
}

/* "2" or "1,2": ascending worker counts; o->workers is the largest. */
static int parse_workers(const char *arg, struct pipeline_opts *o)
{
	const char *p = arg;
	char *end;

	o->n_worker_counts = 0;
	do {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v < 1 || v > 16 || o->n_worker_counts == BENCH_MAX_SCALING ||
		    (o->n_worker_counts > 0 && v <= o->worker_counts[o->n_worker_counts - 1]))
			return -1;
		o->worker_counts[o->n_worker_counts++] = (unsigned)v;
		p = end + 1;
	} while (*end == ',');
	if (*end != '\0')
		return -1;
	o->workers = o->worker_counts[o->n_worker_counts - 1];
	return 0;
}

/* long-only options (floor-imb) */
enum { OPT_CRYPTO = 0x100, OPT_ARCH, OPT_RECORD, OPT_NO_HUGE, OPT_MBUFS };

static const struct option long_opts[] = {
	{ "suite", required_argument, NULL, 's' }, { "sessions", required_argument, NULL, 'n' },
	{ "size", required_argument, NULL, 'S' }, { "burst", required_argument, NULL, 'b' },
	{ "workers", required_argument, NULL, 'w' }, { "packets", required_argument, NULL, 'p' },
	{ "runs", required_argument, NULL, 'r' }, { "latency", required_argument, NULL, 'L' },
	{ "json", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
	{ "sdes", no_argument, NULL, 'd' }, { "udp-checksum", required_argument, NULL, 'c' },
	{ "crypto", required_argument, NULL, OPT_CRYPTO },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "no-huge", no_argument, NULL, OPT_NO_HUGE },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

static const struct pipeline_opts default_opts = {
	.suite = TZ_SRTP_AES_CM_128_HMAC_SHA1_80, .sessions = 10000, .size = 172, .burst = 32,
	.workers = 1, .packets = 1000000, .runs = 3, .latency_packets = 200000,
	.worker_counts = { 1 }, .n_worker_counts = 1,
	.udp_checksum = "zero", .tx_flags = TZ_DP_TX_UDP_ZERO4,
};

/* "trapeze-bench: <message>" on stderr; -1. */
static int __attribute__((format(printf, 1, 2))) opt_error(const char *fmt, ...)
{
	va_list ap;

	fputs("trapeze-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Options that take a number (checked for range after all are read) or
 * none: true when @p c is one of them. */
static bool set_plain(int c, const char *arg, struct pipeline_opts *o)
{
	switch (c) {
	case 'n': o->sessions = (uint32_t)strtoul(arg, NULL, 0); break;
	case 'S': o->size = (uint16_t)strtoul(arg, NULL, 0); break;
	case 'b': o->burst = (uint16_t)strtoul(arg, NULL, 0); break;
	case 'p': o->packets = (uint32_t)strtoul(arg, NULL, 0); break;
	case 'r': o->runs = (unsigned)strtoul(arg, NULL, 0); break;
	case 'L': o->latency_packets = (uint32_t)strtoul(arg, NULL, 0); break;
	case OPT_RECORD: o->record = (uint32_t)strtoul(arg, NULL, 0); break;
	case 'j': o->json = arg; break;
	case 'q': o->quiet = true; break;
	case 'd': o->sdes = true; break;
	case OPT_NO_HUGE: o->no_huge = true; break;
	default: return false;
	}
	return true;
}

/* Options that name something: 0, or -1 with the reason printed. */
static int set_named(int c, const char *arg, struct pipeline_opts *o)
{
	int s;

	switch (c) {
	case 's':
		if ((s = bench_suite_parse(arg)) < 0)
			return opt_error("unknown suite \"%s\"", arg);
		o->suite = (unsigned)s;
		return 0;
	case 'w':
		if (parse_workers(arg, o) != 0)
			return opt_error("--workers \"%s\": counts 1..16, ascending, at most %d",
					 arg, BENCH_MAX_SCALING);
		return 0;
	case 'c':
		if (parse_cksum(arg, o) != 0)
			return opt_error("--udp-checksum \"%s\": zero, compute or offload", arg);
		return 0;
	case OPT_CRYPTO:
		if (tz_srtp_backend_parse(arg, &o->backend) != 0)
			return opt_error("unknown crypto backend \"%s\"", arg);
		return 0;
	case OPT_ARCH:
		if (tz_srtp_imb_arch_parse(arg, &o->imb_arch) != 0)
			return opt_error("unknown manager \"%s\"", arg);
		return 0;
	case OPT_MBUFS:
		if (strcmp(arg, "cold") != 0 && strcmp(arg, "both") != 0)
			return opt_error("--mbufs \"%s\": both or cold", arg);
		o->cold_only = strcmp(arg, "cold") == 0;
		return 0;
	default:
		fputs("Try 'trapeze-bench pipeline --help'.\n", stderr);
		return -1;
	}
}

static int parse(int argc, char **argv, struct pipeline_opts *o)
{
	int c;

	*o = default_opts;
	while ((c = getopt_long(argc, argv, "s:n:S:b:w:p:r:L:j:qdc:h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		}
		if (!set_plain(c, optarg, o) && set_named(c, optarg, o) != 0)
			return -1;
	}
	if (o->sessions < 1 || o->sessions > 4000000 || o->size < 12 || o->size > 1400 ||
	    o->burst < 1 || o->burst > 32 || o->workers < 1 || o->workers > 16 ||
	    o->packets < 1000 || o->runs < 1 || o->latency_packets < 100)
		return opt_error("an option is out of range; see --help");
	return 0;
}

static long free_hugepages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return n;
}

/* Lcore i on CPU i, or i % CPUs when there are fewer CPUs than workers +
 * the generator (then a worker shares the generator's CPU: the report says
 * so).  "--lcores" form: "0@0,1@1,2@0". */
static bool lcore_map(unsigned workers, char *buf, size_t len)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = 0;

	if (cpus < 1)
		cpus = 1;
	for (unsigned l = 0; l <= workers && n < len; l++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u@%ld", l ? "," : "", l, l % cpus);
	return workers + 1 > (unsigned)cpus;
}

static int eal_init(const struct pipeline_opts *o, bool *huge, bool *shared)
{
	char lcores[160], mem[16];
	char *argv[16] = { "trapeze-bench", "--lcores", lcores, "-m", mem, "--no-pci", "--no-telemetry",
			   "--file-prefix", "tz_bench", "--log-level=*:warning" };
	int argc = 10;
	/* mbufs, sessions with their crypto sessions and state, rings; generous. */
	unsigned mb = (unsigned)(((uint64_t)(o->packets + o->latency_packets) * 640 +
				  (uint64_t)o->sessions * 10240) >> 20) + 512;

	*shared = lcore_map(o->workers, lcores, sizeof(lcores));
	snprintf(mem, sizeof(mem), "%u", mb);
	*huge = !o->no_huge && free_hugepages() * 2 >= (long)mb;
	if (*huge) {
		argv[argc++] = "--in-memory";
	} else {
		argv[argc++] = "--no-huge";
		argv[argc++] = "--no-shconf";
	}
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

/* Throughput and latency with each worker count of the list; the first
 * count's figures are the report's headline (r->pipeline_ns ...). */
static int run_counts(struct pipeline *pl, struct pipeline_result *r)
{
	for (unsigned i = 0; i < pl->o.n_worker_counts; i++) {
		struct bench_scaling *sc = &r->scaling[i];
		struct pipeline_result one = *r;

		one.pipeline_warm_ns = 0;
		pl->active = pl->o.worker_counts[i];
		if (pipeline_start_workers(pl) != 0 || pipeline_throughput(pl, &one) != 0 ||
		    pipeline_latency(pl, &one, BENCH_LOAD_HIGH, &sc->lat[0]) != 0 ||
		    pipeline_latency(pl, &one, BENCH_LOAD_HALF, &sc->lat[1]) != 0) {
			tz_dp_stop();
			return -1;
		}
		for (unsigned w = 0; w < pl->active; w++) {
			uint64_t cnt[TZ_PC_COUNT];

			if (tz_dp_worker_counters(w, cnt) == 0)
				r->worker_rx_pkts += cnt[TZ_PC_RX_PKTS];
		}
		tz_dp_stop();
		sc->workers = pl->active;
		sc->calls_per_worker = pipeline_active_calls(pl) / pl->active;
		sc->pipeline_ns = one.pipeline_ns;
		sc->mpps_per_worker = one.mpps_per_worker;
		sc->mpps_total = one.mpps_per_worker * pl->active;
		r->drops = one.drops;
		r->n_scaling = i + 1;
		if (i == 0) {
			r->pipeline_ns = one.pipeline_ns;
			r->pipeline_warm_ns = one.pipeline_warm_ns;
			r->mpps_per_worker = one.mpps_per_worker;
			r->workers = pl->active;
			r->offered_mpps = sc->lat[0].offered_mpps;
			r->lat_p50_us = sc->lat[0].p50_us;
			r->lat_p99_us = sc->lat[0].p99_us;
			r->lat_p999_us = sc->lat[0].p999_us;
		}
	}
	if (r->n_scaling > 1 && r->scaling[0].mpps_total > 0)
		r->scaling_factor = r->scaling[r->n_scaling - 1].mpps_total / r->scaling[0].mpps_total;
	return 0;
}

int bench_pipeline_main(int argc, char **argv)
{
	struct pipeline pl = { 0 };
	struct pipeline_result r = { 0 };
	int rc = 1;

	if (parse(argc, argv, &pl.o) != 0)
		return 2;
	if (eal_init(&pl.o, &r.hugepages, &r.generator_shares_core) != 0) {
		fprintf(stderr, "trapeze-bench: EAL did not start (run as root; %u+1 cores needed)\n",
			pl.o.workers);
		return 1;
	}
	r.suite = bench_suite_name(pl.o.suite);
	r.sessions = pl.o.sessions;
	r.workers = pl.o.workers;
	r.size = pl.o.size;
	r.march = TZ_MARCH;
	r.udp_checksum = pl.o.udp_checksum;
	rc = pipeline_setup(&pl, &r);
	if (rc != 0) {
		fprintf(stderr, "\ntrapeze-bench: set-up failed: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = pipeline_publish(&pl, &r);
	if (rc != 0) {
		fprintf(stderr, "\ntrapeze-bench: publishing %u calls failed: %s\n", pl.o.sessions,
			strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = 1;
	if (pl.o.suite != BENCH_SUITE_NONE) {
		bench_progress(pl.o.quiet, "measuring the SRTP floor");
		r.floor_ns = pipeline_floor(&pl);
		r.floor_cold_ns = pipeline_floor_cold(&pl, pl.o.packets, &r.floor_cold_pkts);
		pipeline_raw_floor(&pl, &r);
	}
	if (run_counts(&pl, &r) != 0) {
		fprintf(stderr, "\ntrapeze-bench: run failed\n");
		goto out;
	}
	if (r.floor_ns > 0)
		r.ratio_to_floor = r.floor_ns / r.pipeline_ns;
	pipeline_vs_raw(&r);
	bench_progress(pl.o.quiet, "%s", "");
	bench_pipeline_print(&r, stdout);
	if (pl.o.json != NULL && bench_pipeline_json(&r, pl.o.json) != 0)
		fprintf(stderr, "trapeze-bench: cannot write %s\n", pl.o.json);
	rc = 0;
out:
	pipeline_teardown(&pl);
	rte_eal_cleanup();
	return rc;
}
