/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fakes of everything the SIP-over-WebSocket edge reaches through
 * struct tz_sipws_env: the WebSocket (send: every message captured), the call
 * manager (calls_message: recorded, with a hook that may answer at once via
 * tz_sipws_deliver), the registrar (reg_new/reg_send/reg_free/reg_token and
 * message: recorded; the test answers through fake_reg_reply /
 * fake_message_reply) and the router.  Shared by tests/unit/sipws and
 * tests/fuzz/sipws (header-only: one user per program).
 */
#ifndef SIPWS_FAKES_H
#define SIPWS_FAKES_H

#include <string.h>

#include <glib.h>

#include "tz_sipws.h"

/* ---- config: one registrar for the fixtures' domain ---- */

static struct tz_cfg_trunk fake_trunks[] = {
	{ .name = "registrar", .address = { .host = "127.0.0.1", .port = 5060 },
	  .register_users = true },
};
static struct tz_config fake_cfg = {
	.sip = { .trunks = fake_trunks, .n_trunks = 1 },
	.auth = { .fail_limit = 1, .fail_window_s = 300, .lockout_max_s = 300 },
};

/* ---- transport ---- */

static GPtrArray *fake_sent;             /* char *: every message, NUL-terminated */

static int fake_send(void *conn, const char *buf, size_t len)
{
	(void)conn;
	g_ptr_array_add(fake_sent, g_strndup(buf, len));
	return 0;
}

static const char *fake_peer(void *conn)
{
	(void)conn;
	return "198.51.100.7:40000";
}

static bool fake_is_tls(void *conn)
{
	(void)conn;
	return false;
}

/* ---- call manager ---- */

struct fake_call_msg {
	enum tz_jsep_type type;
	char *call, *target, *sdp, *digits, *reason, *sip_auth;
	uint32_t duration_ms, code;
	bool sip_proxy_auth;
};

static GArray *fake_calls;               /* struct fake_call_msg */
/* Called after a message is recorded: may call tz_sipws_deliver() (the
 * manager's synchronous answer). */
static void (*fake_calls_hook)(void *conn, const struct fake_call_msg *m);

static void fake_calls_message(void *conn, const struct tz_jsep_msg *m)
{
	struct fake_call_msg r = {
		.type = m->type,
		.call = g_strdup(m->call),
		.target = g_strdup(m->target),
		.sdp = g_strdup(m->sdp),
		.digits = g_strdup(m->digits),
		.reason = g_strdup(m->reason),
		.duration_ms = m->duration_ms,
		.code = m->code,
		.sip_auth = g_strdup(m->sip_auth),
		.sip_proxy_auth = m->sip_proxy_auth,
	};

	g_array_append_val(fake_calls, r);
	if (fake_calls_hook != NULL)
		fake_calls_hook(conn, &g_array_index(fake_calls, struct fake_call_msg,
						     fake_calls->len - 1));
}

static int fake_logins, fake_logouts;
static struct tz_auth_identity fake_login_id;

static void fake_login(void *conn, const struct tz_auth_identity *id, struct tz_sip_reg *reg)
{
	(void)conn;
	(void)reg;
	fake_logins++;
	fake_login_id = *id;
}

static void fake_logout(void *conn)
{
	(void)conn;
	fake_logouts++;
}

/* ---- router: "nobody..." has no route (404), anything else the registrar trunk ---- */

static int fake_route(uint32_t tenant, const char *target, const struct tz_cfg_trunk **trunk,
		      char *user, size_t ulen, int *status, char *why, size_t wlen)
{
	const char *at, *start = target;

	if (g_str_has_prefix(target, "sip:"))
		start += 4;
	if (g_str_has_prefix(start, "nobody")) {
		*status = 404;
		g_strlcpy(why, "no route", wlen);
		return -ENOENT;
	}
	at = strchr(start, '@');
	g_strlcpy(user, start, MIN(ulen, at != NULL ? (size_t)(at - start) + 1 : ulen));
	*trunk = &fake_trunks[0];
	return 0;
}

/* ---- registrar ---- */

struct tz_sip_reg {
	tz_sip_relay_cb *cb;
	void *ud;
	char *user, *domain, *params;
	bool in_flight;                  /* a REGISTER waits for the registrar */
};

static struct tz_sip_reg *fake_reg;      /* the newest live one, or NULL */
static GList *fake_regs;                 /* every live one */
static int fake_reg_news, fake_reg_sends, fake_reg_frees, fake_reg_send_rc;
static uint32_t fake_reg_expires;
static char *fake_reg_auth;              /* last Authorization given, or NULL */
static bool fake_reg_proxy;

static struct tz_sip_reg *fake_reg_new(void *ctx, const struct tz_cfg_trunk *registrar,
				       const char *user, const char *domain,
				       const char *contact_params, tz_sip_relay_cb *cb, void *ud)
{
	struct tz_sip_reg *r = g_new0(struct tz_sip_reg, 1);

	(void)ctx;
	(void)registrar;
	r->cb = cb;
	r->ud = ud;
	r->user = g_strdup(user);
	r->domain = g_strdup(domain);
	r->params = g_strdup(contact_params);
	fake_reg_news++;
	fake_reg = r;
	fake_regs = g_list_prepend(fake_regs, r);
	return r;
}

static int fake_reg_send(struct tz_sip_reg *reg, uint32_t expires, const char *authorization,
			 bool proxy)
{
	fake_reg_sends++;
	reg->in_flight = fake_reg_send_rc == 0;
	fake_reg_expires = expires;
	g_free(fake_reg_auth);
	fake_reg_auth = g_strdup(authorization);
	fake_reg_proxy = proxy;
	return fake_reg_send_rc;
}

static void fake_reg_free(struct tz_sip_reg *reg)
{
	fake_reg_frees++;
	if (fake_reg == reg)
		fake_reg = NULL;
	fake_regs = g_list_remove(fake_regs, reg);
	g_free(reg->user);
	g_free(reg->domain);
	g_free(reg->params);
	g_free(reg);
}

static const char *fake_reg_token(const struct tz_sip_reg *reg)
{
	(void)reg;
	return "tok";
}

/* The registrar answers the REGISTER in flight on @p reg (never from inside
 * reg_send, as the real one: "from the loop"; once per REGISTER). */
static void fake_reg_reply_to(struct tz_sip_reg *reg, int status, const char *reason,
			      const char *challenge, uint32_t expires)
{
	const char *ch[2] = { challenge, NULL };
	struct tz_sip_reg_result r = {
		.status = status, .reason = reason,
		.challenges = challenge != NULL ? ch : NULL, .expires = expires,
	};

	if (reg == NULL || !reg->in_flight)
		return;
	reg->in_flight = false;
	reg->cb(reg, &r, reg->ud);
}

static void fake_reg_reply(int status, const char *reason, const char *challenge,
			   uint32_t expires)
{
	fake_reg_reply_to(fake_reg, status, reason, challenge, expires);
}

/* MESSAGE upstream */
static int fake_messages;
static char *fake_msg_to_user, *fake_msg_from, *fake_msg_pai, *fake_msg_ctype, *fake_msg_body;
struct fake_pending_msg {
	tz_sipws_message_cb *cb;
	void *ud;
};
static GQueue fake_msg_pending = G_QUEUE_INIT;   /* struct fake_pending_msg, oldest first */

static int fake_message(void *ctx, const struct tz_cfg_trunk *trunk, const char *to_user,
			const struct tz_sip_invite_opts *o, const char *content_type,
			const char *body, size_t len, tz_sipws_message_cb *cb, void *ud)
{
	struct fake_pending_msg *pm;

	(void)ctx;
	(void)trunk;
	fake_messages++;
	g_free(fake_msg_to_user);
	g_free(fake_msg_from);
	g_free(fake_msg_pai);
	g_free(fake_msg_ctype);
	g_free(fake_msg_body);
	fake_msg_to_user = g_strdup(to_user);
	fake_msg_from = g_strdup(o->from_uri);
	fake_msg_pai = g_strdup(o->pai);
	fake_msg_ctype = g_strdup(content_type);
	fake_msg_body = g_strndup(body, len);
	pm = g_new(struct fake_pending_msg, 1);
	pm->cb = cb;
	pm->ud = ud;
	g_queue_push_tail(&fake_msg_pending, pm);
	return 0;
}

/* The far end answers the oldest MESSAGE waiting; false when none waits. */
static bool fake_message_reply(int status, const char *reason)
{
	struct fake_pending_msg *pm = g_queue_pop_head(&fake_msg_pending);

	if (pm == NULL)
		return false;
	pm->cb(status, reason, pm->ud);
	g_free(pm);
	return true;
}

/* The call manager's transfer (REFER): off unless a test turns it on. */
static struct {
	bool enabled;
	int rc;                          /* returned instead of starting */
	unsigned n;
	char call[TZ_JSEP_CALL_MAX + 1], target[128];
	void (*cb)(int status, const char *sipfrag, void *arg);
	void *arg;
} fake_xfer;

static int fake_transfer(void *conn, const char *call, const char *target,
			 void (*cb)(int status, const char *sipfrag, void *arg), void *arg)
{
	(void)conn;
	if (!fake_xfer.enabled)
		return -EOPNOTSUPP;
	fake_xfer.n++;
	g_strlcpy(fake_xfer.call, call, sizeof(fake_xfer.call));
	g_strlcpy(fake_xfer.target, target, sizeof(fake_xfer.target));
	if (fake_xfer.rc != 0)
		return fake_xfer.rc;
	fake_xfer.cb = cb;
	fake_xfer.arg = arg;
	return 0;
}

static const struct tz_sipws_env fake_env = {
	.cfg = &fake_cfg,
	.send = fake_send,
	.peer = fake_peer,
	.is_tls = fake_is_tls,
	.calls_message = fake_calls_message,
	.login = fake_login,
	.logout = fake_logout,
	.route = fake_route,
	.transfer = fake_transfer,
	.up = {
		.reg_new = fake_reg_new,
		.reg_send = fake_reg_send,
		.reg_free = fake_reg_free,
		.reg_token = fake_reg_token,
		.message = fake_message,
	},
};

static void fake_call_msg_clear(gpointer p)
{
	struct fake_call_msg *m = p;

	g_free(m->call);
	g_free(m->target);
	g_free(m->sdp);
	g_free(m->digits);
	g_free(m->reason);
	g_free(m->sip_auth);
}

/* Fresh fakes and a fresh edge. */
static void fakes_start(void)
{
	char err[128];

	fake_sent = g_ptr_array_new_with_free_func(g_free);
	fake_calls = g_array_new(FALSE, TRUE, sizeof(struct fake_call_msg));
	g_array_set_clear_func(fake_calls, fake_call_msg_clear);
	fake_calls_hook = NULL;
	fake_logins = fake_logouts = 0;
	fake_reg = NULL;
	fake_reg_news = fake_reg_sends = fake_reg_frees = fake_reg_send_rc = 0;
	fake_reg_expires = 0;
	fake_messages = 0;
	tz_auth_init(&fake_cfg.auth, err, sizeof(err));
	tz_sipws_init(&fake_env);
}

/* Shut the edge down (un-REGISTERs what is left) and release the fakes. */
static void fakes_stop(void)
{
	/* MESSAGEs still waiting: the far end answers (the real stack always calls back) */
	while (fake_message_reply(408, "Request Timeout"))
		;
	/* a transfer still running ends with its call: no report after that
	 * (tz_calls_transfer's rule), the edge freed it with the dialog */
	memset(&fake_xfer, 0, sizeof(fake_xfer));
	tz_sipws_shutdown();
	tz_auth_shutdown();
	g_ptr_array_free(fake_sent, TRUE);
	g_array_free(fake_calls, TRUE);
	g_clear_pointer(&fake_reg_auth, g_free);
	g_clear_pointer(&fake_msg_to_user, g_free);
	g_clear_pointer(&fake_msg_from, g_free);
	g_clear_pointer(&fake_msg_pai, g_free);
	g_clear_pointer(&fake_msg_ctype, g_free);
	g_clear_pointer(&fake_msg_body, g_free);
}

#endif
