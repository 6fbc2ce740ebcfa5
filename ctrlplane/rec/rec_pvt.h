/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to ctrlplane/rec and its tests: the file writer and the decoders. */
#ifndef TZ_REC_PVT_H
#define TZ_REC_PVT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tz_rec.h"

/* The WAV's sample rate: telephone quality, what G.711 carries; Opus is
 * decoded straight to it, G.722 resampled to it. */
#define REC_WAV_RATE 8000

/* rec_rtp.c: the fields of an RTP packet (RFC 3550 section 5.1). */
struct rec_rtp {
	uint8_t pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	const uint8_t *payload;
	size_t len;
};
/* 0, or -EINVAL: not RTP version 2, or the header (CSRCs, extension,
 * padding) does not fit in @p n bytes. */
int rec_rtp_parse(const uint8_t *p, size_t n, struct rec_rtp *out);

/* rec_decode.c: one direction's decoder (tz_media), made for the codec of
 * the first payload and remade when the codec changes. */
struct rec_dec {
	struct tz_media_dec *dec;
	struct tz_media_resampler *rs;  /* G.722: 16 kHz to REC_WAV_RATE */
	int codec;                      /* enum tz_media_codec of dec */
};
/* Decode @p n payload bytes of @p codec to REC_WAV_RATE mono PCM16 into
 * @p out (room for @p max samples).  Samples, or -ENOTSUP (a codec we do not
 * decode: telephone-event, CN, ...), -EINVAL (corrupt). */
int rec_decode(struct rec_dec *d, const struct tz_rec_codec *codec, const uint8_t *p, size_t n,
	       int16_t *out, size_t max);
void rec_dec_free(struct rec_dec *d);

/* rec_file.c: the three files of one recording. */
struct rec_chan {
	bool anchored;
	uint32_t ssrc, ts0;
	int64_t pos0;             /* WAV frame of ts0 */
	struct rec_dec dec;
};

struct rec_files {
	char name[96];            /* "<YYYYmmddTHHMMSSZ>-<call>" */
	FILE *pcap;
	int wav;                  /* fd, -1 */
	int64_t t0_ns;            /* Unix ns of the recording's start: WAV frame 0 */
	int64_t t_end_ns;
	int64_t frames;           /* WAV frames written (the longest channel) */
	struct rec_chan ch[2];
	struct tz_rec_counts cnt;
	int err;                  /* first write error, -errno */
};

/* Create the files in @p in->dir (made if missing, 0750), mode 0640, start
 * time @p t0_ns.  0 or -errno (nothing left open). */
int rec_files_open(struct rec_files *f, const struct tz_rec_info *in, int64_t t0_ns);
/* One RTP packet of direction @p dir received at @p t_ns (Unix ns). */
void rec_files_packet(struct rec_files *f, const struct tz_rec_info *in, unsigned dir,
		      int64_t t_ns, const uint8_t *rtp, size_t len);
/* Finish the WAV header, close pcap and WAV, write the JSON with @p dropped
 * taken into the counts.  0 or the first -errno. */
int rec_files_close(struct rec_files *f, const struct tz_rec_info *in, const uint64_t dropped[2],
		    int64_t t_end_ns);

/* rec_sweep.c: one retention sweep over @p dirs at Unix time @p now_s: the
 * recordings (files "<YYYYmmddTHHMMSSZ>-<call>.{pcap,wav,json}", regular,
 * not followed through symlinks) older than their dir's max_age_days, then
 * the oldest of each pool over its max_bytes, are deleted (all their files,
 * the JSON first) unless @p is_open says the writer still has them
 * (@p complete: the JSON exists).  Adds to @p res (zeroed by the caller)
 * and, when not NULL, to @p pool_bytes[i] the bytes left in the pool whose
 * first dir is dirs[i]. */
typedef bool (*rec_open_fn)(const char *dir, const char *name, bool complete, void *arg);
void rec_sweep(const struct tz_rec_retain_dir *dirs, unsigned n, int64_t now_s,
	       rec_open_fn is_open, void *arg, struct tz_rec_sweep_result *res,
	       uint64_t *pool_bytes);
/* rec_sweep.c: is @p s a recording's file name? The stem's length, else 0. */
size_t rec_sweep_name(const char *s, unsigned *ext);

/* rec.c: is the recording @p name in @p dir open in the writer? */
bool rec_is_open(const char *dir, const char *name, bool complete, void *unused);
/* rec_retain.c: the writer closed recording @p name in @p dir. */
void rec_retain_closed(const char *dir, const char *name);
/* rec_retain.c: stop the sweep thread (tz_rec_stop). */
void rec_retain_stop(void);

#endif /* TZ_REC_PVT_H */
