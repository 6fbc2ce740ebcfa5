/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-media wav2pcap and events: RTP streams in captures (pcap2wav:
 * media_pcap2wav.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media_cmds.h"
#include "mtool_pcap.h"
#include "tz_media.h"

#define DEFAULT_OPUS_PT 111
#define PCAP_EPOCH_US 1796601600000000ull       /* 2026-12-07T00:00:00Z */
#define MAX_EVENTS 4096

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || end == s || *end || *v > max ? -EINVAL : 0;
}

static void put_rtp(uint8_t *p, uint8_t pt, bool marker, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	p[0] = 0x80;
	p[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
}

struct stream_opts {
	enum tz_media_codec codec;
	unsigned pt, ptime, event_pt;
	uint32_t ssrc;
	const char *dtmf;               /* digits sent as RFC 4733 events, or NULL */
	unsigned dtmf_at_ms;
};

#define DIGIT_MS 200
#define DIGIT_GAP_MS 100
#define END_PACKETS 3                   /* RFC 4733 2.5.1.4 */

static int event_code(char c)
{
	static const char codes[] = "0123456789*#ABCD";
	const char *p = c ? strchr(codes, c >= 'a' && c <= 'd' ? c - 32 : c) : NULL;

	return p ? (int)(p - codes) : -1;
}

/* The RFC 4733 packets due in the slot at t_ms (after its audio packet):
 * one update per ptime while a digit lasts, the last one three times with
 * the end bit. */
static int put_events(const struct stream_opts *o, unsigned t_ms, uint32_t clock, uint16_t *seq,
		      uint64_t cap_us, struct tz_mtool_pcap_writer *w)
{
	unsigned step = DIGIT_MS + DIGIT_GAP_MS, j, start, since;
	uint8_t pkt[16];
	int r;

	if (o->dtmf == NULL || t_ms < o->dtmf_at_ms)
		return 0;
	j = (t_ms - o->dtmf_at_ms) / step;
	since = (t_ms - o->dtmf_at_ms) % step;
	if (j >= strlen(o->dtmf) || since >= DIGIT_MS)
		return 0;
	start = o->dtmf_at_ms + j * step;
	for (unsigned rep = 0; rep < (since + o->ptime >= DIGIT_MS ? END_PACKETS : 1); rep++) {
		bool end = since + o->ptime >= DIGIT_MS;
		unsigned dur = (end ? DIGIT_MS : since + o->ptime) * (clock / 1000);

		put_rtp(pkt, (uint8_t)o->event_pt, since == 0 && rep == 0, (*seq)++,
			start * (clock / 1000), o->ssrc);
		pkt[12] = (uint8_t)event_code(o->dtmf[j]);
		pkt[13] = (uint8_t)((end ? 0x80 : 0) | 10);        /* volume -10 dBm0 */
		pkt[14] = (uint8_t)(dur >> 8);
		pkt[15] = (uint8_t)dur;
		if ((r = tz_mtool_pcap_write(w, cap_us, pkt, sizeof(pkt))) < 0)
			return r;
	}
	return 0;
}

static int encode_stream(const struct stream_opts *o, const int16_t *pcm, size_t frames,
			 struct tz_mtool_pcap_writer *w)
{
	uint32_t rate = tz_media_codec_audio_rate(o->codec), clock = tz_media_codec_clock(o->codec);
	unsigned frame = rate / 1000 * o->ptime;
	struct tz_media_enc *e = tz_media_enc_create(o->codec, rate, NULL);
	int16_t *buf = calloc(frame, sizeof(*buf));
	uint8_t pkt[12 + 1400];
	uint16_t seq = 1;
	int r = -ENOMEM;

	if (e == NULL || buf == NULL)
		goto cleanup;
	for (size_t i = 0, k = 0; i < frames; i += frame, k++) {
		size_t n = frames - i < frame ? frames - i : frame;
		uint64_t cap_us = PCAP_EPOCH_US + (uint64_t)k * o->ptime * 1000;
		int len;

		memset(buf, 0, frame * sizeof(*buf));
		memcpy(buf, pcm + i, n * sizeof(*buf));
		len = tz_media_enc_frame(e, buf, frame, pkt + 12, sizeof(pkt) - 12);
		if (len < 0) {
			r = len;
			goto cleanup;
		}
		put_rtp(pkt, (uint8_t)o->pt, k == 0, seq++, (uint32_t)(k * (clock / 1000 * o->ptime)),
			o->ssrc);
		r = tz_mtool_pcap_write(w, cap_us, pkt, 12 + (size_t)len);
		if (r == 0)
			r = put_events(o, (unsigned)(k * o->ptime), clock, &seq, cap_us, w);
		if (r < 0)
			goto cleanup;
	}
	r = 0;
cleanup:
	tz_media_enc_destroy(e);
	free(buf);
	return r;
}

int media_cmd_wav2pcap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "pt", required_argument, NULL, 'p' },
		{ "ptime", required_argument, NULL, 't' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "ssrc", required_argument, NULL, 'x' },
		{ "dtmf", required_argument, NULL, 'D' },
		{ "dtmf-at", required_argument, NULL, 'A' },
		{ "event-pt", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	const char *src = NULL, *dst = NULL, *dtmf = NULL;
	unsigned long pt = 256, ptime = 20, ssrc = 0x54A2E001, event_pt = 101, dtmf_at = 1000;
	struct stream_opts so;
	int codec = -1, c, r;
	struct tz_mtool_pcap_writer w;
	int16_t *pcm;
	size_t frames;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': codec = tz_media_codec_parse(optarg); if (codec < 0) goto err_usage; break;
		case 'p': if (parse_ulong(optarg, 127, &pt) != 0) goto err_usage; break;
		case 't': if (parse_ulong(optarg, 120, &ptime) != 0) goto err_usage; break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'x': if (parse_ulong(optarg, 0xFFFFFFFFul, &ssrc) != 0) goto err_usage; break;
		case 'D': dtmf = optarg; break;
		case 'A': if (parse_ulong(optarg, 3600000, &dtmf_at) != 0) goto err_usage; break;
		case 'E': if (parse_ulong(optarg, 127, &event_pt) != 0) goto err_usage; break;
		default: goto err_usage;
		}
	}
	if (optind + 2 != argc || codec < 0 || !src || !dst || ptime < 10 || ptime % 10)
		goto err_usage;
	for (const char *d = dtmf; d && *d; d++)
		if (event_code(*d) < 0)
			goto err_usage;
	if (pt == 256)
		pt = codec == TZ_MEDIA_OPUS ? DEFAULT_OPUS_PT : (unsigned long)tz_media_codec_static_pt(codec);
	r = tz_media_wav_load(argv[optind], tz_media_codec_audio_rate(codec), 1, NULL, &pcm, &frames);
	if (r < 0) {
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind],
			r == -EBADMSG ? "not a WAV file" : strerror(-r));
		return 1;
	}
	r = tz_mtool_pcap_open(&w, argv[optind + 1], src, dst);
	if (r == -EINVAL) {
		fprintf(stderr, "trapeze-media: --src/--dst: IP:PORT or [IPv6]:PORT, same family\n");
		free(pcm);
		return 2;
	}
	so = (struct stream_opts){
		.codec = codec, .pt = (unsigned)pt, .ptime = (unsigned)ptime,
		.event_pt = (unsigned)event_pt, .ssrc = (uint32_t)ssrc, .dtmf = dtmf,
		.dtmf_at_ms = (unsigned)(dtmf_at / ptime * ptime),
	};
	if (r == 0)
		r = encode_stream(&so, pcm, frames, &w);
	if (tz_mtool_pcap_close(&w) != 0 && r == 0)
		r = -EIO;
	free(pcm);
	if (r < 0) {
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind + 1], strerror(-r));
		return 1;
	}
	return 0;

err_usage:
	fprintf(stderr, "Usage: trapeze-media wav2pcap --codec pcmu|pcma|g722|opus [--pt N] "
		"[--ptime MS] --src IP:PORT --dst IP:PORT [--ssrc X]\n"
		"       [--dtmf DIGITS [--dtmf-at MS (1000)] [--event-pt N (101)]] in.wav out.pcap\n");
	return 2;
}

/* ---- events ---------------------------------------------------------------- */

struct event {
	uint32_t ssrc, ts;
	uint8_t pt, code, volume;
	uint16_t seq_first, seq_last, duration;
	unsigned packets, ends;
};

struct events {
	long pt;
	struct event *v;
	size_t n;
	unsigned dropped;
};

static int events_fn(const struct tz_mtool_udp *u, void *arg)
{
	struct events *e = arg;
	struct tz_mtool_rtp r;
	struct event *ev = NULL;
	uint16_t dur;

	if (tz_mtool_rtp_parse(u->payload, u->len, &r) != 0 || r.len < 4 || r.len % 4)
		return 0;
	/* Without --pt: a dynamic PT, a 4-byte payload, a DTMF or flash code
	 * (RFC 4733 3.2), the reserved bit clear. */
	if (e->pt >= 0 ? r.pt != e->pt
		       : r.pt < 96 || r.len != 4 || r.payload[0] > 16 || (r.payload[1] & 0x40))
		return 0;
	dur = (uint16_t)(r.payload[2] << 8 | r.payload[3]);
	for (size_t i = e->n; i-- > 0;)
		if (e->v[i].ssrc == r.ssrc && e->v[i].ts == r.ts && e->v[i].code == r.payload[0]) {
			ev = &e->v[i];
			break;
		}
	if (ev == NULL) {
		if (e->n == MAX_EVENTS) {
			e->dropped++;
			return 0;
		}
		ev = &e->v[e->n++];
		*ev = (struct event){ .ssrc = r.ssrc, .ts = r.ts, .pt = r.pt, .code = r.payload[0],
				      .seq_first = r.seq };
	}
	ev->seq_last = r.seq;
	ev->packets++;
	ev->volume = r.payload[1] & 0x3F;
	if (dur > ev->duration)
		ev->duration = dur;
	if (r.payload[1] & 0x80)
		ev->ends++;
	return 0;
}

int media_cmd_events(int argc, char **argv)
{
	static const char digits[] = "0123456789*#ABCD!";
	static const struct option opts[] = {
		{ "pt", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct events e = { .pt = -1 };
	const char *why = NULL;
	unsigned long v;
	uint8_t *buf;
	size_t len;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p' || parse_ulong(optarg, 127, &v) != 0)
			goto err_usage;
		e.pt = (long)v;
	}
	if (optind + 1 != argc)
		goto err_usage;
	if (media_read_file(argv[optind], &buf, &len) != 0)
		return 1;
	e.v = calloc(MAX_EVENTS, sizeof(*e.v));
	if (e.v == NULL) {
		free(buf);
		return 1;
	}
	r = tz_mtool_pcap_walk(buf, len, events_fn, &e, &why);
	if (r < 0)
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind], why ? why : strerror(-r));
	for (size_t i = 0; r == 0 && i < e.n; i++) {
		const struct event *ev = &e.v[i];

		printf("ssrc 0x%08x pt %u digit %c event %u ts %u duration %u end %u seq %u-%u "
		       "packets %u volume %u\n", ev->ssrc, ev->pt,
		       ev->code <= 16 ? digits[ev->code] : '?', ev->code, ev->ts, ev->duration,
		       ev->ends, ev->seq_first, ev->seq_last, ev->packets, ev->volume);
	}
	if (e.dropped)
		fprintf(stderr, "trapeze-media: more than %u events, %u packets not shown\n",
			MAX_EVENTS, e.dropped);
	free(e.v);
	free(buf);
	return r < 0 ? 1 : 0;

err_usage:
	fprintf(stderr, "Usage: trapeze-media events [--pt N] in.pcap\n");
	return 2;
}
