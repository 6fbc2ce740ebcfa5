/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format 0.0.4: HELP and TYPE lines, samples
 * with escaped label values, histograms with cumulative buckets.
 */
#include <inttypes.h>
#include <math.h>

#include "tz_metrics.h"

static const char *const type_names[] = {
	[TZ_METRICS_COUNTER] = "counter",
	[TZ_METRICS_GAUGE] = "gauge",
	[TZ_METRICS_HISTOGRAM] = "histogram",
};

/* HELP text escapes backslash and newline; label values also '"'. */
static void escape(GString *out, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			g_string_append(out, "\\\\");
		else if (*s == '\n')
			g_string_append(out, "\\n");
		else if (*s == '"' && quote)
			g_string_append(out, "\\\"");
		else
			g_string_append_c(out, *s);
	}
}

void tz_metrics_family(GString *out, const char *name, enum tz_metrics_type type,
		       const char *help)
{
	g_string_append_printf(out, "# HELP %s ", name);
	escape(out, help, false);
	g_string_append_printf(out, "\n# TYPE %s %s\n", name, type_names[type]);
}

static void labels_write(GString *out, const struct tz_metrics_label *labels, size_t n,
			 const char *le)
{
	if (n == 0 && le == NULL)
		return;
	g_string_append_c(out, '{');
	for (size_t i = 0; i < n; i++) {
		g_string_append_printf(out, "%s%s=\"", i > 0 ? "," : "", labels[i].name);
		escape(out, labels[i].value != NULL ? labels[i].value : "", true);
		g_string_append_c(out, '"');
	}
	if (le != NULL)
		g_string_append_printf(out, "%sle=\"%s\"", n > 0 ? "," : "", le);
	g_string_append_c(out, '}');
}

/* The shortest %g text that reads back as @p v ("0.1", not 0.10000000000000001),
 * with '.' whatever the locale. */
static void shortest(double v, char *buf, size_t len)
{
	for (int prec = 15; prec <= 17; prec++) {
		g_ascii_formatd(buf, (int)len, prec == 15 ? "%.15g" : prec == 16 ? "%.16g" : "%.17g", v);
		if (g_ascii_strtod(buf, NULL) == v)
			return;
	}
}

static void double_text(double v, char *buf, size_t len)
{
	if (isnan(v))
		g_strlcpy(buf, "NaN", len);
	else if (isinf(v))
		g_strlcpy(buf, v > 0 ? "+Inf" : "-Inf", len);
	else
		shortest(v, buf, len);
}

void tz_metrics_sample(GString *out, const char *name, const struct tz_metrics_label *labels,
		       size_t n_labels, double value)
{
	char v[G_ASCII_DTOSTR_BUF_SIZE];

	double_text(value, v, sizeof(v));
	g_string_append(out, name);
	labels_write(out, labels, n_labels, NULL);
	g_string_append_printf(out, " %s\n", v);
}

void tz_metrics_sample_u64(GString *out, const char *name,
			   const struct tz_metrics_label *labels, size_t n_labels, uint64_t value)
{
	g_string_append(out, name);
	labels_write(out, labels, n_labels, NULL);
	g_string_append_printf(out, " %" PRIu64 "\n", value);
}

size_t tz_metrics_bucket(const double *bounds, size_t n_bounds, double v)
{
	size_t i = 0;

	while (i < n_bounds && v > bounds[i])
		i++;
	return i;
}

void tz_metrics_histogram(GString *out, const char *name, const struct tz_metrics_label *labels,
			  size_t n_labels, const struct tz_metrics_hist *h)
{
	char le[G_ASCII_DTOSTR_BUF_SIZE];
	uint64_t cum = 0;

	for (size_t i = 0; i <= h->n_bounds; i++) {
		cum += h->counts[i];
		if (i < h->n_bounds)
			double_text(h->bounds[i], le, sizeof(le));
		else
			g_strlcpy(le, "+Inf", sizeof(le));
		g_string_append_printf(out, "%s_bucket", name);
		labels_write(out, labels, n_labels, le);
		g_string_append_printf(out, " %" PRIu64 "\n", cum);
	}
	g_string_append_printf(out, "%s_sum", name);
	labels_write(out, labels, n_labels, NULL);
	double_text(h->sum, le, sizeof(le));
	g_string_append_printf(out, " %s\n%s_count", le, name);
	labels_write(out, labels, n_labels, NULL);
	g_string_append_printf(out, " %" PRIu64 "\n", cum);
}
