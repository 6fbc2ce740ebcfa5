/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the signalling server. */
#ifndef TZ_WS_PVT_H
#define TZ_WS_PVT_H

#include <libwebsockets.h>

#include "tz_log.h"
#include "tz_ws.h"

enum ws_listener {
	WS_LISTEN_HTTP,
	WS_LISTEN_HTTPS,
	WS_LISTEN_COUNT,
};

/* http, trapeze-jsep.v1, sip, terminator. */
#define WS_PROTOCOLS_MAX 4

struct tz_ws_server {
	struct lws_context *ctx;
	GMainLoop *loop;                  /* TZ_WS_GLIB=1: the caller's context, lent to lws */
	void *uv;                         /* else lws's libuv loop (ws_loop.c), or NULL */
	GSource *uv_src;                  /* its one source on the caller's context */
	struct lws_vhost *vh[WS_LISTEN_COUNT];
	struct tz_ws_handlers h;
	void *user;
	uint32_t max_message;             /* bytes per frame, 0 = none */
	uint32_t max_rate;                /* messages per second, 0 = none */
	char *web_root;                   /* realpath, or NULL: every GET is 404 */
	struct tz_ws_stats stats;
	/* Admission (ws_admit.c): who may open a WebSocket. */
	char **origins;                   /* normalised allow-list, NULL-terminated */
	bool any_origin;                  /* "*" listed */
	bool allow_no_origin;
	bool require_tls;                 /* ws:// refused (https exists) */
	uint32_t per_ip;                  /* open WebSockets per source address, 0 = no cap */
	uint32_t max_conns;               /* open WebSockets in all, 0 = no cap */
	uint64_t max_queued;              /* bytes queued on all connections, 0 = no cap */
	uint64_t queued;                  /* bytes queued now */
	GHashTable *ip_conns;             /* source address -> open WebSockets (GUINT) */
	GHashTable *conns;                /* every open struct tz_ws_conn */
	/* SIP over WebSocket (ws_sip.c): subprotocol `sip` on these paths. */
	char **sip_paths;                 /* NULL-terminated; empty = `sip` not offered */
	char *sip_paths_text;             /* "/, /ws, /sip" for refusal reasons */
	/* Tenant selectors (ws_tenant.c), indexed like tz_config.tenants. */
	struct ws_tenant *tenants;
	size_t n_tenants;
	/* What lws picks from Sec-WebSocket-Protocol; lives as long as the vhosts. */
	struct lws_protocols protocols[WS_PROTOCOLS_MAX];
	void *https_ctx;                  /* the https vhost's SSL_CTX (ws_tls_reload.c) */
	/* At the descriptor limit (ws_emfile.c). */
	int listen_fd[WS_LISTEN_COUNT];   /* lws's listening sockets, -1 = unknown */
	int spare_fd;                     /* /dev/null, closed to refuse at EMFILE */
	int64_t emfile_warned_at;         /* monotonic us of the last warning, 0 = none */
	uint64_t emfile_unwarned;         /* refused since that warning */
};

/* ws_loop.c: lws on one GSource (a libuv loop), unless TZ_WS_GLIB=1. */
bool tz_ws_loop_glib(void);
int tz_ws_loop_open(struct tz_ws_server *srv, GMainContext *ctx);
void tz_ws_loop_close(struct tz_ws_server *srv);
void tz_ws_loop_destroy(struct tz_ws_server *srv);

/* ws_emfile.c: at EMFILE, pending connections are accepted and closed. */
void tz_ws_emfile_init(struct tz_ws_server *srv);
void tz_ws_emfile_listener(struct tz_ws_server *srv, enum ws_listener l);
void tz_ws_emfile_free(struct tz_ws_server *srv);
bool tz_ws_emfile_log(const char *line);

/* ws_tls_reload.c: lws showed the https vhost's SSL_CTX. */
void tz_ws_tls_ctx_seen(struct tz_ws_server *srv, void *ssl_ctx);

/* ws_rx.c: message reassembly from frames (RFC 6455 section 5.4). */
struct ws_rx {
	GString *buf;                     /* message being assembled */
	bool oversize;                    /* passed max: the rest is dropped */
};
enum ws_rx_result {
	WS_RX_MORE,                       /* wait for more fragments */
	WS_RX_MESSAGE,                    /* rx->buf holds a complete message */
	WS_RX_TOO_BIG,                    /* a complete message went over max; dropped */
};
/* A queued outgoing frame, with the headroom lws_write() needs. */
struct ws_frame {
	size_t len;
	unsigned char buf[];              /* LWS_PRE + len */
};

struct tz_ws_conn {
	struct tz_ws_server *srv;
	struct lws *wsi;                  /* NULL once lws closed it */
	enum tz_ws_kind kind;
	int tenant;                       /* selected by Origin/Host/path, or -1 */
	unsigned refs;                    /* lws's own + tz_ws_conn_ref()s */
	void *user_data;
	char *login_user;                 /* NULL = not logged in */
	char peer[INET6_ADDRSTRLEN + 8];
	char ip[INET6_ADDRSTRLEN];        /* source address, for limits.ws_connections_per_ip */
	bool tls;
	bool closing;                     /* no more sends accepted */
	bool close_started;               /* libuv path: the close is under way (ws_send.c) */
	uint16_t close_code;
	char close_reason[64];
	struct ws_rx rx;                  /* message being assembled */
	double tokens;                    /* rate limit bucket */
	int64_t tokens_at;                /* monotonic us of the last refill */
	int64_t limited_told_at;          /* last rate-limited error, us */
	GQueue txq;                       /* of struct ws_frame */
	size_t txq_bytes;
};

/* Per-session data lws keeps for the trapeze-jsep.v1 and sip protocols. */
struct ws_pss {
	struct tz_ws_conn *conn;
	int tenant;                       /* + 1: set at FILTER_PROTOCOL_CONNECTION, while
					     the headers are there; 0 = none */
};

static inline struct tz_ws_server *ws_server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* Whether subprotocol `sip` is served (signalling.sip_paths not empty). */
static inline bool ws_sip_on(const struct tz_ws_server *srv)
{
	return srv->sip_paths != NULL && srv->sip_paths[0] != NULL;
}

static inline void ws_count(struct tz_ws_server *srv, enum tz_ws_counter c, uint64_t n)
{
	srv->stats.cnt[c] += n;
}

/* ws_conn.c: the trapeze-jsep.v1 protocol callback. */
int tz_ws_jsep_callback(struct lws *wsi, enum lws_callback_reasons reason, void *pss,
			void *in, size_t len);
/* ws_conn.c, for both kinds: a new connection, its end, its token bucket. */
int tz_ws_conn_established(struct lws *wsi, struct ws_pss *pss, enum tz_ws_kind kind);
void tz_ws_conn_closed(struct ws_pss *pss);
bool tz_ws_conn_take_token(struct tz_ws_conn *conn);
/* Whether the request-target of wsi's upgrade is @p path. */
bool tz_ws_uri_is(struct lws *wsi, const char *path);
/* ws_sip.c: the sip protocol callback (RFC 7118), its paths. */
int tz_ws_sip_callback(struct lws *wsi, enum lws_callback_reasons reason, void *pss,
		       void *in, size_t len);
int tz_ws_sip_init(struct tz_ws_server *srv, const struct tz_cfg_signalling *sig);
void tz_ws_sip_free(struct tz_ws_server *srv);
/* Whether wsi's upgrade asks for one of signalling.sip_paths. */
bool tz_ws_sip_path_ok(struct lws *wsi, const struct tz_ws_server *srv);
/* ws_tenant.c: the tenant an upgrade's Origin, Host and path select. */
#define TZ_WS_TENANT_CONFLICT (-2)
/* The tenant index, -1 (none) or TZ_WS_TENANT_CONFLICT (reason in why, may be NULL). */
int tz_ws_tenant_select(struct lws *wsi, const struct tz_ws_server *srv, char *why,
			size_t wsz);
/* The tenant whose origins hold @p origin (normalised), or -1. */
int tz_ws_tenant_of_origin(const struct tz_ws_server *srv, const char *origin);
/* Whether wsi's upgrade asks for one of the tenants' paths (both subprotocols). */
bool tz_ws_tenant_path_ok(struct lws *wsi, const struct tz_ws_server *srv);
void tz_ws_tenants_free(struct tz_ws_server *srv);
/* FILTER_PROTOCOL_CONNECTION of both kinds: remember the tenant in the pss. */
static inline void ws_pss_tenant(struct lws *wsi, struct ws_pss *pss)
{
	int t = tz_ws_tenant_select(wsi, ws_server_of(wsi), NULL, 0);

	if (pss != NULL)
		pss->tenant = t >= 0 ? t + 1 : 0;
}
/* ws_http.c: static files and refusing upgrades that chose no subprotocol. */
int tz_ws_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *pss,
			void *in, size_t len);
/* ws_admit.c: the upgrade checks, answered with an HTTP status and reason. */
int tz_ws_admit_init(struct tz_ws_server *srv, const struct tz_cfg_signalling *sig,
		     const struct tz_cfg_limits *lim);
void tz_ws_admit_free(struct tz_ws_server *srv);
/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 = go on, 1 = refused (answer sent), -1 = hang up. */
int tz_ws_admit_upgrade(struct lws *wsi, struct tz_ws_server *srv);
void tz_ws_admit_opened(struct tz_ws_server *srv, struct tz_ws_conn *conn);
void tz_ws_admit_closed(struct tz_ws_server *srv, struct tz_ws_conn *conn);
/* Normalise an origin: lower case, default port dropped; false when not one. */
bool tz_ws_origin_normalise(const char *in, char *out, size_t osz);
/* The source address of wsi's socket ("192.0.2.1", "2001:db8::1"), port in *port. */
void tz_ws_peer_addr(struct lws *wsi, char *ip, size_t isz, unsigned *port);

/*
 * ws_http.c: resolve a decoded request path (len bytes, NUL-terminated at
 * len) under web_root (a realpath) into out: 0 or -errno (-ENOENT when
 * refused: outside web_root, hidden, not UTF-8, control characters, NUL).
 */
int tz_ws_http_resolve(const char *web_root, const char *uri, size_t len, char *out,
		       size_t osz);

/* Add one fragment; @p last: the message ends with it. Call ws_rx_reset() after a result. */
enum ws_rx_result tz_ws_rx_feed(struct ws_rx *rx, const void *in, size_t len, bool last,
				uint32_t max);
void tz_ws_rx_reset(struct ws_rx *rx);

/* ws_send.c */
int tz_ws_conn_writeable(struct tz_ws_conn *conn);
void tz_ws_conn_drop_txq(struct tz_ws_conn *conn);
int tz_ws_send_text(struct tz_ws_conn *conn, const char *text, size_t len);

#endif /* TZ_WS_PVT_H */
