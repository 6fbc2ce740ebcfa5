/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load client's DTLS 1.2 client (OpenSSL 3): one ECDSA P-256
 * self-signed certificate for every call, a datagram BIO per call that
 * sends each record flight through the call's UDP socket and reads the
 * datagram in hand, the peer's certificate checked against the SDP
 * fingerprint, DTLS-SRTP keys exported (RFC 5764 §4.2).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <tz_srtp.h>

#include "calls_dtls.h"

static EVP_PKEY *g_key;
static X509 *g_cert;
static SSL_CTX *g_ctx[TZ_SRTP_SUITE_COUNT];
static char g_fp[32 * 3];
static BIO_METHOD *g_bio_meth;

static const char *const srtp_profiles[TZ_SRTP_SUITE_COUNT] = {
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_80] = "SRTP_AES128_CM_SHA1_80",
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_32] = "SRTP_AES128_CM_SHA1_32",
	[TZ_SRTP_AEAD_AES_128_GCM] = "SRTP_AEAD_AES_128_GCM",
	[TZ_SRTP_AEAD_AES_256_GCM] = "SRTP_AEAD_AES_256_GCM",
};

/* ---- the per-call datagram BIO ---- */

static int bio_write(BIO *b, const char *data, int len)
{
	struct calls_dtls_io *io = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (io == NULL || len <= 0)
		return -1;
	io->send(io->arg, (const uint8_t *)data, (size_t)len);
	return len;
}

static int bio_read(BIO *b, char *out, int cap)
{
	struct calls_dtls_io *io = BIO_get_data(b);
	int n;

	BIO_clear_retry_flags(b);
	if (io == NULL || io->in == NULL) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = io->in_len < (size_t)cap ? (int)io->in_len : cap;
	memcpy(out, io->in, (size_t)n);
	io->in = NULL;
	io->in_len = 0;
	return n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
	case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return 1200;
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
		return 28;
	case BIO_CTRL_WPENDING:
	case BIO_CTRL_PENDING:
		return 0;
	default:
		return 0;
	}
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* ---- set-up ---- */

static int make_cert(void)
{
	X509_NAME *name;
	uint8_t md[32];
	unsigned int mdlen = sizeof(md);
	uint8_t serial[8];

	g_key = EVP_EC_gen("P-256");
	g_cert = X509_new();
	if (g_key == NULL || g_cert == NULL)
		return -ENOMEM;
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7F;
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(g_cert),
				((uint64_t)serial[0] << 56 | (uint64_t)serial[1] << 48 |
				 (uint64_t)serial[2] << 40 | (uint64_t)serial[3] << 32 |
				 (uint64_t)serial[4] << 24 | (uint64_t)serial[5] << 16 |
				 (uint64_t)serial[6] << 8 | serial[7]));
	X509_set_version(g_cert, 2);
	X509_gmtime_adj(X509_getm_notBefore(g_cert), -86400);
	X509_gmtime_adj(X509_getm_notAfter(g_cert), 30L * 86400);
	name = X509_get_subject_name(g_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"trapeze-bench",
				   -1, -1, 0);
	X509_set_issuer_name(g_cert, name);
	if (X509_set_pubkey(g_cert, g_key) != 1 || X509_sign(g_cert, g_key, EVP_sha256()) == 0 ||
	    X509_digest(g_cert, EVP_sha256(), md, &mdlen) != 1)
		return -EIO;
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(g_fp + 3 * i, sizeof(g_fp) - 3 * i, i + 1 < mdlen ? "%02X:" : "%02X", md[i]);
	return 0;
}

/* The peer's certificate is self-signed: accept it here, check its
 * fingerprint against the SDP once the handshake is done. */
static int verify_any(int ok, X509_STORE_CTX *x)
{
	return 1;
}

int calls_dtls_init(char *err, size_t err_len)
{
	int rc = make_cert();

	if (rc != 0) {
		snprintf(err, err_len, "cannot make the DTLS certificate");
		goto fail;
	}
	g_bio_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "calls-dgram");
	if (g_bio_meth == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	BIO_meth_set_write(g_bio_meth, bio_write);
	BIO_meth_set_read(g_bio_meth, bio_read);
	BIO_meth_set_ctrl(g_bio_meth, bio_ctrl);
	BIO_meth_set_create(g_bio_meth, bio_create);
	for (unsigned s = 0; s < TZ_SRTP_SUITE_COUNT; s++) {
		SSL_CTX *c = SSL_CTX_new(DTLS_client_method());

		if (c == NULL || SSL_CTX_use_certificate(c, g_cert) != 1 ||
		    SSL_CTX_use_PrivateKey(c, g_key) != 1 ||
		    SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION) != 1 ||
		    SSL_CTX_set_tlsext_use_srtp(c, srtp_profiles[s]) != 0) {
			SSL_CTX_free(c);
			snprintf(err, err_len, "cannot set up the DTLS context (%s)", srtp_profiles[s]);
			rc = -EIO;
			goto fail;
		}
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_any);
		SSL_CTX_set_options(c, SSL_OP_NO_QUERY_MTU);
		SSL_CTX_set_read_ahead(c, 1);
		g_ctx[s] = c;
	}
	return 0;
fail:
	calls_dtls_fini();
	return rc;
}

void calls_dtls_fini(void)
{
	for (unsigned s = 0; s < TZ_SRTP_SUITE_COUNT; s++) {
		SSL_CTX_free(g_ctx[s]);
		g_ctx[s] = NULL;
	}
	BIO_meth_free(g_bio_meth);
	g_bio_meth = NULL;
	X509_free(g_cert);
	EVP_PKEY_free(g_key);
	g_cert = NULL;
	g_key = NULL;
}

const char *calls_dtls_fingerprint(void)
{
	return g_fp;
}

SSL *calls_dtls_new(unsigned suite, struct calls_dtls_io *io)
{
	SSL *ssl;
	BIO *b;

	if (suite >= TZ_SRTP_SUITE_COUNT || g_ctx[suite] == NULL)
		return NULL;
	ssl = SSL_new(g_ctx[suite]);
	b = BIO_new(g_bio_meth);
	if (ssl == NULL || b == NULL) {
		SSL_free(ssl);
		BIO_free(b);
		return NULL;
	}
	BIO_set_data(b, io);
	SSL_set_bio(ssl, b, b);		/* the same BIO both ways: one reference taken */
	SSL_set_mtu(ssl, 1200);
	DTLS_set_link_mtu(ssl, 1200);
	SSL_set_connect_state(ssl);
	return ssl;
}

void calls_dtls_free(SSL *ssl)
{
	if (ssl != NULL) {
		BIO *b = SSL_get_rbio(ssl);

		BIO_set_data(b, NULL);
		SSL_free(ssl);
	}
}

int calls_dtls_step(SSL *ssl, struct calls_dtls_io *io, const uint8_t *in, size_t len)
{
	int rc;

	io->in = in;
	io->in_len = len;
	if (SSL_is_init_finished(ssl)) {
		uint8_t junk[2048];

		/* after the handshake: application data or alerts; read and drop */
		while ((rc = SSL_read(ssl, junk, sizeof(junk))) > 0)
			;
		io->in = NULL;
		rc = SSL_get_error(ssl, rc);
		ERR_clear_error();
		return rc == SSL_ERROR_ZERO_RETURN || rc == SSL_ERROR_SSL ? -1 : 1;
	}
	rc = SSL_do_handshake(ssl);
	io->in = NULL;
	if (rc == 1)
		return 1;
	rc = SSL_get_error(ssl, rc);
	ERR_clear_error();
	return rc == SSL_ERROR_WANT_READ || rc == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

int calls_dtls_timer(SSL *ssl, double *left_s)
{
	struct timeval tv;

	if (DTLSv1_get_timeout(ssl, &tv) != 1) {
		*left_s = -1;
		return 0;
	}
	*left_s = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
	if (*left_s > 0)
		return 0;
	return DTLSv1_handle_timeout(ssl) < 0 ? -1 : 0;
}

int calls_dtls_keys(SSL *ssl, const uint8_t want_fp[32], unsigned suite,
		    uint8_t tx_key[32], uint8_t tx_salt[14], uint8_t rx_key[32], uint8_t rx_salt[14])
{
	static const char label[] = "EXTRACTOR-dtls_srtp";
	X509 *peer = SSL_get1_peer_certificate(ssl);
	SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(ssl);
	size_t kl = tz_srtp_suite_key_len(suite), sl = tz_srtp_suite_salt_len(suite);
	uint8_t md[32], km[2 * (32 + 14)];
	unsigned int mdlen = sizeof(md);
	int rc = -EPROTO;

	if (peer == NULL || X509_digest(peer, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32 ||
	    CRYPTO_memcmp(md, want_fp, 32) != 0) {
		rc = -EACCES;
		goto out;
	}
	if (prof == NULL || strcmp(prof->name, srtp_profiles[suite]) != 0)
		goto out;
	if (SSL_export_keying_material(ssl, km, 2 * (kl + sl), label, sizeof(label) - 1,
				       NULL, 0, 0) != 1)
		goto out;
	/* client key | server key | client salt | server salt; we are the client */
	memcpy(tx_key, km, kl);
	memcpy(rx_key, km + kl, kl);
	memcpy(tx_salt, km + 2 * kl, sl);
	memcpy(rx_salt, km + 2 * kl + sl, sl);
	rc = 0;
out:
	OPENSSL_cleanse(km, sizeof(km));
	X509_free(peer);
	return rc;
}
