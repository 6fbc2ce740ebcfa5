/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The session table: the one door from the control plane into the fast path.
 *
 * A *flow* is one direction of one media stream as it arrives at the
 * gateway: (port, local UDP port, remote address, remote UDP port).  The
 * control thread publishes an immutable struct tz_dp_flow for it into an
 * rte_hash created with lock-free read/write concurrency; workers look flows
 * up in bulk without locks.  A deleted flow's entry is freed only after
 * every worker has reported a quiescent state (RCU QSBR), so a worker never
 * reads freed memory.  What changes per packet (ROC, replay window,
 * counters) lives in a per-flow state slot written only by the flow's
 * owning worker.
 *
 * Threading: functions marked "control thread only" must be called from a
 * single thread (the table's only writer).  Lookups, state access and
 * quiescent reports are for workers and are lock-free.
 */
#ifndef TZ_SESSION_H
#define TZ_SESSION_H

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>

struct tz_dp_sessions;
struct tz_srtp_ctx;

/** Lookup key of a flow (24 bytes, all fields in host order, pad zero). */
struct tz_dp_flow_key {
	uint8_t remote[16];       /**< IPv6, or IPv4-mapped ::ffff:a.b.c.d */
	uint16_t remote_port;
	uint16_t local_port;
	uint16_t port_idx;        /**< configured port the packet arrives on */
	uint16_t pad;             /**< local-address index: 0 the port's own address,
				       i > 0 its media address i (tz_dp_rxq.addr4[i - 1]);
				       the direct index serves only 0 */
};

/** What the fast path does to a flow's packets. */
enum tz_dp_xform {
	TZ_XF_FORWARD,            /**< rewrite addresses only (RTP -> RTP) */
	TZ_XF_UNPROTECT,          /**< SRTP -> RTP (browser to SIP) */
	TZ_XF_PROTECT,            /**< RTP -> SRTP (SIP to browser) */
	TZ_XF_ECHO,               /**< SRTP -> RTP -> SRTP with srtp_out to the
				       egress, SSRC (and PTs, after unprotect)
				       rewritten: back to the sender (the echo
				       service) or to another browser of this
				       gateway (a media hairpin); RTCP is verified
				       and consumed */
	TZ_XF_REKEY,              /**< SRTP -> RTP -> SRTP from one key to
				       another (SDES-SRTP trunks): unprotect
				       with srtp/srtcp, rewrite PTs (and the
				       SSRC with ssrc_out, renumbered as for
				       TZ_XF_PROTECT), protect with srtp_out /
				       srtcp_out; SRTCP is re-keyed and passed
				       on, not consumed */
};

/** Where a flow's packets leave. */
struct tz_dp_egress {
	uint16_t port_idx;            /**< configured port to send on */
	uint8_t family;               /**< AF_INET or AF_INET6 */
	uint8_t pad;
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;    /**< next hop, resolved by the control plane */
	uint8_t src[16];              /**< gateway address (IPv4 in the first 4 bytes) */
	uint8_t dst[16];              /**< peer address (IPv4 in the first 4 bytes) */
	uint16_t src_port;            /**< gateway media port on that side */
	uint16_t dst_port;            /**< peer RTP port */
	uint16_t dst_rtcp_port;       /**< peer RTCP port (== dst_port with rtcp-mux) */
};

/** An immutable flow entry, as published. */
/** RTP payload types to rewrite on the way out: the dynamic PTs (e.g.
 *  telephone-event 126 in the browser's SDP, 101 in the trunk's) that differ
 *  between the legs.  RTCP is never touched; the marker bit is kept. */
#define TZ_DP_PT_REWRITE_MAX 4
struct tz_dp_pt_rewrite {
	uint8_t n;
	uint8_t from[TZ_DP_PT_REWRITE_MAX];
	uint8_t to[TZ_DP_PT_REWRITE_MAX];
};

/**
 * BUNDLE (RFC 8843): the browser sends every media stream of a call on one
 * 5-tuple, so one key finds one flow (the audio's); the other streams
 * hang off it as sub-flows.  Each sub-flow is a complete flow of its own
 * (egress, PT rewrite, state slot with its own SRTP stream: ROC, replay
 * window, SRTCP index) published under a shadow key that no packet can
 * match (tz_dp_bundle_key()), and is found by SSRC, then, for RTP whose
 * SSRC the SDP did not announce, by the MID the packet carries in its RTP
 * header extension (RFC 8843 §15, when negotiated: mid_ext), then by
 * payload type (unique per m= line in a browser's BUNDLE group); an SSRC
 * found that way is remembered in the parent's state slot (bundle_ssrc) so
 * its RTCP finds the sub-flow too.
 */
#define TZ_DP_BUNDLE_MAX 2
#define TZ_DP_MID_MAX 16              /**< longest MID matched, bytes (RFC 8843 allows
					   more; Chromium's are "0", "1" ...) */
#define TZ_DP_BUNDLE_PORT 0xfffeu     /**< port_idx of a shadow key */

struct tz_dp_bundle_sub {
	const struct tz_dp_flow *flow;    /**< the sub-flow's published entry; NULL:
					       drop the stream (counted in bundle_dropped) */
	uint32_t ssrc;                /**< the stream's SSRC per SDP, 0 = unknown */
	uint32_t pt_mask[4];          /**< its payload types, bit per PT 0-127 */
	uint8_t mid_len;              /**< its MID (m= line's a=mid), 0 = none */
	char mid[TZ_DP_MID_MAX];
};

struct tz_dp_bundle {
	uint8_t n;                    /**< sub-flows; 0 = not bundled */
	uint8_t mid_ext;              /**< the MID header extension's id (RFC 8285),
					   0 = not negotiated */
	uint8_t mid_len;              /**< the parent's (audio's) own MID, 0 = none */
	char mid[TZ_DP_MID_MAX];
	struct tz_dp_bundle_sub sub[TZ_DP_BUNDLE_MAX];
};

/**
 * ICE consent checks (RFC 7675) answered by the owning worker (tz_stun.h):
 * what the control plane publishes on a browser-keyed flow once its ICE
 * pair is selected.  @c on 0 (every other flow): STUN is punted as before.
 */
#define TZ_DP_STUN_USER_MAX 64        /**< longest "local:remote" USERNAME handled */
struct tz_dp_stun_cred {
	uint8_t on;
	uint8_t user_len;
	char user[TZ_DP_STUN_USER_MAX];   /**< expected USERNAME "<our ufrag>:<theirs>" */
	uint32_t hmac_in[5];          /**< SHA-1 state after (pwd ^ ipad) */
	uint32_t hmac_out[5];         /**< SHA-1 state after (pwd ^ opad) */
};

struct tz_dp_flow {
	/* Lines 0-1: what the worker reads for every packet (the SRTCP and
	 * feedback fields ride along); the BUNDLE table starts line 2, and
	 * the entry is six lines (static asserts in session.c). */
	const struct tz_srtp_ctx *srtp;   /**< RTP crypto, NULL for TZ_XF_FORWARD */
	const struct tz_srtp_ctx *srtcp;  /**< RTCP crypto, NULL for TZ_XF_FORWARD */
	const struct tz_srtp_ctx *srtp_out;   /**< TZ_XF_ECHO: the protect context back;
						   TZ_XF_REKEY: RTP protect context */
	const struct tz_srtp_ctx *srtcp_out;  /**< TZ_XF_REKEY: RTCP protect context */
	uint32_t id;                  /**< session id the CLI shows (both directions share it) */
	uint32_t slot;                /**< state slot; set by tz_dp_flow_add() */
	uint32_t ssrc_out;                    /**< TZ_XF_ECHO, _PROTECT, _REKEY: SSRC written
						   into outgoing RTP (the one our SDP
						   announced); 0 = keep the sender's */
	/** TZ_XF_UNPROTECT (browser -> SIP) video: the media SSRC of PLI, FIR
	 *  and NACK is @c fb_from (the SSRC our answer announced, which the SIP
	 *  side never saw) and becomes the SIP sender's, read from the in_ssrc
	 *  of state slot @c fb_peer_slot - 1 (its flow towards the browser);
	 *  0 = no mapping.  REMB and transport-cc are dropped on every
	 *  unprotect flow (counted in fb_dropped). */
	uint32_t fb_from;
	uint16_t worker;              /**< owning worker index */
	/** Recording slot (dataplane/api/tz_rec_tap.h), 0 = not recorded: the
	 *  owning worker copies each plain RTP packet into its recording tap,
	 *  after unprotect (browser to SIP) or before protect (SIP to browser) */
	uint16_t rec;
	struct tz_dp_egress out;
	struct tz_dp_pt_rewrite pt;           /**< TZ_XF_FORWARD, _PROTECT (before
						   protecting), _UNPROTECT and _ECHO
						   (after unprotecting), _REKEY
						   (between the two) */
	uint8_t xform;                /**< enum tz_dp_xform */
	uint8_t is_rtcp_port;         /**< 1: this key is a separate RTCP port */
	/** Key generation of stream [0] (unprotect) and [1] (TZ_XF_REKEY's
	 *  protect): re-published with tz_dp_flow_replace() and one of them
	 *  bumped, the owning worker restarts that stream (ROC 0, empty replay
	 *  window) at its next packet and keeps the other -- a new SDES key
	 *  from the PBX is a new association, while the browser side's stream
	 *  under the unchanged DTLS key must go on (a restart there would
	 *  reuse SRTP indices, i.e. keystream). */
	uint8_t key_gen[2];
	uint8_t rec_dir;              /**< enum tz_rec_dir of the copies */
	/** Media services (tz_svc.h) this flow needs, TZ_SVC_* bits; 0 (nearly
	 *  every flow) = none: the worker forwards it and never looks further. */
	uint8_t svc;
	uint8_t svc_core;                     /**< the stage core serving it */
	/** Browser -> SIP video: the SIP side negotiated ccm fir but not nack
	 *  pli (RFC 5104 §4.3.1), so a PLI leaves as a FIR */
	uint8_t fb_pli_to_fir;
	/** Browser -> SIP video: the SIP side negotiated neither nack pli nor
	 *  ccm fir: PLI and FIR are taken out of the browser's RTCP and counted
	 *  (kf_requests) for the control plane, which asks the SIP side for a
	 *  key frame by SIP INFO picture_fast_update (RFC 5168) */
	uint8_t fb_kf_to_cp;
	/** bundle.n != 0, set by tz_dp_flow_add() and _replace(): the worker
	 *  reads it here, and the BUNDLE table's line only for bundled flows */
	uint8_t bundled;
	/* line 2 */
	/** The browser's other streams on this key (see struct tz_dp_bundle);
	 *  published after its sub-flows, deleted before them. */
	struct tz_dp_bundle bundle;
	uint32_t fb_peer_slot;        /**< see fb_from */
	struct tz_dp_flow_key svc_key;        /**< this entry's own key, with svc set:
						   the stage names the flow by it */
	/** Browser-keyed flows: answer the browser's consent checks here */
	struct tz_dp_stun_cred stun;
};

/* X(enum suffix, name, help): per-flow counters, one writer (the owner). */
#define TZ_FLOW_COUNTERS(X)                                                   \
	X(PKTS, "packets", "packets forwarded")                                \
	X(BYTES, "bytes", "bytes forwarded (as received)")                    \
	X(RTCP, "rtcp", "RTCP packets forwarded")                             \
	X(AUTH_FAIL, "auth_fail", "dropped: SRTP/SRTCP authentication failed")\
	X(REPLAY, "replay", "dropped: replayed or too old")                   \
	X(MALFORMED, "malformed", "dropped: short packet or bad RTP version") \
	X(TX_DROPS, "tx_drops", "dropped: egress queue full")

enum tz_flow_counter {
#define TZ_FLOW_CNT_ENUM(e, n, h) TZ_FC_##e,
	TZ_FLOW_COUNTERS(TZ_FLOW_CNT_ENUM)
#undef TZ_FLOW_CNT_ENUM
	TZ_FC_COUNT
};

/** Size of one SRTP stream state a flow slot carries (opaque here): a
 *  struct tz_srtp_stream of 48 bytes. */
#define TZ_DP_STREAM_STATE_SIZE 48

/**
 * RTP loss on the way to the gateway, of the stream a flow receives
 * (RFC 3550 §6.4.1, appendix A.1 and A.3), kept by the owning worker for
 * each RTP packet it accepts (after SRTP authentication and the replay
 * check, before any rewrite).  Sequence numbers are extended to 32 bits.
 * A new SSRC (music on hold, a transfer) or a restart of the sender's
 * numbering (a jump of more than 3000 confirmed by the next packet, A.1)
 * folds the stream so far into @c expected_prior / @c lost_prior and
 * starts over.  Read it with tz_dp_rtp_loss_read().
 */
struct tz_dp_rtp_loss {
	uint32_t ssrc;                /**< SSRC of the current stream */
	uint32_t max;                 /**< extended highest sequence number */
	uint32_t base;                /**< extended first sequence number */
	uint32_t received;            /**< packets (late and duplicates included, A.1) */
	uint32_t expected_prior;      /**< expected in the streams before this one */
	uint32_t lost_prior;          /**< lost in them, each clamped at 0 */
	uint32_t bad_seq;             /**< A.1: the sequence number that confirms a
					   jump; > 65535: none */
	uint8_t started;              /**< a packet was seen */
};

/**
 * Per-flow mutable state; written only by the owning worker.  Four cache
 * lines, laid out so that a packet of any kind but TZ_XF_ECHO / _REKEY
 * touches the first two only (the worker prefetches those): line 0 the
 * SRTP stream it unprotects or protects and the renumbering state, line 1
 * the RTP loss, the time of the last packet and the three counters every
 * packet increments; the counters of dropped packets start line 2, then
 * the second stream (echo, re-key), the media service and video state.
 * (Static asserts in rtp_loss_pvt.h hold the offsets.)
 */
struct tz_dp_flow_state {
	/* line 0 */
	/** SRTP/SRTCP stream state (struct tz_srtp_stream) of the flow's
	 *  incoming SSRC (or, TZ_XF_PROTECT, the stream it protects) */
	uint8_t srtp[TZ_DP_STREAM_STATE_SIZE] __rte_aligned(8);
	/** TZ_XF_PROTECT and TZ_XF_REKEY with ssrc_out: the sender's SSRC last seen and the
	 *  offset added to its sequence numbers.  We rewrite the SSRC, so the
	 *  outgoing sequence is ours: when the SIP side's source changes (music
	 *  on hold, a transfer) it continues after the last number we wrote
	 *  instead of jumping back into numbers already used (which the
	 *  protect replay check would refuse for a long while). */
	uint32_t in_ssrc;
	uint16_t seq_off;
	uint16_t out_last;            /**< highest sequence number written */
	uint8_t in_started;
	uint8_t key_gen[2];           /**< the flow's key_gen the streams belong to */
	/** Consent checks the owning worker answered (tz_stun.h), wrapping: the
	 *  control plane, looking every second, takes a change for a check
	 *  (consent expiry). */
	uint8_t consent_n;
	/* line 1 */
	/** Loss of the RTP the flow receives */
	struct tz_dp_rtp_loss loss __rte_aligned(64);
	uint64_t last_rx_tsc;         /**< TSC of the last packet (media timeout) */
	/** Counters (enum tz_flow_counter): PKTS, BYTES, RTCP end line 1, the
	 *  drop counters start line 2 */
	uint64_t cnt[TZ_FC_COUNT];
	/** Stream [1]: the echoed stream of a TZ_XF_ECHO flow or the
	 *  re-protected stream of a TZ_XF_REKEY flow */
	uint8_t srtp_out[TZ_DP_STREAM_STATE_SIZE] __rte_aligned(8);
	/** A flow with a media service: where its outgoing RTP stream stands,
	 *  so the gateway's own packets (injected through the owning worker)
	 *  share its SSRC, timeline and sequence space.  Written by the owning
	 *  worker; the stage reads svc_ts/svc_tsc/svc_worker (relaxed). */
	uint8_t svc_started;          /**< a packet has been forwarded under the service */
	uint8_t svc_worker;           /**< the worker that forwarded it: injects go there */
	uint16_t svc_seq_off;         /**< added to forwarded sequence numbers */
	uint16_t svc_out_last;        /**< highest sequence number sent */
	uint32_t svc_ssrc;            /**< SSRC of the stream */
	uint32_t svc_ts;              /**< RTP timestamp of the last forwarded packet */
	uint64_t svc_tsc;             /**< TSC when it was forwarded */
	uint64_t svc_sent;            /**< bit i: number svc_out_last - i was sent (a
					   reordered packet may take a number not used) */
	/* Video (docs/video.md), in the last 16 bytes of line 3; the 16-bit
	 * counters wrap (diagnostics; kf_requests is compared, not summed). */
	/** BUNDLE parent: the SSRC learned for each sub-flow from its PT */
	uint32_t bundle_ssrc[TZ_DP_BUNDLE_MAX];
	/** RTCP feedback dropped: REMB and transport-cc (never negotiated,
	 *  nobody on the SIP side to read them) */
	uint16_t fb_dropped;
	/** BUNDLE parent: packets of a stream with nowhere to go (the SIP
	 *  side rejected the video the browser was told it may send) */
	uint16_t bundle_dropped;
	/** key frame requests (PLI, FIR) held for the control plane (fb_kf_to_cp) */
	uint16_t kf_requests;
	uint8_t fir_seq;              /**< FIR sequence number (PLI -> FIR) */
} __rte_cache_aligned;

/** Loss so far of a flow's received RTP: @p expected packets (RFC 3550
 *  A.3, all its SSRCs summed), @p lost of them, never negative.  Threading:
 *  any thread; read from another than the owning worker the fields may be
 *  one packet apart (relaxed loads), good enough for a display or a CDR. */
static inline void tz_dp_rtp_loss_read(const struct tz_dp_rtp_loss *l, uint64_t *expected,
				       uint64_t *lost)
{
	uint32_t max = __atomic_load_n(&l->max, __ATOMIC_RELAXED);
	uint32_t base = __atomic_load_n(&l->base, __ATOMIC_RELAXED);
	uint32_t rcvd = __atomic_load_n(&l->received, __ATOMIC_RELAXED);
	uint64_t exp = __atomic_load_n(&l->started, __ATOMIC_RELAXED) ? (uint64_t)(max - base) + 1 : 0;

	*expected = __atomic_load_n(&l->expected_prior, __ATOMIC_RELAXED) + exp;
	*lost = __atomic_load_n(&l->lost_prior, __ATOMIC_RELAXED) + (exp > rcvd ? exp - rcvd : 0);
}

/** The shadow key of sub-flow @p i of the flow under @p parent: no packet
 *  can look it up (its port_idx is no configured port). */
static inline void tz_dp_bundle_key(const struct tz_dp_flow_key *parent, unsigned i,
				    struct tz_dp_flow_key *out)
{
	*out = *parent;
	out->port_idx = TZ_DP_BUNDLE_PORT;
	out->pad = (uint16_t)(i + 1);
}

/** Set a MID (@p mid may be NULL or too long: none, never matched). */
static inline void tz_dp_bundle_mid_set(char dst[TZ_DP_MID_MAX], uint8_t *len, const char *mid)
{
	size_t n = mid != NULL ? strlen(mid) : 0;

	*len = 0;
	if (n == 0 || n > TZ_DP_MID_MAX)
		return;
	memcpy(dst, mid, n);
	*len = (uint8_t)n;
}

/** Put payload type @p pt into @p sub's mask. */
static inline void tz_dp_bundle_pt_add(struct tz_dp_bundle_sub *sub, unsigned pt)
{
	if (pt < 128)
		sub->pt_mask[pt / 32] |= 1u << (pt % 32);
}

/**
 * Create a table for up to @p max_flows flows read by @p n_workers workers.
 * Control thread only.
 * @return the table, or NULL with rte_errno set: EINVAL (0 flows or
 *         workers, too many workers), ENOMEM, EEXIST (name in use).
 */
struct tz_dp_sessions *tz_dp_sessions_create(const char *name, uint32_t max_flows,
					     unsigned n_workers, int socket);

/** Free the table and every entry. Workers must have stopped. Control thread only. */
void tz_dp_sessions_free(struct tz_dp_sessions *s);

/**
 * Publish a flow: copy @p flow into a new immutable entry and make @p key
 * find it.  Its state slot starts zeroed (a new SRTP association: ROC 0);
 * to re-publish a flow with the same keys use tz_dp_flow_replace().
 * Control thread only.
 * @return the state slot (>= 0), or -EEXIST (key present; delete first),
 *         -ENOSPC (table full), -EINVAL (bad worker index), -ENOMEM.
 */
int tz_dp_flow_add(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key,
		   const struct tz_dp_flow *flow);

/**
 * Publish @p flow under @p key in place of the flow published under
 * @p old_key, make before break: the new entry takes over the old one's
 * state slot -- SRTP stream state (ROC, highest sequence number, replay
 * windows) and counters -- so re-publishing a call's flows with the same
 * crypto contexts (hold, resume, re-INVITE, latching) never restarts a
 * keystream or forgets a rollover.  With @p key equal to @p old_key the
 * pointer is swapped atomically: every lookup finds the old entry or the
 * new one.  Otherwise @p key is added, then @p old_key removed.  The old
 * entry is freed after every worker's next quiescent report.
 * Use tz_dp_flow_add() for a new crypto association (new keys): its slot
 * starts zeroed.
 * Control thread only.
 * @return the state slot (>= 0), or -ENOENT (@p old_key not published),
 *         -EEXIST (@p key differs from @p old_key and is published),
 *         -ENOSPC (table full), -EINVAL (bad worker index), -ENOMEM.
 */
int tz_dp_flow_replace(struct tz_dp_sessions *s, const struct tz_dp_flow_key *old_key,
		       const struct tz_dp_flow_key *key, const struct tz_dp_flow *flow);

/**
 * Unpublish a flow.  Lookups miss at once; the entry and its slot are
 * reclaimed after every worker's next quiescent report.
 * Control thread only.
 * @return 0, or -ENOENT.
 */
int tz_dp_flow_del(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key);

/**
 * Wait until every running worker has reported a quiescent state: after it
 * returns no worker holds an entry deleted before the call, so what those
 * entries pointed at (crypto contexts) may be freed.  Blocks for about one
 * poll round of the slowest worker.  Control thread only.
 */
void tz_dp_sessions_synchronize(struct tz_dp_sessions *s);

/**
 * Call @p fn(@p arg) once every running worker has reported a quiescent
 * state after this call: the non-blocking form of
 * tz_dp_sessions_synchronize() for what deleted entries pointed at (a
 * call's crypto contexts at its end).  @p fn runs from a later
 * tz_dp_sessions_reclaim() (or from this call if no worker runs), on the
 * control thread.  Control thread only.
 * @return 0, or -ENOMEM (nothing queued: synchronize and free yourself).
 */
int tz_dp_sessions_defer(struct tz_dp_sessions *s, void (*fn)(void *arg), void *arg);

/**
 * Run the deferred callbacks whose grace period is over, oldest first;
 * never blocks.  Control thread only.
 * @return how many are still waiting.
 */
unsigned tz_dp_sessions_reclaim(struct tz_dp_sessions *s);

/** Wait for one grace period and run every deferred callback (shutdown). */
void tz_dp_sessions_reclaim_all(struct tz_dp_sessions *s);

/**
 * Find a published flow (control-plane view).  The entry stays valid
 * until the caller deletes it.  Control thread only.
 * @return the entry or NULL.
 */
const struct tz_dp_flow *tz_dp_flow_find(const struct tz_dp_sessions *s,
					 const struct tz_dp_flow_key *key);

/** Number of published flows. Any thread. */
uint32_t tz_dp_flow_count(const struct tz_dp_sessions *s);

/**
 * Visit every published flow.  Control thread only.
 * @p fn returns non-zero to stop early.
 */
void tz_dp_flow_walk(const struct tz_dp_sessions *s,
		     int (*fn)(const struct tz_dp_flow_key *, const struct tz_dp_flow *, void *),
		     void *arg);

/**
 * Look up @p n keys (n <= 64) in one go.  Misses give NULL.
 * Any worker, lock-free; entries stay valid until the caller's next
 * tz_dp_sessions_quiescent().
 * @return the number of hits.
 */
unsigned tz_dp_flow_lookup_bulk(const struct tz_dp_sessions *s,
				const struct tz_dp_flow_key **keys, unsigned n,
				const struct tz_dp_flow **out);

/** The part of the session table every packet reads, at its start (session.c),
 *  so that tz_dp_flow_state() is inlined into the worker's loop instead of a
 *  call per packet.  Read-only outside session.c. */
struct tz_dp_sessions_hot {
	struct tz_dp_flow_state *state;   /**< max_flows slots */
	uint32_t max_flows;
};

/** State slot of a flow, NULL when @p slot is out of range.  The owning
 *  worker writes it; anyone may read counters. */
static inline struct tz_dp_flow_state *tz_dp_flow_state(const struct tz_dp_sessions *s,
							 uint32_t slot)
{
	const struct tz_dp_sessions_hot *h = (const struct tz_dp_sessions_hot *)(const void *)s;

	return slot < h->max_flows ? &h->state[slot] : NULL;
}

/** Register worker @p w as a reader (before its first lookup). Worker @p w only. */
void tz_dp_sessions_reader_online(struct tz_dp_sessions *s, unsigned w);

/** Report that worker @p w holds no entry pointer now. Once per loop round. */
void tz_dp_sessions_quiescent(struct tz_dp_sessions *s, unsigned w);

/** Unregister worker @p w (when it stops). Worker @p w only. */
void tz_dp_sessions_reader_offline(struct tz_dp_sessions *s, unsigned w);

/** Name / help text of a flow counter. */
const char *tz_flow_counter_name(enum tz_flow_counter c);

#endif /* TZ_SESSION_H */
