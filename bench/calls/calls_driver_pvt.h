/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench calls: the driver's private pieces (calls_main.c, calls_gw.c,
 * calls_report.c).  The engine never sees these.
 */
#ifndef TZ_BENCH_CALLS_DRIVER_PVT_H
#define TZ_BENCH_CALLS_DRIVER_PVT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "calls.h"

#define CALLS_MAX_LOCAL_ADDRS 64
#define CALLS_GW_MAX_WORKERS 64
#define CALLS_MAX_STEPS 64

/* A step's CPU share at or above this is "at its limit" (the bound). */
#define CALLS_BOUND_PCT 85.0

/* X(enum suffix, name, what the table says) -- which side limited a step. */
#define CALLS_BOUNDS(X)                                                              \
	X(NONE, "none", "no side at its CPU limit")                                    \
	X(ELSEWHERE, "elsewhere", "no side at its CPU limit: failures or loss from elsewhere")\
	X(CLIENT, "client", "the load client's CPU (client-bound: not a gateway figure)") \
	X(GW_CONTROL, "gw-control", "the gateway's control thread")                    \
	X(GW_WORKERS, "gw-workers", "the gateway's dataplane workers")

enum calls_bound {
#define CALLS_BOUND_ENUM(e, n, d) CALLS_BOUND_##e,
	CALLS_BOUNDS(CALLS_BOUND_ENUM)
#undef CALLS_BOUND_ENUM
	CALLS_BOUND_COUNT
};

const char *calls_bound_name(enum calls_bound b);
const char *calls_bound_text(enum calls_bound b);
/* Failure names from the CALLS_FAILURES table (no engine symbol needed). */
const char *calls_failure_text(enum calls_failure f);

/* What the gateway spent during one step, from its control socket. */
struct calls_gw_cost {
	bool sampled;             /* at least two samples spanning the step */
	bool have_ctl;            /* the control thread's CPU (show process) */
	unsigned samples;
	double ctl_cpu_s;         /* control thread CPU over the step */
	double ctl_cpu_pct;       /* ... % of one core over the step */
	double ctl_ms_per_call;   /* ctl_cpu_s / calls attempted, ms */
	unsigned workers;
	double worker_busy_pct[CALLS_GW_MAX_WORKERS];  /* steady window (else the step) */
	double worker_busy_pct_max;
	double worker_us_per_call_s;  /* worker busy µs per call-second of media */
	double window_s;          /* the window the worker figures cover */
	bool window_steady;       /* it is the engine's steady window */
	char err[160];            /* why not sampled */
};

/* One step as the driver keeps it. */
struct calls_step {
	unsigned index;
	const char *phase;        /* "fixed", "rate", "concurrent" */
	double hold_s;
	struct calls_step_result r;
	struct calls_gw_cost gw;
	bool passed;              /* both limits kept */
	double failed_pct;
	enum calls_bound bound;
};

struct calls_opts {
	struct calls_conf conf;   /* the fixed-mode step; ramps start from it */
	const char *local_addrs[CALLS_MAX_LOCAL_ADDRS];
	bool ramp;
	double ramp_start;
	double ramp_factor;
	unsigned ramp_max_steps;
	double ramp_max_time_s;
	double max_fail_pct;
	double max_loss_pct;
	const char *json;
	const char *plots;
	const char *ctl;
	bool quiet;
	bool ramp_set[4];         /* --rate, --concurrent, --total, --hold given */
};

struct calls_summary {
	double best_rate;         /* highest passing set-up rate (asked), 0: none */
	double best_rate_achieved;
	unsigned most_concurrent; /* most concurrent calls of a passing step, 0: none */
	double loss_pct;          /* of the step that gave most_concurrent (else the last) */
	unsigned steps;
	bool rate_limit_found;    /* a faster rate step failed: best_rate is the limit */
	bool conc_limit_found;    /* a bigger concurrent step failed */
	bool client_bound;        /* some deciding step was client-bound */
};

/* Gateway sampling (calls_gw.c): a thread reading the control socket every
 * interval while a step runs. */
struct calls_gw;
struct calls_gw *calls_gw_start(const char *sock_path, double interval_s);
/* Stop sampling and compute the step's cost. */
void calls_gw_stop(struct calls_gw *g, const struct calls_step_result *r,
		   struct calls_gw_cost *out);

/* A cost of unknowns (NaN), with the reason ("" when not asked for). */
void calls_gw_unknown(struct calls_gw_cost *out, const char *why);

/* One request on the control socket, reply's "result" as a JSON text (for
 * tests and --ctl checks); 0 or -errno with a reason in err. */
int calls_gw_query(const char *sock_path, const char *cmd, char **result_json,
		   char *err, size_t err_len);

/* The bound of a step from the client's and the gateway's CPU. */
enum calls_bound calls_bound_of(const struct calls_step *s);

/* Output (calls_report.c). */
void calls_report_header(FILE *f);
void calls_report_step(FILE *f, const struct calls_step *s);
void calls_report_summary(FILE *f, const struct calls_summary *sum,
			  const struct calls_step *steps, unsigned n);
int calls_report_json(const char *path, const struct calls_opts *o,
		      const struct calls_step *steps, unsigned n,
		      const struct calls_summary *sum);
int calls_report_plots(const char *dir, const struct calls_opts *o,
		       const struct calls_step *steps, unsigned n, char *err, size_t err_len);

#endif /* TZ_BENCH_CALLS_DRIVER_PVT_H */
