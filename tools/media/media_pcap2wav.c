/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-media pcap2wav: one RTP stream of a capture to a mono WAV, or the
 * first two (--stereo: both directions of a call, as a recording has them)
 * to a stereo WAV, each decoded by its PT and placed by its timestamps, the
 * two aligned by capture time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media_cmds.h"
#include "mtool_pcap.h"
#include "tz_media.h"

#define MAX_GAP_S 600                   /* a longer gap: the stream restarted */

struct pcm_buf {
	int16_t *v;
	size_t n, cap;
};

struct stream {
	uint32_t ssrc;
	uint64_t first_us;              /* capture time of its first packet */
	unsigned pt_count[128];
	unsigned pt, bad;
	int codec;
	uint32_t rate;
	struct pcm_buf pcm;
};

struct pkt {
	struct tz_mtool_rtp rtp;
	unsigned stream;
};

struct collect {
	long port, ssrc;                /* -1: any */
	unsigned want;                  /* streams: 1, or 2 with --stereo */
	unsigned n_streams;
	struct stream s[2];
	struct pkt *v;
	size_t n, cap;
};

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || end == s || *end || *v > max ? -EINVAL : 0;
}

static int collect_fn(const struct tz_mtool_udp *u, void *arg)
{
	struct collect *c = arg;
	struct tz_mtool_rtp r;
	unsigned k;

	if (c->port >= 0 && u->sport != c->port && u->dport != c->port)
		return 0;
	if (tz_mtool_rtp_parse(u->payload, u->len, &r) != 0 || r.len == 0)
		return 0;
	if (c->ssrc >= 0 && r.ssrc != (uint32_t)c->ssrc)
		return 0;
	for (k = 0; k < c->n_streams && c->s[k].ssrc != r.ssrc; k++)
		;
	if (k == c->n_streams) {
		if (k == c->want)
			return 0;
		c->s[k].ssrc = r.ssrc;
		c->s[k].first_us = u->ts_us;
		c->n_streams++;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct pkt *v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = (struct pkt){ .rtp = r, .stream = k };
	c->s[k].pt_count[r.pt]++;
	return 0;
}

static int pcm_append(struct pcm_buf *b, const int16_t *pcm, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 48000;
		int16_t *v;

		while (cap < b->n + n)
			cap *= 2;
		v = realloc(b->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	if (pcm)
		memcpy(b->v + b->n, pcm, n * sizeof(*pcm));
	else
		memset(b->v + b->n, 0, n * sizeof(*pcm));
	b->n += n;
	return 0;
}

static int codec_of_pt(unsigned pt)
{
	return pt == 0 ? TZ_MEDIA_PCMU : pt == 8 ? TZ_MEDIA_PCMA : pt == 9 ? TZ_MEDIA_G722 :
	       pt >= 96 ? TZ_MEDIA_OPUS : -1;
}

/* Decode stream k's audio packets in capture order, each at the place its
 * timestamp says (gaps: silence; overlaps: dropped). */
static int decode_stream(const struct collect *c, unsigned k, struct stream *s)
{
	struct tz_media_dec *d;
	static int16_t pcm[5760];
	uint32_t clock = tz_media_codec_clock(s->codec), last_ts = 0;
	int64_t ts0 = -1, ext = 0;
	int r = 0;

	s->rate = tz_media_codec_audio_rate(s->codec);
	d = tz_media_dec_create(s->codec, s->rate);
	if (d == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < c->n && r == 0; i++) {
		const struct tz_mtool_rtp *p = &c->v[i].rtp;
		int64_t pos;
		int n;

		if (c->v[i].stream != k || p->pt != s->pt)
			continue;
		ext = ts0 < 0 ? p->ts : ext + (int32_t)(p->ts - last_ts);
		if (ts0 < 0)
			ts0 = ext;
		last_ts = p->ts;
		pos = (ext - ts0) * s->rate / clock;
		if (pos < (int64_t)s->pcm.n)
			continue;
		n = tz_media_dec_frame(d, p->payload, p->len, pcm, sizeof(pcm) / sizeof(pcm[0]));
		if (n < 0) {
			s->bad++;
			continue;
		}
		if (pos - (int64_t)s->pcm.n > (int64_t)s->rate * MAX_GAP_S)
			pos = (int64_t)s->pcm.n;
		r = pcm_append(&s->pcm, NULL, (size_t)(pos - (int64_t)s->pcm.n));
		if (r == 0)
			r = pcm_append(&s->pcm, pcm, (size_t)n);
	}
	tz_media_dec_destroy(d);
	return r;
}

/* Stream s's PCM at rate, delayed by lead frames, into channel ch of out. */
static int place(const struct stream *s, uint32_t rate, size_t lead, int16_t *out, size_t frames,
		 unsigned ch)
{
	struct tz_media_resampler *rs = NULL;
	const int16_t *src = s->pcm.v;
	int16_t *tmp = NULL;
	size_t n = s->pcm.n;

	if (s->rate != rate && n > 0) {
		int m;

		rs = tz_media_resampler_create(s->rate, rate, 1, 0);
		tmp = rs ? malloc(tz_media_resampler_out_max(rs, n) * sizeof(*tmp)) : NULL;
		m = tmp ? tz_media_resample(rs, src, n, tmp, tz_media_resampler_out_max(rs, n)) : -ENOMEM;
		tz_media_resampler_destroy(rs);
		if (m < 0) {
			free(tmp);
			return m;
		}
		src = tmp;
		n = (size_t)m;
	}
	for (size_t i = 0; i < n && lead + i < frames; i++)
		out[2 * (lead + i) + ch] = src[i];
	free(tmp);
	return 0;
}

static int write_wav(struct collect *c, const char *path)
{
	struct tz_media_wav_writer *w;
	uint32_t rate = c->s[0].rate;
	uint64_t t0 = c->s[0].first_us;
	size_t frames = 0, lead[2] = { 0, 0 };
	int16_t *st = NULL;
	int r;

	if (c->want == 1) {
		w = tz_media_wav_open(path, rate, 1);
		if (w == NULL)
			return -errno;
		r = tz_media_wav_write(w, c->s[0].pcm.v, c->s[0].pcm.n);
		return tz_media_wav_close(w) != 0 && r == 0 ? -EIO : r;
	}
	for (unsigned k = 1; k < c->n_streams; k++) {
		rate = c->s[k].rate > rate ? c->s[k].rate : rate;
		t0 = c->s[k].first_us < t0 ? c->s[k].first_us : t0;
	}
	for (unsigned k = 0; k < c->n_streams; k++) {
		size_t n = (size_t)((uint64_t)c->s[k].pcm.n * rate / c->s[k].rate);

		lead[k] = (size_t)((c->s[k].first_us - t0) * rate / 1000000u);
		frames = lead[k] + n > frames ? lead[k] + n : frames;
	}
	st = calloc(frames ? frames * 2 : 2, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < c->n_streams; k++)
		if ((r = place(&c->s[k], rate, lead[k], st, frames, k)) != 0)
			goto cleanup;
	w = tz_media_wav_open(path, rate, 2);
	if (w == NULL) {
		r = -errno;
		goto cleanup;
	}
	r = tz_media_wav_write(w, st, frames);
	if (tz_media_wav_close(w) != 0 && r == 0)
		r = -EIO;
cleanup:
	free(st);
	return r;
}

/* Each stream's audio PT (the most frequent, or --pt) and codec (by PT, or
 * --codec), then its PCM. */
static int decode_all(struct collect *c, long pt, int codec)
{
	int r;

	for (unsigned k = 0; k < c->n_streams; k++) {
		struct stream *s = &c->s[k];

		s->pt = pt >= 0 ? (unsigned)pt : 0;
		for (unsigned i = 1; pt < 0 && i < 128; i++)
			if (s->pt_count[i] > s->pt_count[s->pt])
				s->pt = i;
		s->codec = codec >= 0 ? codec : codec_of_pt(s->pt);
		if (s->codec < 0) {
			fprintf(stderr, "trapeze-media: SSRC 0x%08x PT %u: give --codec\n", s->ssrc, s->pt);
			return -EINVAL;
		}
		if ((r = decode_stream(c, k, s)) != 0)
			return r;
		fprintf(stderr, "pcap2wav: %sSSRC 0x%08x PT %u (%s): %u packets, %u undecodable\n",
			c->want == 2 ? (k ? "ch1 " : "ch0 ") : "", s->ssrc, s->pt,
			tz_media_codec_name(s->codec), s->pt_count[s->pt], s->bad);
	}
	if (c->want == 2 && c->n_streams == 1)
		fprintf(stderr, "pcap2wav: only one RTP stream: ch1 is silent\n");
	return 0;
}

int media_cmd_pcap2wav(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'P' },
		{ "ssrc", required_argument, NULL, 'x' },
		{ "pt", required_argument, NULL, 'p' },
		{ "codec", required_argument, NULL, 'c' },
		{ "stereo", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct collect col = { .port = -1, .ssrc = -1, .want = 1 };
	unsigned long v;
	long pt = -1;
	int codec = -1, c, r;
	const char *why = NULL;
	uint8_t *buf;
	size_t len;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'P': if (parse_ulong(optarg, 65535, &v) != 0) goto err_usage; col.port = (long)v; break;
		case 'x': if (parse_ulong(optarg, 0xFFFFFFFFul, &v) != 0) goto err_usage; col.ssrc = (long)v; break;
		case 'p': if (parse_ulong(optarg, 127, &v) != 0) goto err_usage; pt = (long)v; break;
		case 'c': codec = tz_media_codec_parse(optarg); if (codec < 0) goto err_usage; break;
		case 's': col.want = 2; break;
		default: goto err_usage;
		}
	}
	if (optind + 2 != argc || (col.want == 2 && col.ssrc >= 0))
		goto err_usage;
	if (media_read_file(argv[optind], &buf, &len) != 0)
		return 1;
	r = tz_mtool_pcap_walk(buf, len, collect_fn, &col, &why);
	if (r < 0) {
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind], why ? why : strerror(-r));
		goto cleanup;
	}
	if (col.n == 0) {
		fprintf(stderr, "trapeze-media: %s: no RTP stream%s\n", argv[optind],
			col.port >= 0 || col.ssrc >= 0 ? " matches" : "");
		r = -ENOENT;
		goto cleanup;
	}
	r = decode_all(&col, pt, codec);
	if (r == 0 && (r = write_wav(&col, argv[optind + 1])) != 0)
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind + 1], strerror(-r));
cleanup:
	for (unsigned k = 0; k < 2; k++)
		free(col.s[k].pcm.v);
	free(col.v);
	free(buf);
	return r < 0 ? 1 : 0;

err_usage:
	fprintf(stderr, "Usage: trapeze-media pcap2wav [--port P] [--ssrc X | --stereo] [--pt N] "
		"[--codec C] in.pcap out.wav\n");
	return 2;
}
