/* SPDX-License-Identifier: BSD-3-Clause */
/* What the call manager does to a leg: answer, reject, hang up, re-INVITE, INFO. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip_pvt.h"

#include <sofia-sip/sip_header.h>

#define SDP_TYPE "application/sdp"
#define DTMF_TYPE "application/dtmf-relay"

int tz_sip_leg_ringing(struct tz_sip_leg *leg)
{
	if (!leg || leg->ended || leg->hangup_sent)
		return -ENOTCONN;
	if (leg->outbound || leg->answered)
		return -EALREADY;
	nua_respond(leg->nh, SIP_180_RINGING,
		    TAG_IF(leg->contact, SIPTAG_CONTACT_STR(leg->contact)), TAG_END());
	return 0;
}

int tz_sip_leg_answer(struct tz_sip_leg *leg, const char *sdp_answer)
{
	if (!leg || !sdp_answer)
		return -EINVAL;
	if (leg->ended || leg->hangup_sent)
		return -ENOTCONN;
	if (leg->outbound || leg->answered)
		return -EALREADY;
	leg->answered = true;
	nua_respond(leg->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR(SDP_TYPE),
		    TAG_IF(leg->contact, SIPTAG_CONTACT_STR(leg->contact)),
		    SIPTAG_PAYLOAD_STR(sdp_answer), TAG_END());
	return 0;
}

int tz_sip_leg_reject(struct tz_sip_leg *leg, int status, const char *reason)
{
	if (!leg || status < 300 || status > 699)
		return -EINVAL;
	if (leg->ended || leg->hangup_sent)
		return -ENOTCONN;
	if (leg->outbound || leg->answered)
		return -EALREADY;
	if (!reason)
		reason = sip_status_phrase(status);
	leg->hangup_sent = true;
	leg->end_status = status;
	leg->end_reason = g_strdup(reason ? reason : "");
	nua_respond(leg->nh, status, reason, TAG_END());
	return 0;
}

static void set_end_once(struct tz_sip_leg *leg, int status, const char *reason)
{
	if (leg->end_status)
		return;
	leg->end_status = status;
	leg->end_reason = g_strdup(reason);
}

const struct tz_cfg_trunk *tz_sip_leg_trunk(const struct tz_sip_leg *leg)
{
	return leg != NULL ? leg->trunk : NULL;
}

int tz_sip_leg_hangup(struct tz_sip_leg *leg)
{
	if (!leg || leg->ended)
		return -ENOTCONN;
	if (leg->hangup_sent)
		return 0;
	leg->hangup_sent = true;
	if (leg->answered) {
		set_end_once(leg, 200, "BYE");
		nua_bye(leg->nh, TAG_END());
	} else if (leg->outbound) {
		set_end_once(leg, 487, "Request Terminated");
		nua_cancel(leg->nh, TAG_END());
	} else {
		set_end_once(leg, 480, "Temporarily Unavailable");
		nua_respond(leg->nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
	}
	return 0;
}

int tz_sip_leg_reinvite(struct tz_sip_leg *leg, const char *sdp)
{
	if (!leg || !sdp)
		return -EINVAL;
	if (leg->ended || leg->hangup_sent || !leg->answered)
		return -ENOTCONN;
	if (leg->reinvite_out || leg->reinvite_in)
		return -EBUSY;
	leg->reinvite_out = true;
	nua_invite(leg->nh, SIPTAG_CONTENT_TYPE_STR(SDP_TYPE), SIPTAG_PAYLOAD_STR(sdp),
		   TAG_IF(leg->contact, SIPTAG_CONTACT_STR(leg->contact)), TAG_END());
	return 0;
}

/* Final response to the pending re-INVITE or UPDATE offer.  nua_respond()
 * finds a re-INVITE by itself; an UPDATE is named by the request of its saved
 * event (NUTAG_WITH_SAVED, spelled out: nua compares the message by address,
 * and its server request holds its own reference, so the event can go now). */
static void reinvite_respond(struct tz_sip_leg *leg, int status, const char *phrase,
			     const char *sdp)
{
	msg_t *update = leg->update_ev[0] ? nua_saved_event_request(leg->update_ev) : NULL;

	leg->reinvite_in = false;
	nua_respond(leg->nh, status, phrase, TAG_IF(update, NUTAG_WITH(update)),
		    TAG_IF(leg->contact && status < 300, SIPTAG_CONTACT_STR(leg->contact)),
		    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR(SDP_TYPE)),
		    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)),
		    TAG_END());
	sip_leg_drop_update(leg);
}

int tz_sip_leg_reinvite_answer(struct tz_sip_leg *leg, const char *sdp)
{
	if (!leg || !sdp)
		return -EINVAL;
	if (leg->ended || leg->hangup_sent)
		return -ENOTCONN;
	if (!leg->reinvite_in)
		return -EPROTO;
	reinvite_respond(leg, SIP_200_OK, sdp);
	return 0;
}

int tz_sip_leg_reinvite_reject(struct tz_sip_leg *leg, int status, const char *reason)
{
	if (!leg || status < 300 || status > 699)
		return -EINVAL;
	if (leg->ended || leg->hangup_sent)
		return -ENOTCONN;
	if (!leg->reinvite_in)
		return -EPROTO;
	reinvite_respond(leg, status, reason ? reason : sip_status_phrase(status), NULL);
	return 0;
}

int tz_sip_leg_info_dtmf(struct tz_sip_leg *leg, char digit, unsigned duration_ms)
{
	char body[64];

	if (!leg || !digit || !strchr("0123456789*#ABCD", digit))
		return -EINVAL;
	if (leg->ended || leg->hangup_sent || !leg->answered)
		return -ENOTCONN;
	snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%u\r\n", digit, duration_ms);
	nua_info(leg->nh, SIPTAG_CONTENT_TYPE_STR(DTMF_TYPE), SIPTAG_PAYLOAD_STR(body), TAG_END());
	return 0;
}

/* RFC 5168 §3: the XML Schema for Media Control's one primitive. */
#define FAST_UPDATE_TYPE "application/media_control+xml"
#define FAST_UPDATE_BODY                                                     \
	"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n"                      \
	"<media_control>\r\n"                                                 \
	"  <vc_primitive>\r\n"                                                \
	"    <to_encoder>\r\n"                                                \
	"      <picture_fast_update/>\r\n"                                    \
	"    </to_encoder>\r\n"                                               \
	"  </vc_primitive>\r\n"                                               \
	"</media_control>\r\n"

int tz_sip_leg_info_fast_update(struct tz_sip_leg *leg)
{
	if (!leg)
		return -EINVAL;
	if (leg->ended || leg->hangup_sent || !leg->answered)
		return -ENOTCONN;
	nua_info(leg->nh, SIPTAG_CONTENT_TYPE_STR(FAST_UPDATE_TYPE),
		 SIPTAG_PAYLOAD_STR(FAST_UPDATE_BODY), TAG_END());
	return 0;
}

void tz_sip_leg_set_user(struct tz_sip_leg *leg, void *user)
{
	if (leg)
		leg->user = user;
}

void *tz_sip_leg_get_user(const struct tz_sip_leg *leg)
{
	return leg ? leg->user : NULL;
}

const char *tz_sip_leg_call_id(const struct tz_sip_leg *leg)
{
	return leg ? leg->call_id : NULL;
}

const struct tz_sip_source *tz_sip_leg_source(const struct tz_sip_leg *leg)
{
	return leg != NULL && !leg->outbound ? &leg->src : NULL;
}

const char *tz_sip_leg_contact_token(const struct tz_sip_leg *leg)
{
	return leg ? leg->contact_token : NULL;
}

void tz_sip_leg_free(struct tz_sip_leg *leg)
{
	if (!leg || leg->released)
		return;
	leg->released = true;
	leg->user = NULL;
	if (!leg->ended)
		tz_sip_leg_hangup(leg);
	sip_leg_unref(leg);
}

/* stop(): end every live dialog; no handler runs while stopping. */
void sip_call_stop_all(struct tz_sip *s)
{
	for (GList *l = s->legs; l; l = l->next)
		tz_sip_leg_hangup(l->data);
}

/* stop(), after sofia had its chance: drop what is left. */
void sip_call_free_all(struct tz_sip *s)
{
	while (s->legs) {
		struct tz_sip_leg *leg = s->legs->data;

		s->legs = g_list_delete_link(s->legs, s->legs);
		if (leg->answer_timer)
			g_source_remove(leg->answer_timer);
		sip_leg_drop_update(leg);
		if (leg->nh)
			nua_handle_destroy(leg->nh);
		leg->nh = NULL;
		leg->ended = true;
		leg->refs = 1;
		sip_leg_unref(leg);
	}
}
