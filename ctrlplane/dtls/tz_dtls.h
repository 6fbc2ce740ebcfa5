/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DTLS-SRTP for the WebRTC leg (RFC 5763, RFC 5764, RFC 8827): OpenSSL over
 * memory BIOs, driven by the control thread's GLib main loop.
 *
 * The ICE layer owns the sockets.  It hands every received DTLS datagram
 * (RFC 7983 §7: first byte 20..63) to tz_dtls_input() and sends, unchanged,
 * every datagram this module produces through the send callback.  Nothing
 * here blocks.  Retransmission timers and the handshake deadline are GLib
 * timeouts attached to the thread-default main context of the thread that
 * called tz_dtls_new().
 *
 * The peer is authenticated only by the certificate fingerprint from its SDP
 * (RFC 8122 §5): any certificate is accepted in the handshake, self-signed or
 * expired, and its fingerprint must then equal the SDP's.
 *
 * DTLS 1.2 (RFC 6347); DTLS_method() would negotiate 1.3 with a library
 * that offers it, which OpenSSL 3.0 does not (browsers then use 1.2).
 *
 * Once connected, tz_dtls_srtp_keys() exports the SRTP master keys and salts
 * (RFC 5764 §4.2) in the form tz_srtp_ctx_create() takes.
 *
 * Threading: every function is control thread only (the thread whose main
 * context was current at tz_dtls_new()), except where noted.  A certificate
 * may be shared by any number of contexts of that thread.
 *
 * Handshake pool: after tz_dtls_pool_start(n > 0), the OpenSSL work of a
 * handshake (SSL_do_handshake(), DTLSv1_handle_timeout()) of every context
 * runs on one of n pool threads; the control thread only queues received
 * datagrams and, when a job's completion comes back to its main loop,
 * sends what OpenSSL wrote, checks the result and reports events.  The
 * API and its callbacks stay on the control thread; one context's SSL
 * object is used by one thread at a time.  Datagrams received while a job
 * runs wait (up to TZ_DTLS_POOL_QUEUE_MAX, then dropped and counted as
 * dtls_pool_queue_dropped: DTLS recovers loss).  Connected contexts read
 * records on the control thread (no pool round trip per alert).
 */
#ifndef TZ_DTLS_H
#define TZ_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "tz_srtp.h"

struct tz_dtls_cert;
struct tz_dtls;

/** Longest digest a fingerprint can carry (SHA-512). */
#define TZ_DTLS_FP_MAX 64

/** Buffer size that holds any formatted fingerprint ("sha-512 " + 64 * "XX:"). */
#define TZ_DTLS_FP_STR_MAX 200

/** Default link MTU for handshake datagrams: WebRTC's safe payload size. */
#define TZ_DTLS_MTU_DEFAULT 1200

/** Default first retransmission timeout, doubled per try (RFC 6347 §4.2.4.1). */
#define TZ_DTLS_RETRANSMIT_MS_DEFAULT 1000

/** Default deadline for a handshake, from tz_dtls_start(). */
#define TZ_DTLS_HANDSHAKE_MS_DEFAULT 30000

/**
 * A certificate fingerprint as carried by SDP a=fingerprint (RFC 8122 §5).
 */
struct tz_dtls_fingerprint {
	char algorithm[16];		/**< hash function name, lower case: "sha-256" */
	uint8_t value[TZ_DTLS_FP_MAX];	/**< the digest */
	size_t len;			/**< bytes in value */
};

/** Which DTLS role this side takes (from a=setup: active = client, RFC 5763 §5). */
enum tz_dtls_role {
	TZ_DTLS_CLIENT,
	TZ_DTLS_SERVER,
};

/** What the event callback reports. */
enum tz_dtls_event {
	TZ_DTLS_CONNECTED,	/**< handshake done, fingerprint checked, SRTP profile agreed */
	TZ_DTLS_FAILED,		/**< handshake failed or timed out; see tz_dtls_error() */
	TZ_DTLS_CLOSED,		/**< the peer sent close_notify */
};

/**
 * Send one datagram to the peer.  Called from inside tz_dtls_start(),
 * tz_dtls_input(), a timer or tz_dtls_free().  A send failure is packet
 * loss: the retransmission timer recovers.  tz_dtls_free() called from
 * here is deferred until the module returns.
 */
typedef void (*tz_dtls_send_fn)(const uint8_t *data, size_t len, void *user);

/**
 * Report a state change.  Each of CONNECTED, FAILED, CLOSED is reported at
 * most once, and nothing after FAILED or CLOSED.  The callback may call
 * tz_dtls_free() on @p d.
 */
typedef void (*tz_dtls_event_fn)(struct tz_dtls *d, enum tz_dtls_event ev, void *user);

/** Tunables; zero fields take the defaults. */
struct tz_dtls_opts {
	/**
	 * SRTP profiles in order of preference (RFC 5764 §4.1.2; a server picks
	 * the first of its list the client offers).  NULL: AEAD_AES_256_GCM,
	 * AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32.
	 */
	const enum tz_srtp_suite *suites;
	unsigned int nb_suites;		/**< entries in suites (1..TZ_SRTP_SUITE_COUNT) */
	unsigned int mtu;		/**< largest datagram sent; 0: TZ_DTLS_MTU_DEFAULT */
	unsigned int retransmit_ms;	/**< first retransmission timeout; 0: default */
	unsigned int handshake_ms;	/**< handshake deadline; 0: default */
};

/** SRTP master key and salt of one direction. */
struct tz_dtls_keys {
	uint8_t key[TZ_SRTP_MASTER_KEY_MAX];
	size_t key_len;			/**< tz_srtp_suite_key_len(suite) */
	uint8_t salt[TZ_SRTP_MASTER_SALT_MAX];
	size_t salt_len;		/**< tz_srtp_suite_salt_len(suite) */
};

/* X(enum suffix, counter name) — process-wide counters for the CLI and telemetry. */
#define TZ_DTLS_COUNTERS(X)                                   \
	X(HANDSHAKE_OK, "dtls_handshake_ok")                  \
	X(HANDSHAKE_FAILED, "dtls_handshake_failed")          \
	X(HANDSHAKE_TIMEOUT, "dtls_handshake_timeout")        \
	X(FP_MISMATCH, "dtls_fingerprint_mismatch")           \
	X(NO_SRTP_PROFILE, "dtls_no_srtp_profile")            \
	X(BAD_RECORD, "dtls_bad_record")                      \
	X(RETRANSMIT, "dtls_retransmit")                      \
	X(DATAGRAM_IN, "dtls_datagram_in")                    \
	X(DATAGRAM_OUT, "dtls_datagram_out")                  \
	X(APP_DATA_DROPPED, "dtls_app_data_dropped")          \
	X(CLOSE_NOTIFY_IN, "dtls_close_notify_in")            \
	X(POOL_JOBS, "dtls_pool_jobs")                        \
	X(POOL_QUEUE_DROPPED, "dtls_pool_queue_dropped")      \
	X(RELEASED, "dtls_released")                          \
	X(RELEASED_DROPPED, "dtls_released_dropped")

/** Index of each counter. */
enum tz_dtls_counter {
#define TZ_DTLS_COUNTER_ENUM(e, n) TZ_DTLS_CNT_##e,
	TZ_DTLS_COUNTERS(TZ_DTLS_COUNTER_ENUM)
#undef TZ_DTLS_COUNTER_ENUM
	TZ_DTLS_CNT_COUNT
};

/* ---- certificates ---- */

/**
 * Generate a fresh self-signed certificate for DTLS: ECDSA P-256 key,
 * random 127-bit serial, CN "trapeze", valid from one day ago for 30 days,
 * signed with SHA-256.
 * @return the certificate, or NULL with errno ENOMEM or EIO (OpenSSL
 *         failure, logged).
 */
struct tz_dtls_cert *tz_dtls_cert_generate(void);

/**
 * Load a certificate and its private key from PEM files (the first
 * certificate of @p cert_pem_path is used; any key type OpenSSL supports).
 * Errors are logged with the file name.
 * @return the certificate, or NULL with errno: EINVAL (NULL path, not PEM,
 *         or the key does not match the certificate), ENOMEM, or the
 *         fopen() errno (ENOENT, EACCES ...).
 */
struct tz_dtls_cert *tz_dtls_cert_load(const char *cert_pem_path, const char *key_pem_path);

/** Free a certificate.  Contexts made from it stay valid.  NULL is a no-op. */
void tz_dtls_cert_free(struct tz_dtls_cert *cert);

/**
 * SHA-256 fingerprint of @p cert as SDP a=fingerprint writes it:
 * "sha-256 AB:CD:..." (upper-case hex).
 * @return 0, -EINVAL (NULL argument) or -ENOSPC (@p len too small; 96
 *         bytes are enough, TZ_DTLS_FP_STR_MAX always).
 */
int tz_dtls_cert_fingerprint(const struct tz_dtls_cert *cert, char *out, size_t len);

/**
 * Digest of @p cert with hash @p algorithm ("sha-1", "sha-224", "sha-256",
 * "sha-384", "sha-512"; case-insensitive).
 * @return 0, -EINVAL (NULL argument) or -ENOTSUP (unknown algorithm).
 */
int tz_dtls_cert_digest(const struct tz_dtls_cert *cert, const char *algorithm,
			struct tz_dtls_fingerprint *fp);

/**
 * Parse the value of an SDP a=fingerprint attribute ("sha-256 AB:CD:...",
 * RFC 8122 §5).  Threading: any thread.
 * @return 0, -EINVAL (malformed; NULL argument) or -ENOTSUP (hash function
 *         not one of those tz_dtls_cert_digest() knows, e.g. "md5").
 */
int tz_dtls_fingerprint_parse(const char *s, struct tz_dtls_fingerprint *fp);

/**
 * Format @p fp as "sha-256 AB:CD:...".  Threading: any thread.
 * @return 0, -EINVAL or -ENOSPC.
 */
int tz_dtls_fingerprint_format(const struct tz_dtls_fingerprint *fp, char *out, size_t len);

/* ---- connections ---- */

/**
 * Make a DTLS context for one ICE component.  Nothing is sent until
 * tz_dtls_start() (or, for a server, the first tz_dtls_input()).
 * @param cert       our certificate (need not outlive the context)
 * @param role       client or server
 * @param remote_fp  the peer's fingerprint from its SDP; copied
 * @param send_fn    sends a datagram to the peer
 * @param event_fn   reports CONNECTED, FAILED, CLOSED
 * @param user       passed to both callbacks
 * @return the context, or NULL with errno: EINVAL (NULL argument, bad
 *         role, or remote_fp with an unknown algorithm or a length that
 *         does not match it), ENOMEM, EIO (OpenSSL failure, logged).
 */
struct tz_dtls *tz_dtls_new(const struct tz_dtls_cert *cert, enum tz_dtls_role role,
			    const struct tz_dtls_fingerprint *remote_fp,
			    tz_dtls_send_fn send_fn, tz_dtls_event_fn event_fn, void *user);

/**
 * Change the tunables of a context not yet started.
 * @return 0, -EINVAL (NULL, a bad suite, a repeated suite, nb_suites out of
 *         range, mtu below 256 or above 65535), -EBUSY (already started).
 */
int tz_dtls_set_opts(struct tz_dtls *d, const struct tz_dtls_opts *opts);

/**
 * Start the handshake: a client sends its ClientHello; a server waits for
 * one.  Arms the handshake deadline.  Starting twice is a no-op.
 * @return 0, -EINVAL (NULL), -ESHUTDOWN (already failed or closed).
 */
int tz_dtls_start(struct tz_dtls *d);

/**
 * Feed one received datagram.  Records that are not well-formed DTLS (bad
 * content type, version or length) are dropped whole and counted
 * (dtls_bad_record), as OpenSSL drops records that fail to decrypt.  A
 * server not yet started starts on its first datagram.  Any input is safe.
 * @return 0 (consumed, which includes "silently discarded by DTLS rules"),
 *         -EINVAL (NULL/empty), -EBADMSG (dropped as malformed),
 *         -ESHUTDOWN (the context has failed or closed; ignored),
 *         -EAGAIN (a client not yet started; ignored).
 */
int tz_dtls_input(struct tz_dtls *d, const uint8_t *data, size_t len);

/**
 * The SRTP keys of a connected context (RFC 5764 §4.2): keying material
 * from the "EXTRACTOR-dtls_srtp" exporter, split into client and server
 * write keys and salts.  @p local is what we protect with (our write key),
 * @p remote what we unprotect with.  Callers must wipe them after use with
 * tz_dtls_keys_wipe().
 * @return 0, -EINVAL (NULL argument), -ENOTCONN (not connected), -EIO.
 */
int tz_dtls_srtp_keys(struct tz_dtls *d, enum tz_srtp_suite *suite, struct tz_dtls_keys *local,
		      struct tz_dtls_keys *remote);

/**
 * Wipe exported keys (OPENSSL_cleanse: unlike memset on a buffer that is
 * not read again, the compiler may not drop it).  NULL is a no-op.
 */
void tz_dtls_keys_wipe(struct tz_dtls_keys *k);

/**
 * Why the context failed or closed ("fingerprint mismatch: SDP says sha-256
 * AB:.., peer certificate is sha-256 CD:.."), or "" while it has not.
 * The string lives as long as the context.
 */
const char *tz_dtls_error(const struct tz_dtls *d);

/** The peer certificate's fingerprint in the SDP's algorithm; 0, -EINVAL or -ENOTCONN. */
int tz_dtls_peer_fingerprint(const struct tz_dtls *d, struct tz_dtls_fingerprint *fp);

/**
 * Free the OpenSSL state of a connected context (about 70 KB: record and
 * handshake buffers, the peer certificate, cipher contexts, the retained
 * last flight) once its keys are exported and nothing needs DTLS any more.
 * What it gives up: answering a retransmitted handshake flight (call it
 * only when the peer has shown it finished, e.g. its first SRTP packet
 * arrived), reading the peer's close_notify (received datagrams are
 * dropped and counted, dtls_released_dropped; no CLOSED event) and sending
 * ours at tz_dtls_free().  tz_dtls_srtp_keys() and
 * tz_dtls_peer_fingerprint() then return -ENOTCONN.  Releasing twice is
 * a no-op.
 * @return 0, -EINVAL (NULL) or -EBUSY (not connected, or inside one of
 *         its callbacks).
 */
int tz_dtls_release(struct tz_dtls *d);

/** Bytes of one context's own struct (memory accounting).  Any thread. */
size_t tz_dtls_sizeof(void);

/** Role of a context (TZ_DTLS_CLIENT for NULL). */
enum tz_dtls_role tz_dtls_role(const struct tz_dtls *d);

/**
 * Free a context: sends close_notify if connected (through send_fn, the
 * only callback that runs from here), removes its timers.  Called from inside one of this context's
 * callbacks, the free happens when the module returns.  NULL is a no-op.
 */
void tz_dtls_free(struct tz_dtls *d);

/* ---- handshake pool ---- */

/** Datagrams one context queues while its handshake job runs. */
#define TZ_DTLS_POOL_QUEUE_MAX 16

/**
 * Start the handshake pool with @p nb_threads threads (0: no pool, every
 * handshake runs inline on the control thread, as before).  Call once,
 * from the control thread, before the first tz_dtls_new().
 * @return 0, -EALREADY (running), -EINVAL (more than 256 threads) or
 *         -EAGAIN (threads could not be made).
 */
int tz_dtls_pool_start(unsigned int nb_threads);

/**
 * Stop the pool: wait for the jobs queued or running, then run their
 * completions on the calling (control) thread's main context, so contexts
 * freed during a handshake are released.  Later handshakes run inline.
 * No-op without a pool.
 */
void tz_dtls_pool_stop(void);

/** Threads of the running pool, 0 without one.  Threading: any thread. */
unsigned int tz_dtls_pool_threads(void);

/**
 * Jobs queued, running, or done but whose completion has not yet run on
 * its main context (a context freed meanwhile is released by that
 * completion).  Threading: any thread.
 */
unsigned int tz_dtls_pool_in_flight(void);

/* ---- counters ---- */

/**
 * Read the process-wide counters into @p out (TZ_DTLS_CNT_COUNT entries).
 * Threading: control thread (the only writer); the values are plain loads.
 */
void tz_dtls_counters(uint64_t out[TZ_DTLS_CNT_COUNT]);

/** Counter name ("dtls_bad_record"), "?" if out of range.  Threading: any thread. */
const char *tz_dtls_counter_name(unsigned int idx);

/** Name of an event ("connected"), "?" if out of range.  Threading: any thread. */
const char *tz_dtls_event_name(enum tz_dtls_event ev);

#endif /* TZ_DTLS_H */
