/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DTLS certificates: generated per process (ECDSA P-256, self-signed, as
 * browsers do for RTCCertificate) or loaded from PEM files.  Each one
 * carries the SSL_CTX its connections are made from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "dtls_pvt.h"
#include "tz_log.h"

#define CERT_CN "trapeze"
#define CERT_DAYS_BEFORE 1
#define CERT_DAYS_AFTER 30
#define CERT_SERIAL_BYTES 16	/* 127 random bits; RFC 5280 §4.1.2.2 allows 20 octets */

static void log_ssl_error(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_peek_last_error(), buf, sizeof(buf));
	TZ_LOG(CP_DTLS, ERR, "%s: %s", what, buf);
	ERR_clear_error();
}

static int set_random_serial(X509 *x)
{
	uint8_t raw[CERT_SERIAL_BYTES];
	BIGNUM *bn = NULL;
	int ok = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return 0;
	raw[0] &= 0x7f;		/* positive, and never zero in practice */
	raw[0] |= 0x40;
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	if (bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		ok = 1;
	BN_free(bn);
	return ok;
}

static int set_name_and_validity(X509 *x)
{
	X509_NAME *name = X509_get_subject_name(x);

	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)CERT_CN, -1, -1, 0) != 1)
		return 0;
	if (X509_set_issuer_name(x, name) != 1)
		return 0;
	/* A day back tolerates a peer whose clock runs behind ours. */
	if (X509_gmtime_adj(X509_getm_notBefore(x), -(long)CERT_DAYS_BEFORE * 86400) == NULL)
		return 0;
	if (X509_gmtime_adj(X509_getm_notAfter(x), (long)CERT_DAYS_AFTER * 86400) == NULL)
		return 0;
	return 1;
}

static struct tz_dtls_cert *cert_wrap(X509 *x509, EVP_PKEY *key)
{
	struct tz_dtls_cert *cert = calloc(1, sizeof(*cert));

	if (cert == NULL)
		goto err_nomem;
	cert->ssl_ctx = tz_dtls_ssl_ctx_new(x509, key);
	if (cert->ssl_ctx == NULL)
		goto err_ctx;
	cert->x509 = x509;
	cert->key = key;
	return cert;

err_ctx:
	free(cert);
	X509_free(x509);
	EVP_PKEY_free(key);
	return NULL;	/* errno set by tz_dtls_ssl_ctx_new */
err_nomem:
	X509_free(x509);
	EVP_PKEY_free(key);
	errno = ENOMEM;
	return NULL;
}

struct tz_dtls_cert *tz_dtls_cert_generate(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();

	if (key == NULL || x == NULL)
		goto err_ssl;
	if (X509_set_version(x, X509_VERSION_3) != 1 || set_random_serial(x) != 1 ||
	    set_name_and_validity(x) != 1 || X509_set_pubkey(x, key) != 1)
		goto err_ssl;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto err_ssl;
	return cert_wrap(x, key);

err_ssl:
	log_ssl_error("cannot generate the DTLS certificate");
	X509_free(x);
	EVP_PKEY_free(key);
	errno = EIO;
	return NULL;
}

static FILE *open_pem(const char *path)
{
	FILE *f = fopen(path, "r");

	int e = errno;

	if (f == NULL) {
		e = errno;
		TZ_LOG(CP_DTLS, ERR, "%s: cannot open: %s", path, strerror(e));
		errno = e;	/* logging may clobber it */
	}
	return f;
}

static X509 *read_cert(const char *path)
{
	FILE *f = open_pem(path);
	X509 *x;

	if (f == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		ERR_clear_error();
		TZ_LOG(CP_DTLS, ERR, "%s: no PEM certificate (\"BEGIN CERTIFICATE\") found",
		       path);
		errno = EINVAL;
	}
	return x;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = open_pem(path);
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL) {
		ERR_clear_error();
		TZ_LOG(CP_DTLS, ERR, "%s: no unencrypted PEM private key found", path);
		errno = EINVAL;
	}
	return k;
}

struct tz_dtls_cert *tz_dtls_cert_load(const char *cert_pem_path, const char *key_pem_path)
{
	X509 *x = NULL;
	EVP_PKEY *key = NULL;

	if (cert_pem_path == NULL || key_pem_path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	x = read_cert(cert_pem_path);
	if (x == NULL)
		goto err;
	key = read_key(key_pem_path);
	if (key == NULL)
		goto err;
	if (X509_check_private_key(x, key) != 1) {
		ERR_clear_error();
		TZ_LOG(CP_DTLS, ERR, "%s: the key does not match the certificate %s",
		       key_pem_path, cert_pem_path);
		errno = EINVAL;
		goto err;
	}
	return cert_wrap(x, key);

err:
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

void tz_dtls_cert_free(struct tz_dtls_cert *cert)
{
	if (cert == NULL)
		return;
	SSL_CTX_free(cert->ssl_ctx);
	X509_free(cert->x509);
	EVP_PKEY_free(cert->key);
	free(cert);
}
