/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * trapeze-bench calls: the DTLS-SRTP client of each call (calls_dtls.c).
 */
#ifndef TZ_BENCH_CALLS_DTLS_H
#define TZ_BENCH_CALLS_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/** The datagram path of one call's DTLS: how records leave, the one that came in. */
struct calls_dtls_io {
	void (*send)(void *arg, const uint8_t *data, size_t len);
	void *arg;
	const uint8_t *in;
	size_t in_len;
};

/** Make the certificate and one SSL_CTX per SRTP suite.  0 or -errno (reason in @p err). */
int calls_dtls_init(char *err, size_t err_len);
void calls_dtls_fini(void);
/** "AB:CD:..." sha-256 of the certificate, for a=fingerprint. */
const char *calls_dtls_fingerprint(void);
/** A client SSL for @p suite (enum tz_srtp_suite) over @p io (which must outlive it). */
SSL *calls_dtls_new(unsigned suite, struct calls_dtls_io *io);
void calls_dtls_free(SSL *ssl);
/** Feed one datagram (NULL: none, just start).  @return 1 handshake done, 0 going on, -1 failed. */
int calls_dtls_step(SSL *ssl, struct calls_dtls_io *io, const uint8_t *in, size_t len);
/** Retransmit when the DTLS timer ran out; @p left_s: time left (-1: no timer).  -1 failed. */
int calls_dtls_timer(SSL *ssl, double *left_s);
/**
 * Check the peer certificate against @p want_fp (sha-256) and the profile
 * against @p suite, export the SRTP keys (RFC 5764 §4.2).
 * @return 0, -EACCES (fingerprint), -EPROTO (profile/export).
 */
int calls_dtls_keys(SSL *ssl, const uint8_t want_fp[32], unsigned suite,
		    uint8_t tx_key[32], uint8_t tx_salt[14], uint8_t rx_key[32], uint8_t rx_salt[14]);

#endif /* TZ_BENCH_CALLS_DTLS_H */
