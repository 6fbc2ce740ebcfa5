/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SDP (RFC 8866) with the WebRTC attributes, and the offer/answer policy
 * Trapeze applies on its two legs: WebRTC (ICE-lite, DTLS-SRTP, BUNDLE,
 * rtcp-mux) towards browsers and plain RTP / SDES-SRTP towards SIP trunks.
 *
 * A struct tz_sdp owns every string and array it points to (one arena,
 * released by tz_sdp_free()).  The parser is bounded by the TZ_SDP_MAX_*
 * limits, so hostile input cannot grow memory without bound.  Negotiation
 * results (struct tz_sdp_neg) point into the SDP they were taken from and
 * live as long as it does.
 *
 * Threading: no globals, every function is reentrant.  A struct tz_sdp is
 * not locked: one thread builds or edits it (the control thread); once
 * complete it may be read from any thread.
 */
#ifndef TZ_SDP_H
#define TZ_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Hard limits applied by the parser (and by the TZ_SDP_PUSH helpers). */
#define TZ_SDP_MAX_TEXT        (128 * 1024)  /**< bytes of SDP text */
#define TZ_SDP_MAX_LINES       2048
#define TZ_SDP_MAX_MEDIA       16     /**< m= sections */
#define TZ_SDP_MAX_CODECS      64     /**< formats on one m= line */
#define TZ_SDP_MAX_CANDIDATES  64     /**< per m= section */
#define TZ_SDP_MAX_ATTRS       64     /**< unrecognised a= lines per level */
#define TZ_SDP_MAX_LIST        256    /**< rtcp-fb, ssrc, extmap ... per level */
#define TZ_SDP_MAX_SMALL       16     /**< groups, bandwidths, msids, crypto, mids */
#define TZ_SDP_MAX_CAND_EXT    16     /**< extension pairs on one candidate */
#define TZ_SDP_MAX_FINGERPRINTS 4
#define TZ_SDP_MAX_HASH        64     /**< bytes of a sha-512 digest */
#define TZ_SDP_MAX_KEY         64     /**< bytes of an SDES key || salt */
#define TZ_SDP_NEG_MAX_CODECS  8      /**< known codecs + telephone-events */

/** Media direction (RFC 8866 §6.7); NONE = the line is absent (sendrecv). */
enum tz_sdp_dir {
	TZ_SDP_DIR_NONE,
	TZ_SDP_SENDRECV,
	TZ_SDP_SENDONLY,
	TZ_SDP_RECVONLY,
	TZ_SDP_INACTIVE,
};

/** a=setup (RFC 4145 §4, RFC 8842); NONE = absent. */
enum tz_sdp_setup {
	TZ_SDP_SETUP_NONE,
	TZ_SDP_SETUP_ACTPASS,
	TZ_SDP_SETUP_ACTIVE,
	TZ_SDP_SETUP_PASSIVE,
	TZ_SDP_SETUP_HOLDCONN,
};

/** a=fingerprint hash function (RFC 8122 §5). */
enum tz_sdp_hash {
	TZ_SDP_HASH_NONE,
	TZ_SDP_HASH_SHA1,
	TZ_SDP_HASH_SHA256,
	TZ_SDP_HASH_SHA384,
	TZ_SDP_HASH_SHA512,
};

enum tz_sdp_media_type {
	TZ_SDP_MEDIA_OTHER,       /**< see tz_sdp_media.media for the token */
	TZ_SDP_MEDIA_AUDIO,
	TZ_SDP_MEDIA_VIDEO,
	TZ_SDP_MEDIA_APPLICATION,
};

enum tz_sdp_cand_type {
	TZ_SDP_CAND_HOST,
	TZ_SDP_CAND_SRFLX,
	TZ_SDP_CAND_PRFLX,
	TZ_SDP_CAND_RELAY,
};

/** RFC 6544 tcptype; NONE for UDP candidates. */
enum tz_sdp_tcptype {
	TZ_SDP_TCP_NONE,
	TZ_SDP_TCP_ACTIVE,
	TZ_SDP_TCP_PASSIVE,
	TZ_SDP_TCP_SO,
};

/** c= line, or the address part of a=rtcp. family 0 = absent. */
struct tz_sdp_conn {
	int family;               /**< AF_INET (IP4), AF_INET6 (IP6) or 0 */
	const char *addr;         /**< literal or FQDN, with any "/ttl" kept */
};

/** One unrecognised attribute, kept in order: a=name[:value]. */
struct tz_sdp_attr {
	const char *name;
	const char *value;        /**< NULL for a property attribute */
};

/** b=type:value */
struct tz_sdp_bw {
	const char *type;         /**< "AS", "TIAS", "CT", ... */
	uint32_t value;
};

struct tz_sdp_fingerprint {
	enum tz_sdp_hash hash;
	uint8_t len;              /**< bytes in digest, as the hash requires */
	uint8_t digest[TZ_SDP_MAX_HASH];
};

/** What may appear at session level and in an m= section alike. */
struct tz_sdp_common {
	struct tz_sdp_conn conn;
	struct tz_sdp_bw *bw;
	unsigned n_bw;
	const char *ice_ufrag;
	const char *ice_pwd;
	const char *ice_options;  /**< "trickle", "ice2 trickle" ... */
	struct tz_sdp_fingerprint fp[TZ_SDP_MAX_FINGERPRINTS];
	unsigned n_fp;
	enum tz_sdp_setup setup;
	enum tz_sdp_dir dir;
	const char *info;         /**< i= */
	struct tz_sdp_attr *attrs;  /**< unrecognised a= lines in order */
	unsigned n_attrs;
};

/** a=candidate (RFC 8839 §5.1, RFC 6544 tcptype). */
struct tz_sdp_candidate {
	const char *foundation;
	uint16_t component;       /**< 1 RTP, 2 RTCP */
	bool tcp;                 /**< transport TCP, else UDP */
	uint32_t priority;
	const char *addr;         /**< IPv4, IPv6 or an mDNS "<uuid>.local" name */
	int family;               /**< AF_INET, AF_INET6, or 0 for a name */
	uint16_t port;
	enum tz_sdp_cand_type type;
	const char *raddr;        /**< NULL when absent */
	uint16_t rport;
	enum tz_sdp_tcptype tcptype;
	int64_t generation;       /**< -1 when absent */
	struct tz_sdp_attr *ext;  /**< other extension pairs (network-id ...) */
	unsigned n_ext;
};

/** One payload format of an RTP m= line with its rtpmap and fmtp. */
struct tz_sdp_codec {
	uint8_t pt;
	const char *name;         /**< encoding name, NULL without a=rtpmap */
	uint32_t clock;
	uint8_t channels;         /**< 0 when the rtpmap gives none */
	const char *fmtp;         /**< NULL without a=fmtp */
};

/** a=rtcp-fb:pt value */
struct tz_sdp_rtcp_fb {
	int pt;                   /**< -1 for "*" */
	const char *value;
};

/** a=extmap:id[/dir] uri [attributes] (RFC 8285) */
struct tz_sdp_extmap {
	uint16_t id;
	enum tz_sdp_dir dir;
	const char *uri;
	const char *params;       /**< NULL when absent */
};

/** a=ssrc:id attribute[:value] (RFC 5576) */
struct tz_sdp_ssrc {
	uint32_t id;
	const char *attr;
	const char *value;        /**< NULL when absent */
};

/** a=ssrc-group:semantics ssrc... */
struct tz_sdp_ssrc_group {
	const char *semantics;
	uint32_t ssrc[TZ_SDP_MAX_SMALL];
	unsigned n;
};

/** a=crypto (RFC 4568 §9.1) with one inline key. */
struct tz_sdp_crypto {
	uint32_t tag;
	const char *suite;
	uint8_t key[TZ_SDP_MAX_KEY];  /**< master key || salt, base64-decoded */
	uint8_t key_len;
	uint64_t lifetime;        /**< 0 when absent */
	uint32_t mki;
	uint8_t mki_len;          /**< 0 when no MKI */
	const char *params;       /**< session parameters, NULL when absent */
};

/** a=rtcp:port [nettype addrtype addr] (RFC 3605) */
struct tz_sdp_rtcp {
	bool present;
	uint16_t port;
	struct tz_sdp_conn conn;
};

/** a=group:semantics mid... (RFC 5888) */
struct tz_sdp_group {
	const char *semantics;
	const char **mids;
	unsigned n_mids;
};

struct tz_sdp_media {
	enum tz_sdp_media_type type;
	const char *media;        /**< "audio", "video", "application", ... */
	uint16_t port;
	uint16_t n_ports;         /**< the "/2" of "port/2"; 0 when absent */
	const char *proto;        /**< "UDP/TLS/RTP/SAVPF", "RTP/AVP", ... */
	bool rtp;                 /**< proto is RTP: formats are payload types */
	struct tz_sdp_codec *codecs;  /**< rtp: formats in m= line order */
	unsigned n_codecs;
	const char *fmt;          /**< !rtp: the format list verbatim */
	const char *mid;
	struct tz_sdp_rtcp rtcp;
	bool rtcp_mux;
	bool rtcp_rsize;
	bool end_of_candidates;
	uint32_t ptime;           /**< 0 when absent */
	uint32_t maxptime;
	struct tz_sdp_candidate *cands;
	unsigned n_cands;
	struct tz_sdp_extmap *extmaps;
	unsigned n_extmaps;
	struct tz_sdp_rtcp_fb *rtcp_fb;
	unsigned n_rtcp_fb;
	const char **msids;       /**< a=msid values, "stream track" */
	unsigned n_msids;
	struct tz_sdp_ssrc *ssrcs;
	unsigned n_ssrcs;
	struct tz_sdp_ssrc_group *ssrc_groups;
	unsigned n_ssrc_groups;
	struct tz_sdp_crypto *crypto;
	unsigned n_crypto;
	struct tz_sdp_common common;
};

struct tz_sdp_origin {
	const char *user;         /**< "-" */
	uint64_t sess_id;
	uint64_t sess_version;
	struct tz_sdp_conn conn;
};

struct tz_sdp_arena;

struct tz_sdp {
	struct tz_sdp_origin origin;
	const char *name;         /**< s= */
	const char *uri;          /**< u=, or NULL */
	const char *email;        /**< e=, or NULL */
	const char *phone;        /**< p=, or NULL */
	uint64_t t_start;         /**< t= */
	uint64_t t_stop;
	bool ice_lite;
	bool extmap_allow_mixed;
	const char *msid_semantic;  /**< "WMS ...", or NULL */
	struct tz_sdp_group *groups;
	unsigned n_groups;
	struct tz_sdp_common common;
	struct tz_sdp_media *media;
	unsigned n_media;
	struct tz_sdp_arena *arena;  /**< private: owns everything above */
};

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

/**
 * Allocate an empty SDP (v=0, s=-, t=0 0).
 * @return the SDP, or NULL with errno ENOMEM.
 */
struct tz_sdp *tz_sdp_new(void);

/** Free an SDP and everything it owns.  NULL is a no-op. */
void tz_sdp_free(struct tz_sdp *sdp);

/**
 * Copy @p s into @p sdp's arena.
 * @return the copy (NULL for NULL), or NULL with errno ENOMEM.
 */
const char *tz_sdp_strdup(struct tz_sdp *sdp, const char *s);

/**
 * Append one zeroed element to an array owned by @p sdp (use TZ_SDP_PUSH).
 * @return the new element, or NULL with errno E2BIG (@p max reached) or
 *         ENOMEM.
 */
void *tz_sdp_push_(struct tz_sdp *sdp, void **arr, unsigned *n, size_t size, unsigned max);

#define TZ_SDP_PUSH(sdp, arr, n, max) \
	((__typeof__(arr))tz_sdp_push_((sdp), (void **)&(arr), &(n), sizeof(*(arr)), (max)))

/* ------------------------------------------------------------------------ */
/* Text                                                                     */

/**
 * Parse SDP text.  Lines end in CRLF or LF; empty lines are skipped.
 *
 * @param text    the SDP, need not be NUL-terminated
 * @param len     bytes in @p text (at most TZ_SDP_MAX_TEXT)
 * @param out     the parsed SDP on success (free with tz_sdp_free)
 * @param err     receives "line N: what is wrong" on EINVAL; may be NULL
 * @return 0, -EINVAL (malformed or over a limit; message in @p err) or
 *         -ENOMEM.
 */
int tz_sdp_parse(const char *text, size_t len, struct tz_sdp **out, char *err, size_t errlen);

/**
 * Parse one trickled candidate ("candidate:..." with or without "a=") and
 * append it to m= section @p media of @p sdp.
 * @return 0, -EINVAL (message in @p err, without a line number), -ERANGE
 *         (no such m= section) or -ENOMEM.
 */
int tz_sdp_add_candidate(struct tz_sdp *sdp, unsigned media, const char *text,
			 char *err, size_t errlen);

/**
 * Write SDP text: fixed line order, CRLF line ends.  Unrecognised
 * attributes follow the recognised ones of their level, in order.
 * @param len  receives strlen of the result; may be NULL
 * @return a NUL-terminated string to free(), or NULL with errno EINVAL (a
 *         required field is missing or a string holds a CR, LF or NUL) or
 *         ENOMEM.
 */
char *tz_sdp_build(const struct tz_sdp *sdp, size_t *len);

/*
 * Effective values (RFC 8866 §5: a media-level value overrides the session
 * level's).  @p m may be NULL for the session level alone.  They cannot
 * fail; "absent" is NULL or the NONE value.
 */

/** a=ice-ufrag of @p m, else of the session; NULL when neither has one. */
const char *tz_sdp_ice_ufrag(const struct tz_sdp *sdp, const struct tz_sdp_media *m);

/** a=ice-pwd of @p m, else of the session; NULL when neither has one. */
const char *tz_sdp_ice_pwd(const struct tz_sdp *sdp, const struct tz_sdp_media *m);

/** The first a=fingerprint of @p m, else of the session; NULL when none. */
const struct tz_sdp_fingerprint *tz_sdp_fingerprint(const struct tz_sdp *sdp,
						    const struct tz_sdp_media *m);

/** a=setup of @p m, else of the session; TZ_SDP_SETUP_NONE when neither. */
enum tz_sdp_setup tz_sdp_setup(const struct tz_sdp *sdp, const struct tz_sdp_media *m);

/** The direction of @p m, else of the session; never TZ_SDP_DIR_NONE: an
 *  absent direction is sendrecv (RFC 8866 §6.7). */
enum tz_sdp_dir tz_sdp_direction(const struct tz_sdp *sdp, const struct tz_sdp_media *m);

/** c= of @p m, else of the session; NULL when neither has one. */
const struct tz_sdp_conn *tz_sdp_conn(const struct tz_sdp *sdp, const struct tz_sdp_media *m);

/** The codec with payload type @p pt on @p m, or NULL. */
const struct tz_sdp_codec *tz_sdp_codec_find(const struct tz_sdp_media *m, unsigned pt);

/** "sendrecv", "sendonly", "recvonly", "inactive"; NULL for NONE. */
const char *tz_sdp_dir_name(enum tz_sdp_dir dir);

/** The direction an answerer mirrors (RFC 3264 §6.1): sendonly <->
 *  recvonly, inactive stays, NONE and sendrecv give sendrecv. */
enum tz_sdp_dir tz_sdp_dir_mirror(enum tz_sdp_dir dir);

/* ------------------------------------------------------------------------ */
/* Negotiation                                                              */

/**
 * One negotiated payload format.  Names are the canonical spellings
 * ("opus", "G722", "PCMU", "PCMA", "telephone-event"), static strings.
 */
struct tz_sdp_pt {
	const char *name;
	uint32_t clock;
	uint8_t channels;
	uint8_t pt;
};

/**
 * The outcome of one offer/answer on one leg, seen from Trapeze.  Strings
 * point into the remote SDP the result was taken from.
 */
struct tz_sdp_neg {
	unsigned media;           /**< index of the audio m= section */
	const char *mid;          /**< NULL without a=mid */
	struct tz_sdp_pt codecs[TZ_SDP_NEG_MAX_CODECS];  /**< preference order,
				     telephone-event entries last; remote PTs */
	unsigned n_codecs;
	int te_pt;                /**< telephone-event at codecs[0]'s clock, or -1 */
	enum tz_sdp_dir dir;      /**< our direction: what we may do */
	bool hold;                /**< remote put us on hold (sendonly/inactive,
				     c=0.0.0.0) */
	/* WebRTC leg */
	const char *ice_ufrag;    /**< the remote's */
	const char *ice_pwd;
	struct tz_sdp_fingerprint fingerprint;  /**< the remote's */
	bool dtls_client;         /**< we are DTLS client (a=setup:active) */
	bool rtcp_rsize;
	uint16_t mid_ext;         /**< RFC 8843 MID header extension id both sides
				     use (a=extmap, RFC 8285), 0 = not negotiated */
	/* SIP leg */
	const char *addr;         /**< remote media address */
	int family;
	uint16_t port;
	uint16_t rtcp_port;       /**< a=rtcp, else port + 1; = port with mux */
	bool rtcp_mux;
	const struct tz_sdp_crypto *crypto;  /**< SDES key chosen, or NULL */
};

/** The RTP header extension carrying the MID (RFC 8843 §15.2), and the id our
 *  own offers give it: the dataplane's BUNDLE demultiplexer falls back to it
 *  for a stream whose SSRC it has not learned yet. */
#define TZ_SDP_MID_EXT_URI "urn:ietf:params:rtp-hdrext:sdes:mid"
#define TZ_SDP_MID_EXT_ID 9

/** Local parameters of the WebRTC leg. */
struct tz_sdp_local {
	const char *ice_ufrag;    /**< generated by the caller (RFC 8839 §5.4) */
	const char *ice_pwd;
	uint8_t fingerprint[32];  /**< sha-256 of our DTLS certificate */
	enum tz_sdp_setup setup;  /**< answer to actpass: ACTIVE, else passive */
	const char *addr;         /**< our IPv4 or IPv6 literal */
	uint16_t port;            /**< our UDP port */
	uint32_t ssrc;
	const char *cname;
	const char *msid_stream;  /**< NULL = "trapeze" */
	const char *msid_track;   /**< NULL = "trapeze-audio" */
	uint64_t sess_id;
	uint64_t sess_version;
	const char *const *codecs;  /**< allow-list in preference order,
				       NULL-terminated; NULL = opus, G722, PCMU, PCMA */
	bool no_dtmf;             /**< leave telephone-event out */
};

/**
 * Answer a browser's offer (JSEP §5.3): ICE-lite, one audio m= section
 * (UDP/TLS/RTP/SAVPF) with the codecs of @p local->codecs found in the
 * offer, in our order, with the offer's payload types; every other m=
 * section rejected (port 0, a=mid only, out of the BUNDLE group).
 *
 * @param answer  the answer on success (free with tz_sdp_free)
 * @param neg     receives the negotiated parameters (pointing into @p offer)
 * @param err     receives why the offer is unusable (the caller reports
 *                bad-sdp)
 * @return 0, -EINVAL (no audio, no ICE credentials, no fingerprint, no
 *         rtcp-mux, no common codec, bad local parameters) or -ENOMEM.
 */
int tz_sdp_answer_webrtc(const struct tz_sdp *offer, const struct tz_sdp_local *local,
			 struct tz_sdp **answer, struct tz_sdp_neg *neg,
			 char *err, size_t errlen);

/**
 * Build our WebRTC offer to a browser (inbound calls): a=setup:actpass,
 * ICE-lite, one audio m= section, mid "0", the codecs of @p local->codecs
 * with fixed payload types (opus 111, G722 9, PCMU 0, PCMA 8,
 * telephone-event/8000 101, telephone-event/48000 110).
 * @return 0, -EINVAL (bad local parameters) or -ENOMEM.
 */
int tz_sdp_offer_webrtc(const struct tz_sdp_local *local, struct tz_sdp **offer);

/**
 * Check a browser's answer against the offer we made and negotiate.
 * @return 0, -EINVAL (message in @p err) or -ENOMEM.
 */
int tz_sdp_accept_webrtc(const struct tz_sdp *offer, const struct tz_sdp *answer,
			 struct tz_sdp_neg *neg, char *err, size_t errlen);

/** Local parameters of the SIP leg. */
struct tz_sdp_sip_local {
	const char *addr;         /**< our core-side IPv4 or IPv6 literal */
	uint16_t port;            /**< RTP; RTCP is port + 1 */
	uint64_t sess_id;
	uint64_t sess_version;
	const char *const *codecs;  /**< the trunk's allow-list, NULL = all */
	bool no_dtmf;
	enum tz_sdp_dir dir;      /**< NONE = sendrecv (answer: mirrored); sendonly
				     to hold */
	const struct tz_sdp_crypto *crypto;  /**< our SDES key(s): offer RTP/SAVP;
				     required to answer an RTP/SAVP offer */
	unsigned n_crypto;        /**< keys at @p crypto for an offer (one a=crypto
				     each, in order); 0 = 1.  An answer carries
				     crypto[0] under the chosen offer line's tag */
};

/**
 * Build an RTP/AVP offer for a trunk carrying the codecs the browser
 * offered (in @p web_offer's audio section, the browser's order) that the
 * trunk allows, telephone-event, a=ptime:20.  @p web_offer NULL (a
 * transcoded call): the codecs of @p local->codecs in its order with our
 * payload types.
 * @return 0, -EINVAL (no common codec, bad parameters; message in @p err)
 *         or -ENOMEM.
 */
int tz_sdp_offer_sip(const struct tz_sdp_sip_local *local, const struct tz_sdp *web_offer,
		     struct tz_sdp **offer, char *err, size_t errlen);

/**
 * Read a SIP peer's SDP (an answer to our offer, or an offer): the first
 * audio RTP/AVP(F) or RTP/SAVP(F) section with a port.  Codecs come out in
 * the peer's order, restricted to @p allow (NULL-terminated, NULL = all
 * known).  A SAVP section must carry an a=crypto with a supported suite.
 * @return 0, -EINVAL (message in @p err).
 */
int tz_sdp_read_sip(const struct tz_sdp *sdp, const char *const *allow,
		    struct tz_sdp_neg *neg, char *err, size_t errlen);

/**
 * Answer a SIP offer read with tz_sdp_read_sip(): RTP/AVP, the codecs in
 * @p neg with the offerer's payload types, direction mirrored.
 * @return 0, -EINVAL or -ENOMEM.
 */
int tz_sdp_answer_sip(const struct tz_sdp_sip_local *local, const struct tz_sdp_neg *neg,
		      struct tz_sdp **answer);

/**
 * Fill @p names (NULL-terminated, at most @p n - 1 entries) with the codec
 * names of @p neg, telephone-event left out: the allow-list for answering
 * the other leg with what this one chose.
 */
void tz_sdp_neg_names(const struct tz_sdp_neg *neg, const char **names, size_t n);

/* ------------------------------------------------------------------------ */
/* Payload type map for the dataplane                                       */

struct tz_sdp_pt_pair {
	const char *name;
	uint32_t clock;
	uint8_t web_pt;
	uint8_t sip_pt;
};

struct tz_sdp_pt_map {
	struct tz_sdp_pt_pair pair[TZ_SDP_NEG_MAX_CODECS];
	unsigned n;
};

/**
 * Pair the codecs both legs negotiated by name, clock and channels.
 * @return 0, or -ENOENT when the legs share no audio codec.
 */
int tz_sdp_pt_map_build(const struct tz_sdp_neg *web, const struct tz_sdp_neg *sip,
			struct tz_sdp_pt_map *map);

/** The SIP-side PT for browser PT @p pt, or -ENOENT. */
int tz_sdp_pt_map_to_sip(const struct tz_sdp_pt_map *map, unsigned pt);

/** The browser-side PT for SIP PT @p pt, or -ENOENT. */
int tz_sdp_pt_map_to_web(const struct tz_sdp_pt_map *map, unsigned pt);

#endif /* TZ_SDP_H */
