/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next-hop MACs for the fast path come from the kernel's neighbour table on
 * the port's TAP: the kernel resolves ARP / ND through the exception path,
 * the control plane reads the answer when it publishes a flow.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
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

/*
 * Resolved next hops, kept for NH_TTL_NS: a publish used to cost a netlink
 * socket and a dump of the whole neighbour table per call.  Only answers
 * with a MAC are kept (an unresolved hop is asked again each time); a
 * changed or failed neighbour is seen at most NH_TTL_NS late.
 */
#define NH_SLOTS 64
#define NH_TTL_NS 1000000000ULL

struct nh_entry {
	uint64_t expires;
	int ifindex;
	struct tz_cfg_addr hop;
	uint8_t mac[6];
};

static struct nh_entry nh_cache[NH_SLOTS];
static pthread_mutex_t nh_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t nh_hits, nh_lookups;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t (*nh_clock)(void) = mono_ns;

void tz_port_next_hop_clock(uint64_t (*now_ns)(void))
{
	pthread_mutex_lock(&nh_lock);
	nh_clock = now_ns != NULL ? now_ns : mono_ns;
	pthread_mutex_unlock(&nh_lock);
}

void tz_port_next_hop_flush(void)
{
	pthread_mutex_lock(&nh_lock);
	memset(nh_cache, 0, sizeof(nh_cache));
	pthread_mutex_unlock(&nh_lock);
}

void tz_port_next_hop_stats(uint64_t *hits, uint64_t *lookups)
{
	pthread_mutex_lock(&nh_lock);
	*hits = nh_hits;
	*lookups = nh_lookups;
	pthread_mutex_unlock(&nh_lock);
}

static struct nh_entry *nh_slot(int ifindex, const struct tz_cfg_addr *hop)
{
	const uint8_t *b = (const uint8_t *)&hop->v4;
	size_t n = hop->family == AF_INET ? sizeof(hop->v4) : sizeof(hop->v6);
	uint32_t h = 2166136261u ^ (uint32_t)ifindex;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return &nh_cache[h % NH_SLOTS];
}

static bool nh_same(const struct nh_entry *e, int ifindex, const struct tz_cfg_addr *hop)
{
	size_t n = hop->family == AF_INET ? sizeof(hop->v4) : sizeof(hop->v6);

	return e->expires != 0 && e->ifindex == ifindex && e->hop.family == hop->family &&
	       memcmp(&e->hop.v4, &hop->v4, n) == 0;
}

/* The kernel's answer for @p hop on @p ifindex, from the cache while fresh. */
static int nh_lookup(int ifindex, const struct tz_cfg_addr *hop, uint8_t mac[6])
{
	struct nh_entry *e;
	uint64_t now;
	int rc;

	pthread_mutex_lock(&nh_lock);
	nh_lookups++;
	now = nh_clock();
	e = nh_slot(ifindex, hop);
	if (nh_same(e, ifindex, hop) && now < e->expires) {
		memcpy(mac, e->mac, 6);
		nh_hits++;
		pthread_mutex_unlock(&nh_lock);
		return 0;
	}
	pthread_mutex_unlock(&nh_lock);
	rc = tz_nl_neigh_get(ifindex, hop, mac);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&nh_lock);
	e->expires = nh_clock() + NH_TTL_NS;
	e->ifindex = ifindex;
	e->hop = *hop;
	memcpy(e->mac, mac, 6);
	pthread_mutex_unlock(&nh_lock);
	return 0;
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
	rc = nh_lookup(p->tap_ifindex, hop, mac->addr_bytes);
	if (rc == -ENOENT) {
		provoke_resolution(dst);
		return -EAGAIN;
	}
	return rc;
}
