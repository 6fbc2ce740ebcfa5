/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal rtnetlink client for the exception path: put the gateway's
 * addresses and routes on the TAP interfaces.  Control thread only, at
 * start-up; never on the packet path.
 */
#ifndef TZ_NETLINK_PVT_H
#define TZ_NETLINK_PVT_H

#include "tz_config.h"

/** Add @p cidr to interface @p ifindex (IPv6 without DAD). 0, -EEXIST or -errno. */
int tz_nl_addr_add(int ifindex, const struct tz_cfg_cidr *cidr);

/** Add a default route via @p gw on @p ifindex. 0 or -errno. */
int tz_nl_route_default(int ifindex, const struct tz_cfg_addr *gw);

/** Set the interface administratively up. 0 or -errno. */
int tz_nl_link_up(int ifindex);

/**
 * The kernel's neighbour entry (ARP / ND) for @p addr on @p ifindex.
 * @return 0 with @p mac filled, -ENOENT (no usable entry: absent,
 *         incomplete or failed), or -errno.
 */
int tz_nl_neigh_get(int ifindex, const struct tz_cfg_addr *addr, uint8_t mac[6]);

#endif
