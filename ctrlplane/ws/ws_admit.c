/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may open a WebSocket: checked at LWS_CALLBACK_HTTP_CONFIRM_UPGRADE,
 * before any WebSocket state exists.  A refused upgrade gets an HTTP answer
 * with the status and the reason in plain text (never a silently closed
 * socket), and is counted by reason.  The checks, in order, are one table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ws_pvt.h"

#define WS_PATH "/ws"
#define RETRY_AFTER_S "10"
/* lws 4.1 copies Sec-WebSocket-Protocol into 128 bytes and hangs up on more. */
#define LWS_PROTOCOL_LIST_MAX 127
/* Refusals are peer-triggered: at most LOG_BURST logged per LOG_WINDOW_US. */
#define LOG_BURST 20
#define LOG_WINDOW_US (10 * G_USEC_PER_SEC)

static bool log_allowed(void)
{
	static int64_t window_start;
	static unsigned in_window, suppressed;
	int64_t now = g_get_monotonic_time();

	if (now - window_start > LOG_WINDOW_US) {
		if (suppressed > 0)
			TZ_LOG(CP_WS, INFO, "%u more WebSocket refusals not logged "
			       "(see show signalling stats)", suppressed);
		window_start = now;
		in_window = suppressed = 0;
	}
	if (in_window++ < LOG_BURST)
		return true;
	suppressed++;
	return false;
}

static void set_reason(char *why, size_t wsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_reason(char *why, size_t wsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, wsz, fmt, ap);
	va_end(ap);
}

/* Header text for showing in a reason: printable ASCII only, cut to fit. */
static void shown(const char *in, char *out, size_t osz)
{
	size_t i = 0;

	for (; in[i] != '\0' && i + 1 < osz; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static int header(struct lws *wsi, enum lws_token_indexes t, char *out, size_t osz)
{
	out[0] = '\0';
	if (lws_hdr_total_length(wsi, t) <= 0)
		return 0;
	if (lws_hdr_copy(wsi, out, (int)osz, t) < 0) {
		out[0] = '\0';
		return -1;
	}
	return 1;
}

bool tz_ws_origin_normalise(const char *in, char *out, size_t osz)
{
	const char *host;
	size_t n, scheme_len;
	bool tls;

	if (g_ascii_strncasecmp(in, "https://", 8) == 0) {
		tls = true;
		scheme_len = 8;
	} else if (g_ascii_strncasecmp(in, "http://", 7) == 0) {
		tls = false;
		scheme_len = 7;
	} else {
		return false;
	}
	host = in + scheme_len;
	n = strlen(in);
	if (host[0] == '\0' || n >= osz || strpbrk(host, "/?#@ \\") != NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)in[i] <= 0x20 || (unsigned char)in[i] >= 0x7f)
			return false;
		out[i] = g_ascii_tolower(in[i]);
	}
	out[n] = '\0';
	/* RFC 6454 section 6.1: the default port is not serialised. */
	if (g_str_has_suffix(out, tls ? ":443" : ":80") && n - scheme_len > (tls ? 4u : 3u))
		out[n - (tls ? 4 : 3)] = '\0';
	return true;
}

static bool origin_listed(const struct tz_ws_server *srv, const char *origin)
{
	for (size_t i = 0; srv->origins != NULL && srv->origins[i] != NULL; i++)
		if (strcmp(srv->origins[i], origin) == 0)
			return true;
	return false;
}

/* No list: the page must come from this server (scheme of the listener + Host). */
static bool same_origin(struct lws *wsi, const char *origin)
{
	char host[256], own[300];

	if (header(wsi, WSI_TOKEN_HOST, host, sizeof(host)) <= 0)
		return false;
	snprintf(own, sizeof(own), "%s://%s", lws_is_ssl(wsi) ? "https" : "http", host);
	return tz_ws_origin_normalise(own, own, sizeof(own)) && strcmp(own, origin) == 0;
}

/* --- the checks: each returns 0 (pass) or the HTTP status, with a reason --- */

struct admit_ctx {
	struct lws *wsi;
	struct tz_ws_server *srv;
	char ip[INET6_ADDRSTRLEN];
	enum tz_ws_kind kind;             /* set by check_subprotocol */
};

static unsigned check_tls(struct admit_ctx *a, char *why, size_t wsz)
{
	int port;

	if (!a->srv->require_tls || lws_is_ssl(a->wsi))
		return 0;
	port = tz_ws_server_port(a->srv, true);
	set_reason(why, wsz, "ws:// is refused here (signalling.require_tls); "
		   "connect with wss:// to port %d", port);
	return HTTP_STATUS_FORBIDDEN;
}

/*
 * The subprotocol lws will bind (lws_process_ws_upgrade): the first name in
 * the client's list that the vhost has -- trapeze-jsep.v1, sip when served,
 * or our "http" handler, which would hang up.  Without this check a client
 * offering only names we lack (JsSIP's "sip" before issue 10) got its socket
 * closed without an answer (1006 in the browser).
 */
static unsigned check_subprotocol(struct admit_ctx *a, char *why, size_t wsz)
{
	char list[256];
	g_auto(GStrv) names = NULL;
	bool sip_asked = false;
	int n = header(a->wsi, WSI_TOKEN_PROTOCOL, list, sizeof(list));

	if (n < 0 || strlen(list) > LWS_PROTOCOL_LIST_MAX) {
		set_reason(why, wsz, "Sec-WebSocket-Protocol is longer than %d bytes; offer "
			   "sip or " TZ_JSEP_SUBPROTOCOL, LWS_PROTOCOL_LIST_MAX);
		return HTTP_STATUS_BAD_REQUEST;
	}
	if (n > 0) {
		names = g_strsplit(list, ",", -1);
		for (size_t i = 0; names[i] != NULL; i++) {
			const char *name = g_strstrip(names[i]);

			if (strcmp(name, TZ_JSEP_SUBPROTOCOL) == 0) {
				a->kind = TZ_WS_KIND_JSEP;
				return 0;
			}
			if (strcmp(name, TZ_WS_SIP_SUBPROTOCOL) == 0 && ws_sip_on(a->srv)) {
				a->kind = TZ_WS_KIND_SIP;
				return 0;
			}
			sip_asked |= strcmp(name, TZ_WS_SIP_SUBPROTOCOL) == 0;
			if (strcmp(name, "http") == 0)
				break;    /* lws would pick our HTTP handler, which hangs up */
		}
	}
	if (sip_asked)
		set_reason(why, wsz, "subprotocol 'sip' is not served here (signalling.sip_paths "
			   "is empty); Sec-WebSocket-Protocol must offer " TZ_JSEP_SUBPROTOCOL);
	else if (ws_sip_on(a->srv))
		set_reason(why, wsz, "Sec-WebSocket-Protocol must offer " TZ_JSEP_SUBPROTOCOL
			   " (on " WS_PATH ") or sip (SIP over WebSocket, RFC 7118, on %s)",
			   a->srv->sip_paths_text);
	else
		set_reason(why, wsz, "Sec-WebSocket-Protocol must offer " TZ_JSEP_SUBPROTOCOL);
	return HTTP_STATUS_BAD_REQUEST;
}

/* The path for the subprotocol chosen: /ws, or one of signalling.sip_paths;
 * a tenant's paths serve both. */
static unsigned check_path(struct admit_ctx *a, char *why, size_t wsz)
{
	if (tz_ws_tenant_path_ok(a->wsi, a->srv))
		return 0;
	if (a->kind == TZ_WS_KIND_SIP) {
		if (tz_ws_sip_path_ok(a->wsi, a->srv))
			return 0;
		set_reason(why, wsz, "subprotocol 'sip' is served on %s (signalling.sip_paths)",
			   a->srv->sip_paths_text);
		return HTTP_STATUS_NOT_FOUND;
	}
	if (tz_ws_uri_is(a->wsi, WS_PATH))
		return 0;
	if (ws_sip_on(a->srv))
		set_reason(why, wsz, "the WebSocket is at " WS_PATH " (subprotocol "
			   TZ_JSEP_SUBPROTOCOL "; 'sip' is served on %s)", a->srv->sip_paths_text);
	else
		set_reason(why, wsz, "the WebSocket is at " WS_PATH);
	return HTTP_STATUS_NOT_FOUND;
}

static unsigned check_origin(struct admit_ctx *a, char *why, size_t wsz)
{
	char raw[256], origin[256], show[96];
	int n = header(a->wsi, WSI_TOKEN_ORIGIN, raw, sizeof(raw));

	if (n == 0) {
		if (a->srv->allow_no_origin)
			return 0;
		set_reason(why, wsz, "an Origin header is required "
			   "(signalling.allow_no_origin is false)");
		return HTTP_STATUS_FORBIDDEN;
	}
	if (a->srv->any_origin)
		return 0;
	if (n > 0 && tz_ws_origin_normalise(raw, origin, sizeof(origin))) {
		if (a->srv->origins != NULL ? origin_listed(a->srv, origin)
					    : same_origin(a->wsi, origin))
			return 0;
		if (tz_ws_tenant_of_origin(a->srv, origin) >= 0)
			return 0;   /* a tenant's page (tenants[].origins) */
	}
	shown(raw, show, sizeof(show));
	set_reason(why, wsz, "Origin '%s' is not allowed (signalling.origins)", show);
	return HTTP_STATUS_FORBIDDEN;
}

/* Origin, Host and path must not select two different tenants. */
static unsigned check_tenant(struct admit_ctx *a, char *why, size_t wsz)
{
	if (tz_ws_tenant_select(a->wsi, a->srv, why, wsz) != TZ_WS_TENANT_CONFLICT)
		return 0;
	return HTTP_STATUS_FORBIDDEN;
}

static unsigned check_total(struct admit_ctx *a, char *why, size_t wsz)
{
	uint32_t max = a->srv->max_conns;

	if (max == 0 || g_hash_table_size(a->srv->conns) < max)
		return 0;
	set_reason(why, wsz, "server full: %u WebSocket connections "
		   "(limits.ws_connections_max); try again later", max);
	return HTTP_STATUS_SERVICE_UNAVAILABLE;
}

static unsigned check_per_ip(struct admit_ctx *a, char *why, size_t wsz)
{
	uint32_t max = a->srv->per_ip;

	if (max == 0 ||
	    GPOINTER_TO_UINT(g_hash_table_lookup(a->srv->ip_conns, a->ip)) < max)
		return 0;
	set_reason(why, wsz, "too many WebSocket connections from %s: %u "
		   "(limits.ws_connections_per_ip)", a->ip, max);
	return 429;   /* Too Many Requests, RFC 6585 section 4 */
}

static const struct {
	unsigned (*check)(struct admit_ctx *a, char *why, size_t wsz);
	enum tz_ws_counter counter;
} checks[] = {
	{ check_tls, TZ_WS_CNT_REFUSED_PLAIN },
	{ check_subprotocol, TZ_WS_CNT_REFUSED_SUBPROTOCOL },
	{ check_path, TZ_WS_CNT_REFUSED_PATH },
	{ check_origin, TZ_WS_CNT_REFUSED_ORIGIN },
	{ check_tenant, TZ_WS_CNT_REFUSED_TENANT },
	{ check_total, TZ_WS_CNT_REFUSED_FULL },
	{ check_per_ip, TZ_WS_CNT_REFUSED_PER_IP },
};

/* Answer status + reason as text/plain (nothing of the request is echoed as HTML). */
static int refuse(struct lws *wsi, unsigned status, const char *why)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
		      *end = buf + sizeof(buf) - 1;
	char body[600];
	int n = snprintf(body, sizeof(body), "%u %s\n", status, why);

	if (lws_add_http_common_headers(wsi, status, "text/plain; charset=utf-8",
					(lws_filepos_t)n, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
					(const unsigned char *)"nosniff", 7, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
					(const unsigned char *)"close", 5, &p, end))
		return -1;
	if ((status == 429 || status == HTTP_STATUS_SERVICE_UNAVAILABLE) &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
					(const unsigned char *)RETRY_AFTER_S,
					sizeof(RETRY_AFTER_S) - 1, &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (lws_write(wsi, (unsigned char *)body, (size_t)n, LWS_WRITE_HTTP_FINAL) != n)
		return -1;
	return 1;
}

int tz_ws_admit_upgrade(struct lws *wsi, struct tz_ws_server *srv)
{
	struct admit_ctx a = { .wsi = wsi, .srv = srv };
	char why[512];
	unsigned port;

	tz_ws_peer_addr(wsi, a.ip, sizeof(a.ip), &port);
	for (size_t i = 0; i < G_N_ELEMENTS(checks); i++) {
		unsigned status = checks[i].check(&a, why, sizeof(why));

		if (status == 0)
			continue;
		ws_count(srv, TZ_WS_CNT_CONN_REFUSED, 1);
		ws_count(srv, checks[i].counter, 1);
		if (log_allowed())
			TZ_LOG(CP_WS, INFO, "%s:%u: WebSocket refused: %u %s", a.ip, port, status,
			       why);
		return refuse(wsi, status, why);
	}
	return 0;
}

void tz_ws_peer_addr(struct lws *wsi, char *ip, size_t isz, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = lws_get_socket_fd(wsi);

	g_strlcpy(ip, "?", isz);
	*port = 0;
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)isz);
		*port = ntohs(s4->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		/* IPv4-mapped peers count with their IPv4 address. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, (socklen_t)isz);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)isz);
		*port = ntohs(s6->sin6_port);
	}
}

void tz_ws_admit_opened(struct tz_ws_server *srv, struct tz_ws_conn *conn)
{
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->ip_conns, conn->ip));

	g_hash_table_replace(srv->ip_conns, g_strdup(conn->ip), GUINT_TO_POINTER(n + 1));
	g_hash_table_add(srv->conns, conn);
}

void tz_ws_admit_closed(struct tz_ws_server *srv, struct tz_ws_conn *conn)
{
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->ip_conns, conn->ip));

	if (n <= 1)
		g_hash_table_remove(srv->ip_conns, conn->ip);
	else
		g_hash_table_replace(srv->ip_conns, g_strdup(conn->ip), GUINT_TO_POINTER(n - 1));
	g_hash_table_remove(srv->conns, conn);
}

int tz_ws_admit_init(struct tz_ws_server *srv, const struct tz_cfg_signalling *sig,
		     const struct tz_cfg_limits *lim)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
	char norm[256];

	srv->ip_conns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	srv->conns = g_hash_table_new(g_direct_hash, g_direct_equal);
	srv->allow_no_origin = sig->allow_no_origin;
	srv->require_tls = sig->require_tls && sig->https.host != NULL;
	srv->per_ip = lim->ws_connections_per_ip;
	srv->max_conns = lim->ws_connections_max;
	srv->max_queued = lim->ws_max_queued_bytes;
	for (size_t i = 0; sig->origins != NULL && sig->origins[i] != NULL; i++) {
		if (strcmp(sig->origins[i], "*") == 0) {
			srv->any_origin = true;
			continue;
		}
		if (!tz_ws_origin_normalise(sig->origins[i], norm, sizeof(norm))) {
			TZ_LOG(CP_WS, ERR, "signalling.origins: \"%s\" is not an origin "
			       "(https://host[:port])", sig->origins[i]);
			g_ptr_array_free(list, TRUE);
			return -EINVAL;
		}
		g_ptr_array_add(list, g_strdup(norm));
	}
	if (list->len > 0 || srv->any_origin) {
		g_ptr_array_add(list, NULL);
		srv->origins = (char **)g_ptr_array_free(list, FALSE);
	} else {
		g_ptr_array_free(list, TRUE);
	}
	return 0;
}

void tz_ws_admit_free(struct tz_ws_server *srv)
{
	g_strfreev(srv->origins);
	if (srv->ip_conns != NULL)
		g_hash_table_destroy(srv->ip_conns);
	if (srv->conns != NULL)
		g_hash_table_destroy(srv->conns);
}
