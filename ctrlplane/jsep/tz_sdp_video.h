/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Video on both legs (passthrough, never transcoded): VP8 (RFC 7741) and
 * H.264 (RFC 6184) read from a browser's BUNDLEd offer, offered to a SIP
 * video endpoint on a port pair of its own (RTP/AVP, or RTP/AVPF when the
 * trunk does AVPF), the SIP side's answer matched against what was offered
 * (H.264: same profile, same packetization-mode) and the browser answered
 * with the video section inside the BUNDLE group on the audio's transport.
 *
 * Feedback: only generic NACK, PLI and FIR (RFC 4585 §6.2.1, §6.3.1,
 * RFC 5104 §3.5.1) are negotiated with the browser.  transport-cc and
 * goog-remb are left out on purpose: both make the *receiver* of the
 * feedback (us) the bandwidth estimator, and a SIP endpoint sends neither,
 * so a negotiated transport-cc would leave Chromium's send-side estimator
 * without reports (it falls to its floor and stays there) and goog-remb
 * would never arrive.  Without them Chromium estimates from RTCP receiver
 * reports (loss-based), which the SIP endpoint does send and we relay.
 *
 * The functions here work on struct tz_sdp built by the audio policy
 * (tz_sdp.h) and add or rewrite the video section; they share its
 * threading contract (reentrant, control thread owns the SDP).
 */
#ifndef TZ_SDP_VIDEO_H
#define TZ_SDP_VIDEO_H

#include <stdbool.h>
#include <stdint.h>

#include "tz_sdp.h"

#define TZ_SDP_VIDEO_MAX_CODECS 8

/** RTCP feedback kinds carried for video (bit set). */
enum tz_sdp_fb {
	TZ_SDP_FB_NACK = 1u << 0,  /**< a=rtcp-fb:pt nack (RFC 4585 §4.2) */
	TZ_SDP_FB_PLI = 1u << 1,   /**< a=rtcp-fb:pt nack pli */
	TZ_SDP_FB_FIR = 1u << 2,   /**< a=rtcp-fb:pt ccm fir (RFC 5104 §7.1) */
};

/** One video payload format. */
struct tz_sdp_vcodec {
	const char *name;         /**< "VP8" or "H264" (static) */
	uint8_t pt;               /**< the payload type on this leg */
	uint8_t web_pt;           /**< SIP side: the browser's PT it pairs with */
	uint8_t fb;               /**< TZ_SDP_FB_* the SDP lists for this PT */
	uint8_t packetization_mode;  /**< H.264 (absent = 0, RFC 6184 §8.1) */
	uint32_t profile_level_id;   /**< H.264 0xPPCCLL (absent = 0x420010) */
	const char *fmtp;         /**< the fmtp as written, or NULL */
};

/** The video outcome of one leg's offer/answer.  Strings point into the SDP
 *  it was read from. */
struct tz_sdp_video_neg {
	bool on;                  /**< the leg carries video */
	unsigned media;           /**< index of the video m= section */
	const char *mid;
	struct tz_sdp_vcodec codecs[TZ_SDP_VIDEO_MAX_CODECS];  /**< preference order */
	unsigned n_codecs;
	enum tz_sdp_dir dir;      /**< our direction: what we may do */
	uint8_t fb;               /**< feedback every chosen codec supports */
	uint32_t ssrc;            /**< browser: its media SSRC (a=ssrc, first of
				     an FID group), 0 when not announced */
	/* SIP leg */
	const char *addr;
	int family;
	uint16_t port;            /**< 0: video rejected */
	uint16_t rtcp_port;
	bool avpf;                /**< RTP/AVPF (or SAVPF) */
};

/** Our side of the video for both legs. */
struct tz_sdp_video_local {
	const char *const *codecs;  /**< allow-list ("VP8", "H264"), NULL-terminated,
				       NULL = both, VP8 first */
	uint16_t sip_port;        /**< SIP side video RTP port; RTCP is + 1 */
	bool avpf;                /**< offer RTP/AVPF to the SIP side */
	bool fb_in_avp;           /**< list a=rtcp-fb even on RTP/AVP (phones that
				       read them there, RFC 8866 §5.13: others
				       ignore an unknown attribute) */
	uint32_t ssrc;            /**< our video SSRC towards the browser */
	const char *cname;
	const char *msid_stream;  /**< NULL = "trapeze" */
};

/**
 * Read the browser offer's video: the first video section that is RTP,
 * not rejected, and in the BUNDLE group with @p audio_mid (so on the
 * audio's transport); codecs VP8 and H.264 in the browser's order that
 * @p l allows (RTX, RED, FEC, VP9, AV1 left out).
 * @return 0, -ENOENT (no such section or no usable codec: video is
 *         rejected, audio goes on).
 */
int tz_sdp_video_read_web(const struct tz_sdp *offer, const char *audio_mid,
			  const struct tz_sdp_video_local *l, struct tz_sdp_video_neg *v);

/**
 * Append the video section of our offer to a SIP endpoint to @p offer (as
 * built by tz_sdp_offer_sip()): @p l->sip_port, RTP/AVP(F), the codecs of
 * @p web with the browser's PTs and fmtp, a=rtcp-fb nack / nack pli /
 * ccm fir as the browser offered them when AVPF or @p l->fb_in_avp.
 * @return 0, -EINVAL (@p web has no video) or -ENOMEM.
 */
int tz_sdp_video_offer_sip(struct tz_sdp *offer, const struct tz_sdp_video_neg *web,
			   const struct tz_sdp_video_local *l);

/**
 * Read the SIP endpoint's answer to that offer: its first video section.
 * Port 0 means rejected (@p v->on false, return 0).  Each answered codec
 * must be one offered: same name; H.264 with the same profile (the first
 * two bytes of profile-level-id; the level may differ, RFC 6184 §8.2.2)
 * and the same packetization-mode.  Codecs not matching are dropped; none
 * left rejects the video.
 * @return 0 (see @p v->on), -EINVAL (no c= for an accepted section).
 */
int tz_sdp_video_read_sip(const struct tz_sdp *answer, const struct tz_sdp_video_neg *offered,
			  struct tz_sdp_video_neg *v, char *err, size_t errlen);

/**
 * Put the video into our answer to the browser: @p answer is what
 * tz_sdp_answer_webrtc() built from @p offer (video rejected there).  With
 * @p sip NULL the codecs of @p web are accepted; else only those the SIP
 * side accepted (@p sip->on false: the video stays rejected).  The section
 * joins the BUNDLE group on the audio's port, ICE and DTLS; a=ssrc/msid
 * announce @p l->ssrc; rtcp-fb nack, nack pli, ccm fir only.
 * @return 0, -ENOENT (video stays rejected), -ENOMEM.
 */
int tz_sdp_video_answer_webrtc(struct tz_sdp *answer, const struct tz_sdp *offer,
			       const struct tz_sdp_video_neg *web,
			       const struct tz_sdp_video_neg *sip,
			       const struct tz_sdp_video_local *l);

/**
 * Answer the video section of a SIP side's offer (a re-INVITE of a video
 * call: hold, resume, a new address) in @p answer, built from it for the
 * audio by tz_sdp_answer_sip(): the offer's codecs that match @p ours (the
 * call's SIP-side video: same name, H.264 same profile and
 * packetization-mode) with the offer's payload types, @p port, direction
 * @p dir (NONE = the offer's mirrored), rtcp-fb nack / nack pli / ccm fir
 * as offered.  @p ours NULL or off, the offer's video at port 0 or with
 * nothing matching: the section is rejected (port 0).  Nothing is added
 * when the offer has no video, or has it before its audio.
 * @return 0, -ENOMEM.
 */
int tz_sdp_video_answer_sip(struct tz_sdp *answer, const struct tz_sdp *offer,
			    const struct tz_sdp_video_neg *ours, uint16_t port, enum tz_sdp_dir dir);

/** Restrict @p web to the codecs @p sip accepted (by web_pt), in @p sip's
 *  order.  @p sip->on false clears @p web->on. */
void tz_sdp_video_restrict(struct tz_sdp_video_neg *web, const struct tz_sdp_video_neg *sip);

/** H.264 fmtp values: profile-level-id (default 0x420010) and
 *  packetization-mode (default 0).  NULL @p fmtp gives the defaults. */
void tz_sdp_h264_params(const char *fmtp, uint32_t *profile_level_id, uint8_t *pmode);

/**
 * Reject, in our answer @p answer to a browser, every video section it
 * accepted: port 0, one format, only a=mid kept, its mid out of the
 * BUNDLE group (RFC 3264 §6, RFC 8843 §7.3.3).  For a SIP-over-WebSocket
 * phone whose call's SIP side declined the video: our answer went out in
 * its 18x before the SIP side answered, the 200 carries this one.
 * @return 0, -ENOENT (no accepted video section), -ENOMEM.
 */
int tz_sdp_video_reject_webrtc(struct tz_sdp *answer);

/**
 * Make the video section of @p sdp (a SIP-side offer or answer built by
 * tz_sdp_video_offer_sip() / tz_sdp_video_answer_sip(), the first video
 * section not rejected) SDES-SRTP: RTP/SAVP(F) and a=crypto lines of the
 * video's own keys (RFC 4568).  An offer (@p peer NULL) lists all @p n of
 * @p keys; an answer (@p peer the offer's line chosen) has keys[0] under
 * @p peer's tag.
 * @return 0, -ENOENT (no video section to secure), -EINVAL (not RTP/AVP(F),
 *         or no key), -ENOMEM.
 */
int tz_sdp_video_add_crypto(struct tz_sdp *sdp, const struct tz_sdp_crypto *keys, unsigned n,
			    const struct tz_sdp_crypto *peer);

/*
 * Incoming calls (sdp_video_in.c): a SIP caller's audio + video offer goes
 * to the browser as an audio + video BUNDLE offer; the browser's answer
 * says which video codecs (if any) the SIP caller is answered with.
 */

/**
 * Read the video of a SIP caller's offer: its first RTP/AVP(F) video
 * section after an audio one; VP8 and H.264 (any profile and mode: the
 * browser answers what it decodes) in the offer's order among @p allow
 * (NULL = both).  Each codec gets @p v->codecs[i].web_pt, its payload type
 * in the browser's BUNDLE group: the SIP one when dynamic and not in
 * @p taken (the audio's PTs towards the browser), else the lowest free
 * dynamic one (RFC 8843 §9.1: PTs unique in a BUNDLE group).
 * @return 0 (@p v->on false: no video offered, port 0, video first or no
 *         usable codec), -EINVAL (no c= for the section, with @p err).
 */
int tz_sdp_video_read_sip_offer(const struct tz_sdp *offer, const char *const *allow,
				const uint8_t *taken, unsigned n_taken,
				struct tz_sdp_video_neg *v, char *err, size_t errlen);

/**
 * Add the video section to our offer to the browser (@p offer as built by
 * tz_sdp_offer_webrtc(), audio only, mid "0"): mid "1" in the BUNDLE
 * group on the audio's port, ICE and DTLS, a=rtcp-mux, the codecs of
 * @p sip under their web_pt with the caller's fmtp, rtcp-fb nack, nack pli
 * and ccm fir (translated for a SIP side without them), the direction the
 * caller sends in, and a=ssrc/msid @p l->ssrc when we send.
 * @return 0, -EINVAL (@p sip has no video, @p offer not ours), -ENOMEM.
 */
int tz_sdp_video_offer_webrtc(struct tz_sdp *offer, const struct tz_sdp_video_neg *sip,
			      const struct tz_sdp_video_local *l);

/**
 * Read the browser's answer to that offer's video: accepted when the
 * section has a port, our mid, is BUNDLEd with the audio and is not
 * inactive (Chromium answers a stopped or inactive transceiver with
 * a=inactive, not port 0: declined all the same); its codecs
 * that we offered under the same payload type (others, e.g. rtx, left
 * out), the browser's media SSRC (a=ssrc / FID group) when it sends.
 * @return 0 (@p v->on false: declined, port 0, or no codec of ours).
 */
int tz_sdp_video_accept_webrtc(const struct tz_sdp *offer, const struct tz_sdp *answer,
			       struct tz_sdp_video_neg *v);

#endif /* TZ_SDP_VIDEO_H */
