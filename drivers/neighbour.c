/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next-hop MACs for the fast path come from the kernel's neighbour table on
 * the port's TAP: the kernel resolves ARP / ND through the exception path,
 * the control plane reads the answer when it publishes a flow.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "netlink_pvt.h"
#include "ports_pvt.h"

static bool on_link(const struct tz_cfg_cidr *net, const struct tz_cfg_addr *a)
{
	const uint8_t *x = (const uint8_t *)&net->addr.v4, *y = (const uint8_t *)&a->v4;
	unsigned bits = net->prefix;

	if (net->addr.family != a->family)
		return false;
	for (unsigned i = 0; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - (bits > 8 ? 8 : bits)));

		if ((x[i] & mask) != (y[i] & mask))
			return false;
	}
	return true;
}

/* Make the kernel resolve @p a: a zero-length datagram to the discard port. */
static void provoke_resolution(const struct tz_cfg_addr *a)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(9);
		s4->sin_addr = a->v4;
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(9);
		s6->sin6_addr = a->v6;
		len = sizeof(*s6);
	}
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, len);
	close(fd);
}

int tz_port_next_hop(const struct tz_port *p, const struct tz_cfg_addr *dst,
		     struct rte_ether_addr *mac)
{
	const struct tz_cfg_cidr *net = dst->family == AF_INET ? &p->cfg->ipv4 : &p->cfg->ipv6;
	const struct tz_cfg_addr *gw = dst->family == AF_INET ? &p->cfg->gateway4 : &p->cfg->gateway6;
	const struct tz_cfg_addr *hop = on_link(net, dst) ? dst : gw;
	int rc;

	if (hop->family == 0)
		return -ENETUNREACH;
	rc = tz_nl_neigh_get(p->tap_ifindex, hop, mac->addr_bytes);
	if (rc == -ENOENT) {
		provoke_resolution(dst);
		return -EAGAIN;
	}
	return rc;
}
