/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * trapeze-bench floor: the raw cost of the SRTP crypto chain on this CPU,
 * through intel-ipsec-mb's job API directly (every manager the CPU runs)
 * and through DPDK cryptodev, with no SRTP transform around it.
 */
#ifndef TZ_BENCH_FLOOR_H
#define TZ_BENCH_FLOOR_H

/**
 * The raw floor: ns per packet of the chain of @p suite (enum tz_srtp_suite;
 * AES-128-CTR + HMAC-SHA1/80, or AES-GCM with a 12-byte AAD) over RTP
 * packets of @p size bytes (header included), half of them protected
 * (cipher then hash) and half verified (hash then decipher), in bursts of
 * @p burst, with the fastest manager of this CPU (tried in turn, best of a
 * few repetitions).  Needs no EAL.
 * @param mgr_name  out, if not NULL: the winning manager ("sse", "avx512")
 * @return ns per packet, or a negative value if no manager ran.
 * Threading: any thread; takes a few tens of milliseconds.
 */
double bench_floor_raw_ns(unsigned suite, unsigned size, unsigned burst, const char **mgr_name);

/** `trapeze-bench floor ...`; see its --help. */
int bench_floor_main(int argc, char **argv);

#endif
