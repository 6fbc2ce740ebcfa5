/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer authentication for DTLS-SRTP: the certificate is not checked
 * against any CA (self-signed is the norm, RFC 8827 §6.5); its fingerprint,
 * in the hash function the SDP named, must equal the SDP's a=fingerprint
 * (RFC 8122 §5, RFC 5763 §5).
 */
#include <errno.h>
#include <stdio.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dtls_pvt.h"
#include "tz_log.h"

int tz_dtls_fp_check(struct tz_dtls *d, X509 *peer)
{
	struct tz_dtls_fingerprint got = { .len = 0 };
	char want_s[TZ_DTLS_FP_STR_MAX], got_s[TZ_DTLS_FP_STR_MAX];
	unsigned int n = 0;

	if (peer == NULL || X509_digest(peer, d->remote_md, got.value, &n) != 1)
		goto mismatch_nodigest;
	got.len = n;
	if (got.len == d->remote_fp.len &&
	    CRYPTO_memcmp(got.value, d->remote_fp.value, got.len) == 0) {
		d->fp_state = 1;
		return 0;
	}
	if (d->fp_state < 0)
		return -EPERM;	/* reported once; OpenSSL may ask again */
	d->fp_state = -1;
	snprintf(got.algorithm, sizeof(got.algorithm), "%s", d->remote_fp.algorithm);
	tz_dtls_fingerprint_format(&d->remote_fp, want_s, sizeof(want_s));
	tz_dtls_fingerprint_format(&got, got_s, sizeof(got_s));
	snprintf(d->error, sizeof(d->error),
		 "fingerprint mismatch: SDP says %s, peer certificate is %s", want_s, got_s);
	return -EPERM;

mismatch_nodigest:
	d->fp_state = -1;
	snprintf(d->error, sizeof(d->error), "fingerprint mismatch: peer sent no usable certificate");
	return -EPERM;
}

/* OpenSSL calls this per certificate of the peer's chain and per error.
 * Only the end-entity certificate (depth 0) matters. */
int tz_dtls_verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tz_dtls *d = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

	if (d == NULL)
		return 0;
	if (X509_STORE_CTX_get_error_depth(store) != 0)
		return 1;
	if (tz_dtls_fp_check(d, X509_STORE_CTX_get0_cert(store)) == 0)
		return 1;
	/* Maps to a bad_certificate alert, which tells the peer why. */
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}
