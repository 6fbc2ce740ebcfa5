/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the worker's whole per-packet path: one frame per input through the
 * real worker (run round by round on this thread, worker_pvt.h) on ring
 * ethdevs: classify, punt policer, bulk lookup, SRTP, payload-type and SSRC
 * rewrite, echo, egress headers.  Published flows:
 *
 *   access port (media 20000-29999)
 *     198.51.100.10:40000 -> :20000  srtp>rtp, PT 111->0 101->126 after
 *     198.51.100.10:40002 -> :20002  echo, SSRC 0xcafe0002
 *   core port (media 30000-39999)
 *     203.0.113.2:5004 -> :30000     rtp>srtp, SSRC 0xcafe0001, PT 126->101
 *     203.0.113.2:5005 -> :30001     rtp>srtp, RTCP port
 *     203.0.113.3:6000 -> :30002     rtp>rtp, PT 0->8 101->126
 *
 * Input: byte 0 picks the 5-tuple (0: the rest is a raw Ethernet frame for
 * the access port, 1: raw for the core port, 2-6: the flows above, 7: an
 * unknown source on the core port -- what latching would look at -- with
 * the rest as UDP payload).  A rule broken aborts:
 * - nothing leaves a wire port but well-formed IPv4/UDP whose lengths agree;
 * - RTP leaving the rtp>srtp and echo flows carries our SSRC; no PT in a
 *   flow's map leaves unrewritten; media leaves only from a flow's ports;
 * - every received packet is accounted for by a counter.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "../../unit/dataplane/fp_test.h"
#include "tz_dp.h"
#include "tz_session.h"
#include "tz_srtp.h"
#include "worker_pvt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { WEB, SIP, KWEB, KSIP, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;

struct tuple {
	int port;               /* WEB or SIP */
	const char *src;
	uint16_t sport, dport;
};

static const struct tuple tuples[] = {
	[2] = { WEB, "198.51.100.10", 40000, 20000 },
	[3] = { WEB, "198.51.100.10", 40002, 20002 },
	[4] = { SIP, "203.0.113.2", 5004, 30000 },
	[5] = { SIP, "203.0.113.2", 5005, 30001 },
	[6] = { SIP, "203.0.113.3", 6000, 30002 },
	[7] = { SIP, "203.0.113.9", 7000, 30000 },
};

static void die(const char *what)
{
	fprintf(stderr, "fuzz_worker: %s\n", what);
	exit(1);
}

static void publish(const char *remote, uint16_t rport, uint16_t lport, uint16_t port_idx,
		    struct tz_dp_flow *f)
{
	struct tz_dp_flow_key k;

	fp_test_key(&k, remote, rport, lport, port_idx);
	if (tz_dp_flow_add(sess, &k, f) < 0)
		die("flow_add");
}

static void flows(void)
{
	static const uint8_t mk[30] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
	struct tz_srtp_ctx *in = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
						    TZ_SRTP_DIR_UNPROTECT, mk, 16, mk + 16, 14);
	struct tz_srtp_ctx *out = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
						     TZ_SRTP_DIR_PROTECT, mk, 16, mk + 16, 14);
	struct tz_dp_flow f;

	if (in == NULL || out == NULL)
		die("srtp contexts");
	f = (struct tz_dp_flow){ .id = 1, .xform = TZ_XF_UNPROTECT, .srtp = in, .srtcp = in,
				 .pt = { 2, { 111, 101 }, { 0, 126 } } };
	fp_test_egress(&f.out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5005);
	publish("198.51.100.10", 40000, 20000, 0, &f);
	f = (struct tz_dp_flow){ .id = 2, .xform = TZ_XF_ECHO, .srtp = in, .srtcp = in,
				 .srtp_out = out, .ssrc_out = 0xcafe0002 };
	fp_test_egress(&f.out, 0, "198.51.100.1", 20002, "198.51.100.10", 40002, 40003);
	publish("198.51.100.10", 40002, 20002, 0, &f);
	f = (struct tz_dp_flow){ .id = 1, .xform = TZ_XF_PROTECT, .srtp = out, .srtcp = out,
				 .ssrc_out = 0xcafe0001, .pt = { 1, { 126 }, { 101 } } };
	fp_test_egress(&f.out, 0, "198.51.100.1", 20000, "198.51.100.10", 40000, 40001);
	publish("203.0.113.2", 5004, 30000, 1, &f);
	f.is_rtcp_port = 1;
	publish("203.0.113.2", 5005, 30001, 1, &f);
	f = (struct tz_dp_flow){ .id = 3, .xform = TZ_XF_FORWARD,
				 .pt = { 2, { 0, 101 }, { 8, 126 } } };
	fp_test_egress(&f.out, 0, "198.51.100.1", 20004, "198.51.100.11", 41000, 41001);
	publish("203.0.113.3", 6000, 30002, 1, &f);
}

/* The engine lives in DPDK memory, which LeakSanitizer does not scan: the
 * intel-ipsec-mb managers it holds would be reported as leaked at exit. */
static void engine_fini(void)
{
	tz_srtp_engine_destroy(eng);
	eng = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tz_srtp_engine_conf ec = { .nb_workers = 1, .max_ctx = 8, .socket_id = -1 };
	struct tz_dp_worker_conf c = { .lcore = 0, .index = 0, .n_ports = 2,
				       .punt_pps = 50, .punt_burst = 8, .punt_pps_total = 200 };
	char prefix[48];

	snprintf(prefix, sizeof(prefix), "fuzz_worker_%d", (int)getpid());
	mp = fp_test_eal(prefix);
	if (mp == NULL || fp_test_ring_ports(mp, "fzw", NPORTS, rx, tx, pid) != 0)
		die("EAL or ring ports");
	sess = tz_dp_sessions_create("fzw_sessions", 16, 1, 0);
	eng = tz_srtp_engine_create(&ec);
	if (sess == NULL || eng == NULL)
		die("session table or crypto engine");
	atexit(engine_fini);
	flows();
	c.sessions = sess;
	c.srtp_qp = tz_srtp_engine_qp(eng, 0);
	c.wire_port[0] = pid[WEB];
	c.wire_port[1] = pid[SIP];
	c.tap_port[0] = pid[KWEB];
	c.tap_port[1] = pid[KSIP];
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = pid[WEB], .tx_port = pid[KWEB], .port_idx = 0,
					       .media_first = 20000, .media_last = 29999 };
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = pid[SIP], .tx_port = pid[KSIP], .port_idx = 1,
					       .media_first = 30000, .media_last = 39999,
					       .n_addr4 = 2,   /* media_addresses: the key's index */
					       .addr4 = { htonl(0xcb00710bu), htonl(0xcb00710cu) } };
	if (tz_dp_inline_start(&c) != 0)
		die("inline worker");
	return 0;
}

static bool in_map(const struct tz_dp_pt_rewrite *rw, uint8_t pt)
{
	for (int i = 0; i < rw->n; i++)
		if (rw->from[i] == pt)
			return true;
	return false;
}

/* A frame the fast path sent out of a wire port. */
static void check_wire(struct rte_mbuf *m, int port)
{
	static const struct tz_dp_pt_rewrite to_sip = { 2, { 111, 101 }, { 0, 126 } };
	static const struct tz_dp_pt_rewrite to_web = { 1, { 126 }, { 101 } };
	static const struct tz_dp_pt_rewrite fwd = { 2, { 0, 101 }, { 8, 126 } };
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, void *, 14);
	const struct rte_udp_hdr *udp = (const void *)(ip + 1);
	const uint8_t *rtp = (const uint8_t *)(udp + 1);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint16_t sport, dport;

	if (m->nb_segs != 1 || len < 42 + 8 || len != rte_pktmbuf_data_len(m) ||
	    ntohs(ip->total_length) != len - 14 || ntohs(udp->dgram_len) != len - 34 ||
	    (uint32_t)m->data_off + len > m->buf_len)
		abort();
	sport = ntohs(udp->src_port);
	dport = ntohs(udp->dst_port);
	if (sport & 1)                  /* RTCP leaves from the odd port above */
		return;
	if (len < 42 + 12)
		abort();
	if (port == SIP) {              /* from the browser's flow: PT rewritten */
		if (sport != 30000 || dport != 5004 || in_map(&to_sip, rtp[1] & 0x7f))
			abort();
	} else if (sport == 20000) {    /* rtp>srtp: our SSRC, PT rewritten */
		if (memcmp(rtp + 8, "\xca\xfe\x00\x01", 4) != 0 || in_map(&to_web, rtp[1] & 0x7f))
			abort();
	} else if (sport == 20002) {    /* echo: our SSRC */
		if (memcmp(rtp + 8, "\xca\xfe\x00\x02", 4) != 0)
			abort();
	} else if (sport == 20004) {    /* rtp>rtp */
		if (in_map(&fwd, rtp[1] & 0x7f))
			abort();
	} else {
		abort();
	}
}

static unsigned drain(int port, bool wire)
{
	struct rte_mbuf *m[32];
	unsigned n, total = 0;

	while ((n = rte_ring_dequeue_burst(tx[port], (void **)m, 32, NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (wire)
				check_wire(m[i], port);
			rte_pktmbuf_free(m[i]);
		}
		total += n;
	}
	return total;
}

static uint64_t accounted(const uint64_t *c)
{
	return c[TZ_PC_MEDIA_RX] + c[TZ_PC_NO_SESSION] + c[TZ_PC_PUNT_STUN] + c[TZ_PC_PUNT_DTLS] +
	       c[TZ_PC_PUNT_OTHER] + c[TZ_PC_MALFORMED];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t before[2][TZ_PC_COUNT], after[TZ_PC_COUNT];
	struct rte_mbuf *m;
	int port;

	if (size < 1)
		return 0;
	for (int p = 0; p < 2; p++)
		tz_dp_port_counters((uint16_t)p, before[p]);
	if (data[0] % 8 < 2) {          /* a raw frame */
		size = size - 1 > 1500 ? 1500 : size - 1;
		port = data[0] % 8 == 0 ? WEB : SIP;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			die("mbufs leak");
		if (size > 0)
			memcpy(rte_pktmbuf_append(m, (uint16_t)size), data + 1, size);
	} else {
		const struct tuple *t = &tuples[data[0] % 8];

		size = size - 1 > 1400 ? 1400 : size - 1;
		port = t->port;
		m = fp_test_frame4(mp, t->src, t->sport, port == WEB ? "198.51.100.1" : "203.0.113.1",
				   t->dport, data + 1, (uint16_t)size);
	}
	if (rte_ring_enqueue(rx[port], m) != 0)
		die("rx ring");
	while (tz_dp_inline_round() > 0)
		;
	drain(WEB, true);
	drain(SIP, true);
	drain(KWEB, false);
	drain(KSIP, false);
	/* one more packet received, and it is accounted for exactly once */
	tz_dp_port_counters((uint16_t)(port == WEB ? 0 : 1), after);
	if (after[TZ_PC_RX_PKTS] != before[port == WEB ? 0 : 1][TZ_PC_RX_PKTS] + 1 ||
	    accounted(after) != accounted(before[port == WEB ? 0 : 1]) + 1)
		abort();
	if (rte_mempool_in_use_count(mp) != 0)
		die("mbuf leaked");
	return 0;
}
