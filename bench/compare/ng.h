/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A client of rtpengine's NG control protocol (bencoded dictionaries over
 * UDP, "<cookie> <bencoded dict>"), enough for bench/compare: bridge one
 * WebRTC offer (ICE + DTLS-SRTP, as the load client makes it) to plain
 * RTP/AVP towards a fixed peer, and delete it again.
 *
 * The bencode codec (ng_bencode_*) is a parser of untrusted input: it has a
 * fuzz harness (tests/fuzz/ng) and never reads past its buffer.
 */
#ifndef TZ_BENCH_NG_H
#define TZ_BENCH_NG_H

#include <stddef.h>
#include <stdint.h>

struct ng_client;

/**
 * Open a client towards rtpengine's NG listener @p addr ("IP:PORT", v4 or v6).
 * @p timeout_ms: how long one request waits for its reply (retried once).
 * Environment: TZ_NG_DIRECTION="FROM,TO" adds "direction": [FROM, TO] to
 * every offer (rtpengine's logical interfaces, --interface NAME/IP; the
 * compare bench runs one on each lab network, "access,core").
 * @return the client, or NULL with errno.
 */
struct ng_client *ng_open(const char *addr, unsigned timeout_ms);

/** Close it; NULL is a no-op. */
void ng_close(struct ng_client *ng);

/** Send "ping", expect "pong".  @return 0 or -errno (-ETIMEDOUT, -EPROTO). */
int ng_ping(struct ng_client *ng);

/**
 * Bridge one call: "offer" with @p webrtc_offer from the WebRTC side (the
 * load client's SDP: ICE, DTLS fingerprint, UDP/TLS/RTP/SAVPF) translated to
 * RTP/AVP, then "answer" with a plain RTP/AVP SDP of the peer
 * @p rtp_peer_ip:@p rtp_peer_port (PCMU/8000), translated back to WebRTC
 * (rtpengine's ICE candidates, its fingerprint, DTLS passive).
 * @p call_id must be unique per call.
 * @param[out] webrtc_answer the SDP the load client must use (malloc'd, free()).
 * @return 0, or -errno; on an NG "error" result -EPROTO with rtpengine's
 *         error-reason copied to @p err (NUL-terminated).
 * Blocking, two round trips.  Threading: one thread per client.
 */
int ng_bridge_webrtc(struct ng_client *ng, const char *call_id, const char *webrtc_offer,
		     const char *rtp_peer_ip, uint16_t rtp_peer_port, char **webrtc_answer,
		     char *err, size_t err_len);

/** "delete" the call.  @return 0 or -errno.  Blocking, one round trip. */
int ng_delete(struct ng_client *ng, const char *call_id);

/**
 * Counters from "statistics" (or "list"): calls rtpengine holds now.
 * @return the number of current sessions, or -errno.
 */
long ng_current_sessions(struct ng_client *ng);

/* ---- additions (not needed by the engine; the runner and tests use them) ---- */

/* X(enum suffix, name) -- what the client counted; every bad reply is one of these. */
#define NG_COUNTERS(X)                                                        \
	X(REQUESTS, "requests")           /* requests sent (not retries) */   \
	X(RETRIES, "retries")             /* requests sent again after a timeout */ \
	X(TIMEOUTS, "timeouts")           /* no reply after the retry either */ \
	X(STALE_REPLIES, "stale-replies") /* replies to another cookie, dropped */ \
	X(BAD_REPLIES, "bad-replies")     /* replies that are not "<cookie> <dict>" with a result */ \
	X(ERRORS, "errors")               /* result "error" from rtpengine */

enum ng_counter {
#define NG_COUNTER_ENUM(e, n) NG_CTR_##e,
	NG_COUNTERS(NG_COUNTER_ENUM)
#undef NG_COUNTER_ENUM
	NG_CTR_COUNT
};

/** A counter of @p ng (0 for NULL). */
uint64_t ng_counter(const struct ng_client *ng, enum ng_counter c);
/** Its name ("timeouts"). */
const char *ng_counter_name(enum ng_counter c);

/** Figures from rtpengine's "statistics" reply; -1 where it did not say. */
struct ng_stats {
	long sessions_own;	/**< currentstatistics.sessionsown */
	long sessions_total;	/**< currentstatistics.sessionstotal */
	long long relayed_packets;	/**< totalstatistics.relayedpackets (userspace + kernel) */
	long long relayed_errors;	/**< totalstatistics.relayedpacketerrors */
};

/** "statistics".  @return 0 or -errno.  Blocking, one round trip. */
int ng_statistics(struct ng_client *ng, struct ng_stats *out);

/**
 * Build the plain RTP/AVP answer SDP ng_bridge_webrtc() sends for the peer
 * @p ip:@p port with payload type @p pt (PCMU/8000).
 * @return its length, or -ENOSPC / -EINVAL (bad address).
 */
int ng_rtp_answer_sdp(char *buf, size_t len, const char *ip, uint16_t port, unsigned pt);

/**
 * The payload type that an SDP @p sdp (NUL-terminated) gives PCMU/8000 on its
 * first audio m= line: an a=rtpmap for PCMU, or the static 0 when listed.
 * @return the payload type, or -ENOENT.
 */
int ng_sdp_pcmu_pt(const char *sdp);

#endif /* TZ_BENCH_NG_H */
