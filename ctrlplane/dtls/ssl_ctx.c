/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SSL_CTX behind every connection of one certificate: DTLS 1.2 (1.3
 * when the library offers it; OpenSSL 3.0 does not), forward-secret AEAD
 * suites first, peer certificate required and checked against the SDP
 * fingerprint instead of a CA (RFC 8827 §6.5), no session resumption
 * and no renegotiation.
 */
#include <errno.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "dtls_pvt.h"
#include "tz_log.h"

/* ECDSA first (what we and browsers generate), RSA for loaded certs and
 * older peers; the CBC-SHA pair is the RFC 7525 floor some gateways still
 * need. */
#define DTLS_CIPHERS                        \
	"ECDHE-ECDSA-AES128-GCM-SHA256:"    \
	"ECDHE-ECDSA-AES256-GCM-SHA384:"    \
	"ECDHE-ECDSA-CHACHA20-POLY1305:"    \
	"ECDHE-RSA-AES128-GCM-SHA256:"      \
	"ECDHE-RSA-AES256-GCM-SHA384:"      \
	"ECDHE-RSA-CHACHA20-POLY1305:"      \
	"ECDHE-ECDSA-AES128-SHA:"           \
	"ECDHE-RSA-AES128-SHA"

#define DTLS_GROUPS "X25519:P-256:P-384"

static int configure(SSL_CTX *ctx, X509 *x509, EVP_PKEY *key)
{
	if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1)
		return 0;
	if (SSL_CTX_use_certificate(ctx, x509) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return 0;
	if (SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS) != 1)
		return 0;
	if (SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS) != 1)
		return 0;
	/* The MTU is ours to set (the "socket" is ICE); no tickets or session
	 * cache: every WebRTC association does a full handshake. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET |
				 SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   tz_dtls_verify_cb);
	SSL_CTX_set_read_ahead(ctx, 1);
	/* Record buffers (about 2 x 17 KiB) only while a record is in flight,
	 * not for the life of the call (docs/architecture.md, bytes per call). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return 1;
}

SSL_CTX *tz_dtls_ssl_ctx_new(X509 *x509, EVP_PKEY *key)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
	char buf[256];

	if (ctx == NULL)
		goto err_ssl;
	if (configure(ctx, x509, key) != 1)
		goto err_ssl;
	return ctx;

err_ssl:
	ERR_error_string_n(ERR_peek_last_error(), buf, sizeof(buf));
	TZ_LOG(CP_DTLS, ERR, "cannot set up the DTLS context: %s", buf);
	ERR_clear_error();
	SSL_CTX_free(ctx);
	errno = EIO;
	return NULL;
}
