/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire ports: NICs by PCI address, or software ports (af_xdp, af_packet,
 * tap, ring, pcap, null) created as DPDK vdevs from the config.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "ports_pvt.h"
#include "tz_dp.h"
#include "tz_log.h"

#define RX_DESC 1024
#define TX_DESC 1024

static const char *const vdev_driver[] = {
	[TZ_DRV_AF_XDP] = "net_af_xdp",
	[TZ_DRV_AF_PACKET] = "net_af_packet",
	[TZ_DRV_TAP] = "net_tap",
	[TZ_DRV_RING] = "net_ring",
	[TZ_DRV_PCAP] = "net_pcap",
	[TZ_DRV_NULL] = "net_null",
};

static void vdev_args(const struct tz_cfg_port *c, enum tz_cfg_port_driver drv, uint16_t nq,
		      char *buf, size_t len)
{
	int n = 0;

	switch (drv) {
	case TZ_DRV_AF_XDP:
		n = snprintf(buf, len, "iface=%s,start_queue=0,queue_count=%u", c->iface, nq);
		break;
	case TZ_DRV_AF_PACKET:
		n = snprintf(buf, len, "iface=%s,qpairs=%u,qdisc_bypass=1", c->iface, nq);
		break;
	case TZ_DRV_TAP:
		n = snprintf(buf, len, "iface=%s", c->iface != NULL ? c->iface : c->name);
		break;
	default:
		buf[0] = '\0';
		break;
	}
	if (c->devargs != NULL && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s", n > 0 ? "," : "", c->devargs);
}

/* Create the vdev of a software port; 0 or -errno. */
static int probe_vdev(struct tz_port *p, enum tz_cfg_port_driver drv, uint16_t nq)
{
	char args[512];
	int rc;

	snprintf(p->vdev, sizeof(p->vdev), "%s_%s", vdev_driver[drv], p->cfg->name);
	vdev_args(p->cfg, drv, nq, args, sizeof(args));
	rc = rte_vdev_init(p->vdev, args);
	if (rc != 0) {
		TZ_LOG(DRV_PORT, NOTICE, "port %s: %s with \"%s\" did not start (%s)",
		       p->cfg->name, vdev_driver[drv], args, strerror(rc < 0 ? -rc : EIO));
		p->vdev[0] = '\0';
		return rc < 0 ? rc : -EIO;
	}
	if (rte_eth_dev_get_port_by_name(p->vdev, &p->port_id) != 0) {
		rte_vdev_uninit(p->vdev);
		p->vdev[0] = '\0';
		return -ENODEV;
	}
	p->driver = vdev_driver[drv] + 4;
	return 0;
}

static int probe_pci(struct tz_port *p)
{
	if (rte_eth_dev_get_port_by_name(p->cfg->pci, &p->port_id) != 0) {
		TZ_LOG(DRV_PORT, ERR,
		       "port %s: no DPDK port at PCI %s (is the NIC bound to vfio-pci and its PMD present?)",
		       p->cfg->name, p->cfg->pci);
		return -ENODEV;
	}
	return 0;
}

/* Find or create the wire side; "auto" tries af_xdp, then af_packet. */
static int probe_wire(struct tz_port *p, uint16_t nq)
{
	int rc;

	switch (p->cfg->driver) {
	case TZ_DRV_PCI:
		return probe_pci(p);
	case TZ_DRV_AUTO:
		rc = probe_vdev(p, TZ_DRV_AF_XDP, nq);
		if (rc == 0)
			return 0;
		TZ_LOG(DRV_PORT, NOTICE, "port %s: falling back to af_packet on %s", p->cfg->name,
		       p->cfg->iface);
		return probe_vdev(p, TZ_DRV_AF_PACKET, nq);
	default:
		return probe_vdev(p, p->cfg->driver, nq);
	}
}

/* Configure queues (RSS when several), MTU and start. */
int tz_port_setup(uint16_t port_id, uint16_t n_rx, uint16_t n_tx, uint16_t mtu,
		  uint64_t tx_offloads, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { .txmode.offloads = tx_offloads };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int rc, socket = rte_eth_dev_socket_id(port_id);

	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return rc;
	if (n_rx > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(port_id, n_rx, n_tx, &conf);
	if (rc != 0)
		return rc;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; q < n_rx; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket < 0 ? 0 : socket, NULL, mp);
		if (rc != 0)
			return rc;
	}
	for (uint16_t q = 0; q < n_tx; q++) {
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, socket < 0 ? 0 : socket, NULL);
		if (rc != 0)
			return rc;
	}
	rc = rte_eth_dev_set_mtu(port_id, mtu);
	if (rc != 0 && rc != -ENOTSUP)
		TZ_LOG(DRV_PORT, WARNING, "port %u: MTU %u not set (%s)", port_id, mtu, strerror(-rc));
	return rte_eth_dev_start(port_id);
}

const char *tz_port_tx_cksum(enum tz_cfg_udp_cksum mode, uint64_t capa, uint8_t *tx_flags,
			     uint64_t *offloads)
{
	bool udp = (capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;

	*tx_flags = 0;
	*offloads = 0;
	if (mode == TZ_CKSUM_OFFLOAD && !udp)
		return NULL;
	/* the IPv4 header checksum: 20 bytes, but free when the NIC does it */
	if (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		*tx_flags |= TZ_DP_TX_IP4_OFFLOAD;
		*offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	}
	if (mode == TZ_CKSUM_COMPUTE)
		return "compute";
	if (udp && (mode == TZ_CKSUM_AUTO || mode == TZ_CKSUM_OFFLOAD)) {
		*tx_flags |= TZ_DP_TX_UDP_OFFLOAD;
		*offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		return "offload";
	}
	*tx_flags |= TZ_DP_TX_UDP_ZERO4;
	return "zero";
}

/* Resolve the port's udp_checksum against its device; 0 or -ENOTSUP. */
static int tx_cksum(struct tz_port *p, uint64_t *offloads)
{
	struct rte_eth_dev_info info;
	uint64_t capa = 0;

	if (rte_eth_dev_info_get(p->port_id, &info) == 0)
		capa = info.tx_offload_capa;
	p->udp_checksum = tz_port_tx_cksum(p->cfg->udp_checksum, capa, &p->tx_flags, offloads);
	if (p->udp_checksum == NULL) {
		TZ_LOG(DRV_PORT, ERR, "port %s: udp_checksum: offload, but %s has no UDP checksum "
		       "offload (use auto, zero or compute)", p->cfg->name, p->driver);
		return -ENOTSUP;
	}
	return 0;
}

/* The configured MAC, else the device's own; devices without one (ring,
 * null, pcap) get a random locally administered address, so the TAP and the
 * wire agree on a real unicast MAC. */
static void set_mac(struct tz_port *p)
{
	struct rte_ether_addr mac;

	if (p->cfg->has_mac) {
		memcpy(mac.addr_bytes, p->cfg->mac, sizeof(mac.addr_bytes));
		rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
	}
	rte_eth_macaddr_get(p->port_id, &p->mac);
	if (!rte_is_valid_assigned_ether_addr(&p->mac)) {
		rte_eth_random_addr(mac.addr_bytes);
		rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		p->mac = mac;
	}
}

static int open_one(const struct tz_config *cfg, uint16_t index, struct rte_mempool *mp,
		    uint16_t n_tx, struct tz_port *p)
{
	const struct tz_cfg_port *c = &cfg->ports[index];
	uint16_t nq = c->queues > n_tx ? c->queues : n_tx;
	uint64_t tx_off = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->cfg = c;
	p->index = index;
	p->driver = "pci";
	if (strlen(c->name) + 3 >= IF_NAMESIZE) {
		TZ_LOG(DRV_PORT, ERR, "port %s: name too long for its TAP \"tz-%s\" (at most %d characters)",
		       c->name, c->name, IF_NAMESIZE - 4);
		return -ENAMETOOLONG;
	}
	rc = probe_wire(p, nq);
	if (rc != 0)
		goto err_probe;
	p->n_queues = c->driver == TZ_DRV_PCI ? c->queues : nq;
	set_mac(p);
	if (c->driver == TZ_DRV_AUTO || c->driver == TZ_DRV_AF_PACKET)
		tz_port_isolate_kernel(c->iface);
	rc = tx_cksum(p, &tx_off);
	if (rc != 0)
		return rc;
	rc = tz_port_setup(p->port_id, p->n_queues, c->driver == TZ_DRV_PCI ? n_tx : nq, c->mtu,
			   tx_off, mp);
	if (rc != 0)
		goto err_setup;
	p->wire_started = true;
	rte_eth_allmulticast_enable(p->port_id);
	rc = tz_tap_open(p, n_tx, mp);
	if (rc != 0)
		return rc;
	TZ_LOG(DRV_PORT, INFO, "port %s (%s): %s, ethdev %u, %u queues, TAP %s, UDP checksum %s",
	       c->name, tz_cfg_role_name(c->role), p->driver, p->port_id, p->n_queues, p->tap_ifname,
	       p->udp_checksum);
	return 0;

err_setup:
	TZ_LOG(DRV_PORT, ERR, "port %s: cannot configure and start ethdev %u (%s)", c->name,
	       p->port_id, strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -EIO;
err_probe:
	TZ_LOG(DRV_PORT, ERR, "port %s: cannot open %s%s", c->name,
	       c->pci != NULL ? c->pci : (c->iface != NULL ? c->iface : "its device"),
	       c->driver == TZ_DRV_AUTO ? " with af_xdp or af_packet" : "");
	return rc;
}

int tz_ports_open(const struct tz_config *cfg, struct rte_mempool *mp, uint16_t n_tx_queues,
		  struct tz_port *ports)
{
	for (size_t i = 0; i < cfg->n_ports; i++) {
		int rc = open_one(cfg, (uint16_t)i, mp, n_tx_queues, &ports[i]);

		if (rc != 0) {
			tz_ports_close(ports, i + 1);
			return rc;
		}
	}
	return 0;
}

static void close_dev(uint16_t port_id, bool started, const char *vdev)
{
	if (started)
		rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	if (vdev[0] != '\0')
		rte_vdev_uninit(vdev);
}

void tz_ports_close(struct tz_port *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tz_port *p = &ports[i];

		if (p->tap_vdev[0] != '\0')
			close_dev(p->tap_id, p->tap_started, p->tap_vdev);
		if (p->vdev[0] != '\0' || p->wire_started)
			close_dev(p->port_id, p->wire_started, p->vdev);
		memset(p, 0, sizeof(*p));
	}
	tz_port_next_hop_flush();
}

int tz_ports_eal_args(const struct tz_config *cfg, char **argv, int max)
{
	int n = 0;

	for (size_t i = 0; i < cfg->n_ports; i++) {
		if (cfg->ports[i].driver != TZ_DRV_PCI)
			continue;
		if (n + 2 > max)
			return -E2BIG;
		argv[n++] = "-a";
		argv[n++] = cfg->ports[i].pci;
	}
	return n;
}
