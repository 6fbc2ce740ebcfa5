/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Dataplane counters: one X-macro list gives the enum, the names used by the
 * CLI and telemetry, and the help text, so they can never disagree.
 *
 * Threading: each worker increments only its own copy (no atomics); readers
 * on the control thread sum the per-worker copies and may see a value that
 * is a few packets old, never a torn one (aligned 64-bit stores on x86-64).
 */
#ifndef TZ_COUNTERS_H
#define TZ_COUNTERS_H

/* X(enum suffix, name, help) — per configured port, summed over workers.
 * punt_stun, punt_dtls, punt_other and no_session count what was classified;
 * the punt_drop_* counters say how many of those the punt policer dropped. */
#define TZ_PORT_COUNTERS(X)                                                             \
	X(RX_PKTS, "rx_packets", "packets received from the wire")                      \
	X(RX_BYTES, "rx_bytes", "bytes received from the wire")                         \
	X(TX_PKTS, "tx_packets", "packets sent to the wire")                            \
	X(TX_BYTES, "tx_bytes", "bytes sent to the wire")                               \
	X(TX_DROPS, "tx_drops", "packets dropped because the wire tx queue was full")   \
	X(TO_KERNEL, "to_kernel", "packets punted to the kernel through the TAP")       \
	X(FROM_KERNEL, "from_kernel", "packets the kernel sent out through the TAP")    \
	X(KERNEL_DROPS, "kernel_drops", "punts dropped because the TAP queue was full")     \
	X(MEDIA_RX, "media_rx", "RTP/RTCP packets that matched a session")               \
	X(MEDIA_TX, "media_tx", "media packets sent out of this port by the fast path")  \
	X(NO_SESSION, "no_session", "RTP/RTCP to a media port with no session (punted)") \
	X(PUNT_STUN, "punt_stun", "STUN to a media port, punted to ICE")                 \
	X(PUNT_DTLS, "punt_dtls", "DTLS to a media port, punted to the control plane")   \
	X(PUNT_OTHER, "punt_other", "everything else punted (ARP, ICMP, signalling ...)")\
	X(MALFORMED, "malformed", "media packets dropped as truncated or bad version")    \
	X(PUNT_DROP_STUN, "punt_drop_stun",                                              \
	  "STUN to a media port dropped: its source exceeded limits.punt_pps_per_source") \
	X(PUNT_DROP_DTLS, "punt_drop_dtls",                                              \
	  "DTLS to a media port dropped: its source exceeded limits.punt_pps_per_source") \
	X(PUNT_DROP_NO_SESSION, "punt_drop_no_session",                                  \
	  "RTP/RTCP with no session dropped: its source exceeded limits.punt_pps_per_source") \
	X(PUNT_DROP_OTHER, "punt_drop_other",                                            \
	  "other payloads to a media port dropped: source over limits.punt_pps_per_source") \
	X(PUNT_DROP_WORKER, "punt_drop_worker",                                          \
	  "punts to media ports dropped: the worker's limits.punt_pps_per_worker exceeded") \
	X(SRTP_AUTH_FAIL, "srtp_auth_fail",                                              \
	  "SRTP/SRTCP packets that failed authentication ('show session' names the call)") \
	X(MID_MALFORMED, "mid_malformed",                                                \
	  "BUNDLE RTP whose header extension block is malformed: its RFC 8843 MID ignored") \
	X(STUN_ANSWERED, "stun_answered",                                                \
	  "ICE consent checks answered by the worker (media.consent_in_dataplane)")      \
	X(STUN_BAD_AUTH, "stun_bad_auth",                                                \
	  "STUN with a call's USERNAME but a wrong MESSAGE-INTEGRITY, dropped by the worker") \
	X(STUN_OTHER_USER, "stun_other_user",                                            \
	  "STUN on a call's flow with another USERNAME (ICE restart?), punted to ICE")   \
	X(STUN_MALFORMED, "stun_malformed",                                              \
	  "STUN on a call's flow with bad lengths or FINGERPRINT, punted to ICE")

enum tz_port_counter {
#define TZ_CNT_ENUM(e, n, h) TZ_PC_##e,
	TZ_PORT_COUNTERS(TZ_CNT_ENUM)
#undef TZ_CNT_ENUM
	TZ_PC_COUNT
};

/** Name of a port counter ("rx_packets"). */
const char *tz_port_counter_name(enum tz_port_counter c);

/** One-line help of a port counter. */
const char *tz_port_counter_help(enum tz_port_counter c);

#endif /* TZ_COUNTERS_H */
