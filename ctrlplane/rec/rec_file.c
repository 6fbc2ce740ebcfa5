/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files of one recording, written by the writer thread:
 * - `.pcap`: libpcap format, nanosecond timestamps, LINKTYPE_RAW; each RTP
 *   packet behind an IPv4/IPv6 + UDP header of the SIP leg (gateway core
 *   address:port <-> the peer's), so Wireshark's RTP player takes it as is.
 * - `.wav`: RIFF PCM16, 8 kHz, two channels (0: from the web, 1: to it).
 *   A packet's place is its RTP timestamp relative to the first one of its
 *   stream, anchored at its arrival time since the start; a stream that
 *   strays more than a second from arrival time (a new SSRC, a jump) is
 *   anchored again.  Samples go in with pread/pwrite of their frames, so
 *   the other channel's samples stay and what nobody wrote reads as zero:
 *   gaps are silence.
 * - `.json`: the metadata, written last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "rec_pvt.h"

#define FILE_MODE 0640
#define WAV_HDR 44
#define RESYNC_FRAMES REC_WAV_RATE   /* 1 s away from arrival: anchor again */

static void le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static void wav_header(uint8_t h[WAV_HDR], uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, 1);                            /* PCM */
	le16(h + 22, 2);                            /* channels */
	le32(h + 24, REC_WAV_RATE);
	le32(h + 28, REC_WAV_RATE * 4);             /* bytes per second */
	le16(h + 32, 4);                            /* bytes per frame */
	le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	le32(h + 40, data_bytes);
}

/* O_RDWR for the WAV: its frames are read back to fill the other channel */
static int create_mode(const char *dir, const char *name, const char *ext, int acc, int *fd)
{
	g_autofree char *path = g_strdup_printf("%s/%s.%s", dir, name, ext);

	*fd = open(path, acc | O_CREAT | O_EXCL | O_CLOEXEC, FILE_MODE);
	if (*fd < 0)
		return -errno;
	if (fchmod(*fd, FILE_MODE) != 0) {      /* whatever the umask */
		int rc = -errno;

		close(*fd);
		*fd = -1;
		return rc;
	}
	return 0;
}

static int create(const char *dir, const char *name, const char *ext, int *fd)
{
	return create_mode(dir, name, ext, O_WRONLY, fd);
}

static void note_err(struct rec_files *f, int rc)
{
	if (f->err == 0)
		f->err = rc;
}

int rec_files_open(struct rec_files *f, const struct tz_rec_info *in, int64_t t0_ns)
{
	/* pcap global header: nanosecond magic, 2.4, snaplen, LINKTYPE_RAW (101) */
	static const uint32_t pcap_hdr[6] = { 0xa1b23c4d, 0x00040002, 0, 0, 65535, 101 };
	uint8_t wh[WAV_HDR];
	time_t s = (time_t)(t0_ns / 1000000000);
	struct tm tm;
	int fd, rc;

	memset(f, 0, sizeof(*f));
	f->wav = -1;
	f->t0_ns = t0_ns;
	gmtime_r(&s, &tm);
	snprintf(f->name, sizeof(f->name), "%04d%02d%02dT%02d%02d%02dZ-%u", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, in->call);
	if (g_mkdir_with_parents(in->dir, 0750) != 0)
		return -errno;
	rc = create(in->dir, f->name, "pcap", &fd);
	if (rc != 0)
		return rc;
	f->pcap = fdopen(fd, "w");
	if (f->pcap == NULL) {
		close(fd);
		return -ENOMEM;
	}
	rc = create_mode(in->dir, f->name, "wav", O_RDWR, &f->wav);
	if (rc != 0)
		goto fail;
	wav_header(wh, 0);
	if (fwrite(pcap_hdr, sizeof(pcap_hdr), 1, f->pcap) != 1 ||
	    write(f->wav, wh, WAV_HDR) != WAV_HDR) {
		rc = -EIO;
		goto fail;
	}
	return 0;
fail:
	fclose(f->pcap);
	f->pcap = NULL;
	if (f->wav >= 0)
		close(f->wav);
	f->wav = -1;
	return rc;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* IP + UDP header of direction @p dir (0: gateway -> peer, 1: peer -> gateway)
 * into @p h; its length. */
static size_t ip_udp(const struct tz_rec_info *in, unsigned dir, size_t len, uint8_t *h,
		     const uint8_t *rtp)
{
	const uint8_t *src = dir == 0 ? in->gw : in->peer, *dst = dir == 0 ? in->peer : in->gw;
	uint16_t sp = dir == 0 ? in->gw_port : in->peer_port;
	uint16_t dp = dir == 0 ? in->peer_port : in->gw_port;
	size_t ip = in->family == AF_INET6 ? 40 : 20;
	uint8_t *u = h + ip;
	uint32_t s;

	memset(h, 0, ip + 8);
	if (ip == 20) {
		h[0] = 0x45;
		h[2] = (uint8_t)((20 + 8 + len) >> 8);
		h[3] = (uint8_t)(20 + 8 + len);
		h[6] = 0x40;                            /* DF */
		h[8] = 64;
		h[9] = 17;
		memcpy(h + 12, src, 4);
		memcpy(h + 16, dst, 4);
		s = csum_fold(csum_add(0, h, 20));
		h[10] = (uint8_t)(s >> 8);
		h[11] = (uint8_t)s;
	} else {
		h[0] = 0x60;
		h[4] = (uint8_t)((8 + len) >> 8);
		h[5] = (uint8_t)(8 + len);
		h[6] = 17;
		h[7] = 64;
		memcpy(h + 8, src, 16);
		memcpy(h + 24, dst, 16);
	}
	u[0] = (uint8_t)(sp >> 8);
	u[1] = (uint8_t)sp;
	u[2] = (uint8_t)(dp >> 8);
	u[3] = (uint8_t)dp;
	u[4] = (uint8_t)((8 + len) >> 8);
	u[5] = (uint8_t)(8 + len);
	if (ip == 40) {                                 /* mandatory over IPv6 (RFC 8200 8.1) */
		s = csum_add(0, h + 8, 32) + 17 + (uint32_t)(8 + len);
		s = csum_add(csum_add(s, u, 8), rtp, len);
		s = csum_fold(s);
		if (s == 0)
			s = 0xffff;
		u[6] = (uint8_t)(s >> 8);
		u[7] = (uint8_t)s;
	}
	return ip + 8;
}

static void pcap_packet(struct rec_files *f, const struct tz_rec_info *in, unsigned dir,
			int64_t t_ns, const uint8_t *rtp, size_t len)
{
	uint8_t h[48];
	size_t hl = ip_udp(in, dir, len, h, rtp);
	uint32_t rec[4] = { (uint32_t)(t_ns / 1000000000), (uint32_t)(t_ns % 1000000000),
			    (uint32_t)(hl + len), (uint32_t)(hl + len) };

	if (fwrite(rec, sizeof(rec), 1, f->pcap) != 1 || fwrite(h, hl, 1, f->pcap) != 1 ||
	    fwrite(rtp, len, 1, f->pcap) != 1)
		note_err(f, -EIO);
}

static const struct tz_rec_codec *codec_of(const struct tz_rec_info *in, uint8_t pt)
{
	for (unsigned i = 0; i < in->n_codecs; i++)
		if (in->codecs[i].pt == pt)
			return &in->codecs[i];
	return NULL;
}

/* The WAV frame where the samples of @p r go. */
static int64_t place(struct rec_chan *ch, const struct rec_rtp *r, uint32_t clock, int64_t arrival)
{
	int64_t pos = 0;

	if (ch->anchored && r->ssrc == ch->ssrc)
		pos = ch->pos0 + (int64_t)(int32_t)(r->ts - ch->ts0) * REC_WAV_RATE / (int64_t)clock;
	if (!ch->anchored || r->ssrc != ch->ssrc || pos < 0 || pos > arrival + RESYNC_FRAMES ||
	    pos < arrival - RESYNC_FRAMES) {
		ch->anchored = true;
		ch->ssrc = r->ssrc;
		ch->ts0 = r->ts;
		ch->pos0 = pos = arrival;
	}
	return pos;
}

/* Put @p n samples of channel @p c at frame @p pos, keeping the other channel. */
static void wav_put(struct rec_files *f, unsigned c, int64_t pos, const int16_t *s, size_t n)
{
	uint8_t buf[960 * 4 * 3];
	off_t off = WAV_HDR + (off_t)pos * 4;
	ssize_t got;

	if (n * 4 > sizeof(buf))
		n = sizeof(buf) / 4;
	got = pread(f->wav, buf, n * 4, off);
	if (got < 0) {
		note_err(f, -errno);
		return;
	}
	memset(buf + got, 0, n * 4 - (size_t)got);
	for (size_t i = 0; i < n; i++)
		le16(buf + 4 * i + 2 * c, (uint16_t)s[i]);
	if (pwrite(f->wav, buf, n * 4, off) != (ssize_t)(n * 4)) {
		note_err(f, errno != 0 ? -errno : -ENOSPC);
		return;
	}
	if (pos + (int64_t)n > f->frames)
		f->frames = pos + (int64_t)n;
}

void rec_files_packet(struct rec_files *f, const struct tz_rec_info *in, unsigned dir,
		      int64_t t_ns, const uint8_t *rtp, size_t len)
{
	int16_t pcm[960 * 3];                   /* 120 ms at 8 kHz, x3 for Opus's limit */
	const struct tz_rec_codec *codec;
	struct rec_chan *ch = &f->ch[dir & 1];
	struct rec_rtp r;
	int64_t arrival;
	int n;

	if (f->pcap == NULL)
		return;
	dir &= 1;
	pcap_packet(f, in, dir, t_ns, rtp, len);
	f->cnt.written[dir]++;
	if (t_ns > f->t_end_ns)
		f->t_end_ns = t_ns;
	codec = rec_rtp_parse(rtp, len, &r) == 0 ? codec_of(in, r.pt) : NULL;
	n = codec != NULL ? rec_decode(&ch->dec, codec, r.payload, r.len, pcm, G_N_ELEMENTS(pcm))
			  : -ENOTSUP;
	if (n <= 0 || codec->clock == 0) {
		f->cnt.undecoded[dir] += n < 0;
		return;
	}
	arrival = t_ns > f->t0_ns ? (t_ns - f->t0_ns) / (1000000000 / REC_WAV_RATE) : 0;
	wav_put(f, dir, place(ch, &r, codec->clock, arrival), pcm, (size_t)n);
}

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *k, int64_t v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

static char *iso_time(int64_t ns)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(ns / 1000000000);
	g_autofree char *s = t != NULL ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S") : NULL;

	return g_strdup_printf("%s.%03dZ", s != NULL ? s : "?", (int)(ns % 1000000000 / 1000000));
}

static char *addr_text(int family, const uint8_t *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, a, ip, sizeof(ip));
	return family == AF_INET6 ? g_strdup_printf("[%s]:%u", ip, port)
				  : g_strdup_printf("%s:%u", ip, port);
}

static void add_dir(JsonBuilder *b, const char *k, const struct tz_rec_counts *c, int d)
{
	json_builder_set_member_name(b, k);
	json_builder_begin_object(b);
	add_int(b, "packets", (int64_t)c->written[d]);
	add_int(b, "dropped", (int64_t)c->dropped[d]);
	add_int(b, "undecoded", (int64_t)c->undecoded[d]);
	json_builder_end_object(b);
}

static char *json_text(const struct rec_files *f, const struct tz_rec_info *in)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) g = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *t0 = iso_time(f->t0_ns), *t1 = iso_time(f->t_end_ns);
	g_autofree char *gw = addr_text(in->family, in->gw, in->gw_port);
	g_autofree char *peer = addr_text(in->family, in->peer, in->peer_port);
	g_autofree char *pcap = g_strdup_printf("%s.pcap", f->name);
	g_autofree char *wav = g_strdup_printf("%s.wav", f->name);

	json_builder_begin_object(b);
	add_int(b, "call_id", in->call);
	add_str(b, "tenant", in->tenant);
	add_str(b, "user", in->user);
	add_str(b, "target", in->target);
	add_str(b, "start_time", t0);
	add_str(b, "end_time", t1);
	add_str(b, "gateway", gw);
	add_str(b, "peer", peer);
	json_builder_set_member_name(b, "codecs");
	json_builder_begin_array(b);
	for (unsigned i = 0; i < in->n_codecs; i++) {
		json_builder_begin_object(b);
		add_int(b, "pt", in->codecs[i].pt);
		add_str(b, "name", in->codecs[i].name);
		add_int(b, "clock", in->codecs[i].clock);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	add_dir(b, "from_web", &f->cnt, 0);
	add_dir(b, "to_web", &f->cnt, 1);
	json_builder_set_member_name(b, "files");
	json_builder_begin_object(b);
	add_str(b, "pcap", pcap);
	add_str(b, "wav", wav);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "wav");
	json_builder_begin_object(b);
	add_int(b, "rate", REC_WAV_RATE);
	add_int(b, "channels", 2);
	add_str(b, "channel_0", "from_web");
	add_str(b, "channel_1", "to_web");
	add_int(b, "frames", f->frames);
	json_builder_end_object(b);
	add_int(b, "write_error", f->err);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	return json_generator_to_data(g, NULL);
}

int rec_files_close(struct rec_files *f, const struct tz_rec_info *in, const uint64_t dropped[2],
		    int64_t t_end_ns)
{
	uint8_t wh[WAV_HDR];
	g_autofree char *text = NULL;
	size_t n;
	int fd, rc;

	if (f->pcap == NULL)
		return -EBADF;
	f->cnt.dropped[0] = dropped[0];
	f->cnt.dropped[1] = dropped[1];
	if (t_end_ns > f->t_end_ns)
		f->t_end_ns = t_end_ns;
	if (fclose(f->pcap) != 0)
		note_err(f, -errno);
	f->pcap = NULL;
	wav_header(wh, (uint32_t)MIN(f->frames * 4, (int64_t)UINT32_MAX - 36));
	if (pwrite(f->wav, wh, WAV_HDR, 0) != WAV_HDR ||
	    ftruncate(f->wav, WAV_HDR + (off_t)f->frames * 4) != 0)
		note_err(f, -EIO);
	if (close(f->wav) != 0)
		note_err(f, -errno);
	f->wav = -1;
	rec_dec_free(&f->ch[0].dec);
	rec_dec_free(&f->ch[1].dec);
	text = json_text(f, in);
	n = strlen(text);
	rc = create(in->dir, f->name, "json", &fd);
	if (rc != 0)
		return rc;
	if (write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
		note_err(f, -EIO);
	if (close(fd) != 0)
		note_err(f, -errno);
	return f->err;
}
