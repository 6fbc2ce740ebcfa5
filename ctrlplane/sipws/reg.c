/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registrations of SIP-over-WebSocket phones, relayed (RFC 3261 section 10).
 *
 * The browser's REGISTER goes to the registrar of its AOR's domain (the
 * trunk with register_users whose host is that domain) with the browser's
 * Authorization passed through verbatim and the registrar's challenges
 * passed back verbatim: the gateway never sees a password.  Upstream the
 * Contact is the gateway's own, one per connection (<sip:USER@core;tz=TOKEN>,
 * sip_reg.c), so a call the registrar forwards to it comes back to this
 * connection only.  The browser gets its own Contact back with the expiry
 * the registrar granted (other devices' bindings are never shown to it).
 *
 * A binding lives while the registrar's 200 says so and the WebSocket is
 * open: expiry without a refresh drops it; the WebSocket closing
 * un-REGISTERs upstream.  A connection holds one AOR.  A device
 * (+sip.instance) that registers again on a new connection replaces its old
 * binding.  Failed authentications back off per source address and user,
 * as logins do (tz_auth).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sipws_pvt.h"

#define DEFAULT_EXPIRES 600
#define EXPIRES_MAX 86400            /* a binding lasts a day at most without refresh */

struct binding {
	struct sconn *sc;
	char user[TZ_AUTH_USER_MAX + 1];
	char domain[128];
	char aor[200];
	char display[64];
	char instance[128];              /* +sip.instance value, or "" */
	char *contact_url;               /* the browser's Contact URI */
	const struct tz_cfg_trunk *registrar;
	uint32_t tenant;                 /* the AOR domain's tenant (tz_config.tenants) */
	struct tz_sip_reg *reg;
	struct sipws_msg pending;        /* the REGISTER being relayed */
	bool in_flight, had_auth, registered, logged_in;
	uint32_t pending_expires;
	int64_t expires_at;              /* monotonic us */
	guint timer;
};

static GList *bindings;              /* every struct binding */

static void binding_free(struct binding *b)
{
	bindings = g_list_remove(bindings, b);
	if (b->timer != 0)
		g_source_remove(b->timer);
	if (b->logged_in && sipws.env.logout != NULL)
		sipws.env.logout(b->sc->conn);
	/* reg_free un-REGISTERs when the registrar had accepted the binding
	 * (an expired one too: harmless, the registrar answers 200) */
	if (b->reg != NULL)
		sipws.env.up.reg_free(b->reg);
	sipws_msg_clear(&b->pending);
	g_free(b->contact_url);
	if (b->sc->b == b)
		b->sc->b = NULL;
	g_free(b);
}

void sipws_binding_drop(struct sconn *sc)
{
	if (sc->b != NULL)
		binding_free(sc->b);
}

void sipws_reg_shutdown(void)
{
	while (bindings != NULL)
		binding_free(bindings->data);
}

bool sipws_registered(const struct sconn *sc)
{
	return sc->b != NULL && sc->b->registered;
}

const char *sipws_aor(const struct sconn *sc)
{
	return sc->b != NULL ? sc->b->aor : "";
}

const char *sipws_aor_user(const struct sconn *sc)
{
	return sc->b != NULL ? sc->b->user : "";
}

const char *sipws_aor_domain(const struct sconn *sc)
{
	return sc->b != NULL ? sc->b->domain : "";
}

const char *sipws_contact_url(const struct sconn *sc)
{
	return sc->b != NULL && sc->b->contact_url != NULL ? sc->b->contact_url : "";
}

uint32_t sipws_tenant(const struct sconn *sc)
{
	return sc->b != NULL ? sc->b->tenant : TZ_TENANT_DEFAULT;
}

/* The tenant of an AOR's domain: the one whose `domains` lists it, else the
 * default tenant. */
static uint32_t tenant_of(const char *domain)
{
	int t = tz_cfg_tenant_of_domain(sipws.env.cfg, domain);

	return t >= 0 ? (uint32_t)t : TZ_TENANT_DEFAULT;
}

/* The registrar of an AOR's domain: a trunk with register_users of the
 * domain's tenant whose host is the domain, else -- for a domain a tenant
 * lists -- that tenant's first trunk with register_users.  Never another
 * tenant's trunk. */
static const struct tz_cfg_trunk *registrar_of(const char *domain)
{
	const struct tz_cfg_sip *sip = &sipws.env.cfg->sip;
	uint32_t t = tenant_of(domain);

	for (size_t i = 0; i < sip->n_trunks; i++)
		if (sip->trunks[i].register_users && sip->trunks[i].tenant == t &&
		    sip->trunks[i].address.host != NULL &&
		    g_ascii_strcasecmp(sip->trunks[i].address.host, domain) == 0)
			return &sip->trunks[i];
	for (size_t i = 0; t != TZ_TENANT_DEFAULT && i < sip->n_trunks; i++)
		if (sip->trunks[i].register_users && sip->trunks[i].tenant == t)
			return &sip->trunks[i];
	return NULL;
}

static gboolean expired(gpointer p)
{
	struct binding *b = p;

	b->timer = 0;
	sipws_count(TZ_SIPWS_BINDINGS_EXPIRED);
	TZ_LOG(CP_SESSION, INFO, "SIP-WS registration of %s from %s expired", b->aor, b->sc->ip);
	binding_free(b);
	return G_SOURCE_REMOVE;
}

/* Another connection's binding of the same device (+sip.instance): replaced. */
static void replace_same_device(struct binding *b)
{
	GList *l = bindings;

	if (b->instance[0] == '\0')
		return;
	while (l != NULL) {
		struct binding *o = l->data;

		l = l->next;
		if (o != b && strcmp(o->aor, b->aor) == 0 && strcmp(o->instance, b->instance) == 0) {
			TZ_LOG(CP_SESSION, INFO, "SIP-WS device %s of %s re-registered from %s: "
			       "its binding from %s is replaced", b->instance, b->aor, b->sc->ip,
			       o->sc->ip);
			binding_free(o);
		}
	}
}

static void registered(struct binding *b, const struct tz_sip_reg_result *r)
{
	uint32_t exp = MIN(r->expires > 0 ? r->expires : b->pending_expires, EXPIRES_MAX);
	struct tz_auth_identity id = { 0 };
	g_autofree char *extra = NULL;

	if (b->timer != 0)
		g_source_remove(b->timer);
	b->timer = g_timeout_add_seconds(exp + 2, expired, b);
	b->expires_at = g_get_monotonic_time() + (int64_t)exp * G_USEC_PER_SEC;
	if (!b->registered) {
		sipws_count(TZ_SIPWS_REG_OK);
		TZ_LOG(CP_SESSION, INFO, "SIP-WS %s registered from %s (%u s)", b->aor, b->sc->ip, exp);
	}
	b->registered = true;
	tz_auth_succeeded(b->user);
	if (!b->logged_in && sipws.env.login != NULL) {
		g_strlcpy(id.user, b->user, sizeof(id.user));
		g_strlcpy(id.display, b->display, sizeof(id.display));
		g_strlcpy(id.how, "sip-ws", sizeof(id.how));
		g_strlcpy(id.uri, b->aor, sizeof(id.uri));
		id.tenant = b->tenant;
		sipws.env.login(b->sc->conn, &id, b->reg);
		b->logged_in = true;
	}
	replace_same_device(b);
	extra = g_strdup_printf("Contact: <%s>;expires=%u\r\nExpires: %u\r\n", b->contact_url, exp,
				exp);
	sipws_send(b->sc, sipws_response(&b->pending, 200, NULL, NULL, extra, NULL, NULL));
}

static void relay_cb(struct tz_sip_reg *reg, const struct tz_sip_reg_result *r, void *p)
{
	struct binding *b = p;
	struct sconn *sc = b->sc;
	GString *extra = g_string_new(NULL);

	b->in_flight = false;
	if (r->status >= 200 && r->status < 300 && b->pending_expires > 0) {
		registered(b, r);
	} else if (r->status >= 200 && r->status < 300) {
		sipws_count(TZ_SIPWS_UNREG);
		TZ_LOG(CP_SESSION, INFO, "SIP-WS %s un-registered from %s", b->aor, sc->ip);
		sipws_reply(sc, &b->pending, 200, NULL, NULL);
		sipws_msg_clear(&b->pending);
		binding_free(b);
		g_string_free(extra, TRUE);
		return;
	} else {
		for (size_t i = 0; r->challenges != NULL && r->challenges[i] != NULL; i++)
			g_string_append_printf(extra, "%s: %s\r\n", r->status == 407 ?
					       "Proxy-Authenticate" : "WWW-Authenticate",
					       r->challenges[i]);
		if ((r->status == 401 || r->status == 407) && !b->had_auth) {
			/* the first step of digest: not a failure */
		} else {
			sipws_count(TZ_SIPWS_REG_FAILED);
			if (r->status == 401 || r->status == 403 || r->status == 407)
				tz_auth_failed(sc->ip, b->user, g_get_real_time() / G_USEC_PER_SEC);
			TZ_LOG(CP_SESSION, NOTICE, "SIP-WS registration of %s from %s refused: %d %s",
			       b->aor, sc->ip, r->status, r->reason != NULL ? r->reason : "");
		}
		sipws_send(sc, sipws_response(&b->pending, r->status, r->reason, NULL,
					      extra->str, NULL, NULL));
		if (!b->registered && !(r->status == 401 || r->status == 407)) {
			g_string_free(extra, TRUE);
			binding_free(b);
			return;
		}
	}
	g_string_free(extra, TRUE);
	sipws_msg_clear(&b->pending);
}

/* The +sip.instance value of a Contact, or "". */
static void contact_instance(const sip_contact_t *m, char *out, size_t len)
{
	const char *v = m != NULL ? msg_params_find(m->m_params, "+sip.instance=") : NULL;

	out[0] = '\0';
	if (v != NULL && strlen(v) < len && strpbrk(v, "\r\n") == NULL)
		g_strlcpy(out, v, len);
}

static uint32_t requested_expires(const sip_t *s)
{
	const sip_contact_t *m = s->sip_contact;

	if (m != NULL && m->m_expires != NULL)
		return (uint32_t)strtoul(m->m_expires, NULL, 10);
	if (s->sip_expires != NULL)
		return (uint32_t)s->sip_expires->ex_delta;
	return DEFAULT_EXPIRES;
}

/* Checks before anything goes upstream; 0, or a status was sent. */
static int admit(struct sconn *sc, struct sipws_msg *m, const char *user, const char *domain)
{
	unsigned wait;
	int sel;

	if (user == NULL || !tz_auth_user_valid(user) || domain == NULL || strlen(domain) >= 128) {
		sipws_reply(sc, m, 403, "Forbidden (AOR user must be 1-63 of A-Z a-z 0-9 . _ + -)",
			    NULL);
		return -EINVAL;
	}
	if (sc->b != NULL && (strcmp(sc->b->user, user) != 0 ||
			      g_ascii_strcasecmp(sc->b->domain, domain) != 0)) {
		sipws_reply(sc, m, 403, "Forbidden (one AOR per WebSocket connection)", NULL);
		return -EPERM;
	}
	wait = tz_auth_throttled(sc->ip, user, g_get_real_time() / G_USEC_PER_SEC);
	if (wait > 0) {
		g_autofree char *ra = g_strdup_printf("Retry-After: %u\r\n", wait);

		sipws_count(TZ_SIPWS_THROTTLED);
		tz_auth_count(TZ_AUTH_THROTTLED);
		sipws_reply(sc, m, 403, "Forbidden (too many failed registrations)", ra);
		return -EAGAIN;
	}
	sel = sipws.env.conn_tenant != NULL ? sipws.env.conn_tenant(sc->conn) : -1;
	if (sel >= 0 && (uint32_t)sel != tenant_of(domain)) {
		/* the page is one tenant's, the AOR another's */
		sipws_count(TZ_SIPWS_WRONG_TENANT);
		if (sipws.env.wrong_tenant != NULL)
			sipws.env.wrong_tenant((uint32_t)sel);
		sipws_reply(sc, m, 403, "Forbidden (this domain is not served here)", NULL);
		return -EPERM;
	}
	if (registrar_of(domain) == NULL || sipws.env.up.reg_new == NULL) {
		sipws_count(TZ_SIPWS_NO_REGISTRAR);
		sipws_reply(sc, m, 403, "Forbidden (no registrar for this domain)", NULL);
		return -ENOENT;
	}
	if (sc->b != NULL && sc->b->in_flight) {
		sipws_reply(sc, m, 500, "Server Internal Error (a REGISTER is in progress)",
			    "Retry-After: 1\r\n");
		return -EBUSY;
	}
	return 0;
}

static struct binding *binding_new(struct sconn *sc, const sip_t *s, const char *user,
				   const char *domain)
{
	struct binding *b = g_new0(struct binding, 1);
	g_autofree char *params = NULL;

	b->sc = sc;
	g_strlcpy(b->user, user, sizeof(b->user));
	g_strlcpy(b->domain, domain, sizeof(b->domain));
	g_snprintf(b->aor, sizeof(b->aor), "sip:%s@%s", user, domain);
	if (s->sip_from->a_display != NULL)
		g_strlcpy(b->display, s->sip_from->a_display, sizeof(b->display));
	g_strdelimit(b->display, "\"\\\r\n", ' ');
	contact_instance(s->sip_contact, b->instance, sizeof(b->instance));
	b->registrar = registrar_of(domain);
	b->tenant = tenant_of(domain);
	if (b->instance[0] != '\0')
		params = g_strdup_printf("+sip.instance=%s", b->instance);
	b->reg = sipws.env.up.reg_new(sipws.env.up.ctx, b->registrar, user, domain, params,
				      relay_cb, b);
	if (b->reg == NULL) {
		g_free(b);
		return NULL;
	}
	sc->b = b;
	bindings = g_list_prepend(bindings, b);
	return b;
}

void sipws_on_register(struct sconn *sc, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	const char *user = s->sip_to->a_url->url_user, *domain = s->sip_to->a_url->url_host;
	const msg_auth_t *auth = s->sip_authorization;
	bool proxy = false;
	g_autofree char *cred = NULL;
	struct binding *b;
	uint32_t expires;
	int rc;

	if (s->sip_contact == NULL) {          /* a query: our binding only */
		g_autofree char *extra = sc->b != NULL && sc->b->registered ?
			g_strdup_printf("Contact: <%s>;expires=%" G_GINT64_FORMAT "\r\n",
					sc->b->contact_url, MAX(0, (sc->b->expires_at -
						g_get_monotonic_time()) / G_USEC_PER_SEC)) : NULL;

		sipws_reply(sc, m, 200, NULL, extra);
		return;
	}
	if (admit(sc, m, user, domain) != 0)
		return;
	expires = s->sip_contact->m_url->url_type == url_any ? 0 : requested_expires(s);
	if (auth == NULL && s->sip_proxy_authorization != NULL) {
		auth = s->sip_proxy_authorization;
		proxy = true;
	}
	b = sc->b;
	if (b == NULL && expires == 0) {      /* nothing of ours to remove */
		sipws_reply(sc, m, 200, NULL, NULL);
		return;
	}
	if (b == NULL && (b = binding_new(sc, s, user, domain)) == NULL) {
		sipws_reply(sc, m, 503, "Service Unavailable (cannot reach the registrar)", NULL);
		return;
	}
	if (s->sip_contact->m_url->url_type != url_any) {
		g_free(b->contact_url);
		b->contact_url = sipws_url(s->sip_contact->m_url);
	}
	cred = auth != NULL ? sipws_hdr(auth) : NULL;
	b->had_auth = cred != NULL;
	b->pending_expires = expires;
	rc = sipws.env.up.reg_send(b->reg, expires, cred, proxy);
	if (rc != 0) {
		sipws_reply(sc, m, 503, "Service Unavailable (cannot reach the registrar)", NULL);
		if (!b->registered)
			binding_free(b);
		return;
	}
	b->in_flight = true;
	b->pending = *m;                       /* answered from relay_cb */
	memset(m, 0, sizeof(*m));
}

void tz_sipws_foreach_binding(void (*fn)(const struct tz_sipws_binding_info *, void *), void *arg)
{
	int64_t now = g_get_monotonic_time();

	for (GList *l = bindings; l != NULL; l = l->next) {
		const struct binding *b = l->data;
		struct tz_sipws_binding_info i = { .registered = b->registered };

		g_strlcpy(i.aor, b->aor, sizeof(i.aor));
		g_strlcpy(i.peer, sipws.env.peer != NULL ? sipws.env.peer(b->sc->conn) : b->sc->ip,
			  sizeof(i.peer));
		g_strlcpy(i.instance, b->instance, sizeof(i.instance));
		g_strlcpy(i.kind, "sip-ws", sizeof(i.kind));
		i.tenant = b->tenant;
		i.expires_in = b->registered ? MAX(0, (b->expires_at - now) / G_USEC_PER_SEC) : 0;
		fn(&i, arg);
	}
}
