/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blind transfer passed to the far end: our REFER on an answered leg (RFC
 * 3515) and the progress NOTIFYs of its implied subscription (message/sipfrag).
 *
 * sofia: nua_refer() reports a synthetic nua_r_refer 100 at once (no message),
 * then the real responses; it adds Referred-By from the From when none is
 * given.  The NOTIFYs reach the leg's handle as nua_i_notify, already answered
 * 200 by nua (solicited: they match the "refer" usage, with or without an id);
 * NUTAG_SUBSTATE says whether the subscription is over.  A 202 without any
 * NOTIFY ends in nua_i_notify 408 "Fetch Timeouts without NOTIFY" (no message)
 * after 32 s.  REFER is a target-refresh request: our Contact is given
 * explicitly, as for every request of the dialog (sip_dialog_contact).
 *
 * A REFER from the far end is not ours: nua answers it itself (202, then a
 * NOTIFY "SIP/2.0 100 Trying"); the gateway does not follow it, and the
 * implied subscription ends when it expires (nua's refer_expires).
 */
#include <errno.h>
#include <string.h>

#include "sip_pvt.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_tag_io.h>

#define SIPFRAG_TYPE "message/sipfrag"
#define SIPFRAG_LINE_MAX 128

int tz_sip_leg_refer(struct tz_sip_leg *leg, const char *refer_to, const char *referred_by)
{
	g_autofree char *to = NULL, *by = NULL;

	if (!leg || !refer_to || !sip_uri_ok(refer_to, false) ||
	    (referred_by && !sip_uri_ok(referred_by, false)))
		return -EINVAL;
	if (leg->ended || leg->hangup_sent || !leg->answered || !leg->nh)
		return -ENOTCONN;
	if (leg->refer_out)
		return -EBUSY;
	to = g_strdup_printf("<%s>", refer_to);
	by = referred_by ? g_strdup_printf("<%s>", referred_by) : NULL;
	leg->refer_out = true;
	leg->refer_final = false;
	leg->refer_auth_tried = false;
	nua_refer(leg->nh, SIPTAG_REFER_TO_STR(to), TAG_IF(by, SIPTAG_REFERRED_BY_STR(by)),
		  TAG_IF(leg->contact, SIPTAG_CONTACT_STR(leg->contact)), TAG_END());
	leg->sip->ctr[TZ_SIP_CTR_REFER_OUT]++;
	TZ_LOG(CP_SIP, INFO, "call %s: REFER to %s", leg->call_id ? leg->call_id : "-", refer_to);
	return 0;
}

static void report(struct tz_sip *s, struct tz_sip_leg *leg, int status, const char *sipfrag)
{
	if (!leg->released && !s->stopping && s->h.on_refer)
		s->h.on_refer(leg, status, sipfrag, s->user);
}

static void on_r_refer(struct tz_sip *s, struct tz_sip_leg *leg, int status, const char *phrase,
		       const sip_t *sip)
{
	if (sip)
		sip_count_status(s, status);
	if (status < 200 || !leg->refer_out)
		return;   /* nua's own 100 at nua_refer(), provisional responses */
	if ((status == 401 || status == 407) && !leg->refer_auth_tried) {
		leg->refer_auth_tried = true;
		if (sip_authenticate(leg->nh, sip, leg->auth_realm, &leg->auth_pinned,
				     leg->auth_user, leg->auth_pass) == 0)
			return;
	}
	TZ_LOG(CP_SIP, INFO, "call %s: REFER answered %d %s", leg->call_id ? leg->call_id : "-",
	       status, phrase ? phrase : "");
	if (status >= 300)
		leg->refer_out = false;
	report(s, leg, status, NULL);
}

static void on_i_notify(struct tz_sip *s, struct tz_sip_leg *leg, int status, const sip_t *sip,
			tagi_t tags[])
{
	int substate = nua_substate_active, frag = -EINVAL;
	char line[SIPFRAG_LINE_MAX];
	const sip_content_type_t *ct = sip ? sip->sip_content_type : NULL;
	const sip_payload_t *pl = sip ? sip->sip_payload : NULL;

	if (!leg->refer_out)
		return;
	tl_gets(tags, NUTAG_SUBSTATE_REF(substate), TAG_END());
	if (sip) {
		s->ctr[TZ_SIP_CTR_REFER_NOTIFY_IN]++;
		if (ct && ct->c_type && !g_ascii_strcasecmp(ct->c_type, SIPFRAG_TYPE) && pl)
			frag = sip_sipfrag_line(pl->pl_data, pl->pl_len, line, sizeof(line));
		if (frag < 0 && pl && pl->pl_len) {
			s->ctr[TZ_SIP_CTR_REFER_SIPFRAG_BAD]++;
			TZ_LOG(CP_SIP, NOTICE, "call %s: NOTIFY for our REFER without a usable "
			       "message/sipfrag status line (ignored)",
			       leg->call_id ? leg->call_id : "-");
		}
	} else {
		TZ_LOG(CP_SIP, INFO, "call %s: REFER subscription over: %d (no NOTIFY)",
		       leg->call_id ? leg->call_id : "-", status);
		substate = nua_substate_terminated;
	}
	if (frag >= 0 && !leg->refer_final) {
		TZ_LOG(CP_SIP, INFO, "call %s: transfer progress: %s",
		       leg->call_id ? leg->call_id : "-", line);
		if (frag >= 200) {
			leg->refer_final = true;
			leg->refer_out = false;
		}
		report(s, leg, 0, line);
		if (leg->ended || !leg->refer_out)
			return;
	}
	if (substate == nua_substate_terminated && leg->refer_out) {
		leg->refer_out = false;
		report(s, leg, 0, NULL);   /* over without a final sipfrag */
	}
}

void sip_refer_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		     struct tz_sip_leg *leg, const sip_t *sip, tagi_t tags[])
{
	if (ev == nua_r_refer)
		on_r_refer(s, leg, status, phrase, sip);
	else if (ev == nua_i_notify)
		on_i_notify(s, leg, status, sip, tags);
}
