/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * calls-step: a developer's front end to the calls engine (bench/calls/
 * calls.h): options -> struct calls_conf, one step, the result as JSON on
 * stdout.  `trapeze-bench calls` is the real driver; this one exists to
 * test the engine alone (tests/integration/test_bench_calls_self.sh).
 */
#include <getopt.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tz_srtp.h>

#include "calls.h"

static const char usage[] =
"Usage: calls-step [OPTION]...   (one step of the calls engine, JSON result)\n"
"  --signal jsep|ng|self   how calls are signalled (default jsep)\n"
"  --ws-url URL            ws://198.51.100.1:8080/ws (or wss://, not verified)\n"
"  --origin O              Origin header (default http://<ws host>)\n"
"  --secret-file F         HS256 token key (/run/trapeze/lab/token.secret)\n"
"  --kid K  --user-prefix P  --target T  --calls-per-ws N\n"
"  --ng IP:PORT --rtp-peer IP:PORT   (ng)     --reflector IP:PORT   (self)\n"
"  --local IP              a source address (repeat to spread calls)\n"
"  --rate R --concurrent N --total N --hold S --timeout S --loss-fail PCT\n"
"  --hold-pps P            packets/s per held call (default 50; 0: silent between checks)\n"
"  --threads N --suite NAME (AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, ...)\n"
"  --eal ARG               extra EAL argument (repeat: --eal -m --eal 8192)\n"
"  --progress              a line on stderr every second\n";

static const char *const suites[] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
	"AEAD_AES_256_GCM",
};

static void jpct(const char *name, const struct calls_pct *p, const char *sep)
{
	if (p->n == 0)
		printf("  \"%s\": {\"n\": 0}%s\n", name, sep);
	else
		printf("  \"%s\": {\"n\": %llu, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
		       "\"max\": %.3f}%s\n", name, (unsigned long long)p->n, p->p50, p->p90, p->p99,
		       p->max, sep);
}

static void show_progress(void *arg, const struct calls_step_result *r)
{
	fprintf(stderr, "calls-step: %.0f s: %llu attempted, %llu completed, %llu failed, "
		"peak %u, %llu pkts sent, %llu received\n", r->wall_s,
		(unsigned long long)r->attempted, (unsigned long long)r->completed,
		(unsigned long long)r->failed, r->peak_concurrent,
		(unsigned long long)r->pkts_sent, (unsigned long long)r->pkts_received);
}

static double num(double v)
{
	return isfinite(v) ? v : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signal", 1, NULL, 's' }, { "ws-url", 1, NULL, 'w' }, { "origin", 1, NULL, 'o' },
		{ "secret-file", 1, NULL, 'S' }, { "kid", 1, NULL, 'k' },
		{ "user-prefix", 1, NULL, 'u' }, { "target", 1, NULL, 'T' },
		{ "ng", 1, NULL, 'n' }, { "rtp-peer", 1, NULL, 'p' }, { "reflector", 1, NULL, 'R' },
		{ "local", 1, NULL, 'l' }, { "rate", 1, NULL, 'r' }, { "concurrent", 1, NULL, 'c' },
		{ "total", 1, NULL, 't' }, { "hold", 1, NULL, 'H' }, { "timeout", 1, NULL, 'O' },
		{ "loss-fail", 1, NULL, 'L' }, { "threads", 1, NULL, 'j' },
		{ "suite", 1, NULL, 'x' }, { "calls-per-ws", 1, NULL, 'P' },
		{ "hold-pps", 1, NULL, 'Q' },
		{ "eal", 1, NULL, 'e' }, { "progress", 0, NULL, 'g' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *locals[64];
	char *eal[32];
	int neal = 0;
	char origin[160], err[256];
	struct calls_conf c = {
		.signal = CALLS_SIG_JSEP, .ws_url = "ws://198.51.100.1:8080/ws",
		.secret_file = "/run/trapeze/lab/token.secret", .target = "+15551230000",
		.rate = 10, .concurrent = 10, .total = 10, .hold_s = 5, .threads = 1,
		.local_addrs = locals,
	};
	struct calls_step_result r;
	int o, rc;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			c.signal = strcmp(optarg, "self") == 0 ? CALLS_SIG_SELF :
				   strcmp(optarg, "ng") == 0 ? CALLS_SIG_NG : CALLS_SIG_JSEP;
			break;
		case 'w': c.ws_url = optarg; break;
		case 'o': c.origin = optarg; break;
		case 'S': c.secret_file = optarg; break;
		case 'k': c.kid = optarg; break;
		case 'u': c.user_prefix = optarg; break;
		case 'T': c.target = optarg; break;
		case 'n': c.ng_addr = optarg; break;
		case 'p': c.rtp_peer = optarg; break;
		case 'R': c.reflector = optarg; break;
		case 'l':
			if (c.nb_local_addrs < 64)
				locals[c.nb_local_addrs++] = optarg;
			break;
		case 'r': c.rate = atof(optarg); break;
		case 'c': c.concurrent = (unsigned)atoi(optarg); break;
		case 't': c.total = (unsigned)atoi(optarg); break;
		case 'H': c.hold_s = atof(optarg); break;
		case 'Q':	/* 0 asks for silence: the engine's < 0 */
			c.hold_pps = atof(optarg) > 0 ? atof(optarg) : -1;
			break;
		case 'O': c.timeout_s = atof(optarg); break;
		case 'L': c.loss_fail_pct = atof(optarg); break;
		case 'j': c.threads = (unsigned)atoi(optarg); break;
		case 'P': c.calls_per_ws = (unsigned)atoi(optarg); break;
		case 'x':
			c.suite = 99;
			for (unsigned i = 0; i < 4; i++)
				if (strcasecmp(optarg, suites[i]) == 0)
					c.suite = i;
			break;
		case 'e':
			if (neal < 31)
				eal[neal++] = optarg;
			break;
		case 'g':
			c.progress = show_progress;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (c.origin == NULL && c.ws_url != NULL) {
		bool tls = strncmp(c.ws_url, "wss://", 6) == 0;
		const char *host = c.ws_url + (tls ? 6 : 5);
		const char *slash = strchr(host, '/');
		int n = slash ? (int)(slash - host) : (int)strlen(host);

		snprintf(origin, sizeof(origin), "%s://%.*s", tls ? "https" : "http", n, host);
		c.origin = origin;
	}
	rc = calls_engine_init(neal, eal);
	if (rc != 0) {
		fprintf(stderr, "calls-step: engine init failed: %s\n", strerror(-rc));
		return 1;
	}
	rc = calls_run_step(&c, &r, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "calls-step: %s\n", err);
		calls_engine_fini();
		return 1;
	}
	printf("{\n  \"rate\": %.3f, \"concurrent\": %u, \"hold_pps\": %.3f,\n", r.rate,
	       r.concurrent, r.hold_pps);
	printf("  \"attempted\": %llu, \"completed\": %llu, \"failed\": %llu,\n",
	       (unsigned long long)r.attempted, (unsigned long long)r.completed,
	       (unsigned long long)r.failed);
	printf("  \"failures\": {");
	for (int f = 1; f < CALLS_FAIL_COUNT; f++)
		printf("\"%s\": %llu%s", calls_failure_name(f), (unsigned long long)r.failures[f],
		       f + 1 < CALLS_FAIL_COUNT ? ", " : "");
	printf("},\n  \"peak_concurrent\": %u, \"achieved_rate\": %.3f,\n", r.peak_concurrent,
	       r.achieved_rate);
	jpct("t_answer_ms", &r.t_answer, ",");
	jpct("t_ice_ms", &r.t_ice, ",");
	jpct("t_dtls_ms", &r.t_dtls, ",");
	jpct("t_media_ms", &r.t_media, ",");
	printf("  \"pkts_sent\": %llu, \"pkts_received\": %llu, \"pkts_lost\": %llu, "
	       "\"pkts_bad\": %llu, \"loss_pct\": %.4f,\n",
	       (unsigned long long)r.pkts_sent, (unsigned long long)r.pkts_received,
	       (unsigned long long)r.pkts_lost, (unsigned long long)r.pkts_bad, r.loss_pct);
	printf("  \"jitter_ms_p50\": %.3f, \"jitter_ms_p99\": %.3f,\n", num(r.jitter_ms_p50),
	       num(r.jitter_ms_p99));
	printf("  \"steady_from\": %.3f, \"steady_to\": %.3f, \"steady_pkts_sent\": %llu, "
	       "\"steady_pkts_received\": %llu,\n", r.steady_from, r.steady_to,
	       (unsigned long long)r.steady_pkts_sent, (unsigned long long)r.steady_pkts_received);
	printf("  \"wall_s\": %.3f, \"client_cpu_s\": %.3f, \"client_cpu_pct\": %.2f\n}\n",
	       r.wall_s, r.client_cpu_s, r.client_cpu_pct);
	calls_engine_fini();
	return 0;
}
