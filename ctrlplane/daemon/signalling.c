/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's signalling side: the DTLS certificate, the call
 * manager and the WebSocket server, joined together.  The call manager does
 * not know the transport; this file is the only place that knows both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_pvt.h"
#include "tz_log.h"

#include "tz_auth.h"
#include "tz_calls.h"
#include "tz_cdr.h"
#include "tz_tenant.h"
#include "tz_cli.h"
#include "tz_sip.h"
#include "tz_sipws.h"
#include "tz_ws.h"

static const struct tz_config *sig_cfg;   /* for tenant names in the CLI */

static bool is_sip(void *conn)
{
	return tz_ws_conn_kind(conn) == TZ_WS_KIND_SIP;
}

static void ws_open(struct tz_ws_conn *conn, void *user)
{
	TZ_LOG(CP_WS, INFO, "client %s connected (%s)", tz_ws_conn_peer(conn),
	       is_sip(conn) ? "SIP over WebSocket" : TZ_JSEP_SUBPROTOCOL);
	if (is_sip(conn))
		tz_sipws_on_open(conn);
}

static void ws_sip(struct tz_ws_conn *conn, const char *buf, size_t len, void *user)
{
	tz_sipws_on_message(conn, buf, len);
}

static void ws_message(struct tz_ws_conn *conn, const struct tz_jsep_msg *msg, void *user)
{
	tz_calls_on_message(conn, msg);
}

static void ws_close(struct tz_ws_conn *conn, void *user)
{
	TZ_LOG(CP_WS, INFO, "client %s disconnected", tz_ws_conn_peer(conn));
	tz_calls_on_close(conn);
	if (is_sip(conn))
		tz_sipws_on_close(conn);
}

static void calls_send(void *conn, const struct tz_jsep_out *out)
{
	if (is_sip(conn))
		tz_sipws_deliver(conn, out);
	else
		tz_ws_send_out(conn, out);
}

static enum tz_web_kind calls_kind(void *conn)
{
	return is_sip(conn) ? TZ_WEB_SIPWS : TZ_WEB_JSEP;
}

static int calls_message(void *conn, const char *from_uri, const char *display,
			 const char *content_type, const char *body, size_t len)
{
	if (!is_sip(conn))
		return -EPROTONOSUPPORT;     /* trapeze-jsep.v1: session/messaging.c */
	return tz_sipws_send_message(conn, from_uri, display, content_type, body, len);
}

/* The SIP-over-WebSocket edge's view of the transport and the call manager. */
static int sipws_send(void *conn, const char *buf, size_t len)
{
	return tz_ws_send_sip(conn, buf, len);
}

static const char *sipws_peer(void *conn)
{
	return tz_ws_conn_peer(conn);
}

static bool sipws_tls(void *conn)
{
	return tz_ws_conn_is_tls(conn);
}

static void sipws_login(void *conn, const struct tz_auth_identity *id, struct tz_sip_reg *reg)
{
	tz_login_adopt(conn, id, reg);
}

static void sipws_logout(void *conn)
{
	tz_login_drop(conn);
}

static struct tz_sip_reg *up_reg_new(void *ctx, const struct tz_cfg_trunk *registrar,
				     const char *user, const char *domain,
				     const char *contact_params, tz_sip_relay_cb *cb, void *ud)
{
	return tz_sip_register_relay(ctx, registrar, user, domain, contact_params, cb, ud);
}

static int up_message(void *ctx, const struct tz_cfg_trunk *trunk, const char *to_user,
		      const struct tz_sip_invite_opts *o, const char *content_type,
		      const char *body, size_t len, tz_sipws_message_cb *cb, void *ud)
{
	return tz_sip_message(ctx, trunk, to_user, o, content_type, body, len, cb, ud);
}

static void sipws_stats(JsonBuilder *b)
{
	const uint64_t *c = tz_sipws_counters();

	for (int i = 0; i < TZ_SIPWS_CTR_COUNT; i++) {
		json_builder_set_member_name(b, tz_sipws_counter_name((enum tz_sipws_counter)i));
		json_builder_add_int_value(b, (gint64)c[i]);
	}
}

/* A REGISTER for another tenant's domain on tenant @p t's page. */
static void sipws_wrong_tenant(uint32_t t)
{
	tz_tenant_count(t, TZ_TENANT_LOGINS_REFUSED);
}

static int sipws_start(struct tz_daemon *d)
{
	struct tz_sipws_env env = {
		.cfg = d->cfg, .send = sipws_send, .peer = sipws_peer, .is_tls = sipws_tls,
		.conn_tenant = tz_ws_conn_tenant, .wrong_tenant = sipws_wrong_tenant,
		.calls_message = tz_calls_on_message, .login = sipws_login,
		.logout = sipws_logout, .route = tz_calls_route, .transfer = tz_calls_transfer,
		.up = {
			.reg_new = d->sip != NULL ? up_reg_new : NULL,
			.reg_send = tz_sip_register_relay_send,
			.reg_free = tz_sip_unregister,
			.reg_token = tz_sip_reg_contact_token,
			.message = d->sip != NULL ? up_message : NULL,
			.ctx = d->sip,
		},
	};

	tz_calls_set_stats_hook(sipws_stats);
	return tz_sipws_init(&env);
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
	uint64_t dtls[TZ_DTLS_CNT_COUNT];

	if (d->ws == NULL)
		return tz_cli_error(req, "signalling is not running");
	tz_ws_server_stats(d->ws, &st);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "event_loop");
	json_builder_add_string_value(b, tz_ws_server_event_loop(d->ws));
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
	json_builder_set_member_name(b, "dtls");
	json_builder_begin_object(b);
	tz_dtls_counters(dtls);
	for (unsigned int i = 0; i < TZ_DTLS_CNT_COUNT; i++) {
		json_builder_set_member_name(b, tz_dtls_counter_name(i));
		json_builder_add_int_value(b, (gint64)dtls[i]);
	}
	json_builder_set_member_name(b, "dtls_pool_threads");
	json_builder_add_int_value(b, tz_dtls_pool_threads());
	json_builder_end_object(b);
	json_builder_end_object(b);
	return 0;
}

static void reg_row_ws(const struct tz_sipws_binding_info *i, void *arg)
{
	JsonBuilder *b = arg;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "aor");
	json_builder_add_string_value(b, i->aor);
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, "sip-ws");
	json_builder_set_member_name(b, "tenant");
	json_builder_add_string_value(b, tz_cfg_tenant_name(sig_cfg, i->tenant));
	json_builder_set_member_name(b, "peer");
	json_builder_add_string_value(b, i->peer);
	json_builder_set_member_name(b, "instance");
	json_builder_add_string_value(b, i->instance);
	json_builder_set_member_name(b, "registered");
	json_builder_add_boolean_value(b, i->registered);
	json_builder_set_member_name(b, "expires_in");
	json_builder_add_int_value(b, i->expires_in);
	json_builder_end_object(b);
}

static void reg_row_jsep(const struct tz_calls_reg_info *i, void *arg)
{
	JsonBuilder *b = arg;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "aor");
	json_builder_add_string_value(b, i->user);
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, "jsep");
	json_builder_set_member_name(b, "tenant");
	json_builder_add_string_value(b, tz_cfg_tenant_name(sig_cfg, i->tenant));
	json_builder_set_member_name(b, "peer");
	json_builder_add_string_value(b, i->peer);
	json_builder_set_member_name(b, "registrar");
	json_builder_add_string_value(b, i->registrar);
	json_builder_set_member_name(b, "registered");
	json_builder_add_boolean_value(b, i->registered);
	json_builder_end_object(b);
}

/* `show registrations`: SIP-over-WebSocket phones' relayed registrations and
 * those made on behalf of trapeze-jsep.v1 logins. */
static int show_registrations(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			      void *arg)
{
	json_builder_begin_array(b);
	tz_sipws_foreach_binding(reg_row_ws, b);
	tz_login_foreach_registration(reg_row_jsep, b);
	json_builder_end_array(b);
	return 0;
}

static int signalling_commands_register(struct tz_daemon *d)
{
	/* The registry keeps the pointer: static storage, arg set once. */
	static struct tz_cli_cmd cmds[] = {
		{ "show signalling stats", NULL, 0, 0,
		  "WebSocket/HTTP: connections, refusals by reason, slow readers cut, "
		  "bytes queued, errors sent by code; DTLS handshakes and the handshake pool", show_signalling_stats, NULL, NULL },
		{ "show registrations", NULL, 0, 0,
		  "SIP registrations: SIP-over-WebSocket phones (AOR, connection, device, "
		  "expiry) and trapeze-jsep.v1 logins with SIP credentials",
		  show_registrations, NULL, NULL },
	};

	cmds[0].arg = d;
	return tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
}

/* control.dtls_threads, 0: the online cores not used as workers, min 1. */
static unsigned int dtls_threads(const struct tz_config *cfg)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long n;

	if (cfg->control.dtls_threads > 0)
		return cfg->control.dtls_threads;
	n = online - (long)cfg->eal.n_workers;
	return n >= 1 ? (unsigned int)n : 1;
}

int tz_daemon_signalling_start(struct tz_daemon *d)
{
	static const struct tz_ws_handlers handlers = {
		.on_open = ws_open, .on_message = ws_message, .on_close = ws_close,
		.on_sip = ws_sip,              /* SIP over WebSocket: ctrlplane/sipws */
	};
	struct tz_calls_env env = {
		.cfg = d->cfg, .sessions = d->sessions, .srtp = d->srtp,
		.send = calls_send, .logged_in = calls_logged_in, .peer = calls_peer,
		.kind = calls_kind, .message = calls_message, .conn_tenant = tz_ws_conn_tenant,
	};
	char fp[TZ_DTLS_FP_STR_MAX];

	sig_cfg = d->cfg;
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
	if (tz_dtls_pool_start(dtls_threads(d->cfg)) != 0)
		TZ_LOG(MAIN, WARNING, "DTLS handshakes run on the control loop (no pool)");
	env.cert = d->cert;
	if (auth_start(d->cfg) != 0)
		return -EINVAL;
	if (tz_cdr_start(&d->cfg->cdr) != 0 || tz_calls_init(&env) != 0 || sipws_start(d) != 0)
		return -ENOMEM;
	d->ws = tz_ws_server_start(&d->cfg->signalling, &d->cfg->limits, &handlers, d);
	if (d->ws == NULL)
		return -errno;
	if (tz_ws_server_set_tenants(d->ws, d->cfg->tenants, d->cfg->n_tenants) != 0)
		return -EINVAL;
	if (signalling_commands_register(d) != 0)
		TZ_LOG(MAIN, WARNING, "show signalling stats: cannot register the command");
	return 0;
}

/*
 * Reload (reload.c): hand @p cfg to every module that reads the config after
 * start.  The files go first: an HTTPS certificate that does not load, or a
 * secret_file that cannot be read, refuses the reload with everything as it
 * was.  *cert_renewed: the HTTPS certificate (same paths) is a new one.
 */
int tz_daemon_signalling_reconfigure(struct tz_daemon *d, const struct tz_config *cfg,
				     char *err, size_t errlen, bool *cert_renewed)
{
	const struct tz_cfg_signalling *sig = &cfg->signalling;
	int cert = -ENOENT, rc;

	*cert_renewed = false;
	if (d->ws != NULL && sig->https.host != NULL) {
		cert = tz_ws_server_reload_cert(d->ws, sig->tls_cert, sig->tls_key, false, err,
						errlen);
		if (cert == -EINVAL)
			return cert;
	}
	rc = tz_auth_init(&cfg->auth, err, errlen);
	if (rc != 0) {
		char old_err[256];

		if (tz_auth_init(&d->cfg->auth, old_err, sizeof(old_err)) != 0)
			TZ_LOG(MAIN, ERR, "reload: the running token secrets no longer load "
			       "either: %s", old_err);
		return rc;
	}
	if (d->sip != NULL && tz_sip_reconfigure(d->sip, &cfg->sip) != 0)
		TZ_LOG(MAIN, ERR, "reload: the SIP side keeps its trunks (out of memory)");
	tz_calls_reconfigure(cfg);
	tz_sipws_set_config(cfg);
	if (d->ws != NULL && tz_ws_server_set_tenants(d->ws, cfg->tenants, cfg->n_tenants) != 0)
		TZ_LOG(MAIN, ERR, "reload: the WebSocket server keeps the tenants' origins");
	sig_cfg = cfg;
	if (cert == 1) {
		char cert_err[256] = "";

		*cert_renewed = tz_ws_server_reload_cert(d->ws, sig->tls_cert, sig->tls_key, true,
							 cert_err, sizeof(cert_err)) == 1;
		if (!*cert_renewed)
			TZ_LOG(MAIN, ERR, "reload: HTTPS certificate not renewed: %s", cert_err);
	}
	return 0;
}

void tz_daemon_signalling_drain(struct tz_daemon *d, bool on)
{
	tz_calls_set_draining(on);
	tz_sip_set_draining(d->sip, on ? (unsigned)atoi(TZ_DRAIN_RETRY_AFTER_S) : 0);
}

void tz_daemon_signalling_stop(struct tz_daemon *d)
{
	tz_calls_shutdown();
	tz_cdr_stop();                 /* after the calls: their records are written */
	tz_dtls_pool_stop();           /* after the calls, before the rest stops: runs the
					* completions that release contexts freed mid-handshake */
	tz_sipws_shutdown();           /* un-REGISTERs while the SIP side still runs */
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
