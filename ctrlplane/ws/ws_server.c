/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signalling server: one lws context on the caller's GLib main context,
 * one vhost per listener.  lws runs on a libuv loop that is one GSource of
 * that context (ws_loop.c); with TZ_WS_GLIB=1 on lws's glib event library
 * in foreign-loop mode instead (a GSource per descriptor and timer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ws_pvt.h"

static const char *const listener_names[WS_LISTEN_COUNT] = {
	[WS_LISTEN_HTTP] = "signalling.http",
	[WS_LISTEN_HTTPS] = "signalling.https",
};

/*
 * lws binds an upgrade to the first name in Sec-WebSocket-Protocol that is
 * in this list (ws_admit.c mirrors that choice to refuse with a reason).
 * `sip` is listed only when signalling.sip_paths is not empty, so a client
 * offering "sip, trapeze-jsep.v1" to a server without SIP gets the latter.
 */
static void build_protocols(struct tz_ws_server *srv)
{
	const struct lws_protocols http = {
		/* First: lws binds an upgrade without a subprotocol here; it refuses it. */
		"http", tz_ws_http_callback, 0, 0, 0, NULL, 0,
	};
	const struct lws_protocols jsep = {
		TZ_JSEP_SUBPROTOCOL, tz_ws_jsep_callback, sizeof(struct ws_pss), 4096, 0, NULL, 0,
	};
	const struct lws_protocols sip = {
		TZ_WS_SIP_SUBPROTOCOL, tz_ws_sip_callback, sizeof(struct ws_pss), 4096, 0, NULL, 0,
	};
	size_t n = 0;

	srv->protocols[n++] = http;
	srv->protocols[n++] = jsep;
	if (ws_sip_on(srv))
		srv->protocols[n++] = sip;
	memset(&srv->protocols[n], 0, sizeof(srv->protocols[n]));
}

static const lws_retry_bo_t keepalive = {
	.secs_since_valid_ping = TZ_WS_PING_AFTER_S,
	.secs_since_valid_hangup = TZ_WS_IDLE_TIMEOUT_S,
};

static const char *const counter_names[TZ_WS_CNT_COUNT] = {
#define CNT_NAME(e, n) [TZ_WS_CNT_##e] = n,
	TZ_WS_COUNTERS(CNT_NAME)
#undef CNT_NAME
};

const char *tz_ws_counter_name(enum tz_ws_counter c)
{
	return (unsigned)c < TZ_WS_CNT_COUNT ? counter_names[c] : "?";
}

/*
 * lws's log lines into tz.cp.ws.  lws notices are chatty, so they are debug;
 * its warnings and errors can be triggered by peers (bad TLS handshakes), so
 * at most LWS_LOG_BURST of them are logged per LWS_LOG_WINDOW_US.
 */
#define LWS_LOG_BURST 20
#define LWS_LOG_WINDOW_US (10 * G_USEC_PER_SEC)

static bool lws_log_allowed(void)
{
	static int64_t window_start;
	static unsigned in_window, suppressed;
	int64_t now = g_get_monotonic_time();

	if (now - window_start > LWS_LOG_WINDOW_US) {
		if (suppressed > 0)
			TZ_LOG(CP_WS, WARNING, "lws: %u more warnings suppressed", suppressed);
		window_start = now;
		in_window = suppressed = 0;
	}
	if (in_window++ < LWS_LOG_BURST)
		return true;
	suppressed++;
	return false;
}

static void lws_log_emit(int level, const char *line)
{
	int n = (int)strcspn(line, "\n");

	if ((level & LLL_ERR) && tz_ws_emfile_log(line))
		TZ_LOG(CP_WS, DEBUG, "lws: %.*s (refused, ws_emfile.c)", n, line);
	else if (!(level & (LLL_ERR | LLL_WARN)))
		TZ_LOG(CP_WS, DEBUG, "lws: %.*s", n, line);
	else if (!lws_log_allowed())
		return;
	else if (level & LLL_ERR)
		TZ_LOG(CP_WS, ERR, "lws: %.*s", n, line);
	else
		TZ_LOG(CP_WS, WARNING, "lws: %.*s", n, line);
}

static void format_hostport(const struct tz_cfg_hostport *hp, char *out, size_t osz)
{
	if (strchr(hp->host, ':') != NULL)
		snprintf(out, osz, "[%s]:%u", hp->host, hp->port);
	else
		snprintf(out, osz, "%s:%u", hp->host, hp->port);
}

/*
 * lws does not report why a listen socket failed; bind the same address
 * once ourselves to learn the errno (EADDRINUSE, EADDRNOTAVAIL, EACCES).
 */
static int probe_bind(const struct tz_cfg_hostport *hp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, rc = 0;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET6, hp->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(hp->port);
		sl = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, hp->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(hp->port);
		sl = sizeof(struct sockaddr_in);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int check_readable(const char *what, const char *path)
{
	if (path == NULL) {
		TZ_LOG(CP_WS, ERR, "signalling.https: %s is required for wss://", what);
		return -EINVAL;
	}
	if (access(path, R_OK) != 0) {
		int rc = -errno;

		TZ_LOG(CP_WS, ERR, "signalling.%s: %s: %s", what, path, strerror(-rc));
		return rc;
	}
	return 0;
}

/*
 * TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1), forward-secret
 * AEAD suites only, the server's order, no renegotiation, no compression.
 * Whatever the system's openssl.cnf allows, these hold.
 */
#define TLS12_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_CIPHERS \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

static void tls_policy(struct lws_context_creation_info *vi)
{
	vi->ssl_cipher_list = TLS12_CIPHERS;
	vi->tls1_3_plus_cipher_list = TLS13_CIPHERS;
	vi->ssl_options_set = (long)(SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
				     SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION |
				     SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
}

static int listener_info(struct tz_ws_server *srv, const struct tz_cfg_signalling *sig,
			 enum ws_listener l,
			 struct lws_context_creation_info *vi, const char *where)
{
	const struct tz_cfg_hostport *hp = l == WS_LISTEN_HTTPS ? &sig->https : &sig->http;
	struct in6_addr a6;
	struct in_addr a4;
	int rc;

	memset(vi, 0, sizeof(*vi));
	if (inet_pton(AF_INET6, hp->host, &a6) == 1) {
		vi->options = 0;
	} else if (inet_pton(AF_INET, hp->host, &a4) == 1) {
		vi->options = LWS_SERVER_OPTION_DISABLE_IPV6;
	} else {
		TZ_LOG(CP_WS, ERR, "%s %s: host '%s' is not an IPv4 or IPv6 address",
		       listener_names[l], where, hp->host);
		return -EINVAL;
	}
	if (l == WS_LISTEN_HTTPS) {
		rc = check_readable("tls_cert", sig->tls_cert);
		if (rc == 0)
			rc = check_readable("tls_key", sig->tls_key);
		if (rc < 0)
			return rc;
		/* Per vhost too: without it lws 4.1 leaves the vhost plain. */
		vi->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		vi->ssl_cert_filepath = sig->tls_cert;
		vi->ssl_private_key_filepath = sig->tls_key;
		tls_policy(vi);
	}
	/* lws also makes a client TLS context per vhost; we make no client
	 * connections, so spare it the system CA store. */
	vi->options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	vi->port = hp->port;
	vi->iface = hp->host;
	vi->vhost_name = listener_names[l];
	vi->protocols = srv->protocols;
	vi->retry_and_idle_policy = &keepalive;
	vi->alpn = "http/1.1";    /* WebSocket over HTTP/1.1 only, no RFC 8441 */
	return 0;
}

static int open_listener(struct tz_ws_server *srv, const struct tz_cfg_signalling *sig,
			 enum ws_listener l)
{
	const struct tz_cfg_hostport *hp = l == WS_LISTEN_HTTPS ? &sig->https : &sig->http;
	struct lws_context_creation_info vi;
	char where[INET6_ADDRSTRLEN + 16];
	int rc;

	if (hp->host == NULL)
		return 0;
	format_hostport(hp, where, sizeof(where));
	rc = listener_info(srv, sig, l, &vi, where);
	if (rc < 0)
		return rc;
	srv->vh[l] = lws_create_vhost(srv->ctx, &vi);
	if (srv->vh[l] == NULL) {
		rc = probe_bind(hp);
		if (rc == 0)
			rc = -EINVAL;     /* the socket is fine: TLS set-up failed */
		TZ_LOG(CP_WS, ERR, "%s %s: cannot listen: %s%s", listener_names[l], where,
		       strerror(-rc), rc == -EINVAL ? " (check tls_cert and tls_key)" : "");
		return rc;
	}
	tz_ws_emfile_listener(srv, l);
	TZ_LOG(CP_WS, INFO, "%s: listening on %s, port %d (%s://.../ws; sip: %s)",
	       listener_names[l], where, lws_get_vhost_listen_port(srv->vh[l]),
	       l == WS_LISTEN_HTTPS ? "wss" : "ws",
	       ws_sip_on(srv) ? srv->sip_paths_text : "off");
	return 0;
}

static int resolve_web_root(struct tz_ws_server *srv, const char *web_root)
{
	char real[PATH_MAX];

	if (web_root == NULL)
		return 0;
	if (realpath(web_root, real) == NULL) {
		int rc = -errno;

		TZ_LOG(CP_WS, ERR, "signalling.web_root: %s: %s", web_root, strerror(-rc));
		return rc;
	}
	srv->web_root = g_strdup(real);
	return 0;
}

static bool test_no_libuv;

void tz_ws_test_no_libuv(bool on)
{
	test_no_libuv = on;
}

const char *tz_ws_server_event_loop(const struct tz_ws_server *srv)
{
	return srv->uv != NULL ? "libuv" : "glib";
}

static int context_on(struct tz_ws_server *srv, bool glib)
{
	GMainContext *main_ctx = g_main_context_get_thread_default();
	struct lws_context_creation_info ci;
	void *loops[1];
	int rc;

	memset(&ci, 0, sizeof(ci));
	if (glib) {
		srv->loop = g_main_loop_new(main_ctx, FALSE);
		loops[0] = srv->loop;
	} else {
		rc = tz_ws_loop_open(srv, main_ctx);
		if (rc < 0)
			return rc;
		loops[0] = srv->uv;
	}
	ci.options = (glib ? LWS_SERVER_OPTION_GLIB : LWS_SERVER_OPTION_LIBUV) |
		     LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	ci.port = CONTEXT_PORT_NO_LISTEN;
	ci.foreign_loops = loops;     /* read during lws_create_context() only */
	ci.user = srv;
	ci.timeout_secs = 10;         /* handshakes and HTTP transactions */
	if (!glib && test_no_libuv)
		return -ENOENT;       /* as lws_create_context() without the plugin */
	srv->ctx = lws_create_context(&ci);
	return srv->ctx != NULL ? 0 : -ENOMEM;
}

/*
 * lws on one GSource (its libuv event library, ws_loop.c); without the
 * libuv plugin (libwebsockets-evlib-uv), or with TZ_WS_GLIB=1, on its glib
 * event library: a GSource per connection, as before.
 */
static int create_context(struct tz_ws_server *srv)
{
	bool glib = tz_ws_loop_glib();

	if (!glib && context_on(srv, false) == 0) {
		TZ_LOG(CP_WS, DEBUG, "signalling: lws on a libuv loop (one GSource)");
		return 0;
	}
	if (!glib) {
		tz_ws_loop_close(srv);
		TZ_LOG(CP_WS, WARNING, "signalling: libwebsockets' libuv event library did not "
		       "load (libwebsockets-evlib-uv); on its glib one, a GSource per connection");
	}
	if (context_on(srv, true) == 0)
		return 0;
	TZ_LOG(CP_WS, ERR, "signalling: cannot start libwebsockets with the glib event "
	       "library (is libwebsockets-evlib-glib installed?)");
	return -ENOMEM;
}

struct tz_ws_server *tz_ws_server_start(const struct tz_cfg_signalling *sig,
					const struct tz_cfg_limits *lim,
					const struct tz_ws_handlers *h, void *user)
{
	struct tz_ws_server *srv;
	int rc;

	if (sig->http.host == NULL && sig->https.host == NULL) {
		TZ_LOG(CP_WS, ERR, "signalling: neither http nor https is set; nothing to listen on");
		errno = EINVAL;
		return NULL;
	}
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, lws_log_emit);
	srv = g_new0(struct tz_ws_server, 1);
	srv->h = *h;
	srv->user = user;
	srv->max_message = lim->ws_max_message;
	srv->max_rate = lim->ws_max_rate;
	tz_ws_emfile_init(srv);
	rc = tz_ws_admit_init(srv, sig, lim);
	if (rc == 0)
		rc = tz_ws_sip_init(srv, sig);
	if (rc == 0) {
		build_protocols(srv);
		rc = resolve_web_root(srv, sig->web_root);
	}
	if (rc == 0)
		rc = create_context(srv);
	for (int l = 0; rc == 0 && l < WS_LISTEN_COUNT; l++)
		rc = open_listener(srv, sig, (enum ws_listener)l);
	if (rc < 0)
		goto err_free;
	return srv;

err_free:
	tz_ws_server_stop(srv);
	errno = -rc;
	return NULL;
}

void tz_ws_server_stop(struct tz_ws_server *srv)
{
	if (srv == NULL)
		return;
	/* Closes every connection: each gets LWS_CALLBACK_CLOSED -> on_close;
	 * on libuv lws finishes closing through the loop. */
	tz_ws_loop_destroy(srv);
	tz_ws_emfile_free(srv);
	if (srv->loop != NULL)
		g_main_loop_unref(srv->loop);
	tz_ws_admit_free(srv);
	tz_ws_sip_free(srv);
	tz_ws_tenants_free(srv);
	g_free(srv->web_root);
	g_free(srv);
}

int tz_ws_server_port(const struct tz_ws_server *srv, bool tls)
{
	struct lws_vhost *vh = srv->vh[tls ? WS_LISTEN_HTTPS : WS_LISTEN_HTTP];

	return vh != NULL ? lws_get_vhost_listen_port(vh) : -ENOENT;
}

void tz_ws_server_stats(const struct tz_ws_server *srv, struct tz_ws_stats *out)
{
	*out = srv->stats;
}
