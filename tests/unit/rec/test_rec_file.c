/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recording's files: a call with a 440 Hz PCMU voice from the web and a
 * 1000 Hz Opus voice from the SIP side gives a stereo 8 kHz WAV with each
 * tone on its channel (Goertzel), time-aligned with silence in a gap, that
 * Python's wave module reads; a pcap whose packets carry the SIP leg's
 * addresses each way with valid IPv4 checksums; a JSON naming both files
 * with the counts; all files mode 0640.  A G.722 + A-law call decoded into
 * its channels too; RTP header parsing against odd headers.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <opus.h>

#include "rec_pvt.h"
#include "tz_media.h"

#define T0 1796645893000000000LL        /* 2026-12-07T12:18:13Z, in ns */
#define MS 1000000LL

static char *tmpdir;

static int setup(void **state)
{
	tmpdir = g_dir_make_tmp("tz_rec_XXXXXX", NULL);
	return tmpdir != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);

	assert_int_equal(system(cmd), 0);
	g_free(tmpdir);
	return 0;
}

static void info_init(struct tz_rec_info *in)
{
	memset(in, 0, sizeof(*in));
	in->call = 42;
	g_strlcpy(in->tenant, "acme", sizeof(in->tenant));
	g_strlcpy(in->user, "alice", sizeof(in->user));
	g_strlcpy(in->target, "+15550100", sizeof(in->target));
	snprintf(in->dir, sizeof(in->dir), "%s/acme", tmpdir);
	in->family = AF_INET;
	inet_pton(AF_INET, "203.0.113.1", in->gw);
	inet_pton(AF_INET, "203.0.113.2", in->peer);
	in->gw_port = 30000;
	in->peer_port = 5004;
	in->codecs[0] = (struct tz_rec_codec){ 0, "PCMU", 8000, 1 };
	in->codecs[1] = (struct tz_rec_codec){ 111, "opus", 48000, 2 };
	in->codecs[2] = (struct tz_rec_codec){ 101, "telephone-event", 8000, 1 };
	in->n_codecs = 3;
}

static size_t rtp_hdr(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	return 12;
}

/* mu-law encoding (G.711), for the test's input only */
static uint8_t ulaw_enc(int16_t s)
{
	int sign = s < 0 ? 0x80 : 0, v = s < 0 ? -s : s, e = 7;

	if (v > 32635)
		v = 32635;
	v += 0x84;
	while (e > 0 && !(v & (0x4000 >> (7 - e))))
		e--;
	return (uint8_t)~(sign | e << 4 | ((v >> (e + 3)) & 0x0f));
}

/* Goertzel power of @p f Hz relative to the signal's, over channel @p ch of
 * @p n stereo frames. */
static double tone_share(const int16_t *s, size_t n, unsigned ch, double f)
{
	double k = 2 * cos(2 * M_PI * f / REC_WAV_RATE), a = 0, b = 0, e = 0;

	for (size_t i = 0; i < n; i++) {
		double x = s[2 * i + ch], y = x + k * a - b;

		b = a;
		a = y;
		e += x * x;
	}
	return e > 0 ? (a * a + b * b - k * a * b) / (e * (double)n / 2) : 0;
}

static void *slurp(const char *dir, const char *name, const char *ext, size_t *len)
{
	g_autofree char *p = g_strdup_printf("%s/%s.%s", dir, name, ext);
	struct stat st;
	char *buf;

	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_true(g_file_get_contents(p, &buf, len, NULL));
	return buf;
}

static void check_pcap(const uint8_t *p, size_t len, uint64_t want0, uint64_t want1)
{
	uint64_t n[2] = { 0, 0 };
	uint32_t magic;
	size_t off = 24;

	memcpy(&magic, p, 4);
	assert_int_equal(magic, 0xa1b23c4d);
	while (off + 16 <= len) {
		uint32_t rec[4];
		const uint8_t *ip;
		uint32_t sum = 0;

		memcpy(rec, p + off, 16);
		ip = p + off + 16;
		assert_int_equal(rec[2], rec[3]);
		assert_true(off + 16 + rec[2] <= len);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[9], 17);
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)ip[i] << 8 | ip[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(sum, 0xffff);                  /* header checksum valid */
		assert_int_equal((ip[2] << 8 | ip[3]), rec[2]);
		if ((ip[20] << 8 | ip[21]) == 30000) {          /* gateway -> peer: from web */
			assert_int_equal(ip[22] << 8 | ip[23], 5004);
			assert_int_equal(ip[16], 203);
			assert_int_equal(ip[19], 2);
			n[0]++;
		} else {
			assert_int_equal(ip[20] << 8 | ip[21], 5004);
			assert_int_equal(ip[22] << 8 | ip[23], 30000);
			n[1]++;
		}
		off += 16 + rec[2];
	}
	assert_int_equal(off, len);
	assert_int_equal(n[0], want0);
	assert_int_equal(n[1], want1);
}

static void test_call_gives_pcap_stereo_wav_and_json(void **state)
{
	struct tz_rec_info in;
	struct rec_files f;
	OpusEncoder *enc;
	const uint64_t dropped[2] = { 0, 3 };
	uint8_t pkt[1500];
	int16_t pcm48[960];
	size_t len;
	int err;
	g_autofree uint8_t *wav = NULL, *pcap = NULL;
	g_autofree char *json = NULL, *py = NULL, *python = NULL;
	g_autoptr(JsonParser) jp = json_parser_new();
	JsonObject *o;
	const int16_t *s;
	size_t frames;
	int status;

	info_init(&in);
	assert_int_equal(rec_files_open(&f, &in, T0), 0);
	assert_string_equal(f.name, "20261207T121813Z-42");
	enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO, &err);
	assert_non_null(enc);
	/* 1 s each way, 20 ms packets; the SIP side starts 100 ms later and
	 * pauses 200 ms (packets 20..29 missing): silence there */
	for (unsigned i = 0; i < 50; i++) {
		size_t h = rtp_hdr(pkt, 0, (uint16_t)(1000 + i), 160 * i, 0x1111);
		int n;

		for (unsigned k = 0; k < 160; k++)
			pkt[h + k] = ulaw_enc((int16_t)(8000 * sin(2 * M_PI * 440 * (160 * i + k) / 8000)));
		rec_files_packet(&f, &in, 0, T0 + (int64_t)i * 20 * MS, pkt, h + 160);
		if (i >= 20 && i < 30)
			continue;
		for (unsigned k = 0; k < 960; k++)
			pcm48[k] = (int16_t)(8000 * sin(2 * M_PI * 1000 * (960 * i + k) / 48000));
		h = rtp_hdr(pkt, 111, (uint16_t)(7 + i), 5000 + 960 * i, 0x2222);
		n = opus_encode(enc, pcm48, 960, pkt + h, (opus_int32)(sizeof(pkt) - h));
		assert_true(n > 0);
		rec_files_packet(&f, &in, 1, T0 + 100 * MS + (int64_t)i * 20 * MS, pkt, h + (size_t)n);
	}
	/* a DTMF event: in the pcap, not decoded into the WAV */
	len = rtp_hdr(pkt, 101, 57, 0, 0x2222);
	memset(pkt + len, 0, 4);
	rec_files_packet(&f, &in, 1, T0 + 1200 * MS, pkt, len + 4);
	opus_encoder_destroy(enc);
	err = rec_files_close(&f, &in, dropped, T0 + 1300 * MS);
	assert_int_equal(err, 0);

	pcap = slurp(in.dir, f.name, "pcap", &len);
	check_pcap(pcap, len, 50, 41);

	wav = slurp(in.dir, f.name, "wav", &len);
	assert_memory_equal(wav, "RIFF", 4);
	assert_int_equal(wav[22], 2);                           /* channels */
	assert_int_equal(wav[24] | wav[25] << 8, 8000);
	frames = (len - 44) / 4;
	assert_true(frames >= 8000 && frames <= 8000 + 960);
	s = (const int16_t *)(wav + 44);
	/* 0-100 ms: the web's tone alone; 100-500 ms both */
	assert_true(tone_share(s, 800, 0, 440) > 0.8);
	assert_true(tone_share(s + 2 * 1000, 2000, 0, 440) > 0.8);
	assert_true(tone_share(s + 2 * 1000, 2000, 1, 1000) > 0.6);
	assert_true(tone_share(s + 2 * 1000, 2000, 0, 1000) < 0.05);
	assert_true(tone_share(s + 2 * 1000, 2000, 1, 440) < 0.05);
	/* the SIP side's pause (500-700 ms after its start at 100 ms, plus the
	 * decoder's delay) is silence on channel 1 only */
	for (size_t i = 4900; i < 5500; i++)
		assert_true(abs(s[2 * i + 1]) < 200);
	assert_true(tone_share(s + 2 * 4900, 600, 0, 440) > 0.8);

	json = slurp(in.dir, f.name, "json", &len);
	assert_true(json_parser_load_from_data(jp, json, (gssize)len, NULL));
	o = json_node_get_object(json_parser_get_root(jp));
	assert_int_equal(json_object_get_int_member(o, "call_id"), 42);
	assert_string_equal(json_object_get_string_member(o, "tenant"), "acme");
	assert_string_equal(json_object_get_string_member(o, "start_time"), "2026-12-07T12:18:13.000Z");
	assert_string_equal(json_object_get_string_member(o, "end_time"), "2026-12-07T12:18:14.300Z");
	assert_string_equal(json_object_get_string_member(o, "peer"), "203.0.113.2:5004");
	assert_string_equal(json_object_get_string_member(json_object_get_object_member(o, "files"),
							  "wav"), "20261207T121813Z-42.wav");
	assert_string_equal(json_object_get_string_member(json_object_get_object_member(o, "files"),
							  "pcap"), "20261207T121813Z-42.pcap");
	assert_int_equal(json_object_get_int_member(json_object_get_object_member(o, "from_web"),
						    "packets"), 50);
	assert_int_equal(json_object_get_int_member(json_object_get_object_member(o, "to_web"),
						    "packets"), 41);
	assert_int_equal(json_object_get_int_member(json_object_get_object_member(o, "to_web"),
						    "dropped"), 3);
	assert_int_equal(json_object_get_int_member(json_object_get_object_member(o, "to_web"),
						    "undecoded"), 1);
	assert_int_equal(json_array_get_length(json_object_get_array_member(o, "codecs")), 3);

	/* a WAV player's view: Python's wave module */
	py = g_strdup_printf("python3 -c \"import wave,sys; w=wave.open(sys.argv[1]); "
			     "sys.exit(0 if (w.getnchannels(),w.getsampwidth(),w.getframerate(),"
			     "w.getnframes())==(2,2,8000,%zu) else 1)\" '%s/%s.wav'", frames, in.dir,
			     f.name);
	python = g_find_program_in_path("python3");
	if (python != NULL) {
		assert_true(g_spawn_command_line_sync(py, NULL, NULL, &status, NULL));
		assert_true(g_spawn_check_wait_status(status, NULL));
	}
}

/* Created exclusively: a second recording of the same call in the same
 * second is refused instead of overwriting the first. */
static void test_open_refuses_to_overwrite(void **state)
{
	struct tz_rec_info in;
	struct rec_files a, b;
	const uint64_t none[2] = { 0, 0 };

	info_init(&in);
	in.call = 43;
	assert_int_equal(rec_files_open(&a, &in, T0), 0);
	assert_int_equal(rec_files_open(&b, &in, T0), -EEXIST);
	assert_int_equal(rec_files_close(&a, &in, none, T0), 0);
}

/* A G.722 call (PT 9, RTP clock 8000, 16 kHz audio) with A-law from the SIP
 * side: both decoded into the 8 kHz WAV, each tone on its channel. */
static void test_g722_and_pcma_channels(void **state)
{
	struct tz_rec_info in;
	struct rec_files f;
	struct tz_media_enc *g722 = tz_media_enc_create(TZ_MEDIA_G722, 16000, NULL);
	const uint64_t none[2] = { 0, 0 };
	uint8_t pkt[1500];
	int16_t pcm16[320], pcm8[160];
	g_autofree uint8_t *wav = NULL;
	const int16_t *s;
	size_t len;

	assert_non_null(g722);
	info_init(&in);
	in.call = 44;
	in.codecs[0] = (struct tz_rec_codec){ 9, "G722", 8000, 1 };
	in.codecs[1] = (struct tz_rec_codec){ 8, "PCMA", 8000, 1 };
	in.n_codecs = 2;
	assert_int_equal(rec_files_open(&f, &in, T0), 0);
	for (unsigned i = 0; i < 50; i++) {
		size_t h = rtp_hdr(pkt, 9, (uint16_t)(100 + i), 160 * i, 0x3333);
		int n;

		for (unsigned k = 0; k < 320; k++)
			pcm16[k] = (int16_t)(8000 * sin(2 * M_PI * 440 * (320 * i + k) / 16000));
		n = tz_media_enc_frame(g722, pcm16, 320, pkt + h, sizeof(pkt) - h);
		assert_int_equal(n, 160);
		rec_files_packet(&f, &in, 0, T0 + (int64_t)i * 20 * MS, pkt, h + (size_t)n);
		for (unsigned k = 0; k < 160; k++)
			pcm8[k] = (int16_t)(8000 * sin(2 * M_PI * 1000 * (160 * i + k) / 8000));
		h = rtp_hdr(pkt, 8, (uint16_t)(9 + i), 160 * i, 0x4444);
		tz_media_g711_encode(true, pcm8, pkt + h, 160);
		rec_files_packet(&f, &in, 1, T0 + (int64_t)i * 20 * MS, pkt, h + 160);
	}
	tz_media_enc_destroy(g722);
	assert_int_equal(rec_files_close(&f, &in, none, T0 + 1100 * MS), 0);
	wav = slurp(in.dir, f.name, "wav", &len);
	assert_true((len - 44) / 4 >= 7000);
	s = (const int16_t *)(wav + 44);
	assert_true(tone_share(s + 2 * 1000, 4000, 0, 440) > 0.8);
	assert_true(tone_share(s + 2 * 1000, 4000, 1, 1000) > 0.8);
	assert_true(tone_share(s + 2 * 1000, 4000, 0, 1000) < 0.05);
	assert_true(tone_share(s + 2 * 1000, 4000, 1, 440) < 0.05);
}

static void test_rtp_parse(void **state)
{
	uint8_t p[64] = { 0x80, 0x00 };
	struct rec_rtp r;

	assert_int_equal(rec_rtp_parse(p, 12, &r), 0);
	assert_int_equal(r.len, 0);
	p[0] = 0x40;
	assert_int_equal(rec_rtp_parse(p, 20, &r), -EINVAL);            /* version 1 */
	p[0] = 0x82;                                                     /* 2 CSRCs */
	assert_int_equal(rec_rtp_parse(p, 19, &r), -EINVAL);
	assert_int_equal(rec_rtp_parse(p, 24, &r), 0);
	assert_ptr_equal(r.payload, p + 20);
	p[0] = 0x90;                                                     /* extension, 1 word */
	p[12] = 0xbe;
	p[13] = 0xde;
	p[15] = 1;
	assert_int_equal(rec_rtp_parse(p, 20, &r), 0);
	assert_int_equal(r.len, 0);
	assert_int_equal(rec_rtp_parse(p, 19, &r), -EINVAL);
	p[0] = 0xa0;                                                     /* padding 4 */
	p[23] = 4;
	assert_int_equal(rec_rtp_parse(p, 24, &r), 0);
	assert_int_equal(r.len, 8);
	p[23] = 13;
	assert_int_equal(rec_rtp_parse(p, 24, &r), -EINVAL);
	p[23] = 0;
	assert_int_equal(rec_rtp_parse(p, 24, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_gives_pcap_stereo_wav_and_json),
		cmocka_unit_test(test_open_refuses_to_overwrite),
		cmocka_unit_test(test_g722_and_pcma_channels),
		cmocka_unit_test(test_rtp_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
