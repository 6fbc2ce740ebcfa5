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

struct tz_ws_server {
	struct lws_context *ctx;
	GMainLoop *loop;                  /* the caller's context, lent to lws */
	struct lws_vhost *vh[WS_LISTEN_COUNT];
	struct tz_ws_handlers h;
	void *user;
	uint32_t max_message;             /* bytes per frame, 0 = none */
	uint32_t max_rate;                /* messages per second, 0 = none */
	char *web_root;                   /* realpath, or NULL: every GET is 404 */
	struct tz_ws_stats stats;
};

/* A queued outgoing frame, with the headroom lws_write() needs. */
struct ws_frame {
	size_t len;
	unsigned char buf[];              /* LWS_PRE + len */
};

struct tz_ws_conn {
	struct tz_ws_server *srv;
	struct lws *wsi;                  /* NULL once lws closed it */
	unsigned refs;                    /* lws's own + tz_ws_conn_ref()s */
	void *user_data;
	char *login_user;                 /* NULL = not logged in */
	char peer[INET6_ADDRSTRLEN + 8];
	bool tls;
	bool closing;                     /* no more sends accepted */
	uint16_t close_code;
	char close_reason[64];
	GString *rx;                      /* frame being assembled */
	bool rx_oversize;                 /* the frame passed max_message: drop it */
	double tokens;                    /* rate limit bucket */
	int64_t tokens_at;                /* monotonic us of the last refill */
	int64_t limited_told_at;          /* last rate-limited error, us */
	GQueue txq;                       /* of struct ws_frame */
	size_t txq_bytes;
};

/* Per-session data lws keeps for the trapeze-jsep.v1 protocol. */
struct ws_pss {
	struct tz_ws_conn *conn;
};

static inline struct tz_ws_server *ws_server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static inline void ws_count(struct tz_ws_server *srv, enum tz_ws_counter c, uint64_t n)
{
	srv->stats.cnt[c] += n;
}

/* ws_conn.c: the trapeze-jsep.v1 protocol callback. */
int tz_ws_jsep_callback(struct lws *wsi, enum lws_callback_reasons reason, void *pss,
			void *in, size_t len);
/* ws_http.c: static files and refusing upgrades that chose no subprotocol. */
int tz_ws_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *pss,
			void *in, size_t len);
/* ws_send.c */
int tz_ws_conn_writeable(struct tz_ws_conn *conn);
void tz_ws_conn_drop_txq(struct tz_ws_conn *conn);
int tz_ws_send_text(struct tz_ws_conn *conn, const char *text, size_t len);

#endif /* TZ_WS_PVT_H */
