/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Plain HTTP on the signalling listeners: GET serves the web phone's static
 * files from signalling.web_root ("/" is index.html), nothing outside it.
 * A WebSocket upgrade that named no (or no known) subprotocol lands here
 * and is refused (ws_admit.c has answered it with the reason first).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ws_pvt.h"

static const struct {
	const char *ext;
	const char *mime;
} mime_types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".html", "text/html; charset=utf-8" },
	{ ".ico", "image/x-icon" },
	{ ".jpg", "image/jpeg" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".map", "application/json" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".mp3", "audio/mpeg" },
	{ ".ogg", "audio/ogg" },
	{ ".png", "image/png" },
	{ ".svg", "image/svg+xml" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".wav", "audio/wav" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".woff2", "font/woff2" },
};

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (size_t i = 0; i < G_N_ELEMENTS(mime_types); i++)
			if (g_ascii_strcasecmp(dot, mime_types[i].ext) == 0)
				return mime_types[i].mime;
	return "application/octet-stream";
}

/*
 * lws has already %-decoded the URI and folded "/../"; refuse anything that
 * still names a parent, a hidden file, is not absolute, is not UTF-8 (an
 * overlong "%c0%ae" is not a dot, but is not a name either) or holds a
 * control character; then check the resolved path is inside web_root (a
 * symlink may point out of it).
 */
int tz_ws_http_resolve(const char *web_root, const char *uri, size_t len, char *out,
		       size_t osz)
{
	g_autofree char *joined = NULL;
	char real[PATH_MAX];
	size_t root_len;
	struct stat st;

	/* A decoded %00 would cut the path short: "/%00/../x" is not "/". */
	if (web_root == NULL || uri == NULL || len == 0 || uri[0] != '/' ||
	    memchr(uri, '\0', len) != NULL || uri[len] != '\0')
		return -ENOENT;
	if (len > PATH_MAX / 2 || !g_utf8_validate(uri, (gssize)len, NULL) ||
	    strstr(uri, "/.") != NULL || strchr(uri, '\\') != NULL)
		return -ENOENT;
	for (const char *p = uri; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -ENOENT;
	joined = g_strconcat(web_root, uri, uri[len - 1] == '/' ? "index.html" : "", NULL);
	if (realpath(joined, real) == NULL)
		return -errno;
	root_len = strlen(web_root);
	if (strncmp(real, web_root, root_len) != 0 || real[root_len] != '/')
		return -ENOENT;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	if (g_strlcpy(out, real, osz) >= osz)
		return -ENAMETOOLONG;
	return 0;
}

static int finish(struct lws *wsi)
{
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int not_found(struct lws *wsi, struct tz_ws_server *srv, int status)
{
	if (status == HTTP_STATUS_NOT_FOUND)
		ws_count(srv, TZ_WS_CNT_HTTP_NOT_FOUND, 1);
	if (lws_return_http_status(wsi, (unsigned)status, NULL))
		return -1;
	return finish(wsi);
}

/*
 * signalling.require_tls: the plain listener sends pages to https://, on the
 * host name the client used (the Host header, only if it is a plain name).
 */
static int to_https(struct lws *wsi, struct tz_ws_server *srv, const char *uri)
{
	unsigned char hdr[LWS_PRE + 512], *p = hdr + LWS_PRE, *end = hdr + sizeof(hdr);
	char host[256], loc[400];
	size_t n;

	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0 || host[0] == '[' ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
		    != strlen(host) || strlen(uri) > 128)
		return not_found(wsi, srv, HTTP_STATUS_FORBIDDEN);
	host[strcspn(host, ":")] = '\0';
	n = (size_t)snprintf(loc, sizeof(loc), "https://%s:%d%s", host,
			     tz_ws_server_port(srv, true), uri);
	if (lws_http_redirect(wsi, 308 /* Permanent Redirect, RFC 9110 */, (unsigned char *)loc,
			      (int)n, &p, end) < 0)
		return -1;
	return finish(wsi);
}

static int serve(struct lws *wsi, const char *uri, size_t len)
{
	struct tz_ws_server *srv = ws_server_of(wsi);
	unsigned char hdr[256], *p = hdr, *end = hdr + sizeof(hdr);
	char path[PATH_MAX];
	int n;

	ws_count(srv, TZ_WS_CNT_HTTP_REQUESTS, 1);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0 &&
	    lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) <= 0)
		return not_found(wsi, srv, HTTP_STATUS_METHOD_NOT_ALLOWED);
	if (srv->require_tls && !lws_is_ssl(wsi))
		return to_https(wsi, srv, uri);
	if (tz_ws_http_resolve(srv->web_root, uri, len, path, sizeof(path)) < 0)
		return not_found(wsi, srv, HTTP_STATUS_NOT_FOUND);
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
					(const unsigned char *)"nosniff", 7, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-cache", 8, &p, end))
		return -1;
	n = lws_serve_http_file(wsi, path, mime_of(path), (const char *)hdr, (int)(p - hdr));
	if (n < 0)
		return -1;
	return n > 0 ? finish(wsi) : 0;
}

int tz_ws_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *pss,
			void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return serve(wsi, in, len);
	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		return finish(wsi);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return tz_ws_admit_upgrade(wsi, ws_server_of(wsi));
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		/* the https vhost's SSL_CTX in pss: kept for a certificate reload */
		tz_ws_tls_ctx_seen(ws_server_of(wsi), pss);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Upgrade without a subprotocol we serve (ws_admit.c answered it already). */
		ws_count(ws_server_of(wsi), TZ_WS_CNT_CONN_REFUSED, 1);
		return 1;
	default:
		return lws_callback_http_dummy(wsi, reason, pss, in, len);
	}
}
