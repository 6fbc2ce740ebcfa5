/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's detail record (ctrlplane/cdr, docs/cdr.md), taken in
 * tz_call_end() while its flows are still published: who, where, when,
 * the outcome and the dataplane's per-flow counters each way.
 */
#include <stdio.h>

#include "calls_pvt.h"
#include "tz_cdr.h"

static const char *const suite_names[TZ_SRTP_SUITE_COUNT] = {
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	[TZ_SRTP_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM",
	[TZ_SRTP_AEAD_AES_256_GCM] = "AEAD_AES_256_GCM",
};

/* "opus/48000/2", "PCMU/8000": the codec in use (the SIP side's choice on a
 * bridge, the browser's on echo), or NULL before any was agreed. */
static const char *codec_text(const struct call *c, char *buf, size_t len)
{
	const struct tz_sdp_neg *n = c->sip.neg_known ? &c->sip.neg : &c->web.neg;
	const struct tz_sdp_pt *p = &n->codecs[0];

	if (n->n_codecs == 0 || p->name == NULL)
		return NULL;
	if (p->channels > 1)
		snprintf(buf, len, "%s/%u/%u", p->name, p->clock, p->channels);
	else
		snprintf(buf, len, "%s/%u", p->name, p->clock);
	return buf;
}

/* Packets forwarded and dropped by the call's flows: [0] those keyed on
 * the access port (from the browser), [1] the others (towards it); echo
 * sends each packet of its one flow back, so both ways are that flow's. */
static void flow_counts(const struct call *c, uint64_t pkts[2], uint64_t drops[2])
{
	for (int d = 0; d < 2; d++) {
		pkts[d] = c->media.dir_before[d];      /* flows removed earlier */
		drops[d] = c->media.drops_before[d];
	}
	for (unsigned i = 0; i < c->media.n_flows; i++) {
		const struct tz_dp_flow_state *st =
			tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->media.slots[i]);
		unsigned d = c->media.keys[i].port_idx == tz_calls_env.access_idx ? 0 : 1;

		pkts[d] += st->cnt[TZ_FC_PKTS];
		for (int k = TZ_FC_AUTH_FAIL; k < TZ_FC_COUNT; k++)
			drops[d] += st->cnt[k];
	}
	if (c->sip.leg == NULL && !c->inbound && c->sip.trunk == NULL) {
		pkts[1] = pkts[0];
		drops[1] = drops[0];
	}
	pkts[1] += tz_media_hairpin_packets_in(c);   /* a hairpin: the other browser's */
}

/* RTP lost on the way to the gateway, each way; echo has no SIP side. */
static void rtp_loss(const struct call *c, struct tz_cdr *r, bool echo)
{
	struct tz_call_loss l;

	tz_media_loss(c, &l);
	for (int d = 0; d < 2; d++) {
		r->lost[d] = l.lost[d];
		r->expected[d] = l.expected[d];
		r->loss_known[d] = d == 0 || !echo;
	}
	tz_calls_loss_ended(&l, echo);
}

void tz_call_cdr(struct call *c, int code, const char *reason)
{
	char codec[64], sdes[64];
	bool echo = !c->inbound && c->sip.trunk == NULL;
	struct tz_cdr r = {
		.call = c->id,
		.tenant = tz_cfg_tenant_name(tz_calls_env.cfg, c->tenant),
		.user = c->user,
		.direction = c->inbound ? TZ_CDR_SIP_TO_WEB : echo ? TZ_CDR_ECHO : TZ_CDR_WEB_TO_SIP,
		.trunk = c->sip.trunk != NULL ? c->sip.trunk->name : NULL,
		.leg = c->kind == TZ_WEB_SIPWS ? "sip-ws" : "jsep",
		.t_offer = c->cdr.offer,
		.t_answer = c->cdr.answer,
		.t_media = c->cdr.media,
		.t_end = g_get_real_time(),
		.code = code,
		.reason = reason,
		.ended_by = c->cdr.by,
		.codec = codec_text(c, codec, sizeof(codec)),
		.srtp = c->web.ctx_in != NULL ? suite_names[c->web.suite % TZ_SRTP_SUITE_COUNT] : NULL,
		.sip_media = echo ? NULL : tz_sdes_describe(c, sdes, sizeof(sdes)),
	};

	/* an incoming call rings every device of the AOR: the branch that owns
	 * the SIP leg makes the record, the others (no leg) none */
	if (c->inbound && c->sip.leg == NULL)
		return;
	if (c->inbound) {
		r.from = c->sip.from;
		r.to = c->user;
	} else {
		r.from = c->from_uri[0] != '\0' ? c->from_uri : c->user;
		r.to = c->target;
	}
	/* "200" is the web client's word for a normal hang-up; a call never
	 * answered was cancelled, which SIP calls 487 Request Terminated */
	if (r.code == 200 && r.t_answer == 0)
		r.code = 487;
	flow_counts(c, r.pkts, r.drops);
	rtp_loss(c, &r, echo);
	tz_cdr_record(&r);
}
