/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ports: the wire side (a NIC by PCI address or a software port) and its
 * exception TAP, where the kernel answers ARP/ICMP and the control plane's
 * sockets live.  Hardware and PMD differences end here.
 *
 * Threading: control thread only, after rte_eal_init().
 */
#ifndef TZ_PORTS_H
#define TZ_PORTS_H

#include <net/if.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "tz_config.h"

struct tz_dp_rxq;

struct tz_port {
	const struct tz_cfg_port *cfg;
	uint16_t index;                 /**< position in the config */
	uint16_t port_id;               /**< ethdev id of the wire side */
	uint16_t tap_id;                /**< ethdev id of the exception TAP */
	uint16_t n_queues;              /**< rx = tx queues on the wire side */
	uint16_t n_tap_queues;          /**< rx = tx queues on the TAP */
	char vdev[64];                  /**< vdev name of the wire side, "" for PCI */
	char tap_vdev[64];
	char tap_ifname[IF_NAMESIZE];   /**< "tz-<name>" */
	int tap_ifindex;
	const char *driver;             /**< what actually runs: "af_xdp", "af_packet", "net_ixgbe" ... */
	struct rte_ether_addr mac;
	uint8_t tx_flags;               /**< TZ_DP_TX_* the workers use on this port */
	const char *udp_checksum;       /**< what udp_checksum resolved to: "offload",
					     "zero", "compute" (show ports) */
	bool wire_started, tap_started;
};

/** The port's further media addresses (ports[].media_addresses) into
 *  the rx queue @p q, for the flow keys' local-address index. */
void tz_port_media_addrs(const struct tz_port *p, struct tz_dp_rxq *q);

/**
 * Open every configured port and its TAP, configure the TAP's addresses and
 * routes, and start them.  Software ports with driver "auto" try af_xdp
 * first and fall back to af_packet.  Each port's udp_checksum is resolved
 * against what the device reports (tz_port_tx_cksum()) and the tx offloads
 * it needs are enabled; udp_checksum: offload on a device without the
 * capability fails with -ENOTSUP.
 * @param n_tx_queues  tx queues to set up on each port (one per worker)
 * @return 0, or -errno after logging which port failed and why; ports opened
 *         before the failure are closed again.
 */
int tz_ports_open(const struct tz_config *cfg, struct rte_mempool *mp, uint16_t n_tx_queues,
		  struct tz_port *ports);

/**
 * Resolve a udp_checksum mode against a device's tx offload capabilities
 * @p capa (rte_eth_dev_info.tx_offload_capa): the TZ_DP_TX_* flags for the
 * workers into @p tx_flags and the RTE_ETH_TX_OFFLOAD_* to configure into
 * @p offloads.  auto: the NIC's UDP checksum when it has one, else zero for
 * IPv4; the IPv4 header checksum is offloaded whenever the device can.
 * @return the resolved mode's name ("offload", "zero", "compute"), or NULL
 *         for offload on a device without RTE_ETH_TX_OFFLOAD_UDP_CKSUM.
 */
const char *tz_port_tx_cksum(enum tz_cfg_udp_cksum mode, uint64_t capa, uint8_t *tx_flags,
			     uint64_t *offloads);

/** Stop and close every port and TAP that was opened (TAP interfaces vanish). */
void tz_ports_close(struct tz_port *ports, size_t n);

/**
 * The MAC to send to @p dst from port @p p: the neighbour itself when it is
 * on the port's subnet, else the port's gateway, as the kernel resolved it
 * on the TAP.
 * @return 0; -EAGAIN (not resolved yet: resolution was started, ask again
 *         shortly), -ENETUNREACH (off-link and no gateway configured).
 */
int tz_port_next_hop(const struct tz_port *p, const struct tz_cfg_addr *dst,
		     struct rte_ether_addr *mac);

/**
 * Next hops are cached for a second per (TAP ifindex, hop address); only
 * resolved ones.  Forget them all (tz_ports_close does).
 */
void tz_port_next_hop_flush(void);

/** Cache hits and lookups of tz_port_next_hop() since start. */
void tz_port_next_hop_stats(uint64_t *hits, uint64_t *lookups);

/** For tests: the cache's clock in ns (NULL: CLOCK_MONOTONIC_COARSE). */
void tz_port_next_hop_clock(uint64_t (*now_ns)(void));

/** EAL arguments a config's ports need ("-a" per PCI address); appended to @p argv. */
int tz_ports_eal_args(const struct tz_config *cfg, char **argv, int max);

#endif /* TZ_PORTS_H */
