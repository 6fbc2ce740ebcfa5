/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tz_media: codecs, resampling, a one-direction RTP transcoder, WAV files and
 * tone analysis for the media-services stage (issue 14).  No DPDK: the stage
 * (or a tool, or a test) owns the threads and the packets.
 *
 * Threading: every object (encoder, decoder, resampler, transcoder, WAV
 * writer) is confined to the thread that uses it; none has locks and the
 * library has no mutable global state, so different objects may be used on
 * different threads at once.  Create and destroy allocate; everything in
 * between (encode, decode, resample, tz_media_xcode_push) does not.
 *
 * Errors: int functions return 0 (or a count) or a negative errno;
 * constructors return NULL and set errno.
 */
#ifndef TZ_MEDIA_H
#define TZ_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- codecs ------------------------------------------------------------ */

enum tz_media_codec {
	TZ_MEDIA_PCMU,          /* G.711 mu-law, 8 kHz, RTP clock 8000, static PT 0 */
	TZ_MEDIA_PCMA,          /* G.711 A-law, 8 kHz, RTP clock 8000, static PT 8 */
	TZ_MEDIA_G722,          /* G.722 64 kbit/s, 16 kHz audio, RTP clock 8000 (RFC 3551 4.5.2), PT 9 */
	TZ_MEDIA_OPUS,          /* Opus, RTP clock 48000 (RFC 7587), dynamic PT */
	TZ_MEDIA_CODEC_COUNT,
};

/** Codec name ("PCMU", "PCMA", "G722", "opus"). */
const char *tz_media_codec_name(enum tz_media_codec c);
/** Parse a codec name (case-insensitive; also "g711u", "g711a").  Returns the
 *  codec or -EINVAL. */
int tz_media_codec_parse(const char *name);
/** RTP clock rate of the codec (SDP rtpmap rate): 8000 or 48000. */
uint32_t tz_media_codec_clock(enum tz_media_codec c);
/** Static payload type, or -1 for a dynamic one (Opus). */
int tz_media_codec_static_pt(enum tz_media_codec c);
/** Audio sample rate an encoder/decoder of the codec runs at by default:
 *  8000 (G.711), 16000 (G.722), 48000 (Opus).  What to load a WAV at for it. */
uint32_t tz_media_codec_audio_rate(enum tz_media_codec c);

/* G.711 (ITU-T G.711), one sample and bulk.  Pure functions, any thread. */
uint8_t tz_media_ulaw_encode(int16_t pcm);
int16_t tz_media_ulaw_decode(uint8_t code);
uint8_t tz_media_alaw_encode(int16_t pcm);
int16_t tz_media_alaw_decode(uint8_t code);
void tz_media_g711_encode(bool alaw, const int16_t *pcm, uint8_t *out, size_t n);
void tz_media_g711_decode(bool alaw, const uint8_t *in, int16_t *pcm, size_t n);

/* Encoder / decoder of one codec, mono.  pcm_rate is the rate of the PCM the
 * caller gives or wants: 8000 for G.711, 16000 for G.722, and for Opus one
 * of 8000, 12000, 16000, 24000, 48000 (libopus converts internally). */
struct tz_media_enc;
struct tz_media_dec;

struct tz_media_opus_opts {
	uint32_t bitrate;       /* bit/s; 0 = 24000 */
	uint8_t complexity;     /* 0..10; 0 is taken as the default, 5 */
	bool fec;               /* in-band FEC (RFC 7587 3.1.2), loss estimate 10 % */
	bool dtx;               /* discontinuous transmission: silence frames not sent */
};

/** Create an encoder.  opts may be NULL (and is ignored for G.711/G.722).
 *  errno: EINVAL (codec or rate), ENOMEM. */
struct tz_media_enc *tz_media_enc_create(enum tz_media_codec c, uint32_t pcm_rate,
					 const struct tz_media_opus_opts *opts);
void tz_media_enc_destroy(struct tz_media_enc *e);
/** Encode one frame of n samples (2.5..120 ms for Opus, any n for the others).
 *  Returns the payload length; 0 means "nothing to send" (Opus DTX silence);
 *  -EINVAL (bad n), -ENOSPC (cap too small), -EIO (codec error). */
int tz_media_enc_frame(struct tz_media_enc *e, const int16_t *pcm, unsigned n,
		       uint8_t *out, size_t cap);

/** Create a decoder.  errno: EINVAL, ENOMEM. */
struct tz_media_dec *tz_media_dec_create(enum tz_media_codec c, uint32_t pcm_rate);
void tz_media_dec_destroy(struct tz_media_dec *d);
/** Decode one payload into pcm (cap samples).  Returns the number of samples;
 *  -EBADMSG (not a valid payload), -ENOSPC (cap too small). */
int tz_media_dec_frame(struct tz_media_dec *d, const uint8_t *payload, size_t len,
		       int16_t *pcm, size_t cap);
/** Conceal n lost samples: Opus PLC, or from the FEC data in next (the packet
 *  after the loss, may be NULL) when it carries any; silence for the others.
 *  Returns n or -errno. */
int tz_media_dec_conceal(struct tz_media_dec *d, const uint8_t *next, size_t next_len,
			 int16_t *pcm, unsigned n);
/** Samples (at the decoder's pcm_rate) one payload decodes to, or -EBADMSG. */
int tz_media_dec_samples(const struct tz_media_dec *d, const uint8_t *payload, size_t len);

/* ---- resampling (libspeexdsp), interleaved int16 -------------------------- */

struct tz_media_resampler;

/** quality 0..10 (speexdsp's; 0 = the default, 5).  errno: EINVAL, ENOMEM. */
struct tz_media_resampler *tz_media_resampler_create(uint32_t in_rate, uint32_t out_rate,
						     unsigned channels, int quality);
void tz_media_resampler_destroy(struct tz_media_resampler *r);
/** Resample in_frames frames into out (out_cap frames).  Consumes all input
 *  (returns -ENOSPC before doing anything if out_cap is below the bound
 *  tz_media_resampler_out_max()); returns the frames written. */
int tz_media_resample(struct tz_media_resampler *r, const int16_t *in, size_t in_frames,
		      int16_t *out, size_t out_cap);
/** The filter's delay in input frames: output frame k*ratio holds input frame
 *  k - delay.  A whole-file user feeds delay frames of zeros after its data
 *  and drops delay*ratio frames from the start. */
unsigned tz_media_resampler_delay(const struct tz_media_resampler *r);
/** Upper bound of the frames tz_media_resample writes for in_frames. */
size_t tz_media_resampler_out_max(const struct tz_media_resampler *r, size_t in_frames);

/* ---- transcoder: one direction of a call ---------------------------------- */

#define TZ_MEDIA_XCODE_MAX_OUT 24      /* packets one push can produce: a 120 ms
                                        * packet at 10 ms, after 60 ms concealed */
#define TZ_MEDIA_XCODE_MAX_PAYLOAD 1280
#define TZ_MEDIA_NO_PT (-1)

struct tz_media_leg {
	enum tz_media_codec codec;
	uint8_t pt;                     /* the codec's payload type on this leg */
	uint32_t clock;                 /* RTP clock rate; 0 = the codec's */
	int16_t event_pt;               /* telephone-event PT (RFC 4733), or TZ_MEDIA_NO_PT */
	uint8_t red_pt;                 /* input leg, Opus: RFC 2198 redundancy PT (Chrome's
					 * red/48000/2), 0 = none; the primary is transcoded,
					 * redundant blocks fill losses */
	uint8_t ptime;                  /* output leg: ms per packet (10..120, a multiple
					 * of 10; 0 = 20); ignored on the input leg */
};

struct tz_media_xcode_cfg {
	struct tz_media_leg in, out;
	struct tz_media_opus_opts opus; /* when out is Opus */
	uint32_t opus_rate;             /* Opus PCM rate; 0 = the other leg's audio rate
					 * (no resampler), 48000 = full band via ours */
	uint16_t first_seq;             /* first output sequence number */
	uint32_t first_ts;              /* first output timestamp */
};

/* A packet in (payload points at the caller's bytes) or out (at the
 * transcoder's, valid until the next push). */
struct tz_media_rtp {
	const uint8_t *payload;
	uint16_t len;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;                  /* in: the sender's (a change restarts the
					 * mapping); out: 0, the caller sets its own */
	uint8_t pt;
	bool marker;
};

#define TZ_MEDIA_XCODE_STATS(X) \
	X(in_audio)      /* audio packets accepted */ \
	X(in_events)     /* telephone-event packets accepted */ \
	X(out_audio)     /* audio packets produced */ \
	X(out_events)    /* telephone-event packets produced */ \
	X(bad_pt)        /* PT neither the audio nor the event PT: dropped */ \
	X(bad_payload)   /* payload the decoder refused / truncated event: dropped */ \
	X(late)          /* duplicate or older than what was already played: dropped */ \
	X(lost)          /* packets missing in the input sequence */ \
	X(concealed)     /* samples made up by PLC/FEC (Opus input) */ \
	X(dtx)           /* output frames not sent (Opus DTX) */ \
	X(gaps)          /* timestamp gaps carried to the output */ \
	X(restarts)      /* new source: SSRC change or a seq/ts jump (RFC 3550 A.1) */ \
	X(recovered)     /* lost frames rebuilt from RFC 2198 redundancy */

struct tz_media_xcode_stats {
#define TZ_MEDIA_X_FIELD(n) uint64_t n;
	TZ_MEDIA_XCODE_STATS(TZ_MEDIA_X_FIELD)
#undef TZ_MEDIA_X_FIELD
};

struct tz_media_xcode;

/** Create a transcoder.  errno: EINVAL (codec, PT, clock or ptime), ENOMEM. */
struct tz_media_xcode *tz_media_xcode_create(const struct tz_media_xcode_cfg *cfg);
void tz_media_xcode_destroy(struct tz_media_xcode *x);
/**
 * Feed one input packet; write up to TZ_MEDIA_XCODE_MAX_OUT output packets to
 * out (payloads in the transcoder's buffers, valid until the next push).
 * Output timestamps are the input's rescaled to the output clock (gaps kept,
 * never shifted; a new source continues where the output stands), sequence
 * numbers the transcoder's own and continuous, the
 * marker set at the start of each talkspurt; telephone events get the output
 * event PT and their duration rescaled.  Returns the number of packets, or
 * -EPROTO (unknown PT), -EBADMSG (bad payload), -EALREADY (duplicate or
 * late), each also counted.  Never allocates.
 */
int tz_media_xcode_push(struct tz_media_xcode *x, const struct tz_media_rtp *in,
			struct tz_media_rtp *out);
/** Flush a partial output frame (end of stream), padded with silence.
 *  Returns 0 or 1 packet. */
int tz_media_xcode_flush(struct tz_media_xcode *x, struct tz_media_rtp *out);
const struct tz_media_xcode_stats *tz_media_xcode_stats(const struct tz_media_xcode *x);

/* ---- player: announcements, music on hold ------------------------------- */

struct tz_media_player_cfg {
	enum tz_media_codec codec;
	uint8_t pt;
	uint8_t ptime;                  /* ms, 0 = 20 (Opus: 10, 20, 40, 60) */
	bool loop;                      /* music on hold: start again at the end */
	struct tz_media_opus_opts opus; /* .dtx is ignored: every packet is sent */
	uint16_t first_seq;
	uint32_t first_ts;
};

struct tz_media_player;

/**
 * Play pcm (mono, frames samples at tz_media_codec_audio_rate(cfg->codec):
 * tz_media_wav_load(path, that rate, 1, ...)) as RTP packets of cfg's codec.
 * pcm is not copied: one loaded file serves every player, and must outlive
 * them.  errno: EINVAL, ENOMEM.  Thread: the one that calls _next().
 */
struct tz_media_player *tz_media_player_create(const int16_t *pcm, size_t frames,
					       const struct tz_media_player_cfg *cfg);
void tz_media_player_destroy(struct tz_media_player *p);
/** The next packet (one ptime; marker on the first; the last padded with
 *  silence): 1, or 0 when a non-looping file has ended, or -errno.  The
 *  payload is the player's until the next call.  Never allocates. */
int tz_media_player_next(struct tz_media_player *p, struct tz_media_rtp *out);
/** Start the file again (next packet marked); sequence and timestamps go on. */
void tz_media_player_rewind(struct tz_media_player *p);

/*
 * A clip: a file encoded once to one codec and ptime, the packets a
 * non-looping player of it sends (the last padded with silence), shared
 * read-only by any number of players on any threads.  A play of a clip costs
 * no encoding; a looping one starts the clip again after its last packet
 * (where a live player runs on into the file's start within a packet).
 */
struct tz_media_clip;

/** Encode pcm (as for tz_media_player_create) with cfg's codec, ptime and
 *  Opus options (cfg->pt, loop, first_* are not used).  When @p stop (may be
 *  NULL) becomes non-zero, it gives up: NULL with errno ECANCELED.  errno
 *  also EINVAL, ENOMEM. */
struct tz_media_clip *tz_media_clip_encode(const int16_t *pcm, size_t frames,
					   const struct tz_media_player_cfg *cfg, const int *stop);
void tz_media_clip_free(struct tz_media_clip *c);
/** Packets in the clip. */
unsigned tz_media_clip_packets(const struct tz_media_clip *c);
/** Memory the clip holds, in bytes. */
size_t tz_media_clip_bytes(const struct tz_media_clip *c);
/** Whether a player of @p cfg (codec, ptime) can play the clip. */
bool tz_media_clip_fits(const struct tz_media_clip *c, const struct tz_media_player_cfg *cfg);
/** Payload @p i (< packets) and its length. */
const uint8_t *tz_media_clip_payload(const struct tz_media_clip *c, unsigned i, uint16_t *len);
/** A player of @p clip (which must outlive it) with cfg's pt, loop, first_seq
 *  and first_ts; tz_media_player_next/rewind/destroy as for a live one.
 *  errno: EINVAL (NULL clip, or cfg's codec/ptime not the clip's), ENOMEM. */
struct tz_media_player *tz_media_player_create_clip(const struct tz_media_clip *clip,
						    const struct tz_media_player_cfg *cfg);

/* ---- WAV files ---------------------------------------------------------- */

struct tz_media_wav_info {
	uint16_t format;        /* 1 PCM16, 6 A-law, 7 mu-law */
	uint16_t channels;
	uint32_t rate;
	uint32_t frames;        /* in the file, before resampling */
};

/**
 * Parse a RIFF/WAVE file held in memory (PCM16, A-law or mu-law; 1..8
 * channels; any rate 1000..384000) and convert it to want_channels (1: the
 * channels averaged, 2: mono duplicated or the first two kept; 0: as in the
 * file) at want_rate (0: as in the file).  *pcm is malloc'd interleaved
 * int16 (free() it), *frames its frame count.  A data chunk longer than the
 * file (a recording not closed) is read to the end of the file.
 * Returns 0; -EBADMSG (not WAV, truncated header, no data), -ENOTSUP
 * (another format or bit depth), -EINVAL, -ENOMEM.  Any thread.
 */
int tz_media_wav_parse(const uint8_t *buf, size_t len, uint32_t want_rate,
		       unsigned want_channels, struct tz_media_wav_info *info,
		       int16_t **pcm, size_t *frames);
/** tz_media_wav_parse() of a file; also -errno of open/read. */
int tz_media_wav_load(const char *path, uint32_t want_rate, unsigned want_channels,
		      struct tz_media_wav_info *info, int16_t **pcm, size_t *frames);

struct tz_media_wav_writer;

/** Create path (truncating it) as a PCM16 WAV of 1 or 2 channels.  The header
 *  carries placeholder sizes until tz_media_wav_close() (or _sync()) patches
 *  them.  errno: EINVAL, or open's. */
struct tz_media_wav_writer *tz_media_wav_open(const char *path, uint32_t rate, unsigned channels);
/** Append frames (interleaved).  -EFBIG past 4 GiB, -EIO. */
int tz_media_wav_write(struct tz_media_wav_writer *w, const int16_t *pcm, size_t frames);
/** Patch the header sizes to what is written so far and flush. */
int tz_media_wav_sync(struct tz_media_wav_writer *w);
/** Patch the header, close, free.  Returns 0 or -EIO (the file is closed anyway). */
int tz_media_wav_close(struct tz_media_wav_writer *w);

/* ---- tones -------------------------------------------------------------- */

/** Fill n samples of a sine of freq Hz at rate, amplitude amp (0..32767),
 *  starting at phase sample index `start`. */
void tz_media_tone(int16_t *pcm, size_t n, uint32_t rate, double freq, int16_t amp,
		   uint64_t start);
/** Goertzel power of freq in n samples (stride: take every stride-th sample,
 *  for an interleaved channel), normalised to the signal's total power (0..1). */
double tz_media_tone_power(const int16_t *pcm, size_t n, size_t stride, uint32_t rate,
			   double freq);
/** Dominant frequency (Hz, 1 Hz resolution, 20 Hz .. rate/2) of n samples;
 *  0 when the signal is silent (RMS below -60 dBFS). */
double tz_media_dominant_freq(const int16_t *pcm, size_t n, size_t stride, uint32_t rate);

#endif /* TZ_MEDIA_H */
