/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap reader and writer for trapeze-media.  The reader trusts no length: a
 * record's captured length against the file, each header against the
 * captured bytes, the IP and UDP lengths against what is there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mtool_pcap.h"

#define PCAP_MAGIC_US 0xA1B2C3D4u
#define PCAP_MAGIC_NS 0xA1B23C4Du
#define PCAPNG_MAGIC 0x0A0D0D0Au
#define LINK_NULL 0
#define LINK_ETHERNET 1
#define LINK_RAW 101
#define LINK_RAW_OLD 12
#define LINK_SLL 113
#define LINK_SLL2 276
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8
#define IPPROTO_UDP_ 17
#define MAX_RECORD (256 * 1024)

struct pcap_ctx {
	bool swap, ns;
	uint32_t link;
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int udp(const uint8_t *p, size_t len, struct tz_mtool_udp *u)
{
	size_t ulen;

	if (len < 8)
		return -1;
	ulen = be16(p + 4);
	if (ulen < 8 || ulen > len)
		return -1;
	u->sport = be16(p);
	u->dport = be16(p + 2);
	u->payload = p + 8;
	u->len = ulen - 8;
	return 0;
}

/* An IP packet (either version) to its UDP datagram. */
static int ip(const uint8_t *p, size_t len, struct tz_mtool_udp *u)
{
	size_t hl, tot;

	if (len < 1)
		return -1;
	if (p[0] >> 4 == 4) {
		if (len < 20)
			return -1;
		hl = (size_t)(p[0] & 0x0F) * 4;
		tot = be16(p + 2);
		/* Fragments (offset or more-fragments) are not reassembled. */
		if (hl < 20 || tot < hl || tot > len || p[9] != IPPROTO_UDP_ ||
		    (be16(p + 6) & 0x3FFF) != 0)
			return -1;
		u->family = AF_INET;
		memcpy(u->src, p + 12, 4);
		memcpy(u->dst, p + 16, 4);
		return udp(p + hl, tot - hl, u);
	}
	if (p[0] >> 4 == 6) {
		if (len < 40)
			return -1;
		tot = (size_t)be16(p + 4) + 40;
		if (tot > len || p[6] != IPPROTO_UDP_)
			return -1;
		u->family = AF_INET6;
		memcpy(u->src, p + 8, 16);
		memcpy(u->dst, p + 24, 16);
		return udp(p + 40, tot - 40, u);
	}
	return -1;
}

/* Link-layer header to the IP packet. */
static int link_layer(const struct pcap_ctx *c, const uint8_t *p, size_t len,
		      struct tz_mtool_udp *u)
{
	size_t off;
	uint16_t type;

	switch (c->link) {
	case LINK_ETHERNET:
		if (len < 14)
			return -1;
		off = 12;
		type = be16(p + off);
		while ((type == ETH_VLAN || type == ETH_QINQ) && len >= off + 6) {
			off += 4;
			type = be16(p + off);
		}
		off += 2;
		break;
	case LINK_SLL:
		if (len < 16)
			return -1;
		type = be16(p + 14);
		off = 16;
		break;
	case LINK_SLL2:
		if (len < 20)
			return -1;
		type = be16(p);
		off = 20;
		break;
	case LINK_NULL:
		if (len < 4)
			return -1;
		return ip(p + 4, len - 4, u);
	default:        /* raw IP */
		return ip(p, len, u);
	}
	if (type != ETH_IPV4 && type != ETH_IPV6)
		return -1;
	return ip(p + off, len - off, u);
}

static int header(const uint8_t *buf, size_t len, struct pcap_ctx *c, const char **why)
{
	uint32_t magic;

	if (len < 24) {
		*why = "shorter than a pcap header";
		return -EBADMSG;
	}
	memcpy(&magic, buf, 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
		c->swap = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
		c->swap = true;
	} else {
		*why = magic == PCAPNG_MAGIC ? "pcapng: write pcap (tcpdump -w, or editcap -F pcap)"
					     : "not a pcap file";
		return -EBADMSG;
	}
	c->ns = rd32(buf, c->swap) == PCAP_MAGIC_NS;
	c->link = rd32(buf + 20, c->swap) & 0x0FFFFFFF;
	if (c->link != LINK_ETHERNET && c->link != LINK_SLL && c->link != LINK_SLL2 &&
	    c->link != LINK_RAW && c->link != LINK_RAW_OLD && c->link != LINK_NULL) {
		*why = "link type not Ethernet, Linux cooked, raw IP or loopback";
		return -ENOTSUP;
	}
	return 0;
}

int tz_mtool_pcap_walk(const uint8_t *buf, size_t len, tz_mtool_udp_fn fn, void *arg,
		       const char **why)
{
	struct pcap_ctx c;
	size_t off = 24;
	const char *dummy;
	int r;

	if (why == NULL)
		why = &dummy;
	if ((r = header(buf, len, &c, why)) != 0)
		return r;
	while (len - off >= 16) {
		uint32_t sec = rd32(buf + off, c.swap), frac = rd32(buf + off + 4, c.swap);
		uint32_t caplen = rd32(buf + off + 8, c.swap);
		struct tz_mtool_udp u = { 0 };

		off += 16;
		/* A truncated last record (capture cut short) ends the walk. */
		if (caplen > MAX_RECORD || caplen > len - off)
			break;
		u.ts_us = (uint64_t)sec * 1000000u + (c.ns ? frac / 1000u : frac);
		if (link_layer(&c, buf + off, caplen, &u) == 0 && (r = fn(&u, arg)) != 0)
			return r;
		off += caplen;
	}
	return 0;
}

int tz_mtool_rtp_parse(const uint8_t *p, size_t len, struct tz_mtool_rtp *r)
{
	size_t off = 12;

	if (len < 12 || p[0] >> 6 != 2)
		return -EBADMSG;
	/* RFC 5761 4: PT 72-76 with the marker are RTCP SR/RR/SDES/BYE/APP. */
	if ((p[1] & 0x7F) >= 72 && (p[1] & 0x7F) <= 76)
		return -EBADMSG;
	off += (size_t)(p[0] & 0x0F) * 4;
	if (p[0] & 0x10) {
		if (len < off + 4)
			return -EBADMSG;
		off += 4 + (size_t)be16(p + off + 2) * 4;
	}
	if (len < off)
		return -EBADMSG;
	r->len = len - off;
	if (p[0] & 0x20) {
		if (r->len == 0 || p[len - 1] == 0 || p[len - 1] > r->len)
			return -EBADMSG;
		r->len -= p[len - 1];
	}
	r->pt = p[1] & 0x7F;
	r->marker = p[1] >> 7;
	r->seq = be16(p + 2);
	r->ts = (uint32_t)be16(p + 4) << 16 | be16(p + 6);
	r->ssrc = (uint32_t)be16(p + 8) << 16 | be16(p + 10);
	r->payload = p + off;
	return 0;
}

int tz_mtool_addr_parse(const char *s, uint8_t addr[16], uint16_t *port)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long v;
	size_t hl;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			return -EINVAL;
		hl = (size_t)(colon - s - 1);
		s++;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	if (inet_pton(AF_INET, host, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, host, addr) == 1)
		return AF_INET6;
	return -EINVAL;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);               /* pcap is in the writer's byte order */
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

int tz_mtool_pcap_open(struct tz_mtool_pcap_writer *w, const char *path, const char *src,
		       const char *dst)
{
	uint8_t h[24];
	int fs, fd;

	memset(w, 0, sizeof(*w));
	fs = tz_mtool_addr_parse(src, w->src, &w->sport);
	fd = tz_mtool_addr_parse(dst, w->dst, &w->dport);
	if (fs < 0 || fs != fd)
		return -EINVAL;
	w->family = fs;
	w->f = fopen(path, "wbe");
	if (w->f == NULL)
		return -errno;
	put32(h, PCAP_MAGIC_US);
	{
		uint16_t ver[2] = { 2, 4 };             /* 2.4, in the magic's byte order */

		memcpy(h + 4, ver, 4);
	}
	put32(h + 8, 0);
	put32(h + 12, 0);
	put32(h + 16, 65535);
	put32(h + 20, LINK_ETHERNET);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		return -EIO;
	return 0;
}

int tz_mtool_pcap_write(struct tz_mtool_pcap_writer *w, uint64_t ts_us, const uint8_t *payload,
			size_t len)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t pkt[14 + 40 + 8 + 1500];
	bool v6 = w->family == AF_INET6;
	size_t iphl = v6 ? 40 : 20, total = 14 + iphl + 8 + len;
	uint8_t *iph = pkt + 14, *udph = iph + iphl;
	uint32_t s;

	if (len > 1500 - iphl - 8)
		return -EMSGSIZE;
	memcpy(pkt, macs, 12);
	put_be16(pkt + 12, v6 ? ETH_IPV6 : ETH_IPV4);
	memset(iph, 0, iphl);
	if (v6) {
		iph[0] = 0x60;
		put_be16(iph + 4, (uint16_t)(8 + len));
		iph[6] = IPPROTO_UDP_;
		iph[7] = 64;
		memcpy(iph + 8, w->src, 16);
		memcpy(iph + 24, w->dst, 16);
	} else {
		iph[0] = 0x45;
		put_be16(iph + 2, (uint16_t)(20 + 8 + len));
		put_be16(iph + 4, w->ip_id++);
		put_be16(iph + 6, 0x4000);              /* don't fragment */
		iph[8] = 64;
		iph[9] = IPPROTO_UDP_;
		memcpy(iph + 12, w->src, 4);
		memcpy(iph + 16, w->dst, 4);
		put_be16(iph + 10, fold(sum16(iph, 20, 0)));
	}
	put_be16(udph, w->sport);
	put_be16(udph + 2, w->dport);
	put_be16(udph + 4, (uint16_t)(8 + len));
	put_be16(udph + 6, 0);
	memcpy(udph + 8, payload, len);
	/* UDP checksum over the pseudo-header (RFC 768; RFC 8200 8.1). */
	s = sum16(v6 ? iph + 8 : iph + 12, v6 ? 32 : 8, 0) + IPPROTO_UDP_ + (uint32_t)(8 + len);
	s = fold(sum16(udph, 8 + len, s));
	put_be16(udph + 6, s == 0 ? 0xFFFF : (uint16_t)s);

	{
		uint8_t rec[16];

		put32(rec, (uint32_t)(ts_us / 1000000u));
		put32(rec + 4, (uint32_t)(ts_us % 1000000u));
		put32(rec + 8, (uint32_t)total);
		put32(rec + 12, (uint32_t)total);
		if (fwrite(rec, 1, 16, w->f) != 16 || fwrite(pkt, 1, total, w->f) != total)
			return -EIO;
	}
	return 0;
}

int tz_mtool_pcap_close(struct tz_mtool_pcap_writer *w)
{
	int r = 0;

	if (w->f && fclose(w->f) != 0)
		r = -EIO;
	w->f = NULL;
	return r;
}
