/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's signalling side: the DTLS certificate, the call
 * manager and the WebSocket server, joined together.  The call manager does
 * not know the transport; this file is the only place that knows both.
 */
#include <errno.h>
#include <string.h>

#include "daemon_pvt.h"
#include "tz_log.h"

#include "tz_auth.h"
#include "tz_calls.h"
#include "tz_cli.h"
#include "tz_sip.h"
#include "tz_ws.h"

static void ws_open(struct tz_ws_conn *conn, void *user)
{
	TZ_LOG(CP_WS, INFO, "client %s connected", tz_ws_conn_peer(conn));
}

static void ws_message(struct tz_ws_conn *conn, const struct tz_jsep_msg *msg, void *user)
{
	tz_calls_on_message(conn, msg);
}

static void ws_close(struct tz_ws_conn *conn, void *user)
{
	TZ_LOG(CP_WS, INFO, "client %s disconnected", tz_ws_conn_peer(conn));
	tz_calls_on_close(conn);
}

static void calls_send(void *conn, const struct tz_jsep_out *out)
{
	tz_ws_send_out(conn, out);
}

static void calls_logged_in(void *conn, const char *user)
{
	tz_ws_conn_set_logged_in(conn, user);
}

static const char *calls_peer(void *conn)
{
	return tz_ws_conn_peer(conn);
}

/* Token secrets loaded; say so when nobody could log in at all. */
static int auth_start(const struct tz_config *cfg)
{
	char err[256] = "";
	bool sip_login = false;

	if (tz_auth_init(&cfg->auth, err, sizeof(err)) != 0) {
		TZ_LOG(MAIN, ERR, "auth.token_secrets: %s", err);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->sip.n_trunks; i++)
		sip_login |= cfg->auth.sip_login && cfg->sip.trunks[i].register_users;
	if (!tz_auth_tokens_enabled() && !sip_login)
		TZ_LOG(MAIN, WARNING, "nobody can log in: no auth.token_secrets and no trunk with "
		       "register_users (docs/security.md)");
	else
		TZ_LOG(MAIN, INFO, "login by %s%s%s", tz_auth_tokens_enabled() ? "token" : "",
		       tz_auth_tokens_enabled() && sip_login ? " and " : "",
		       sip_login ? "SIP credentials" : "");
	return 0;
}

static const struct tz_port *port_of(struct tz_daemon *d, enum tz_cfg_role role, uint16_t *idx)
{
	for (size_t i = 0; i < d->n_ports; i++) {
		if (d->ports[i].cfg->role == role) {
			*idx = (uint16_t)i;
			return &d->ports[i];
		}
	}
	return NULL;
}

/*
 * `show signalling stats`: the WebSocket/HTTP server's counters (refusals by
 * reason, slow readers cut, bytes queued now) and `error` messages sent to
 * clients, by code.
 */
static int show_signalling_stats(struct tz_cli_req *req, int argc, char **argv,
				 JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;
	struct tz_ws_stats st;

	if (d->ws == NULL)
		return tz_cli_error(req, "signalling is not running");
	tz_ws_server_stats(d->ws, &st);
	json_builder_begin_object(b);
	for (int i = 0; i < TZ_WS_CNT_COUNT; i++) {
		json_builder_set_member_name(b, tz_ws_counter_name((enum tz_ws_counter)i));
		json_builder_add_int_value(b, (gint64)st.cnt[i]);
	}
	json_builder_set_member_name(b, "errors_sent");
	json_builder_begin_object(b);
	for (int i = 0; i < TZ_JSEP_ERR_COUNT; i++) {
		json_builder_set_member_name(b, tz_jsep_err_name((enum tz_jsep_err)i));
		json_builder_add_int_value(b, (gint64)st.errors[i]);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
	return 0;
}

static int signalling_commands_register(struct tz_daemon *d)
{
	/* The registry keeps the pointer: static storage, arg set once. */
	static struct tz_cli_cmd cmds[] = {
		{ "show signalling stats", NULL, 0, 0,
		  "WebSocket/HTTP: connections, refusals by reason, slow readers cut, "
		  "bytes queued, errors sent by code", show_signalling_stats, NULL, NULL },
	};

	cmds[0].arg = d;
	return tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
}

int tz_daemon_signalling_start(struct tz_daemon *d)
{
	static const struct tz_ws_handlers handlers = {
		.on_open = ws_open, .on_message = ws_message, .on_close = ws_close,
		/* SIP over WebSocket (issue 10): ctrlplane/sipws wires in here; until
		 * then sip connections open and their messages are counted, dropped. */
		.on_sip = NULL,
	};
	struct tz_calls_env env = {
		.cfg = d->cfg, .sessions = d->sessions, .srtp = d->srtp,
		.send = calls_send, .logged_in = calls_logged_in, .peer = calls_peer,
	};
	char fp[TZ_DTLS_FP_STR_MAX];

	env.access = port_of(d, TZ_ROLE_ACCESS, &env.access_idx);
	env.core = port_of(d, TZ_ROLE_CORE, &env.core_idx);
	if (env.access == NULL)
		return -ENODEV;
	/* The SIP side binds the core addresses, which exist once the TAPs do. */
	if (env.core != NULL && d->cfg->sip.n_listen > 0) {
		d->sip = tz_sip_start(&d->cfg->sip, tz_calls_sip_handlers_get(), d);
		if (d->sip == NULL)
			return -errno;
	}
	env.sip = d->sip;
	d->cert = tz_dtls_cert_generate();
	if (d->cert == NULL) {
		TZ_LOG(MAIN, ERR, "cannot generate the DTLS certificate");
		return -ENOMEM;
	}
	tz_dtls_cert_fingerprint(d->cert, fp, sizeof(fp));
	TZ_LOG(CP_DTLS, INFO, "DTLS certificate %s", fp);
	env.cert = d->cert;
	if (auth_start(d->cfg) != 0)
		return -EINVAL;
	if (tz_calls_init(&env) != 0)
		return -ENOMEM;
	d->ws = tz_ws_server_start(&d->cfg->signalling, &d->cfg->limits, &handlers, d);
	if (d->ws == NULL)
		return -errno;
	if (signalling_commands_register(d) != 0)
		TZ_LOG(MAIN, WARNING, "show signalling stats: cannot register the command");
	return 0;
}

void tz_daemon_signalling_stop(struct tz_daemon *d)
{
	tz_calls_shutdown();
	tz_auth_shutdown();
	if (d->sip != NULL)
		tz_sip_stop(d->sip);
	d->sip = NULL;
	if (d->ws != NULL)
		tz_ws_server_stop(d->ws);
	d->ws = NULL;
	tz_dtls_cert_free(d->cert);
	d->cert = NULL;
}
