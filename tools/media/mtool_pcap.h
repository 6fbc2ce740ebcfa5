/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-media's capture files: a pcap (tcpdump format) reader that yields
 * UDP datagrams (Ethernet with VLAN tags, Linux cooked v1/v2, raw IP, BSD
 * loopback; IPv4 and IPv6), an RTP header parser, and a pcap writer of
 * Ethernet/IPv4-or-IPv6/UDP packets that sipp's play_pcap_audio replays.
 * The reader parses untrusted files: tests/fuzz/mtool_pcap.
 */
#ifndef TZ_MTOOL_PCAP_H
#define TZ_MTOOL_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tz_mtool_udp {
	uint64_t ts_us;                 /* capture time, microseconds */
	int family;                     /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t len;
};

/* Return non-zero to stop the walk (the walk returns that value). */
typedef int (*tz_mtool_udp_fn)(const struct tz_mtool_udp *u, void *arg);

/** Walk a pcap file held in memory, calling fn for every UDP datagram (not
 *  fragments).  Returns 0 (or fn's non-zero), -EBADMSG (not pcap, or pcapng:
 *  *why says which), -ENOTSUP (link type). */
int tz_mtool_pcap_walk(const uint8_t *buf, size_t len, tz_mtool_udp_fn fn, void *arg,
		       const char **why);

struct tz_mtool_rtp {
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts, ssrc;
	const uint8_t *payload;
	size_t len;
};

/** Parse an RTP header (RFC 3550 5.1: version 2, CSRCs, extension, padding).
 *  Returns 0 or -EBADMSG (also for RTCP, PT 72..76). */
int tz_mtool_rtp_parse(const uint8_t *p, size_t len, struct tz_mtool_rtp *r);

struct tz_mtool_pcap_writer {
	FILE *f;
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint16_t ip_id;
};

/** Open path and write the pcap header (Ethernet).  src/dst "IP:PORT" or
 *  "[IPv6]:PORT".  Returns 0, -EINVAL (address), -errno. */
int tz_mtool_pcap_open(struct tz_mtool_pcap_writer *w, const char *path, const char *src,
		       const char *dst);
/** Append one UDP datagram captured at ts_us. */
int tz_mtool_pcap_write(struct tz_mtool_pcap_writer *w, uint64_t ts_us, const uint8_t *payload,
			size_t len);
int tz_mtool_pcap_close(struct tz_mtool_pcap_writer *w);

/** Parse "IP:PORT" / "[IPv6]:PORT".  Returns the family or -EINVAL. */
int tz_mtool_addr_parse(const char *s, uint8_t addr[16], uint16_t *port);

#endif
