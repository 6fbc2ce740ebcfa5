/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Records in: formatted once, kept in a ring of the last cdr.keep lines for
 * the CLI, appended to the file.  Start, stop, and reopen on SIGUSR1 (the
 * daemon uses SIGINT/SIGTERM only; logrotate's postrotate runs
 * `trapezectl cdr reopen`, the signal is for scripts without the socket).
 */
#include <errno.h>
#include <signal.h>

#include <glib-unix.h>
#include <glib.h>

#include "cdr_pvt.h"
#include "tz_log.h"

static struct {
	char **ring;                 /* keep slots, g_strdup'd lines */
	unsigned keep, head, n;      /* next slot to write, lines held */
	guint sig;
	bool started;
} s;

static gboolean on_sigusr1(gpointer unused)
{
	int rc = tz_cdr_reopen();

	if (rc != 0 && rc != -ENOTCONN)
		TZ_LOG(CP, WARNING, "cdr: reopen on SIGUSR1 failed: %s", g_strerror(-rc));
	else if (rc == 0)
		TZ_LOG(CP, INFO, "cdr: file reopened (SIGUSR1)");
	return G_SOURCE_CONTINUE;
}

int tz_cdr_start(const struct tz_cfg_cdr *cfg)
{
	static bool registered;

	if (s.started)
		tz_cdr_stop();
	s.keep = cfg->keep;
	s.ring = s.keep > 0 ? g_new0(char *, s.keep) : NULL;
	s.head = s.n = 0;
	s.started = true;
	if (cfg->file != NULL && tz_cdr_file_open(cfg->file) == 0)
		TZ_LOG(CP, INFO, "cdr: writing call detail records to %s", cfg->file);
	s.sig = g_unix_signal_add(SIGUSR1, on_sigusr1, NULL);
	if (!registered && tz_cdr_commands_register() != 0)
		return -ENOMEM;
	registered = true;
	return 0;
}

void tz_cdr_stop(void)
{
	if (!s.started)
		return;
	tz_cdr_file_close();
	if (s.sig != 0)
		g_source_remove(s.sig);
	for (unsigned i = 0; i < s.keep; i++)
		g_free(s.ring[i]);
	g_free(s.ring);
	s.ring = NULL;
	s.keep = s.head = s.n = 0;
	s.sig = 0;
	s.started = false;
}

void tz_cdr_record(const struct tz_cdr *r)
{
	char line[TZ_CDR_LINE_MAX];
	ssize_t n;

	if (!s.started)
		return;
	n = tz_cdr_format(r, line, sizeof(line));
	if (n < 0) {                  /* cannot happen with the fields' caps */
		tz_cdr_ctr.dropped++;
		return;
	}
	tz_cdr_ctr.records++;
	if (s.keep > 0) {
		g_free(s.ring[s.head]);
		s.ring[s.head] = g_strndup(line, (gsize)n);
		s.head = (s.head + 1) % s.keep;
		s.n = MIN(s.n + 1, s.keep);
	}
	tz_cdr_file_append(line, (size_t)n);
}

void tz_cdr_store_last(unsigned n, void (*fn)(const char *line, void *arg), void *arg)
{
	n = MIN(n, s.n);
	for (unsigned i = 0; i < n; i++)
		fn(s.ring[(s.head + s.keep - n + i) % s.keep], arg);
}

void tz_cdr_stats_get(struct tz_cdr_stats *out)
{
	*out = tz_cdr_ctr;
	out->buffered = tz_cdr_file_buffered();
}
