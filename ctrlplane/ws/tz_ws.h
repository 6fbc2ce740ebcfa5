/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The signalling server: HTTP (static files of the web phone), the
 * `trapeze-jsep.v1` WebSocket at /ws and the `sip` WebSocket (SIP over
 * WebSocket, RFC 7118) at signalling.sip_paths, on the signalling.http (ws://)
 * and signalling.https (wss://) listeners.
 *
 * libwebsockets runs on the control thread's GLib main loop (lws's glib
 * event library, foreign-loop mode): no thread of its own, every callback
 * below runs from that loop.
 *
 * Before a WebSocket exists the upgrade is checked (signalling.require_tls,
 * subprotocol, its path (/ws, or signalling.sip_paths for `sip`),
 * signalling.origins / allow_no_origin,
 * limits.ws_connections_max, limits.ws_connections_per_ip); a refusal is
 * answered with an HTTP status and a text reason and counted by reason
 * (docs/protocol.md, "Refused handshakes").
 *
 * Per connection the server enforces limits.ws_max_message (error too-big,
 * the frame is dropped, the connection stays), limits.ws_max_rate (token
 * bucket; error rate-limited, the message is dropped), answers `ping`,
 * keeps the login flag (call-related messages before login get
 * not-logged-in) and pings idle peers.  Across connections it caps the
 * bytes queued for sending (limits.ws_max_queued_bytes): a connection
 * holding more than its share when the cap is reached is closed (1008).
 * Client JSON is checked strictly (RFC 8259) before it is parsed.
 * Everything else is the handlers'.
 *
 * On a `sip` connection the server only frames: one WebSocket message (text
 * or binary, reassembled) is one SIP message for on_sip; over
 * limits.ws_max_message or limits.ws_max_rate it is dropped and counted
 * (no JSON is ever sent there); a CRLF CRLF keep-alive (RFC 5626 section
 * 4.4.1) is answered with CRLF by the server.
 *
 * Lifetime of a struct tz_ws_conn: valid from on_open until on_close
 * returns; after that it is freed unless the holder took a reference with
 * tz_ws_conn_ref().  Sending to a connection that is closing or closed (but
 * still referenced) is safe and returns -ENOTCONN.
 *
 * Threading: control thread only (the thread whose thread-default
 * GMainContext was current at tz_ws_server_start()).  Other threads post to
 * that loop (g_main_context_invoke) and let it call these functions.
 */
#ifndef TZ_WS_H
#define TZ_WS_H

#include <stdarg.h>
#include <stdint.h>

#include "tz_config.h"
#include "tz_jsep_msg.h"

struct tz_ws_server;
struct tz_ws_conn;

/** The WebSocket subprotocol the SIP transport answers to (RFC 7118 section 4). */
#define TZ_WS_SIP_SUBPROTOCOL "sip"

/** Which subprotocol a connection speaks. */
enum tz_ws_kind {
	TZ_WS_KIND_JSEP,              /**< `trapeze-jsep.v1` at /ws */
	TZ_WS_KIND_SIP,               /**< `sip` (RFC 7118) at signalling.sip_paths */
};

/** Seconds of silence after which the server pings a WebSocket peer. */
#define TZ_WS_PING_AFTER_S 30
/** Seconds of silence (no frame, no pong) after which it drops the peer. */
#define TZ_WS_IDLE_TIMEOUT_S 75
/** Bytes a connection may have queued for sending before it is closed. */
#define TZ_WS_SENDQ_MAX (4u << 20)
/** Seconds a closing connection may take to accept its close frame. */
#define TZ_WS_CLOSE_WAIT_S 5

/**
 * What the call manager is told.  Any pointer may be NULL.  The handlers
 * may send, set user data and close connections; they must not call
 * tz_ws_server_stop().
 */
struct tz_ws_handlers {
	/**
	 * A WebSocket is established (subprotocol negotiated, path checked);
	 * for both kinds: see tz_ws_conn_kind().
	 */
	void (*on_open)(struct tz_ws_conn *conn, void *user);
	/**
	 * A valid message arrived.  Already checked: JSON, members, size, rate,
	 * login (a call-related type only arrives on a logged-in connection).
	 * `ping` is answered by the server and never arrives here.  For `login`
	 * the handler replies login-ok (after tz_ws_conn_set_logged_in()) or
	 * error auth-failed; after `logout` returns, the connection is logged
	 * out.  @p msg and its strings are valid only during the call.
	 */
	void (*on_message)(struct tz_ws_conn *conn, const struct tz_jsep_msg *msg, void *user);
	/** The connection is gone (peer, idle timeout, close, or server stop); both kinds. */
	void (*on_close)(struct tz_ws_conn *conn, void *user);
	/**
	 * One complete SIP message on a `sip` connection (one per WebSocket
	 * message, text or binary, RFC 7118 section 5); CRLF keep-alives are
	 * answered by the server and never arrive.  Already checked: size
	 * (limits.ws_max_message), rate (limits.ws_max_rate), not empty.
	 * @p buf (not NUL-terminated, @p len bytes) is valid only during the
	 * call.  NULL: SIP messages are dropped (connections still open).
	 */
	void (*on_sip)(struct tz_ws_conn *conn, const char *buf, size_t len, void *user);
};

/**
 * Start listening on every configured listener (signalling.http,
 * signalling.https; an unset host means disabled).
 *
 * @param sig   listeners, TLS files, web_root, origins, allow_no_origin,
 *              require_tls, sip_paths (NULL: the default "/", "/ws", "/sip";
 *              empty: no `sip` subprotocol); copied, may be freed after
 * @param lim   ws_max_message, ws_max_rate, ws_connections_per_ip,
 *              ws_connections_max, ws_max_queued_bytes (0 = no cap); copied
 * @param h     handlers; copied
 * @param user  passed to every handler
 * @return the server, or NULL with errno: EINVAL (no listener, host not an
 *         address, tls_cert/tls_key missing, bad cert, an origin that is not
 *         http(s)://host[:port], a sip path not starting with '/'), ENOENT/EACCES (a TLS
 *         file or web_root cannot be read), EADDRINUSE/EADDRNOTAVAIL/EACCES
 *         (bind), ENOMEM.  Each failure is logged naming the listener:
 *         "signalling.https [::]:443: cannot listen: Address already in use".
 */
struct tz_ws_server *tz_ws_server_start(const struct tz_cfg_signalling *sig,
					const struct tz_cfg_limits *lim,
					const struct tz_ws_handlers *h, void *user);

/**
 * The tenants' WebSocket selectors (issue 11): each tenant's `origins` may
 * open the WebSocket (in addition to signalling.origins) and, with its
 * `hosts` (Host header without port) and `paths` (URL path; both
 * subprotocols are served there, `sip` when signalling.sip_paths is not
 * empty), select it: tz_ws_conn_tenant().  An upgrade whose Origin, Host
 * and path select different tenants is refused with 403
 * (ws_refused_tenant_mismatch).  Call right after tz_ws_server_start(),
 * before the loop runs, and again on a reload (new connections only).
 *
 * @param tenants  tz_config.tenants (index 0 = the default tenant, which
 *                 has no selectors); copied, may be freed after
 * @return 0, or -EINVAL (an origin that is not http(s)://host[:port]:
 *         logged; the old selectors stay)
 */
/**
 * Reload (issue 13): the HTTPS/WSS certificate and key at @p cert / @p key
 * (the configured paths, read again: a renewed certificate).  The pair is
 * checked in a scratch context first; with @p apply and a certificate other
 * than the one in use, new TLS handshakes use it from now on (connections
 * open keep theirs).  Control thread only.
 * @return 1 changed (applied when @p apply), 0 the same certificate,
 *         -ENOENT no https listener, -EINVAL a file that does not load or a
 *         key that does not match (@p err says which; nothing changed).
 */
int tz_ws_server_reload_cert(struct tz_ws_server *srv, const char *cert, const char *key,
			     bool apply, char *err, size_t errlen);

int tz_ws_server_set_tenants(struct tz_ws_server *srv, const struct tz_cfg_tenant *tenants,
			     size_t n);

/**
 * Close every connection (on_close is called for each), stop listening and
 * free the server.  NULL is a no-op.  Not from inside a handler.
 */
void tz_ws_server_stop(struct tz_ws_server *srv);

/**
 * Port a listener is bound to (useful with port 0 = ephemeral).
 * @param tls  false: signalling.http, true: signalling.https
 * @return the port, or -ENOENT when that listener is disabled
 */
int tz_ws_server_port(const struct tz_ws_server *srv, bool tls);

/**
 * The event library lws runs on: "libuv" (one GSource for every WebSocket,
 * ws_loop.c) or "glib" (a GSource per connection: TZ_WS_GLIB=1, or the
 * libuv plugin libwebsockets-evlib-uv did not load).
 */
const char *tz_ws_server_event_loop(const struct tz_ws_server *srv);

/**
 * Test hook: while @p on, a server started acts as if lws's libuv event
 * library did not load (the fallback to the glib one is then exercised).
 */
void tz_ws_test_no_libuv(bool on);

/* Counters: X(enum suffix, name shown by the CLI and telemetry). */
#define TZ_WS_COUNTERS(X)                              \
	X(CONN_OPENED, "ws_connections_opened")        \
	X(CONN_OPEN, "ws_connections_open")            \
	X(CONN_REFUSED, "ws_connections_refused")      \
	X(MSG_IN, "ws_messages_in")                    \
	X(MSG_OUT, "ws_messages_out")                  \
	X(BYTES_IN, "ws_bytes_in")                     \
	X(BYTES_OUT, "ws_bytes_out")                   \
	X(SENDQ_OVERFLOW, "ws_sendq_overflows")        \
	X(HTTP_REQUESTS, "http_requests")              \
	X(HTTP_NOT_FOUND, "http_not_found")            \
	X(REFUSED_PLAIN, "ws_refused_plain_ws")        \
	X(REFUSED_PATH, "ws_refused_path")             \
	X(REFUSED_SUBPROTOCOL, "ws_refused_subprotocol") \
	X(REFUSED_ORIGIN, "ws_refused_origin")         \
	X(REFUSED_FULL, "ws_refused_server_full")      \
	X(REFUSED_PER_IP, "ws_refused_per_ip")         \
	X(REFUSED_TENANT, "ws_refused_tenant_mismatch") \
	X(SLOW_READER, "ws_slow_reader_closes")        \
	X(QUEUED_BYTES, "ws_queued_bytes")             \
	X(SIP_OPENED, "ws_sip_connections_opened")     \
	X(SIP_MSG_IN, "ws_sip_messages_in")            \
	X(SIP_MSG_OUT, "ws_sip_messages_out")          \
	X(SIP_KEEPALIVE, "ws_sip_keepalives")          \
	X(SIP_TOO_BIG, "ws_sip_too_big")               \
	X(SIP_RATE_LIMITED, "ws_sip_rate_limited")     \
	X(SIP_EMPTY, "ws_sip_empty")                   \
	X(LOOP_RUNS, "ws_loop_runs")                   \
	X(REFUSED_NO_FD, "ws_refused_no_descriptors")

enum tz_ws_counter {
#define TZ_WS_CNT_ENUM(e, n) TZ_WS_CNT_##e,
	TZ_WS_COUNTERS(TZ_WS_CNT_ENUM)
#undef TZ_WS_CNT_ENUM
	TZ_WS_CNT_COUNT
};

/** A snapshot of the counters. */
struct tz_ws_stats {
	uint64_t cnt[TZ_WS_CNT_COUNT];           /**< by enum tz_ws_counter */
	uint64_t errors[TZ_JSEP_ERR_COUNT];      /**< `error` messages sent, by code */
};

/** Copy the counters. */
void tz_ws_server_stats(const struct tz_ws_server *srv, struct tz_ws_stats *out);
/** "ws_messages_in" ... ; "?" when out of range. */
const char *tz_ws_counter_name(enum tz_ws_counter c);

/** Attach the manager's data to a connection (NULL to clear). */
void tz_ws_conn_set_user(struct tz_ws_conn *conn, void *data);
/** The manager's data, NULL until set. */
void *tz_ws_conn_get_user(const struct tz_ws_conn *conn);

/**
 * Mark the connection logged in as @p user (copied), or logged out when
 * @p user is NULL.  Call before sending login-ok.
 * @return 0, -EINVAL (user empty), -ENOMEM
 */
int tz_ws_conn_set_logged_in(struct tz_ws_conn *conn, const char *user);
/** The logged-in user, or NULL. */
const char *tz_ws_conn_user(const struct tz_ws_conn *conn);
/** Remote address as "192.0.2.1:50312" or "[2001:db8::1]:50312". */
const char *tz_ws_conn_peer(const struct tz_ws_conn *conn);
/** Whether the connection came in on the TLS (wss://) listener. */
bool tz_ws_conn_is_tls(const struct tz_ws_conn *conn);
/** Which subprotocol the connection speaks. */
enum tz_ws_kind tz_ws_conn_kind(const struct tz_ws_conn *conn);
/**
 * The tenant (index into tz_config.tenants) the connection's Origin, Host
 * or URL path selected at the upgrade (tz_ws_server_set_tenants()), or -1
 * when none did (then its logins decide).  @p conn: a struct tz_ws_conn,
 * NULL gives -1.  Control thread.
 */
int tz_ws_conn_tenant(void *conn);

/** Keep @p conn allocated past on_close; each ref needs a tz_ws_conn_unref(). */
struct tz_ws_conn *tz_ws_conn_ref(struct tz_ws_conn *conn);
void tz_ws_conn_unref(struct tz_ws_conn *conn);

/**
 * Close the connection after what is queued has been sent, with a
 * WebSocket close code (RFC 6455 section 7.4; 1000 normal, 1008 policy).
 * on_close follows from the loop.  @return 0 or -ENOTCONN
 */
int tz_ws_conn_close(struct tz_ws_conn *conn, uint16_t code, const char *reason);

/**
 * Queue one SIP message as one text frame on a `sip` connection (RFC 7118
 * section 5: one message per WebSocket message).  @p buf is copied.
 * @return same as tz_ws_send(); -EPROTO when @p conn is not a sip
 *         connection; -EINVAL when @p len is 0
 */
int tz_ws_send_sip(struct tz_ws_conn *conn, const char *buf, size_t len);

/**
 * Queue a message (any JSON object) for sending.  Does not take @p msg.
 * This and every JSON sender below return -EPROTO on a `sip` connection.
 * @return 0; -ENOTCONN (closing or closed); -EINVAL (not an object);
 *         -ENOBUFS (over TZ_WS_SENDQ_MAX, or over its share of
 *         limits.ws_max_queued_bytes while the cap is reached: the peer
 *         does not read; the connection is being closed with 1008)
 */
int tz_ws_send(struct tz_ws_conn *conn, JsonNode *msg);

/** Build @p out with tz_jsep_build() and queue it; errors as tz_ws_send(). */
int tz_ws_send_out(struct tz_ws_conn *conn, const struct tz_jsep_out *out);

/*
 * One sender per server -> client message of docs/protocol.md.  Same
 * returns as tz_ws_send(); -EINVAL when a required member is NULL or
 * @p call is not a call name.
 */
int tz_ws_send_login_ok(struct tz_ws_conn *conn, int64_t id, const char *user);
int tz_ws_send_answer(struct tz_ws_conn *conn, const char *call, const char *sdp);
int tz_ws_send_ringing(struct tz_ws_conn *conn, const char *call);
/** @p sdp may be NULL (progress without early media). */
int tz_ws_send_progress(struct tz_ws_conn *conn, const char *call, const char *sdp);
int tz_ws_send_answered(struct tz_ws_conn *conn, const char *call);
/** @p display may be NULL. */
int tz_ws_send_incoming(struct tz_ws_conn *conn, const char *call, const char *from,
			const char *display, const char *sdp);
/** @p code: SIP status, 200 normal, 0 with a gateway error code as @p reason. */
int tz_ws_send_hangup(struct tz_ws_conn *conn, const char *call, int code, const char *reason);
int tz_ws_send_held(struct tz_ws_conn *conn, const char *call, enum tz_jsep_by by);
int tz_ws_send_unheld(struct tz_ws_conn *conn, const char *call, enum tz_jsep_by by);
/** @p sdp_mid may be NULL, @p sdp_mline_index -1 to omit it. */
int tz_ws_send_candidate(struct tz_ws_conn *conn, const char *call, const char *candidate,
			 const char *sdp_mid, int sdp_mline_index);
int tz_ws_send_end_of_candidates(struct tz_ws_conn *conn, const char *call);

/**
 * Send `error`.  @p id TZ_JSEP_NO_ID and @p call NULL omit them; the
 * message is printf-formatted and should name what is wrong.
 */
int tz_ws_send_error(struct tz_ws_conn *conn, int64_t id, const char *call,
		     enum tz_jsep_err code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/** Send `error` about request @p req, echoing its id and call. */
int tz_ws_send_error_for(struct tz_ws_conn *conn, const struct tz_jsep_msg *req,
			 enum tz_jsep_err code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* TZ_WS_H */
