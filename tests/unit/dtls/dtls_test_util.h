/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for ctrlplane/dtls: two contexts wired back to back through
 * the GLib main loop (each datagram is delivered from an idle callback, as
 * a socket would), with loss, garbage injection and per-datagram stats; and
 * PEM certificate files written with OpenSSL.
 */
#ifndef DTLS_TEST_UTIL_H
#define DTLS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "tz_dtls.h"

struct dtls_pair;

struct dtls_side {
	struct dtls_pair *pair;
	struct dtls_side *peer;
	struct tz_dtls *d;
	const char *name;
	unsigned int events[3];		/* per enum tz_dtls_event */
	unsigned int nb_events;
	uint64_t drop_mask;		/* drop the i-th datagram this side sends (i < 64) */
	bool drop_all;
	unsigned int sent;		/* datagrams this side sent */
	unsigned int dropped;
	size_t max_len;			/* longest datagram sent */
	unsigned int hs_fragments;	/* handshake fragments shorter than their message */
	unsigned int garbage_per_datagram; /* garbage datagrams fed to it before each real one */
	bool free_on_connected;		/* call tz_dtls_free() from the CONNECTED callback */
};

struct dtls_pair {
	struct dtls_side c;		/* TZ_DTLS_CLIENT */
	struct dtls_side s;		/* TZ_DTLS_SERVER */
	GRand *rand;
};

/**
 * Make both contexts.  @p c_expects / @p s_expects: the fingerprint each
 * side is told to expect; NULL means the other side's real one (sha-256).
 */
void dtls_pair_setup(struct dtls_pair *p, const struct tz_dtls_cert *ccert,
		     const struct tz_dtls_cert *scert, const struct tz_dtls_fingerprint *c_expects,
		     const struct tz_dtls_fingerprint *s_expects);

/** Start both, run the main loop until @p done (NULL: both sides had an event) or timeout. */
bool dtls_pair_run(struct dtls_pair *p, bool (*done)(struct dtls_pair *), unsigned int timeout_ms);

/** Run the main loop only (no start) until @p done or timeout. */
bool dtls_pair_loop(struct dtls_pair *p, bool (*done)(struct dtls_pair *), unsigned int timeout_ms);

/** Free what is left and drain pending deliveries. */
void dtls_pair_teardown(struct dtls_pair *p);

/** Run the default main context until @p flag is true or @p timeout_ms passes. */
bool dtls_run_until(const volatile bool *flag, unsigned int timeout_ms);

/** Counter delta helper: value of counter @p idx now. */
uint64_t dtls_counter(unsigned int idx);

/**
 * Write a self-signed ECDSA P-256 certificate and key to DIR/STEM.crt and
 * DIR/STEM.key.  @p san_bytes > 0 adds a subjectAltName at least that long
 * (to make the Certificate message bigger than an MTU).  Paths are
 * g_free()d by the caller.
 */
void dtls_write_pem(const char *dir, const char *stem, size_t san_bytes, char **cert_path,
		    char **key_path);

#endif /* DTLS_TEST_UTIL_H */
