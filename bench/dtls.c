/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench dtls: the gateway's side of DTLS-SRTP (ctrlplane/dtls, as
 * the daemon configures it: a generated ECDSA P-256 certificate, default
 * SRTP profiles, server role as browsers' a=setup:actpass makes it)
 * against an in-process OpenSSL client shaped like a browser (ECDSA
 * P-256, X25519, use_srtp AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80),
 * over memory: no sockets, no ICE.
 *
 *   inline, T threads   each thread runs whole handshakes one after the
 *                       other, client and server (the server through the
 *                       public API, no pool): server CPU us per handshake
 *                       (thread CPU time inside the server's calls),
 *                       client CPU, and handshakes/s of all threads;
 *   pool, P threads     the control thread's view with the pool on: one
 *                       GLib loop drives --window handshakes at a time,
 *                       the server's OpenSSL work runs on P pool threads;
 *                       the loop's CPU per handshake without the client's.
 *
 * Memory: live heap bytes (OpenSSL's allocations, counted through
 * CRYPTO_set_mem_functions) of one server context before and after its
 * handshake, measured over --mem contexts held at once.
 *
 * It measures and reports; it never fails on time.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bench.h"
#include "tz_dtls.h"
#include "tz_log.h"

#define CLIENT_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
#define MAX_DGRAMS 16

static const char usage[] =
"Usage: trapeze-bench dtls [OPTION]...\n"
"The gateway's DTLS server side against in-process browser-like clients over\n"
"memory: handshakes/s and CPU us per handshake, inline on 1..T threads and\n"
"with the handshake pool; live bytes of one context before/after its handshake.\n"
"  -n, --handshakes N   handshakes per measurement (default 400)\n"
"  -t, --threads T      inline runs on 1 and T threads (default 2)\n"
"  -p, --pool P         pool run with P pool threads (default 1; 0: skip)\n"
"  -w, --window W       handshakes in flight in the pool run (default 32)\n"
"  -m, --mem M          contexts held for the memory figure (default 200)\n"
"  -j, --json FILE      also write the results as JSON\n"
"  -q, --quiet          no progress on stderr\n";

struct opts {
	unsigned handshakes, threads, pool, window, mem;
	const char *json;
	bool quiet;
};

/* ---- heap accounting (OpenSSL's allocations) ---- */

static gint64 live_bytes;

struct hdr {
	size_t n;
	size_t pad;	/* keeps 16-byte alignment */
};

static void *mem_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	(void)file;
	(void)line;
	if (h == NULL)
		return NULL;
	h->n = n;
	__atomic_add_fetch(&live_bytes, (gint64)n, __ATOMIC_RELAXED);
	return h + 1;
}

static void mem_free(void *p, const char *file, int line)
{
	struct hdr *h;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	__atomic_sub_fetch(&live_bytes, (gint64)h->n, __ATOMIC_RELAXED);
	free(h);
}

static void *mem_realloc(void *p, size_t n, const char *file, int line)
{
	struct hdr *h, *nh;
	size_t old;

	if (p == NULL)
		return mem_malloc(n, file, line);
	h = (struct hdr *)p - 1;
	old = h->n;
	nh = realloc(h, sizeof(*nh) + n);
	if (nh == NULL)
		return NULL;
	nh->n = n;
	__atomic_add_fetch(&live_bytes, (gint64)n - (gint64)old, __ATOMIC_RELAXED);
	return nh + 1;
}

static gint64 live(void)
{
	return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
}

/* ---- the browser-like client ---- */

struct client_env {
	SSL_CTX *ctx;
	struct tz_dtls_fingerprint fp;	/* of its certificate, for the server */
	struct tz_dtls_cert *server_cert;
};

static int client_env_init(struct client_env *e)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	unsigned int n = 0;
	int rc = -EIO;

	if (key == NULL || x == NULL)
		goto out;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 30);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"bench-browser", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto out;
	e->ctx = SSL_CTX_new(DTLS_client_method());
	if (e->ctx == NULL || SSL_CTX_use_certificate(e->ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(e->ctx, key) != 1 ||
	    SSL_CTX_set1_groups_list(e->ctx, "X25519:P-256") != 1 ||
	    SSL_CTX_set_tlsext_use_srtp(e->ctx, CLIENT_PROFILES) != 0)
		goto out;
	SSL_CTX_set_verify(e->ctx, SSL_VERIFY_NONE, NULL);	/* fingerprint: not measured */
	SSL_CTX_set_options(e->ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
	snprintf(e->fp.algorithm, sizeof(e->fp.algorithm), "sha-256");
	if (X509_digest(x, EVP_sha256(), e->fp.value, &n) != 1)
		goto out;
	e->fp.len = n;
	e->server_cert = tz_dtls_cert_generate();	/* what the daemon does */
	rc = e->server_cert != NULL ? 0 : -EIO;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* One handshake in flight: its client SSL and our server context. */
struct pair {
	SSL *c;
	BIO *c_in, *c_out;		/* memory BIOs of the client */
	struct tz_dtls *s;
	GBytes *s_out[MAX_DGRAMS];	/* what the server sent, for the client */
	unsigned int n_s_out;
	bool s_connected, s_failed, c_done;
	double c_cpu_us;		/* client CPU spent on this pair */
	struct pair *next_dirty;
	bool dirty;
	bool closing;			/* pair_free(): the close_notify is not for the client */
};

static __thread struct pair *dirty_list;

static double thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void mark_dirty(struct pair *p)
{
	if (p->dirty)
		return;
	p->dirty = true;
	p->next_dirty = dirty_list;
	dirty_list = p;
}

static void s_send(const uint8_t *data, size_t len, void *user)
{
	struct pair *p = user;

	if (p->closing)
		return;
	if (p->n_s_out < MAX_DGRAMS)
		p->s_out[p->n_s_out++] = g_bytes_new(data, len);
	mark_dirty(p);
}

static void s_event(struct tz_dtls *d, enum tz_dtls_event ev, void *user)
{
	struct pair *p = user;

	(void)d;
	if (ev == TZ_DTLS_CONNECTED)
		p->s_connected = true;
	else
		p->s_failed = true;
	mark_dirty(p);
}

static int pair_new(struct pair *p, const struct client_env *e)
{
	memset(p, 0, sizeof(*p));
	p->s = tz_dtls_new(e->server_cert, TZ_DTLS_SERVER, &e->fp, s_send, s_event, p);
	p->c = SSL_new(e->ctx);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	if (p->s == NULL || p->c == NULL || p->c_in == NULL || p->c_out == NULL)
		return -ENOMEM;
	BIO_set_mem_eof_return(p->c_in, -1);
	SSL_set_bio(p->c, p->c_in, p->c_out);
	DTLS_set_link_mtu(p->c, 1200);
	SSL_set_connect_state(p->c);
	return tz_dtls_start(p->s);
}

static void pair_free(struct pair *p)
{
	for (unsigned int i = 0; i < p->n_s_out; i++)
		g_bytes_unref(p->s_out[i]);
	p->n_s_out = 0;
	p->closing = true;
	tz_dtls_free(p->s);
	SSL_free(p->c);
	p->s = NULL;
	p->c = NULL;
}

/* Client: take what the server sent, run the handshake, return what it
 * wrote (the memory BIO holds a flight's datagrams back to back; DTLS
 * records are self-delimiting, so they go to the server as one). */
static GBytes *client_step(struct pair *p)
{
	double t0 = thread_cpu_us();
	char *buf;
	long n;
	GBytes *out = NULL;

	for (unsigned int i = 0; i < p->n_s_out; i++) {
		gsize len;
		const void *d = g_bytes_get_data(p->s_out[i], &len);

		BIO_write(p->c_in, d, (int)len);
		g_bytes_unref(p->s_out[i]);
		if (SSL_do_handshake(p->c) == 1)
			p->c_done = true;
		ERR_clear_error();
	}
	if (p->n_s_out == 0 && SSL_do_handshake(p->c) == 1)
		p->c_done = true;
	ERR_clear_error();
	p->n_s_out = 0;
	n = BIO_get_mem_data(p->c_out, &buf);
	if (n > 0)
		out = g_bytes_new(buf, (gsize)n);
	(void)BIO_reset(p->c_out);
	p->c_cpu_us += thread_cpu_us() - t0;
	return out;
}

/* Split a flight of back-to-back records into datagrams of up to 1200
 * bytes at record boundaries, as the client's socket would send them. */
static void to_server(struct pair *p, GBytes *flight, double *s_cpu_us)
{
	gsize len;
	const uint8_t *d = g_bytes_get_data(flight, &len);
	size_t off = 0;

	while (off < len) {
		size_t end = off;
		double t0;

		while (end + 13 <= len) {
			size_t rl = 13 + ((size_t)d[end + 11] << 8 | d[end + 12]);

			if (end > off && end + rl - off > 1200)
				break;
			end += rl;
		}
		if (end == off)
			end = len;
		t0 = thread_cpu_us();
		tz_dtls_input(p->s, d + off, end - off);
		if (s_cpu_us != NULL)
			*s_cpu_us += thread_cpu_us() - t0;
		off = end;
	}
}

/* ---- inline: whole handshakes on each of T threads ---- */

struct inline_run {
	const struct client_env *e;
	unsigned int n;
	double s_cpu_us, c_cpu_us;	/* sums */
	unsigned int ok, failed;
};

static gpointer inline_thread(gpointer data)
{
	struct inline_run *r = data;
	GMainContext *ctx = g_main_context_new();	/* the contexts' timers, never run */

	g_main_context_push_thread_default(ctx);
	for (unsigned int i = 0; i < r->n; i++) {
		struct pair p;
		double t0;

		t0 = thread_cpu_us();
		if (pair_new(&p, r->e) != 0) {
			r->failed++;
			pair_free(&p);
			continue;
		}
		r->s_cpu_us += thread_cpu_us() - t0;
		for (int round = 0; round < 8 && !(p.s_connected && p.c_done) && !p.s_failed; round++) {
			GBytes *f = client_step(&p);

			if (f != NULL) {
				to_server(&p, f, &r->s_cpu_us);
				g_bytes_unref(f);
			}
		}
		if (p.n_s_out > 0)
			g_bytes_unref(client_step(&p));	/* the server's Finished */
		if (p.s_connected && p.c_done) {
			enum tz_srtp_suite suite;
			struct tz_dtls_keys l, rk;

			t0 = thread_cpu_us();
			if (tz_dtls_srtp_keys(p.s, &suite, &l, &rk) == 0)
				r->ok++;
			else
				r->failed++;
			tz_dtls_keys_wipe(&l);
			tz_dtls_keys_wipe(&rk);
			p.closing = true;
			tz_dtls_free(p.s);
			p.s = NULL;
			r->s_cpu_us += thread_cpu_us() - t0;
		} else {
			r->failed++;
		}
		r->c_cpu_us += p.c_cpu_us;
		pair_free(&p);
	}
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	return NULL;
}

struct inline_result {
	unsigned int threads, ok, failed;
	double wall_s, hs_per_s, server_us, client_us;
};

static void run_inline(const struct client_env *e, unsigned int threads, unsigned int n,
		       struct inline_result *out)
{
	struct inline_run *runs = g_new0(struct inline_run, threads);
	GThread **th = g_new0(GThread *, threads);
	gint64 t0 = g_get_monotonic_time();

	for (unsigned int i = 0; i < threads; i++) {
		runs[i] = (struct inline_run){ .e = e, .n = n / threads };
		th[i] = g_thread_new("bench-dtls", inline_thread, &runs[i]);
	}
	*out = (struct inline_result){ .threads = threads };
	for (unsigned int i = 0; i < threads; i++) {
		g_thread_join(th[i]);
		out->ok += runs[i].ok;
		out->failed += runs[i].failed;
		out->server_us += runs[i].s_cpu_us;
		out->client_us += runs[i].c_cpu_us;
	}
	out->wall_s = (double)(g_get_monotonic_time() - t0) / 1e6;
	out->hs_per_s = out->ok / out->wall_s;
	if (out->ok > 0) {
		out->server_us /= out->ok;
		out->client_us /= out->ok;
	}
	g_free(runs);
	g_free(th);
}

/* ---- pool: the control loop's view ---- */

struct pool_result {
	unsigned int pool, window, ok, failed;
	double wall_s, hs_per_s, loop_us, client_us;
};

static void run_pool(const struct client_env *e, unsigned int pool, unsigned int window,
		     unsigned int n, struct pool_result *out)
{
	struct pair *pairs = g_new0(struct pair, window);
	unsigned int started = 0, finished = 0;
	double c_us = 0, cpu0;
	gint64 t0;

	*out = (struct pool_result){ .pool = pool, .window = window };
	dirty_list = NULL;
	if (tz_dtls_pool_start(pool) != 0) {
		g_free(pairs);
		return;
	}
	t0 = g_get_monotonic_time();
	cpu0 = thread_cpu_us();
	for (unsigned int i = 0; i < window && started < n; i++, started++) {
		if (pair_new(&pairs[i], e) != 0)
			pairs[i].s_failed = true;
		mark_dirty(&pairs[i]);
	}
	while (finished < n) {
		struct pair *p;

		if (dirty_list == NULL)
			g_main_context_iteration(NULL, TRUE);
		while ((p = dirty_list) != NULL) {
			GBytes *f;

			dirty_list = p->next_dirty;
			p->dirty = false;
			if (p->s == NULL)
				continue;
			f = p->s_failed ? NULL : client_step(p);
			if (f != NULL) {
				to_server(p, f, NULL);
				g_bytes_unref(f);
			}
			if (!(p->s_failed || (p->s_connected && p->c_done)))
				continue;
			if (p->s_connected && p->c_done)
				out->ok++;
			else
				out->failed++;
			finished++;
			c_us += p->c_cpu_us;
			pair_free(p);
			if (started < n) {
				started++;
				if (pair_new(p, e) != 0)
					p->s_failed = true;
				mark_dirty(p);
			}
		}
	}
	out->wall_s = (double)(g_get_monotonic_time() - t0) / 1e6;
	out->hs_per_s = out->ok / out->wall_s;
	out->loop_us = (thread_cpu_us() - cpu0 - c_us) / (out->ok ? out->ok : 1);
	out->client_us = c_us / (out->ok ? out->ok : 1);
	tz_dtls_pool_stop();
	g_free(pairs);
}

/* ---- memory: live OpenSSL bytes of one server context ---- */

struct mem_result {
	unsigned int n;
	double fresh, connected, released;	/* bytes per server context */
};

/* Server contexts first (their bytes before any handshake), then the
 * clients, the handshakes, and the clients freed: what stays is the
 * servers' state once connected. */
static void run_mem(const struct client_env *e, unsigned int m, struct mem_result *out)
{
	struct pair *pairs = g_new0(struct pair, m);
	GMainContext *ctx = g_main_context_new();
	gint64 base, fresh;

	g_main_context_push_thread_default(ctx);
	base = live();
	for (unsigned int i = 0; i < m; i++)
		pairs[i].s = tz_dtls_new(e->server_cert, TZ_DTLS_SERVER, &e->fp, s_send, s_event,
					 &pairs[i]);
	fresh = live();
	for (unsigned int i = 0; i < m; i++) {
		struct pair *p = &pairs[i];

		p->c = SSL_new(e->ctx);
		p->c_in = BIO_new(BIO_s_mem());
		p->c_out = BIO_new(BIO_s_mem());
		BIO_set_mem_eof_return(p->c_in, -1);
		SSL_set_bio(p->c, p->c_in, p->c_out);
		DTLS_set_link_mtu(p->c, 1200);
		SSL_set_connect_state(p->c);
		tz_dtls_start(p->s);
		for (int round = 0; round < 8 && !(p->s_connected && p->c_done); round++) {
			GBytes *f = client_step(p);

			if (f != NULL) {
				to_server(p, f, NULL);
				g_bytes_unref(f);
			}
		}
		if (p->n_s_out > 0)
			g_bytes_unref(client_step(p));
		SSL_free(p->c);
		p->c = NULL;
	}
	out->n = m;
	out->fresh = (double)(fresh - base) / m;
	out->connected = (double)(live() - base) / m;
	for (unsigned int i = 0; i < m; i++)
		tz_dtls_release(pairs[i].s);
	out->released = (double)(live() - base) / m;
	for (unsigned int i = 0; i < m; i++)
		pair_free(&pairs[i]);
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	g_free(pairs);
	dirty_list = NULL;
}

/* ---- main ---- */

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "handshakes", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "pool", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "mem", required_argument, NULL, 'm' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .handshakes = 400, .threads = 2, .pool = 1, .window = 32, .mem = 200 };
	while ((c = getopt_long(argc, argv, "n:t:p:w:m:j:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o->handshakes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': o->threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': o->pool = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': o->window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': o->mem = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'j': o->json = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -EINVAL;
		}
	}
	if (o->handshakes == 0 || o->threads == 0 || o->threads > 64 || o->window == 0 ||
	    o->mem == 0) {
		fputs("trapeze-bench dtls: handshakes, threads (1..64), window and mem must be > 0\n",
		      stderr);
		return -EINVAL;
	}
	return 0;
}

static void print_inline(FILE *f, const struct inline_result *r)
{
	fprintf(f, "inline, %u thread%s      %4u ok %u failed  %7.0f handshakes/s  server %6.0f us"
		"  client %6.0f us CPU per handshake\n", r->threads, r->threads == 1 ? " " : "s",
		r->ok, r->failed, r->hs_per_s, r->server_us, r->client_us);
}

int bench_dtls_main(int argc, char **argv)
{
	struct inline_result in1, inT;
	struct pool_result pr = { 0 };
	struct mem_result mr;
	struct client_env e = { 0 };
	struct opts o;
	FILE *j;

	if (parse(argc, argv, &o) != 0)
		return 2;
	tz_log_set_level("cp.dtls", tz_log_level_parse("warning"));
	CRYPTO_set_mem_functions(mem_malloc, mem_realloc, mem_free);
	if (client_env_init(&e) != 0) {
		fputs("trapeze-bench dtls: cannot set up OpenSSL\n", stderr);
		return 1;
	}
	bench_progress(o.quiet, "inline, 1 thread ...");
	run_inline(&e, 1, o.handshakes, &in1);
	bench_progress(o.quiet, "inline, %u threads ...", o.threads);
	run_inline(&e, o.threads, o.handshakes, &inT);
	if (o.pool > 0) {
		bench_progress(o.quiet, "pool of %u ...", o.pool);
		run_pool(&e, o.pool, o.window, o.handshakes, &pr);
	}
	bench_progress(o.quiet, "memory ...");
	run_mem(&e, o.mem, &mr);
	bench_progress(o.quiet, "%s", "");
	printf("DTLS 1.2 server side (ctrlplane/dtls), ECDSA P-256, browser-like client in process\n");
	print_inline(stdout, &in1);
	print_inline(stdout, &inT);
	printf("scaling 1 -> %u threads    %.2fx handshakes/s (%u online cores)\n", o.threads,
	       inT.hs_per_s / in1.hs_per_s, g_get_num_processors());
	if (o.pool > 0)
		printf("pool of %u, %u in flight   %4u ok %u failed  %7.0f handshakes/s  control loop "
		       "%5.0f us CPU per handshake (client's excluded; server's OpenSSL on the pool)\n",
		       pr.pool, pr.window, pr.ok, pr.failed, pr.hs_per_s, pr.loop_us);
	printf("server context memory     %.0f bytes new, %.0f bytes connected, %.0f after "
	       "tz_dtls_release() (OpenSSL heap, %u held; + %zu bytes of struct tz_dtls)\n",
	       mr.fresh, mr.connected, mr.released, mr.n, tz_dtls_sizeof());
	if (o.json == NULL)
		return 0;
	j = fopen(o.json, "w");
	if (j == NULL) {
		fprintf(stderr, "trapeze-bench: cannot write %s\n", o.json);
		return 1;
	}
	fprintf(j, "{\n  \"bench\": \"dtls\",\n  \"handshakes\": %u,\n  \"online_cores\": %u,\n"
		"  \"inline\": [\n", o.handshakes, g_get_num_processors());
	for (int i = 0; i < 2; i++) {
		const struct inline_result *r = i == 0 ? &in1 : &inT;

		fprintf(j, "    {\"threads\": %u, \"ok\": %u, \"failed\": %u, \"handshakes_per_s\": %.1f,"
			" \"server_cpu_us\": %.1f, \"client_cpu_us\": %.1f}%s\n", r->threads, r->ok,
			r->failed, r->hs_per_s, r->server_us, r->client_us, i == 0 ? "," : "");
	}
	fprintf(j, "  ],\n  \"pool\": {\"threads\": %u, \"window\": %u, \"ok\": %u, \"failed\": %u,"
		" \"handshakes_per_s\": %.1f, \"loop_cpu_us\": %.1f},\n"
		"  \"server_context_bytes_new\": %.0f,\n"
		"  \"server_context_bytes_connected\": %.0f,\n"
		"  \"server_context_bytes_released\": %.0f,\n  \"struct_tz_dtls_bytes\": %zu\n}\n",
		pr.pool, pr.window, pr.ok, pr.failed, pr.hs_per_s, pr.loop_us, mr.fresh,
		mr.connected, mr.released, tz_dtls_sizeof());
	return fclose(j) == 0 ? 0 : 1;
}
