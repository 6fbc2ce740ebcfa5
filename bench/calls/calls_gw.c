/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench calls: the gateway's cost while a step runs, read from its
 * control socket (the protocol trapezectl speaks, docs/cli.md: one JSON line
 * per request and per reply).  `show process` gives the control thread's CPU
 * seconds and each worker's busy seconds; an older gateway without it still
 * gives the workers' busy % through `show lcores`.
 *
 * The load client runs in netns web, the gateway in gw: the socket is a file,
 * and the filesystem is shared, so no network is involved.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "calls_driver_pvt.h"

#define MAX_SAMPLES 8192
#define REPLY_MAX (1 << 20)
#define IO_TIMEOUT_MS 2000
#define STEADY_MIN_S 2.0    /* 4 samples at 0.5 s */

struct sample {
	double t;                 /* CLOCK_REALTIME, s: the engine's steady window is in it */
	double ctl_cpu_s;         /* NaN: unknown */
	unsigned nw;
	unsigned lcore[CALLS_GW_MAX_WORKERS];
	double busy_s[CALLS_GW_MAX_WORKERS];   /* cumulative; NaN: only busy_pct known */
	double busy_pct[CALLS_GW_MAX_WORKERS]; /* show lcores: over the last second */
};

struct calls_gw {
	char path[108];
	double interval_s;
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool no_process;          /* the gateway has no `show process` */
	struct sample *s;
	unsigned n;
	char err[160];
};

static double realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ctl_connect(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "socket path too long");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	snprintf(err, err_len, "cannot connect to %s: %s", path, strerror(errno));
	return -errno;
}

/* Send one request line, read one reply line; the reply (NUL-terminated) in
 * *out, to be freed. */
static int ctl_roundtrip(int fd, const char *cmd, char **out, char *err, size_t err_len)
{
	char req[256];
	size_t cap = 4096, len = 0;
	char *buf;
	int n = snprintf(req, sizeof(req), "{\"line\":\"%s\"}\n", cmd);

	if (n < 0 || (size_t)n >= sizeof(req) || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(err, err_len, "cannot send to the control socket: %s", strerror(errno));
		return -EIO;
	}
	buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		char *nl;

		if (poll(&p, 1, IO_TIMEOUT_MS) != 1) {
			snprintf(err, err_len, "the control socket did not answer within %d ms", IO_TIMEOUT_MS);
			goto fail;
		}
		if (cap - len < 2048) {
			char *nb = cap >= REPLY_MAX ? NULL : realloc(buf, cap * 2);

			if (nb == NULL) {
				snprintf(err, err_len, "reply too long");
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r <= 0) {
			snprintf(err, err_len, "the control socket closed");
			goto fail;
		}
		len += (size_t)r;
		buf[len] = '\0';
		nl = memchr(buf, '\n', len);
		if (nl != NULL) {
			*nl = '\0';
			*out = buf;
			return 0;
		}
	}
fail:
	free(buf);
	return -EIO;
}

/* The reply's "result", or NULL with the daemon's error in err. */
static JsonNode *reply_result(const char *reply, char *err, size_t err_len)
{
	JsonNode *root = json_from_string(reply, NULL), *res = NULL;
	JsonObject *o;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		snprintf(err, err_len, "the control socket's reply is not JSON");
		goto out;
	}
	o = json_node_get_object(root);
	if (!json_object_get_boolean_member_with_default(o, "ok", FALSE)) {
		snprintf(err, err_len, "%s", json_object_get_string_member_with_default(o, "error", "error"));
		goto out;
	}
	if (json_object_has_member(o, "result"))
		res = json_node_copy(json_object_get_member(o, "result"));
out:
	if (root != NULL)
		json_node_unref(root);
	return res;
}

int calls_gw_query(const char *sock_path, const char *cmd, char **result_json,
		   char *err, size_t err_len)
{
	char *reply = NULL;
	JsonNode *res;
	int fd = ctl_connect(sock_path, err, err_len), rc;

	*result_json = NULL;
	if (fd < 0)
		return fd;
	rc = ctl_roundtrip(fd, cmd, &reply, err, err_len);
	close(fd);
	if (rc != 0)
		return rc;
	res = reply_result(reply, err, err_len);
	free(reply);
	if (res == NULL)
		return -EPROTO;
	*result_json = json_to_string(res, FALSE);
	json_node_unref(res);
	return 0;
}

static double member_num(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || JSON_NODE_TYPE(n) != JSON_NODE_VALUE)
		return NAN;
	return json_node_get_double(n);   /* ints are converted too */
}

/* Fill @p s from a `show process` or `show lcores` table. */
static void parse_rows(JsonNode *res, struct sample *s, bool process)
{
	JsonArray *a;

	if (!JSON_NODE_HOLDS_ARRAY(res))
		return;
	a = json_node_get_array(res);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *row = json_array_get_object_element(a, i);
		const char *role;

		if (row == NULL)
			continue;
		role = json_object_get_string_member_with_default(row, "role", "");
		if (strcmp(role, "control") == 0 && process) {
			s->ctl_cpu_s = member_num(row, "cpu_s");
		} else if (strcmp(role, "worker") == 0 && s->nw < CALLS_GW_MAX_WORKERS) {
			s->lcore[s->nw] = (unsigned)json_object_get_int_member_with_default(row, "lcore", 0);
			s->busy_s[s->nw] = process ? member_num(row, "busy_s") : NAN;
			s->busy_pct[s->nw] = process ? NAN : member_num(row, "busy_pct");
			s->nw++;
		}
	}
}

/* Take one sample (sampler thread, or the caller before/after it). */
static void take_sample(struct calls_gw *g)
{
	struct sample s = { .ctl_cpu_s = NAN };
	char err[160] = "", *reply = NULL;
	JsonNode *res = NULL;
	bool process = !g->no_process;

	if (g->fd < 0)
		g->fd = ctl_connect(g->path, err, sizeof(err));
	if (g->fd < 0)
		goto fail;
again:
	if (ctl_roundtrip(g->fd, process ? "show process" : "show lcores", &reply, err, sizeof(err)) != 0) {
		close(g->fd);
		g->fd = -1;
		goto fail;
	}
	s.t = realtime();
	res = reply_result(reply, err, sizeof(err));
	free(reply);
	reply = NULL;
	if (res == NULL && process && strstr(err, "unknown command") != NULL) {
		g->no_process = true;   /* an older gateway: workers only */
		process = false;
		goto again;
	}
	if (res == NULL)
		goto fail;
	parse_rows(res, &s, process);
	json_node_unref(res);
	pthread_mutex_lock(&g->lock);
	if (g->n < MAX_SAMPLES)
		g->s[g->n++] = s;
	else
		g->s[MAX_SAMPLES - 1] = s;   /* a very long step: keep the newest last */
	pthread_mutex_unlock(&g->lock);
	return;
fail:
	pthread_mutex_lock(&g->lock);
	snprintf(g->err, sizeof(g->err), "%s", err);
	pthread_mutex_unlock(&g->lock);
}

static void *sampler(void *arg)
{
	struct calls_gw *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec until;
		double t;

		clock_gettime(CLOCK_REALTIME, &until);
		t = (double)until.tv_sec + (double)until.tv_nsec / 1e9 + g->interval_s;
		until.tv_sec = (time_t)t;
		until.tv_nsec = (long)((t - floor(t)) * 1e9);
		pthread_cond_timedwait(&g->cond, &g->lock, &until);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->lock);
		take_sample(g);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct calls_gw *calls_gw_start(const char *sock_path, double interval_s)
{
	struct calls_gw *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->s = calloc(MAX_SAMPLES, sizeof(*g->s));
	if (g->s == NULL || strlen(sock_path) >= sizeof(g->path)) {
		free(g->s);
		free(g);
		return NULL;
	}
	strcpy(g->path, sock_path);
	g->interval_s = interval_s;
	g->fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	take_sample(g);   /* the step's start */
	if (pthread_create(&g->thread, NULL, sampler, g) != 0) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		if (g->fd >= 0)
			close(g->fd);
		free(g->s);
		free(g);
		return NULL;
	}
	return g;
}

/* Cumulative busy seconds of worker @p w at time @p t, linear between samples. */
static double busy_at(const struct calls_gw *g, unsigned w, double t)
{
	const struct sample *a = &g->s[0], *b = &g->s[g->n - 1];

	for (unsigned i = 1; i < g->n; i++)
		if (g->s[i].t >= t) {
			a = &g->s[i - 1];
			b = &g->s[i];
			break;
		}
	if (t <= a->t || b->t <= a->t)
		return a->busy_s[w];
	if (t >= b->t)
		return b->busy_s[w];
	return a->busy_s[w] + (b->busy_s[w] - a->busy_s[w]) * (t - a->t) / (b->t - a->t);
}

/* Mean of the per-second busy_pct samples inside [from, to] (show lcores). */
static double busy_pct_mean(const struct calls_gw *g, unsigned w, double from, double to)
{
	double sum = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < g->n; i++)
		if (g->s[i].t >= from && g->s[i].t <= to + 1 && w < g->s[i].nw && isfinite(g->s[i].busy_pct[w])) {
			sum += g->s[i].busy_pct[w];
			n++;
		}
	return n ? sum / n : NAN;
}

static void cost(const struct calls_gw *g, const struct calls_step_result *r, struct calls_gw_cost *c)
{
	const struct sample *first = &g->s[0], *last = &g->s[g->n - 1];
	double span = last->t - first->t, from = first->t, to = last->t, call_s, busy_total = 0;
	bool by_pct;

	c->samples = g->n;
	c->sampled = g->n >= 2 && span > 0;
	if (!c->sampled)
		return;
	c->have_ctl = isfinite(first->ctl_cpu_s) && isfinite(last->ctl_cpu_s);
	c->ctl_cpu_s = c->have_ctl ? last->ctl_cpu_s - first->ctl_cpu_s : NAN;
	c->ctl_cpu_pct = c->have_ctl ? 100.0 * c->ctl_cpu_s / span : NAN;
	c->ctl_ms_per_call = c->have_ctl && r->attempted ? 1000.0 * c->ctl_cpu_s / (double)r->attempted : NAN;
	/* a steady window shorter than a few samples says nothing: the whole step then */
	if (r->steady_to - r->steady_from >= STEADY_MIN_S && r->steady_from >= first->t - 1 &&
	    r->steady_to <= last->t + 1) {
		from = fmax(r->steady_from, first->t);
		to = fmin(r->steady_to, last->t);
		c->window_steady = to > from;
	}
	if (!c->window_steady) {
		from = first->t;
		to = last->t;
	}
	c->window_s = to - from;
	c->workers = last->nw < first->nw ? last->nw : first->nw;
	by_pct = c->workers > 0 && !isfinite(last->busy_s[0]);
	c->worker_busy_pct_max = c->workers ? 0 : NAN;
	for (unsigned w = 0; w < c->workers; w++) {
		double busy;

		if (by_pct) {
			c->worker_busy_pct[w] = busy_pct_mean(g, w, from, to);
			busy = c->worker_busy_pct[w] / 100 * c->window_s;
		} else {
			busy = busy_at(g, w, to) - busy_at(g, w, from);
			c->worker_busy_pct[w] = c->window_s > 0 ? 100.0 * busy / c->window_s : NAN;
		}
		busy_total += isfinite(busy) ? busy : 0;
		if (c->worker_busy_pct[w] > c->worker_busy_pct_max)
			c->worker_busy_pct_max = c->worker_busy_pct[w];
	}
	/* each call sends 50 packets a second: packets / 50 = call-seconds of media */
	call_s = (double)(c->window_steady ? r->steady_pkts_sent : r->pkts_sent) / 50.0;
	c->worker_us_per_call_s = c->workers && call_s > 0 ? busy_total * 1e6 / call_s : NAN;
}

void calls_gw_unknown(struct calls_gw_cost *out, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->ctl_cpu_s = out->ctl_cpu_pct = out->ctl_ms_per_call = NAN;
	out->worker_busy_pct_max = out->worker_us_per_call_s = out->window_s = NAN;
	snprintf(out->err, sizeof(out->err), "%s", why);
}

void calls_gw_stop(struct calls_gw *g, const struct calls_step_result *r, struct calls_gw_cost *out)
{
	calls_gw_unknown(out, "");
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	take_sample(g);   /* the step's end */
	if (g->n >= 2)
		cost(g, r, out);
	if (!out->sampled)
		snprintf(out->err, sizeof(out->err), "%s", g->err[0] ? g->err : "too few samples");
	else if (!out->have_ctl)
		snprintf(out->err, sizeof(out->err), "the gateway has no `show process`: "
			 "control thread CPU unknown");
	if (g->fd >= 0)
		close(g->fd);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g->s);
	free(g);
}

enum calls_bound calls_bound_of(const struct calls_step *s)
{
	const struct calls_gw_cost *c = &s->gw;

	/* the client first: when it is saturated the gateway figures mean little */
	if (s->r.client_cpu_pct >= CALLS_BOUND_PCT)
		return CALLS_BOUND_CLIENT;
	if (c->sampled && c->have_ctl && c->ctl_cpu_pct >= CALLS_BOUND_PCT)
		return CALLS_BOUND_GW_CONTROL;
	if (c->sampled && c->workers && c->worker_busy_pct_max >= CALLS_BOUND_PCT)
		return CALLS_BOUND_GW_WORKERS;
	return s->passed ? CALLS_BOUND_NONE : CALLS_BOUND_ELSEWHERE;
}
