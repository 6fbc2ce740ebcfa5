/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to ctrlplane/jsep: the arena, the parser's context and tables,
 * and the helpers the parser, builder and policy share.
 */
#ifndef TZ_SDP_PVT_H
#define TZ_SDP_PVT_H

#include <stdarg.h>

#include "tz_sdp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Where an attribute may appear. */
#define AT_SESSION 1u
#define AT_MEDIA   2u
#define AT_BOTH    (AT_SESSION | AT_MEDIA)

/* Parser state: the SDP being filled, the current m= section, the line. */
struct sdp_parser {
	struct tz_sdp *sdp;
	struct tz_sdp_media *m;       /* NULL at session level */
	unsigned line;
	char *err;
	size_t errlen;
	unsigned seen;                /* session lines seen, bit per letter */
};

/* One a= attribute the parser knows. */
struct sdp_attr_rule {
	const char *name;
	unsigned where;               /* AT_* */
	bool has_value;               /* a=name:value, else a=name */
	int (*parse)(struct sdp_parser *p, struct tz_sdp_common *c, char *value);
};

/* A keyword and the enum value it stands for. */
struct sdp_word {
	const char *word;
	int value;
};

int sdp_fail(struct sdp_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sdp_attr_line(struct sdp_parser *p, char *body);
const struct sdp_attr_rule *sdp_attr_rule_find(const char *name);
/* a= parsers of the RTP attributes (sdp_attr_rtp.c), used by the rule table (sdp_attr.c) */
int sdp_rtpmap(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_fmtp(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_rtcp_fb(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_extmap(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_ssrc(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_ssrc_group(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_ptime(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_maxptime(struct sdp_parser *p, struct tz_sdp_common *c, char *v);
int sdp_candidate_parse(struct sdp_parser *p, char *value, struct tz_sdp_candidate *c);
int sdp_crypto_parse(struct sdp_parser *p, char *value, struct tz_sdp_crypto *c);
int sdp_fingerprint_parse(struct sdp_parser *p, char *value, struct tz_sdp_fingerprint *fp);

/* Arena and strings. */
void *sdp_alloc(struct tz_sdp *sdp, size_t size);
char *sdp_strndup(struct tz_sdp *sdp, const char *s, size_t n);
struct tz_sdp *sdp_oom(struct sdp_parser *p);

/* Lexing helpers (sdp_lex.c): all strict, no signs, no leading space. */
int sdp_u64(const char *s, uint64_t max, uint64_t *out);
int sdp_u32(const char *s, uint32_t max, uint32_t *out);
int sdp_u16(const char *s, uint16_t *out);
unsigned sdp_split(char *s, char **tok, unsigned max);
bool sdp_is_token(const char *s);
bool sdp_is_proto(const char *s);
int sdp_word(const struct sdp_word *tab, const char *word, bool icase);
const char *sdp_word_name(const struct sdp_word *tab, int value);
int sdp_addr_family(const char *addr);
int sdp_conn_parse(struct sdp_parser *p, const char *what, char **tok, struct tz_sdp_conn *c);
size_t sdp_b64_decode(const char *in, size_t len, uint8_t *out, size_t max);
void sdp_b64_encode(const uint8_t *in, size_t len, char *out);

extern const struct sdp_word sdp_dir_words[];
extern const struct sdp_word sdp_setup_words[];
extern const struct sdp_word sdp_hash_words[];
extern const struct sdp_word sdp_cand_type_words[];
extern const struct sdp_word sdp_tcptype_words[];
extern const struct sdp_word sdp_media_words[];

/* Digest length of each hash, indexed by enum tz_sdp_hash. */
extern const uint8_t sdp_hash_len[];

/* Policy helpers (sdp_codec.c). */
struct sdp_known_codec {
	const char *name;
	uint32_t clock;
	uint8_t channels;
	uint8_t pt;                   /* the PT Trapeze offers */
};

extern const struct sdp_known_codec sdp_known_codecs[];
extern const struct sdp_known_codec sdp_te_codecs[];

void sdp_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const struct sdp_known_codec *sdp_codec_known(const struct tz_sdp_codec *c,
					      const struct sdp_known_codec *tab);
bool sdp_codec_allowed(const char *name, const char *const *allow);
const struct sdp_known_codec *sdp_codec_by_name(const char *name);
int sdp_neg_add(struct tz_sdp_neg *neg, const struct sdp_known_codec *k, unsigned pt);
void sdp_neg_add_te(struct tz_sdp_neg *neg, const struct tz_sdp_media *m);
int sdp_media_codec_add(struct tz_sdp *sdp, struct tz_sdp_media *m,
			const struct tz_sdp_pt *pt, const char *fmtp);
int sdp_local_check(const char *addr, char *err, size_t errlen);
int sdp_session_init(struct tz_sdp *sdp, const char *addr, uint64_t id, uint64_t version);
struct tz_sdp_media *sdp_media_new(struct tz_sdp *sdp, enum tz_sdp_media_type type,
				   uint16_t port, const char *proto);

/* The WebRTC audio section both the answer and the offer carry. */
struct sdp_webrtc_audio {
	const struct tz_sdp_local *local;
	enum tz_sdp_setup setup;
	enum tz_sdp_dir dir;
	const char *mid;
	bool rtcp_rsize;
	const struct tz_sdp_neg *neg;         /* codecs and their PTs */
	uint16_t mid_ext;                     /* a=extmap id of the MID extension, 0 = none */
	const struct tz_sdp_media *fmtp_from; /* the offer's section, or NULL */
};

int sdp_webrtc_local_check(const struct tz_sdp_local *l, char *err, size_t errlen);
int sdp_webrtc_session(struct tz_sdp *sdp, const struct tz_sdp_local *l, const char *mid);
int sdp_webrtc_audio(struct tz_sdp *sdp, const struct sdp_webrtc_audio *a);
int sdp_first_audio(const struct tz_sdp *sdp, bool (*proto_ok)(const char *proto));
/* The id @p m gives the MID header extension (TZ_SDP_MID_EXT_URI), 0 = none. */
uint16_t sdp_mid_ext_of(const struct tz_sdp_media *m);
/* a=extmap:@p id for the MID header extension on @p m. */
int sdp_mid_ext_add(struct tz_sdp *sdp, struct tz_sdp_media *m, uint16_t id);
bool sdp_proto_any(const char *proto);

/* sdp_video.c's helpers shared with sdp_video_in.c (tz_sdp_video.h types). */
struct tz_sdp_vcodec;
struct tz_sdp_video_local;
struct tz_sdp_video_neg;
/* The far end's video section @p m (connection @p c) of @p sdp into @p v
 * (its codecs already read): on, mid, mirrored direction, feedback, address
 * and ports, AVPF. */
void sdp_video_far_end(struct tz_sdp_video_neg *v, const struct tz_sdp *sdp,
		       const struct tz_sdp_media *m, const struct tz_sdp_conn *c);
const char *sdp_video_name(const struct tz_sdp_codec *c);
void sdp_vcodec_from(const struct tz_sdp_media *m, const struct tz_sdp_codec *c,
		     const char *name, struct tz_sdp_vcodec *v);
int sdp_vcodec_add(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct tz_sdp_vcodec *c,
		   bool with_fb);
int sdp_video_ssrc_add(struct tz_sdp *a, struct tz_sdp_media *m,
		       const struct tz_sdp_video_local *l);
bool sdp_bundled(const struct tz_sdp *sdp, const char *a, const char *b);
uint32_t sdp_video_media_ssrc(const struct tz_sdp_media *m);
int sdp_bundle_add(struct tz_sdp *sdp, const char *mid);

#endif /* TZ_SDP_PVT_H */
