/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The daemon's own threads and the CPU each used, from /proc/self/task
 * (proc(5)): what `show process` reports, so a load test can tell the control
 * thread's cost per call from the workers'.
 *
 * Threading: any thread; no shared state.
 */
#ifndef TZ_PROCSTAT_H
#define TZ_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

/** One thread's line of /proc/.../stat, the fields we use. */
struct tz_procstat {
	int tid;
	char comm[32];            /**< the thread's name (at most 15 bytes in Linux) */
	uint64_t utime_ticks;     /**< user time, clock ticks (sysconf(_SC_CLK_TCK)) */
	uint64_t stime_ticks;     /**< system time, clock ticks */
};

/**
 * Parse one stat line: "tid (comm) state ppid ... utime stime ...".  The name
 * may hold spaces and parentheses, so it ends at the LAST ')'.
 * @param buf  the bytes (need not be NUL-terminated)
 * @param len  their length
 * @return 0, or -EINVAL when the line is not a stat line
 */
int tz_procstat_parse(const char *buf, size_t len, struct tz_procstat *out);

/**
 * Read every thread of this process.
 * @return the number of threads stored in @p out (at most @p max), or -errno
 *         when /proc/self/task cannot be read.
 */
int tz_procstat_threads(struct tz_procstat *out, size_t max);

/**
 * The lcore of a DPDK worker thread from its name ("rte-worker-3",
 * "lcore-worker-3", "dpdk-worker3"), or -1 when the name is no worker's.
 */
int tz_procstat_worker_lcore(const char *comm);

#endif /* TZ_PROCSTAT_H */
