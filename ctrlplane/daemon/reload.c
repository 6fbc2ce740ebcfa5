/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `trapezectl reload` and SIGHUP (issue 13): read the config file again with
 * the same loader, refuse it whole when it has errors (the old config stays
 * in force), else apply what a running daemon can apply for new calls and
 * logins and list what needs a restart (docs/operations.md).  `show status`
 * tells which config runs, since when, its generation and the last result.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>

#include "admin_pvt.h"
#include "sd_notify.h"
#include "tz_auth.h"   /* tz_calls.h uses its struct */
#include "tz_calls.h"
#include "tz_cfg_diff.h"
#include "tz_log.h"
#include "tz_sip.h"

struct admin tz_admin;

static void set_result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_result(const char *fmt, ...)
{
	va_list ap;

	g_free(tz_admin.last_result);
	va_start(ap, fmt);
	tz_admin.last_result = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	tz_admin.last_at = time(NULL);
}

static int refuse_errors(const char *path, struct tz_cfg_errors *errs, GString *out)
{
	g_string_append_printf(out, "reload refused: %s has %zu error%s; the running config "
			       "(generation %u) stays in force", path, errs->n,
			       errs->n == 1 ? "" : "s", tz_admin.generation);
	for (size_t i = 0; i < errs->n; i++) {
		g_string_append_printf(out, "\n%s", errs->msg[i]);
		TZ_LOG(MAIN, ERR, "reload: %s", errs->msg[i]);
	}
	if (errs->n == 0)
		g_string_append(out, "\n(out of memory)");
	TZ_LOG(MAIN, ERR, "reload refused: %s has %zu error%s; generation %u stays in force", path,
	       errs->n, errs->n == 1 ? "" : "s", tz_admin.generation);
	tz_admin.reloads_refused++;
	set_result("refused: %zu error%s", errs->n, errs->n == 1 ? "" : "s");
	return -EINVAL;
}

static int refuse(const char *why, GString *out)
{
	g_string_append_printf(out, "reload refused: %s; the running config (generation %u) "
			       "stays in force", why, tz_admin.generation);
	TZ_LOG(MAIN, ERR, "reload refused: %s", why);
	tz_admin.reloads_refused++;
	set_result("refused: %s", why);
	return -EINVAL;
}

/* logging.level for every subsystem, then the per-subsystem overrides. */
static void apply_log_levels(const struct tz_cfg_logging *l)
{
	tz_log_set_level("*", l->level);
	for (size_t i = 0; i < l->n_levels; i++)
		tz_log_set_level(l->levels[i].subsystem, l->levels[i].level);
}

static void describe(const struct tz_cfg_diff *diff, const char *summary, GString *out)
{
	g_strfreev(tz_admin.pending);
	tz_admin.pending = g_new0(char *, diff->n_restart + 1);
	for (size_t i = 0; i < diff->n_restart; i++)
		tz_admin.pending[i] = g_strdup(diff->restart[i]);
	g_string_append_printf(out, "reloaded %s: generation %u: %s", tz_admin.d->cfg->path,
			       tz_admin.generation, summary);
	for (size_t i = 0; i < diff->n_restart; i++)
		g_string_append_printf(out, "\nneeds restart: %s (not applied)", diff->restart[i]);
	TZ_LOG(MAIN, NOTICE, "reload: generation %u: %s%s%zu key%s need a restart", tz_admin.generation,
	       summary, diff->n_restart ? "; " : "", diff->n_restart, diff->n_restart == 1 ? "" : "s");
	for (size_t i = 0; i < diff->n_restart; i++)
		TZ_LOG(MAIN, WARNING, "reload: needs restart: %s (not applied)", diff->restart[i]);
	set_result("ok: %s%s", summary, diff->n_restart ? " (some keys need a restart)" : "");
}

static int reload(struct tz_daemon *d, GString *out);

/* "routes: 1 added; NOTE" or "NOTE" for "no changes". */
static void add_note(char **summary, const char *note)
{
	bool none = strcmp(*summary, "no changes") == 0;
	char *with = NULL;

	if (asprintf(&with, "%s%s%s", none ? "" : *summary, none ? "" : "; ", note) > 0) {
		free(*summary);
		*summary = with;
	}
}

/* The SIP TLS files (sip_tls_reload.c): @p check is what the dry run said. */
static void apply_sip_tls(struct tz_daemon *d, const struct tz_config *new, int check,
			  char **summary)
{
	char err[256] = "";
	int rc = check;

	if (check > 0)
		rc = tz_sip_tls_reload(d->sip, &new->sip, true, err, sizeof(err));
	if (rc < 0 && rc != -ENOENT) {
		TZ_LOG(MAIN, ERR, "reload: SIP TLS certificate not renewed: %s", err);
		if (*summary != NULL)
			add_note(summary, "sip tls certificate not renewed (see the log)");
		return;
	}
	if (*summary != NULL && rc > 0 && (rc & TZ_SIP_TLS_CERT_RENEWED))
		add_note(summary, "sip tls certificate renewed");
	if (*summary != NULL && rc > 0 && (rc & TZ_SIP_TLS_CAS_RELOADED))
		add_note(summary, "sip tls CAs reloaded");
}

/* systemd hears RELOADING=1, then READY=1 whatever the outcome. */
int tz_daemon_reload(struct tz_daemon *d, GString *out)
{
	int rc;

	tz_daemon_sd_reloading();
	rc = reload(d, out);
	tz_daemon_sd_reloaded(d, rc == 0 ? NULL : tz_admin.last_result);
	return rc;
}

static int reload(struct tz_daemon *d, GString *out)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_cfg_diff diff;
	struct tz_config *new;
	char err[256] = "";
	bool cert_renewed;
	char *summary;
	int rc, sip_tls;

	new = tz_cfg_load(d->cfg->path, &errs);
	if (new == NULL) {
		rc = refuse_errors(d->cfg->path, &errs, out);
		tz_cfg_errors_free(&errs);
		return rc;
	}
	tz_cfg_errors_free(&errs);
	if (tz_cfg_diff(d->cfg, new, &diff) != 0) {
		tz_cfg_free(new);
		return refuse("out of memory", out);
	}
	if (diff.tenants_moved) {
		tz_cfg_diff_free(&diff);
		tz_cfg_free(new);
		return refuse("a tenant was removed or moved (logins and calls hold tenants by "
			      "position: restart, or add new tenants at the end)", out);
	}
	/* SIP TLS files first: a broken pair refuses the reload, nothing applied */
	sip_tls = tz_sip_tls_reload(d->sip, &new->sip, false, err, sizeof(err));
	if (sip_tls == -EINVAL) {
		tz_cfg_diff_free(&diff);
		tz_cfg_free(new);
		return refuse(err, out);
	}
	err[0] = '\0';
	summary = tz_cfg_diff_summary(&diff);
	tz_cfg_keep_running(d->cfg, new);
	rc = tz_daemon_signalling_reconfigure(d, new, err, sizeof(err), &cert_renewed);
	if (rc != 0) {
		tz_cfg_keep_running(d->cfg, new);       /* a swap: back as it was */
		tz_cfg_diff_free(&diff);
		tz_cfg_free(new);
		free(summary);
		return refuse(err[0] ? err : "token secrets do not load", out);
	}
	if (cert_renewed && summary != NULL)
		add_note(&summary, "https certificate renewed");
	apply_sip_tls(d, new, sip_tls, &summary);
	apply_log_levels(&new->logging);
	g_ptr_array_add(tz_admin.retired, d->cfg);
	d->cfg = new;
	tz_daemon_rec_retain(d);
	tz_admin.generation++;
	tz_admin.loaded_at = time(NULL);
	tz_admin.reloads_ok++;
	describe(&diff, summary != NULL ? summary : "?", out);
	free(summary);
	tz_cfg_diff_free(&diff);
	return 0;
}

static gboolean on_sighup(gpointer arg)
{
	GString *out = g_string_new(NULL);

	TZ_LOG(MAIN, NOTICE, "SIGHUP: reloading %s", tz_admin.d->cfg->path);
	tz_daemon_reload(arg, out);     /* logs its result */
	g_string_free(out, TRUE);
	return G_SOURCE_CONTINUE;
}

static int cmd_reload(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (tz_daemon_reload(arg, out) != 0)
		return tz_cli_error(req, "%s", out->str);
	json_builder_add_string_value(b, out->str);
	return 0;
}

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *k, int64_t v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

static void add_time(JsonBuilder *b, const char *k, time_t t)
{
	g_autoptr(GDateTime) dt = t ? g_date_time_new_from_unix_utc(t) : NULL;
	g_autofree char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	add_str(b, k, s != NULL ? s : "-");
}

static int show_status(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;
	g_autofree char *pending = tz_admin.pending && tz_admin.pending[0]
					   ? g_strjoinv(", ", tz_admin.pending) : NULL;

	json_builder_begin_object(b);
	add_str(b, "state", tz_admin.draining ? "draining" : "running");
	add_int(b, "calls", tz_calls_count());
	add_str(b, "config", d->cfg->path);
	add_int(b, "generation", tz_admin.generation);
	add_time(b, "loaded_at", tz_admin.loaded_at);
	add_time(b, "last_reload_at", tz_admin.last_at);
	add_str(b, "last_reload", tz_admin.last_result ? tz_admin.last_result : "none");
	add_int(b, "reloads", (int64_t)tz_admin.reloads_ok);
	add_int(b, "reloads_refused", (int64_t)tz_admin.reloads_refused);
	add_str(b, "restart_pending", pending != NULL ? pending : "none");
	tz_admin_drain_status(b);
	json_builder_end_object(b);
	return 0;
}

int tz_daemon_admin_start(struct tz_daemon *d, GMainLoop *loop)
{
	static struct tz_cli_cmd cmds[] = {
		{ "reload", NULL, 0, 0, "re-read the config file: routes, trunks, tenants, limits, "
		  "log levels for new calls; errors refuse it (also SIGHUP)", cmd_reload },
		{ "show status", NULL, 0, 0, "running or draining, calls, config file, generation, "
		  "last reload and what needs a restart", show_status },
	};

	tz_admin.d = d;
	tz_admin.loop = loop;
	tz_admin.generation = 1;
	tz_admin.loaded_at = d->started;
	tz_admin.retired = g_ptr_array_new_with_free_func((GDestroyNotify)tz_cfg_free);
	tz_admin.sighup = g_unix_signal_add(SIGHUP, on_sighup, d);
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		cmds[i].arg = d;
	if (tz_cli_register(cmds, G_N_ELEMENTS(cmds)) != 0 || tz_admin_drain_register() != 0)
		TZ_LOG(MAIN, WARNING, "reload/drain: cannot register the commands");
	return 0;
}

/* After the calls are gone: the retired configs are no longer pointed at. */
void tz_daemon_admin_stop(struct tz_daemon *d)
{
	(void)d;
	tz_admin_drain_stop();
	if (tz_admin.sighup)
		g_source_remove(tz_admin.sighup);
	tz_admin.sighup = 0;
	if (tz_admin.retired != NULL)
		g_ptr_array_free(tz_admin.retired, TRUE);
	tz_admin.retired = NULL;
	g_strfreev(tz_admin.pending);
	tz_admin.pending = NULL;
	g_free(tz_admin.last_result);
	tz_admin.last_result = NULL;
}
