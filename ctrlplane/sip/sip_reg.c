/* SPDX-License-Identifier: BSD-3-Clause */
/* REGISTER on behalf of web users (RFC 3261 section 10); nua refreshes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sip_pvt.h"

#include <sofia-sip/sip_header.h>

void sip_reg_free(struct tz_sip_reg *reg)
{
	struct tz_sip *s = reg->sip;

	s->regs = g_list_remove(s->regs, reg);
	if (reg->nh) {
		nua_handle_bind(reg->nh, NULL);
		nua_handle_destroy(reg->nh);
	}
	g_free(reg->auth_user);
	g_free(reg->auth_pass);
	g_free(reg->auth_realm);
	g_free(reg->contact_token);
	g_free(reg->auth_pinned);
	g_free(reg->call_id);
	g_free(reg->aor);
	g_free(reg->ruri);
	g_free(reg->proxy);
	g_free(reg->contact);
	if (reg->last_auth)
		memset(reg->last_auth, 0, strlen(reg->last_auth));
	g_free(reg->last_auth);
	g_free(reg);
}

/*
 * Each registration has its own Contact, <sip:USER@our-address;tz=TOKEN>: a
 * registrar forwards a call for the AOR to that URI (RFC 3261 10.2.1, 16.5),
 * so its user part names the web user and the token (128 random bits, hex)
 * this one registration; a stale or made-up Request-URI reaches no other
 * login (see tz_sip_leg_contact_token).  NULL if the kernel gives no randomness.
 */
char *sip_reg_token_new(void)
{
	uint8_t raw[16];
	char hex[2 * sizeof(raw) + 1];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return NULL;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return g_strdup(hex);
}

const char *tz_sip_reg_contact_token(const struct tz_sip_reg *reg)
{
	return reg ? reg->contact_token : NULL;
}

static char *registrar_url(const struct tz_cfg_trunk *t)
{
	uint16_t port = t->address.port ? t->address.port : t->transport == TZ_SIP_TLS ? 5061 : 5060;
	char *hp = sip_hostport(t->address.host, port);
	char *url = g_strdup_printf("sip:%s;transport=%s", hp, sip_transport_name(t->transport));

	g_free(hp);
	return url;
}

struct tz_sip_reg *tz_sip_register(struct tz_sip *s, const struct tz_cfg_trunk *registrar,
				   const char *user, const char *password, uint32_t expires,
				   tz_sip_reg_cb *cb, void *user_data)
{
	struct tz_sip_reg *reg;
	char *aor, *host, *url, *params, exp[16];

	if (!s || !registrar || !registrar->address.host || !user || !cb)
		return errno = EINVAL, NULL;
	if (s->stopping)
		return errno = ESHUTDOWN, NULL;
	reg = g_new0(struct tz_sip_reg, 1);
	reg->own.kind = SIP_OWNER_REG;
	reg->sip = s;
	reg->cb = cb;
	reg->user = user_data;
	reg->auth_user = g_strdup(user);
	reg->auth_pass = g_strdup(password);
	reg->auth_realm = g_strdup(registrar->realm);
	reg->contact_token = sip_reg_token_new();
	s->regs = g_list_prepend(s->regs, reg);
	if (!reg->contact_token) {
		sip_reg_free(reg);
		return errno = EAGAIN, NULL;
	}
	host = sip_hostport(registrar->address.host, 0);
	aor = g_strdup_printf("<sip:%s@%s>", user, host);
	url = registrar_url(registrar);
	g_snprintf(exp, sizeof(exp), "%u", expires ? expires :
		   registrar->register_expires ? registrar->register_expires : 600);
	params = g_strdup_printf("tz=%s", reg->contact_token);
	reg->nh = nua_handle(s->nua, &reg->own, SIPTAG_TO_STR(aor), SIPTAG_FROM_STR(aor), TAG_END());
	if (reg->nh)
		nua_register(reg->nh, NUTAG_REGISTRAR(url), SIPTAG_EXPIRES_STR(exp),
			     NUTAG_OUTBOUND("no-options-keepalive no-validate no-natify"),
			     NUTAG_M_USERNAME(user), NUTAG_M_PARAMS(params), TAG_END());
	TZ_LOG(CP_SIP, INFO, "REGISTER %s at %s, expires %s", aor, url, exp);
	g_free(host), g_free(aor), g_free(url), g_free(params);
	if (reg->nh)
		return reg;
	sip_reg_free(reg);
	return errno = ENOMEM, NULL;
}

static void reg_report(struct tz_sip_reg *reg, int status, const char *reason)
{
	struct tz_sip *s = reg->sip;

	if (status < 300)
		s->ctr[TZ_SIP_CTR_REG_OK]++;
	else
		s->ctr[TZ_SIP_CTR_REG_FAILED]++;
	if (status < 300)
		TZ_LOG(CP_SIP, INFO, "registration of %s: %d %s", reg->auth_user, status, reason);
	else
		TZ_LOG(CP_SIP, WARNING, "registration of %s: %d %s", reg->auth_user, status, reason);
	if (reg->cb && !s->stopping)
		reg->cb(reg, status, reason, reg->user);
}

static void on_r_register(struct tz_sip_reg *reg, int status, const char *phrase,
			  const sip_t *sip)
{
	if (status < 200)
		return;
	if ((status == 401 || status == 407) && reg->auth_tries++ == 0) {
		int rc = sip_authenticate(reg->nh, sip, reg->auth_realm, &reg->auth_pinned,
					  reg->auth_user, reg->auth_pass);

		if (rc == 0)
			return;
		if (rc == -EPERM)
			reg->sip->ctr[TZ_SIP_CTR_REALM_REFUSED]++;
	}
	if (status < 300) {
		reg->auth_tries = 0; /* a refresh may be challenged again */
		reg->registered = true;
		reg_report(reg, status, phrase);
		return;
	}
	reg->registered = false;
	if (status == 401 || status == 407)
		reg_report(reg, status, "credentials rejected by the registrar (wrong user or password?)");
	else
		reg_report(reg, status, phrase);
}

void sip_reg_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		   struct tz_sip_reg *reg, const sip_t *sip)
{
	if (reg->relay) {
		sip_relay_event(s, ev, status, phrase, reg, sip);
		return;
	}
	if (ev == nua_r_register && !reg->unregistering) {
		on_r_register(reg, status, phrase, sip);
	} else if (ev == nua_r_unregister && status >= 200) {
		if ((status == 401 || status == 407) && reg->auth_tries++ < 2 &&
		    sip_authenticate(reg->nh, sip, reg->auth_realm, &reg->auth_pinned,
				     reg->auth_user, reg->auth_pass) == 0)
			return;
		reg->registered = false;
		sip_reg_free(reg);
	}
}

void tz_sip_unregister(struct tz_sip_reg *reg)
{
	if (!reg || reg->unregistering)
		return;
	reg->cb = NULL;
	if (reg->relay) {
		sip_relay_unregister(reg);
		return;
	}
	if (!reg->registered) {
		sip_reg_free(reg);
		return;
	}
	reg->unregistering = true;
	reg->auth_tries = 0;
	nua_unregister(reg->nh, TAG_END());
}

void sip_reg_stop_all(struct tz_sip *s)
{
	GList *copy = g_list_copy(s->regs);

	for (GList *l = copy; l; l = l->next)
		tz_sip_unregister(l->data);
	g_list_free(copy);
}

void sip_reg_free_all(struct tz_sip *s)
{
	while (s->regs)
		sip_reg_free(s->regs->data);
}
