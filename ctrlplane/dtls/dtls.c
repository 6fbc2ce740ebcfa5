/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One DTLS-SRTP association per ICE component.  Received datagrams go into
 * a memory BIO, one at a time; what OpenSSL writes leaves through the sink
 * BIO (bio.c) as one datagram per write.  Every entry point (start, input,
 * timer) runs the handshake or the record layer until OpenSSL wants more
 * input, then re-arms the retransmission timer from DTLSv1_get_timeout().
 *
 * Callbacks may free the context: entry points count their nesting
 * (enter/leave) and the last one out does the deferred free.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>

#include "dtls_pvt.h"
#include "tz_log.h"

#define RETRANSMIT_MAX_US (60u * 1000 * 1000)	/* RFC 6347 §4.2.4.1: cap of 60 s */
#define MTU_MIN 256
#define MTU_MAX 65535
#define DATAGRAM_MAX 65535

static const enum tz_srtp_suite default_suites[] = {
	TZ_SRTP_AEAD_AES_256_GCM,
	TZ_SRTP_AEAD_AES_128_GCM,
	TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
	TZ_SRTP_AES_CM_128_HMAC_SHA1_32,
};

static void timer_update(struct tz_dtls *d);
static void timers_stop(struct tz_dtls *d);

/* Retransmissions OpenSSL made (next_timeout_us() saw each timeout), from
 * our timer or on its own when it found the timer expired while reading (a
 * late pool step): counted on the control thread. */
static void rtx_count(struct tz_dtls *d)
{
	if (d->busy)
		return;
	tz_dtls_cnt[TZ_DTLS_CNT_RETRANSMIT] += d->rtx_seen;
	d->rtx_seen = 0;
}

static void source_drop(GSource *s)
{
	g_source_destroy(s);
	g_source_unref(s);
}

static const char *role_name(const struct tz_dtls *d)
{
	return d->role == TZ_DTLS_CLIENT ? "client" : "server";
}

static void bytes_unref(gpointer b)
{
	g_bytes_unref(b);
}

static void destroy(struct tz_dtls *d)
{
	timers_stop(d);
	g_queue_clear_full(&d->inq, bytes_unref);
	g_clear_pointer(&d->job_in, g_ptr_array_unref);
	g_clear_pointer(&d->outq, g_ptr_array_unref);
	SSL_free(d->ssl);
	g_main_context_unref(d->main_ctx);
	free(d);
}

static void enter(struct tz_dtls *d)
{
	d->depth++;
}

static void leave(struct tz_dtls *d)
{
	if (--d->depth == 0 && d->dying && !d->busy)
		destroy(d);
}

static void emit(struct tz_dtls *d, enum tz_dtls_event ev)
{
	if (!d->dying)
		d->event_fn(d, ev, d->user);
}

/* Final failure with d->error already written.  @counter: an extra
 * counter to bump (the cause), or -1. */
static void fail_keep(struct tz_dtls *d, int counter)
{
	bool handshaking = d->state == DTLS_ST_NEW || d->state == DTLS_ST_HANDSHAKE;

	if (d->state == DTLS_ST_FAILED || d->state == DTLS_ST_CLOSED)
		return;
	d->state = DTLS_ST_FAILED;
	timers_stop(d);
	rtx_count(d);
	if (handshaking)
		tz_dtls_cnt[TZ_DTLS_CNT_HANDSHAKE_FAILED]++;
	if (counter >= 0)
		tz_dtls_cnt[counter]++;
	if (tz_dtls_ratelimit_ok())
		TZ_LOG(CP_DTLS, WARNING, "DTLS %s %s: %s", role_name(d),
		       handshaking ? "handshake failed" : "connection failed", d->error);
	emit(d, TZ_DTLS_FAILED);
}

static void G_GNUC_PRINTF(3, 4) fail(struct tz_dtls *d, int counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
	fail_keep(d, counter);
}

/* Reason for an OpenSSL failure: the peer's alert if it sent one, else
 * the library's reason. */
static void fail_ssl_code(struct tz_dtls *d, int ssl_err, unsigned long e, const char *what)
{
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	if (d->fp_state < 0)
		fail_keep(d, TZ_DTLS_CNT_FP_MISMATCH);
	else if (d->alert[0] != '\0')
		fail(d, -1, "%s: peer sent fatal alert \"%s\"", what, d->alert);
	else if (reason != NULL)
		fail(d, -1, "%s: %s", what, reason);
	else
		fail(d, -1, "%s: SSL error %d", what, ssl_err);
}

static void fail_ssl(struct tz_dtls *d, int ssl_err, const char *what)
{
	fail_ssl_code(d, ssl_err, ERR_peek_last_error(), what);
}

/* Silence our own sends when the caller is tearing down. */
static void shutdown_send(struct tz_dtls *d)
{
	if (d->in_ssl || d->ssl == NULL)
		return;	/* free() from send_fn: no re-entering OpenSSL */
	ERR_clear_error();
	d->in_ssl = true;
	SSL_shutdown(d->ssl);
	d->in_ssl = false;
	ERR_clear_error();
}

static void handshake_done(struct tz_dtls *d)
{
	const SRTP_PROTECTION_PROFILE *prof;
	enum tz_srtp_suite suite;
	char offered[128] = "";

	/* The verify callback has checked already; this covers any path that
	 * skips it. */
	if (tz_dtls_fp_check(d, SSL_get0_peer_certificate(d->ssl)) < 0) {
		shutdown_send(d);
		fail_keep(d, TZ_DTLS_CNT_FP_MISMATCH);
		return;
	}
	prof = SSL_get_selected_srtp_profile(d->ssl);
	if (prof == NULL || tz_dtls_suite_of_profile(prof->id, &suite) < 0) {
		tz_dtls_profile_list(d->suites, d->nb_suites, offered, sizeof(offered));
		shutdown_send(d);
		fail(d, TZ_DTLS_CNT_NO_SRTP_PROFILE,
		     "no SRTP protection profile agreed (use_srtp, RFC 5764 §4.1.2); ours: %s",
		     offered);
		return;
	}
	d->state = DTLS_ST_CONNECTED;
	g_clear_pointer(&d->hs_timer, source_drop);
	tz_dtls_cnt[TZ_DTLS_CNT_HANDSHAKE_OK]++;
	TZ_LOG(CP_DTLS, INFO, "DTLS %s connected: %s %s, %s", role_name(d),
	       SSL_get_version(d->ssl), SSL_get_cipher_name(d->ssl), prof->name);
	emit(d, TZ_DTLS_CONNECTED);
}

static void do_handshake(struct tz_dtls *d)
{
	int rc, err;

	ERR_clear_error();
	d->in_ssl = true;
	rc = SSL_do_handshake(d->ssl);
	d->in_ssl = false;
	if (rc == 1) {
		handshake_done(d);
		return;
	}
	err = SSL_get_error(d->ssl, rc);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		return;
	}
	fail_ssl(d, err, "handshake failed");
}

static void peer_closed(struct tz_dtls *d)
{
	tz_dtls_cnt[TZ_DTLS_CNT_CLOSE_NOTIFY_IN]++;
	d->state = DTLS_ST_CLOSED;
	timers_stop(d);
	snprintf(d->error, sizeof(d->error), "peer sent close_notify");
	shutdown_send(d);	/* answer with ours (RFC 5246 §7.2.1) */
	TZ_LOG(CP_DTLS, INFO, "DTLS %s closed by the peer", role_name(d));
	emit(d, TZ_DTLS_CLOSED);
}

/* Connected: process alerts, retransmitted Finished and application data
 * (no data channel here: dropped and counted). */
static void read_records(struct tz_dtls *d)
{
	uint8_t buf[4096];

	for (;;) {
		int n, err;

		ERR_clear_error();
		d->in_ssl = true;
		n = SSL_read(d->ssl, buf, sizeof(buf));
		d->in_ssl = false;
		if (n > 0) {
			tz_dtls_cnt[TZ_DTLS_CNT_APP_DATA_DROPPED]++;
			continue;
		}
		err = SSL_get_error(d->ssl, n);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			ERR_clear_error();
			return;
		}
		if (err == SSL_ERROR_ZERO_RETURN)
			peer_closed(d);
		else
			fail_ssl(d, err, "record layer error");
		return;
	}
}

static void pool_run(struct tz_dtls *d, enum dtls_job kind);

static void drive(struct tz_dtls *d)
{
	if (d->state == DTLS_ST_HANDSHAKE && tz_dtls_pool_active()) {
		pool_run(d, DTLS_JOB_HANDSHAKE);
		return;
	}
	if (d->state == DTLS_ST_HANDSHAKE)
		do_handshake(d);
	if (d->state == DTLS_ST_CONNECTED && !d->dying)
		read_records(d);
	timer_update(d);
}

/* ---- timers ---- */

static void timers_stop(struct tz_dtls *d)
{
	g_clear_pointer(&d->rtx_timer, source_drop);
	g_clear_pointer(&d->hs_timer, source_drop);
}

static GSource *timeout_new(struct tz_dtls *d, guint ms, GSourceFunc fn)
{
	GSource *s = g_timeout_source_new(ms);

	g_source_set_callback(s, fn, d, NULL);
	g_source_attach(s, d->main_ctx);
	return s;
}

static gboolean rtx_fire(gpointer data)
{
	struct tz_dtls *d = data;
	int rc;

	g_clear_pointer(&d->rtx_timer, g_source_unref);	/* GLib destroys it on return */
	if (d->busy)
		return G_SOURCE_REMOVE;	/* the job's completion re-arms it */
	if (d->state == DTLS_ST_HANDSHAKE && tz_dtls_pool_active()) {
		enter(d);
		pool_run(d, DTLS_JOB_TIMEOUT);
		leave(d);
		return G_SOURCE_REMOVE;
	}
	enter(d);
	ERR_clear_error();
	d->in_ssl = true;
	rc = DTLSv1_handle_timeout(d->ssl);
	d->in_ssl = false;
	if (rc < 0)
		fail_ssl(d, SSL_ERROR_SSL, "no answer to retransmissions");
	else
		timer_update(d);
	leave(d);
	return G_SOURCE_REMOVE;
}

static gboolean deadline_fire(gpointer data)
{
	struct tz_dtls *d = data;

	g_clear_pointer(&d->hs_timer, g_source_unref);
	enter(d);
	fail(d, TZ_DTLS_CNT_HANDSHAKE_TIMEOUT, "handshake did not complete within %u ms",
	     d->handshake_ms);
	leave(d);
	return G_SOURCE_REMOVE;
}

static void timer_update(struct tz_dtls *d)
{
	struct timeval tv;
	guint ms;

	rtx_count(d);
	g_clear_pointer(&d->rtx_timer, source_drop);
	if (d->ssl == NULL || d->busy || d->dying || (d->state != DTLS_ST_HANDSHAKE && d->state != DTLS_ST_CONNECTED))
		return;
	if (DTLSv1_get_timeout(d->ssl, &tv) != 1)
		return;
	/* Round up: OpenSSL does not retransmit before its deadline. */
	ms = (guint)tv.tv_sec * 1000 + (guint)(tv.tv_usec + 999) / 1000;
	d->rtx_timer = timeout_new(d, ms, rtx_fire);
}

/* DTLS_set_timer_cb(): first timeout from the options, doubling per try. */
static unsigned int next_timeout_us(SSL *ssl, unsigned int prev_us)
{
	struct tz_dtls *d = SSL_get_app_data(ssl);

	if (prev_us == 0)
		return d->retransmit_ms * 1000u;
	d->rtx_seen++;	/* a timeout: OpenSSL retransmits its flight next */
	return prev_us >= RETRANSMIT_MAX_US / 2 ? RETRANSMIT_MAX_US : prev_us * 2;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct tz_dtls *d = SSL_get_app_data(ssl);

	if (d == NULL || !(where & SSL_CB_ALERT) || !(where & SSL_CB_READ))
		return;
	if ((ret >> 8) == SSL3_AL_FATAL)
		snprintf(d->alert, sizeof(d->alert), "%s", SSL_alert_desc_string_long(ret));
}

/* ---- construction ---- */

static int ssl_setup(struct tz_dtls *d, SSL_CTX *ctx)
{
	BIO *rbio, *wbio;

	d->ssl = SSL_new(ctx);
	if (d->ssl == NULL)
		return -EIO;
	rbio = BIO_new(BIO_s_mem());
	wbio = tz_dtls_sink_bio_new(d);
	if (rbio == NULL || wbio == NULL) {
		BIO_free(rbio);
		BIO_free(wbio);
		return -ENOMEM;
	}
	BIO_set_mem_eof_return(rbio, -1);	/* empty means "no datagram yet" */
	SSL_set_bio(d->ssl, rbio, wbio);
	SSL_set_app_data(d->ssl, d);
	SSL_set_info_callback(d->ssl, info_cb);
	DTLS_set_timer_cb(d->ssl, next_timeout_us);
	if (d->role == TZ_DTLS_CLIENT)
		SSL_set_connect_state(d->ssl);
	else
		SSL_set_accept_state(d->ssl);
	return 0;
}

static int check_remote_fp(const struct tz_dtls_fingerprint *fp, struct tz_dtls *d)
{
	const char *canon;

	d->remote_md = tz_dtls_md_by_name(fp->algorithm, &canon);
	if (d->remote_md == NULL || fp->len != (size_t)EVP_MD_get_size(d->remote_md))
		return -EINVAL;
	d->remote_fp = *fp;
	snprintf(d->remote_fp.algorithm, sizeof(d->remote_fp.algorithm), "%s", canon);
	return 0;
}

struct tz_dtls *tz_dtls_new(const struct tz_dtls_cert *cert, enum tz_dtls_role role,
			    const struct tz_dtls_fingerprint *remote_fp,
			    tz_dtls_send_fn send_fn, tz_dtls_event_fn event_fn, void *user)
{
	struct tz_dtls *d;
	int rc = -EINVAL;

	if (cert == NULL || remote_fp == NULL || send_fn == NULL || event_fn == NULL ||
	    (role != TZ_DTLS_CLIENT && role != TZ_DTLS_SERVER))
		goto err;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	d->role = role;
	d->send_fn = send_fn;
	d->event_fn = event_fn;
	d->user = user;
	memcpy(d->suites, default_suites, sizeof(default_suites));
	d->nb_suites = G_N_ELEMENTS(default_suites);
	d->mtu = TZ_DTLS_MTU_DEFAULT;
	d->retransmit_ms = TZ_DTLS_RETRANSMIT_MS_DEFAULT;
	d->handshake_ms = TZ_DTLS_HANDSHAKE_MS_DEFAULT;
	d->main_ctx = g_main_context_ref_thread_default();
	rc = check_remote_fp(remote_fp, d);
	if (rc == 0)
		rc = ssl_setup(d, cert->ssl_ctx);
	if (rc < 0)
		goto err_free;
	return d;

err_free:
	ERR_clear_error();
	destroy(d);
err:
	errno = -rc;
	return NULL;
}

static int check_suites(const enum tz_srtp_suite *suites, unsigned int n)
{
	if (n == 0 || n > TZ_SRTP_SUITE_COUNT)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (tz_dtls_suite_name(suites[i]) == NULL)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (suites[j] == suites[i])
				return -EINVAL;
	}
	return 0;
}

int tz_dtls_set_opts(struct tz_dtls *d, const struct tz_dtls_opts *o)
{
	if (d == NULL || o == NULL)
		return -EINVAL;
	if (d->state != DTLS_ST_NEW)
		return -EBUSY;
	if (o->suites != NULL && check_suites(o->suites, o->nb_suites) < 0)
		return -EINVAL;
	if (o->mtu != 0 && (o->mtu < MTU_MIN || o->mtu > MTU_MAX))
		return -EINVAL;
	if (o->suites != NULL) {
		memcpy(d->suites, o->suites, o->nb_suites * sizeof(o->suites[0]));
		d->nb_suites = o->nb_suites;
	} else {
		memcpy(d->suites, default_suites, sizeof(default_suites));
		d->nb_suites = G_N_ELEMENTS(default_suites);
	}
	d->mtu = o->mtu ? o->mtu : TZ_DTLS_MTU_DEFAULT;
	d->retransmit_ms = o->retransmit_ms ? o->retransmit_ms : TZ_DTLS_RETRANSMIT_MS_DEFAULT;
	d->handshake_ms = o->handshake_ms ? o->handshake_ms : TZ_DTLS_HANDSHAKE_MS_DEFAULT;
	return 0;
}

/* ---- driving ---- */

static void start_locked(struct tz_dtls *d, bool now)
{
	char list[128];

	/* SSL_set_tlsext_use_srtp() returns 0 on success. */
	if (tz_dtls_profile_list(d->suites, d->nb_suites, list, sizeof(list)) < 0 ||
	    SSL_set_tlsext_use_srtp(d->ssl, list) != 0 ||
	    DTLS_set_link_mtu(d->ssl, (long)d->mtu) != 1) {
		fail_ssl(d, SSL_ERROR_SSL, "cannot start");
		return;
	}
	d->state = DTLS_ST_HANDSHAKE;
	d->hs_timer = timeout_new(d, d->handshake_ms, deadline_fire);
	if (now)
		drive(d);	/* a client sends its ClientHello */
}

int tz_dtls_start(struct tz_dtls *d)
{
	if (d == NULL)
		return -EINVAL;
	if (d->dying || d->state == DTLS_ST_FAILED || d->state == DTLS_ST_CLOSED)
		return -ESHUTDOWN;
	if (d->state != DTLS_ST_NEW)
		return 0;
	enter(d);
	start_locked(d, true);
	leave(d);
	return 0;
}

static void queue_input(struct tz_dtls *d, const uint8_t *data, size_t len)
{
	if (d->inq.length >= TZ_DTLS_POOL_QUEUE_MAX) {
		tz_dtls_cnt[TZ_DTLS_CNT_POOL_QUEUE_DROPPED]++;
		return;
	}
	g_queue_push_tail(&d->inq, g_bytes_new(data, len));
}

static void bad_record(const uint8_t *data, size_t len)
{
	tz_dtls_cnt[TZ_DTLS_CNT_BAD_RECORD]++;
	if (tz_dtls_ratelimit_ok())
		TZ_LOG(CP_DTLS, WARNING, "dropped a malformed DTLS datagram (%zu bytes, type %u)",
		       len, data[0]);
}

int tz_dtls_input(struct tz_dtls *d, const uint8_t *data, size_t len)
{
	BIO *rbio;

	if (d == NULL || data == NULL || len == 0)
		return -EINVAL;
	tz_dtls_cnt[TZ_DTLS_CNT_DATAGRAM_IN]++;
	if (d->dying || d->state == DTLS_ST_FAILED || d->state == DTLS_ST_CLOSED)
		return -ESHUTDOWN;
	if (d->ssl == NULL) {
		tz_dtls_cnt[TZ_DTLS_CNT_RELEASED_DROPPED]++;
		return -ESHUTDOWN;	/* released: nothing reads records any more */
	}
	if (len > DATAGRAM_MAX || tz_dtls_record_check(data, len) < 0) {
		bad_record(data, len);
		return -EBADMSG;
	}
	if (d->state == DTLS_ST_NEW && d->role == TZ_DTLS_CLIENT)
		return -EAGAIN;
	if (d->busy) {
		queue_input(d, data, len);	/* the running job's completion feeds it */
		return 0;
	}
	enter(d);
	if (d->state == DTLS_ST_NEW)	/* the ClientHello came before our ICE said "ready" */
		start_locked(d, !tz_dtls_pool_active());
	if (d->state == DTLS_ST_HANDSHAKE && tz_dtls_pool_active()) {
		queue_input(d, data, len);
		pool_run(d, DTLS_JOB_HANDSHAKE);
	} else if (d->state == DTLS_ST_HANDSHAKE || d->state == DTLS_ST_CONNECTED) {
		rbio = SSL_get_rbio(d->ssl);
		/* One datagram at a time: whatever OpenSSL left is stale. */
		if (BIO_ctrl_pending(rbio) > 0)
			(void)BIO_reset(rbio);
		if (BIO_write(rbio, data, (int)len) == (int)len)
			drive(d);
	}
	leave(d);
	return 0;
}

/* ---- queries and teardown ---- */

const char *tz_dtls_error(const struct tz_dtls *d)
{
	return d != NULL ? d->error : "";
}

enum tz_dtls_role tz_dtls_role(const struct tz_dtls *d)
{
	return d != NULL ? d->role : TZ_DTLS_CLIENT;
}

int tz_dtls_peer_fingerprint(const struct tz_dtls *d, struct tz_dtls_fingerprint *fp)
{
	X509 *peer;
	unsigned int n = 0;

	if (d == NULL || fp == NULL)
		return -EINVAL;
	if (d->busy || d->ssl == NULL)
		return -ENOTCONN;	/* the handshake is on a pool thread, or released */
	peer = SSL_get0_peer_certificate(d->ssl);
	if (peer == NULL)
		return -ENOTCONN;
	if (X509_digest(peer, d->remote_md, fp->value, &n) != 1)
		return -EIO;
	fp->len = n;
	snprintf(fp->algorithm, sizeof(fp->algorithm), "%s", d->remote_fp.algorithm);
	return 0;
}

size_t tz_dtls_sizeof(void)
{
	return sizeof(struct tz_dtls);
}

int tz_dtls_release(struct tz_dtls *d)
{
	if (d == NULL)
		return -EINVAL;
	if (d->state != DTLS_ST_CONNECTED || d->busy || d->depth > 0 || d->dying)
		return -EBUSY;
	if (d->ssl == NULL)
		return 0;
	timers_stop(d);
	ERR_clear_error();
	SSL_free(d->ssl);
	d->ssl = NULL;
	tz_dtls_cnt[TZ_DTLS_CNT_RELEASED]++;
	return 0;
}

void tz_dtls_free(struct tz_dtls *d)
{
	if (d == NULL || d->dying)
		return;
	if (d->state == DTLS_ST_CONNECTED)
		shutdown_send(d);
	d->dying = true;
	timers_stop(d);
	/* A job on the pool still uses the SSL object: its completion frees. */
	if (d->depth == 0 && !d->busy)
		destroy(d);
}

/* ---- the handshake pool's jobs (pool.c runs them) ---- */

/* Pool thread: what the control thread queued, through OpenSSL.  Touches
 * only the SSL object and the job fields (dtls_pvt.h). */
void tz_dtls_job_run(struct tz_dtls *d)
{
	BIO *rbio = SSL_get_rbio(d->ssl);
	int rc = 0;

	ERR_clear_error();
	d->in_ssl = true;
	d->job_used = 0;
	if (d->job_kind == DTLS_JOB_TIMEOUT) {
		rc = DTLSv1_handle_timeout(d->ssl);
	} else if (d->job_in->len == 0) {
		rc = SSL_do_handshake(d->ssl);
	} else {
		/* One datagram at a time, as tz_dtls_input() does inline; stop
		 * at the end of the handshake (what follows is records). */
		while (d->job_used < d->job_in->len) {
			GBytes *b = g_ptr_array_index(d->job_in, d->job_used);
			gsize n;
			const void *p = g_bytes_get_data(b, &n);

			d->job_used++;
			if (BIO_ctrl_pending(rbio) > 0)
				(void)BIO_reset(rbio);
			if (BIO_write(rbio, p, (int)n) != (int)n)
				continue;
			rc = SSL_do_handshake(d->ssl);
			if (rc == 1 || (rc <= 0 && SSL_get_error(d->ssl, rc) != SSL_ERROR_WANT_READ &&
					SSL_get_error(d->ssl, rc) != SSL_ERROR_WANT_WRITE))
				break;
		}
	}
	d->in_ssl = false;
	d->job_rc = rc;
	/* SSL_get_error() and the error queue are per thread: read them here. */
	d->job_err = d->job_kind == DTLS_JOB_TIMEOUT ? SSL_ERROR_SSL : SSL_get_error(d->ssl, rc);
	d->job_ssl_err = ERR_peek_last_error();
	ERR_clear_error();
}

static void flush_out(struct tz_dtls *d)
{
	for (guint i = 0; i < d->outq->len; i++) {
		GBytes *b = g_ptr_array_index(d->outq, i);
		gsize n;
		const uint8_t *p = g_bytes_get_data(b, &n);

		tz_dtls_cnt[TZ_DTLS_CNT_DATAGRAM_OUT]++;
		if (!d->dying && d->state != DTLS_ST_FAILED && d->state != DTLS_ST_CLOSED)
			d->send_fn(p, n, d->user);
	}
	g_ptr_array_set_size(d->outq, 0);
}

/* Records that came after the Finished in the same job: the inline path. */
static void feed_records(struct tz_dtls *d)
{
	BIO *rbio = SSL_get_rbio(d->ssl);

	while (d->job_used < d->job_in->len && d->state == DTLS_ST_CONNECTED && !d->dying) {
		GBytes *b = g_ptr_array_index(d->job_in, d->job_used++);
		gsize n;
		const void *p = g_bytes_get_data(b, &n);

		if (BIO_ctrl_pending(rbio) > 0)
			(void)BIO_reset(rbio);
		if (BIO_write(rbio, p, (int)n) == (int)n)
			read_records(d);
	}
}

/* Control thread: act on a finished job, as do_handshake()/rtx_fire() do
 * inline. */
static void job_result(struct tz_dtls *d)
{
	bool live = d->state == DTLS_ST_HANDSHAKE;

	flush_out(d);
	if (!live || d->dying)
		goto out;	/* failed (deadline) or freed meanwhile */
	if (d->job_kind == DTLS_JOB_TIMEOUT) {
		if (d->job_rc < 0)
			fail_ssl_code(d, SSL_ERROR_SSL, d->job_ssl_err, "no answer to retransmissions");
	} else if (d->job_rc == 1) {
		handshake_done(d);
		feed_records(d);
	} else if (d->job_err != SSL_ERROR_WANT_READ && d->job_err != SSL_ERROR_WANT_WRITE) {
		fail_ssl_code(d, d->job_err, d->job_ssl_err, "handshake failed");
	}
out:
	g_ptr_array_set_size(d->job_in, 0);
}

static void pool_run(struct tz_dtls *d, enum dtls_job kind)
{
	if (d->outq == NULL) {
		d->outq = g_ptr_array_new_with_free_func(bytes_unref);
		d->job_in = g_ptr_array_new_with_free_func(bytes_unref);
	}
	while (!d->busy && !d->dying && d->state == DTLS_ST_HANDSHAKE) {
		d->job_kind = kind;
		while (!g_queue_is_empty(&d->inq))
			g_ptr_array_add(d->job_in, g_queue_pop_head(&d->inq));
		g_clear_pointer(&d->rtx_timer, source_drop);
		d->deferring = true;
		d->busy = true;
		if (tz_dtls_pool_submit(d) == 0)
			return;	/* tz_dtls_job_done() goes on */
		/* No pool (stopping): inline, same steps. */
		tz_dtls_job_run(d);
		d->busy = false;
		d->deferring = false;
		job_result(d);
		if (g_queue_is_empty(&d->inq))
			break;
		kind = DTLS_JOB_HANDSHAKE;
	}
	timer_update(d);
}

void tz_dtls_job_done(struct tz_dtls *d)
{
	tz_dtls_cnt[TZ_DTLS_CNT_POOL_JOBS]++;
	d->busy = false;
	d->deferring = false;
	if (d->dying && d->depth == 0) {
		destroy(d);	/* freed during the job: nothing is sent or reported */
		return;
	}
	enter(d);
	job_result(d);
	if (!g_queue_is_empty(&d->inq) && d->state == DTLS_ST_HANDSHAKE)
		pool_run(d, DTLS_JOB_HANDSHAKE);
	else if (!g_queue_is_empty(&d->inq) && d->state == DTLS_ST_CONNECTED) {
		/* Records that arrived while the last flight was being made. */
		while (!g_queue_is_empty(&d->inq))
			g_ptr_array_add(d->job_in, g_queue_pop_head(&d->inq));
		d->job_used = 0;
		feed_records(d);
		g_ptr_array_set_size(d->job_in, 0);
		timer_update(d);
	} else {
		timer_update(d);
	}
	leave(d);
}
