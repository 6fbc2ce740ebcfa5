/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dtls_test_util.h"

struct delivery {
	struct dtls_side *to;
	size_t len;
	uint8_t data[];
};

static void count_fragments(struct dtls_side *side, const uint8_t *p, size_t len)
{
	/* Plaintext handshake records, several per datagram. */
	while (len >= 13) {
		size_t rlen = (size_t)p[11] << 8 | p[12];

		if (rlen > len - 13)
			return;
		if (p[0] == 22 && p[3] == 0 && p[4] == 0 && rlen >= 12) {
			const uint8_t *h = p + 13;
			uint32_t msg_len = (uint32_t)h[1] << 16 | h[2] << 8 | h[3];
			uint32_t frag_len = (uint32_t)h[9] << 16 | h[10] << 8 | h[11];

			if (frag_len < msg_len)
				side->hs_fragments++;
		}
		p += 13 + rlen;
		len -= 13 + rlen;
	}
}

static void feed_garbage(struct dtls_side *to, const struct delivery *real, GRand *r)
{
	uint8_t buf[512];

	for (unsigned int i = 0; i < to->garbage_per_datagram && to->d != NULL; i++) {
		size_t n;

		switch (i % 3) {
		case 0:		/* random bytes that pass the RFC 7983 demux */
			n = (size_t)g_rand_int_range(r, 1, sizeof(buf));
			for (size_t k = 0; k < n; k++)
				buf[k] = (uint8_t)g_rand_int(r);
			buf[0] = (uint8_t)g_rand_int_range(r, 20, 64);
			break;
		case 1:		/* the real datagram, truncated */
			n = real->len > 1 ? MIN(real->len - 1, sizeof(buf)) : 1;
			memcpy(buf, real->data, n);
			break;
		default:	/* the real header, a length beyond the datagram */
			n = MIN(real->len, sizeof(buf));
			memcpy(buf, real->data, n);
			if (n >= 13) {
				buf[11] = 0xff;
				buf[12] = 0xff;
			}
			break;
		}
		tz_dtls_input(to->d, buf, n);
	}
}

static gboolean deliver(gpointer data)
{
	struct delivery *m = data;
	struct dtls_side *to = m->to;

	if (to->d != NULL)
		feed_garbage(to, m, to->pair->rand);
	if (to->d != NULL)
		tz_dtls_input(to->d, m->data, m->len);
	g_free(m);
	return G_SOURCE_REMOVE;
}

static void side_send(const uint8_t *data, size_t len, void *user)
{
	struct dtls_side *side = user;
	unsigned int idx = side->sent++;
	struct delivery *m;
	GSource *src;

	side->max_len = MAX(side->max_len, len);
	count_fragments(side, data, len);
	if (side->drop_all || (idx < 64 && (side->drop_mask >> idx) & 1)) {
		side->dropped++;
		return;
	}
	m = g_malloc(sizeof(*m) + len);
	m->to = side->peer;
	m->len = len;
	memcpy(m->data, data, len);
	/* Like a socket source: on the thread-default context. */
	src = g_idle_source_new();
	g_source_set_callback(src, deliver, m, NULL);
	g_source_attach(src, g_main_context_get_thread_default());
	g_source_unref(src);
}

static void side_event(struct tz_dtls *d, enum tz_dtls_event ev, void *user)
{
	struct dtls_side *side = user;

	assert_ptr_equal(d, side->d);
	side->events[ev]++;
	side->nb_events++;
	if (ev == TZ_DTLS_CONNECTED && side->free_on_connected) {
		tz_dtls_free(d);
		side->d = NULL;
	}
}

static void side_init(struct dtls_pair *p, struct dtls_side *side, struct dtls_side *peer,
		      const char *name)
{
	memset(side, 0, sizeof(*side));
	side->pair = p;
	side->peer = peer;
	side->name = name;
}

void dtls_pair_setup(struct dtls_pair *p, const struct tz_dtls_cert *ccert,
		     const struct tz_dtls_cert *scert, const struct tz_dtls_fingerprint *c_expects,
		     const struct tz_dtls_fingerprint *s_expects)
{
	struct tz_dtls_fingerprint cfp, sfp;

	side_init(p, &p->c, &p->s, "client");
	side_init(p, &p->s, &p->c, "server");
	p->rand = g_rand_new_with_seed(7983);
	assert_int_equal(tz_dtls_cert_digest(ccert, "sha-256", &cfp), 0);
	assert_int_equal(tz_dtls_cert_digest(scert, "sha-256", &sfp), 0);
	p->c.d = tz_dtls_new(ccert, TZ_DTLS_CLIENT, c_expects ? c_expects : &sfp, side_send,
			     side_event, &p->c);
	p->s.d = tz_dtls_new(scert, TZ_DTLS_SERVER, s_expects ? s_expects : &cfp, side_send,
			     side_event, &p->s);
	assert_non_null(p->c.d);
	assert_non_null(p->s.d);
}

static bool both_had_event(struct dtls_pair *p)
{
	return p->c.nb_events > 0 && p->s.nb_events > 0;
}

static gboolean on_deadline(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

static GSource *deadline_new(unsigned int timeout_ms, bool *expired)
{
	GSource *src = g_timeout_source_new(timeout_ms);

	g_source_set_callback(src, on_deadline, expired, NULL);
	g_source_attach(src, g_main_context_get_thread_default());
	return src;
}

static void deadline_free(GSource *src)
{
	g_source_destroy(src);
	g_source_unref(src);
}

bool dtls_pair_run(struct dtls_pair *p, bool (*done)(struct dtls_pair *), unsigned int timeout_ms)
{
	assert_int_equal(tz_dtls_start(p->s.d), 0);
	assert_int_equal(tz_dtls_start(p->c.d), 0);
	return dtls_pair_loop(p, done, timeout_ms);
}

bool dtls_pair_loop(struct dtls_pair *p, bool (*done)(struct dtls_pair *), unsigned int timeout_ms)
{
	GMainContext *ctx = g_main_context_get_thread_default();
	bool expired = false;
	GSource *deadline;

	if (done == NULL)
		done = both_had_event;
	deadline = deadline_new(timeout_ms, &expired);
	while (!done(p) && !expired)
		g_main_context_iteration(ctx, TRUE);
	deadline_free(deadline);
	return done(p);
}

bool dtls_run_until(const volatile bool *flag, unsigned int timeout_ms)
{
	GMainContext *ctx = g_main_context_get_thread_default();
	bool expired = false;
	GSource *deadline = deadline_new(timeout_ms, &expired);

	while (!*flag && !expired)
		g_main_context_iteration(ctx, TRUE);
	deadline_free(deadline);
	return *flag;
}

void dtls_pair_teardown(struct dtls_pair *p)
{
	tz_dtls_free(p->c.d);
	p->c.d = NULL;
	tz_dtls_free(p->s.d);
	p->s.d = NULL;
	/* A context freed during a pool job is released by the job's
	 * completion, which comes to this context when the job ends. */
	while (tz_dtls_pool_in_flight() > 0)
		g_main_context_iteration(g_main_context_get_thread_default(), TRUE);
	while (g_main_context_pending(g_main_context_get_thread_default()))
		g_main_context_iteration(g_main_context_get_thread_default(), FALSE);
	g_clear_pointer(&p->rand, g_rand_free);
}

uint64_t dtls_counter(unsigned int idx)
{
	uint64_t c[TZ_DTLS_CNT_COUNT];

	tz_dtls_counters(c);
	return c[idx];
}

static void add_san(X509 *x, size_t san_bytes)
{
	GString *s = g_string_new(NULL);
	X509_EXTENSION *ext;

	for (unsigned int i = 0; s->len < san_bytes; i++)
		g_string_append_printf(s, "%sDNS:host%04u.a-rather-long-label-to-fill-the-cert.example",
				       i ? "," : "", i);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, s->str);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	g_string_free(s, TRUE);
}

static void write_file(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (x != NULL)
		assert_int_equal(PEM_write_X509(f, x), 1);
	else
		assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

void dtls_write_pem(const char *dir, const char *stem, size_t san_bytes, char **cert_path,
		    char **key_path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(key);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), g_random_int() | 1), 1);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)stem, -1,
				   -1, 0);
	X509_set_issuer_name(x, name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	if (san_bytes > 0)
		add_san(x, san_bytes);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	*cert_path = g_strdup_printf("%s/%s.crt", dir, stem);
	*key_path = g_strdup_printf("%s/%s.key", dir, stem);
	write_file(*cert_path, x, NULL);
	write_file(*key_path, NULL, key);
	X509_free(x);
	EVP_PKEY_free(key);
}
