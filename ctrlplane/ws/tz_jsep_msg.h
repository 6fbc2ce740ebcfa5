/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The `trapeze-jsep.v1` message codec (docs/protocol.md).
 *
 * tz_jsep_msg_parse() turns one text frame into a validated, typed
 * struct tz_jsep_msg or into a protocol error (code + a message naming the
 * member and the problem: "call: missing", "digits: 'x' is not a DTMF
 * digit").  tz_jsep_build() makes every server -> client message from one
 * table, so member names and which members are required live in one place.
 *
 * The lists of message types, error codes and members are X-macros: the
 * parser, the builders, the counters and the CLI all use the same names.
 *
 * Threading: every function is reentrant (no globals, no locks).
 */
#ifndef TZ_JSEP_MSG_H
#define TZ_JSEP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

/** The subprotocol name, also the protocol's version. */
#define TZ_JSEP_SUBPROTOCOL "trapeze-jsep.v1"

/** Limits of the protocol itself (docs/protocol.md, "Members"). */
#define TZ_JSEP_CALL_MAX 64          /**< characters in a call name */
#define TZ_JSEP_DIGITS_MAX 32        /**< DTMF digits in one dtmf */
#define TZ_JSEP_DEPTH_MAX 16         /**< JSON nesting accepted in a frame */
#define TZ_JSEP_ID_MAX 9007199254740991LL  /**< 2^53 - 1, JS safe integer */
#define TZ_JSEP_NO_ID (-1LL)         /**< "no id" in parsed and built messages */
#define TZ_JSEP_BODY_MAX 65536       /**< bytes in a message body (messaging.max_bytes
				      *   is the configured, usually smaller, limit) */
#define TZ_JSEP_CONTENT_TYPE_MAX 128 /**< bytes in a content_type */

/* Client -> server: X(enum suffix, "type", needs login) */
#define TZ_JSEP_IN_TYPES(X)                          \
	X(LOGIN, "login", false)                     \
	X(CALL, "call", true)                        \
	X(CANDIDATE, "candidate", true)              \
	X(END_OF_CANDIDATES, "end-of-candidates", true) \
	X(ACCEPT, "accept", true)                    \
	X(REJECT, "reject", true)                    \
	X(HANGUP, "hangup", true)                    \
	X(DTMF, "dtmf", true)                        \
	X(HOLD, "hold", true)                        \
	X(UNHOLD, "unhold", true)                    \
	X(PING, "ping", false)                       \
	X(LOGOUT, "logout", true)                    \
	X(MESSAGE, "message", true)

enum tz_jsep_type {
#define TZ_JSEP_ENUM(e, n, l) TZ_JSEP_##e,
	TZ_JSEP_IN_TYPES(TZ_JSEP_ENUM)
#undef TZ_JSEP_ENUM
	TZ_JSEP_TYPE_COUNT
};

/* Server -> client: X(enum suffix, "type") */
#define TZ_JSEP_OUT_TYPES(X)                         \
	X(LOGIN_OK, "login-ok")                      \
	X(ANSWER, "answer")                          \
	X(RINGING, "ringing")                        \
	X(PROGRESS, "progress")                      \
	X(ANSWERED, "answered")                      \
	X(INCOMING, "incoming")                      \
	X(HANGUP, "hangup")                          \
	X(HELD, "held")                              \
	X(UNHELD, "unheld")                          \
	X(DTMF, "dtmf")                              \
	X(CANDIDATE, "candidate")                    \
	X(END_OF_CANDIDATES, "end-of-candidates")    \
	X(PONG, "pong")                              \
	X(ERROR, "error")                            \
	X(MESSAGE, "message")                        \
	X(MESSAGE_STATUS, "message-status")

enum tz_jsep_out_type {
#define TZ_JSEP_ENUM(e, n) TZ_JSEP_OUT_##e,
	TZ_JSEP_OUT_TYPES(TZ_JSEP_ENUM)
#undef TZ_JSEP_ENUM
	TZ_JSEP_OUT_TYPE_COUNT
};

/* Error codes: X(enum suffix, "code") */
#define TZ_JSEP_ERRORS(X)                    \
	X(BAD_JSON, "bad-json")              \
	X(BAD_MESSAGE, "bad-message")        \
	X(TOO_BIG, "too-big")                \
	X(RATE_LIMITED, "rate-limited")      \
	X(NOT_LOGGED_IN, "not-logged-in")    \
	X(AUTH_FAILED, "auth-failed")        \
	X(UNKNOWN_CALL, "unknown-call")      \
	X(CALL_EXISTS, "call-exists")        \
	X(TOO_MANY_CALLS, "too-many-calls")  \
	X(BAD_SDP, "bad-sdp")                \
	X(BAD_TARGET, "bad-target")          \
	X(NO_ROUTE, "no-route")              \
	X(FORBIDDEN, "forbidden")            \
	X(DTLS_FAILED, "dtls-failed")        \
	X(ICE_FAILED, "ice-failed")          \
	X(MEDIA_TIMEOUT, "media-timeout")    \
	X(DRAINING, "draining")              \
	X(INTERNAL, "internal")              \
	X(MEDIA_SERVICES, "media-services-unavailable")

/** Retry-After (seconds, as text) of the 503 a draining gateway answers a new
 *  SIP or SIP-over-WebSocket INVITE with (issue 13, docs/operations.md). */
#define TZ_DRAIN_RETRY_AFTER_S "60"

enum tz_jsep_err {
#define TZ_JSEP_ENUM(e, n) TZ_JSEP_ERR_##e,
	TZ_JSEP_ERRORS(TZ_JSEP_ENUM)
#undef TZ_JSEP_ENUM
	TZ_JSEP_ERR_COUNT
};

/** Who changed the hold state (`held` / `unheld` member `by`). */
enum tz_jsep_by {
	TZ_JSEP_BY_LOCAL,
	TZ_JSEP_BY_REMOTE,
};

/**
 * A validated client message.  Strings are borrowed from the parsed JSON
 * tree held in @c root and live until tz_jsep_msg_clear(); an absent (or
 * JSON null) optional member is NULL / TZ_JSEP_NO_ID / its default.
 */
struct tz_jsep_msg {
	enum tz_jsep_type type;
	int64_t id;                   /**< 0..2^53-1, or TZ_JSEP_NO_ID */
	const char *call;             /**< 1-64 chars [A-Za-z0-9._-] */
	const char *target;           /**< call: "echo", a number or a SIP URI */
	const char *sdp;              /**< call: offer; accept: answer */
	const char *candidate;        /**< "candidate:..." without "a=" */
	const char *sdp_mid;          /**< sdpMid, or NULL */
	int32_t sdp_mline_index;      /**< sdpMLineIndex, -1 when absent */
	const char *user;             /**< login */
	const char *password;         /**< login, or NULL */
	const char *token;            /**< login, or NULL */
	bool has_sip;                 /**< login carried `sip` */
	struct {
		const char *username;
		const char *password;
		const char *domain;   /**< or NULL */
	} sip;
	const char *digits;           /**< dtmf: 1-32 of 0-9 * # A-D */
	uint32_t duration_ms;         /**< dtmf: 40-2000, default 100 */
	uint32_t code;                /**< reject: 400-699, default 486 */
	const char *reason;           /**< hangup, or NULL */
	const char *to;               /**< message: the target, as a call's */
	const char *content_type;     /**< message: a media type, NULL = text/plain */
	const char *body;             /**< message: 0-65536 bytes of UTF-8 text */
	/** call from a SIP-over-WebSocket phone (never parsed from JSON): its
	 *  Authorization / Proxy-Authorization value, to carry to the trunk */
	const char *sip_auth;
	bool sip_proxy_auth;
	JsonNode *root;               /**< owns every string above */
};

/** A protocol error found while parsing, ready to send back as `error`. */
struct tz_jsep_error {
	enum tz_jsep_err code;
	int64_t id;                           /**< the request's id, or TZ_JSEP_NO_ID */
	char call[TZ_JSEP_CALL_MAX + 1];      /**< the request's valid call, or "" */
	char message[192];                    /**< names the member and the problem */
};

/**
 * Parse and validate one text frame.
 *
 * @param buf  the frame (need not be NUL-terminated)
 * @param len  its length in bytes
 * @param msg  filled on success; release with tz_jsep_msg_clear()
 * @param err  filled on failure: code bad-json or bad-message, the request's
 *             id and call when they could be read, and the message
 * @return 0, or -EINVAL (err filled, msg cleared)
 */
int tz_jsep_msg_parse(const char *buf, size_t len, struct tz_jsep_msg *msg,
		      struct tz_jsep_error *err);

/** Release what tz_jsep_msg_parse() filled; safe on a cleared msg. */
void tz_jsep_msg_clear(struct tz_jsep_msg *msg);

/** "login", "call" ... for a client type; "?" when out of range. */
const char *tz_jsep_type_name(enum tz_jsep_type type);
/** Whether a client type needs a logged-in connection. */
bool tz_jsep_type_needs_login(enum tz_jsep_type type);
/** "login-ok", "answer" ... for a server type; "?" when out of range. */
const char *tz_jsep_out_type_name(enum tz_jsep_out_type type);
/** "bad-json", "unknown-call" ... ; "?" when out of range. */
const char *tz_jsep_err_name(enum tz_jsep_err code);

/**
 * Members of a server -> client message.  Only the members the type carries
 * are read (docs/protocol.md, "Server -> client"); a required one that is
 * NULL makes tz_jsep_build() fail.
 */
struct tz_jsep_out {
	enum tz_jsep_out_type type;
	int64_t id;                   /**< login-ok, pong, error; TZ_JSEP_NO_ID = omit */
	const char *call;
	const char *user;             /**< login-ok */
	const char *sdp;              /**< answer, progress (optional), incoming */
	const char *from;             /**< incoming, message */
	const char *display;          /**< incoming, message: optional */
	int32_t code;                 /**< hangup, message-status: SIP status, 200 or 0 */
	const char *reason;           /**< hangup, message-status */
	enum tz_jsep_by by;           /**< held, unheld */
	const char *digits;           /**< dtmf: digits the far end sent (SIP INFO) */
	int32_t duration_ms;          /**< dtmf: ms per digit, 0 = omit */
	const char *candidate;        /**< candidate */
	const char *sdp_mid;          /**< candidate, optional */
	int32_t sdp_mline_index;      /**< candidate, -1 = omit */
	enum tz_jsep_err err;         /**< error: the code */
	const char *message;          /**< error */
	const char *msgid;            /**< message: the gateway's id of an incoming message */
	const char *content_type;     /**< message */
	const char *body;             /**< message */
	/** hangup with code 401/407 to a SIP-over-WebSocket phone's call (never
	 *  built into JSON): the trunk's challenges to relay, NULL-terminated */
	const char *const *challenges;
	/** answered, optional: "rejected" when the far end took the call
	 *  without the video our answer accepted (docs/video.md) */
	const char *video;
};

/**
 * Build a server -> client message.
 * @return a new JSON object (free with json_node_unref), or NULL with errno
 *         EINVAL (bad type, a required member is NULL, call not a call name)
 */
JsonNode *tz_jsep_build(const struct tz_jsep_out *out);

/**
 * Same as tz_jsep_build(), serialised to compact JSON text.
 * @return a g_malloc'd string (g_free), or NULL with errno EINVAL
 */
char *tz_jsep_build_text(const struct tz_jsep_out *out, size_t *len);

/** Whether @p s is a valid call name (1-64 of [A-Za-z0-9._-]). */
bool tz_jsep_call_name_valid(const char *s);

#endif /* TZ_JSEP_MSG_H */
