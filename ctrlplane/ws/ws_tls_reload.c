/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A renewed HTTPS/WSS certificate without a restart (issue 13): lws hands
 * the https vhost's SSL_CTX to protocol 0 once, at set-up; a reload loads
 * the files at the configured paths into a scratch context first (a broken
 * or mismatched pair changes nothing), then into the live one.  OpenSSL
 * copies the certificate into each connection when it starts, so TLS
 * connections already open keep the old one; new handshakes get the new.
 */
#include <errno.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ws_pvt.h"

void tz_ws_tls_ctx_seen(struct tz_ws_server *srv, void *ssl_ctx)
{
	if (srv != NULL && ssl_ctx != NULL)
		srv->https_ctx = ssl_ctx;
}

static int load_pair(SSL_CTX *ctx, const char *cert, const char *key)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return -EINVAL;
	return 0;
}

int tz_ws_server_reload_cert(struct tz_ws_server *srv, const char *cert, const char *key,
			     bool apply, char *err, size_t errlen)
{
	SSL_CTX *live = srv != NULL ? srv->https_ctx : NULL;
	SSL_CTX *tmp;
	int rc;

	if (live == NULL || cert == NULL || key == NULL)
		return -ENOENT;
	tmp = SSL_CTX_new(TLS_server_method());
	if (tmp == NULL)
		return -ENOMEM;
	ERR_clear_error();
	rc = load_pair(tmp, cert, key);
	if (rc != 0) {
		snprintf(err, errlen, "signalling.tls_cert %s / tls_key %s: %s", cert, key,
			 ERR_reason_error_string(ERR_peek_last_error()) ?: "does not load");
		goto out;
	}
	rc = X509_cmp(SSL_CTX_get0_certificate(tmp), SSL_CTX_get0_certificate(live)) == 0 ? 0 : 1;
	if (rc == 1 && apply && load_pair(live, cert, key) != 0) {
		/* read twice: the files changed in between; the scratch copy said fine */
		snprintf(err, errlen, "signalling.tls_cert %s: changed while loading", cert);
		rc = -EAGAIN;
	}
out:
	ERR_clear_error();
	SSL_CTX_free(tmp);
	return rc;
}
