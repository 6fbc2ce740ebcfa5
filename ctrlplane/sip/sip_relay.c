/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relayed registrations (SIP over WebSocket): the browser answers the
 * registrar's digest challenges itself; we only carry its REGISTERs with our
 * own Contact.  Each REGISTER is one plain transaction (nua_method on a fresh
 * handle): nua keeps no refresh state, so nothing is refreshed behind the
 * browser's back, and a challenged request does not stay queued on the handle
 * waiting for credentials (nua_client_check_restart: cr_wait_for_cred).  The
 * Call-ID and CSeq are ours, given explicitly (nta keeps them on the default leg).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_pvt.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#define AUTH_MAX 4096
#define PARAMS_MAX 512
#define DOMAIN_MAX 253

/* Printable ASCII only (no CR, LF, NUL), at most @p max bytes. */
bool sip_header_value_ok(const char *v, size_t max)
{
	size_t n = 0;

	if (!v)
		return false;
	for (; v[n]; n++)
		if ((unsigned char)v[n] < 0x20 || (unsigned char)v[n] > 0x7e || n >= max)
			return false;
	return n > 0;
}

/* Contact header parameters: printable, quotes balanced, and outside quotes
 * nothing that ends the Contact (',', '<', '>') or the header. */
static bool params_ok(const char *p)
{
	bool quoted = false;

	if (!sip_header_value_ok(p, PARAMS_MAX))
		return false;
	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && p[1])
			p++;
		else if (!quoted && (strchr(",<> \t", *p)))
			return false;
	}
	return !quoted;
}

/* host[:port]: a DNS name, IPv4, or [IPv6]. */
static bool domain_ok(const char *d)
{
	size_t n = d ? strlen(d) : 0;
	const char *p = d;

	if (n == 0 || n > DOMAIN_MAX)
		return false;
	if (*p == '[') {
		p += strspn(p + 1, "0123456789abcdefABCDEF:.") + 1;
		if (*p++ != ']')
			return false;
	} else {
		p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (p == d)
			return false;
	}
	if (*p == ':') {
		p++;
		if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5 || atoi(p) > 65535)
			return false;
		return true;
	}
	return *p == '\0';
}

/* Our Contact: <sip:USER@listen-host:port;tz=TOKEN> (;transport=tcp, or sips:), then
 * the browser's parameters.  The listen host is the core address; on a wildcard
 * listener, the host name (as our From). */
static char *relay_contact(struct tz_sip *s, const struct tz_cfg_trunk *registrar,
			   const char *user, const char *token, const char *params)
{
	const struct tz_cfg_hostport *l = &s->cfg->listen[0];
	enum tz_cfg_transport t = registrar->transport;
	bool wild = sip_host_is_wildcard(l->host);
	g_autofree char *u = tz_sip_user_escape(user);
	g_autofree char *hp = sip_hostport(wild ? g_get_host_name() : l->host,
					    l->port ? l->port : t == TZ_SIP_TLS ? 5061 : 5060);

	return g_strdup_printf("<%s:%s@%s%s;tz=%s>%s%s", t == TZ_SIP_TLS ? "sips" : "sip", u, hp,
			       t == TZ_SIP_TCP ? ";transport=tcp" : "", token,
			       params && *params && *params != ';' ? ";" : "",
			       params ? params : "");
}

struct tz_sip_reg *tz_sip_register_relay(struct tz_sip *s, const struct tz_cfg_trunk *registrar,
					 const char *user, const char *domain,
					 const char *contact_params, tz_sip_relay_cb *cb,
					 void *user_data)
{
	struct tz_sip_reg *reg;
	uint16_t port;
	char *hp, *cid;

	if (!s || !registrar || !registrar->address.host || !tz_sip_user_valid(user) ||
	    !domain_ok(domain) || !cb || (contact_params && *contact_params &&
					  !params_ok(contact_params)))
		return errno = EINVAL, NULL;
	if (s->stopping)
		return errno = ESHUTDOWN, NULL;
	reg = g_new0(struct tz_sip_reg, 1);
	reg->own.kind = SIP_OWNER_REG;
	reg->sip = s;
	reg->relay = true;
	reg->relay_cb = cb;
	reg->user = user_data;
	reg->auth_user = g_strdup(user);
	reg->contact_token = sip_reg_token_new();
	s->regs = g_list_prepend(s->regs, reg);
	if (!reg->contact_token) {
		sip_reg_free(reg);
		return errno = EAGAIN, NULL;
	}
	cid = g_uuid_string_random();
	reg->call_id = cid;
	reg->cseq = 1;
	reg->aor = g_strdup_printf("<sip:%s@%s>", user, domain);
	reg->ruri = g_strdup_printf("sip:%s", domain);
	port = registrar->address.port ? registrar->address.port :
	       registrar->transport == TZ_SIP_TLS ? 5061 : 5060;
	hp = sip_hostport(registrar->address.host, port);
	reg->proxy = g_strdup_printf("sip:%s;transport=%s", hp,
				     sip_transport_name(registrar->transport));
	g_free(hp);
	reg->contact = relay_contact(s, registrar, user, reg->contact_token, contact_params);
	TZ_LOG(CP_SIP, INFO, "relayed registration of %s via %s (Call-ID %s)", reg->aor,
	       reg->proxy, reg->call_id);
	return reg;
}

/* One REGISTER on a fresh handle (see the top of the file). */
static int relay_send(struct tz_sip_reg *reg, uint32_t expires)
{
	struct tz_sip *s = reg->sip;
	char exp[16], cseq[32];

	reg->relay_expires = expires;
	g_snprintf(exp, sizeof(exp), "%u", expires);
	g_snprintf(cseq, sizeof(cseq), "%u REGISTER", reg->cseq++);
	reg->nh = nua_handle(s->nua, &reg->own, SIPTAG_TO_STR(reg->aor), SIPTAG_FROM_STR(reg->aor),
			     SIPTAG_CALL_ID_STR(reg->call_id), TAG_END());
	if (!reg->nh)
		return -ENOMEM;
	reg->relay_in_flight = true;
	s->ctr[TZ_SIP_CTR_RELAY_REGISTERS]++;
	nua_method(reg->nh, NUTAG_METHOD("REGISTER"), NUTAG_URL(reg->ruri), NUTAG_PROXY(reg->proxy),
		   SIPTAG_CSEQ_STR(cseq), SIPTAG_CONTACT_STR(reg->contact),
		   SIPTAG_EXPIRES_STR(exp),
		   TAG_IF(reg->last_auth && !reg->relay_proxy,
			  SIPTAG_AUTHORIZATION_STR(reg->last_auth)),
		   TAG_IF(reg->last_auth && reg->relay_proxy,
			  SIPTAG_PROXY_AUTHORIZATION_STR(reg->last_auth)),
		   TAG_END());
	return 0;
}

int tz_sip_register_relay_send(struct tz_sip_reg *reg, uint32_t expires,
			       const char *authorization, bool proxy)
{
	if (!reg || !reg->relay || (authorization && !sip_header_value_ok(authorization, AUTH_MAX)))
		return -EINVAL;
	if (reg->sip->stopping || reg->unregistering)
		return -ESHUTDOWN;
	if (reg->relay_in_flight)
		return -EBUSY;
	if (reg->last_auth)
		memset(reg->last_auth, 0, strlen(reg->last_auth));
	g_free(reg->last_auth);
	reg->last_auth = g_strdup(authorization);
	reg->relay_proxy = proxy;
	return relay_send(reg, expires);
}

/* The challenge values of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate):
 * "Scheme param, param ...", NULL-terminated; NULL for other statuses. */
char **sip_challenges_dup(const sip_t *sip, int status)
{
	const msg_auth_t *au = !sip ? NULL : status == 401 ? sip->sip_www_authenticate :
			       status == 407 ? sip->sip_proxy_authenticate : NULL;
	GPtrArray *a;

	if (!au)
		return NULL;
	a = g_ptr_array_new();
	for (; au; au = au->au_next) {
		g_autofree char *params = au->au_params ?
			g_strjoinv(", ", (char **)au->au_params) : g_strdup("");

		g_ptr_array_add(a, g_strdup_printf("%s%s%s", au->au_scheme ? au->au_scheme : "",
						   *params ? " " : "", params));
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* Seconds granted to OUR contact (the one with our tz= token): its ;expires=, else
 * Expires:, else 0; 0 too when the 200 lists contacts but not ours. */
static uint32_t granted(const struct tz_sip_reg *reg, const sip_t *sip)
{
	const sip_contact_t *m;
	char tok[64];

	if (!sip)
		return 0;
	for (m = sip->sip_contact; m; m = m->m_next) {
		isize_t n = m->m_url->url_params ?
			url_param(m->m_url->url_params, "tz", tok, sizeof(tok)) : 0;

		if (n <= 0 || n >= (isize_t)sizeof(tok) || strcmp(tok, reg->contact_token))
			continue;
		if (m->m_expires)
			return (uint32_t)strtoul(m->m_expires, NULL, 10);
		break;
	}
	if (sip->sip_contact && !m)
		return 0;
	return sip->sip_expires ? (uint32_t)sip->sip_expires->ex_delta : 0;
}

static void relay_done_handle(struct tz_sip_reg *reg)
{
	reg->relay_in_flight = false;
	if (reg->nh) {
		nua_handle_bind(reg->nh, NULL);
		nua_handle_destroy(reg->nh);
		reg->nh = NULL;
	}
}

void sip_relay_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		     struct tz_sip_reg *reg, const sip_t *sip)
{
	struct tz_sip_reg_result r = { .status = status, .reason = phrase ? phrase : "" };
	char **ch = NULL;

	if (ev != nua_r_method || status < 200)
		return;
	relay_done_handle(reg);
	if (reg->unregistering) {
		if (status == 401 || status == 407) {
			s->ctr[TZ_SIP_CTR_RELAY_UNREG_REFUSED]++;
			TZ_LOG(CP_SIP, WARNING, "un-REGISTER of %s refused (%d %s): the browser's "
			       "last credentials are stale; the binding expires at the registrar",
			       reg->aor, status, phrase);
		} else {
			TZ_LOG(CP_SIP, INFO, "un-REGISTER of %s: %d %s", reg->aor, status, phrase);
		}
		sip_reg_free(reg);
		return;
	}
	if (status < 300) {
		s->ctr[TZ_SIP_CTR_RELAY_REG_OK]++;
		r.expires = granted(reg, sip);
		/* Bound until the browser's own Expires: 0 (or ours) succeeds. */
		reg->registered = reg->relay_expires > 0;
	} else if (status == 401 || status == 407) {
		s->ctr[TZ_SIP_CTR_RELAY_REG_CHALLENGES]++;
		ch = sip_challenges_dup(sip, status);
		r.challenges = (const char *const *)ch;
	} else {
		s->ctr[TZ_SIP_CTR_RELAY_REG_FAILED]++;
	}
	if (status < 300 || status == 401 || status == 407)
		TZ_LOG(CP_SIP, INFO, "relayed REGISTER of %s: %d %s", reg->aor, status, r.reason);
	else
		TZ_LOG(CP_SIP, WARNING, "relayed REGISTER of %s: %d %s", reg->aor, status, r.reason);
	if (reg->relay_cb && !s->stopping)
		reg->relay_cb(reg, &r, reg->user); /* may call tz_sip_unregister(reg) */
	g_strfreev(ch);
}

void sip_relay_unregister(struct tz_sip_reg *reg)
{
	reg->relay_cb = NULL;
	reg->unregistering = true;
	relay_done_handle(reg); /* a REGISTER in flight is abandoned */
	if (!reg->registered || relay_send(reg, 0) < 0)
		sip_reg_free(reg);
}
