/* SPDX-License-Identifier: BSD-3-Clause */
/* trapeze-bench pipeline: options, EAL, the run in order, the report. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
"  -w, --workers N       worker cores (default 1; lcores 1..N, the generator on 0)\n"
"  -p, --packets N       packets per throughput run (default 1000000)\n"
"  -r, --runs N          throughput runs, the best reported (default 3)\n"
"  -L, --latency N       packets in the paced latency run (default 200000)\n"
"  -j, --json FILE       also write the results as JSON\n"
"  -q, --quiet           no progress line\n"
"  -d, --sdes            an SDES-SRTP trunk: SRTP on the SIP side too, every packet\n"
"                        re-keyed (TZ_XF_REKEY: unprotect + protect)\n"
"      --crypto NAME     crypto backend: auto (default: intel-ipsec-mb directly),\n"
"                        ipsec_mb, or cryptodev (the aesni_mb PMD)\n"
"      --arch NAME       the direct backend's manager: auto, sse, avx, avx2, avx512\n"
"\n"
"Measured in the same run: the raw floor (the crypto chain alone through\n"
"intel-ipsec-mb's job API, best manager: trapeze-bench floor), the SRTP\n"
"transform floor (protect+unprotect alone, no I/O) and the pipeline (rx, classify, lookup, SRTP, rewrite, tx).  Uses\n"
"hugepages when reserved (echo 1024 > /proc/sys/vm/nr_hugepages), else --no-huge.\n"
"See docs/bench.md.\n";

/* long-only options (floor-imb) */
enum { OPT_CRYPTO = 0x100, OPT_ARCH };

static int parse(int argc, char **argv, struct pipeline_opts *o)
{
	static const struct option lo[] = {
		{ "suite", required_argument, NULL, 's' }, { "sessions", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'S' }, { "burst", required_argument, NULL, 'b' },
		{ "workers", required_argument, NULL, 'w' }, { "packets", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' }, { "latency", required_argument, NULL, 'L' },
		{ "json", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
		{ "sdes", no_argument, NULL, 'd' },
		{ "crypto", required_argument, NULL, OPT_CRYPTO },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c, s;

	*o = (struct pipeline_opts){ .suite = TZ_SRTP_AES_CM_128_HMAC_SHA1_80, .sessions = 10000,
				     .size = 172, .burst = 32, .workers = 1, .packets = 1000000,
				     .runs = 3, .latency_packets = 200000 };
	while ((c = getopt_long(argc, argv, "s:n:S:b:w:p:r:L:j:qdh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			s = bench_suite_parse(optarg);
			if (s < 0) {
				fprintf(stderr, "trapeze-bench: unknown suite \"%s\"\n", optarg);
				return -1;
			}
			o->suite = (unsigned)s;
			break;
		case 'n': o->sessions = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'S': o->size = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'b': o->burst = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'w': o->workers = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'p': o->packets = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': o->runs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'L': o->latency_packets = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'j': o->json = optarg; break;
		case 'q': o->quiet = true; break;
		case 'd': o->sdes = true; break;
		case OPT_CRYPTO:
			if (tz_srtp_backend_parse(optarg, &o->backend) != 0) {
				fprintf(stderr, "trapeze-bench: unknown crypto backend \"%s\"\n", optarg);
				return -1;
			}
			break;
		case OPT_ARCH:
			if (tz_srtp_imb_arch_parse(optarg, &o->imb_arch) != 0) {
				fprintf(stderr, "trapeze-bench: unknown manager \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs("Try 'trapeze-bench pipeline --help'.\n", stderr); return -1;
		}
	}
	if (o->sessions < 1 || o->sessions > 4000000 || o->size < 12 || o->size > 1400 ||
	    o->burst < 1 || o->burst > 32 || o->workers < 1 || o->workers > 16 ||
	    o->packets < 1000 || o->runs < 1 || o->latency_packets < 100) {
		fprintf(stderr, "trapeze-bench: an option is out of range; see --help\n");
		return -1;
	}
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

static int eal_init(const struct pipeline_opts *o, bool *huge)
{
	char lcores[16], mem[16];
	char *argv[16] = { "trapeze-bench", "-l", lcores, "-m", mem, "--no-pci", "--no-telemetry",
			   "--file-prefix", "tz_bench", "--log-level=*:warning" };
	int argc = 10;
	/* mbufs, sessions with their crypto sessions and state, rings; generous. */
	unsigned mb = (unsigned)(((uint64_t)(o->packets + o->latency_packets) * 640 +
				  (uint64_t)o->sessions * 10240) >> 20) + 512;

	snprintf(lcores, sizeof(lcores), "0-%u", o->workers);
	snprintf(mem, sizeof(mem), "%u", mb);
	*huge = free_hugepages() * 2 >= (long)mb;
	if (*huge) {
		argv[argc++] = "--in-memory";
	} else {
		argv[argc++] = "--no-huge";
		argv[argc++] = "--no-shconf";
	}
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

int bench_pipeline_main(int argc, char **argv)
{
	struct pipeline pl = { 0 };
	struct pipeline_result r = { 0 };
	int rc = 1;

	if (parse(argc, argv, &pl.o) != 0)
		return 2;
	if (eal_init(&pl.o, &r.hugepages) != 0) {
		fprintf(stderr, "trapeze-bench: EAL did not start (run as root; %u+1 cores needed)\n",
			pl.o.workers);
		return 1;
	}
	r.suite = bench_suite_name(pl.o.suite);
	r.sessions = pl.o.sessions;
	r.workers = pl.o.workers;
	r.size = pl.o.size;
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
		pipeline_raw_floor(&pl, &r);
	}
	if (pipeline_start_workers(&pl) != 0 || pipeline_throughput(&pl, &r) != 0 ||
	    pipeline_latency(&pl, &r) != 0) {
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
