/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_PORTS_PVT_H
#define TZ_PORTS_PVT_H

#include "tz_ports.h"

/* Configure n_rx/n_tx queues, MTU, @p tx_offloads (RTE_ETH_TX_OFFLOAD_*),
 * and start an ethdev port. 0 or -errno. */
int tz_port_setup(uint16_t port_id, uint16_t n_rx, uint16_t n_tx, uint16_t mtu,
		  uint64_t tx_offloads, struct rte_mempool *mp);

/* Create, address and start the exception TAP of @p p. 0 or -errno. */
int tz_tap_open(struct tz_port *p, uint16_t n_queues, struct rte_mempool *mp);

/* Keep the kernel's own stack off an interface DPDK reads with af_packet. */
void tz_port_isolate_kernel(const char *ifname);

#endif
