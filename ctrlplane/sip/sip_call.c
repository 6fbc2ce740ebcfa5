/* SPDX-License-Identifier: BSD-3-Clause */
/* INVITE dialogs: outbound and inbound legs, their events and mid-call requests. */
#include <errno.h>
#include <string.h>

#include "sip_pvt.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/url.h>

#define SDP_TYPE "application/sdp"
#define DTMF_TYPE "application/dtmf-relay"
#define FAST_UPDATE_TYPE "application/media_control+xml"

static struct tz_sip_leg *leg_new(struct tz_sip *s, bool outbound, void *user)
{
	struct tz_sip_leg *leg = g_new0(struct tz_sip_leg, 1);

	leg->own.kind = SIP_OWNER_LEG;
	leg->sip = s;
	leg->outbound = outbound;
	leg->user = user;
	leg->refs = 2; /* owner + stack */
	s->legs = g_list_prepend(s->legs, leg);
	return leg;
}

/* Forget the saved UPDATE event (answered, or the dialog is gone). */
void sip_leg_drop_update(struct tz_sip_leg *leg)
{
	if (leg->update_ev[0])
		nua_destroy_event(leg->update_ev);
	leg->update_ev[0] = NULL;
}

void sip_leg_unref(struct tz_sip_leg *leg)
{
	if (--leg->refs > 0)
		return;
	g_free(leg->call_id);
	g_free(leg->contact_token);
	g_free(leg->request_host);
	g_free(leg->contact);
	g_free(leg->auth_user);
	g_free(leg->auth_pass);
	g_free(leg->auth_realm);
	g_free(leg->auth_pinned);
	g_free(leg->end_reason);
	g_strfreev(leg->challenges);
	g_free(leg);
}

/* The first cause wins: a local CANCEL stays 408/487 when the 487 arrives. */
static void leg_set_end(struct tz_sip_leg *leg, int status, const char *reason)
{
	if (leg->end_status)
		return;
	leg->end_status = status;
	leg->end_reason = g_strdup(reason ? reason : "");
}

static void leg_stop_timer(struct tz_sip_leg *leg)
{
	if (leg->answer_timer)
		g_source_remove(leg->answer_timer);
	leg->answer_timer = 0;
}

/* Dialog over: report once, let go of the handle and of the stack's reference. */
static void leg_terminated(struct tz_sip_leg *leg)
{
	struct tz_sip *s = leg->sip;

	if (leg->ended)
		return;
	leg->ended = true;
	leg_stop_timer(leg);
	leg_set_end(leg, 500, "Terminated");
	TZ_LOG(CP_SIP, INFO, "call %s ended: %d %s", leg->call_id ? leg->call_id : "-",
	       leg->end_status, leg->end_reason);
	if (!leg->released && !s->stopping && s->h.on_ended)
		s->h.on_ended(leg, leg->end_status, leg->end_reason, s->user);
	sip_leg_drop_update(leg); /* nua answered a pending UPDATE when the dialog ended */
	if (leg->nh) {
		nua_handle_bind(leg->nh, NULL);
		nua_handle_destroy(leg->nh);
		leg->nh = NULL;
	}
	s->legs = g_list_remove(s->legs, leg);
	sip_leg_unref(leg);
}

static void leg_learn_call_id(struct tz_sip_leg *leg, const sip_t *sip)
{
	if (!leg->call_id && sip && sip->sip_call_id && sip->sip_call_id->i_id)
		leg->call_id = g_strdup(sip->sip_call_id->i_id);
}

static gboolean answer_timeout(gpointer data)
{
	struct tz_sip_leg *leg = data;

	leg->answer_timer = 0;
	TZ_LOG(CP_SIP, INFO, "call %s: no answer in time, cancelling",
	       leg->call_id ? leg->call_id : "-");
	leg_set_end(leg, 408, "Request Timeout");
	leg->hangup_sent = true;
	nua_cancel(leg->nh, TAG_END());
	return G_SOURCE_REMOVE;
}

/* The user part is escaped and the display name loses quotes and backslashes:
 * both come from web users (RFC 3261 25.1). */
static char *from_header(const struct tz_sip *s, const char *user, const char *display)
{
	g_autofree char *u = tz_sip_user_escape(user);
	g_autofree char *d = display ? g_strdup(display) : NULL;

	if (d && *d) {
		g_strdelimit(d, "\"\\\r\n", '\'');
		return g_strdup_printf("\"%s\" <sip:%s@%s>", d, u, s->local_host);
	}
	return g_strdup_printf("<sip:%s@%s>", u, s->local_host);
}

/*
 * Our Contact for a dialog, given explicitly: without one nua takes the
 * Contact of the first registration in its list whose AOR is not the From
 * (nua_registration_by_aor), i.e. another web user's registration contact
 * <sip:alice@gw;tz=TOKEN> (sip_reg.c), which would leak her token to this
 * dialog's peer.  NULL (nua's choice) on a wildcard listener.
 */
char *sip_dialog_contact(const struct tz_sip *s, enum tz_cfg_transport t)
{
	const struct tz_cfg_hostport *l = &s->cfg->listen[0];
	char *hp, *m;

	if (!l->host || sip_host_is_wildcard(l->host))
		return NULL;
	hp = sip_hostport(l->host, l->port ? l->port : t == TZ_SIP_TLS ? 5061 : 5060);
	m = g_strdup_printf(t == TZ_SIP_TLS ? "<sips:%s>" : t == TZ_SIP_TCP ?
			    "<sip:%s;transport=tcp>" : "<sip:%s>", hp);
	g_free(hp);
	return m;
}

static void leg_copy_auth(struct tz_sip_leg *leg, const struct tz_cfg_trunk *trunk)
{
	leg->auth_user = g_strdup(trunk->username);
	leg->auth_pass = g_strdup(trunk->password);
	leg->auth_realm = g_strdup(trunk->realm);
}

/* A From or P-Asserted-Identity URI from a web user: sip:/sips: (tel: as well for
 * @p tel), printable, nothing that ends a header or a name-addr, sane length;
 * sofia must parse it. */
bool sip_uri_ok(const char *uri, bool tel)
{
	url_t *u;
	su_home_t home[1] = { SU_HOME_INIT(home) };
	bool ok;

	if (!sip_header_value_ok(uri, 256) || strpbrk(uri, " <>\",\\"))
		return false;
	if (g_ascii_strncasecmp(uri, "sip:", 4) && g_ascii_strncasecmp(uri, "sips:", 5) &&
	    !(tel && !g_ascii_strncasecmp(uri, "tel:", 4)))
		return false;
	u = url_hdup(home, (url_t *)uri);
	ok = u && (u->url_type == url_sip || u->url_type == url_sips ||
		   (tel && u->url_type == url_tel)) && u->url_host;
	su_home_deinit(home);
	return ok;
}

/* "Display" <URI>: the display name loses quotes, backslashes and line ends (it
 * comes from web users, RFC 3261 25.1). */
static char *name_addr(const char *uri, const char *display)
{
	g_autofree char *d = display ? g_strdup(display) : NULL;

	if (d && *d) {
		g_strdelimit(d, "\"\\\r\n", '\'');
		return g_strdup_printf("\"%s\" <%s>", d, uri);
	}
	return g_strdup_printf("<%s>", uri);
}

/* Check the options of tz_sip_invite_opts() / tz_sip_message(). */
int sip_opts_check(const struct tz_sip_invite_opts *o)
{
	if (!o)
		return 0;
	if (o->from_uri && !sip_uri_ok(o->from_uri, false))
		return -EINVAL;
	if (o->pai && !sip_uri_ok(o->pai, true))
		return -EINVAL;
	if (o->from_display && strlen(o->from_display) > 128)
		return -EINVAL;
	if (o->authorization && !sip_header_value_ok(o->authorization, 4096))
		return -EINVAL;
	return 0;
}

/* The From header of a request built with @p o. */
char *sip_opts_from(const struct tz_sip *s, const struct tz_sip_invite_opts *o)
{
	g_autofree char *dflt = NULL;

	if (o && !o->from_uri && o->from_user)
		return from_header(s, o->from_user, o->from_display);
	dflt = g_strdup_printf("sip:anonymous@%s", s->local_host);
	return name_addr(o && o->from_uri ? o->from_uri : dflt, o ? o->from_display : NULL);
}

char *sip_opts_pai(const struct tz_sip_invite_opts *o)
{
	return o && o->pai ? g_strdup_printf("P-Asserted-Identity: <%s>", o->pai) : NULL;
}

static struct tz_sip_leg *invite_start(struct tz_sip *s, const struct tz_cfg_trunk *trunk,
				       const char *to_user, const char *from,
				       const struct tz_sip_invite_opts *o, const char *sdp_offer,
				       void *leg_user)
{
	struct tz_sip_leg *leg;
	char *ruri, *to, *cid, *pai = sip_opts_pai(o);
	const char *auth = o ? o->authorization : NULL;
	bool proxy = o && o->proxy_auth;

	ruri = sip_request_uri(trunk, to_user);
	if (!ruri) {
		g_free(pai);
		return errno = EINVAL, NULL;   /* not a plain user part: see tz_sip_target_parse */
	}
	leg = leg_new(s, true, leg_user);
	leg->trunk = trunk;
	leg_copy_auth(leg, trunk);
	leg->relay_challenge = o && o->relay_challenge;
	leg->contact = sip_dialog_contact(s, trunk->transport);
	to = g_strdup_printf("<%s>", ruri);
	cid = g_uuid_string_random();
	leg->call_id = g_strdup(cid);
	leg->nh = nua_handle(s->nua, &leg->own, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from),
			     SIPTAG_CALL_ID_STR(cid), TAG_END());
	if (!leg->nh)
		goto fail_handle;
	nua_invite(leg->nh, NUTAG_URL(ruri), TAG_IF(leg->contact, SIPTAG_CONTACT_STR(leg->contact)),
		   TAG_IF(pai, SIPTAG_HEADER_STR(pai)),
		   TAG_IF(auth && !proxy, SIPTAG_AUTHORIZATION_STR(auth)),
		   TAG_IF(auth && proxy, SIPTAG_PROXY_AUTHORIZATION_STR(auth)),
		   SIPTAG_CONTENT_TYPE_STR(SDP_TYPE),
		   SIPTAG_PAYLOAD_STR(sdp_offer), TAG_END());
	s->ctr[TZ_SIP_CTR_INVITE_OUT]++;
	leg->answer_timer = g_timeout_add_seconds(trunk->answer_timeout_s ?
						  trunk->answer_timeout_s : 60,
						  answer_timeout, leg);
	TZ_LOG(CP_SIP, INFO, "call %s: INVITE %s via trunk %s", cid, ruri, trunk->name);
	g_free(ruri), g_free(to), g_free(cid), g_free(pai);
	return leg;

fail_handle:
	g_free(ruri), g_free(to), g_free(cid), g_free(pai);
	s->legs = g_list_remove(s->legs, leg);
	leg->refs = 1;
	sip_leg_unref(leg);
	return errno = ENOMEM, NULL;
}

struct tz_sip_leg *tz_sip_invite_opts(struct tz_sip *s, const struct tz_cfg_trunk *trunk,
				      const char *to_user, const struct tz_sip_invite_opts *o,
				      const char *sdp_offer, void *leg_user)
{
	struct tz_sip_leg *leg;
	char *from;

	if (!s || !trunk || !trunk->address.host || !to_user || !sdp_offer || sip_opts_check(o))
		return errno = EINVAL, NULL;
	if (s->stopping)
		return errno = ESHUTDOWN, NULL;
	from = sip_opts_from(s, o);
	leg = invite_start(s, trunk, to_user, from, o, sdp_offer, leg_user);
	g_free(from);
	return leg;
}

struct tz_sip_leg *tz_sip_invite(struct tz_sip *s, const struct tz_cfg_trunk *trunk,
				 const char *to_user, const char *from_user,
				 const char *from_display, const char *sdp_offer, void *leg_user)
{
	struct tz_sip_leg *leg;
	char *from;

	if (!s || !trunk || !trunk->address.host || !to_user || !from_user || !sdp_offer)
		return errno = EINVAL, NULL;
	if (s->stopping)
		return errno = ESHUTDOWN, NULL;
	from = from_header(s, from_user, from_display);
	leg = invite_start(s, trunk, to_user, from, NULL, sdp_offer, leg_user);
	g_free(from);
	return leg;
}

const char *const *tz_sip_leg_challenges(const struct tz_sip_leg *leg)
{
	return leg ? (const char *const *)leg->challenges : NULL;
}

/* Final response to our initial INVITE or to our re-INVITE. */
static void on_invite_final(struct tz_sip *s, struct tz_sip_leg *leg, int status,
			    const char *phrase, const sip_t *sip)
{
	char *sdp = sip_body_dup(sip);

	if (leg->reinvite_out) {
		leg->reinvite_out = false;
		if (!leg->released && s->h.on_reinvite_answer)
			s->h.on_reinvite_answer(leg, status, sdp, s->user);
	} else if (status < 300) {
		leg->answered = true;
		leg_stop_timer(leg);
		if (leg->hangup_sent)
			nua_bye(leg->nh, TAG_END()); /* answered while we cancelled */
		else if (!leg->released && s->h.on_answered)
			s->h.on_answered(leg, sdp, s->user);
	} else {
		leg_set_end(leg, status, phrase);
	}
	g_free(sdp);
}

static void on_r_invite(struct tz_sip *s, struct tz_sip_leg *leg, int status,
			const char *phrase, const sip_t *sip)
{
	char *sdp;

	leg_learn_call_id(leg, sip);
	if (status > 100 && status < 200 && !leg->answered) {
		sdp = sip_body_dup(sip);
		if (!leg->released && s->h.on_progress)
			s->h.on_progress(leg, status, phrase, sdp, s->user);
		g_free(sdp);
		return;
	}
	if (status < 200)
		return;
	if ((status == 401 || status == 407) && leg->relay_challenge) {
		/* The browser answers: hand the challenge over, end the leg. */
		g_strfreev(leg->challenges);
		leg->challenges = sip_challenges_dup(sip, status);
	} else if ((status == 401 || status == 407) && leg->auth_tries++ == 0) {
		int rc = sip_authenticate(leg->nh, sip, leg->auth_realm, &leg->auth_pinned,
					  leg->auth_user, leg->auth_pass);

		if (rc == 0)
			return;
		if (rc == -EPERM)
			s->ctr[TZ_SIP_CTR_REALM_REFUSED]++;
	}
	on_invite_final(s, leg, status, phrase, sip);
	/* A challenge we cannot answer leaves nua waiting for credentials. */
	if ((status == 401 || status == 407) && !leg->answered)
		leg_terminated(leg);
}

/* The tz= parameter of a Request-URI (one of our registration Contacts,
 * sip_reg.c), or NULL. */
static char *ruri_token(const url_t *ru)
{
	char buf[64];
	isize_t n = ru && ru->url_params ? url_param(ru->url_params, "tz", buf, sizeof(buf)) : 0;

	return n > 0 && n < (isize_t)sizeof(buf) ? g_strdup(buf) : NULL;
}

void sip_call_incoming(struct tz_sip *s, nua_handle_t *nh, const sip_t *sip)
{
	struct tz_sip_leg *leg;
	const url_t *ru = sip && sip->sip_request ? sip->sip_request->rq_url : NULL;
	char from[512] = "", *display = NULL, *sdp;

	if (s->stopping || !s->h.on_incoming) {
		nua_respond(nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	leg = leg_new(s, false, NULL);
	leg->nh = nh;
	nua_handle_bind(nh, &leg->own);
	leg_learn_call_id(leg, sip);
	leg->contact_token = ruri_token(ru);
	sip_request_source(s, ru, &leg->src);
	leg->request_host = g_strdup(leg->src.request_host);
	leg->src.request_host = leg->request_host;
	leg->trunk = leg->src.n_trunks > 0 ? leg->src.trunks[0] : NULL;
	leg->contact = sip_dialog_contact(s, !sip->sip_via || !sip->sip_via->v_protocol ? TZ_SIP_UDP :
					  strstr(sip->sip_via->v_protocol, "TLS") ? TZ_SIP_TLS :
					  strstr(sip->sip_via->v_protocol, "TCP") ? TZ_SIP_TCP : TZ_SIP_UDP);
	if (sip->sip_from)
		url_e(from, sizeof(from), sip->sip_from->a_url);
	if (sip->sip_from && sip->sip_from->a_display)
		display = g_strdup(sip->sip_from->a_display);
	if (display && display[0] == '"')
		g_strstrip(g_strdelimit(display, "\"", ' '));
	sdp = sip_body_dup(sip);
	TZ_LOG(CP_SIP, INFO, "call %s: INVITE from %s to %s", leg->call_id ? leg->call_id : "-",
	       from, ru && ru->url_user ? ru->url_user : "");
	s->h.on_incoming(leg, ru && ru->url_user ? ru->url_user : "", from, display, sdp, s->user);
	g_free(display);
	g_free(sdp);
}

static void on_i_reinvite(struct tz_sip *s, struct tz_sip_leg *leg, const sip_t *sip)
{
	char *sdp;

	if (leg->released || !s->h.on_reinvite) {
		nua_respond(leg->nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
		return;
	}
	if (leg->reinvite_in) {
		/* An UPDATE offer still waits for our answer (nua normally refuses
		 * the overlap itself): RFC 3261 14.2, 500 with Retry-After. */
		nua_respond(leg->nh, SIP_500_INTERNAL_SERVER_ERROR, SIPTAG_RETRY_AFTER_STR("2"),
			    TAG_END());
		return;
	}
	leg->reinvite_in = true;
	sdp = sip_body_dup(sip);
	s->h.on_reinvite(leg, sdp, s->user);
	g_free(sdp);
}

/* Whether nua takes the body for an SDP offer (its session_get_description()):
 * Content-Type application/sdp, or no Content-Type and a body starting "v=0". */
static bool body_is_sdp(const sip_t *sip)
{
	const sip_payload_t *pl = sip ? sip->sip_payload : NULL;
	const sip_content_type_t *ct = sip ? sip->sip_content_type : NULL;

	if (!pl || !pl->pl_data || !pl->pl_len)
		return false;
	if (ct && ct->c_type && *ct->c_type)
		return !g_ascii_strcasecmp(ct->c_type, SDP_TYPE);
	return pl->pl_len >= 3 && !g_ascii_strncasecmp(pl->pl_data, "v=0", 3);
}

/*
 * In-dialog UPDATE (RFC 3311).  UPDATE is one of our NUTAG_APPL_METHODs, so
 * nua leaves the answer to us (status 100 here) and, without soa, puts no
 * SDP in it by itself.  Without an offer (a session refresh, RFC 4028) it is
 * answered 200 at once; nua adds the session timer headers.  An offer goes
 * to on_reinvite like a re-INVITE's; the event is saved so that the answer,
 * now or later, names this request (NUTAG_WITH_SAVED).
 */
static void on_i_update(struct tz_sip *s, struct tz_sip_leg *leg, int status, const sip_t *sip)
{
	char *sdp;

	if (status >= 200)
		return; /* nua refused it already (overlap 500, glare 491 ...) */
	if (!body_is_sdp(sip)) {
		nua_respond(leg->nh, SIP_200_OK, NUTAG_WITH_THIS(s->nua), TAG_END());
		return;
	}
	if (leg->released || !s->h.on_reinvite) {
		nua_respond(leg->nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_THIS(s->nua), TAG_END());
		return;
	}
	if (leg->reinvite_in) { /* normally refused by nua already, see above */
		nua_respond(leg->nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(s->nua),
			    SIPTAG_RETRY_AFTER_STR("2"), TAG_END());
		return;
	}
	if (!nua_save_event(s->nua, leg->update_ev)) {
		nua_respond(leg->nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(s->nua),
			    TAG_END());
		return;
	}
	TZ_LOG(CP_SIP, INFO, "call %s: UPDATE with an SDP offer", leg->call_id ? leg->call_id : "-");
	leg->reinvite_in = true;
	sdp = sip_body_dup(sip);
	s->h.on_reinvite(leg, sdp, s->user);
	g_free(sdp);
}

static void on_i_info(struct tz_sip *s, struct tz_sip_leg *leg, const sip_t *sip)
{
	char *body = sip_body_dup(sip), digit;
	unsigned ms;

	if (sip && sip->sip_content_type && sip->sip_content_type->c_type &&
	    !g_ascii_strcasecmp(sip->sip_content_type->c_type, DTMF_TYPE) &&
	    sip_dtmf_parse(body, &digit, &ms) == 0 && !leg->released && s->h.on_dtmf)
		s->h.on_dtmf(leg, digit, ms, s->user);
	else if (sip && sip->sip_content_type && sip->sip_content_type->c_type &&
		 !g_ascii_strcasecmp(sip->sip_content_type->c_type, FAST_UPDATE_TYPE) &&
		 !leg->released && s->h.on_fast_update)
		s->h.on_fast_update(leg, sip_fast_update_parse(body, body ? strlen(body) : 0),
				    s->user);
	g_free(body);
}

static void on_i_state(struct tz_sip_leg *leg, tagi_t tags[])
{
	int state = nua_callstate_init;

	tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	if (state == nua_callstate_terminated)
		leg_terminated(leg);
}

void sip_call_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		    nua_handle_t *nh, struct tz_sip_leg *leg, const sip_t *sip, tagi_t tags[])
{
	(void)nh;
	if (leg->ended)
		return;
	switch (ev) {
	case nua_r_invite:
		on_r_invite(s, leg, status, phrase, sip);
		break;
	case nua_i_invite:
		on_i_reinvite(s, leg, sip);
		break;
	case nua_i_update:
		on_i_update(s, leg, status, sip);
		break;
	case nua_i_cancel:
		leg_set_end(leg, 487, "Request Terminated");
		break;
	case nua_i_bye:
		leg_set_end(leg, 200, "BYE");
		break;
	case nua_i_info:
		on_i_info(s, leg, sip);
		break;
	case nua_r_refer:
	case nua_i_notify:
		sip_refer_event(s, ev, status, phrase, leg, sip, tags);
		break;
	case nua_i_state:
		on_i_state(leg, tags);
		break;
	case nua_i_error:
		TZ_LOG(CP_SIP, WARNING, "call %s: %d %s", leg->call_id ? leg->call_id : "-",
		       status, phrase);
		break;
	default:
		break;
	}
}
