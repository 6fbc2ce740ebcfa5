/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "fp_test.h"

struct rte_mempool *fp_test_eal(const char *prefix)
{
	char *argv[] = { "fp_test", "-l", "0,1", "--no-huge", "--no-pci", "--no-shconf",
			 "-m", "256", "--no-telemetry", "--log-level=*:warning",
			 "--file-prefix", (char *)prefix };

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return NULL;
	return rte_pktmbuf_pool_create("fp_mbufs", 8191, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
}

int fp_test_ring_ports(struct rte_mempool *mp, const char *tag, unsigned n, struct rte_ring **rx,
		       struct rte_ring **tx, uint16_t *pid)
{
	char name[32];

	for (unsigned p = 0; p < n; p++) {
		snprintf(name, sizeof(name), "%srx%u", tag, p);
		rx[p] = rte_ring_create(name, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "%stx%u", tag, p);
		tx[p] = rte_ring_create(name, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "%sport%u", tag, p);
		if (rx[p] == NULL || tx[p] == NULL)
			return -1;
		pid[p] = (uint16_t)rte_eth_from_rings(name, &rx[p], 1, &tx[p], 1, 0);
		if (rte_eth_dev_configure(pid[p], 1, 1, &(struct rte_eth_conf){ 0 }) != 0 ||
		    rte_eth_rx_queue_setup(pid[p], 0, 1024, 0, NULL, mp) != 0 ||
		    rte_eth_tx_queue_setup(pid[p], 0, 1024, 0, NULL) != 0 ||
		    rte_eth_dev_start(pid[p]) != 0)
			return -1;
	}
	return 0;
}

struct rte_mbuf *fp_test_frame4(struct rte_mempool *mp, const char *src, uint16_t sport,
				const char *dst, uint16_t dport, const uint8_t *payload,
				uint16_t plen)
{
	static const struct rte_ether_addr gw = {{ 0x02, 0, 0, 0, 0, 0xa }};
	static const struct rte_ether_addr peer = {{ 0x02, 0, 0, 0, 0, 0x10 }};
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth = (void *)rte_pktmbuf_append(m, 42 + plen);
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);

	eth->dst_addr = gw;
	eth->src_addr = peer;
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	*ip = (struct rte_ipv4_hdr){ .version_ihl = 0x45, .total_length = htons(28 + plen),
				     .time_to_live = 64, .next_proto_id = IPPROTO_UDP };
	inet_pton(AF_INET, src, &ip->src_addr);
	inet_pton(AF_INET, dst, &ip->dst_addr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*udp = (struct rte_udp_hdr){ htons(sport), htons(dport), htons(8 + plen), 0 };
	memcpy(udp + 1, payload, plen);
	return m;
}

struct rte_mbuf *fp_test_drain_one(struct rte_ring *r)
{
	struct rte_mbuf *m = NULL;

	for (int i = 0; i < 200 && rte_ring_dequeue(r, (void **)&m) != 0; i++)
		usleep(5000);
	return m;
}

int fp_test_start_worker(struct tz_dp_sessions *sess, struct tz_srtp_qp *srtp_qp,
			 const uint16_t *pid)
{
	return fp_test_start_worker_tx(sess, srtp_qp, pid, (const uint8_t[2]){ 0, 0 });
}

void fp_test_worker_conf(struct tz_dp_worker_conf *c, unsigned lcore,
			 struct tz_dp_sessions *sess, struct tz_srtp_qp *srtp_qp,
			 const uint16_t *pid)
{
	*c = (struct tz_dp_worker_conf){ .lcore = lcore, .index = 0, .sessions = sess,
					 .n_ports = 2, .srtp_qp = srtp_qp };
	c->wire_port[0] = pid[FP_WIRE0];
	c->wire_port[1] = pid[FP_WIRE1];
	c->tap_port[0] = pid[FP_KERNEL0];
	c->tap_port[1] = pid[FP_KERNEL1];
	c->rxq[c->n_rxq++] = (struct tz_dp_rxq){ .port = pid[FP_WIRE0], .tx_port = pid[FP_KERNEL0],
						 .port_idx = 0, .media_first = 20000,
						 .media_last = 29999 };
	c->rxq[c->n_rxq++] = (struct tz_dp_rxq){ .port = pid[FP_WIRE1], .tx_port = pid[FP_KERNEL1],
						 .port_idx = 1, .media_first = 30000,
						 .media_last = 39999 };
}

int fp_test_start_worker_tx(struct tz_dp_sessions *sess, struct tz_srtp_qp *srtp_qp,
			    const uint16_t *pid, const uint8_t tx_flags[2])
{
	struct tz_dp_worker_conf c;

	fp_test_worker_conf(&c, 1, sess, srtp_qp, pid);
	c.tx_flags[0] = tx_flags[0];
	c.tx_flags[1] = tx_flags[1];
	return tz_dp_start(&c, 1);
}

int fp_test_rtp(uint8_t *buf, int len, uint8_t pt, uint16_t seq, uint32_t ssrc)
{
	buf[0] = 0x80;
	buf[1] = pt;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	memset(buf + 4, 0, 4);
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
	for (int i = 12; i < len; i++)
		buf[i] = (uint8_t)(i * 13 + seq);
	return len;
}

void fp_test_egress(struct tz_dp_egress *e, int port_idx, const char *src, uint16_t sport,
		    const char *dst, uint16_t dport, uint16_t drtcp)
{
	*e = (struct tz_dp_egress){ .port_idx = (uint16_t)port_idx, .family = AF_INET,
				    .src_port = sport, .dst_port = dport, .dst_rtcp_port = drtcp };
	inet_pton(AF_INET, src, e->src);
	inet_pton(AF_INET, dst, e->dst);
}

void fp_test_key(struct tz_dp_flow_key *k, const char *remote, uint16_t rport, uint16_t lport,
		 uint16_t port_idx)
{
	memset(k, 0, sizeof(*k));
	k->remote[10] = k->remote[11] = 0xff;
	inet_pton(AF_INET, remote, &k->remote[12]);
	k->remote_port = rport;
	k->local_port = lport;
	k->port_idx = port_idx;
}
