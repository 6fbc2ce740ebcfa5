/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * getifaddrs() cached for a second for the daemon's libraries (ifaddrs_cache.c).
 */
#ifndef TZ_IFADDRS_CACHE_H
#define TZ_IFADDRS_CACHE_H

#include <stdint.h>

struct tz_ifaddrs_stats {
	uint64_t calls; /**< getifaddrs() calls */
	uint64_t dumps; /**< ... that asked libc (a netlink dump) */
};

/** Counters, any thread. */
void tz_ifaddrs_get_stats(struct tz_ifaddrs_stats *st);

#endif /* TZ_IFADDRS_CACHE_H */
