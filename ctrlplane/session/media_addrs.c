/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A side's media addresses (ports[].media_addresses): index 0 is the port's
 * own address, 1..n its further IPv4 media addresses.  Each address holds
 * the side's whole media port range, so a box holds (1 + n) x range calls
 * per side.  A call takes the least used address that still has a free
 * port (ties: the lowest index); the count per address is kept here, per
 * side, for the choice and for `show ports`.  The index travels in the
 * flow key's pad (0 = the direct index, others the hash) and picks the
 * egress source address.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "calls_pvt.h"

static unsigned used[TZ_ROLE_COUNT][TZ_DP_MAX_LOCAL_ADDRS];

static const struct tz_cfg_port *side_port(enum tz_cfg_role r)
{
	const struct tz_port *p = r == TZ_ROLE_CORE ? tz_calls_env.core : tz_calls_env.access;

	return p != NULL ? p->cfg : NULL;
}

unsigned tz_media_addr_n(enum tz_cfg_role r)
{
	const struct tz_cfg_port *p = side_port(r);

	if (p == NULL || p->ipv4.addr.family != AF_INET)
		return 1;
	return 1u + (unsigned)MIN(p->n_media_addrs, (size_t)TZ_DP_MAX_LOCAL_ADDRS - 1);
}

struct in_addr tz_media_addr_v4(enum tz_cfg_role r, unsigned i)
{
	const struct tz_cfg_port *p = side_port(r);
	struct in_addr none = { 0 };

	if (p == NULL)
		return none;
	if (i == 0 || i >= tz_media_addr_n(r))
		return p->ipv4.addr.family == AF_INET ? p->ipv4.addr.v4 : none;
	return p->media_addrs[i - 1].addr.v4;
}

/* The address as text for SDP and `show`: index 0 is the port's IPv4
 * address, else its IPv6 one (an IPv6-only port), else 0.0.0.0. */
void tz_media_addr_str(enum tz_cfg_role r, unsigned i, char *out, size_t len)
{
	const struct tz_cfg_port *p = side_port(r);
	struct in_addr a;

	if (p != NULL && p->ipv4.addr.family != AF_INET && p->ipv6.addr.family == AF_INET6) {
		inet_ntop(AF_INET6, &p->ipv6.addr.v6, out, (socklen_t)len);
		return;
	}
	a = tz_media_addr_v4(r, i);
	inet_ntop(AF_INET, &a, out, (socklen_t)len);
}

/* Index of @p a among the side's media addresses, or -1. */
int tz_media_addr_find(enum tz_cfg_role r, const struct tz_cfg_addr *a)
{
	const struct tz_cfg_port *p = side_port(r);

	if (p == NULL)
		return -1;
	if (a->family == AF_INET6)
		return p->ipv6.addr.family == AF_INET6 && memcmp(&a->v6, &p->ipv6.addr.v6, 16) == 0
		       ? 0 : -1;
	if (a->family != AF_INET)
		return -1;
	for (unsigned i = 0; i < tz_media_addr_n(r); i++)
		if (p->ipv4.addr.family == AF_INET && tz_media_addr_v4(r, i).s_addr == a->v4.s_addr)
			return (int)i;
	return -1;
}

/* The side's address indexes, least used first (stable: ties by index);
 * returns how many. */
unsigned tz_media_addr_order(enum tz_cfg_role r, unsigned order[TZ_DP_MAX_LOCAL_ADDRS])
{
	unsigned n = tz_media_addr_n(r);

	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		while (j > 0 && used[r][order[j - 1]] > used[r][i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	return n;
}

void tz_media_addr_take(enum tz_cfg_role r, unsigned i)
{
	if (i < TZ_DP_MAX_LOCAL_ADDRS)
		used[r][i]++;
}

void tz_media_addr_put(enum tz_cfg_role r, unsigned i)
{
	if (i < TZ_DP_MAX_LOCAL_ADDRS && used[r][i] > 0)
		used[r][i]--;
}

unsigned tz_media_addr_used(enum tz_cfg_role r, unsigned i)
{
	return i < TZ_DP_MAX_LOCAL_ADDRS ? used[r][i] : 0;
}

unsigned tz_calls_media_addr_calls(enum tz_cfg_role role, unsigned i)
{
	return role < TZ_ROLE_COUNT ? tz_media_addr_used(role, i) : 0;
}

/* The flow key's local-address index and the egress source of address
 * @p i on side @p r (IPv4 only: an IPv6 flow keeps the port's address). */
void tz_media_addr_apply(enum tz_cfg_role r, unsigned i, struct tz_dp_flow_key *k,
			 struct tz_dp_egress *e)
{
	struct in_addr a;

	if (i == 0 || e->family != AF_INET)
		return;
	a = tz_media_addr_v4(r, i);
	k->pad = (uint16_t)i;
	memcpy(e->src, &a, 4);
}

/* Bind an even RTP port and the RTCP port above it on @p a, from
 * @p *cursor on (round-robin over the range); 0 and the fds, or -EADDRINUSE. */
int tz_media_bind_core_pair(struct in_addr a, unsigned *cursor, int fd[2], uint16_t *port_out)
{
	const struct tz_cfg_range *r = &tz_calls_env.cfg->media.ports[TZ_ROLE_CORE];
	unsigned base = (r->first + 1u) & ~1u, span = (unsigned)(r->last - base + 1) / 2;

	for (unsigned i = 0; i < span; i++) {
		uint16_t port = (uint16_t)(base + 2 * ((*cursor + i) % span));
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = a };
		int fd0 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int fd1 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		sa.sin_port = htons(port);
		if (bind(fd0, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			sa.sin_port = htons(port + 1);
			if (bind(fd1, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
				fd[0] = fd0;
				fd[1] = fd1;
				*port_out = port;
				*cursor = (*cursor + i + 1) % span;
				return 0;
			}
		}
		close(fd0);
		close(fd1);
	}
	return -EADDRINUSE;
}

/* Hold an even RTP port and the RTCP port above it on one of the core
 * media addresses, the least used first, so no other call or process gets
 * them. */
int tz_media_core_ports(struct call *c)
{
	static unsigned cursor[TZ_DP_MAX_LOCAL_ADDRS];
	unsigned order[TZ_DP_MAX_LOCAL_ADDRS];
	unsigned n = tz_media_addr_order(TZ_ROLE_CORE, order);

	for (unsigned i = 0; i < n; i++) {
		unsigned a = order[i];

		if (tz_media_bind_core_pair(tz_media_addr_v4(TZ_ROLE_CORE, a), &cursor[a], c->media.core_fd,
			      &c->media.core_port) == 0) {
			c->media.core_addr = (uint8_t)a;
			tz_media_addr_take(TZ_ROLE_CORE, a);
			return 0;
		}
	}
	return -EADDRINUSE;
}

void tz_media_core_ports_close(struct call *c)
{
	tz_video_free(c);
	if (c->media.core_fd[0] > 0)
		tz_media_addr_put(TZ_ROLE_CORE, c->media.core_addr);
	for (int i = 0; i < 2; i++) {
		if (c->media.core_fd[i] > 0)
			close(c->media.core_fd[i]);
		c->media.core_fd[i] = -1;
	}
}
