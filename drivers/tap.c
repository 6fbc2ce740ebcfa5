/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: one net_tap interface per port, carrying the port's
 * MAC and the gateway's addresses on that network.  The kernel answers ARP,
 * neighbour discovery and ICMP there, and the control plane's sockets
 * (signalling, SIP, ICE/DTLS) bind to its addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "netlink_pvt.h"
#include "ports_pvt.h"
#include "tz_dp.h"
#include "tz_log.h"

static const char *addr_str(const struct tz_cfg_addr *a, char *buf, size_t len)
{
	return inet_ntop(a->family, &a->v4, buf, (socklen_t)len);
}

/* The port's further media addresses on the TAP, with ipv4's prefix: the
 * kernel answers ARP for them and the control plane binds them. */
static int tap_media_addresses(const struct tz_port *p)
{
	char buf[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < p->cfg->n_media_addrs; i++) {
		struct tz_cfg_cidr a = { .addr = p->cfg->media_addrs[i].addr,
					 .prefix = p->cfg->ipv4.prefix };

		rc = tz_nl_addr_add(p->tap_ifindex, &a);
		if (rc != 0 && rc != -EEXIST) {
			TZ_LOG(DRV_TAP, ERR, "%s: cannot add media address %s/%u: %s",
			       p->tap_ifname, addr_str(&a.addr, buf, sizeof(buf)), a.prefix,
			       strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void tz_port_media_addrs(const struct tz_port *p, struct tz_dp_rxq *q)
{
	q->n_addr4 = 0;
	for (size_t i = 0; i < p->cfg->n_media_addrs && i < TZ_DP_MAX_LOCAL_ADDRS - 1; i++)
		if (p->cfg->media_addrs[i].addr.family == AF_INET)
			q->addr4[q->n_addr4++] = p->cfg->media_addrs[i].addr.v4.s_addr;
}

/* Addresses and routes on the TAP; -errno on the first failure. */
static int tap_addresses(const struct tz_port *p)
{
	const struct tz_cfg_cidr *cidrs[] = { &p->cfg->ipv4, &p->cfg->ipv6 };
	const struct tz_cfg_addr *gws[] = { &p->cfg->gateway4, &p->cfg->gateway6 };
	char buf[INET6_ADDRSTRLEN];
	int rc;

	rc = tz_nl_link_up(p->tap_ifindex);
	if (rc != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		if (cidrs[i]->addr.family == 0)
			continue;
		rc = tz_nl_addr_add(p->tap_ifindex, cidrs[i]);
		if (rc != 0 && rc != -EEXIST) {
			TZ_LOG(DRV_TAP, ERR, "%s: cannot add address %s/%u: %s", p->tap_ifname,
			       addr_str(&cidrs[i]->addr, buf, sizeof(buf)), cidrs[i]->prefix,
			       strerror(-rc));
			return rc;
		}
	}
	rc = tap_media_addresses(p);
	if (rc != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		if (gws[i]->family == 0)
			continue;
		rc = tz_nl_route_default(p->tap_ifindex, gws[i]);
		if (rc != 0) {
			TZ_LOG(DRV_TAP, ERR, "%s: cannot add default route via %s: %s", p->tap_ifname,
			       addr_str(gws[i], buf, sizeof(buf)), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int tz_tap_open(struct tz_port *p, uint16_t n_queues, struct rte_mempool *mp)
{
	char args[128];
	int rc;

	snprintf(p->tap_ifname, sizeof(p->tap_ifname), "tz-%.12s", p->cfg->name);
	snprintf(p->tap_vdev, sizeof(p->tap_vdev), "net_tap_tz_%s", p->cfg->name);
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, p->tap_ifname,
		 RTE_ETHER_ADDR_BYTES(&p->mac));
	rc = rte_vdev_init(p->tap_vdev, args);
	if (rc != 0) {
		TZ_LOG(DRV_TAP, ERR, "port %s: cannot create TAP %s (needs /dev/net/tun and CAP_NET_ADMIN)",
		       p->cfg->name, p->tap_ifname);
		p->tap_vdev[0] = '\0';
		return rc < 0 ? rc : -EIO;
	}
	if (rte_eth_dev_get_port_by_name(p->tap_vdev, &p->tap_id) != 0)
		return -ENODEV;
	p->n_tap_queues = n_queues;
	rc = tz_port_setup(p->tap_id, n_queues, n_queues, p->cfg->mtu, 0, mp);
	if (rc != 0) {
		TZ_LOG(DRV_TAP, ERR, "%s: cannot start (%s)", p->tap_ifname, strerror(-rc));
		return rc;
	}
	p->tap_started = true;
	p->tap_ifindex = (int)if_nametoindex(p->tap_ifname);
	if (p->tap_ifindex == 0)
		return -ENODEV;
	return tap_addresses(p);
}

static void write_sysctl(const char *fmt, const char *ifname, const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), fmt, ifname);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs(value, f);
	fclose(f);
}

/*
 * With af_packet the kernel still sees every frame DPDK reads.  Without
 * this it would answer ARP for the TAP's addresses on the wire interface
 * (arp_ignore 0 answers for any local address) and accept IP packets
 * there, so requests would be answered twice.  Strict reverse-path
 * filtering drops IPv4 (the route back points at the TAP), arp_ignore 8
 * silences ARP and IPv6 is switched off on the interface.
 */
void tz_port_isolate_kernel(const char *ifname)
{
	if (ifname == NULL)
		return;
	write_sysctl("/proc/sys/net/ipv4/conf/%s/rp_filter", ifname, "1");
	write_sysctl("/proc/sys/net/ipv4/conf/%s/arp_ignore", ifname, "8");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname, "1");
}
