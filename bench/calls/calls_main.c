/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench calls: the driver.  Options, one fixed step or the ramp (two
 * bounded searches: the highest set-up rate, then the most concurrent calls),
 * the gateway's cost from its control socket while each step runs, and the
 * table / JSON / plots.  The engine (calls_run_step) places the calls.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "calls_driver_pvt.h"

static const char usage[] =
"Usage: trapeze-bench calls [OPTION]...\n"
"Places whole WebRTC calls (signalling, ICE, DTLS, SRTP both ways, hang-up)\n"
"against the gateway like many browsers, and reports set-up times, loss, the\n"
"gateway's cost per call and which side was the bound.\n"
"Signalling:\n"
"  --signal jsep|ng|self   trapeze-jsep.v1 (default), rtpengine NG, or none\n"
"  --url URL               WebSocket URL (default ws://198.51.100.1:8080/ws)\n"
"  --origin O              Origin header (default http://198.51.100.1:8080)\n"
"  --secret-file F         HS256 token secret (default /run/trapeze/lab/token.secret)\n"
"  --kid K                 token kid\n"
"  --user-prefix P         users are P<n> (default load)\n"
"  --target T              what each call dials (default +15551230000)\n"
"  --ng IP:PORT            rtpengine's NG control (--signal ng)\n"
"  --rtp-peer IP:PORT      the plain-RTP side (--signal ng)\n"
"  --reflector IP:PORT     UDP reflector (--signal self)\n"
"  --local-addr A          a source address to spread calls over (repeatable)\n"
"Load (one fixed step unless --ramp):\n"
"  --rate R                call attempts per second (default 10)\n"
"  --concurrent C          most calls up at once (default 100)\n"
"  --total N               calls to place (default 100)\n"
"  --hold S                media time per call, seconds (default 10)\n"
"  --hold-pps P            media packets/s per call while held (default 50;\n"
"                          below 50: 50/s for 0.5 s at the start and the end,\n"
"                          P/s between; 0: none between, ICE consent only)\n"
"  --timeout S             per set-up phase, seconds (default 10)\n"
"  --threads T             client threads (default 1)\n"
"  --suite S               SRTP suite offered (default AES_CM_128_HMAC_SHA1_80)\n"
"Ramp:\n"
"  --ramp                  search the highest set-up rate, then the most\n"
"                          concurrent calls, keeping both limits below\n"
"  --ramp-start R          first rate (default 10)\n"
"  --ramp-factor F         geometric factor before bisecting (default 2)\n"
"  --ramp-max-steps N      steps of both searches together (default 12)\n"
"  --ramp-max-time S       start no step after S seconds (default 900)\n"
"  --max-fail-pct P        a step passes with fewer failed calls, % (default 0.1)\n"
"  --max-loss-pct P        ... and less packet loss, % (default 0.1)\n"
"Output:\n"
"  --json FILE             every step, every field\n"
"  --plots DIR             gnuplot PNGs: set-up times vs rate, loss and failed % vs load\n"
"  --ctl SOCKET            the gateway's control socket, sampled for its CPU\n"
"                          (default /run/trapeze/trapezed.sock; 'none': do not sample)\n"
"  --quiet                 no progress on stderr\n"
"docs/bench.md explains the numbers.\n";

enum opt_kind { O_STR, O_ADDR, O_DBL, O_UINT, O_FLAG, O_SIGNAL, O_SUITE };

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off;            /* into struct calls_opts */
	int given;             /* index into ramp_set, or -1 */
	double min;            /* numbers: smallest accepted */
};

#define OC(f) offsetof(struct calls_opts, conf.f)
#define OO(f) offsetof(struct calls_opts, f)

static const struct opt_def opt_defs[] = {
	{ "signal", O_SIGNAL, OC(signal), -1, 0 },
	{ "url", O_STR, OC(ws_url), -1, 0 },
	{ "origin", O_STR, OC(origin), -1, 0 },
	{ "secret-file", O_STR, OC(secret_file), -1, 0 },
	{ "kid", O_STR, OC(kid), -1, 0 },
	{ "user-prefix", O_STR, OC(user_prefix), -1, 0 },
	{ "target", O_STR, OC(target), -1, 0 },
	{ "ng", O_STR, OC(ng_addr), -1, 0 },
	{ "rtp-peer", O_STR, OC(rtp_peer), -1, 0 },
	{ "reflector", O_STR, OC(reflector), -1, 0 },
	{ "local-addr", O_ADDR, 0, -1, 0 },
	{ "rate", O_DBL, OC(rate), 0, 0.001 },
	{ "concurrent", O_UINT, OC(concurrent), 1, 1 },
	{ "total", O_UINT, OC(total), 2, 1 },
	{ "hold", O_DBL, OC(hold_s), 3, 0 },
	{ "hold-pps", O_DBL, OC(hold_pps), -1, 0 },
	{ "timeout", O_DBL, OC(timeout_s), -1, 0.1 },
	{ "threads", O_UINT, OC(threads), -1, 1 },
	{ "suite", O_SUITE, OC(suite), -1, 0 },
	{ "ramp", O_FLAG, OO(ramp), -1, 0 },
	{ "ramp-start", O_DBL, OO(ramp_start), -1, 0.001 },
	{ "ramp-factor", O_DBL, OO(ramp_factor), -1, 1.05 },
	{ "ramp-max-steps", O_UINT, OO(ramp_max_steps), -1, 1 },
	{ "ramp-max-time", O_DBL, OO(ramp_max_time_s), -1, 1 },
	{ "max-fail-pct", O_DBL, OO(max_fail_pct), -1, 0 },
	{ "max-loss-pct", O_DBL, OO(max_loss_pct), -1, 0 },
	{ "json", O_STR, OO(json), -1, 0 },
	{ "plots", O_STR, OO(plots), -1, 0 },
	{ "ctl", O_STR, OO(ctl), -1, 0 },
	{ "quiet", O_FLAG, OO(quiet), -1, 0 },
};

static const char *const signal_names[] = {
	[CALLS_SIG_JSEP] = "jsep",
	[CALLS_SIG_NG] = "ng",
	[CALLS_SIG_SELF] = "self",
};

static void opts_default(struct calls_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->conf.signal = CALLS_SIG_JSEP;
	o->conf.ws_url = "ws://198.51.100.1:8080/ws";
	o->conf.origin = "http://198.51.100.1:8080";
	o->conf.secret_file = "/run/trapeze/lab/token.secret";
	o->conf.user_prefix = "load";
	o->conf.target = "+15551230000";
	o->conf.rate = 10;
	o->conf.concurrent = 100;
	o->conf.total = 100;
	o->conf.hold_s = 10;
	o->conf.hold_pps = 50;
	o->conf.timeout_s = 10;
	o->conf.loss_fail_pct = 5;
	o->conf.threads = 1;
	o->conf.suite = TZ_SRTP_AES_CM_128_HMAC_SHA1_80;
	o->ramp_start = 10;
	o->ramp_factor = 2;
	o->ramp_max_steps = 12;
	o->ramp_max_time_s = 900;
	o->max_fail_pct = 0.1;
	o->max_loss_pct = 0.1;
	o->ctl = "/run/trapeze/trapezed.sock";   /* TZ_CLI_DEFAULT_SOCKET */
}

static int opt_value(struct calls_opts *o, const struct opt_def *d, const char *v)
{
	char *p = (char *)o + d->off;
	char *end;
	double x;

	switch (d->kind) {
	case O_STR:
		*(const char **)p = v;
		return 0;
	case O_ADDR:
		if (o->conf.nb_local_addrs == CALLS_MAX_LOCAL_ADDRS) {
			fprintf(stderr, "calls: --local-addr: at most %d addresses\n", CALLS_MAX_LOCAL_ADDRS);
			return -EINVAL;
		}
		o->local_addrs[o->conf.nb_local_addrs++] = v;
		return 0;
	case O_SIGNAL:
		for (unsigned i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
			if (strcmp(v, signal_names[i]) == 0) {
				*(enum calls_signal *)p = (enum calls_signal)i;
				return 0;
			}
		fprintf(stderr, "calls: --signal: \"%s\" is none of jsep, ng, self\n", v);
		return -EINVAL;
	case O_SUITE: {
		int s = bench_suite_parse(v);

		if (s < 0 || s == BENCH_SUITE_NONE) {
			fprintf(stderr, "calls: --suite: \"%s\" is not an SRTP suite "
				"(AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM, "
				"AEAD_AES_256_GCM)\n", v);
			return -EINVAL;
		}
		*(unsigned *)p = (unsigned)s;
		return 0;
	}
	case O_DBL:
	case O_UINT:
		errno = 0;
		x = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !isfinite(x) || x < d->min ||
		    (d->kind == O_UINT && (x != floor(x) || x > 10000000))) {
			fprintf(stderr, "calls: --%s: \"%s\" is not a %s >= %g\n", d->name, v,
				d->kind == O_UINT ? "whole number" : "number", d->min);
			return -EINVAL;
		}
		if (d->kind == O_DBL)
			*(double *)p = x;
		else
			*(unsigned *)p = (unsigned)x;
		if (d->given >= 0)
			o->ramp_set[d->given] = true;
		return 0;
	case O_FLAG:
		break;
	}
	return -EINVAL;
}

/* 0, 1 for --help, or -EINVAL (message printed). */
static int opts_parse(struct calls_opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_def *d = NULL;
		const char *eq;
		size_t len;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		if (strncmp(a, "--", 2) != 0)
			goto unknown;
		a += 2;
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		for (size_t k = 0; k < sizeof(opt_defs) / sizeof(opt_defs[0]); k++)
			if (strlen(opt_defs[k].name) == len && strncmp(opt_defs[k].name, a, len) == 0)
				d = &opt_defs[k];
		if (d == NULL)
			goto unknown;
		if (d->kind == O_FLAG) {
			if (eq != NULL) {
				fprintf(stderr, "calls: --%s takes no value\n", d->name);
				return -EINVAL;
			}
			*(bool *)((char *)o + d->off) = true;
			continue;
		}
		if (eq == NULL && i + 1 >= argc) {
			fprintf(stderr, "calls: --%s needs a value\n", d->name);
			return -EINVAL;
		}
		if (opt_value(o, d, eq != NULL ? eq + 1 : argv[++i]) != 0)
			return -EINVAL;
	}
	o->conf.local_addrs = o->conf.nb_local_addrs ? o->local_addrs : NULL;
	if (o->conf.signal == CALLS_SIG_NG && (o->conf.ng_addr == NULL || o->conf.rtp_peer == NULL)) {
		fputs("calls: --signal ng needs --ng IP:PORT and --rtp-peer IP:PORT\n", stderr);
		return -EINVAL;
	}
	if (o->conf.signal == CALLS_SIG_SELF && o->conf.reflector == NULL) {
		fputs("calls: --signal self needs --reflector IP:PORT\n", stderr);
		return -EINVAL;
	}
	if (o->conf.hold_pps > 50) {
		fputs("calls: --hold-pps is at most 50 (one packet per 20 ms)\n", stderr);
		return -EINVAL;
	}
	if (o->conf.hold_pps == 0)
		o->conf.hold_pps = -1;	/* the engine's "none between the checks" */
	if (o->ramp_max_steps > CALLS_MAX_STEPS)
		o->ramp_max_steps = CALLS_MAX_STEPS;
	if (strcmp(o->ctl, "none") == 0)
		o->ctl = NULL;
	return 0;
unknown:
	fprintf(stderr, "calls: unknown option \"%s\"; see 'trapeze-bench calls --help'\n", argv[i]);
	return -EINVAL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
	struct calls_opts *o;
	struct calls_step steps[CALLS_MAX_STEPS];
	unsigned n;
	double started;
	double deadline;          /* the current search starts no step ending after it */
	bool tty;
};

static void progress(void *arg, const struct calls_step_result *r)
{
	struct run *run = arg;
	const struct calls_step *s = &run->steps[run->n];

	if (run->o->quiet)
		return;
	fprintf(stderr, "%sstep %u (%s) %.4g/s x %u: %lu attempted, %lu completed, %lu failed, "
		"%u up at most, loss %.3f %%%s", run->tty ? "\r\033[K" : "", s->index, s->phase,
		r->rate, r->concurrent, (unsigned long)r->attempted, (unsigned long)r->completed,
		(unsigned long)r->failed, r->peak_concurrent, r->loss_pct, run->tty ? "" : "\n");
	fflush(stderr);
}

/* Run one step with @p conf; keeps it in run->steps.  NULL when the step
 * could not run at all (the reason printed). */
static struct calls_step *run_step(struct run *run, const char *phase, const struct calls_conf *conf)
{
	struct calls_step *s;
	struct calls_gw *gw = NULL;
	char err[256] = "";
	int rc;

	if (run->n == CALLS_MAX_STEPS)
		return NULL;
	s = &run->steps[run->n];
	memset(s, 0, sizeof(*s));
	s->index = run->n + 1;
	s->phase = phase;
	s->hold_s = conf->hold_s;
	if (run->o->ctl != NULL)
		gw = calls_gw_start(run->o->ctl, 0.5);
	rc = calls_run_step(conf, &s->r, err, sizeof(err));
	if (gw != NULL)
		calls_gw_stop(gw, &s->r, &s->gw);
	else
		calls_gw_unknown(&s->gw, run->o->ctl == NULL ? "" : "cannot start the sampler");
	if (!run->o->quiet && run->tty)
		fputs("\r\033[K", stderr);
	if (rc != 0) {
		fprintf(stderr, "calls: step %u could not run: %s (%s)\n", s->index,
			err[0] ? err : "no reason given", strerror(-rc));
		return NULL;
	}
	s->r.rate = conf->rate;
	s->r.concurrent = conf->concurrent;
	s->failed_pct = s->r.attempted ? 100.0 * (double)s->r.failed / (double)s->r.attempted : 100.0;
	/* "fewer than the limit"; none at all passes even a limit of 0 */
	s->passed = s->r.attempted > 0 &&
		    (s->r.failed == 0 || s->failed_pct < run->o->max_fail_pct) &&
		    (s->r.pkts_lost == 0 || s->r.loss_pct < run->o->max_loss_pct);
	s->bound = calls_bound_of(s);
	run->n++;
	calls_report_step(stdout, s);
	fflush(stdout);
	return s;
}

static bool out_of_budget(const struct run *run, unsigned used, unsigned budget)
{
	return used >= budget || run->n >= CALLS_MAX_STEPS ||
	       now_s() > run->deadline;
}

/* A step expected to end after the ramp's time budget is not started. */
static bool too_long(const struct run *run, const struct calls_conf *c)
{
	double est = (double)c->total / c->rate + c->hold_s + c->timeout_s;

	if (now_s() + est <= run->deadline)
		return false;
	printf("     this search stops: its next step (%u calls at %.4g/s held %.0f s) would end "
	       "after its share of --ramp-max-time %.0f s\n", c->total, c->rate, c->hold_s,
	       run->o->ramp_max_time_s);
	return true;
}

/* Phase (a): the highest set-up rate.  Short holds; the concurrency cap never binds. */
static double search_rate(struct run *run, unsigned budget)
{
	const struct calls_opts *o = run->o;
	double lo = 0, hi = 0, r = o->ramp_start;  /* lo: best pass; hi: lowest fail (0: none) */
	unsigned used = 0;

	while (!out_of_budget(run, used, budget)) {
		struct calls_conf c = o->conf;
		struct calls_step *s;

		c.rate = r;
		c.hold_s = o->ramp_set[3] ? fmin(o->conf.hold_s, 5) : 3;
		c.total = (unsigned)fmax(20, ceil(r * 5));             /* ~5 s of attempts */
		c.concurrent = (unsigned)ceil(r * (c.hold_s + 2 * c.timeout_s)) + 10;
		if (too_long(run, &c))
			break;
		s = run_step(run, "rate", &c);
		used++;
		if (s == NULL)
			break;
		if (s->passed)
			lo = fmax(lo, r);
		else
			hi = hi == 0 ? r : fmin(hi, r);
		if (hi == 0)
			r = r * o->ramp_factor;                 /* still rising */
		else if (lo == 0)
			r = r / o->ramp_factor;                 /* even the start failed: go down */
		else if ((hi - lo) / lo > 0.1)
			r = (lo + hi) / 2;                      /* bisect last pass .. first fail */
		else
			break;
		if (r < 0.01)
			break;
	}
	return lo;
}

/* Phase (b): the most concurrent calls at a fixed moderate rate, each step
 * holding long enough for every call to be up at once. */
static unsigned search_concurrent(struct run *run, unsigned budget, double best_rate)
{
	const struct calls_opts *o = run->o;
	double rate = best_rate > 0 ? fmax(1, best_rate / 2) : o->ramp_start;
	unsigned lo = 0, hi = 0, c = (unsigned)fmax(10, ceil(rate * 4));
	unsigned used = 0;

	if (o->ramp_set[1])
		c = o->conf.concurrent;
	while (!out_of_budget(run, used, budget)) {
		struct calls_conf cf = o->conf;
		struct calls_step *s;

		cf.rate = rate;
		cf.concurrent = c;
		cf.total = c;
		cf.hold_s = (double)c / rate + 3;               /* the last call up before the first ends */
		if (too_long(run, &cf))
			break;
		s = run_step(run, "concurrent", &cf);
		used++;
		if (s == NULL)
			break;
		/* the level must be reached, not only asked for */
		if (s->passed && s->r.peak_concurrent >= c - c / 20)
			lo = lo > c ? lo : c;
		else
			hi = hi == 0 ? c : (hi < c ? hi : c);
		if (hi == 0)
			c = (unsigned)ceil(c * o->ramp_factor);
		else if (lo == 0)
			c = (unsigned)(c / o->ramp_factor);
		else if ((double)(hi - lo) / lo > 0.1)
			c = (lo + hi) / 2;
		else
			break;
		if (c < 1)
			break;
	}
	return lo;
}

static void summarise(const struct run *run, struct calls_summary *sum)
{
	const struct calls_step *deciding = NULL;

	memset(sum, 0, sizeof(*sum));
	sum->steps = run->n;
	sum->loss_pct = NAN;
	for (unsigned i = 0; i < run->n; i++) {
		const struct calls_step *s = &run->steps[i];

		if (s->bound == CALLS_BOUND_CLIENT)
			sum->client_bound = true;
		if (!s->passed)
			continue;
		if (strcmp(s->phase, "concurrent") != 0 && s->r.rate > sum->best_rate) {
			sum->best_rate = s->r.rate;
			sum->best_rate_achieved = s->r.achieved_rate;
		}
		if (s->r.peak_concurrent > sum->most_concurrent) {
			sum->most_concurrent = s->r.peak_concurrent;
			deciding = s;
		}
	}
	for (unsigned i = 0; i < run->n; i++) {
		const struct calls_step *s = &run->steps[i];

		if (s->passed)
			continue;
		if (strcmp(s->phase, "concurrent") != 0 && s->r.rate > sum->best_rate)
			sum->rate_limit_found = true;
		if (strcmp(s->phase, "rate") != 0 && s->r.concurrent > sum->most_concurrent)
			sum->conc_limit_found = true;
	}
	if (deciding == NULL && run->n > 0)
		deciding = &run->steps[run->n - 1];
	if (deciding != NULL)
		sum->loss_pct = deciding->r.loss_pct;
}

int bench_calls_main(int argc, char **argv)
{
	static struct run run;
	struct calls_opts o;
	struct calls_summary sum;
	char err[256];
	int rc;

	opts_default(&o);
	rc = opts_parse(&o, argc, argv);
	if (rc == 1) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc != 0)
		return 2;
	memset(&run, 0, sizeof(run));
	run.o = &o;
	run.tty = isatty(STDERR_FILENO);
	o.conf.progress = progress;
	o.conf.progress_arg = &run;
	if (o.ctl != NULL) {
		char *res = NULL;

		if (calls_gw_query(o.ctl, "show version", &res, err, sizeof(err)) != 0)
			fprintf(stderr, "calls: the gateway's control socket %s does not answer (%s): "
				"its CPU is not sampled\n", o.ctl, err);
		free(res);
	}
	rc = calls_engine_init(0, NULL);   /* no extra EAL arguments */
	if (rc != 0) {
		fprintf(stderr, "calls: cannot start the load client: %s\n", strerror(-rc));
		return 1;
	}
	run.started = now_s();
	calls_report_header(stdout);
	if (!o.ramp) {
		run_step(&run, "fixed", &o.conf);
	} else {
		/* steps and time split between the two searches: the first gets
		 * the odd step and half the time, the second what is left */
		unsigned b = o.ramp_max_steps - o.ramp_max_steps / 2;
		double best;

		run.deadline = run.started + o.ramp_max_time_s / 2;
		best = search_rate(&run, b);
		run.deadline = run.started + o.ramp_max_time_s;
		search_concurrent(&run, o.ramp_max_steps - b, best);
	}
	calls_engine_fini();
	summarise(&run, &sum);
	calls_report_summary(stdout, &sum, run.steps, run.n);
	rc = run.n > 0 ? 0 : 1;
	if (o.json != NULL && calls_report_json(o.json, &o, run.steps, run.n, &sum) != 0) {
		fprintf(stderr, "calls: cannot write %s: %s\n", o.json, strerror(errno));
		rc = 1;
	}
	if (o.plots != NULL && run.n > 0) {
		if (calls_report_plots(o.plots, &o, run.steps, run.n, err, sizeof(err)) != 0) {
			fprintf(stderr, "calls: plots: %s\n", err);
			rc = 1;
		} else {
			printf("plots: %s/setup-vs-rate.png %s/loss-vs-load.png %s/failed-vs-load.png\n",
			       o.plots, o.plots, o.plots);
		}
	}
	return rc;
}
