/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending: messages are queued per connection and written when lws says the
 * socket is writeable (lws writes only from LWS_CALLBACK_SERVER_WRITEABLE).
 * Also the connection accessors, references and close.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ws_pvt.h"

void tz_ws_conn_set_user(struct tz_ws_conn *conn, void *data)
{
	conn->user_data = data;
}

void *tz_ws_conn_get_user(const struct tz_ws_conn *conn)
{
	return conn->user_data;
}

int tz_ws_conn_set_logged_in(struct tz_ws_conn *conn, const char *user)
{
	if (user != NULL && user[0] == '\0')
		return -EINVAL;
	g_free(conn->login_user);
	conn->login_user = g_strdup(user);
	return 0;
}

const char *tz_ws_conn_user(const struct tz_ws_conn *conn)
{
	return conn->login_user;
}

const char *tz_ws_conn_peer(const struct tz_ws_conn *conn)
{
	return conn->peer;
}

bool tz_ws_conn_is_tls(const struct tz_ws_conn *conn)
{
	return conn->tls;
}

enum tz_ws_kind tz_ws_conn_kind(const struct tz_ws_conn *conn)
{
	return conn->kind;
}

struct tz_ws_conn *tz_ws_conn_ref(struct tz_ws_conn *conn)
{
	conn->refs++;
	return conn;
}

void tz_ws_conn_unref(struct tz_ws_conn *conn)
{
	if (conn == NULL || --conn->refs > 0)
		return;
	tz_ws_conn_drop_txq(conn);
	g_string_free(conn->rx.buf, TRUE);
	g_free(conn->login_user);
	g_free(conn);
}

void tz_ws_conn_drop_txq(struct tz_ws_conn *conn)
{
	struct ws_frame *f;

	while ((f = g_queue_pop_head(&conn->txq)) != NULL)
		g_free(f);
	/* After on_closed the queue is empty: srv may be gone by then. */
	if (conn->txq_bytes > 0) {
		conn->srv->queued -= conn->txq_bytes;
		conn->srv->stats.cnt[TZ_WS_CNT_QUEUED_BYTES] = conn->srv->queued;
	}
	conn->txq_bytes = 0;
}

int tz_ws_conn_close(struct tz_ws_conn *conn, uint16_t code, const char *reason)
{
	if (conn->closing)
		return -ENOTCONN;
	conn->closing = true;
	conn->close_code = code;
	g_strlcpy(conn->close_reason, reason != NULL ? reason : "", sizeof(conn->close_reason));
	lws_callback_on_writable(conn->wsi);
	return 0;
}

/*
 * Close with the reason lws_close_reason() set: return -1 from the callback.
 * On the libuv path not that: lws 4.1.6 built with _DEBUG (Debian's) closes
 * a wsi twice after a callback's -1 on libuv ("close_and_handled uv repeat
 * test"), and the second close kills the connection before the close frame
 * is sent (the peer saw 1006).  There the close starts right after the
 * callback, outside lws's service of this wsi, with one close: lws sends
 * the frame and waits for the peer's (PENDING_TIMEOUT_CLOSE_ACK).
 */
static gboolean close_outside(void *data)
{
	struct tz_ws_conn *conn = data;

	if (conn->wsi != NULL)
		lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	tz_ws_conn_unref(conn);
	return G_SOURCE_REMOVE;
}

static int ws_close_after_callback(struct tz_ws_conn *conn)
{
	if (conn->srv->uv == NULL)
		return -1;
	if (!conn->close_started) {
		conn->close_started = true;
		tz_ws_conn_ref(conn);
		g_idle_add_full(G_PRIORITY_HIGH, close_outside, conn, NULL);
	}
	return 0;
}

/* LWS_CALLBACK_SERVER_WRITEABLE: one frame per call, as lws requires. */
int tz_ws_conn_writeable(struct tz_ws_conn *conn)
{
	struct ws_frame *f = g_queue_pop_head(&conn->txq);

	if (f != NULL) {
		int n = lws_write(conn->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);

		conn->txq_bytes -= f->len;
		conn->srv->queued -= f->len;
		conn->srv->stats.cnt[TZ_WS_CNT_QUEUED_BYTES] = conn->srv->queued;
		g_free(f);
		if (n < 0)
			return -1;
		if (!g_queue_is_empty(&conn->txq) || conn->closing)
			lws_callback_on_writable(conn->wsi);
		return 0;
	}
	if (conn->closing) {
		lws_close_reason(conn->wsi, (enum lws_close_status)conn->close_code,
				 (unsigned char *)conn->close_reason, strlen(conn->close_reason));
		return ws_close_after_callback(conn);
	}
	return 0;
}

/* Drop what a peer that does not read has queued and close it (1008). */
static void cut(struct tz_ws_conn *conn, enum tz_ws_counter why, const char *reason)
{
	/* One per connection at most: bounded by the connection caps. */
	TZ_LOG(CP_WS, INFO, "%s: %s (%zu bytes queued): closing", conn->peer, reason,
	       conn->txq_bytes);
	ws_count(conn->srv, why, 1);
	tz_ws_conn_drop_txq(conn);
	tz_ws_conn_close(conn, LWS_CLOSE_STATUS_POLICY_VIOLATION, reason);
	/* The close frame waits behind what the peer has not read; not forever. */
	lws_set_timeout(conn->wsi, PENDING_TIMEOUT_CLOSE_SEND, TZ_WS_CLOSE_WAIT_S);
}

/*
 * limits.ws_max_queued_bytes is shared: each open connection's share is the
 * cap divided by the open connections.  When a send would pass the cap,
 * every connection over its share is a slow reader and is cut; the others
 * (the sender too, if within its share) keep going.
 */
static void cut_slow_readers(struct tz_ws_server *srv, struct tz_ws_conn *sender, size_t len)
{
	guint open = g_hash_table_size(srv->conns);
	uint64_t share = srv->max_queued / (open > 0 ? open : 1);
	g_autoptr(GPtrArray) over = g_ptr_array_new();
	GHashTableIter it;
	void *key;

	g_hash_table_iter_init(&it, srv->conns);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct tz_ws_conn *c = key;

		if (!c->closing && c->txq_bytes + (c == sender ? len : 0) > share)
			g_ptr_array_add(over, c);
	}
	for (guint i = 0; i < over->len; i++)
		cut(g_ptr_array_index(over, i), TZ_WS_CNT_SLOW_READER,
		    "slow reader: send queue over its share");
}

int tz_ws_send_text(struct tz_ws_conn *conn, const char *text, size_t len)
{
	struct tz_ws_server *srv = conn->srv;
	struct ws_frame *f;

	if (conn->closing || conn->wsi == NULL)
		return -ENOTCONN;
	if (conn->txq_bytes + len > TZ_WS_SENDQ_MAX) {
		cut(conn, TZ_WS_CNT_SENDQ_OVERFLOW, "not reading");
		return -ENOBUFS;
	}
	if (srv->max_queued != 0 && srv->queued + len > srv->max_queued) {
		cut_slow_readers(srv, conn, len);
		if (conn->closing)
			return -ENOBUFS;
	}
	f = g_malloc(sizeof(*f) + LWS_PRE + len);
	f->len = len;
	memcpy(f->buf + LWS_PRE, text, len);
	g_queue_push_tail(&conn->txq, f);
	conn->txq_bytes += len;
	srv->queued += len;
	ws_count(srv, TZ_WS_CNT_MSG_OUT, 1);
	ws_count(srv, TZ_WS_CNT_BYTES_OUT, len);
	srv->stats.cnt[TZ_WS_CNT_QUEUED_BYTES] = srv->queued;
	lws_callback_on_writable(conn->wsi);
	return 0;
}

int tz_ws_send(struct tz_ws_conn *conn, JsonNode *msg)
{
	g_autoptr(JsonGenerator) gen = NULL;
	g_autofree char *text = NULL;
	gsize len = 0;

	if (conn->kind != TZ_WS_KIND_JSEP)
		return -EPROTO;           /* never JSON on a sip connection */
	if (msg == NULL || !JSON_NODE_HOLDS_OBJECT(msg))
		return -EINVAL;
	if (conn->closing || conn->wsi == NULL)
		return -ENOTCONN;
	gen = json_generator_new();
	json_generator_set_root(gen, msg);
	text = json_generator_to_data(gen, &len);
	return tz_ws_send_text(conn, text, len);
}

int tz_ws_send_out(struct tz_ws_conn *conn, const struct tz_jsep_out *out)
{
	g_autofree char *text = NULL;
	size_t len = 0;
	int rc;

	if (conn->kind != TZ_WS_KIND_JSEP)
		return -EPROTO;           /* never JSON on a sip connection */
	if (conn->closing || conn->wsi == NULL)
		return -ENOTCONN;
	text = tz_jsep_build_text(out, &len);
	if (text == NULL)
		return -EINVAL;
	rc = tz_ws_send_text(conn, text, len);
	if (rc == 0 && out->type == TZ_JSEP_OUT_ERROR)
		conn->srv->stats.errors[out->err]++;
	return rc;
}

int tz_ws_send_sip(struct tz_ws_conn *conn, const char *buf, size_t len)
{
	int rc;

	if (conn->kind != TZ_WS_KIND_SIP)
		return -EPROTO;
	if (buf == NULL || len == 0)
		return -EINVAL;
	rc = tz_ws_send_text(conn, buf, len);
	if (rc == 0)
		ws_count(conn->srv, TZ_WS_CNT_SIP_MSG_OUT, 1);
	return rc;
}

/* id and sdpMLineIndex are only read by the types that carry them, set below. */
#define OUT(t, ...) (&(struct tz_jsep_out){ .type = TZ_JSEP_OUT_##t, __VA_ARGS__ })

int tz_ws_send_login_ok(struct tz_ws_conn *conn, int64_t id, const char *user)
{
	return tz_ws_send_out(conn, OUT(LOGIN_OK, .id = id, .user = user));
}

int tz_ws_send_answer(struct tz_ws_conn *conn, const char *call, const char *sdp)
{
	return tz_ws_send_out(conn, OUT(ANSWER, .call = call, .sdp = sdp));
}

int tz_ws_send_ringing(struct tz_ws_conn *conn, const char *call)
{
	return tz_ws_send_out(conn, OUT(RINGING, .call = call));
}

int tz_ws_send_progress(struct tz_ws_conn *conn, const char *call, const char *sdp)
{
	return tz_ws_send_out(conn, OUT(PROGRESS, .call = call, .sdp = sdp));
}

int tz_ws_send_answered(struct tz_ws_conn *conn, const char *call)
{
	return tz_ws_send_out(conn, OUT(ANSWERED, .call = call));
}

int tz_ws_send_incoming(struct tz_ws_conn *conn, const char *call, const char *from,
			const char *display, const char *sdp)
{
	return tz_ws_send_out(conn, OUT(INCOMING, .call = call, .from = from,
					.display = display, .sdp = sdp));
}

int tz_ws_send_hangup(struct tz_ws_conn *conn, const char *call, int code, const char *reason)
{
	return tz_ws_send_out(conn, OUT(HANGUP, .call = call, .code = code, .reason = reason));
}

int tz_ws_send_held(struct tz_ws_conn *conn, const char *call, enum tz_jsep_by by)
{
	return tz_ws_send_out(conn, OUT(HELD, .call = call, .by = by));
}

int tz_ws_send_unheld(struct tz_ws_conn *conn, const char *call, enum tz_jsep_by by)
{
	return tz_ws_send_out(conn, OUT(UNHELD, .call = call, .by = by));
}

int tz_ws_send_candidate(struct tz_ws_conn *conn, const char *call, const char *candidate,
			 const char *sdp_mid, int sdp_mline_index)
{
	return tz_ws_send_out(conn, OUT(CANDIDATE, .call = call, .candidate = candidate,
					.sdp_mid = sdp_mid, .sdp_mline_index = sdp_mline_index));
}

int tz_ws_send_end_of_candidates(struct tz_ws_conn *conn, const char *call)
{
	return tz_ws_send_out(conn, OUT(END_OF_CANDIDATES, .call = call));
}

static int send_verror(struct tz_ws_conn *conn, int64_t id, const char *call,
		       enum tz_jsep_err code, const char *fmt, va_list ap)
{
	char message[256];

	vsnprintf(message, sizeof(message), fmt, ap);
	return tz_ws_send_out(conn, OUT(ERROR, .id = id, .call = call, .err = code,
					.message = message));
}

int tz_ws_send_error(struct tz_ws_conn *conn, int64_t id, const char *call,
		     enum tz_jsep_err code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = send_verror(conn, id, call, code, fmt, ap);
	va_end(ap);
	return rc;
}

int tz_ws_send_error_for(struct tz_ws_conn *conn, const struct tz_jsep_msg *req,
			 enum tz_jsep_err code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = send_verror(conn, req->id, req->call, code, fmt, ap);
	va_end(ap);
	return rc;
}
