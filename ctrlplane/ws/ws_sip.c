/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `sip` WebSocket subprotocol (SIP over WebSocket, RFC 7118): transport
 * only.  One WebSocket message, text or binary (RFC 7118 section 5), after
 * reassembly, is one SIP message for the on_sip handler; parsing is the
 * handler's.  Size and rate limits drop and count (there is no error
 * message on this subprotocol: nothing but SIP is ever sent on it).  A
 * CRLF CRLF message is the keep-alive ping of RFC 5626 section 4.4.1 that
 * SIP.js and JsSIP send; the server answers the CRLF pong itself.
 */
#include <errno.h>
#include <string.h>

#include "ws_pvt.h"

#define KEEPALIVE_PING "\r\n\r\n"
#define KEEPALIVE_PONG "\r\n"

static const char *const default_paths[] = { "/", "/ws", "/sip", NULL };

int tz_ws_sip_init(struct tz_ws_server *srv, const struct tz_cfg_signalling *sig)
{
	const char *const *paths = sig->sip_paths != NULL ? (const char *const *)sig->sip_paths
							  : default_paths;
	GString *text = g_string_new(NULL);

	for (size_t i = 0; paths[i] != NULL; i++) {
		if (paths[i][0] != '/' || strlen(paths[i]) > TZ_CFG_URL_PATH_MAX) {
			TZ_LOG(CP_WS, ERR, "signalling.sip_paths: \"%s\" is not a URL path "
			       "(starts with '/', at most %d bytes)", paths[i],
			       TZ_CFG_URL_PATH_MAX);
			g_string_free(text, TRUE);
			return -EINVAL;
		}
		g_string_append_printf(text, "%s%s", i > 0 ? ", " : "", paths[i]);
	}
	srv->sip_paths = g_strdupv((char **)paths);
	srv->sip_paths_text = g_string_free(text, FALSE);
	return 0;
}

void tz_ws_sip_free(struct tz_ws_server *srv)
{
	g_strfreev(srv->sip_paths);
	g_free(srv->sip_paths_text);
}

bool tz_ws_sip_path_ok(struct lws *wsi, const struct tz_ws_server *srv)
{
	for (size_t i = 0; srv->sip_paths != NULL && srv->sip_paths[i] != NULL; i++)
		if (tz_ws_uri_is(wsi, srv->sip_paths[i]))
			return true;
	return false;
}

/* One complete WebSocket message (rx.buf), or one that went over the size limit. */
static void on_message(struct tz_ws_conn *conn, bool too_big)
{
	struct tz_ws_server *srv = conn->srv;
	const GString *m = conn->rx.buf;

	ws_count(srv, TZ_WS_CNT_MSG_IN, 1);
	if (!tz_ws_conn_take_token(conn)) {
		ws_count(srv, TZ_WS_CNT_SIP_RATE_LIMITED, 1);
		TZ_LOG(CP_WS, DEBUG, "%s: sip: over %u messages per second "
		       "(limits.ws_max_rate); dropped", conn->peer, srv->max_rate);
		return;
	}
	if (too_big) {
		ws_count(srv, TZ_WS_CNT_SIP_TOO_BIG, 1);
		TZ_LOG(CP_WS, DEBUG, "%s: sip: message over %u bytes (limits.ws_max_message); "
		       "dropped", conn->peer, srv->max_message);
		return;
	}
	if (m->len == 0) {
		ws_count(srv, TZ_WS_CNT_SIP_EMPTY, 1);
		return;
	}
	if (m->len == strlen(KEEPALIVE_PING) && memcmp(m->str, KEEPALIVE_PING, m->len) == 0) {
		ws_count(srv, TZ_WS_CNT_SIP_KEEPALIVE, 1);
		tz_ws_send_text(conn, KEEPALIVE_PONG, strlen(KEEPALIVE_PONG));
		return;
	}
	if (m->len == strlen(KEEPALIVE_PONG) && memcmp(m->str, KEEPALIVE_PONG, m->len) == 0)
		return;   /* a pong to nothing we sent: ignored (RFC 5626 section 4.4.1) */
	ws_count(srv, TZ_WS_CNT_SIP_MSG_IN, 1);
	if (srv->h.on_sip == NULL)
		return;
	/* The handler may close or unref from on_sip: keep conn alive. */
	tz_ws_conn_ref(conn);
	srv->h.on_sip(conn, m->str, m->len, srv->user);
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
	on_message(conn, r == WS_RX_TOO_BIG);
	tz_ws_rx_reset(&conn->rx);
}

int tz_ws_sip_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		       void *in, size_t len)
{
	struct ws_pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* ws_admit.c refused a wrong path with a reason; this is a backstop. */
		ws_pss_tenant(wsi, pss);
		if (tz_ws_sip_path_ok(wsi, ws_server_of(wsi)) ||
		    tz_ws_tenant_path_ok(wsi, ws_server_of(wsi)))
			return 0;
		ws_count(ws_server_of(wsi), TZ_WS_CNT_CONN_REFUSED, 1);
		return 1;
	case LWS_CALLBACK_ESTABLISHED:
		return tz_ws_conn_established(wsi, pss, TZ_WS_KIND_SIP);
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
