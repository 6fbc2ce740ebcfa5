/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench calls: the output.  A table row per step on stdout as soon
 * as the step ends, a summary line, --json with every field of every step,
 * and --plots: gnuplot PNGs made from a data file written next to them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "bench.h"
#include "calls_driver_pvt.h"

static const char *const failure_names[] = {
#define CALLS_FAILURE_NAME(e, n) [CALLS_FAIL_##e] = n,
	CALLS_FAILURES(CALLS_FAILURE_NAME)
#undef CALLS_FAILURE_NAME
};

static const struct {
	const char *name, *text;
} bounds[] = {
#define CALLS_BOUND_ROW(e, n, d) [CALLS_BOUND_##e] = { n, d },
	CALLS_BOUNDS(CALLS_BOUND_ROW)
#undef CALLS_BOUND_ROW
};

const char *calls_failure_text(enum calls_failure f)
{
	return (unsigned)f < CALLS_FAIL_COUNT ? failure_names[f] : "?";
}

const char *calls_bound_name(enum calls_bound b)
{
	return (unsigned)b < CALLS_BOUND_COUNT ? bounds[b].name : "?";
}

const char *calls_bound_text(enum calls_bound b)
{
	return (unsigned)b < CALLS_BOUND_COUNT ? bounds[b].text : "?";
}

/* "12.3" or "-" for no value, into one of a few rotating buffers. */
static const char *num(double v, int prec)
{
	static char buf[16][24];
	static unsigned k;
	char *b = buf[k++ % 16];

	if (!isfinite(v))
		return "-";
	snprintf(b, sizeof(buf[0]), "%.*f", prec, v);
	return b;
}

static const char *pct2(const struct calls_pct *p)
{
	static char buf[8][32];
	static unsigned k;
	char *b = buf[k++ % 8];

	if (p->n == 0 || !isfinite(p->p50))
		return "-";
	snprintf(b, sizeof(buf[0]), "%s/%s", num(p->p50, 0), num(p->p99, 0));
	return b;
}

static void failures_text(const struct calls_step_result *r, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned f = 1; f < CALLS_FAIL_COUNT; f++) {
		int n;

		if (r->failures[f] == 0)
			continue;
		n = snprintf(buf + off, len - off, "%s%s:%lu", off ? "," : "", failure_names[f],
			     (unsigned long)r->failures[f]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "-");
}

void calls_report_header(FILE *f)
{
	fprintf(f, "%4s %-10s %8s %10s %6s %6s %5s %-18s %11s %11s %11s %11s %7s %9s %5s %8s %6s %8s  %s\n",
		"step", "phase", "rate/s", "conc", "att", "done", "fail", "failures",
		"answer-ms", "ice-ms", "dtls-ms", "media-ms", "loss%", "jitter-ms", "cli%",
		"ctl-ms/c", "wrk%", "wrk-us/cs", "bound");
	fprintf(f, "%4s %-10s %8s %10s %6s %6s %5s %-18s %11s %11s %11s %11s %7s %9s %5s %8s %6s %8s\n",
		"", "", "(got)", "(peak)", "", "", "", "", "p50/p99", "p50/p99", "p50/p99", "p50/p99",
		"", "p50/p99", "", "", "max", "");
}

void calls_report_step(FILE *f, const struct calls_step *s)
{
	const struct calls_step_result *r = &s->r;
	char fails[128], rate[32], conc[32], jit[32];

	failures_text(r, fails, sizeof(fails));
	snprintf(rate, sizeof(rate), "%s(%s)", num(r->rate, r->rate < 10 ? 1 : 0),
		 num(r->achieved_rate, r->achieved_rate < 10 ? 1 : 0));
	snprintf(conc, sizeof(conc), "%u(%u)", r->concurrent, r->peak_concurrent);
	snprintf(jit, sizeof(jit), "%s/%s", num(r->jitter_ms_p50, 1), num(r->jitter_ms_p99, 1));
	fprintf(f, "%4u %-10s %8s %10s %6lu %6lu %5lu %-18s %11s %11s %11s %11s %7s %9s %5s %8s %6s %8s  %s%s\n",
		s->index, s->phase, rate, conc, (unsigned long)r->attempted,
		(unsigned long)r->completed, (unsigned long)r->failed, fails,
		pct2(&r->t_answer), pct2(&r->t_ice), pct2(&r->t_dtls), pct2(&r->t_media),
		num(r->loss_pct, 3), jit, num(r->client_cpu_pct, 0),
		num(s->gw.ctl_ms_per_call, 2), num(s->gw.worker_busy_pct_max, 1),
		num(s->gw.worker_us_per_call_s, 1), calls_bound_name(s->bound),
		s->passed ? "" : " FAIL");
	if (r->hold_pps > 0 && r->hold_pps < 50)
		fprintf(f, "     step %u held calls at %s packets/s (50/s for %.1f s at the start and the end)\n",
			s->index, num(r->hold_pps, r->hold_pps < 10 ? 2 : 0), CALLS_CHECK_S);
	else if (r->hold_pps == 0)
		fprintf(f, "     step %u held calls silent (50 packets/s for %.1f s at the start and the end, "
			"ICE consent every 5 s)\n", s->index, CALLS_CHECK_S);
	if (s->bound == CALLS_BOUND_CLIENT)
		fprintf(f, "     step %u is client-bound: the load client used %.0f %% of its cores; "
			"the gateway was not measured at its limit\n", s->index, r->client_cpu_pct);
	if ((!s->gw.sampled || !s->gw.have_ctl) && s->gw.err[0] != '\0')
		fprintf(f, "     step %u: gateway cost %s: %s\n", s->index,
			s->gw.sampled ? "partly unknown" : "unknown", s->gw.err);
}

void calls_report_summary(FILE *f, const struct calls_summary *sum,
			  const struct calls_step *steps, unsigned n)
{
	fprintf(f, "highest set-up rate %s/s, most concurrent calls %u, loss %s %%\n",
		num(sum->best_rate, sum->best_rate < 10 ? 1 : 0), sum->most_concurrent,
		num(sum->loss_pct, 3));
	if (!sum->rate_limit_found || !sum->conc_limit_found)
		fprintf(f, "not limits: %s%s%s (no step above them failed)\n",
			sum->rate_limit_found ? "" : "the set-up rate",
			!sum->rate_limit_found && !sum->conc_limit_found ? " and " : "",
			sum->conc_limit_found ? "" : "the concurrent calls");
	if (n > 0)
		fprintf(f, "bound of the last step: %s\n", calls_bound_text(steps[n - 1].bound));
	if (sum->client_bound)
		fputs("client-bound: at least one step was limited by the load client's own CPU, "
		      "not by the gateway; give the client more cores (--threads) or a second "
		      "machine before reading those steps as the gateway's limit\n", f);
}

/* ---- JSON ---------------------------------------------------------------- */

static void j_num(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	if (isfinite(v))
		json_builder_add_double_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void j_int(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void j_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v != NULL)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void j_bool(JsonBuilder *b, const char *name, bool v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, v);
}

static void j_pct(JsonBuilder *b, const char *name, const struct calls_pct *p)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	j_num(b, "p50", p->p50);
	j_num(b, "p90", p->p90);
	j_num(b, "p99", p->p99);
	j_num(b, "max", p->max);
	j_int(b, "n", p->n);
	json_builder_end_object(b);
}

static void j_gw(JsonBuilder *b, const struct calls_gw_cost *c)
{
	json_builder_set_member_name(b, "gateway");
	json_builder_begin_object(b);
	j_bool(b, "sampled", c->sampled);
	j_int(b, "samples", c->samples);
	j_num(b, "control_cpu_s", c->ctl_cpu_s);
	j_num(b, "control_cpu_pct", c->ctl_cpu_pct);
	j_num(b, "control_ms_per_call", c->ctl_ms_per_call);
	j_int(b, "workers", c->workers);
	json_builder_set_member_name(b, "worker_busy_pct");
	json_builder_begin_array(b);
	for (unsigned w = 0; w < c->workers; w++)
		if (isfinite(c->worker_busy_pct[w]))
			json_builder_add_double_value(b, c->worker_busy_pct[w]);
		else
			json_builder_add_null_value(b);
	json_builder_end_array(b);
	j_num(b, "worker_busy_pct_max", c->worker_busy_pct_max);
	j_num(b, "worker_us_per_call_s", c->worker_us_per_call_s);
	j_num(b, "window_s", c->window_s);
	j_bool(b, "window_steady", c->window_steady);
	j_str(b, "error", c->err[0] ? c->err : NULL);
	json_builder_end_object(b);
}

static void j_step(JsonBuilder *b, const struct calls_step *s)
{
	const struct calls_step_result *r = &s->r;

	json_builder_begin_object(b);
	j_int(b, "step", s->index);
	j_str(b, "phase", s->phase);
	j_num(b, "rate", r->rate);
	j_num(b, "achieved_rate", r->achieved_rate);
	j_int(b, "concurrent", r->concurrent);
	j_int(b, "peak_concurrent", r->peak_concurrent);
	j_num(b, "hold_s", s->hold_s);
	j_num(b, "hold_pps", r->hold_pps);
	j_int(b, "attempted", r->attempted);
	j_int(b, "completed", r->completed);
	j_int(b, "failed", r->failed);
	j_num(b, "failed_pct", s->failed_pct);
	json_builder_set_member_name(b, "failures");
	json_builder_begin_object(b);
	for (unsigned f = 1; f < CALLS_FAIL_COUNT; f++)
		j_int(b, failure_names[f], r->failures[f]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "setup_ms");
	json_builder_begin_object(b);
	j_pct(b, "answer", &r->t_answer);
	j_pct(b, "ice", &r->t_ice);
	j_pct(b, "dtls", &r->t_dtls);
	j_pct(b, "media", &r->t_media);
	json_builder_end_object(b);
	j_int(b, "pkts_sent", r->pkts_sent);
	j_int(b, "pkts_received", r->pkts_received);
	j_int(b, "pkts_lost", r->pkts_lost);
	j_int(b, "pkts_bad", r->pkts_bad);
	j_num(b, "loss_pct", r->loss_pct);
	j_num(b, "jitter_ms_p50", r->jitter_ms_p50);
	j_num(b, "jitter_ms_p99", r->jitter_ms_p99);
	j_num(b, "steady_from", r->steady_from);
	j_num(b, "steady_to", r->steady_to);
	j_int(b, "steady_pkts_sent", r->steady_pkts_sent);
	j_int(b, "steady_pkts_received", r->steady_pkts_received);
	j_num(b, "wall_s", r->wall_s);
	j_num(b, "client_cpu_s", r->client_cpu_s);
	j_num(b, "client_cpu_pct", r->client_cpu_pct);
	j_gw(b, &s->gw);
	j_bool(b, "passed", s->passed);
	j_str(b, "bound", calls_bound_name(s->bound));
	j_str(b, "bound_text", calls_bound_text(s->bound));
	json_builder_end_object(b);
}

static const char *const signal_json[] = { "jsep", "ng", "self" };

static void j_options(JsonBuilder *b, const struct calls_opts *o)
{
	const struct calls_conf *c = &o->conf;

	json_builder_set_member_name(b, "options");
	json_builder_begin_object(b);
	j_str(b, "signal", (unsigned)c->signal < 3 ? signal_json[c->signal] : "?");
	j_str(b, "url", c->ws_url);
	j_str(b, "origin", c->origin);
	j_str(b, "target", c->target);
	j_str(b, "user_prefix", c->user_prefix);
	j_str(b, "ng", c->ng_addr);
	j_str(b, "rtp_peer", c->rtp_peer);
	j_str(b, "reflector", c->reflector);
	json_builder_set_member_name(b, "local_addrs");
	json_builder_begin_array(b);
	for (unsigned i = 0; i < c->nb_local_addrs; i++)
		json_builder_add_string_value(b, c->local_addrs[i]);
	json_builder_end_array(b);
	j_num(b, "rate", c->rate);
	j_int(b, "concurrent", c->concurrent);
	j_int(b, "total", c->total);
	j_num(b, "hold_s", c->hold_s);
	j_num(b, "hold_pps", c->hold_pps < 0 ? 0 : c->hold_pps);
	j_num(b, "timeout_s", c->timeout_s);
	j_int(b, "threads", c->threads);
	j_str(b, "suite", bench_suite_name(c->suite));
	j_bool(b, "ramp", o->ramp);
	j_num(b, "ramp_start", o->ramp_start);
	j_num(b, "ramp_factor", o->ramp_factor);
	j_int(b, "ramp_max_steps", o->ramp_max_steps);
	j_num(b, "ramp_max_time_s", o->ramp_max_time_s);
	j_num(b, "max_fail_pct", o->max_fail_pct);
	j_num(b, "max_loss_pct", o->max_loss_pct);
	j_str(b, "ctl", o->ctl);
	json_builder_end_object(b);
}

int calls_report_json(const char *path, const struct calls_opts *o,
		      const struct calls_step *steps, unsigned n, const struct calls_summary *sum)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *g = json_generator_new();
	JsonNode *root;
	GError *gerr = NULL;
	int rc = 0;

	json_builder_begin_object(b);
	j_str(b, "bench", "calls");
	j_str(b, "mode", o->ramp ? "ramp" : "fixed");
	j_options(b, o);
	json_builder_set_member_name(b, "steps");
	json_builder_begin_array(b);
	for (unsigned i = 0; i < n; i++)
		j_step(b, &steps[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	j_num(b, "highest_setup_rate", sum->best_rate);
	j_num(b, "highest_setup_rate_achieved", sum->best_rate_achieved);
	j_int(b, "most_concurrent", sum->most_concurrent);
	j_num(b, "loss_pct", sum->loss_pct);
	j_int(b, "steps", sum->steps);
	j_bool(b, "setup_rate_limit_found", sum->rate_limit_found);
	j_bool(b, "concurrent_limit_found", sum->conc_limit_found);
	j_bool(b, "client_bound", sum->client_bound);
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	if (!json_generator_to_file(g, path, &gerr)) {
		errno = gerr != NULL && gerr->domain == G_FILE_ERROR ? EIO : EIO;
		if (gerr != NULL)
			g_error_free(gerr);
		rc = -EIO;
	}
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return rc;
}

/* ---- plots ----------------------------------------------------------------- */

/* One row per step, gnuplot's "-" for no value. */
static int write_data(const char *path, const struct calls_step *steps, unsigned n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fputs("# step phase(0 fixed,1 rate,2 concurrent) rate achieved peak_concurrent "
	      "answer_p50 answer_p99 ice_p50 ice_p99 dtls_p50 dtls_p99 media_p50 media_p99 "
	      "loss_pct failed_pct passed\n", f);
	for (unsigned i = 0; i < n; i++) {
		const struct calls_step *s = &steps[i];
		const struct calls_step_result *r = &s->r;
		int ph = strcmp(s->phase, "rate") == 0 ? 1 : strcmp(s->phase, "concurrent") == 0 ? 2 : 0;

		fprintf(f, "%u %d %g %g %u %s %s %s %s %s %s %s %s %s %s %d\n", s->index, ph,
			r->rate, r->achieved_rate, r->peak_concurrent,
			num(r->t_answer.p50, 2), num(r->t_answer.p99, 2), num(r->t_ice.p50, 2),
			num(r->t_ice.p99, 2), num(r->t_dtls.p50, 2), num(r->t_dtls.p99, 2),
			num(r->t_media.p50, 2), num(r->t_media.p99, 2), num(r->loss_pct, 4),
			num(s->failed_pct, 4), s->passed);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

/*
 * Three PNGs.  Set-up times against the set-up rate (the rate steps, or
 * every step of a fixed run); loss and failed % against load, where load is
 * both the set-up rate (left) and the concurrent calls reached (right), each
 * with the pass line.  Columns: see write_data.
 */
static const char plot_script[] =
"set terminal pngcairo size 1000,600 font ',10' noenhanced\n"
"set datafile missing '-'\n"
"set grid\n"
"set key top left\n"
"sel(p) = (int($2) == 2 ? NaN : p)\n"
"selc(p) = (int($2) == 1 ? NaN : p)\n"
"set output dir.'/setup-vs-rate.png'\n"
"set title 'Call set-up time vs set-up rate (from the offer sent)'\n"
"set xlabel 'call attempts per second (achieved)'\n"
"set ylabel 'milliseconds'\n"
"set logscale y\n"
"set key outside right top\n"
"plot data using 4:(sel($6)) smooth unique with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'answer p50', \\\n"
"     data using 4:(sel($7)) smooth unique with linespoints dt 2 pt 6 lc rgb '#1f77b4' title 'answer p99', \\\n"
"     data using 4:(sel($8)) smooth unique with linespoints lw 2 pt 7 lc rgb '#2ca02c' title 'ICE done p50', \\\n"
"     data using 4:(sel($9)) smooth unique with linespoints dt 2 pt 6 lc rgb '#2ca02c' title 'ICE done p99', \\\n"
"     data using 4:(sel($10)) smooth unique with linespoints lw 2 pt 7 lc rgb '#ff7f0e' title 'DTLS done p50', \\\n"
"     data using 4:(sel($11)) smooth unique with linespoints dt 2 pt 6 lc rgb '#ff7f0e' title 'DTLS done p99', \\\n"
"     data using 4:(sel($12)) smooth unique with linespoints lw 2 pt 7 lc rgb '#d62728' title 'first media p50', \\\n"
"     data using 4:(sel($13)) smooth unique with linespoints dt 2 pt 6 lc rgb '#d62728' title 'first media p99'\n"
"set key inside top left\n"
"unset logscale y\n"
"do for [col in '14 15'] {\n"
"  c = int(col)\n"
"  what = (c == 14 ? 'Packet loss' : 'Failed calls')\n"
"  lim = (c == 14 ? maxloss : maxfail)\n"
"  set output dir.(c == 14 ? '/loss-vs-load.png' : '/failed-vs-load.png')\n"
"  set multiplot layout 1,2 title what.' % vs load (dashed: the pass limit)'\n"
"  set title 'vs set-up rate'\n"
"  set xlabel 'call attempts per second (achieved)'\n"
"  set ylabel '%'\n"
"  ymin = (lim > 0 ? lim * 1.5 : 1)\n"
"  set yrange [0:ymin<*]\n"
"  plot data using 4:(sel(column(c))) smooth unique with linespoints lw 2 pt 7 lc rgb '#1f77b4' title what, \\\n"
"       lim with lines dt 2 lc 'red' title 'limit'\n"
"  set title 'vs concurrent calls'\n"
"  set xlabel 'concurrent calls with media (peak reached)'\n"
"  plot data using 5:(selc(column(c))) smooth unique with linespoints lw 2 pt 7 lc rgb '#1f77b4' title what, \\\n"
"       lim with lines dt 2 lc 'red' title 'limit'\n"
"  unset multiplot\n"
"}\n";

int calls_report_plots(const char *dir, const struct calls_opts *o,
		       const struct calls_step *steps, unsigned n, char *err, size_t err_len)
{
	char data[4096], script[4096], log[4096], cmd[12288];
	FILE *f;
	int rc;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, err_len, "cannot make %s: %s", dir, strerror(errno));
		return -errno;
	}
	snprintf(data, sizeof(data), "%s/calls.dat", dir);
	snprintf(script, sizeof(script), "%s/calls.gp", dir);
	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	rc = write_data(data, steps, n);
	if (rc != 0) {
		snprintf(err, err_len, "cannot write %s: %s", data, strerror(-rc));
		return rc;
	}
	f = fopen(script, "w");
	if (f == NULL) {
		snprintf(err, err_len, "cannot write %s: %s", script, strerror(errno));
		return -errno;
	}
	/* paths go in as gnuplot strings: refuse a quote rather than escape it */
	if (strchr(dir, '\'') != NULL) {
		fclose(f);
		snprintf(err, err_len, "the plots directory must not contain a quote");
		return -EINVAL;
	}
	fprintf(f, "dir = '%s'\ndata = '%s'\nmaxloss = %g\nmaxfail = %g\n%s", dir, data,
		o->max_loss_pct, o->max_fail_pct, plot_script);
	if (fclose(f) != 0) {
		snprintf(err, err_len, "cannot write %s: %s", script, strerror(errno));
		return -errno;
	}
	snprintf(cmd, sizeof(cmd), "gnuplot '%s' >'%s' 2>&1", script, log);
	rc = system(cmd);
	if (rc != 0) {
		snprintf(err, err_len, "gnuplot failed (%s; is gnuplot-nox installed? "
			 "tools/install-deps.sh --with-lab): see %s",
			 rc == -1 ? strerror(errno) : WIFEXITED(rc) ? "exit status" : "signal", log);
		return -EIO;
	}
	return 0;
}
