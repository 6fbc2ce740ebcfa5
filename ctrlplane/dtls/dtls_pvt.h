/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to ctrlplane/dtls: the objects behind tz_dtls.h and the helpers
 * shared by its files.  Control thread only, like the public API. */
#ifndef TZ_DTLS_PVT_H
#define TZ_DTLS_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <openssl/ssl.h>

#include "tz_dtls.h"

struct tz_dtls_cert {
	X509 *x509;
	EVP_PKEY *key;
	SSL_CTX *ssl_ctx;	/* holds its own references to x509 and key */
};

enum dtls_state {
	DTLS_ST_NEW,
	DTLS_ST_HANDSHAKE,
	DTLS_ST_CONNECTED,
	DTLS_ST_FAILED,
	DTLS_ST_CLOSED,
};

struct tz_dtls {
	SSL *ssl;			/* owns both BIOs */
	enum tz_dtls_role role;
	enum dtls_state state;
	struct tz_dtls_fingerprint remote_fp;
	const EVP_MD *remote_md;
	int fp_state;			/* 0 unchecked, 1 matched, -1 mismatch */

	tz_dtls_send_fn send_fn;
	tz_dtls_event_fn event_fn;
	void *user;

	GMainContext *main_ctx;
	GSource *rtx_timer;		/* DTLS retransmission (DTLSv1_get_timeout) */
	GSource *hs_timer;		/* handshake deadline */

	unsigned int depth;		/* nesting of our entry points on the stack */
	bool in_ssl;			/* inside an OpenSSL call (send_fn runs there) */
	bool dying;			/* tz_dtls_free() called from a callback */

	enum tz_srtp_suite suites[TZ_SRTP_SUITE_COUNT];
	unsigned int nb_suites;
	unsigned int mtu;
	unsigned int retransmit_ms;
	unsigned int handshake_ms;

	char alert[96];			/* last fatal alert received, for reasons */
	char error[512];

	/* Handshake pool (pool.c).  While busy, the SSL object, fp_state,
	 * alert, error, outq, job_in and job_* belong to the pool thread that
	 * runs the job; the control thread touches none of them until the
	 * job's completion runs on its loop (the pool's queue and
	 * g_main_context_invoke order the memory). */
	bool busy;			/* a job is queued or running on the pool */
	bool deferring;			/* sink BIO: queue datagrams in outq, do not send */
	int job_kind;			/* enum dtls_job */
	GQueue inq;			/* GBytes received while busy, oldest first */
	GPtrArray *job_in;		/* GBytes the running job feeds (moved from inq) */
	GPtrArray *outq;		/* GBytes OpenSSL wrote on the pool thread */
	unsigned int job_used;		/* datagrams of job_in the job consumed */
	int job_rc;			/* SSL_do_handshake() / DTLSv1_handle_timeout() */
	int job_err;			/* SSL_get_error() of job_rc */
	unsigned long job_ssl_err;	/* ERR_peek_last_error() on the pool thread */
	unsigned int rtx_seen;		/* retransmissions not yet counted (timer callback) */
};

/* What a pool job runs. */
enum dtls_job {
	DTLS_JOB_HANDSHAKE,		/* feed job_in (or nothing) to SSL_do_handshake() */
	DTLS_JOB_TIMEOUT,		/* DTLSv1_handle_timeout() */
};

/* pool.c */
bool tz_dtls_pool_active(void);
/* Run d's job on a pool thread; its completion calls tz_dtls_job_done(d)
 * on d's main context.  0, or -errno (the caller runs it inline). */
int tz_dtls_pool_submit(struct tz_dtls *d);
/* dtls.c: a job's completion, on the control thread. */
void tz_dtls_job_done(struct tz_dtls *d);
/* dtls.c: the job itself, on a pool thread. */
void tz_dtls_job_run(struct tz_dtls *d);

/* counters.c */
extern uint64_t tz_dtls_cnt[TZ_DTLS_CNT_COUNT];
bool tz_dtls_ratelimit_ok(void);

/* bio.c: a write-only BIO that hands each write to send_fn as one datagram. */
BIO *tz_dtls_sink_bio_new(struct tz_dtls *d);

/* cert.c */
const EVP_MD *tz_dtls_md_by_name(const char *algorithm, const char **canon);

/* verify.c */
int tz_dtls_verify_cb(int preverify_ok, X509_STORE_CTX *store);
int tz_dtls_fp_check(struct tz_dtls *d, X509 *peer);

/* record.c: RFC 6347 §4.1 framing check of one datagram; 0 or -EBADMSG. */
int tz_dtls_record_check(const uint8_t *p, size_t len);

/* keys.c */
int tz_dtls_profile_list(const enum tz_srtp_suite *suites, unsigned int n, char *out,
			 size_t len);
int tz_dtls_suite_of_profile(unsigned long id, enum tz_srtp_suite *suite);
const char *tz_dtls_suite_name(enum tz_srtp_suite suite);

/* ssl_ctx.c */
SSL_CTX *tz_dtls_ssl_ctx_new(X509 *x509, EVP_PKEY *key);

#endif /* TZ_DTLS_PVT_H */
