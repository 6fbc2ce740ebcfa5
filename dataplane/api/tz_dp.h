/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Dataplane workers: start, stop and read their counters.
 *
 * Each worker is a pinned, polling lcore.  It owns a fixed list of rx queues
 * (wire ports and their exception TAPs) and one tx queue on every port,
 * indexed by the worker's index, so no two workers share a queue.
 *
 * Threading: tz_dp_start()/tz_dp_stop() are control-thread only.  The
 * readers (tz_dp_port_counters, tz_dp_lcore_stats) may run on any thread
 * while workers run, lock-free.
 */
#ifndef TZ_DP_H
#define TZ_DP_H

#include <stdint.h>

#include <rte_common.h>

#include "tz_counters.h"
#include "tz_session.h"

struct tz_rec_tap;
struct tz_srtp_qp;

#define TZ_DP_MAX_WORKERS 64
#define TZ_DP_MAX_PORTS 16
#define TZ_DP_MAX_RXQ 64
#define TZ_DP_BURST 32

/** One rx queue a worker polls, and where its packets go. */
/** local addresses a port's media may use: its own and up to 15 more */
#define TZ_DP_MAX_LOCAL_ADDRS 16

struct tz_dp_rxq {
	uint16_t port;        /**< ethdev port id to receive from */
	uint16_t queue;       /**< its rx queue */
	uint16_t tx_port;     /**< ethdev port id its packets are sent on */
	uint16_t port_idx;    /**< configured port they belong to (counters) */
	uint8_t from_kernel;  /**< 1: rx from the TAP (kernel -> wire) */
	uint16_t media_first; /**< UDP media port range of the port's role; */
	uint16_t media_last;  /**< 0-0 = no fast path on this queue */
	/** the port's further IPv4 media addresses (network order): a packet to
	 *  addr4[i] has local-address index i + 1 in its flow key (the key's
	 *  pad), any other (the port's own address) index 0 */
	uint8_t n_addr4;
	uint32_t addr4[TZ_DP_MAX_LOCAL_ADDRS - 1];
};

/** @name How a worker fills the checksums of what it sends on a port
 *  (tz_dp_worker_conf.tx_flags; 0 = everything in software).
 *  @{ */
#define TZ_DP_TX_UDP_ZERO4   0x01   /**< IPv4 UDP checksum 0: "no checksum" (RFC 768);
					 IPv6 is still computed (RFC 8200 section 8.1) */
#define TZ_DP_TX_UDP_OFFLOAD 0x02   /**< the NIC computes the UDP checksum (IPv4 and
					 IPv6): the port was configured with
					 RTE_ETH_TX_OFFLOAD_UDP_CKSUM */
#define TZ_DP_TX_IP4_OFFLOAD 0x04   /**< the NIC computes the IPv4 header checksum
					 (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM configured) */
/** @} */

struct tz_dp_worker_conf {
	unsigned lcore;           /**< EAL lcore id to run on */
	uint16_t index;           /**< worker index = tx queue id on every port */
	uint16_t n_rxq;
	struct tz_dp_rxq rxq[TZ_DP_MAX_RXQ];
	uint32_t idle_sleep_us;   /**< sleep after an empty round; 0 = busy poll */
	struct tz_dp_sessions *sessions;      /**< flow table, or NULL (all punted) */
	struct tz_srtp_qp *srtp_qp;           /**< this worker's crypto queue pair, or NULL */
	uint16_t n_ports;                     /**< configured ports */
	uint16_t wire_port[TZ_DP_MAX_PORTS];  /**< port index -> wire ethdev id */
	uint16_t tap_port[TZ_DP_MAX_PORTS];   /**< port index -> TAP ethdev id */
	uint8_t tx_flags[TZ_DP_MAX_PORTS];    /**< port index -> TZ_DP_TX_* of its egress */
	/* Punt policing of what reaches a media port and goes to the kernel
	 * (STUN, DTLS, RTP without a session, unknown payloads): an srTCM
	 * meter per source address in a fixed table of the worker, then one
	 * for the worker as a whole.  Signalling, ARP and ICMP are not metered. */
	uint32_t punt_pps;        /**< per source address, packets/s; 0 = off */
	uint32_t punt_burst;      /**< per source address, bucket depth (packets) */
	uint32_t punt_pps_total;  /**< all metered punts of the worker, packets/s; 0 = off */
	struct tz_rec_tap *rec;   /**< this worker's recording tap, or NULL (no recording) */
};

/** Cumulative time accounting of one worker lcore (TSC cycles). */
struct tz_dp_lcore_stats {
	uint64_t busy_tsc;        /**< cycles in rounds that moved packets */
	uint64_t total_tsc;       /**< all cycles since start, sleeps included */
	uint64_t rounds;          /**< poll rounds */
};

/** Sources a worker's punt policer tracks at once (2-way hashed table). */
#define TZ_DP_PUNT_SOURCES 2048

/**
 * Launch one worker per conf on its lcore.
 * @return 0; -EINVAL (bad conf: index or lcore out of range, too many rx
 *         queues, punt_pps without punt_burst), -EBUSY (an lcore is not
 *         idle), -ENOMEM (the punt policer's table).
 */
int tz_dp_start(const struct tz_dp_worker_conf *confs, unsigned n);

/** Ask every worker to stop and wait until they have. Idempotent. */
void tz_dp_stop(void);

/** Number of workers running. */
unsigned tz_dp_n_workers(void);

/**
 * Counters of one worker, summed over the ports it serves, into @p out.
 * @return 0, or -ENOENT when no such worker runs.
 */
int tz_dp_worker_counters(unsigned index, uint64_t out[TZ_PC_COUNT]);

/** Sum of port @p port_idx's counters over all workers into @p out. */
void tz_dp_port_counters(uint16_t port_idx, uint64_t out[TZ_PC_COUNT]);

/**
 * Time accounting of worker @p index.
 * @return 0, or -ENOENT when no such worker runs.
 */
int tz_dp_lcore_stats(unsigned index, unsigned *lcore, struct tz_dp_lcore_stats *out);

#endif /* TZ_DP_H */
