/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Prometheus metrics (issue 13, docs/metrics.md): a text exposition writer
 * (format 0.0.4), the bounded HTTP request parser of the /metrics listener,
 * the listener itself, and the DPDK telemetry commands /trapeze/...
 *
 * The writer and the parser are pure functions (no globals): unit- and
 * fuzz-tested alone.  The listener and the collectors run on the control
 * thread; the telemetry callbacks run on DPDK's telemetry thread and read
 * only a snapshot the control thread refreshes under a mutex.
 */
#ifndef TZ_METRICS_H
#define TZ_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "tz_config.h"

/* ---- exposition writer (any thread; only touches @p out) ---- */

/** One label of a sample: name="value" (the value is escaped when written). */
struct tz_metrics_label {
	const char *name;
	const char *value;
};

/** Metric types of the text format. */
enum tz_metrics_type {
	TZ_METRICS_COUNTER,
	TZ_METRICS_GAUGE,
	TZ_METRICS_HISTOGRAM,
};

/**
 * The "# HELP" and "# TYPE" lines of family @p name ("trapeze_calls_total");
 * @p help is escaped (backslash, newline).  Every sample of the family must
 * follow before the next family starts.
 */
void tz_metrics_family(GString *out, const char *name, enum tz_metrics_type type,
		       const char *help);

/** One sample line: name{labels} value.  Label values are escaped
 *  (backslash, double quote, newline); @p n_labels may be 0. */
void tz_metrics_sample(GString *out, const char *name, const struct tz_metrics_label *labels,
		       size_t n_labels, double value);

/** Same with an integer value (exact beyond 2^53). */
void tz_metrics_sample_u64(GString *out, const char *name,
			   const struct tz_metrics_label *labels, size_t n_labels, uint64_t value);

/** A histogram's state: @p counts[i] observations <= bounds[i] and above
 *  bounds[i-1] (not cumulative), counts[n_bounds] those above the last bound. */
struct tz_metrics_hist {
	const double *bounds;     /**< ascending upper bounds, seconds etc. */
	size_t n_bounds;
	const uint64_t *counts;   /**< n_bounds + 1 entries */
	double sum;
};

/** The samples of histogram @p name: NAME_bucket{...,le="B"} cumulative,
 *  le="+Inf" equal to NAME_count, then NAME_sum and NAME_count. */
void tz_metrics_histogram(GString *out, const char *name, const struct tz_metrics_label *labels,
			  size_t n_labels, const struct tz_metrics_hist *h);

/** Index of the bucket @p v falls in (0..n_bounds), for observing. */
size_t tz_metrics_bucket(const double *bounds, size_t n_bounds, double v);

/* ---- HTTP request parser (pure) ---- */

#define TZ_METRICS_HTTP_MAX 4096   /**< request line + headers, bytes */

enum tz_metrics_method {
	TZ_METRICS_GET,
	TZ_METRICS_HEAD,
	TZ_METRICS_OTHER,
};

struct tz_metrics_http_req {
	enum tz_metrics_method method;
	char path[256];           /**< the request target without its query */
	size_t header_len;        /**< bytes up to and including the blank line */
};

/**
 * Parse the request in @p buf (@p len bytes received so far).
 * @return 0 (complete: @p req filled), -EAGAIN (need more bytes), -EINVAL
 *         (not HTTP/1.x: bad request line, header line or character; a
 *         control byte or a non-ASCII request line is refused before the
 *         head is complete),
 *         -E2BIG (head longer than TZ_METRICS_HTTP_MAX or target than path).
 */
int tz_metrics_http_parse(const char *buf, size_t len, struct tz_metrics_http_req *req);

/** The status for @p req: 200 (GET/HEAD /metrics), 404 (another path),
 *  405 (another method on /metrics). */
int tz_metrics_http_status(const struct tz_metrics_http_req *req);

/* ---- collectors and the listener (control thread) ---- */

/** A collector writes whole families into @p out. */
typedef void (tz_metrics_collect_fn)(GString *out, void *arg);

/** Add a collector; they run in the order added, on each scrape.  0 or -ENOSPC. */
int tz_metrics_collector_add(tz_metrics_collect_fn *fn, void *arg);

/** Forget every collector (shutdown). */
void tz_metrics_collectors_clear(void);

/** Run every collector, then the listener's own families, into @p out. */
void tz_metrics_collect(GString *out);

struct tz_metrics_server;

/**
 * Listen on @p cfg->listen (port 0: any free port) in the default GLib main
 * context.  Sources outside @p cfg->allow (none: loopback only) are closed
 * at once and counted.
 * @return the server, or NULL with errno (EINVAL bad address, EADDRINUSE ...).
 */
struct tz_metrics_server *tz_metrics_server_start(const struct tz_cfg_metrics *cfg);

/** The bound port. */
uint16_t tz_metrics_server_port(const struct tz_metrics_server *srv);

/** Close the listener and every connection. NULL is a no-op. */
void tz_metrics_server_stop(struct tz_metrics_server *srv);

#endif /* TZ_METRICS_H */
