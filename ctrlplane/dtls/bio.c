/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The write side of a connection: a BIO that hands every write to the
 * context's send_fn as one datagram.  OpenSSL's DTLS layer packs the
 * records of a flight (handshake fragments sized to the MTU) into a
 * buffering BIO and flushes it once per datagram, or writes a record at a
 * time, so each write here is one datagram no larger than the MTU.  A
 * memory BIO would concatenate the datagrams of a flight.
 */
#include <openssl/bio.h>

#include "dtls_pvt.h"

static BIO_METHOD *sink_method;

static int sink_write(BIO *b, const char *data, int len)
{
	struct tz_dtls *d = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	if (d != NULL && d->deferring) {
		/* A pool thread: the control thread sends it (and counts it). */
		g_ptr_array_add(d->outq, g_bytes_new(data, (gsize)len));
		return len;
	}
	tz_dtls_cnt[TZ_DTLS_CNT_DATAGRAM_OUT]++;
	if (d != NULL && !d->dying && d->send_fn != NULL)
		d->send_fn((const uint8_t *)data, (size_t)len, d->user);
	return len;	/* a failed send is packet loss, not a BIO error */
}

static long sink_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return TZ_DTLS_MTU_DEFAULT;
	default:
		/* Includes WPENDING/PENDING (nothing buffered), MTU overhead (0:
		 * the MTU we set is the datagram payload) and peer queries. */
		return 0;
	}
}

static int sink_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static gpointer method_init(gpointer unused)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "tz_dtls_sink");

	if (m == NULL)
		return NULL;
	BIO_meth_set_write(m, sink_write);
	BIO_meth_set_ctrl(m, sink_ctrl);
	BIO_meth_set_create(m, sink_create);
	return m;
}

BIO *tz_dtls_sink_bio_new(struct tz_dtls *d)
{
	static GOnce once = G_ONCE_INIT;
	BIO *b;

	sink_method = g_once(&once, method_init, NULL);
	if (sink_method == NULL)
		return NULL;
	b = BIO_new(sink_method);
	if (b != NULL)
		BIO_set_data(b, d);
	return b;
}
