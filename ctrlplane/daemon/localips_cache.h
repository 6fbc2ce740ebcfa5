/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnice's list of local addresses cached for a second for the daemon
 * (localips_cache.c).
 */
#ifndef TZ_LOCALIPS_CACHE_H
#define TZ_LOCALIPS_CACHE_H

#include <stdint.h>
#include <glib.h>

struct tz_localips_stats {
	uint64_t calls;   /**< nice_interfaces_get_local_ips() calls */
	uint64_t queries; /**< ... that asked libnice (getifaddrs + getnameinfo each) */
};

/** Counters, any thread. */
void tz_localips_get_stats(struct tz_localips_stats *st);

/** For tests: where fresh lists come from (NULL: libnice's own function)
 * and the clock in ms (NULL: CLOCK_MONOTONIC_COARSE).  Forgets the lists. */
void tz_localips_set_source(GList *(*get)(gboolean include_loopback),
			    int64_t (*now_ms)(void));

#endif /* TZ_LOCALIPS_CACHE_H */
