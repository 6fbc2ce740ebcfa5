/* SPDX-License-Identifier: BSD-3-Clause */
/* MESSAGE (RFC 3428) both ways: pager-mode messages of SIP-over-WebSocket users. */
#include <errno.h>
#include <string.h>

#include "sip_pvt.h"

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

/* One MESSAGE of ours in flight: its own handle, the callback, the trunk's credentials. */
struct sip_msg {
	struct sip_owner own;
	struct tz_sip *sip;
	nua_handle_t *nh;
	tz_sip_message_cb *cb;
	void *user;
	char *auth_user, *auth_pass, *auth_realm, *auth_pinned;
	int auth_tries;
	bool relay_challenge;
};

static void msg_free(struct sip_msg *m)
{
	m->sip->msgs = g_list_remove(m->sip->msgs, m);
	if (m->nh) {
		nua_handle_bind(m->nh, NULL);
		nua_handle_destroy(m->nh);
	}
	g_free(m->auth_user);
	g_free(m->auth_pass);
	g_free(m->auth_realm);
	g_free(m->auth_pinned);
	g_free(m);
}

int tz_sip_message(struct tz_sip *s, const struct tz_cfg_trunk *trunk, const char *to_user,
		   const struct tz_sip_invite_opts *o, const char *content_type, const char *body,
		   size_t len, tz_sip_message_cb *cb, void *user)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	struct sip_msg *m;
	sip_payload_t *pl;
	char *ruri, *to, *from, *pai;
	const char *auth = o ? o->authorization : NULL;
	bool proxy = o && o->proxy_auth;

	if (!s || !trunk || !trunk->address.host || !to_user || !cb || (!body && len) ||
	    !sip_header_value_ok(content_type, 128) || strchr(content_type, ',') ||
	    len > TZ_SIP_MESSAGE_MAX || sip_opts_check(o))
		return -EINVAL;
	if (s->stopping)
		return -ESHUTDOWN;
	ruri = sip_request_uri(trunk, to_user);
	if (!ruri)
		return -EINVAL;
	m = g_new0(struct sip_msg, 1);
	m->own.kind = SIP_OWNER_MSG;
	m->sip = s;
	m->cb = cb;
	m->user = user;
	m->auth_user = g_strdup(trunk->username);
	m->auth_pass = g_strdup(trunk->password);
	m->auth_realm = g_strdup(trunk->realm);
	m->relay_challenge = o && o->relay_challenge;
	s->msgs = g_list_prepend(s->msgs, m);
	to = g_strdup_printf("<%s>", ruri);
	from = sip_opts_from(s, o);
	pai = sip_opts_pai(o);
	pl = sip_payload_create(home, body ? body : "", len);
	m->nh = nua_handle(s->nua, &m->own, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (m->nh && pl) {
		nua_message(m->nh, NUTAG_URL(ruri), SIPTAG_CONTENT_TYPE_STR(content_type),
			    SIPTAG_PAYLOAD(pl), TAG_IF(pai, SIPTAG_HEADER_STR(pai)),
			    TAG_IF(auth && !proxy, SIPTAG_AUTHORIZATION_STR(auth)),
			    TAG_IF(auth && proxy, SIPTAG_PROXY_AUTHORIZATION_STR(auth)),
			    TAG_END());
		s->ctr[TZ_SIP_CTR_MESSAGE_OUT]++;
		TZ_LOG(CP_SIP, INFO, "MESSAGE %s via trunk %s (%zu bytes)", ruri, trunk->name, len);
	}
	g_free(ruri), g_free(to), g_free(from), g_free(pai);
	su_home_deinit(home);
	if (m->nh && pl)
		return 0;
	msg_free(m);
	return -ENOMEM;
}

void sip_message_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		       struct sip_msg *m, const sip_t *sip)
{
	tz_sip_message_cb *cb = m->cb;
	void *user = m->user;

	if (ev != nua_r_message || status < 200)
		return;
	if ((status == 401 || status == 407) && !m->relay_challenge && m->auth_tries++ == 0) {
		int rc = sip_authenticate(m->nh, sip, m->auth_realm, &m->auth_pinned,
					  m->auth_user, m->auth_pass);

		if (rc == 0)
			return;
		if (rc == -EPERM)
			s->ctr[TZ_SIP_CTR_REALM_REFUSED]++;
	}
	if (status >= 300)
		TZ_LOG(CP_SIP, INFO, "MESSAGE: %d %s", status, phrase);
	msg_free(m); /* before the callback: nua keeps a challenged request waiting */
	if (!s->stopping)
		cb(status, phrase ? phrase : "", user);
}

/* An out-of-dialog MESSAGE that passed the source check. */
void sip_message_incoming(struct tz_sip *s, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
	const url_t *ru = sip && sip->sip_request ? sip->sip_request->rq_url : NULL;
	const sip_payload_t *pl = sip ? sip->sip_payload : NULL;
	const sip_content_type_t *ct = sip ? sip->sip_content_type : NULL;
	char from[512] = "", tok[64], *display = NULL, *body;
	size_t len = pl && pl->pl_data ? pl->pl_len : 0;
	struct tz_sip_source src;
	isize_t tn;
	int status;

	s->ctr[TZ_SIP_CTR_MESSAGE_IN]++;
	if (!s->h.on_message || s->stopping) {
		nua_respond(nh, SIP_405_METHOD_NOT_ALLOWED, NUTAG_WITH_THIS(nua), TAG_END());
		return;
	}
	if (len > TZ_SIP_MESSAGE_MAX) {
		TZ_LOG(CP_SIP, INFO, "MESSAGE of %zu bytes refused (413)", len);
		nua_respond(nh, SIP_413_REQUEST_TOO_LARGE, NUTAG_WITH_THIS(nua), TAG_END());
		return;
	}
	tn = ru && ru->url_params ? url_param(ru->url_params, "tz", tok, sizeof(tok)) : 0;
	if (sip->sip_from)
		url_e(from, sizeof(from), sip->sip_from->a_url);
	if (sip->sip_from && sip->sip_from->a_display)
		display = g_strdup(sip->sip_from->a_display);
	if (display && display[0] == '"')
		g_strstrip(g_strdelimit(display, "\"", ' '));
	body = g_malloc(len + 1);   /* NUL-terminated for convenience; @p len counts */
	if (len)
		memcpy(body, pl->pl_data, len);
	body[len] = '\0';
	sip_request_source(s, ru, &src);
	status = s->h.on_message(ru && ru->url_user ? ru->url_user : "",
				 tn > 0 && tn < (isize_t)sizeof(tok) ? tok : NULL, from, display,
				 ct && ct->c_type ? ct->c_type : "", body, len, &src, s->user);
	if (status < 200 || status > 699)
		status = 500;
	nua_respond(nh, status, sip_status_phrase(status) ? sip_status_phrase(status) : "Unknown",
		    NUTAG_WITH_THIS(nua), TAG_IF(status == 415 && s->msg_accept,
						 SIPTAG_ACCEPT_STR(s->msg_accept)), TAG_END());
	g_free(display);
	g_free(body);
}

void sip_request_source(struct tz_sip *s, const url_t *ru, struct tz_sip_source *src)
{
	msg_t *m = nua_current_request(s->nua);
	su_addrinfo_t *ai = m != NULL ? msg_addrinfo(m) : NULL;
	/* every trunk of the source (each once: at most n_trunks), so that a
	 * tenant with many trunks at an address cannot hide another's there */
	g_autofree uint32_t *idx = g_new(uint32_t, s->cfg->n_trunks + 1);
	size_t n = sip_guard_trunks(s->guard, ai != NULL ? ai->ai_addr : NULL, idx,
				    s->cfg->n_trunks);

	memset(src, 0, sizeof(*src));
	for (size_t i = 0; i < n && src->n_trunks < TZ_SIP_SOURCE_TRUNKS_MAX; i++) {
		bool seen = false;

		if (idx[i] >= s->cfg->n_trunks)
			continue;
		for (size_t j = 0; j < src->n_trunks; j++)
			seen |= src->trunks[j]->tenant == s->cfg->trunks[idx[i]].tenant;
		if (!seen)      /* the first trunk of each tenant */
			src->trunks[src->n_trunks++] = &s->cfg->trunks[idx[i]];
	}
	for (size_t i = 0; i < n && src->n_video < TZ_SIP_SOURCE_TRUNKS_MAX; i++) {
		const struct tz_cfg_trunk *t = idx[i] < s->cfg->n_trunks ? &s->cfg->trunks[idx[i]]
									 : NULL;
		bool seen = false;

		if (t == NULL || t->video == NULL || t->video[0] == NULL)
			continue;
		for (size_t j = 0; j < src->n_video; j++)
			seen |= src->video[j]->tenant == t->tenant;
		if (!seen)
			src->video[src->n_video++] = t;
	}
	src->request_host = ru != NULL ? ru->url_host : NULL;
}

void sip_message_free_all(struct tz_sip *s)
{
	while (s->msgs)
		msg_free(s->msgs->data);
}
