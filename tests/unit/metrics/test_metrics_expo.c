/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus exposition writer (format 0.0.4): HELP/TYPE lines, label
 * value escaping, integer and float values, histograms (cumulative buckets,
 * +Inf equal to _count); and the /metrics listener's request parser and
 * status table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tz_metrics.h"

static void family_lines(void **state)
{
	GString *o = g_string_new(NULL);

	tz_metrics_family(o, "trapeze_x_total", TZ_METRICS_COUNTER, "a \\ b\nc \"q\"");
	assert_string_equal(o->str, "# HELP trapeze_x_total a \\\\ b\\nc \"q\"\n"
				    "# TYPE trapeze_x_total counter\n");
	g_string_truncate(o, 0);
	tz_metrics_family(o, "trapeze_g", TZ_METRICS_GAUGE, "g");
	tz_metrics_family(o, "trapeze_h", TZ_METRICS_HISTOGRAM, "h");
	assert_string_equal(o->str, "# HELP trapeze_g g\n# TYPE trapeze_g gauge\n"
				    "# HELP trapeze_h h\n# TYPE trapeze_h histogram\n");
	g_string_free(o, TRUE);
}

static void label_escaping(void **state)
{
	static const struct {
		const char *value, *want;
	} table[] = {
		{ "access", "access" },
		{ "a\"b", "a\\\"b" },             /* double quote */
		{ "a\\b", "a\\\\b" },             /* backslash */
		{ "a\nb", "a\\nb" },              /* newline */
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "", "" },
		{ "acme ü", "acme ü" },           /* UTF-8 passes as is */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		GString *o = g_string_new(NULL);
		g_autofree char *want = g_strdup_printf("m{port=\"%s\",side=\"wire\"} 7\n",
							table[i].want);

		tz_metrics_sample_u64(o, "m", (struct tz_metrics_label[]){
			{ "port", table[i].value }, { "side", "wire" } }, 2, 7);
		assert_string_equal(o->str, want);
		g_string_free(o, TRUE);
	}
}

static void values(void **state)
{
	GString *o = g_string_new(NULL);

	tz_metrics_sample_u64(o, "a", NULL, 0, UINT64_MAX);
	tz_metrics_sample(o, "b", NULL, 0, 0.25);
	tz_metrics_sample(o, "c", NULL, 0, 1.0 / 0.0);
	tz_metrics_sample(o, "d", NULL, 0, 0.0 / 0.0);
	tz_metrics_sample(o, "e", &(struct tz_metrics_label){ "k", "v" }, 1, 3);
	tz_metrics_sample(o, "f", NULL, 0, 1e-9);
	assert_string_equal(o->str, "a 18446744073709551615\nb 0.25\nc +Inf\nd NaN\n"
				    "e{k=\"v\"} 3\nf 1e-09\n");
	g_string_free(o, TRUE);
}

static void histogram_cumulative(void **state)
{
	static const double bounds[] = { 0.1, 0.5, 1 };
	uint64_t counts[4] = { 0 };
	GString *o = g_string_new(NULL);
	double obs[] = { 0.05, 0.1, 0.3, 0.7, 0.9, 1.0, 2.5, 60 };
	double sum = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(obs); i++) {
		counts[tz_metrics_bucket(bounds, 3, obs[i])]++;
		sum += obs[i];
	}
	/* an observation equal to a bound belongs to it (le: less or equal) */
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 3);
	assert_int_equal(counts[3], 2);
	tz_metrics_histogram(o, "h_seconds", &(struct tz_metrics_label){ "tenant", "a\"b" }, 1,
			     &(struct tz_metrics_hist){ bounds, 3, counts, sum });
	assert_string_equal(o->str,
		"h_seconds_bucket{tenant=\"a\\\"b\",le=\"0.1\"} 2\n"
		"h_seconds_bucket{tenant=\"a\\\"b\",le=\"0.5\"} 3\n"
		"h_seconds_bucket{tenant=\"a\\\"b\",le=\"1\"} 6\n"
		"h_seconds_bucket{tenant=\"a\\\"b\",le=\"+Inf\"} 8\n"
		"h_seconds_sum{tenant=\"a\\\"b\"} 65.55\n"
		"h_seconds_count{tenant=\"a\\\"b\"} 8\n");
	g_string_free(o, TRUE);
}

static void histogram_empty(void **state)
{
	static const double bounds[] = { 1 };
	uint64_t counts[2] = { 0 };
	GString *o = g_string_new(NULL);

	tz_metrics_histogram(o, "e", NULL, 0, &(struct tz_metrics_hist){ bounds, 1, counts, 0 });
	assert_string_equal(o->str, "e_bucket{le=\"1\"} 0\ne_bucket{le=\"+Inf\"} 0\n"
				    "e_sum 0\ne_count 0\n");
	g_string_free(o, TRUE);
}

static void http_requests(void **state)
{
	static const struct {
		const char *text;
		int rc, status;
		const char *path;
	} table[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 0, 200, "/metrics" },
		{ "HEAD /metrics HTTP/1.0\r\n\r\n", 0, 200, "/metrics" },
		{ "GET /metrics?name[]=x HTTP/1.1\n\n", 0, 200, "/metrics" },
		{ "GET / HTTP/1.1\r\n\r\n", 0, 404, "/" },
		{ "GET /metrics/ HTTP/1.1\r\n\r\n", 0, 404, "/metrics/" },
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n", 0, 405, "/metrics" },
		{ "DELETE /x HTTP/1.1\r\n\r\n", 0, 404, "/x" },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", -EAGAIN, 0, NULL },
		{ "GET /metr", -EAGAIN, 0, NULL },
		{ "", -EAGAIN, 0, NULL },
		{ "GET /metrics HTTP/2.0\r\n\r\n", -EINVAL, 0, NULL },
		{ "GET /metrics HTTP/1.1 \r\n\r\n", -EINVAL, 0, NULL },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", -EINVAL, 0, NULL },
		{ "GET metrics HTTP/1.1\r\n\r\n", -EINVAL, 0, NULL },
		{ "GET /metrics\r\n\r\n", -EINVAL, 0, NULL },               /* HTTP/0.9 */
		{ "GET /metrics HTTP/1.1\r\n folded\r\n\r\n", -EINVAL, 0, NULL },
		{ "GET /metrics HTTP/1.1\r\nNo Colon\r\n\r\n", -EINVAL, 0, NULL },
		{ "GET /metrics HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", -EINVAL, 0, NULL },
		{ "\r\n\r\n", -EINVAL, 0, NULL },
		{ "\x16\x03\x01\x02\x10", -EINVAL, 0, NULL },      /* TLS, incomplete */
		{ "G\xc3\xa9T /", -EINVAL, 0, NULL },                  /* non-ASCII method */
		{ "GET /metrics HTTP/1.1\r\nX: \xc3\xa9", -EAGAIN, 0, NULL },  /* obs-text value */
	};
	struct tz_metrics_http_req req;

	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		int rc = tz_metrics_http_parse(table[i].text, strlen(table[i].text), &req);

		if (rc != table[i].rc)
			fail_msg("case %zu \"%s\": rc %d, want %d", i, table[i].text, rc, table[i].rc);
		if (rc != 0)
			continue;
		assert_string_equal(req.path, table[i].path);
		assert_int_equal(tz_metrics_http_status(&req), table[i].status);
		assert_int_equal(req.header_len, strlen(table[i].text));
	}
}

static void http_bounds(void **state)
{
	struct tz_metrics_http_req req;
	GString *s = g_string_new("GET /");
	char nul[] = "GET /metrics HTTP/1.1\r\nX: a\0b\r\n\r\n";

	for (int i = 0; i < 300; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, " HTTP/1.1\r\n\r\n");
	assert_int_equal(tz_metrics_http_parse(s->str, s->len, &req), -E2BIG);   /* path */
	g_string_assign(s, "GET /metrics HTTP/1.1\r\nX: ");
	while (s->len < TZ_METRICS_HTTP_MAX)
		g_string_append_c(s, 'b');
	assert_int_equal(tz_metrics_http_parse(s->str, s->len, &req), -E2BIG);   /* head */
	g_string_truncate(s, TZ_METRICS_HTTP_MAX - 1);
	assert_int_equal(tz_metrics_http_parse(s->str, s->len, &req), -EAGAIN);
	assert_int_equal(tz_metrics_http_parse(nul, sizeof(nul) - 1, &req), -EINVAL);
	g_string_free(s, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(family_lines),
		cmocka_unit_test(label_escaping),
		cmocka_unit_test(values),
		cmocka_unit_test(histogram_cumulative),
		cmocka_unit_test(histogram_empty),
		cmocka_unit_test(http_requests),
		cmocka_unit_test(http_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
