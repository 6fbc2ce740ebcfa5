/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_CALLS_PVT_H
#define TZ_CALLS_PVT_H

#include <glib.h>

#include "tz_auth.h"
#include "tz_calls.h"
#include "tz_dp.h"
#include "tz_cdr.h"
#include "tz_ice.h"
#include "tz_sdp.h"
#include "tz_sdp_video.h"
#include "tz_sip.h"
#include "tz_tenant.h"

enum call_state {
	CALL_NEGOTIATING,     /* answer sent, waiting for ICE and DTLS */
	CALL_CONNECTED,       /* keys known, media published */
	CALL_ENDED,
};

/* The browser side (web_leg.c): ICE-lite, DTLS-SRTP, the browser's SDP. */
struct call_web {
	struct tz_ice *ice;
	uint8_t addr;                         /* its access media address (media_addrs.c) */
	struct tz_dtls *dtls;
	struct tz_sdp *offer;                 /* the browser's SDP (offer, or answer inbound) */
	struct tz_sdp *our_offer;             /* inbound: what we offered the browser */
	struct tz_sdp_neg neg;
	uint32_t ssrc;
	enum tz_srtp_suite suite;
	struct tz_srtp_ctx *ctx_in, *ctx_out;
	bool dtls_done;
	int64_t t_ice, t_dtls;                /* g_get_monotonic_time(), us */
};

/* SDES-SRTP on the SIP side (sdes.c), for a trunk with `srtp: sdes`. */
#define TZ_SDES_MAX_SUITES 4
struct call_sdes {
	bool on;                              /* the SIP leg is RTP/SAVP with our keys */
	struct tz_sdp_crypto ours[TZ_SDES_MAX_SUITES];  /* our keys, tags 1..n, for the call */
	enum tz_srtp_suite suite[TZ_SDES_MAX_SUITES];
	unsigned n_ours;
	int chosen;                           /* index into ours once negotiated, else -1 */
	bool offer_pending;                   /* our offer is out: the next SDP answers it */
	uint8_t peer_key[TZ_SDP_MAX_KEY];     /* the SIP side's master key || salt */
	uint8_t peer_key_len;
	bool peer_known;
	struct tz_srtp_ctx *ctx_in, *ctx_out; /* its key (unprotect), ours (protect) */
	bool stale_in, stale_out;             /* a key changed: new context at next publish */
	uint8_t gen_in, gen_out;              /* key generations (tz_dp_flow.key_gen) */
	struct tz_srtp_ctx *old[4];           /* replaced, destroyed after the grace period */
	unsigned n_old;
};

/* What tz_sdes_pick() chose in one SDP: an index into ours and the peer's line. */
struct tz_sdes_pick {
	int idx;
	const struct tz_sdp_crypto *line;
};

/* The SIP side (sip_side.c): the leg to a trunk or from a SIP caller. */
struct call_sip {
	struct tz_sip_leg *leg;
	const struct tz_cfg_trunk *trunk;
	char from[128];                       /* inbound: the caller */
	char *offer_text;                     /* inbound: the caller's SDP */
	struct tz_sdp *offer;                 /* ... parsed once (tz_sip_side_offer) */
	char user_part[128];                  /* outbound: the Request-URI user */
	char *auth;                           /* SIP-WS: the phone's credentials for the trunk */
	bool proxy_auth;
	struct {
		bool known;
		struct tz_cfg_addr addr;
		uint16_t port, rtcp_port;
	} peer;                               /* the SIP side's media address */
	struct tz_cfg_addr sdp_addr;          /* the SIP side's media address per its SDP */
	struct tz_sdp_neg neg;                /* the SIP side's codecs and PTs (only
						 codecs, n_codecs, te_pt are kept) */
	bool neg_known;
	uint64_t sess_id, version;            /* our SIP-side SDP's o= line */
	bool answered;
	struct call_sdes sdes;
};

/* RTP on the way to the gateway (rtp_loss.c), by direction: [0] from the
 * browser, [1] from the SIP side.  Packets expected (RFC 3550 A.3) and lost. */
struct tz_call_loss {
	uint64_t expected[2];
	uint64_t lost[2];
};

/* The dataplane side (media.c): flows, core ports, latching, supervision. */
struct call_media {
	struct tz_dp_flow_key keys[3];        /* published flows */
	int slots[3];
	unsigned n_flows;
	int core_fd[2];                       /* our RTP/RTCP ports on the core side, held */
	uint16_t core_port;
	uint8_t core_addr;                    /* on this core media address (media_addrs.c) */
	GSource *core_watch;                  /* punted media on our core port (latching); in
					       * the call's ICE context when it has one */
	bool latched;
	int64_t latch_start;                  /* media published: the latch window opens */
	struct {
		struct sockaddr_storage from;
		uint32_t ssrc;
		unsigned n;
	} latch_cand;                         /* the source about to be latched to */
	uint64_t pkts_before;                 /* packets of flows no longer published */
	uint64_t dir_before[2], drops_before[2];  /* ... by direction (web->gw, towards
						   * the web), for the detail record */
	struct tz_call_loss loss_before;      /* ... their RTP loss (rtp_loss.c) */
	int64_t last_media;
	uint64_t dir_pkts[2];                 /* packets per direction: 0 web->gw, 1 sip->gw */
	int64_t dir_last[2];                  /* when each last moved */
	guint republish_timer;                /* re-publication retry */
	unsigned republish_tries;
	/* a media hairpin (the far end is another call of this gateway): the
	 * partner, and whether we wait for its DTLS keys */
	struct call *hairpin;
	bool hairpin_wait;
	uint32_t consent_seen;                /* consent checks the workers answered (consent.c) */
	int64_t consent_at;                   /* ... when that count last moved */
	uint64_t auth_fail_seen;              /* SRTP auth-failure reports */
	int64_t auth_fail_logged;
};

/* Video (video.c, docs/video.md): the browser's BUNDLEd video and the SIP
 * side's video port pair. */
struct call_video {
	bool on;                              /* our answer accepted the browser's video */
	uint32_t ssrc;                        /* our video SSRC towards the browser */
	struct tz_sdp_video_neg web;          /* the browser's (strings in web.offer) */
	struct tz_sdp_video_neg sip;          /* the SIP side's (no strings kept) */
	bool sip_known;
	struct tz_cfg_addr peer;              /* the SIP side's video address */
	uint16_t peer_port, peer_rtcp_port;
	bool held;                            /* core_fd/core_port hold a port pair */
	int core_fd[2];
	uint16_t core_port;
	struct tz_dp_flow_key keys[3];        /* [0] browser (shadow key), [1] SIP RTP,
					       * [2] SIP RTCP port */
	int slots[3];
	unsigned pub;                         /* bit i: keys[i] is published */
	bool stale;                           /* flows to drop once the audio is republished */
	guint kf_timer;                       /* key frame requests -> SIP INFO (no RTCP fb) */
	uint64_t kf_seen;                     /* requests already turned into INFO */
	int64_t kf_last;                      /* when the last INFO went (monotonic us) */
	uint64_t pkts_before;
	struct call_sdes sdes;                /* SDES trunk: the video's own keys (video_sdes.c) */
	/* video_in.c: the SIP caller's offered video until the browser answers;
	 * key frame requests from the SIP side as PLI to the browser */
	bool in_offered;
	int64_t pli_last;                     /* monotonic us of the last PLI sent */
	uint32_t pli_index;                   /* its SRTCP index (own SSRC: c->video.ssrc) */
};

/* Mid-call (midcall.c): hold both ways, DTMF as SIP INFO. */
struct call_midcall {
	bool held_local, held_remote;         /* the web user / the SIP side holds */
	bool hold_pending, hold_target;       /* our re-INVITE is out */
	int64_t hold_msg_id;
	GString *dtmf_queue;                  /* digits waiting to go out as SIP INFO */
	unsigned dtmf_ms;
	guint dtmf_timer;
};

/*
 * A call: who and where (here), its web leg (JSEP or SIP over WebSocket: the
 * connection's kind; the call manager talks to both through env->send), its
 * SIP side, its media, mid-call state.  Each part is owned by its file.
 */
struct call {
	uint32_t id;
	char name[TZ_JSEP_CALL_MAX + 1];
	void *conn;
	enum tz_web_kind kind;                /* the browser side: trapeze-jsep.v1 or SIP-WS */
	char user[64];                        /* the caller's identity (login) */
	char from_uri[160];                   /* SIP-WS: the registered AOR, else "" */
	char display[64];                     /* its display name, or "" */
	char target[128];
	char src_ip[48];                      /* the client's IP (limits.max_calls_per_ip) */
	enum call_state state;
	bool inbound;                         /* the call came from SIP */
	uint32_t tenant;                      /* whose call: the user's tenant (the
					       * trunk's, inbound), tz_config.tenants */
	int64_t t_offer;                      /* g_get_monotonic_time(), us */
	guint timer;                          /* negotiation deadline / next-hop retry */
	unsigned nh_tries;
	struct call_web web;
	struct call_sip sip;
	struct call_media media;
	struct call_midcall mid;
	/* fork.c: an incoming call rings every SIP-over-WebSocket device of the
	 * AOR; the primary owns the SIP leg, its siblings share it */
	struct call *fork_primary;            /* a sibling: the call owning the leg */
	GSList *forks;                        /* the primary: its ringing siblings */
	/* transfer.c: the web user's blind transfer in progress (REFER passed to the
	 * far end), until its final report; NULL when none */
	tz_calls_transfer_cb *xfer_cb;
	void *xfer_arg;
	/* tenancy.c: the admission by the tenant's limits (the handle the
	 * tenant module knows the call by: kept here, unchanged, until the end) */
	struct {
		struct tz_tenant_call call;
		bool admitted;
		int64_t answered_s;           /* unix s, 0 = not answered */
	} tl;
	/* cdr_call.c: the detail record's wall-clock times (g_get_real_time(),
	 * us; 0 = not reached) and who ended the call */
	struct {
		int64_t offer, answer, media;
		enum tz_cdr_party by;
	} cdr;
	/* recording.c: the call's recording slot in its flows (0: none) */
	struct {
		int slot;
		bool decided;                 /* the config's choice is made */
	} rec;
	/* svc.c: the call's place in the media-services stage */
	struct {
		bool on;                      /* admitted (counts in max_calls) */
		uint8_t core;                 /* the stage core serving it */
		bool dtmf_sent;               /* digits posted: cancel them at the end */
	} svc;
	/* xcode.c: transcoded by the stage (admitted at set-up) */
	struct {
		bool on;                      /* chosen and admitted */
		bool posted;                  /* the stage was asked for the transcoders */
		bool decided;                 /* mode: from the config at set-up */
		enum tz_cfg_transcode mode;   /* tz_cfg_transcode_of(), kept across reloads */
	} xc;
	struct call_video video;              /* video.c */
	/* announce.c: a file the stage plays to the browser */
	struct {
		bool playing;                 /* a play is posted (into key) */
		bool moh;                     /* music on hold: the bridge's flow plays */
		bool early;                   /* SIP-WS: our 183 is out, the phone's
					       * media not up yet (timer: the bound) */
		struct tz_dp_flow_key key;
		guint timer;                  /* an announcement: the call ends after it */
		int code;                     /* ... with this SIP status and reason */
		char reason[64];
	} ann;
};

extern struct tz_calls_env tz_calls_env;

/* svc.c: the media-services stage.  Admit the call (0; -ENODEV: the stage
 * is off; -EBUSY: max_calls reached, counted: a service needed at set-up
 * maps that to 488), release it at its end, mark its browser -> SIP flow
 * (@p f published under @p k) with its services. */
int tz_call_svc_admit(struct call *c);
void tz_call_svc_release(struct call *c);
void tz_call_svc_flow(const struct call *c, struct tz_dp_flow *f, const struct tz_dp_flow_key *k);
/* Send @p digits as RFC 4733 events on the SIP leg; false with the jsep
 * error and its message when refused (stage off or full, counted). */
bool tz_call_svc_dtmf(struct call *c, const char *digits, unsigned ms, enum tz_jsep_err *err,
		      const char **why);

/* xcode.c: transcoding.  Is the call to be transcoded (@p common_codec:
 * the browser offered one of the trunk's codecs)?  The codecs the browser
 * is answered with then; admit it into the stage (0; -ENODEV, -EBUSY with
 * @p err, counted); mark its flows DIVERT and ask the stage for its
 * transcoders (f[0]/k[0] browser -> SIP, f[1]/k[1] SIP -> browser); free
 * them at its end. */
enum tz_cfg_transcode tz_call_xcode_mode(struct call *c);
bool tz_call_xcode_wanted(struct call *c, bool common_codec);
const char *const *tz_call_xcode_web_codecs(void);
int tz_call_xcode_admit(struct call *c, char *err, size_t errlen);
void tz_call_xcode_flows(struct call *c, struct tz_dp_flow *f, const struct tz_dp_flow_key *k);
void tz_call_xcode_end(struct call *c);
/* xcode_in.c: inbound calls (SIP -> browser).  The codecs offered to the
 * browser for the caller's @p sip (NULL-terminated names, into @p out of
 * @p n); after the browser's answer (c->web.neg): transcoded?  (0, or
 * -ENODEV/-EBUSY with @p err: the caller gets 488); the codecs our answer
 * to the caller may hold. */
void tz_call_xcode_web_offer(struct call *c, const char *const *sip, const char **out, size_t n);
int tz_call_xcode_inbound(struct call *c, char *err, size_t errlen);
void tz_call_xcode_sip_names(const struct call *c, const char **names, size_t n);
/* announce.c: announcements and music on hold.  Decode the config's files
 * (start, reload; free at shutdown); on a failed SIP leg play the status's
 * announcement and end the call after it (true: the call goes on until
 * then); follow the SIP side's hold with music on hold; mark the bridge's
 * flow towards the browser while it plays; stop at the call's end. */
void tz_announce_configure(const struct tz_config *cfg);
void tz_announce_shutdown(void);
void tz_announce_stats(uint64_t *announced, uint64_t *moh, uint64_t *skipped);
/* Plays of a pre-encoded clip / encoded live; the clips ready (files x
 * codecs) and their memory in bytes. */
void tz_announce_clip_stats(uint64_t *pre_encoded, uint64_t *live, uint64_t *clips,
			    uint64_t *bytes);
bool tz_call_announce_failure(struct call *c, int status, const char *reason);
/* A SIP-WS phone's DTLS came up (ann.early): play now; its media failed:
 * true when the call was waiting for it (it ends with the SIP status). */
void tz_call_announce_media_up(struct call *c);
bool tz_call_announce_media_failed(struct call *c);
void tz_announce_sipws_stats(uint64_t *announced, uint64_t *timeouts);
void tz_call_moh(struct call *c, bool hold);
void tz_call_play_flow(const struct call *c, struct tz_dp_flow *f, const struct tz_dp_flow_key *k);
void tz_call_announce_release(struct call *c);
int tz_media_publish_play(struct call *c);

/* Call-manager counters of the SIP side, shown by `show sip stats`. */
#define TZ_CALLS_COUNTERS(X)                        \
	X(SDP_REFUSED, "sdp_refused")               \
	X(REINVITE_IN, "reinvites_in")              \
	X(REINVITE_OUT, "reinvites_out")            \
	X(HOLD_IN, "holds_by_sip")                  \
	X(HOLD_OUT, "holds_by_web")                 \
	X(DTMF_INFO_IN, "dtmf_info_in")             \
	X(DTMF_INFO_OUT, "dtmf_info_out")           \
	X(LATCHED, "media_latched")                 \
	X(LATCH_REFUSED_ADDRESS, "latch_refused_address") \
	X(LATCH_REFUSED_WINDOW, "latch_refused_window") \
	X(LATCH_REFUSED_SSRC, "latch_refused_ssrc") \
	X(REFUSED_MAX_CALLS, "calls_refused_max_calls") \
	X(REFUSED_PER_IP, "calls_refused_per_ip")   \
	X(REFUSED_TABLE_FULL, "calls_refused_table_full") \
	X(INVITE_AFTER_DTLS, "invites_after_dtls")  \
	X(CONSENT_LOST, "consent_lost")             \
	X(MEDIA_TIMEOUT_WEB, "media_timeout_web")   \
	X(MEDIA_TIMEOUT_SIP, "media_timeout_sip")   \
	X(FP_REFUSED, "dtls_fingerprint_refused") \
	X(STALE_CONTACT, "incoming_stale_contact")  \
	X(TRANSFER_REQUESTED, "transfers_requested") \
	X(TRANSFER_OK, "transfers_ok")              \
	X(TRANSFER_FAILED, "transfers_failed")      \
	X(HAIRPIN, "calls_hairpinned")              \
	X(HAIRPIN_REFUSED, "hairpin_refused")       \
	X(SDES_REFUSED, "sdes_refused")             \
	X(SDES_REKEYED, "sdes_rekeyed")             \
	X(CTX_RECLAIMED, "calls_ctx_reclaimed")     \
	X(VIDEO_FAST_UPDATE, "video_fast_updates_out") \
	X(VIDEO_IN_OFFERED, "video_in_offered")    \
	X(VIDEO_IN_ACCEPTED, "video_in_accepted")  \
	X(VIDEO_IN_DECLINED, "video_in_declined")  \
	X(VIDEO_FAST_UPDATE_IN, "video_fast_updates_in") \
	X(VIDEO_FAST_UPDATE_LIMITED, "video_fast_updates_limited") \
	X(VIDEO_PLI_TO_WEB, "video_plis_to_browser")

enum tz_calls_counter {
#define TZ_CC_ENUM(e, n) TZ_CC_##e,
	TZ_CALLS_COUNTERS(TZ_CC_ENUM)
#undef TZ_CC_ENUM
	TZ_CC_COUNT
};

extern uint64_t tz_calls_ctr[TZ_CC_COUNT];

/* web_leg.c: the browser side of a call */
int tz_web_leg_start(struct call *c, const char *offer_sdp, char *answer_out_err, size_t errlen,
		     char **answer_sdp);
void tz_web_leg_free(struct call *c);
int tz_web_leg_offer(struct call *c, const char *const *codecs, char *err, size_t errlen,
		     char **offer_sdp);
int tz_web_leg_accept(struct call *c, const char *answer_sdp, char *err, size_t errlen);

/* media.c: dataplane flows of a call */
int tz_media_publish_echo(struct call *c);
int tz_media_publish_bridge(struct call *c);
/* A user-facing reason for a publish failure (-EAGAIN, -EXDEV hairpin ...). */
const char *tz_media_error(int rc);
/* The publish functions return -EINPROGRESS for a media hairpin whose
 * partner call has no DTLS keys yet: the call waits; once the partner has
 * published, media.c's caller publishes the waiting one (tz_call_hairpin_ready). */
void tz_call_hairpin_ready(struct call *c);
/* media.c: a hairpinned call is ending: both calls' flows (each references
 * the other's SRTP context and browser) are unpublished and the pair unlinked. */
void tz_media_hairpin_unlink(struct call *c);
/* media.c: packets the partner's flows moved towards this call's browser */
uint64_t tz_media_hairpin_packets_in(const struct call *c);
/* media.c: key and egress of a SIP-side stream (audio, video.c's video) */
int tz_media_peer_path(const struct tz_cfg_addr *a, uint16_t local, uint16_t remote,
		       uint16_t remote_rtcp, struct tz_dp_flow_key *k, struct tz_dp_egress *e);
int tz_media_core_ports(struct call *c);

/* media_addrs.c: a side's media addresses (0 = the port's own, 1..n its
 * media_addresses), how many calls use each, the least used first. */
unsigned tz_media_addr_n(enum tz_cfg_role r);
struct in_addr tz_media_addr_v4(enum tz_cfg_role r, unsigned i);
/* An even RTP port and the RTCP port above it bound on @p a (media_addrs.c). */
int tz_media_bind_core_pair(struct in_addr a, unsigned *cursor, int fd[2], uint16_t *port_out);
void tz_media_addr_str(enum tz_cfg_role r, unsigned i, char *out, size_t len);
int tz_media_addr_find(enum tz_cfg_role r, const struct tz_cfg_addr *a);
unsigned tz_media_addr_order(enum tz_cfg_role r, unsigned order[TZ_DP_MAX_LOCAL_ADDRS]);
void tz_media_addr_take(enum tz_cfg_role r, unsigned i);
void tz_media_addr_put(enum tz_cfg_role r, unsigned i);
unsigned tz_media_addr_used(enum tz_cfg_role r, unsigned i);
void tz_media_addr_apply(enum tz_cfg_role r, unsigned i, struct tz_dp_flow_key *k,
			 struct tz_dp_egress *e);
void tz_media_core_ports_close(struct call *c);
void tz_media_retire(struct call *c);
/* Destroy the contexts still in their grace period (shutdown). */
void tz_media_reclaim_all(void);
uint64_t tz_media_packets(const struct call *c);
/* rtp_loss.c: flow @p i of @p c is about to be unpublished: keep its loss */
void tz_media_loss_keep(struct call *c, unsigned i);
/* consent.c: the call's STUN credentials on a browser-keyed flow (cleared
 * on any other) when media.consent_in_dataplane; the last consent check
 * (g_get_monotonic_time), libnice's or the dataplane's, 0 = not followed. */
void tz_consent_flow(const struct call *c, const struct tz_dp_flow_key *k, struct tz_dp_flow *f);
int64_t tz_consent_last(struct call *c, int64_t now);
/* rtp_loss.c: a hairpin ends: keep what partner @p p's flows lost towards @p c */
void tz_media_loss_keep_hairpin(struct call *c, const struct call *p);
/* rtp_loss.c: the call's RTP loss so far, each way */
void tz_media_loss(const struct call *c, struct tz_call_loss *out);
/* rtp_loss.c: lost/expected in percent, false when nothing was expected */
bool tz_media_loss_pct(const struct tz_call_loss *l, unsigned d, double *pct);
/* rtp_loss.c: a call's record was taken: its loss into the metrics'
 * counters and histogram (not the SIP side's for echo) */
void tz_calls_loss_ended(const struct tz_call_loss *l, bool echo);
/* rtp_loss.c: those into @p out (stats.c) */
void tz_calls_loss_figures(struct tz_calls_figures *out);
/* Warn (rate-limited) when the call's SRTP/SRTCP authentication failures
 * grew; @p now is g_get_monotonic_time().  From the media supervision. */
void tz_media_check_auth(struct call *c, int64_t now);

/* video.c: a call's video (all no-ops for a call without) */
int tz_video_web_answer(struct call *c, struct tz_sdp *answer);
int tz_video_sip_offer(struct call *c, struct tz_sdp *offer);
void tz_video_read_peer(struct call *c, const struct tz_sdp *sdp);
int tz_video_publish(struct call *c, const struct tz_dp_flow_key *web_key,
		     const struct tz_dp_egress *to_web, const struct tz_dp_flow *web_tmpl,
		     struct tz_dp_bundle *bundle);
void tz_video_published(struct call *c);
void tz_video_drop_bundle(const struct call *c, struct tz_dp_bundle *bundle);
void tz_video_unpublish(struct call *c);
void tz_video_free(struct call *c);
unsigned tz_video_flows_needed(const struct call *c);
/* video_sdes.c: the video on an SDES trunk (all no-ops on other calls) */
bool tz_video_sdes_on(const struct call *c);
int tz_video_sdes_offer(struct call *c, struct tz_sdp *offer);
int tz_video_sdes_read(struct call *c, const struct tz_sdp *sdp, unsigned media);
int tz_video_sdes_answer(struct call *c, const struct tz_sdp *offer, struct tz_sdp *answer);
int tz_video_sdes_flows(struct call *c, struct tz_dp_flow *from_web, struct tz_dp_flow *to_web);
void tz_video_sdes_published(struct call *c);
void tz_video_sdes_free(struct call *c);
uint64_t tz_video_packets(const struct call *c);
int tz_video_hold_ports(struct call *c);
/* video_in.c: an incoming SIP call's video (docs/video.md).  Add the
 * caller's video to our offer to the browser (JSEP only, a trunk with
 * `video`); read the browser's answer (accepted: the SIP answer carries it,
 * declined: port 0); a SIP INFO picture_fast_update -> RTCP PLI to the
 * browser. */
void tz_video_in_offer(struct call *c, struct tz_sdp *offer);
void tz_video_in_accept(struct call *c);
void tz_video_in_fast_update(struct tz_sip_leg *leg, int status, void *user);
/* video_pli.c: SRTCP-protect RTCP packet @p p (@p len bytes, room for
 * @p cap) with SRTCP index @p index under our DTLS keys @p k (RFC 3711
 * §3.4, RFC 7714 §9); the new length, or -EINVAL / -EIO. */
struct tz_dtls_keys;
int tz_video_srtcp_protect(enum tz_srtp_suite suite, const struct tz_dtls_keys *k,
			   uint32_t index, uint8_t *p, size_t len, size_t cap);

/* calls.c: the deadline for ICE + DTLS after our answer reached the browser */
void tz_call_negotiation_deadline(struct call *c);

/* calls.c: registry shared with the SIP side */
struct call *tz_call_new(void *conn, const char *name, const char *user, const char *target);
void tz_call_register(struct call *c);

/* admit_count.c: live calls per user and client address (@p d: +1 when a
 * call is registered, -1 when it leaves the table); reset at shutdown. */
void tz_calls_admit_count(const struct call *c, int d);
unsigned tz_calls_of_user(const char *user);
unsigned tz_calls_of_ip(const char *ip);
void tz_calls_admit_count_reset(void);
/* Free @p c, never registered (refused before it started). */
void tz_call_discard(struct call *c);
void *tz_calls_conn_of_user(uint32_t tenant, const char *user);
bool tz_login_user_elsewhere(uint32_t tenant, const char *user);
/* tenancy.c: per-tenant events, counted by ctrlplane/tenant */
enum tz_calls_tenant_event {
	TZ_CALLS_TENANT_CROSS,                /* a request for another tenant's user/trunk */
	TZ_CALLS_TENANT_WRONG_LOGIN,          /* another tenant's credentials on its page */
	TZ_CALLS_TENANT_LOGIN,                /* a login or registration of the tenant */
};
void tz_calls_tenant_count(uint32_t tenant, enum tz_calls_tenant_event e);
/* Admit @p c (tenant, user, inbound and sip.trunk set) by its tenant's
 * limits, @p number the routed number (outbound).  0, or the SIP status to
 * refuse with (403/486/503) with *code the client's error and @p why. */
int tz_calls_tenant_admit(struct call *c, const char *number, enum tz_jsep_err *code, char *why,
			  size_t wlen);
void tz_calls_tenant_answered(struct call *c);
void tz_calls_tenant_end(struct call *c);          /* from call_free: once */
void tz_calls_tenant_move(struct call *from, struct call *to);   /* fork hand-over */
void tz_calls_trunk_result(const struct tz_cfg_trunk *t, int status);
int tz_calls_tenancy_init(void);
void tz_calls_tenancy_tick(void);
/* login.c: logged-in connections and registrations of tenant @p t */
void tz_login_tenant_figures(uint32_t t, unsigned *users, unsigned *regs);
/* login.c: the connection registered with the Contact token @p token as @p user */
void *tz_login_conn_of_contact(uint32_t tenant, const char *user, const char *token);
bool tz_calls_conn_busy(void *conn);
void tz_calls_send(struct call *c, const struct tz_jsep_out *o);

/* inbound.c: whose users a request from @p src may reach: the tenant of
 * its trunk(s); trunks of several tenants at one address: the one whose
 * domains hold the Request-URI host, -1 when none does; a source that is no
 * trunk: the default tenant.  *@p trunk gets the trunk it came by, or NULL. */
int tz_inbound_tenant(const struct tz_sip_source *src, const struct tz_cfg_trunk **trunk);
/* inbound.c: the web user of @p tenant a request for @p to_user goes to (the
 * login of Contact token @p token, else the user's latest login), or NULL;
 * NULL for tenant -1.  A user only another tenant has is counted
 * (TZ_CALLS_TENANT_CROSS). */
void *tz_inbound_callee(int tenant, const char *to_user, const char *token);

/* sip_side.c: answering an inbound call once the browser accepted */
int tz_sip_side_answer(struct call *c, char *err, size_t errlen);

/* calls.c: a connection's source address without the port ("" if unknown) */
void tz_calls_conn_ip(void *conn, char *out, size_t len);

/* login.c: who a connection is */
void tz_login_init(void);
void tz_login_shutdown(void);
void tz_login_on_login(void *conn, const struct tz_jsep_msg *m);
const struct tz_auth_identity *tz_login_identity(void *conn);
void tz_login_end(void *conn);
/* calls.c: may one more call start now (limits.max_calls, the session
 * table)?  Inbound calls from SIP ask this before ringing anyone. */
bool tz_calls_admit_inbound(void);
/* reconfig.c: draining?  Counts the refusal when true. */
bool tz_calls_drain_refuse(void);

/* calls.c: ending a call from any layer */
void tz_call_end(struct call *c, int code, const char *reason, bool notify);
void tz_call_connected(struct call *c);      /* DTLS is up */
void tz_call_media_ready(struct call *c);    /* the SIP peer's media address is known */
void tz_call_failed(struct call *c, enum tz_jsep_err err, const char *why);

/* route.c: validate @p target (@p len bytes) and find its trunk; @p user gets the
 * Request-URI user part, through tenant @p tenant's routes only.  0, or -errno with *code (bad-target, bad-message,
 * no-route) and @p why for the client; refusals are counted (targets_refused). */
int tz_route_target(uint32_t tenant, const char *target, size_t len,
		    const struct tz_cfg_trunk **trunk, char *user, size_t ulen,
		    enum tz_jsep_err *code, char *why, size_t wlen);

/* sip_side.c: the SIP leg of a call */
int tz_sip_side_start(struct call *c, const char *user_part, char *err, size_t errlen);
extern const struct tz_sip_handlers tz_calls_sip_handlers;

/* midcall.c: hold/resume, DTMF, latching */
void tz_call_hold(struct call *c, const struct tz_jsep_msg *m, bool hold);
void tz_call_dtmf(struct call *c, const struct tz_jsep_msg *m);
void tz_call_midcall_free(struct call *c);
bool tz_call_held(const struct call *c);
void tz_call_latch_watch(struct call *c);
/* SIP handlers implemented in midcall.c */
void tz_midcall_on_reinvite(struct tz_sip_leg *leg, const char *sdp, void *user);
void tz_midcall_on_reinvite_answer(struct tz_sip_leg *leg, int status, const char *sdp, void *user);
void tz_midcall_on_dtmf(struct tz_sip_leg *leg, char digit, unsigned duration_ms, void *user);
/* sip_side.c: our SIP-side SDP (offer), direction @p dir; NULL on failure */
char *tz_sip_side_sdp(struct call *c, enum tz_sdp_dir dir);
/* sip_side.c: our answer to a SIP offer (codecs among @p allow, direction
 * @p dir, NONE = mirrored); c->sip_neg takes the result; NULL + @p err */
char *tz_sip_side_answer_sdp(struct call *c, const char *offer, const char *const *allow,
			     enum tz_sdp_dir dir, char *err, size_t errlen);
/* sip_side.c: read the peer's SDP into c->peer and c->sip_neg; 0 or -EINVAL */
int tz_sip_side_read_peer(struct call *c, const char *text, bool *hold);
/* media.c: replace the flows in place for the current peer (keys and SRTP
 * stream state kept, make before break) */
int tz_media_republish(struct call *c);

/* sdes.c: SDES-SRTP on the SIP leg (trunks with `srtp: sdes`) */
bool tz_sdes_trunk(const struct tz_cfg_trunk *t);
/* Our keys for the call (once; c->sip.trunk set): 0, -EINVAL (no usable
 * suite), -EIO (no randomness).  A no-op for other trunks. */
int tz_sdes_start(struct call *c);
/* Our offer's a=crypto lines into @p l (all suites, or the one in use);
 * marks the offer pending.  Nothing without SDES or for an answer. */
void tz_sdes_local(struct call *c, struct tz_sdp_sip_local *l, bool offer);
/* Choose the peer's a=crypto in @p sdp (read into @p neg): @p answer to our
 * offer (exactly one line, one of our tags and suites) or an offer (the
 * first of our suites it has).  0 (nothing without SDES), -EINVAL + @p err. */
int tz_sdes_pick(const struct call *c, const struct tz_sdp *sdp, const struct tz_sdp_neg *neg,
		 bool answer, struct tz_sdes_pick *pick, char *err, size_t errlen);
/* Take the picked key: a changed key bumps its stream's generation. */
void tz_sdes_commit(struct call *c, const struct tz_sdes_pick *pick);
/* Our key for answering the offer line @p pick chose, NULL without SDES. */
const struct tz_sdp_crypto *tz_sdes_answer_key(const struct call *c, const struct tz_sdes_pick *pick);
/* media.c: the SRTP contexts of both keys, made (again) when missing or
 * changed; 0, -EPROTO (not negotiated), -ENOMEM.  After publishing,
 * tz_sdes_published() frees the replaced ones once no worker sees them. */
int tz_sdes_contexts(struct call *c);
void tz_sdes_published(struct call *c);
/* After the flows are gone and the grace period passed: contexts, keys wiped. */
void tz_sdes_free(struct call *c);
/* "rtp" or "srtp-sdes <suite>" for the CLI (never the key). */
const char *tz_sdes_describe(const struct call *c, char *buf, size_t len);
/* ... the same on another set of keys (video_sdes.c: the video's own) */
int tz_sdes_start_of(struct call *c, struct call_sdes *s);
int tz_sdes_pick_of(const struct call *c, const struct call_sdes *s, const struct tz_sdp_media *m,
		    bool answer, struct tz_sdes_pick *pick, char *err, size_t errlen);
void tz_sdes_commit_of(struct call *c, struct call_sdes *s, const struct tz_sdes_pick *pick);
int tz_sdes_contexts_of(struct call_sdes *s);
void tz_sdes_published_of(struct call_sdes *s);
void tz_sdes_free_of(struct call_sdes *s);

/* fork.c: ring the other devices of @p c's AOR (SIP over WebSocket) too */
void tz_fork_ring_siblings(struct call *c, const char *display);
/* fork.c: @p c was accepted: it takes the SIP leg, every other branch ends */
void tz_fork_won(struct call *c);
/* fork.c: @p c (unanswered primary) leaves while siblings ring: the first one
 * takes the leg.  true when handed over (do not reject the leg). */
bool tz_fork_handover(struct call *c);
/* fork.c: @p c is ending: unlink it; a primary ends its siblings too */
void tz_fork_end(struct call *c, int code, const char *reason);
/* login.c: the other logged-in connections registered as SIP AOR @p uri */
GSList *tz_login_conns_of_aor(const char *uri, void *except);
/* sip_side.c: offer an incoming call to @p c's browser (0, or a SIP status);
 * the ring timer (ring_timeout_s) runs on the call that owns the leg */
int tz_sip_side_offer(struct call *c, const char *display);
void tz_sip_side_ring_timer(struct call *c);

/* transfer.c: the SIP leg's on_refer handler */
void tz_transfer_on_refer(struct tz_sip_leg *leg, int status, const char *sipfrag, void *user);

/* cdr_call.c: the call's detail record, from tz_call_end() (flows still up) */
void tz_call_cdr(struct call *c, int code, const char *reason);
/* stats.c: the call was answered (SIP 200, or an echo call's media up) */
void tz_calls_stats_answered(const struct call *c);

/* messaging.c: trapeze-jsep.v1 `message` <-> SIP MESSAGE (docs/protocol.md) */
#define TZ_MESSAGING_COUNTERS(X)                              \
	X(OUT_REQUESTS, "out_requests")                       \
	X(OUT, "out_sent")                                    \
	X(OUT_DELIVERED, "out_delivered")                     \
	X(OUT_FAILED, "out_failed")                           \
	X(REFUSED_TOO_BIG, "out_refused_too_big")             \
	X(REFUSED_CONTENT_TYPE, "out_refused_content_type")   \
	X(REFUSED_RATE, "out_refused_rate_limited")           \
	X(REFUSED_TARGET, "out_refused_target")               \
	X(REFUSED_OTHER, "out_refused_other")                 \
	X(IN, "in_requests")                                  \
	X(IN_DELIVERED, "in_delivered")                       \
	X(IN_OFFLINE, "in_offline")                           \
	X(IN_UNKNOWN_USER, "in_unknown_user")                 \
	X(IN_TOO_BIG, "in_too_big")                           \
	X(IN_CONTENT_TYPE, "in_unsupported_type")

enum tz_msg_counter {
#define TZ_MSG_ENUM(e, n) TZ_MSG_CTR_##e,
	TZ_MESSAGING_COUNTERS(TZ_MSG_ENUM)
#undef TZ_MSG_ENUM
	TZ_MSG_CTR_COUNT
};

int tz_messaging_init(void);
void tz_messaging_shutdown(void);
/* the config changed (reload): the 415's Accept follows it */
void tz_messaging_configure(void);
/* A `message` from a logged-in trapeze-jsep.v1 connection. */
void tz_messaging_on_message(void *conn, const struct tz_jsep_msg *m,
			     const struct tz_auth_identity *id);
/* @p conn logged out or closed: its delivery reports are dropped. */
void tz_messaging_conn_gone(void *conn);
/* A SIP MESSAGE for web user @p to_user of @p tenant (-1: none) to its
 * trapeze-jsep.v1 sessions (@p callee: only that one, a registration's);
 * the SIP status to answer: 200, 404, 413, 415, 480.  Counted. */
int tz_messaging_incoming(int tenant, void *callee, const char *to_user, const char *from_uri,
			  const char *display, const char *content_type, const char *body,
			  size_t len);
/* A SIP MESSAGE for nobody logged in (@p unknown: 404, else 480): counted
 * for @p tenant (-1: none, counted as the default tenant's). */
void tz_messaging_offline(int tenant, bool unknown);
/* Whether @p content_type's media type (parameters ignored, any case) is
 * among @p m's content_types. */
bool tz_messaging_type_allowed(const struct tz_cfg_messaging *m, const char *content_type);
/* "text/plain, application/json" (g_free) */
char *tz_messaging_accept(const struct tz_cfg_messaging *m);
/* login.c: the logged-in connections of @p user of @p tenant of kind @p kind */
GSList *tz_login_conns_of_user(uint32_t tenant, const char *user, enum tz_web_kind kind);

/* cmd.c */
int tz_calls_commands_register(void);
void tz_calls_foreach(void (*fn)(struct call *, void *), void *arg);
/* calls.c: a live call by its id, or NULL */
struct call *tz_call_by_id(uint32_t id);
/* recording.c: record the call if its tenant or route says so (first
 * publication); end its recording (its flows are gone); the CLI commands */
void tz_call_rec_decide(struct call *c);
void tz_call_rec_end(struct call *c);
int tz_call_rec_commands_register(void);
/* media.c: run the deferred callbacks from a timer until none waits */
void tz_media_reclaim_kick(void);

#endif
