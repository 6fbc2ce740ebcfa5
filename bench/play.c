/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench play: what an announcement or music-on-hold play costs the
 * media-services stage per 20 ms packet, per codec, encoded live (a
 * tz_media player running an encoder) and from the file's clip (encoded
 * once after a load, shared by every play), in the same run; hence plays per
 * stage core each way, and what encoding a clip costs once.  Thread CPU time,
 * best of --runs; never fails on time.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "tz_media.h"

#define FILE_S 10                       /* the file: 10 s of a voice-like signal */

struct opts {
	unsigned packets, runs;
	bool quiet;
	const char *json;
};

struct result {
	enum tz_media_codec codec;
	double live_ns, clip_ns;        /* per packet */
	double encode_ms;               /* the clip, once (FILE_S seconds of audio) */
	size_t clip_bytes;
};

static double cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Three partials and a little noise, like a voice prompt. */
static int16_t *voice(uint32_t rate, size_t *frames)
{
	int16_t *pcm = malloc(sizeof(int16_t) * rate * FILE_S);
	uint32_t lcg = 1;

	*frames = (size_t)rate * FILE_S;
	for (size_t i = 0; pcm != NULL && i < *frames; i++) {
		double t = (double)i / rate;

		lcg = lcg * 1103515245u + 12345u;
		pcm[i] = (int16_t)(3000 * sin(2 * M_PI * 220 * t) + 2000 * sin(2 * M_PI * 660 * t) +
				   1000 * sin(2 * M_PI * 1320 * t) + (int)(lcg >> 22) - 512);
	}
	return pcm;
}

/* CPU ns per tz_media_player_next over @p o->packets packets (looping). */
static double per_packet(struct tz_media_player *p, const struct opts *o)
{
	struct tz_media_rtp r;
	double t0 = cpu_ns();
	volatile unsigned sink = 0;

	for (unsigned i = 0; i < o->packets; i++) {
		if (tz_media_player_next(p, &r) != 1)
			return -1;
		sink += r.len;
	}
	(void)sink;
	return (cpu_ns() - t0) / o->packets;
}

static int run_codec(enum tz_media_codec c, const struct opts *o, struct result *res)
{
	uint32_t rate = tz_media_codec_audio_rate(c);
	struct tz_media_player_cfg cfg = { .codec = c, .pt = c == TZ_MEDIA_OPUS ? 111 : 0,
					   .ptime = 20, .loop = true };
	size_t frames;
	int16_t *pcm = voice(rate, &frames);
	int rc = 0;

	if (pcm == NULL)
		return -ENOMEM;
	*res = (struct result){ .codec = c, .live_ns = INFINITY, .clip_ns = INFINITY,
				.encode_ms = INFINITY };
	for (unsigned run = 0; run < o->runs && rc == 0; run++) {
		double t0 = cpu_ns(), ns;
		struct tz_media_clip *clip = tz_media_clip_encode(pcm, frames, &cfg, NULL);
		struct tz_media_player *live, *pre;

		if (clip == NULL) {
			rc = -errno;
			break;
		}
		ns = (cpu_ns() - t0) / 1e6;
		res->encode_ms = fmin(res->encode_ms, ns);
		res->clip_bytes = tz_media_clip_bytes(clip);
		live = tz_media_player_create(pcm, frames, &cfg);
		pre = tz_media_player_create_clip(clip, &cfg);
		if (live == NULL || pre == NULL) {
			rc = -ENOMEM;
		} else {
			res->live_ns = fmin(res->live_ns, per_packet(live, o));
			res->clip_ns = fmin(res->clip_ns, per_packet(pre, o));
		}
		tz_media_player_destroy(live);
		tz_media_player_destroy(pre);
		tz_media_clip_free(clip);
	}
	free(pcm);
	return rc;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "packets", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	*o = (struct opts){ .packets = 1500, .runs = 3 };
	while ((ch = getopt_long(argc, argv, "p:r:j:qh", lo, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->packets = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o->runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			printf("Usage: trapeze-bench play [--packets N] [--runs R] [--json FILE] [-q]\n"
			       "CPU per 20 ms announcement packet on a stage core, per codec:\n"
			       "encoded live vs from the file's clip (encoded once), plays per\n"
			       "stage core each way, and the clip's one-off cost (a %d s file).\n",
			       FILE_S);
			return 1;
		default:
			return -1;
		}
	}
	if (o->packets == 0 || o->runs == 0 || o->packets > 10000000 || o->runs > 100) {
		fprintf(stderr, "trapeze-bench play: --packets 1..10000000, --runs 1..100\n");
		return -1;
	}
	return 0;
}

static int write_json(const char *path, const struct result *r, unsigned n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "{\"file_s\": %d, \"codecs\": [", FILE_S);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s{\"codec\": \"%s\", \"live_ns_per_packet\": %.1f, "
			"\"clip_ns_per_packet\": %.1f, \"clip_encode_ms\": %.2f, \"clip_bytes\": %zu}",
			i ? ", " : "", tz_media_codec_name(r[i].codec), r[i].live_ns, r[i].clip_ns,
			r[i].encode_ms, r[i].clip_bytes);
	fprintf(f, "]}\n");
	return fclose(f) == 0 ? 0 : -EIO;
}

int bench_play_main(int argc, char **argv)
{
	struct result res[TZ_MEDIA_CODEC_COUNT];
	struct opts o;
	int rc = parse(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (!o.quiet)
		fprintf(stderr, "trapeze-bench play: %u packets x %u runs per codec\n", o.packets,
			o.runs);
	printf("%-6s %14s %14s %12s %12s %16s %10s\n", "codec", "live ns/pkt", "clip ns/pkt",
	       "live plays", "clip plays", "clip encode ms", "clip KB");
	for (int c = 0; c < TZ_MEDIA_CODEC_COUNT; c++) {
		rc = run_codec((enum tz_media_codec)c, &o, &res[c]);
		if (rc != 0) {
			fprintf(stderr, "trapeze-bench play: %s: %s\n",
				tz_media_codec_name((enum tz_media_codec)c), strerror(-rc));
			return 1;
		}
		/* a play sends 50 packets a second: plays one stage core carries */
		printf("%-6s %14.0f %14.0f %12.0f %12.0f %16.1f %10zu\n",
		       tz_media_codec_name((enum tz_media_codec)c), res[c].live_ns, res[c].clip_ns,
		       1e9 / (50 * res[c].live_ns), 1e9 / (50 * res[c].clip_ns), res[c].encode_ms,
		       res[c].clip_bytes / 1024);
	}
	printf("(plays = 20 ms packets a stage core makes per second / 50, the player alone:\n"
	       " the worker's SRTP and the stage's pacing come on top; clip encode = once per\n"
	       " file and codec after a load, for a %d s file)\n", FILE_S);
	if (o.json != NULL && (rc = write_json(o.json, res, TZ_MEDIA_CODEC_COUNT)) != 0) {
		fprintf(stderr, "trapeze-bench play: %s: %s\n", o.json, strerror(-rc));
		return 1;
	}
	return 0;
}
