/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The recording tap (docs/recording.md): a worker copies the plain RTP of
 * a recorded flow into its own tap, a writer thread drains the taps.
 *
 * A flow is recorded when its published entry names a recording slot
 * (struct tz_dp_flow.rec, 0 = none).  The owning worker takes a free record
 * from the tap's pool, copies the packet into it and enqueues it on the
 * tap's ring; both are single-producer / single-consumer, so the copy costs
 * no atomics beyond the ring's.  When the pool is empty or the ring full the
 * packet is counted as a recording drop (per tap and per slot) and
 * forwarding goes on untouched: a slow disk never blocks a worker.
 *
 * Threading: one tap per worker.  tz_rec_tap_copy() is that worker's only;
 * tz_rec_tap_drain() and tz_rec_tap_release() are one writer thread's only;
 * create/free are for the control thread while the worker is stopped.
 */
#ifndef TZ_REC_TAP_H
#define TZ_REC_TAP_H

#include <stdint.h>

#include <rte_common.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

/** Recording slots: 1 .. TZ_REC_SLOTS - 1 (0 = not recorded). */
#define TZ_REC_SLOTS 256

/** Longest RTP packet a record holds; longer ones are counted as drops. */
#define TZ_REC_PKT_MAX 1500

/** Directions of a recorded call. */
enum tz_rec_dir {
	TZ_REC_FROM_WEB = 0,      /**< the browser's voice (after SRTP unprotect) */
	TZ_REC_TO_WEB = 1,        /**< the SIP side's voice (before SRTP protect) */
};

/** One copied packet, as the writer gets it. */
struct tz_rec_pkt {
	uint64_t tsc;             /**< receive time: TSC at the start of the worker's round */
	uint16_t slot;            /**< recording slot (tz_dp_flow.rec) */
	uint8_t dir;              /**< enum tz_rec_dir */
	uint8_t pad;
	uint16_t len;             /**< bytes in @c data: the whole RTP packet */
	uint8_t data[TZ_REC_PKT_MAX];
};

/** One worker's tap. */
struct tz_rec_tap {
	struct rte_ring *ring;            /**< filled records, worker -> writer */
	struct rte_mempool *pool;         /**< free records, writer -> worker */
	/* written by the worker only; read by anyone (relaxed) */
	uint64_t copied;                  /**< packets put on the ring */
	uint64_t drops;                   /**< packets not recorded: pool empty, ring full, too long */
	uint64_t slot_drops[TZ_REC_SLOTS][2];   /**< the same by slot and direction */
} __rte_cache_aligned;

/**
 * Create the tap of worker @p index with room for @p n packets in flight.
 * Control thread only.
 * @return the tap, or NULL with errno set: EINVAL (n < 64), ENOMEM, EEXIST.
 */
struct tz_rec_tap *tz_rec_tap_create(unsigned index, unsigned n, int socket);

/** Free a tap (its worker stopped, its ring drained or not). NULL is fine. */
void tz_rec_tap_free(struct tz_rec_tap *t);

/**
 * Copy the RTP packet @p m (data at its start, single segment or not) of
 * slot @p slot, direction @p dir, received at @p tsc.  Never blocks.
 * The owning worker only.
 * @return 0, or -ENOBUFS (counted as a drop).
 */
int tz_rec_tap_copy(struct tz_rec_tap *t, uint16_t slot, uint8_t dir, uint64_t tsc,
		    const struct rte_mbuf *m);

/**
 * Take up to @p n filled records off the ring, oldest first.
 * The writer thread only.
 * @return how many.
 */
unsigned tz_rec_tap_drain(struct tz_rec_tap *t, struct tz_rec_pkt **out, unsigned n);

/** Give @p n drained records back to the pool.  The writer thread only. */
void tz_rec_tap_release(struct tz_rec_tap *t, struct tz_rec_pkt **pkts, unsigned n);

#endif /* TZ_REC_TAP_H */
