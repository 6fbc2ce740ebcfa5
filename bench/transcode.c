/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench transcode: CPU per 20 ms frame of the tz_media transcoder
 * (one direction, one push = one packet in, one out), hence transcoded calls
 * per media core, next to what forwarding a packet costs measured in the
 * same run: a copy + RTP header rewrite, and the SRTP raw floor
 * (bench_floor_raw_ns).  Thread CPU time, best of --runs; never fails on time.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "floor.h"
#include "tz_media.h"

#define FRAMES_PER_S 50
#define LOOP_FRAMES 250                 /* 5 s of input, replayed */
#define PT_OPUS 111
#define FWD_SIZE 172                    /* PCMU 20 ms: 12 + 160 bytes */

struct case_def {
	const char *name;
	enum tz_media_codec in, out;
	uint32_t opus_rate;
};

static const struct case_def cases[] = {
	{ "PCMU -> Opus (Opus at 8 kHz)", TZ_MEDIA_PCMU, TZ_MEDIA_OPUS, 0 },
	{ "Opus -> PCMU (Opus at 8 kHz)", TZ_MEDIA_OPUS, TZ_MEDIA_PCMU, 0 },
	{ "PCMU -> Opus 48 kHz (resampler)", TZ_MEDIA_PCMU, TZ_MEDIA_OPUS, 48000 },
	{ "Opus 48 kHz -> PCMU (resampler)", TZ_MEDIA_OPUS, TZ_MEDIA_PCMU, 48000 },
	{ "G722 -> Opus (Opus at 16 kHz)", TZ_MEDIA_G722, TZ_MEDIA_OPUS, 0 },
	{ "Opus -> G722 (Opus at 16 kHz)", TZ_MEDIA_OPUS, TZ_MEDIA_G722, 0 },
	{ "PCMU -> PCMA", TZ_MEDIA_PCMU, TZ_MEDIA_PCMA, 0 },
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

struct opts {
	unsigned frames, runs, complexity;
	bool fec, quiet, no_floor;
	const char *only;
	const char *json;               /* write results here, or NULL */
};

/* Input packets for one case: 5 s of a voice-like signal (three partials
 * and noise) encoded to the input codec at its rate. */
struct input {
	uint8_t data[LOOP_FRAMES][1280];
	uint16_t len[LOOP_FRAMES];
	uint32_t ts_step;
	uint8_t pt;
};

static double cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void voice(int16_t *pcm, unsigned n, uint32_t rate, uint64_t start, uint32_t *lcg)
{
	for (unsigned i = 0; i < n; i++) {
		double t = (double)(start + i) / rate;
		double v = 4000 * sin(2 * M_PI * 220 * t) + 2500 * sin(2 * M_PI * 660 * t) +
			   1500 * sin(2 * M_PI * 1800 * t) * (0.5 + 0.5 * sin(2 * M_PI * 3 * t));

		*lcg = *lcg * 1103515245u + 12345u;
		pcm[i] = (int16_t)(v + (int)((*lcg >> 16) & 0x3FF) - 512);
	}
}

static int make_input(const struct case_def *c, struct input *in, const struct opts *o)
{
	uint32_t rate = c->in == TZ_MEDIA_G722 ? 16000 : c->in == TZ_MEDIA_OPUS ?
			(c->opus_rate ? c->opus_rate : c->out == TZ_MEDIA_G722 ? 16000 : 8000) : 8000;
	struct tz_media_opus_opts oo = { .complexity = (uint8_t)o->complexity, .fec = o->fec };
	struct tz_media_enc *e = tz_media_enc_create(c->in, rate, &oo);
	int16_t pcm[960];
	uint32_t lcg = 1;
	int r = 0;

	if (e == NULL)
		return -errno;
	in->ts_step = tz_media_codec_clock(c->in) / FRAMES_PER_S;
	in->pt = c->in == TZ_MEDIA_OPUS ? PT_OPUS : (uint8_t)tz_media_codec_static_pt(c->in);
	for (unsigned k = 0; k < LOOP_FRAMES && r >= 0; k++) {
		voice(pcm, rate / FRAMES_PER_S, rate, (uint64_t)k * rate / FRAMES_PER_S, &lcg);
		r = tz_media_enc_frame(e, pcm, rate / FRAMES_PER_S, in->data[k], sizeof(in->data[k]));
		in->len[k] = (uint16_t)(r > 0 ? r : 0);
	}
	tz_media_enc_destroy(e);
	return r < 0 ? r : 0;
}

/* CPU ns per pushed frame, best of o->runs. */
static double run_case(const struct case_def *c, const struct input *in, const struct opts *o)
{
	struct tz_media_xcode_cfg cfg = {
		.in = { .codec = c->in, .pt = in->pt, .event_pt = TZ_MEDIA_NO_PT },
		.out = { .codec = c->out, .event_pt = TZ_MEDIA_NO_PT },
		.opus = { .complexity = (uint8_t)o->complexity, .fec = o->fec },
		.opus_rate = c->opus_rate,
	};
	struct tz_media_rtp out[TZ_MEDIA_XCODE_MAX_OUT];
	double best = -1;

	cfg.out.pt = c->out == TZ_MEDIA_OPUS ? PT_OPUS : (uint8_t)tz_media_codec_static_pt(c->out);
	for (unsigned run = 0; run < o->runs; run++) {
		struct tz_media_xcode *x = tz_media_xcode_create(&cfg);
		double t0, ns;

		if (x == NULL)
			return -1;
		t0 = cpu_ns();
		for (unsigned k = 0; k < o->frames; k++) {
			unsigned i = k % LOOP_FRAMES;
			struct tz_media_rtp p = {
				.payload = in->data[i], .len = in->len[i], .seq = (uint16_t)k,
				.ts = k * in->ts_step, .pt = in->pt,
			};

			if (tz_media_xcode_push(x, &p, out) != 1) {
				tz_media_xcode_destroy(x);
				return -1;
			}
		}
		ns = (cpu_ns() - t0) / o->frames;
		tz_media_xcode_destroy(x);
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

/* The forwarding baseline: copy a packet and rewrite its RTP header (seq,
 * timestamp, SSRC), as a relay does before SRTP. */
static double forward_ns(const struct opts *o)
{
	static uint8_t src[64][FWD_SIZE], dst[64][FWD_SIZE];
	const unsigned n = 2000000;
	double best = -1;

	for (unsigned i = 0; i < 64; i++)
		memset(src[i], (int)i, FWD_SIZE);
	for (unsigned run = 0; run < o->runs; run++) {
		double t0 = cpu_ns(), ns;

		for (unsigned k = 0; k < n; k++) {
			uint8_t *d = dst[k & 63];
			uint32_t ts = k * 160u;

			memcpy(d, src[k & 63], FWD_SIZE);
			d[2] = (uint8_t)(k >> 8);
			d[3] = (uint8_t)k;
			memcpy(d + 4, &ts, 4);
			memcpy(d + 8, &k, 4);
			__asm__ volatile("" : : "r"(d) : "memory");
		}
		ns = (cpu_ns() - t0) / n;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "complexity", required_argument, NULL, 'c' },
		{ "fec", no_argument, NULL, 'f' },
		{ "case", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-floor", no_argument, NULL, 'F' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .frames = 1500, .runs = 3, .complexity = 5 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "q", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o->frames = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': o->runs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': o->complexity = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': o->fec = true; break;
		case 'k': o->only = optarg; break;
		case 'q': o->quiet = true; break;
		case 'F': o->no_floor = true; break;
		case 'j': o->json = optarg; break;
		case 'h':
			printf("Usage: trapeze-bench transcode [--frames N (1500)] [--runs N (3)]\n"
			       "       [--complexity 1..10 (5)] [--fec] [--case TEXT] [--no-floor]\n"
			       "       [--json FILE] [-q]\n"
			       "CPU per 20 ms frame of the tz_media transcoder per direction, and\n"
			       "transcoded calls per media core, next to the cost of forwarding a\n"
			       "packet measured in the same run (docs/media-services.md).\n"
			       "--no-floor skips the SRTP floor (AVX-512: not under valgrind).\n");
			return 1;
		default:
			return -1;
		}
	}
	if (o->frames == 0 || o->runs == 0 || o->complexity < 1 || o->complexity > 10)
		return -1;
	return 0;
}

static void print_calls(const char *name, double a, double b, double floor_ns)
{
	double per_call = FRAMES_PER_S * (a + b);       /* CPU ns per call-second */

	if (a <= 0 || b <= 0)
		return;
	printf("  %-34s %8.0f", name, 1e9 / per_call);
	if (floor_ns > 0)
		printf("   (1 per %.0f forwarded at the SRTP floor)",
		       1e9 / (2 * FRAMES_PER_S * floor_ns) / (1e9 / per_call));
	putchar('\n');
}

static int write_json(const char *path, const double *ns, double fwd, double floor_ns,
		      const struct opts *o)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "{\"complexity\": %u, \"fec\": %s, \"frames\": %u, \"runs\": %u,\n"
		" \"forward_copy_ns\": %.2f, \"srtp_floor_ns\": %.2f,\n \"cases\": [",
		o->complexity, o->fec ? "true" : "false", o->frames, o->runs, fwd, floor_ns);
	for (unsigned i = 0, first = 1; i < N_CASES; i++) {
		if (ns[i] <= 0)
			continue;
		fprintf(f, "%s\n  {\"name\": \"%s\", \"in\": \"%s\", \"out\": \"%s\", "
			"\"opus_rate\": %u, \"ns_per_frame\": %.0f}", first ? "" : ",", cases[i].name,
			tz_media_codec_name(cases[i].in), tz_media_codec_name(cases[i].out),
			cases[i].opus_rate, ns[i]);
		first = 0;
	}
	fprintf(f, "\n ]}\n");
	return fclose(f) == 0 ? 0 : -EIO;
}

int bench_transcode_main(int argc, char **argv)
{
	static struct input in;
	double ns[N_CASES], fwd, floor_ns;
	const char *mgr = "?";
	struct opts o;
	int r = parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	bench_progress(o.quiet, "forwarding baseline");
	fwd = forward_ns(&o);
	bench_progress(o.quiet, "SRTP raw floor");
	floor_ns = o.no_floor ? -1 : bench_floor_raw_ns(0, FWD_SIZE + 10, 32, &mgr);
	for (unsigned i = 0; i < N_CASES; i++) {
		ns[i] = -1;
		if (o.only && strstr(cases[i].name, o.only) == NULL)
			continue;
		bench_progress(o.quiet, "%s", cases[i].name);
		if (make_input(&cases[i], &in, &o) == 0)
			ns[i] = run_case(&cases[i], &in, &o);
	}
	bench_progress(o.quiet, "%s", "");
	printf("trapeze-bench transcode: CPU per 20 ms frame, one direction, Opus complexity %u%s,\n"
	       "best of %u runs of %u frames\n\n", o.complexity, o.fec ? " + FEC" : "", o.runs,
	       o.frames);
	printf("  forward: copy + RTP header rewrite (%u B)  %8.1f ns/packet\n", FWD_SIZE, fwd);
	if (floor_ns > 0)
		printf("  forward: SRTP raw floor (AES_CM_80, %s)  %8.1f ns/packet\n", mgr, floor_ns);
	printf("\n  %-34s %10s %12s %12s\n", "direction", "us/frame", "x forward", "x SRTP floor");
	for (unsigned i = 0; i < N_CASES; i++) {
		if (ns[i] <= 0)
			continue;
		printf("  %-34s %10.2f %12.0f", cases[i].name, ns[i] / 1000, ns[i] / fwd);
		if (floor_ns > 0)
			printf(" %12.0f", ns[i] / floor_ns);
		putchar('\n');
	}
	printf("\ncalls per core (both directions, %u packets/s each):\n", FRAMES_PER_S);
	printf("  %-34s %8.0f\n", "forwarded, copy + rewrite only", 1e9 / (2 * FRAMES_PER_S * fwd));
	if (floor_ns > 0)
		printf("  %-34s %8.0f\n", "forwarded, SRTP floor only", 1e9 / (2 * FRAMES_PER_S * floor_ns));
	print_calls("PCMU <-> Opus (Opus at 8 kHz)", ns[0], ns[1], floor_ns);
	print_calls("PCMU <-> Opus 48 kHz (resampler)", ns[2], ns[3], floor_ns);
	print_calls("G722 <-> Opus (Opus at 16 kHz)", ns[4], ns[5], floor_ns);
	print_calls("PCMU <-> PCMA", ns[6], ns[6], floor_ns);
	if (o.json != NULL && write_json(o.json, ns, fwd, floor_ns, &o) != 0)
		fprintf(stderr, "trapeze-bench transcode: cannot write %s\n", o.json);
	return 0;
}
