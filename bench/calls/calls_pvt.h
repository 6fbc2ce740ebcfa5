/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * trapeze-bench calls, engine internals: the small codecs the load client
 * speaks (STUN, WebSocket frames, the login token, the SDP it reads back)
 * kept apart from the event loop so unit tests and fuzz harnesses can reach
 * them.  Every parser here takes any bytes and never reads past @p len.
 */
#ifndef TZ_BENCH_CALLS_PVT_H
#define TZ_BENCH_CALLS_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- STUN (RFC 8489, ICE attributes RFC 8445) ---- */

#define CALLS_STUN_MAGIC 0x2112A442u
#define CALLS_STUN_HDR 20
#define CALLS_STUN_MAX 548

/* STUN attribute types the client writes or reads. */
enum calls_stun_attr {
	CALLS_STUN_A_USERNAME = 0x0006,
	CALLS_STUN_A_MESSAGE_INTEGRITY = 0x0008,
	CALLS_STUN_A_ERROR_CODE = 0x0009,
	CALLS_STUN_A_XOR_MAPPED_ADDRESS = 0x0020,
	CALLS_STUN_A_PRIORITY = 0x0024,
	CALLS_STUN_A_USE_CANDIDATE = 0x0025,
	CALLS_STUN_A_SOFTWARE = 0x8022,
	CALLS_STUN_A_FINGERPRINT = 0x8028,
	CALLS_STUN_A_ICE_CONTROLLED = 0x8029,
	CALLS_STUN_A_ICE_CONTROLLING = 0x802A,
};

/** One attribute to write: type, value, length. */
struct calls_stun_tlv {
	uint16_t type;
	uint16_t len;
	const void *val;
};

/**
 * Write a STUN message: header, @p attrs in order (padded to 4 bytes with
 * @p pad), then MESSAGE-INTEGRITY keyed with @p key (if not NULL) and
 * FINGERPRINT.  @return its length, or -ENOSPC.
 */
int calls_stun_build(uint8_t *buf, size_t cap, uint16_t type, const uint8_t txid[12],
		     const struct calls_stun_tlv *attrs, unsigned n, uint8_t pad,
		     const char *key);

/** An ICE connectivity check (Binding request) as the controlling agent. */
struct calls_stun_check {
	const char *username;	/**< "remote_ufrag:local_ufrag" */
	const char *pwd;	/**< the remote password (MESSAGE-INTEGRITY key) */
	uint32_t priority;
	uint64_t tiebreaker;
	bool use_candidate;
	uint8_t txid[12];
};

/** Write @p c as a Binding request.  @return its length, or -ENOSPC. */
int calls_stun_check_build(uint8_t *buf, size_t cap, const struct calls_stun_check *c);

/* X(enum suffix, name) -- what a datagram said when read as a STUN response. */
#define CALLS_STUN_VERDICTS(X)                                              \
	X(SUCCESS, "success")           /* Binding success, integrity good */ \
	X(ERROR, "error-response")      /* Binding error response (code) */  \
	X(NOT_STUN, "not-stun")         /* not a STUN message at all */      \
	X(MALFORMED, "malformed")       /* lengths/attributes broken */      \
	X(NOT_RESPONSE, "not-response") /* a request or indication */        \
	X(BAD_FINGERPRINT, "bad-fingerprint")                                \
	X(BAD_INTEGRITY, "bad-integrity")  /* missing or wrong */           \
	X(TXID, "unknown-txid")

enum calls_stun_verdict {
#define CALLS_STUN_V_ENUM(e, n) CALLS_STUN_##e,
	CALLS_STUN_VERDICTS(CALLS_STUN_V_ENUM)
#undef CALLS_STUN_V_ENUM
	CALLS_STUN_VERDICT_COUNT
};

const char *calls_stun_verdict_name(enum calls_stun_verdict v);

/** What a response carried. */
struct calls_stun_resp {
	uint16_t type;
	uint8_t txid[12];
	uint16_t error_code;		/**< ERROR-CODE class*100+number, 0 if none */
	bool has_mapped;
	struct sockaddr_storage mapped;	/**< XOR-MAPPED-ADDRESS */
	bool has_integrity, has_fingerprint;
};

/**
 * Read @p buf as a Binding response to a request with transaction @p txid
 * (NULL: any) keyed with @p pwd (NULL: integrity not checked).  FINGERPRINT,
 * when present, is checked.  @p out may be NULL.
 */
enum calls_stun_verdict calls_stun_parse_response(const uint8_t *buf, size_t len,
						  const uint8_t *txid, const char *pwd,
						  struct calls_stun_resp *out);

/**
 * Read @p buf as a Binding request to us (an ICE check from the peer):
 * USERNAME must start "<local_ufrag>:", MESSAGE-INTEGRITY keyed with
 * @p local_pwd, FINGERPRINT right if present.  @p txid gets its transaction.
 * @return CALLS_STUN_SUCCESS, or why not (NOT_STUN, MALFORMED,
 *         NOT_RESPONSE for anything but a Binding request, BAD_INTEGRITY
 *         for a wrong or missing USERNAME / MESSAGE-INTEGRITY, BAD_FINGERPRINT).
 */
enum calls_stun_verdict calls_stun_parse_request(const uint8_t *buf, size_t len,
						 const char *local_ufrag, const char *local_pwd,
						 uint8_t txid[12]);

/** Write the Binding success response to @p txid: XOR-MAPPED-ADDRESS @p from,
 *  MESSAGE-INTEGRITY keyed with @p pwd, FINGERPRINT.  Its length or -errno. */
int calls_stun_success_build(uint8_t *buf, size_t cap, const uint8_t txid[12],
			     const struct sockaddr_storage *from, const char *pwd);

/** First byte says STUN (RFC 7983 demux: 0..3). */
static inline bool calls_is_stun(const uint8_t *b, size_t len)
{
	return len >= CALLS_STUN_HDR && b[0] < 4;
}

/** CRC-32 (ISO-HDLC, as STUN FINGERPRINT uses before the XOR). */
uint32_t calls_crc32(const uint8_t *p, size_t n);

/* ---- login token (HS256 JWT) ---- */

/** Claims of a minted token. */
struct calls_token_claims {
	const char *sub;
	int64_t iat, exp;
	const char *iss, *aud;		/**< NULL: left out */
	const char *kid;		/**< header kid, NULL: left out */
	const char *const *targets;	/**< NULL-terminated, NULL: left out */
};

/** Mint an HS256 JWT.  @return its length, or -ENOSPC / -EINVAL / -EIO. */
int calls_token_mint(char *out, size_t cap, const uint8_t *key, size_t key_len,
		     const struct calls_token_claims *c);

/**
 * Read a token secret the way tools/token-issuer.py does: the first line,
 * trailing CR/LF/space/tab stripped; at least 32 bytes.  @return the key
 * length, or -errno (-EINVAL: too short).
 */
int calls_token_read_secret(const char *path, uint8_t *key, size_t cap);

/* ---- WebSocket client frames (RFC 6455) ---- */

enum calls_ws_op {
	CALLS_WS_CONT = 0x0, CALLS_WS_TEXT = 0x1, CALLS_WS_BINARY = 0x2,
	CALLS_WS_CLOSE = 0x8, CALLS_WS_PING = 0x9, CALLS_WS_PONG = 0xA,
};

/** One frame read from the server. */
struct calls_ws_frame {
	uint8_t op;
	bool fin;
	const uint8_t *payload;
	size_t len;
};

/**
 * Read one server frame at @p buf.  Servers never mask (a masked frame is an
 * error), control frames are at most 125 bytes and final, reserved bits 0.
 * @return bytes the frame takes (> 0), 0 if more bytes are needed, or
 *         -EPROTO (broken frame) / -EMSGSIZE (payload over @p max).
 */
long calls_ws_frame_parse(const uint8_t *buf, size_t len, size_t max, struct calls_ws_frame *f);

/** Header of a masked client frame (FIN set) for @p len bytes: 2-14 bytes. */
size_t calls_ws_frame_header(uint8_t hdr[14], uint8_t op, size_t len, const uint8_t mask[4]);

/**
 * Check the server's upgrade response in @p buf (up to the blank line).
 * @return bytes of the response head (> 0), 0 if incomplete, -EPROTO if it
 *         is not a 101 with the right Sec-WebSocket-Accept for @p key and
 *         the subprotocol trapeze-jsep.v1; @p status gets the HTTP status.
 */
long calls_ws_upgrade_check(const char *buf, size_t len, const char *key, int *status);

/* ---- the gateway's SDP answer ---- */

/** What the client needs from an answer. */
struct calls_sdp_answer {
	char ufrag[257], pwd[257];
	uint8_t fingerprint[32];	/**< a=fingerprint:sha-256 */
	bool has_fingerprint;
	char setup[16];			/**< active / passive / actpass */
	struct sockaddr_storage cand;	/**< first UDP candidate of the wanted family */
	bool has_cand;
	int pt;				/**< first payload type of the audio m-line */
};

/**
 * Scan an SDP answer for ICE credentials, the DTLS fingerprint, setup and
 * the first UDP candidate of address family @p family (AF_INET/AF_INET6).
 * @return 0, or -EINVAL naming what is missing in @p err.
 */
int calls_sdp_answer_parse(const char *sdp, size_t len, int family, struct calls_sdp_answer *a,
			   char *err, size_t err_len);

#endif /* TZ_BENCH_CALLS_PVT_H */
