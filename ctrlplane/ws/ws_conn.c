/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One trapeze-jsep.v1 connection: accept on /ws (and the tenants' paths), assemble frames up to
 * limits.ws_max_message, rate-limit, parse, enforce login, answer ping and
 * hand the rest to the call manager.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ws_pvt.h"

#define WS_PATH "/ws"

static void conn_peer(struct tz_ws_conn *conn, struct lws *wsi)
{
	unsigned port;

	tz_ws_peer_addr(wsi, conn->ip, sizeof(conn->ip), &port);
	if (strchr(conn->ip, ':') != NULL)
		snprintf(conn->peer, sizeof(conn->peer), "[%s]:%u", conn->ip, port);
	else
		snprintf(conn->peer, sizeof(conn->peer), "%s:%u", conn->ip, port);
}

bool tz_ws_uri_is(struct lws *wsi, const char *path)
{
	char uri[TZ_CFG_URL_PATH_MAX + 2];

	return lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) > 0 &&
	       strcmp(uri, path) == 0;
}

static int on_filter(struct lws *wsi, struct ws_pss *pss)
{
	ws_pss_tenant(wsi, pss);
	if (tz_ws_uri_is(wsi, WS_PATH) || tz_ws_tenant_path_ok(wsi, ws_server_of(wsi)))
		return 0;
	ws_count(ws_server_of(wsi), TZ_WS_CNT_CONN_REFUSED, 1);
	return 1;
}

int tz_ws_conn_established(struct lws *wsi, struct ws_pss *pss, enum tz_ws_kind kind)
{
	struct tz_ws_server *srv = ws_server_of(wsi);
	struct tz_ws_conn *conn = g_new0(struct tz_ws_conn, 1);

	conn->srv = srv;
	conn->wsi = wsi;
	conn->refs = 1;
	conn->kind = kind;
	conn->tenant = pss->tenant - 1;
	conn->tls = lws_is_ssl(wsi) != 0;
	conn->rx.buf = g_string_new(NULL);
	conn->tokens = srv->max_rate;
	conn->tokens_at = g_get_monotonic_time();
	g_queue_init(&conn->txq);
	conn_peer(conn, wsi);
	pss->conn = conn;
	tz_ws_admit_opened(srv, conn);
	ws_count(srv, TZ_WS_CNT_CONN_OPENED, 1);
	ws_count(srv, TZ_WS_CNT_CONN_OPEN, 1);
	if (kind == TZ_WS_KIND_SIP)
		ws_count(srv, TZ_WS_CNT_SIP_OPENED, 1);
	TZ_LOG(CP_WS, DEBUG, "%s: connected%s%s", conn->peer, conn->tls ? " (wss)" : "",
	       kind == TZ_WS_KIND_SIP ? " (sip)" : "");
	if (srv->h.on_open != NULL)
		srv->h.on_open(conn, srv->user);
	return 0;
}

void tz_ws_conn_closed(struct ws_pss *pss)
{
	struct tz_ws_conn *conn = pss->conn;
	struct tz_ws_server *srv;

	if (conn == NULL)
		return;
	srv = conn->srv;
	pss->conn = NULL;
	conn->wsi = NULL;
	conn->closing = true;
	tz_ws_conn_drop_txq(conn);
	tz_ws_admit_closed(srv, conn);
	srv->stats.cnt[TZ_WS_CNT_CONN_OPEN]--;
	TZ_LOG(CP_WS, DEBUG, "%s: closed", conn->peer);
	if (srv->h.on_close != NULL)
		srv->h.on_close(conn, srv->user);
	tz_ws_conn_unref(conn);
}

/* Token bucket, RFC 2697 style: ws_max_rate tokens per second, burst the same. */
bool tz_ws_conn_take_token(struct tz_ws_conn *conn)
{
	uint32_t rate = conn->srv->max_rate;
	int64_t now = g_get_monotonic_time();

	if (rate == 0)
		return true;
	conn->tokens += (double)(now - conn->tokens_at) * rate / G_USEC_PER_SEC;
	if (conn->tokens > rate)
		conn->tokens = rate;
	conn->tokens_at = now;
	if (conn->tokens < 1.0)
		return false;
	conn->tokens -= 1.0;
	return true;
}

/* Excess messages are dropped; the peer is told at most once a second. */
static void rate_limited(struct tz_ws_conn *conn)
{
	int64_t now = g_get_monotonic_time();

	if (now - conn->limited_told_at < G_USEC_PER_SEC)
		return;
	conn->limited_told_at = now;
	tz_ws_send_error(conn, TZ_JSEP_NO_ID, NULL, TZ_JSEP_ERR_RATE_LIMITED,
			 "more than %u messages per second; message dropped",
			 conn->srv->max_rate);
}

static void dispatch(struct tz_ws_conn *conn, const struct tz_jsep_msg *msg)
{
	struct tz_ws_server *srv = conn->srv;

	if (tz_jsep_type_needs_login(msg->type) && conn->login_user == NULL) {
		tz_ws_send_error_for(conn, msg, TZ_JSEP_ERR_NOT_LOGGED_IN,
				     "%s: log in first", tz_jsep_type_name(msg->type));
		return;
	}
	if (msg->type == TZ_JSEP_LOGIN && conn->login_user != NULL) {
		tz_ws_send_error_for(conn, msg, TZ_JSEP_ERR_BAD_MESSAGE,
				     "login: already logged in as '%s'; send logout first",
				     conn->login_user);
		return;
	}
	if (msg->type == TZ_JSEP_PING) {
		struct tz_jsep_out pong = { .type = TZ_JSEP_OUT_PONG, .id = msg->id };

		tz_ws_send_out(conn, &pong);
		return;
	}
	if (srv->h.on_message != NULL)
		srv->h.on_message(conn, msg, srv->user);
	if (msg->type == TZ_JSEP_LOGOUT)
		tz_ws_conn_set_logged_in(conn, NULL);
}

static void on_frame(struct tz_ws_conn *conn, bool binary, bool too_big)
{
	struct tz_jsep_msg msg;
	struct tz_jsep_error err;

	ws_count(conn->srv, TZ_WS_CNT_MSG_IN, 1);
	if (!tz_ws_conn_take_token(conn)) {
		rate_limited(conn);
		return;
	}
	if (too_big) {
		tz_ws_send_error(conn, TZ_JSEP_NO_ID, NULL, TZ_JSEP_ERR_TOO_BIG,
				 "frame over %u bytes (limits.ws_max_message); dropped",
				 conn->srv->max_message);
		return;
	}
	if (binary) {
		tz_ws_send_error(conn, TZ_JSEP_NO_ID, NULL, TZ_JSEP_ERR_BAD_JSON,
				 "binary frame; send JSON in a text frame");
		return;
	}
	if (tz_jsep_msg_parse(conn->rx.buf->str, conn->rx.buf->len, &msg, &err) < 0) {
		TZ_LOG(CP_WS, DEBUG, "%s: %s: %s", conn->peer, tz_jsep_err_name(err.code),
		       err.message);
		tz_ws_send_error(conn, err.id, err.call[0] ? err.call : NULL, err.code, "%s",
				 err.message);
		return;
	}
	/* The manager may close or unref from on_message: keep conn alive. */
	tz_ws_conn_ref(conn);
	dispatch(conn, &msg);
	tz_jsep_msg_clear(&msg);
	tz_ws_conn_unref(conn);
}

static void on_receive(struct lws *wsi, struct tz_ws_conn *conn, const void *in, size_t len)
{
	bool last = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
	enum ws_rx_result r;

	ws_count(conn->srv, TZ_WS_CNT_BYTES_IN, len);
	r = tz_ws_rx_feed(&conn->rx, in, len, last, conn->srv->max_message);
	if (r == WS_RX_MORE)
		return;
	on_frame(conn, lws_frame_is_binary(wsi) != 0, r == WS_RX_TOO_BIG);
	tz_ws_rx_reset(&conn->rx);
}

int tz_ws_jsep_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			void *in, size_t len)
{
	struct ws_pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return on_filter(wsi, pss);
	case LWS_CALLBACK_ESTABLISHED:
		return tz_ws_conn_established(wsi, pss, TZ_WS_KIND_JSEP);
	case LWS_CALLBACK_RECEIVE:
		if (pss->conn != NULL)
			on_receive(wsi, pss->conn, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->conn != NULL ? tz_ws_conn_writeable(pss->conn) : -1;
	case LWS_CALLBACK_CLOSED:
		tz_ws_conn_closed(pss);
		return 0;
	default:
		return 0;
	}
}
