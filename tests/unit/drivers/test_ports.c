/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and the exception path on real DPDK software vdevs (ring, null) with
 * real TAP interfaces, inside a private network namespace so that the test's
 * addresses never appear on the host.  A ring vdev loops what it sends back
 * to its receive side, so a frame the kernel sends out of the TAP crosses
 * the worker twice: TAP -> wire (from_kernel) -> ring -> wire rx -> TAP
 * (to_kernel).  Needs root (CAP_NET_ADMIN, /dev/net/tun).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "tz_dp.h"
#include "tz_ports.h"

static struct rte_mempool *mp;

static int group_setup(void **state)
{
	char *argv[] = { "test_ports", "-l", "0,1", "--no-huge", "--no-pci", "--no-shconf",
			 "-m", "128", "--no-telemetry", "--log-level=*:warning",
			 "--file-prefix", "tz_test_ports" };

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
		return -1;
	}
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("test_mbufs", 8191, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}

static void cfg_port(struct tz_cfg_port *p, const char *name, enum tz_cfg_port_driver drv,
		     const char *v4, uint8_t prefix)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->role = TZ_ROLE_ACCESS;
	p->driver = drv;
	p->mtu = 1500;
	p->queues = 1;
	if (v4 != NULL) {
		p->ipv4.addr.family = AF_INET;
		inet_pton(AF_INET, v4, &p->ipv4.addr.v4);
		p->ipv4.prefix = prefix;
	}
}

/* IPv4 address of a kernel interface, as text. */
static int if_ipv4(const char *ifname, char *buf, size_t len)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFADDR, &ifr);
	close(fd);
	if (rc != 0)
		return -errno;
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, buf, (socklen_t)len);
	return 0;
}

static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return rc;
}

static void test_ring_port_gets_tap_with_address_and_mac(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;
	char ip[INET_ADDRSTRLEN];
	uint8_t mac[6];

	cfg_port(&pc, "ring0", TZ_DRV_RING, "198.51.100.1", 24);
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), 0);
	assert_string_equal(port.tap_ifname, "tz-ring0");
	assert_string_equal(port.driver, "ring");
	assert_int_not_equal(if_nametoindex("tz-ring0"), 0);
	assert_int_equal(if_ipv4("tz-ring0", ip, sizeof(ip)), 0);
	assert_string_equal(ip, "198.51.100.1");
	assert_int_equal(if_mac("tz-ring0", mac), 0);
	assert_memory_equal(mac, port.mac.addr_bytes, 6);
	tz_ports_close(&port, 1);
	assert_int_equal(if_nametoindex("tz-ring0"), 0);
}

static void test_two_ports_and_queues(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc[2];
	struct tz_port ports[2];

	cfg_port(&pc[0], "a", TZ_DRV_NULL, "198.51.100.1", 24);
	cfg_port(&pc[1], "c", TZ_DRV_RING, "203.0.113.1", 24);
	pc[1].role = TZ_ROLE_CORE;
	pc[1].queues = 2;
	cfg.ports = pc;
	cfg.n_ports = 2;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, ports), 0);
	assert_string_equal(ports[0].driver, "null");
	assert_int_equal(ports[1].n_queues, 2);
	assert_int_equal(ports[1].n_tap_queues, 1);
	assert_int_not_equal(ports[0].port_id, ports[1].port_id);
	tz_ports_close(ports, 2);
	assert_int_equal(if_nametoindex("tz-a"), 0);
	assert_int_equal(if_nametoindex("tz-c"), 0);
}

static void test_long_name_is_refused(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;

	cfg_port(&pc, "a-very-long-port-name", TZ_DRV_NULL, NULL, 0);
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), -ENAMETOOLONG);
}

static void test_missing_interface_fails_cleanly(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;

	cfg_port(&pc, "gone", TZ_DRV_AF_PACKET, NULL, 0);
	pc.iface = "tz-no-such-if";
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_true(tz_ports_open(&cfg, mp, 1, &port) < 0);
	assert_int_equal(if_nametoindex("tz-gone"), 0);
}

/* Send a UDP datagram to an on-link address nobody has: the kernel's ARP
 * request leaves through the TAP, the worker sends it on the ring, the ring
 * hands it back, the worker gives it to the kernel. */
static void test_worker_moves_kernel_traffic_both_ways(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;
	struct tz_dp_worker_conf wc = { 0 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	uint64_t cnt[TZ_PC_COUNT] = { 0 };
	int fd;

	cfg_port(&pc, "loop", TZ_DRV_RING, "198.51.100.1", 24);
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), 0);
	wc.lcore = 1;
	wc.n_rxq = 2;
	wc.rxq[0] = (struct tz_dp_rxq){ .port = port.port_id, .tx_port = port.tap_id };
	wc.rxq[1] = (struct tz_dp_rxq){ .port = port.tap_id, .tx_port = port.port_id,
					.from_kernel = 1 };
	assert_int_equal(tz_dp_start(&wc, 1), 0);
	inet_pton(AF_INET, "198.51.100.77", &to.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < 50 && cnt[TZ_PC_TO_KERNEL] == 0; i++) {
		sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		usleep(100 * 1000);
		tz_dp_port_counters(0, cnt);
	}
	close(fd);
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();
	tz_ports_close(&port, 1);
	assert_true(cnt[TZ_PC_FROM_KERNEL] >= 1);
	assert_true(cnt[TZ_PC_TX_PKTS] >= 1);
	assert_true(cnt[TZ_PC_RX_PKTS] >= 1);
	assert_true(cnt[TZ_PC_TO_KERNEL] >= 1);
	assert_true(cnt[TZ_PC_TX_BYTES] >= 42);  /* an ARP frame at least */
	assert_int_equal(cnt[TZ_PC_TX_DROPS], 0);
}

/* Next hops come from the kernel's neighbour table on the TAP. */
static void test_next_hop_from_kernel_neighbours(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;
	struct tz_cfg_addr a = { .family = AF_INET };
	struct rte_ether_addr mac;
	static const uint8_t want[6] = { 0x02, 0, 0, 0, 0, 0x20 }, gw[6] = { 0x02, 0, 0, 0, 0, 0xfe };

	cfg_port(&pc, "nh", TZ_DRV_RING, "198.51.100.1", 24);
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), 0);
	assert_int_equal(system("ip neigh replace 198.51.100.20 lladdr 02:00:00:00:00:20 dev tz-nh"), 0);
	inet_pton(AF_INET, "198.51.100.20", &a.v4);
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), 0);
	assert_memory_equal(mac.addr_bytes, want, 6);
	inet_pton(AF_INET, "198.51.100.30", &a.v4);           /* nobody there yet */
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), -EAGAIN);
	inet_pton(AF_INET, "203.0.113.5", &a.v4);             /* off-link, no gateway */
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), -ENETUNREACH);
	tz_ports_close(&port, 1);

	pc.gateway4.family = AF_INET;                          /* off-link via the gateway */
	inet_pton(AF_INET, "198.51.100.254", &pc.gateway4.v4);
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), 0);
	assert_int_equal(system("ip neigh replace 198.51.100.254 lladdr 02:00:00:00:00:fe dev tz-nh"), 0);
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), 0);
	assert_memory_equal(mac.addr_bytes, gw, 6);
	tz_ports_close(&port, 1);
}

static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

/* Resolved next hops are cached: a changed neighbour is seen only once the
 * entry has expired (a second), an unresolved one is asked every time. */
static void test_next_hop_cache_expires(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;
	struct tz_cfg_addr a = { .family = AF_INET };
	struct rte_ether_addr mac;
	static const uint8_t m1[6] = { 0x02, 0, 0, 0, 0, 0x41 }, m2[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	uint64_t h0, l0, h1, l1;

	cfg_port(&pc, "nc", TZ_DRV_RING, "198.51.100.1", 24);
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), 0);
	tz_port_next_hop_clock(fake_clock);
	fake_ns = 5000000000ULL;
	assert_int_equal(system("ip neigh replace 198.51.100.40 lladdr 02:00:00:00:00:41 dev tz-nc"), 0);
	inet_pton(AF_INET, "198.51.100.40", &a.v4);
	tz_port_next_hop_stats(&h0, &l0);
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), 0);
	assert_memory_equal(mac.addr_bytes, m1, 6);
	assert_int_equal(system("ip neigh replace 198.51.100.40 lladdr 02:00:00:00:00:42 dev tz-nc"), 0);
	fake_ns += 900000000ULL;                               /* fresh: the cached MAC */
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), 0);
	assert_memory_equal(mac.addr_bytes, m1, 6);
	tz_port_next_hop_stats(&h1, &l1);
	assert_int_equal(h1 - h0, 1);
	assert_int_equal(l1 - l0, 2);
	fake_ns += 200000000ULL;                               /* expired: asks the kernel */
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), 0);
	assert_memory_equal(mac.addr_bytes, m2, 6);
	inet_pton(AF_INET, "198.51.100.41", &a.v4);            /* unresolved: never cached */
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), -EAGAIN);
	assert_int_equal(system("ip neigh replace 198.51.100.41 lladdr 02:00:00:00:00:42 dev tz-nc"), 0);
	assert_int_equal(tz_port_next_hop(&port, &a, &mac), 0);
	assert_memory_equal(mac.addr_bytes, m2, 6);
	tz_port_next_hop_clock(NULL);
	tz_ports_close(&port, 1);
}

/* udp_checksum resolved against what a device reports: a device with UDP
 * checksum offload gets it (and the IPv4 header's) with auto and offload;
 * one without sends IPv4 with checksum 0 under auto and zero, refuses
 * offload; compute never asks the NIC for the UDP sum. */
static void test_udp_checksum_modes_follow_the_capability(void **state)
{
	static const struct {
		enum tz_cfg_udp_cksum mode;
		uint64_t capa;
		const char *name;
		uint8_t flags;
		uint64_t offloads;
	} cases[] = {
		{ TZ_CKSUM_AUTO, 0, "zero", TZ_DP_TX_UDP_ZERO4, 0 },
		{ TZ_CKSUM_ZERO, 0, "zero", TZ_DP_TX_UDP_ZERO4, 0 },
		{ TZ_CKSUM_COMPUTE, 0, "compute", 0, 0 },
		{ TZ_CKSUM_OFFLOAD, 0, NULL, 0, 0 },
		{ TZ_CKSUM_AUTO, RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, "offload",
		  TZ_DP_TX_UDP_OFFLOAD | TZ_DP_TX_IP4_OFFLOAD,
		  RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
		{ TZ_CKSUM_OFFLOAD, RTE_ETH_TX_OFFLOAD_UDP_CKSUM, "offload", TZ_DP_TX_UDP_OFFLOAD,
		  RTE_ETH_TX_OFFLOAD_UDP_CKSUM },
		{ TZ_CKSUM_ZERO, RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, "zero",
		  TZ_DP_TX_UDP_ZERO4 | TZ_DP_TX_IP4_OFFLOAD, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
		{ TZ_CKSUM_COMPUTE, RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM,
		  "compute", TZ_DP_TX_IP4_OFFLOAD, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
		{ TZ_CKSUM_AUTO, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, "zero",
		  TZ_DP_TX_UDP_ZERO4 | TZ_DP_TX_IP4_OFFLOAD, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t flags = 0xff;
		uint64_t off = ~0ull;
		const char *name = tz_port_tx_cksum(cases[i].mode, cases[i].capa, &flags, &off);

		if (cases[i].name == NULL) {
			assert_null(name);
			continue;
		}
		assert_non_null(name);
		assert_string_equal(name, cases[i].name);
		assert_int_equal(flags, cases[i].flags);
		assert_true(off == cases[i].offloads);
	}
}

/* A ring port reports no checksum offload: by default (auto) the workers
 * send IPv4 media with checksum 0; udp_checksum: offload refuses to start.
 * What ring and tap report is printed for docs/config.md. */
static void test_ring_port_defaults_to_zero_checksum(void **state)
{
	struct tz_config cfg = { 0 };
	struct tz_cfg_port pc;
	struct tz_port port;
	struct rte_eth_dev_info info;

	cfg_port(&pc, "ck", TZ_DRV_RING, "198.51.100.1", 24);
	cfg.ports = &pc;
	cfg.n_ports = 1;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), 0);
	assert_string_equal(port.udp_checksum, "zero");
	assert_int_equal(port.tx_flags & (TZ_DP_TX_UDP_ZERO4 | TZ_DP_TX_UDP_OFFLOAD),
			 TZ_DP_TX_UDP_ZERO4);
	assert_int_equal(rte_eth_dev_info_get(port.port_id, &info), 0);
	fprintf(stderr, "# tx_offload_capa: ring 0x%llx", (unsigned long long)info.tx_offload_capa);
	assert_int_equal(rte_eth_dev_info_get(port.tap_id, &info), 0);
	fprintf(stderr, ", tap 0x%llx (UDP_CKSUM 0x%llx, IPV4_CKSUM 0x%llx)\n",
		(unsigned long long)info.tx_offload_capa,
		(unsigned long long)RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
		(unsigned long long)RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	tz_ports_close(&port, 1);

	pc.udp_checksum = TZ_CKSUM_OFFLOAD;
	assert_int_equal(tz_ports_open(&cfg, mp, 1, &port), -ENOTSUP);
}

static void test_bad_worker_conf_is_refused(void **state)
{
	struct tz_dp_worker_conf wc = { .lcore = 1, .index = 3 };

	assert_int_equal(tz_dp_start(&wc, 1), -EINVAL);
	wc.index = 0;
	wc.lcore = RTE_MAX_LCORE + 1;
	assert_int_equal(tz_dp_start(&wc, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_port_gets_tap_with_address_and_mac),
		cmocka_unit_test(test_two_ports_and_queues),
		cmocka_unit_test(test_long_name_is_refused),
		cmocka_unit_test(test_missing_interface_fails_cleanly),
		cmocka_unit_test(test_worker_moves_kernel_traffic_both_ways),
		cmocka_unit_test(test_next_hop_from_kernel_neighbours),
		cmocka_unit_test(test_next_hop_cache_expires),
		cmocka_unit_test(test_bad_worker_conf_is_refused),
		cmocka_unit_test(test_udp_checksum_modes_follow_the_capability),
		cmocka_unit_test(test_ring_port_defaults_to_zero_checksum),
	};

	return cmocka_run_group_tests_name("drivers", tests, group_setup, group_teardown);
}
