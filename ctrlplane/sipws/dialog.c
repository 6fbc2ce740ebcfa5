/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls of SIP-over-WebSocket phones: SIP dialogs with the browser on one
 * side, the call manager's web-leg messages on the other (the same B2BUA
 * as trapeze-jsep.v1).
 *
 *  browser -> edge                       edge -> call manager
 *  INVITE (offer)                        call {target, sdp}      (100 Trying back)
 *  ACK                                   -
 *  BYE / CANCEL                          hangup                  (200 / 200 + 487 back)
 *  re-INVITE sendonly|inactive / sendrecv hold / unhold          (200 when held/unheld)
 *  INFO application/dtmf-relay           dtmf
 *  200 to our INVITE (answer)            accept {sdp}            (ACK back)
 *  4xx-6xx to our INVITE                 reject {code}           (ACK back)
 *
 *  call manager -> edge                  edge -> browser
 *  answer {sdp}                          (kept: it goes in 18x and 200)
 *  ringing / progress                    180 / 183 with our SDP
 *  answered                              200 OK with our SDP
 *  incoming {from, sdp}                  INVITE
 *  hangup {code}                         final response, CANCEL or BYE
 *  error {code}                          final response (404, 403, 488, 503 ...)
 *  dtmf {digits}                         INFO application/dtmf-relay
 *
 * The transport is reliable (RFC 7118): nothing is retransmitted, so a
 * transaction is just the request we keep until it is answered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dialog_pvt.h"

/* "Display" <uri> of a From/To, without its tag. */
static char *name_addr(const sip_addr_t *a)
{
	g_autofree char *u = sipws_url(a->a_url);

	if (a->a_display != NULL && a->a_display[0] != '\0')
		return g_strdup_printf("%s <%s>", a->a_display, u);
	return g_strdup_printf("<%s>", u);
}

static void dlg_free(struct dlg *d)
{
	g_free(d->xfer);                  /* no report comes after the call ended */
	sipws_msg_clear(&d->invite);
	sipws_msg_clear(&d->reinvite);
	g_free(d->call_id);
	g_free(d->local_tag);
	g_free(d->remote_tag);
	g_free(d->local_hdr);
	g_free(d->remote_hdr);
	g_free(d->remote_target);
	g_free(d->our_sdp);
	g_free(d->ruri);
	g_free(d->branch);
	g_free(d);
}

/* Forget @p d: no more messages go to the browser or the manager for it. */
static void dlg_end(struct dlg *d)
{
	g_hash_table_remove(d->sc->dialogs, d->call_id);
	dlg_free(d);
}

void sipws_dialogs_free(struct sconn *sc)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, sc->dialogs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		g_hash_table_iter_remove(&it);
		dlg_free(v);
	}
}

static struct dlg *by_call(struct sconn *sc, const char *call)
{
	GHashTableIter it;
	gpointer v;

	if (call == NULL)
		return NULL;
	g_hash_table_iter_init(&it, sc->dialogs);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (strcmp(((struct dlg *)v)->call, call) == 0)
			return v;
	return NULL;
}

/* Tell the call manager: a synthesised web-leg message. */
static void to_manager(struct sconn *sc, enum tz_jsep_type type, const char *call,
		       struct tz_jsep_msg *m)
{
	m->type = type;
	m->id = TZ_JSEP_NO_ID;
	m->call = call;
	m->sdp_mline_index = -1;
	sipws.env.calls_message(sc->conn, m);
}

/* An in-dialog request of ours (BYE, INFO, re-INVITE, ACK for a 2xx). */
GString *sipws_dlg_request(struct dlg *d, const char *method, uint32_t cseq, const char *extra,
			const char *ctype, const char *body)
{
	g_autofree char *from = g_strdup_printf("%s;tag=%s", d->local_hdr, d->local_tag);
	g_autofree char *to = g_strdup_printf("%s;tag=%s", d->remote_hdr,
					      d->remote_tag != NULL ? d->remote_tag : "");
	struct sipws_req r = { .method = method, .ruri = d->remote_target, .from = from, .to = to,
			       .call_id = d->call_id, .cseq = cseq, .tls = d->sc->tls };

	return sipws_request(&r, extra, ctype, body);
}

static void send_bye(struct dlg *d, const char *reason)
{
	g_autofree char *extra = reason != NULL && reason[0] != '\0' && strpbrk(reason, "\"\r\n\\") == NULL
		? g_strdup_printf("Reason: SIP;cause=200;text=\"%s\"\r\n", reason) : NULL;

	sipws_send(d->sc, sipws_dlg_request(d, "BYE", ++d->local_cseq, extra, NULL, NULL));
}

static const char *contact_hdr(const struct sconn *sc)
{
	return sc->tls ? "Contact: <sip:gw@trapeze.invalid;transport=wss>\r\n"
		       : "Contact: <sip:gw@trapeze.invalid;transport=ws>\r\n";
}

/* Our SDP again with direction @p dir ("sendrecv", "recvonly" ...) and the
 * next o= version. */
static char *sdp_with_direction(struct dlg *d, const char *dir)
{
	g_auto(GStrv) lines = g_strsplit(d->our_sdp != NULL ? d->our_sdp : "", "\r\n", -1);
	GString *out = g_string_new(NULL);

	for (char **l = lines; *l != NULL; l++) {
		if ((*l)[0] == '\0')
			continue;
		if (strcmp(*l, "a=sendrecv") == 0 || strcmp(*l, "a=sendonly") == 0 ||
		    strcmp(*l, "a=recvonly") == 0 || strcmp(*l, "a=inactive") == 0) {
			g_string_append_printf(out, "a=%s\r\n", dir);
		} else if (g_str_has_prefix(*l, "o=")) {
			g_auto(GStrv) f = g_strsplit(*l, " ", 6);

			if (g_strv_length(f) == 6) {
				d->sdp_version = g_ascii_strtoull(f[2], NULL, 10) + 1;
				g_string_append_printf(out, "%s %s %" G_GUINT64_FORMAT " %s %s %s\r\n",
						       f[0], f[1], d->sdp_version, f[3], f[4], f[5]);
			} else {
				g_string_append_printf(out, "%s\r\n", *l);
			}
		} else {
			g_string_append_printf(out, "%s\r\n", *l);
		}
	}
	g_free(d->our_sdp);
	d->our_sdp = g_string_free(out, FALSE);
	return d->our_sdp;
}

/* The direction our SDP offers the browser: who holds. */
static const char *our_direction(const struct dlg *d)
{
	return d->held && d->remote_held ? "inactive" : d->remote_held ? "sendonly"
			       : d->held ? "recvonly" : "sendrecv";
}

/* ---- final responses for the browser's INVITE ---- */

static const struct {
	enum tz_jsep_err err;
	int status;
	const char *phrase;
} err_status[] = {
	{ TZ_JSEP_ERR_NO_ROUTE, 404, "Not Found (no route)" },
	{ TZ_JSEP_ERR_BAD_TARGET, 484, "Address Incomplete" },
	{ TZ_JSEP_ERR_FORBIDDEN, 403, "Forbidden" },
	{ TZ_JSEP_ERR_NOT_LOGGED_IN, 403, "Forbidden (register first)" },
	{ TZ_JSEP_ERR_TOO_MANY_CALLS, 503, "Service Unavailable (call limit)" },
	{ TZ_JSEP_ERR_RATE_LIMITED, 503, "Service Unavailable (call rate limit)" },
	{ TZ_JSEP_ERR_BAD_SDP, 488, "Not Acceptable Here" },
	{ TZ_JSEP_ERR_BAD_MESSAGE, 400, "Bad Request" },
	{ TZ_JSEP_ERR_DTLS_FAILED, 488, "Not Acceptable Here (DTLS failed)" },
	{ TZ_JSEP_ERR_ICE_FAILED, 408, "Request Timeout (ICE failed)" },
	{ TZ_JSEP_ERR_MEDIA_TIMEOUT, 408, "Request Timeout (no media)" },
	{ TZ_JSEP_ERR_CALL_EXISTS, 482, "Loop Detected" },
	{ TZ_JSEP_ERR_DRAINING, 503, "Service Unavailable (draining)" },
	{ TZ_JSEP_ERR_MEDIA_SERVICES, 488, "Not Acceptable Here (media services unavailable)" },
};

static void final_response_extra(struct dlg *d, int status, const char *phrase,
				 const char *extra)
{
	g_autofree char *p = phrase != NULL && strpbrk(phrase, "\r\n") == NULL ? g_strdup(phrase)
									       : NULL;

	if (d->final_sent || d->invite.msg == NULL)
		return;
	d->final_sent = true;
	sipws_send(d->sc, sipws_response(&d->invite, status, p, d->local_tag, extra, NULL, NULL));
}

static void final_response(struct dlg *d, int status, const char *phrase)
{
	final_response_extra(d, status, phrase, NULL);
}

/* The trunk's digest challenge, passed to the phone unchanged: it answers with
 * a new INVITE carrying its credentials (the gateway never sees a password). */
static void challenge_browser(struct dlg *d, int status, const char *const *challenges)
{
	GString *extra = g_string_new(NULL);

	if (d->final_sent || d->invite.msg == NULL)
		return;
	for (size_t i = 0; challenges[i] != NULL; i++)
		if (strpbrk(challenges[i], "\r\n") == NULL)
			g_string_append_printf(extra, "%s: %s\r\n", status == 407 ? "Proxy-Authenticate"
						: "WWW-Authenticate", challenges[i]);
	d->final_sent = true;
	sipws_count(TZ_SIPWS_CHALLENGES_RELAYED);
	sipws_send(d->sc, sipws_response(&d->invite, status, NULL, d->local_tag, extra->str, NULL,
					 NULL));
	g_string_free(extra, TRUE);
}

static void answer_browser(struct dlg *d, int status)
{
	g_autofree char *extra = g_strdup_printf("%s" ALLOW "Supported: replaces\r\n",
						 contact_hdr(d->sc));

	if (d->final_sent || d->invite.msg == NULL)
		return;
	if (status == 200) {
		d->final_sent = true;
		d->state = DLG_CONFIRMED;
	}
	sipws_send(d->sc, sipws_response(&d->invite, status, NULL, d->local_tag, extra,
					 "application/sdp", d->our_sdp));
}

/* ---- the browser calls ---- */

static bool number_like(const char *u)
{
	size_t digits = 0;

	for (const char *p = u + (*u == '+'); *p != '\0'; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (strchr("-.()", *p) == NULL)
			return false;
	}
	return digits > 0;
}

/* The call manager's target for the INVITE's Request-URI: "echo" and numbers
 * in the caller's own domain as such, anything else as a SIP URI. */
char *sipws_target(struct sconn *sc, const url_t *ru)
{
	g_autofree char *user = ru->url_user != NULL ? g_uri_unescape_string(ru->url_user, NULL)
						      : NULL;

	if (user == NULL || user[0] == '\0' || ru->url_host == NULL)
		return NULL;
	if (g_ascii_strcasecmp(ru->url_host, sipws_aor_domain(sc)) == 0 &&
	    (strcmp(user, "echo") == 0 || number_like(user)))
		return g_strdup(user);
	return g_strdup_printf("sip:%s@%s", user, ru->url_host);
}

static void on_invite(struct sconn *sc, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	struct tz_jsep_msg cm = { 0 };
	g_autofree char *target = NULL, *sdp = NULL, *auth = NULL;
	struct dlg *d;

	if (g_hash_table_contains(sc->dialogs, s->sip_call_id->i_id))
		return;                        /* a repeat: the transport is reliable */
	if (!sipws_registered(sc)) {
		sipws_count(TZ_SIPWS_NOT_REGISTERED);
		sipws_reply(sc, m, 403, "Forbidden (register first)", NULL);
		return;
	}
	if (s->sip_payload == NULL || s->sip_payload->pl_len == 0 ||
	    g_ascii_strcasecmp(s->sip_content_type->c_type, "application/sdp") != 0) {
		sipws_reply(sc, m, 488, "Not Acceptable Here (an SDP offer is required)", NULL);
		return;
	}
	target = sipws_target(sc, s->sip_request->rq_url);
	if (target == NULL) {
		sipws_reply(sc, m, 484, NULL, NULL);
		return;
	}
	d = g_new0(struct dlg, 1);
	d->sc = sc;
	d->role = DLG_UAS;
	g_snprintf(d->call, sizeof(d->call), "ws-%u", ++sipws.next_call);
	d->call_id = g_strdup(s->sip_call_id->i_id);
	d->local_tag = sipws_random("tz");
	d->remote_tag = g_strdup(s->sip_from->a_tag);
	d->local_hdr = name_addr(s->sip_to);
	d->remote_hdr = name_addr(s->sip_from);
	d->remote_target = s->sip_contact != NULL ? sipws_url(s->sip_contact->m_url)
						  : sipws_url(s->sip_from->a_url);
	d->local_cseq = 1;
	d->echo = strcmp(target, "echo") == 0;
	sdp = g_strndup(s->sip_payload->pl_data, s->sip_payload->pl_len);
	d->invite = *m;                        /* kept until the final response */
	memset(m, 0, sizeof(*m));
	g_hash_table_insert(sc->dialogs, d->call_id, d);
	sipws_count(TZ_SIPWS_CALLS_OUT);
	sipws_send(sc, sipws_response(&d->invite, 100, NULL, NULL, NULL, NULL, NULL));
	TZ_LOG(CP_SESSION, INFO, "SIP-WS call %s from %s to %s", d->call, sipws_aor(sc), target);
	cm.target = target;
	cm.sdp = sdp;
	/* credentials for the trunk's digest challenge (a second INVITE after our 407) */
	if (s->sip_proxy_authorization != NULL) {
		auth = sipws_hdr(s->sip_proxy_authorization);
		cm.sip_proxy_auth = true;
	} else if (s->sip_authorization != NULL) {
		auth = sipws_hdr(s->sip_authorization);
	}
	cm.sip_auth = auth != NULL && auth[0] != '\0' ? auth : NULL;
	to_manager(sc, TZ_JSEP_CALL, d->call, &cm);   /* may answer (error) at once */
}

static bool sdp_holds(const char *sdp, size_t len)
{
	g_autofree char *t = g_strndup(sdp, len);

	return strstr(t, "a=sendonly") != NULL || strstr(t, "a=inactive") != NULL;
}

static void on_reinvite(struct sconn *sc, struct dlg *d, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	struct tz_jsep_msg cm = { 0 };
	bool hold;

	if (d->reinvite.msg != NULL || d->state != DLG_CONFIRMED) {
		sipws_reply(sc, m, 491, NULL, NULL);
		return;
	}
	if (s->sip_contact != NULL) {
		g_free(d->remote_target);
		d->remote_target = sipws_url(s->sip_contact->m_url);
	}
	hold = s->sip_payload != NULL && sdp_holds(s->sip_payload->pl_data, s->sip_payload->pl_len);
	d->reinvite = *m;
	memset(m, 0, sizeof(*m));
	if (hold == d->held) {                 /* nothing changes for the far end */
		g_autofree char *extra = g_strdup_printf("%s" ALLOW, contact_hdr(sc));

		sipws_send(sc, sipws_response(&d->reinvite, 200, NULL, NULL, extra,
					      "application/sdp",
					      sdp_with_direction(d, our_direction(d))));
		sipws_msg_clear(&d->reinvite);
		return;
	}
	sipws_send(sc, sipws_response(&d->reinvite, 100, NULL, NULL, NULL, NULL, NULL));
	to_manager(sc, hold ? TZ_JSEP_HOLD : TZ_JSEP_UNHOLD, d->call, &cm);
}

/* The pending re-INVITE gets its answer: the hold state is now @p held. */
static void reinvite_done(struct dlg *d, bool held, int status)
{
	g_autofree char *extra = g_strdup_printf("%s" ALLOW, contact_hdr(d->sc));

	if (d->reinvite.msg == NULL)
		return;
	if (status == 200) {
		d->held = held;
		sipws_send(d->sc, sipws_response(&d->reinvite, 200, NULL, NULL, extra,
						 "application/sdp",
						 sdp_with_direction(d, our_direction(d))));
	} else {
		sipws_send(d->sc, sipws_response(&d->reinvite, status, NULL, NULL, NULL, NULL, NULL));
	}
	sipws_msg_clear(&d->reinvite);
}

/* INFO application/dtmf-relay ("Signal=5\r\nDuration=160") or application/dtmf ("5"). */
static void on_info(struct sconn *sc, struct dlg *d, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	struct tz_jsep_msg cm = { 0 };
	g_autofree char *body = NULL;
	char digits[2] = "";
	unsigned duration = 100;
	const char *p;

	if (s->sip_content_type == NULL || s->sip_payload == NULL) {
		sipws_reply(sc, m, 200, NULL, NULL);    /* an empty INFO: a keep-alive */
		return;
	}
	body = g_strndup(s->sip_payload->pl_data, MIN(s->sip_payload->pl_len, 256));
	if (g_ascii_strcasecmp(s->sip_content_type->c_type, "application/dtmf-relay") == 0) {
		p = strstr(body, "Signal=");
		if (p != NULL)
			digits[0] = p[7] == ' ' ? p[8] : p[7];
		p = strstr(body, "Duration=");
		if (p != NULL)
			duration = (unsigned)strtoul(p + 9, NULL, 10);
	} else if (g_ascii_strcasecmp(s->sip_content_type->c_type, "application/dtmf") == 0) {
		digits[0] = body[0];
	} else {
		sipws_reply(sc, m, 415, NULL, "Accept: application/dtmf-relay, application/dtmf\r\n");
		return;
	}
	if (digits[0] == '\0' || strchr("0123456789*#ABCDabcd", digits[0]) == NULL) {
		sipws_reply(sc, m, 400, "Bad Request (no DTMF digit)", NULL);
		return;
	}
	digits[0] = g_ascii_toupper(digits[0]);
	sipws_reply(sc, m, 200, NULL, NULL);
	cm.digits = digits;
	cm.duration_ms = CLAMP(duration, 40, 2000);
	to_manager(sc, TZ_JSEP_DTMF, d->call, &cm);
}

static void on_bye(struct sconn *sc, struct dlg *d, struct sipws_msg *m)
{
	struct tz_jsep_msg cm = { 0 };
	char call[sizeof(d->call)];

	sipws_reply(sc, m, 200, NULL, NULL);
	if (d->role == DLG_UAS && !d->final_sent)
		final_response(d, 487, NULL);
	g_strlcpy(call, d->call, sizeof(call));
	dlg_end(d);                            /* the manager's hangup finds nothing */
	to_manager(sc, TZ_JSEP_HANGUP, call, &cm);
}

static void on_cancel(struct sconn *sc, struct sipws_msg *m)
{
	struct dlg *d = g_hash_table_lookup(sc->dialogs, m->sip->sip_call_id->i_id);
	struct tz_jsep_msg cm = { 0 };
	char call[TZ_JSEP_CALL_MAX + 1];

	if (d == NULL || d->role != DLG_UAS || d->final_sent) {
		sipws_reply(sc, m, 481, NULL, NULL);
		return;
	}
	sipws_reply(sc, m, 200, NULL, NULL);
	final_response(d, 487, NULL);
	g_strlcpy(call, d->call, sizeof(call));
	dlg_end(d);
	cm.reason = "cancelled";
	to_manager(sc, TZ_JSEP_HANGUP, call, &cm);
}

static void on_options(struct sconn *sc, struct sipws_msg *m)
{
	sipws_reply(sc, m, 200, NULL, ALLOW "Accept: application/sdp\r\nSupported: replaces\r\n");
}

void sipws_on_request(struct sconn *sc, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	struct dlg *d = g_hash_table_lookup(sc->dialogs, s->sip_call_id->i_id);

	switch (m->method) {
	case sip_method_invite:
		if (s->sip_to->a_tag == NULL)
			on_invite(sc, m);
		else if (d != NULL)
			on_reinvite(sc, d, m);
		else
			sipws_reply(sc, m, 481, NULL, NULL);
		return;
	case sip_method_ack:
		return;                        /* 2xx: confirmed already; non-2xx: done */
	case sip_method_cancel:
		on_cancel(sc, m);
		return;
	case sip_method_options:
		on_options(sc, m);
		return;
	case sip_method_message:
		sipws_on_message_request(sc, m);
		return;
	default:
		break;
	}
	if (d == NULL) {
		if (m->method == sip_method_bye || m->method == sip_method_info ||
		    m->method == sip_method_update || m->method == sip_method_refer)
			sipws_reply(sc, m, 481, NULL, NULL);
		else
			sipws_reply(sc, m, 405, NULL, ALLOW);
		return;
	}
	switch (m->method) {
	case sip_method_bye:
		on_bye(sc, d, m);
		break;
	case sip_method_info:
		on_info(sc, d, m);
		break;
	case sip_method_refer:
		sipws_on_refer(sc, d, m);
		break;
	case sip_method_update:        /* session refresh (RFC 4028) without a new offer */
		if (m->sip->sip_payload != NULL && m->sip->sip_payload->pl_len > 0)
			sipws_reply(sc, m, 488, "Not Acceptable Here (use re-INVITE)", NULL);
		else
			sipws_reply(sc, m, 200, NULL, NULL);
		break;
	default:
		sipws_reply(sc, m, 405, NULL, ALLOW);
		break;
	}
}

/* ---- we call the browser ---- */

/* From for our INVITE: the caller's URI if it is a plain sip(s) URI. */
char *sipws_caller_hdr(const char *from, const char *display)
{
	bool ok = from != NULL && (g_str_has_prefix(from, "sip:") || g_str_has_prefix(from, "sips:")) &&
		  strlen(from) < 200 && strpbrk(from, "<>\"\r\n \t") == NULL;
	g_autofree char *disp = display != NULL ? g_strdup(display) : NULL;

	if (disp != NULL)
		g_strdelimit(disp, "\"\\\r\n", ' ');
	if (disp != NULL && disp[0] != '\0')
		return g_strdup_printf("\"%s\" <%s>", disp, ok ? from : "sip:anonymous@anonymous.invalid");
	return g_strdup_printf("<%s>", ok ? from : "sip:anonymous@anonymous.invalid");
}

static void invite_browser(struct sconn *sc, const struct tz_jsep_out *o)
{
	struct dlg *d;
	struct sipws_req r;
	g_autofree char *from = NULL, *extra = NULL;
	size_t blen = o->sdp != NULL ? strlen(o->sdp) : 0;

	if (!sipws_registered(sc) || blen == 0) {
		struct tz_jsep_msg cm = { .code = 480 };

		to_manager(sc, TZ_JSEP_REJECT, o->call, &cm);
		return;
	}
	d = g_new0(struct dlg, 1);
	d->sc = sc;
	d->role = DLG_UAC;
	g_strlcpy(d->call, o->call, sizeof(d->call));
	d->call_id = sipws_random("tz-");
	d->local_tag = sipws_random("tz");
	d->local_hdr = sipws_caller_hdr(o->from, o->display);
	d->remote_hdr = g_strdup_printf("<%s>", sipws_aor(sc));
	d->ruri = g_strdup(sipws_contact_url(sc));
	d->remote_target = g_strdup(d->ruri);
	d->branch = sipws_random("z9hG4bK");
	d->invite_cseq = d->local_cseq = 1;
	d->our_sdp = g_strdup(o->sdp);
	g_hash_table_insert(sc->dialogs, d->call_id, d);
	sipws_count(TZ_SIPWS_CALLS_IN);
	from = g_strdup_printf("%s;tag=%s", d->local_hdr, d->local_tag);
	extra = g_strdup_printf("%s" ALLOW "Supported: replaces\r\n", contact_hdr(sc));
	r = (struct sipws_req){ .method = "INVITE", .ruri = d->ruri, .branch = d->branch,
				.from = from, .to = d->remote_hdr, .call_id = d->call_id,
				.cseq = d->invite_cseq, .tls = sc->tls };
	sipws_send(sc, sipws_request(&r, extra, "application/sdp", o->sdp));
}

/* CANCEL, or ACK for a non-2xx: same branch and CSeq number as our INVITE;
 * @p extra: header lines or NULL. */
static void invite_txn_request(struct dlg *d, const char *method, const char *to,
			       const char *extra)
{
	g_autofree char *from = g_strdup_printf("%s;tag=%s", d->local_hdr, d->local_tag);
	struct sipws_req r = { .method = method, .ruri = d->ruri, .branch = d->branch,
			       .from = from, .to = to, .call_id = d->call_id,
			       .cseq = d->invite_cseq, .tls = d->sc->tls };

	sipws_send(d->sc, sipws_request(&r, extra, NULL, NULL));
}

static void remote_hold(struct dlg *d, bool held);

/* The browser answered our re-INVITE: ACK it (any final status), then send
 * the next one if the far end's hold state moved on meanwhile. */
static void reinvite_answered(struct dlg *d, const struct sipws_msg *m)
{
	bool want;

	if (m->status < 200)
		return;
	d->reinvite_cseq = 0;
	sipws_send(d->sc, sipws_dlg_request(d, "ACK", m->sip->sip_cseq->cs_seq, NULL, NULL, NULL));
	if (m->status >= 300)
		TZ_LOG(CP_SESSION, INFO, "SIP-WS call %s: the browser refused our re-INVITE: %d",
		       d->call, m->status);
	if (d->reinvite_again) {
		/* the far end held and resumed while ours was out: say where it is now */
		d->reinvite_again = false;
		want = d->remote_held;
		if (want != d->sent_remote_held) {
			d->remote_held = !want;
			remote_hold(d, want);
		}
	}
}

void sipws_on_response(struct sconn *sc, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	struct dlg *d = g_hash_table_lookup(sc->dialogs, s->sip_call_id->i_id);
	struct tz_jsep_msg cm = { 0 };
	g_autofree char *to = NULL, *sdp = NULL;
	char call[TZ_JSEP_CALL_MAX + 1];

	if (d != NULL && m->method == sip_method_invite && d->reinvite_cseq != 0 &&
	    s->sip_cseq->cs_seq == d->reinvite_cseq) {
		reinvite_answered(d, m);
		return;
	}
	if (d == NULL || d->role != DLG_UAC || m->method != sip_method_invite ||
	    s->sip_cseq->cs_seq != d->invite_cseq) {
		if (d == NULL)
			sipws_count(TZ_SIPWS_STRAY);
		return;                        /* BYE/INFO/CANCEL answers: nothing to do */
	}
	if (s->sip_to->a_tag != NULL && d->remote_tag == NULL)
		d->remote_tag = g_strdup(s->sip_to->a_tag);
	if (m->status < 200 || d->state == DLG_CONFIRMED)
		return;                        /* ringing: the caller already hears it */
	g_strlcpy(call, d->call, sizeof(call));
	if (m->status >= 300) {
		to = sipws_hdr(s->sip_to);
		invite_txn_request(d, "ACK", to, NULL);
		dlg_end(d);
		if (m->status != 487) {
			cm.code = (uint32_t)CLAMP(m->status, 400, 699);
			to_manager(sc, TZ_JSEP_REJECT, call, &cm);
		}
		return;
	}
	if (s->sip_contact != NULL) {
		g_free(d->remote_target);
		d->remote_target = sipws_url(s->sip_contact->m_url);
	}
	d->state = DLG_CONFIRMED;
	sipws_send(sc, sipws_dlg_request(d, "ACK", d->invite_cseq, NULL, NULL, NULL));
	if (d->cancelled) {                    /* 200 crossed our CANCEL */
		send_bye(d, NULL);
		dlg_end(d);
		return;
	}
	if (s->sip_payload == NULL || s->sip_payload->pl_len == 0) {
		send_bye(d, "no SDP answer");
		dlg_end(d);
		cm.code = 488;
		to_manager(sc, TZ_JSEP_REJECT, call, &cm);
		return;
	}
	sdp = g_strndup(s->sip_payload->pl_data, s->sip_payload->pl_len);
	cm.sdp = sdp;
	to_manager(sc, TZ_JSEP_ACCEPT, call, &cm);
}

/* The far end held or resumed: tell the browser with a re-INVITE of our own. */
static void remote_hold(struct dlg *d, bool held)
{
	g_autofree char *extra = g_strdup_printf("%s" ALLOW, contact_hdr(d->sc));

	if (d->state != DLG_CONFIRMED || d->remote_held == held)
		return;
	d->remote_held = held;
	if (d->reinvite_cseq != 0) {           /* one at a time (491 otherwise) */
		d->reinvite_again = true;
		return;
	}
	d->reinvite_cseq = ++d->local_cseq;
	d->sent_remote_held = held;
	sipws_send(d->sc, sipws_dlg_request(d, "INVITE", d->reinvite_cseq, extra, "application/sdp",
				  sdp_with_direction(d, our_direction(d))));
}

/* ---- the call manager's events ---- */

static void on_hangup(struct dlg *d, const struct tz_jsep_out *o)
{
	int code = o->code;

	if (d->role == DLG_UAC) {
		if (d->state == DLG_CONFIRMED) {
			send_bye(d, o->reason);
			dlg_end(d);
		} else if (!d->cancelled) {
			d->cancelled = true;   /* the browser's 487 ends it */
			invite_txn_request(d, "CANCEL", d->remote_hdr,
					   o->reason != NULL && strcmp(o->reason, "answered elsewhere") == 0
					   ? "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"
					   : NULL);
		}
		return;
	}
	if (d->state == DLG_CONFIRMED) {
		send_bye(d, o->reason);
	} else if ((code == 401 || code == 407) && o->challenges != NULL) {
		challenge_browser(d, code, o->challenges);
	} else {
		if (code < 300)
			code = code == 0 ? 480 : 487;
		final_response(d, code, NULL);
	}
	dlg_end(d);
}

static void on_error(struct dlg *d, const struct tz_jsep_out *o)
{
	if (d->role == DLG_UAS && !d->final_sent) {
		for (size_t i = 0; i < G_N_ELEMENTS(err_status); i++) {
			if (err_status[i].err == o->err) {
				/* draining (issue 13): come back after the restart */
				final_response_extra(d, err_status[i].status, err_status[i].phrase,
						     o->err == TZ_JSEP_ERR_DRAINING
							     ? "Retry-After: " TZ_DRAIN_RETRY_AFTER_S "\r\n"
							     : NULL);
				dlg_end(d);
				return;
			}
		}
		final_response(d, 500, NULL);
		dlg_end(d);
		return;
	}
	if (d->reinvite.msg != NULL)
		reinvite_done(d, d->held, 500);
	else
		TZ_LOG(CP_SESSION, INFO, "SIP-WS call %s: %s: %s", d->call, tz_jsep_err_name(o->err),
		       o->message != NULL ? o->message : "");
}

static void send_dtmf(struct dlg *d, const struct tz_jsep_out *o)
{
	unsigned ms = o->duration_ms > 0 ? (unsigned)o->duration_ms : 100;

	if (d->state != DLG_CONFIRMED || o->digits == NULL)
		return;
	for (const char *p = o->digits; *p != '\0'; p++) {
		g_autofree char *body = g_strdup_printf("Signal=%c\r\nDuration=%u\r\n", *p, ms);

		sipws_send(d->sc, sipws_dlg_request(d, "INFO", ++d->local_cseq, NULL, "application/dtmf-relay",
					  body));
	}
}

void sipws_dialog_deliver(struct sconn *sc, const struct tz_jsep_out *o)
{
	struct dlg *d;

	if (o->type == TZ_JSEP_OUT_INCOMING) {
		invite_browser(sc, o);
		return;
	}
	d = by_call(sc, o->call);
	if (d == NULL)
		return;                        /* ended on our side already */
	switch (o->type) {
	case TZ_JSEP_OUT_ANSWER:
		g_free(d->our_sdp);
		d->our_sdp = g_strdup(o->sdp);
		if (d->echo)                   /* nobody else answers the echo service */
			answer_browser(d, 200);
		break;
	case TZ_JSEP_OUT_RINGING:
		answer_browser(d, 180);
		break;
	case TZ_JSEP_OUT_PROGRESS:
		answer_browser(d, 183);
		break;
	case TZ_JSEP_OUT_ANSWERED:
		if (d->role == DLG_UAS) {
			sipws_video_answered(d, o);    /* the SIP side declined the video */
			answer_browser(d, 200);
		}
		break;
	case TZ_JSEP_OUT_HANGUP:
		on_hangup(d, o);
		break;
	case TZ_JSEP_OUT_ERROR:
		on_error(d, o);
		break;
	case TZ_JSEP_OUT_HELD:
	case TZ_JSEP_OUT_UNHELD:
		if (o->by == TZ_JSEP_BY_LOCAL)
			reinvite_done(d, o->type == TZ_JSEP_OUT_HELD, 200);
		else
			remote_hold(d, o->type == TZ_JSEP_OUT_HELD);
		break;
	case TZ_JSEP_OUT_DTMF:
		send_dtmf(d, o);
		break;
	default:                               /* candidates: all in the SDP */
		break;
	}
}
