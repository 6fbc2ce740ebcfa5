/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file tz_sip.h
 * SIP user agent: sofia-sip nua driven by the control thread's GLib loop.
 *
 * One struct tz_sip per process.  It runs on the thread-default GMainContext
 * of the thread that called tz_sip_start() (su_glib: no extra thread), and
 * every function here must be called on that thread ("control thread only").
 * Handlers are called on that thread too, from inside the main loop.
 *
 * SDP bodies are opaque text: this module never parses them.
 *
 * Lifetime of a leg (struct tz_sip_leg):
 *  - created by tz_sip_invite() (outbound) or handed to on_incoming()
 *    (inbound); the caller then owns one reference;
 *  - on_ended() is called exactly once when the dialog is over, unless the
 *    owner released the leg before;
 *  - tz_sip_leg_free() releases the owner's reference: on a live leg it
 *    first hangs up silently (CANCEL, BYE or 480) and no more handlers are
 *    called for it.  It is safe from any handler, including on_ended();
 *  - after tz_sip_stop() every leg and registration pointer is invalid;
 *    handlers are not called while stopping.
 */
#ifndef TZ_SIP_H
#define TZ_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz_config.h"

struct tz_sip;
struct tz_sip_leg;
struct tz_sip_reg;

/** Events of the SIP side; every pointer argument is valid only during the call. */
#define TZ_SIP_SOURCE_TRUNKS_MAX 8
/** Where a request outside a dialog came from (tenants: whose users it may reach). */
struct tz_sip_source {
	const struct tz_cfg_trunk *trunks[TZ_SIP_SOURCE_TRUNKS_MAX];  /**< trunks whose
						     acl/address holds the source, config order:
						     the first of each tenant's (the tenants of
						     the source, at most ..._MAX of them) */
	size_t n_trunks;
	const char *request_host;                /**< the Request-URI's host, or NULL */
	const struct tz_cfg_trunk *video[TZ_SIP_SOURCE_TRUNKS_MAX];  /**< the first trunk
						     with `video` of each tenant at the source
						     (incoming video, docs/video.md) */
	size_t n_video;
};

struct tz_sip_handlers {
	/** New inbound INVITE.  Answer later with tz_sip_leg_ringing/answer/reject.
	 *  Without this handler every INVITE is rejected with 480. */
	void (*on_incoming)(struct tz_sip_leg *leg, const char *to_user, const char *from_uri,
			    const char *display, const char *sdp_offer /* or NULL */, void *user);
	/** Provisional response 101..199 to our INVITE (180, 183 ...). */
	void (*on_progress)(struct tz_sip_leg *leg, int status, const char *reason,
			    const char *sdp /* or NULL */, void *user);
	/** 2xx to our initial INVITE; nua has sent the ACK. */
	void (*on_answered)(struct tz_sip_leg *leg, const char *sdp_answer, void *user);
	/** Dialog over: final failure (status of the response), far-end BYE (200 "BYE"),
	 *  local BYE (200 "BYE"), CANCEL by the caller (487), answer timeout (408),
	 *  transport error (503 from sofia). */
	void (*on_ended)(struct tz_sip_leg *leg, int status, const char *reason, void *user);
	/** New SDP offer from the far end in a dialog (hold/resume, new address): a
	 *  re-INVITE, or an UPDATE with an SDP body (RFC 3311; handled the same way).
	 *  Reply with tz_sip_leg_reinvite_answer() (200 + our SDP answer) or
	 *  tz_sip_leg_reinvite_reject(), from the handler or later (soon: the far end's
	 *  UPDATE transaction times out after 32 s).  @p sdp_offer is NULL only for an
	 *  offerless re-INVITE (the 200 then carries our offer).  An UPDATE without
	 *  SDP (session refresh, RFC 4028) is answered 200 without calling this.
	 *  One offer is pending at a time; sofia refuses an overlapping one (500, or
	 *  491 on glare with our own re-INVITE).
	 *  Without this handler re-INVITE and UPDATE offers are refused with 488. */
	void (*on_reinvite)(struct tz_sip_leg *leg, const char *sdp_offer, void *user);
	/** Final response to our tz_sip_leg_reinvite(): 2xx with the answer, or the failure. */
	void (*on_reinvite_answer)(struct tz_sip_leg *leg, int status, const char *sdp, void *user);
	/** SIP INFO application/dtmf-relay received (already answered 200). */
	void (*on_dtmf)(struct tz_sip_leg *leg, char digit, unsigned duration_ms, void *user);
	/** SIP INFO application/media_control+xml received (already answered 200, RFC
	 *  5168): @p status 0 a picture_fast_update, -ENOENT none in it, -EINVAL a body
	 *  that is not well formed. */
	void (*on_fast_update)(struct tz_sip_leg *leg, int status, void *user);
	/** Out-of-dialog MESSAGE (RFC 3428) from a trunk or peer (after the source check).
	 *  @p to_user: the Request-URI's user part ("" if none); @p contact_token: its tz
	 *  parameter (a relayed or own registration's Contact, tz_sip_reg_contact_token)
	 *  or NULL; @p from_uri, @p display (or NULL) as on_incoming; @p content_type ""
	 *  when absent; @p body of @p len bytes (NUL-terminated as well, but may hold
	 *  NULs).  Return the status to answer (200, 202, 404, 480, 415 ...; outside
	 *  200..699: 500).  Bodies over TZ_SIP_MESSAGE_MAX get 413 without this call.
	 *  Without this handler MESSAGE is answered 405.  MESSAGE inside a dialog: 405. */
	int (*on_message)(const char *to_user, const char *contact_token, const char *from_uri,
			  const char *display, const char *content_type, const char *body,
			  size_t len, const struct tz_sip_source *src, void *user);
	/** Progress of our tz_sip_leg_refer() (blind transfer, RFC 3515), in this order:
	 *  - the far end's final response to the REFER: @p status 2xx (accepted, usually
	 *    202) or 300..699 (refused: nothing more follows), @p sipfrag NULL;
	 *  - each NOTIFY's message/sipfrag status line (nua answered it 200): @p status 0,
	 *    @p sipfrag "SIP/2.0 100 Trying", "SIP/2.0 200 OK" ... (normalised: printable
	 *    ASCII, at most 127 bytes).  After a final one (>= 200) nothing more follows;
	 *  - @p status 0, @p sipfrag NULL: the subscription ended without a final sipfrag
	 *    (a terminated NOTIFY without one, or no NOTIFY within 32 s of the 2xx).
	 *  A NOTIFY that overtakes the 2xx (UDP) is reported before it; a 2xx after a
	 *  final sipfrag is not reported.  The far end usually hangs up (BYE, on_ended)
	 *  after "SIP/2.0 200 OK".  Never called after tz_sip_leg_free() or on_ended(),
	 *  nor while tz_sip_stop() runs. */
	void (*on_refer)(struct tz_sip_leg *leg, int status, const char *sipfrag, void *user);
};

/** Largest MESSAGE body accepted or sent, in bytes (64 KiB). */
#define TZ_SIP_MESSAGE_MAX 65536

/**
 * Create the user agent and bind its listeners.
 *
 * Binds cfg->listen[0] for every transport in cfg->transports (udp, tcp on
 * "sip:", tls on "sips:" with cfg->tls_cert/tls_key).  Further listen entries
 * are ignored with a warning (sofia nua binds one address per scheme).
 *
 * @param cfg   SIP config; must outlive the agent
 * @param h     handlers (copied)
 * @param user  passed to every handler
 * @return the agent, or NULL with errno: EINVAL (no listener, bad TLS files),
 *         EADDRINUSE/EADDRNOTAVAIL (bind failed, logged with the listener),
 *         ENOMEM.
 * Threading: control thread; attaches to g_main_context_get_thread_default().
 */
struct tz_sip *tz_sip_start(const struct tz_cfg_sip *cfg, const struct tz_sip_handlers *h,
			    void *user);

/**
 * Graceful stop: CANCEL/BYE live dialogs, un-REGISTER, nua_shutdown, and run
 * the GLib context (bounded: ~5 s in total) until sofia confirms; then free all.
 * Threading: control thread, not from inside a tz_sip handler.
 */
void tz_sip_stop(struct tz_sip *sip);

/**
 * Reload (issue 13): trunks, routes and the per-source budget come from
 * @p cfg from now on (the allow-list is rebuilt, trunk DNS names resolved
 * again); listeners stay as started, TLS files are tz_sip_tls_reload()'s.
 * Legs in progress keep their trunk.  @p cfg must stay allocated while the
 * agent runs.  0 or -errno.
 */
int tz_sip_reconfigure(struct tz_sip *sip, const struct tz_cfg_sip *cfg);

#define TZ_SIP_TLS_CERT_RENEWED 1   /**< tz_sip_tls_reload(): the certificate differs */
#define TZ_SIP_TLS_CAS_RELOADED 2   /**< tz_sip_tls_reload(): the CA files differ */

/**
 * Reload (issue 13): the SIP TLS certificate, chain and key (sip.tls_cert,
 * sip.tls_key) and the CAs trunks are checked against (sip.tls_ca and the
 * trunks' tls_ca) from @p cfg.  The files are loaded and checked first;
 * with @p apply they then go into sofia's TLS contexts: new TLS connections,
 * inbound and outbound, use them, connections open keep theirs until they
 * close.  Control thread only.
 * @return a mask of TZ_SIP_TLS_CERT_RENEWED and TZ_SIP_TLS_CAS_RELOADED
 *   (0: nothing differs), -ENOENT (no TLS transport, or @p cfg has no
 *   certificate or key: the running pair stays), -EINVAL (a file does
 *   not load, the key does not match, the key type changed: @p err says
 *   which; nothing changed), -ENOTSUP (sofia's context is out of reach:
 *   restart to apply), -EIO (applying failed midway).
 */
int tz_sip_tls_reload(struct tz_sip *sip, const struct tz_cfg_sip *cfg, bool apply, char *err,
		      size_t errlen);

/**
 * Drain (issue 13): with @p retry_after_s > 0 every new INVITE (outside a
 * dialog) is answered 503 with Retry-After and counted
 * invite_refused_draining; 0 ends the drain.  Dialogs go on.
 */
void tz_sip_set_draining(struct tz_sip *sip, unsigned retry_after_s);

/**
 * The Accept header of the 415 that an incoming MESSAGE gets when on_message
 * returns 415 (RFC 3428 section 7): @p accept ("text/plain, application/json",
 * copied) or NULL for none.  Control thread.
 */
void tz_sip_set_message_accept(struct tz_sip *sip, const char *accept);

/**
 * Send an INVITE to a trunk (a wrapper of tz_sip_invite_opts()'s machinery).
 *
 * Request-URI always sip:to_user@trunk-host:port;transport=X, built from the
 * trunk; @p to_user must be a plain user part (tz_sip_target_parse() output,
 * tz_sip_user_valid()), From "from_display" <sip:from_user@local-host> (user
 * part %XX-escaped, quotes dropped from the display name),
 * Contact from the bound transport, body application/sdp.  401/407 are
 * answered once with trunk->username/password (digest MD5).  No answer within
 * trunk->answer_timeout_s -> CANCEL and on_ended(408).  401/407 only for the
 * trunk's realm (trunk->realm, else the first one answered in the dialog).
 *
 * @return the leg, or NULL with errno: EINVAL (missing argument, @p to_user not
 *         a plain user part), ENOMEM, ESHUTDOWN (stopping).
 * Threading: control thread.
 */
struct tz_sip_leg *tz_sip_invite(struct tz_sip *sip, const struct tz_cfg_trunk *trunk,
				 const char *to_user, const char *from_user,
				 const char *from_display, const char *sdp_offer, void *leg_user);

/** Options of tz_sip_invite_opts() and tz_sip_message() (calls and messages from
 *  a SIP-over-WebSocket user).  Every field may be NULL/false. */
struct tz_sip_invite_opts {
	/** Full From URI, e.g. "sip:alice@203.0.113.3": sip: or sips:, at most 256
	 *  bytes, no CR/LF, space, '<', '>', '"' or ','; else -EINVAL.  NULL: From
	 *  <sip:anonymous@local-host> (tz_sip_invite() gives its own user). */
	const char *from_uri;
	/** Without @p from_uri: a web user's identity, From "display" <sip:USER@our-host>
	 *  exactly as tz_sip_invite() builds it for its @p from_user. */
	const char *from_user;
	/** Display name (quotes, backslashes and line ends become '), at most 128 bytes. */
	const char *from_display;
	/** P-Asserted-Identity URI (sip:, sips: or tel:, checked as from_uri), or NULL. */
	const char *pai;
	/** The browser's credentials, sent verbatim as Authorization (Proxy-Authorization
	 *  with @p proxy_auth); at most 4096 printable bytes.  NULL: none. */
	const char *authorization;
	bool proxy_auth;
	/** 401/407 end the leg (on_ended 401/407) instead of being answered with the
	 *  trunk's username/password; the challenge values are then in
	 *  tz_sip_leg_challenges() (for tz_sip_message: the status reaches the callback). */
	bool relay_challenge;
};

/**
 * tz_sip_invite() with a From, P-Asserted-Identity and credentials of the caller's
 * own (see struct tz_sip_invite_opts; @p o NULL = all defaults).  Request-URI,
 * Contact, answer timeout and the trunk's digest answer as tz_sip_invite().
 * @return the leg, or NULL with errno EINVAL (missing argument, bad option, @p to_user
 *         not a plain user part), ENOMEM, ESHUTDOWN.
 */
struct tz_sip_leg *tz_sip_invite_opts(struct tz_sip *sip, const struct tz_cfg_trunk *trunk,
				      const char *to_user, const struct tz_sip_invite_opts *o,
				      const char *sdp_offer, void *leg_user);

/** After on_ended(401|407) of a relay_challenge leg: the WWW-/Proxy-Authenticate
 *  values ("Digest realm=..., nonce=...", as in struct tz_sip_reg_result),
 *  NULL-terminated, valid until tz_sip_leg_free(); else NULL. */
const char *const *tz_sip_leg_challenges(const struct tz_sip_leg *leg);

/** Final outcome of tz_sip_message(): 2xx delivered, else the failure (408 timeout,
 *  503 transport error, 401/407 with relay_challenge). */
typedef void (tz_sip_message_cb)(int status, const char *reason, void *user);

/**
 * Send MESSAGE (RFC 3428) to sip:to_user@trunk-host:port;transport=X (as tz_sip_invite
 * builds it), From / P-Asserted-Identity / credentials per @p o (NULL = defaults; a
 * 401/407 is answered once with the trunk's username/password unless
 * o->relay_challenge), body of @p len bytes (at most TZ_SIP_MESSAGE_MAX) with
 * Content-Type @p content_type (one media type, printable, no ',').
 * @p cb is called once with the final status, from the loop (never from inside this
 * call, never after tz_sip_stop() began).
 * @return 0, -EINVAL (missing or bad argument, body too large), -ESHUTDOWN, -ENOMEM.
 */
int tz_sip_message(struct tz_sip *sip, const struct tz_cfg_trunk *trunk, const char *to_user,
		   const struct tz_sip_invite_opts *o, const char *content_type, const char *body,
		   size_t len, tz_sip_message_cb *cb, void *user);

/** Send 180 Ringing on an inbound leg.  0, -ENOTCONN (over), -EALREADY (answered). */
int tz_sip_leg_ringing(struct tz_sip_leg *leg);
/** Send 200 OK with @p sdp_answer on an inbound leg.  0, -EINVAL, -ENOTCONN, -EALREADY. */
int tz_sip_leg_answer(struct tz_sip_leg *leg, const char *sdp_answer);
/** Reject an inbound leg (status 300..699, reason may be NULL).  0, -EINVAL, -ENOTCONN,
 *  -EALREADY.  on_ended(status) follows. */
int tz_sip_leg_reject(struct tz_sip_leg *leg, int status, const char *reason);
/** End a leg: CANCEL (outbound, unanswered), 480 (inbound, unanswered) or BYE.
 *  on_ended follows.  0 or -ENOTCONN.  Repeating it is harmless (0). */
int tz_sip_leg_hangup(struct tz_sip_leg *leg);
/** The leg's trunk: the one it was sent to, or for an incoming INVITE the
 *  first trunk whose acl (or address) holds its source; NULL if none. */
const struct tz_cfg_trunk *tz_sip_leg_trunk(const struct tz_sip_leg *leg);
/** Send a re-INVITE with @p sdp (hold/unhold); the result reaches on_reinvite_answer.
 *  0, -EINVAL, -ENOTCONN (not answered or over), -EBUSY (one pending). */
int tz_sip_leg_reinvite(struct tz_sip_leg *leg, const char *sdp);
/** Answer the far end's re-INVITE or UPDATE offer (see on_reinvite) with 200 + @p sdp.
 *  0, -EINVAL, -ENOTCONN, -EPROTO (no offer pending). */
int tz_sip_leg_reinvite_answer(struct tz_sip_leg *leg, const char *sdp);
/** Refuse the far end's re-INVITE or UPDATE offer (status 300..699, e.g. 488 for
 *  an SDP we cannot use; reason NULL = the standard phrase); the dialog stays up.
 *  0, -EINVAL, -ENOTCONN, -EPROTO (no offer pending). */
int tz_sip_leg_reinvite_reject(struct tz_sip_leg *leg, int status, const char *reason);
/**
 * Send REFER on an answered leg (blind transfer: the far end calls @p refer_to and,
 * normally, hangs up on us): Refer-To <@p refer_to> (a sip:/sips: URI, checked like
 * tz_sip_invite_opts.from_uri), Referred-By <@p referred_by> (same check), or, when
 * NULL, sofia's default: our From of this dialog.  The results reach on_refer (see
 * there); a 401/407 is answered once with the trunk's credentials.  One REFER at a
 * time: the next may go after on_refer reported the end (a refusal, a final sipfrag,
 * or the end without one).
 * A REFER from the far end is not followed: nua answers it 202 and NOTIFYs
 * "SIP/2.0 100 Trying" by itself, nothing more (sip_refer.c).
 * @return 0, -EINVAL (missing or bad URI), -ENOTCONN (not answered, hanging up or
 *         over), -EBUSY (a REFER of ours is pending).
 */
int tz_sip_leg_refer(struct tz_sip_leg *leg, const char *refer_to, const char *referred_by);
/** Send INFO application/dtmf-relay ("Signal=5\r\nDuration=160\r\n").
 *  @p digit one of 0-9*#A-D.  0, -EINVAL, -ENOTCONN. */
int tz_sip_leg_info_dtmf(struct tz_sip_leg *leg, char digit, unsigned duration_ms);
/** Send INFO application/media_control+xml asking the far end's video
 *  encoder for a key frame (RFC 5168 picture_fast_update), for video
 *  endpoints without RTCP feedback.  0, -EINVAL, -ENOTCONN. */
int tz_sip_leg_info_fast_update(struct tz_sip_leg *leg);

void tz_sip_leg_set_user(struct tz_sip_leg *leg, void *user);
void *tz_sip_leg_get_user(const struct tz_sip_leg *leg);
/** Call-ID of the dialog (ours for outbound legs, the caller's for inbound). */
const char *tz_sip_leg_call_id(const struct tz_sip_leg *leg);
/** Inbound legs: the `tz` parameter of the INVITE's Request-URI, i.e. the
 *  registration Contact a registrar forwarded the call to (see
 *  tz_sip_reg_contact_token), or NULL when the Request-URI has none. */
const char *tz_sip_leg_contact_token(const struct tz_sip_leg *leg);
/** Inbound legs: where the INVITE came from (its trunks: none when the
 *  source is no trunk's, e.g. in tests); NULL for outbound legs. */
const struct tz_sip_source *tz_sip_leg_source(const struct tz_sip_leg *leg);
/** Release the owner's reference; see the lifetime rules at the top.  NULL is a no-op. */
void tz_sip_leg_free(struct tz_sip_leg *leg);

/** Result of a registration: 200 when (re)registered, else the final failure
 *  (401/403 for bad credentials, 408/503 unreachable ...). */
typedef void (tz_sip_reg_cb)(struct tz_sip_reg *reg, int status, const char *reason, void *user);

/**
 * REGISTER sip:user@registrar-host at @p registrar (its address and transport)
 * with the Contact <sip:user@our-address;tz=TOKEN> (tz_sip_reg_contact_token)
 * for @p expires seconds (0 = registrar->register_expires); digest auth with
 * @p user / @p password; nua refreshes before expiry.  @p cb is called with
 * every final outcome (first registration, later refresh failures).
 *
 * @return the registration, or NULL with errno: EINVAL, ENOMEM, ESHUTDOWN,
 *         EAGAIN (no random bytes for the Contact).
 * Threading: control thread.
 */
struct tz_sip_reg *tz_sip_register(struct tz_sip *sip, const struct tz_cfg_trunk *registrar,
				   const char *user, const char *password, uint32_t expires,
				   tz_sip_reg_cb *cb, void *user_data);

/** The unique part of @p reg's Contact, <sip:USER@our-address;tz=TOKEN> (32 hex
 *  digits, random): a registrar forwards the AOR's calls there.  NULL for NULL. */
const char *tz_sip_reg_contact_token(const struct tz_sip_reg *reg);

/** Un-REGISTER (if registered) and release @p reg; cb is not called again.
 *  Safe from cb.  NULL is a no-op.
 *  A relayed registration (tz_sip_register_relay) that had a 2xx is removed with
 *  one REGISTER Expires: 0 for our Contact only, carrying the browser's last
 *  credentials (registrars accept a nonce until it goes stale: 300 s in Kamailio);
 *  a 401/407 to it is not retried: logged and counted (relay_unregister_refused),
 *  the binding then expires at the registrar by itself.  A REGISTER in flight is
 *  abandoned (its result is not reported). */
void tz_sip_unregister(struct tz_sip_reg *reg);

/** Outcome of one relayed REGISTER transaction (tz_sip_register_relay_send). */
struct tz_sip_reg_result {
	int status;                      /**< final status, 408/503 when nothing answered */
	const char *reason;
	/** 401: the WWW-Authenticate values, 407: the Proxy-Authenticate values, one per
	 *  challenge, NULL-terminated; NULL otherwise.  Scheme and parameters as the
	 *  registrar sent them (sofia re-joins the parameters with ", "). */
	const char *const *challenges;
	/** 2xx: seconds the registrar granted OUR contact: its ;expires= in the 200's
	 *  Contact list, else the Expires header, else 0.  0 as well when the 200 lists
	 *  contacts but not ours.  Other devices' bindings are never exposed. */
	uint32_t expires;
};
typedef void (tz_sip_relay_cb)(struct tz_sip_reg *reg, const struct tz_sip_reg_result *r,
			       void *user);

/**
 * A registration the browser authenticates itself (SIP over WebSocket: digest
 * passthrough, Trapeze never knows the password).  Nothing is sent yet.
 *
 * Contact <sip:USER@our-core-address:port;tz=TOKEN> (";transport=tcp" or sips: after
 * the registrar's transport) followed by @p contact_params (header parameters such as
 * "+sip.instance=\"<urn:uuid:...>\";reg-id=1", with or without the leading ';', or
 * NULL); tz_sip_reg_contact_token() works on it.  Request-URI sip:DOMAIN (the
 * browser's AOR domain: the digest uri JsSIP/SIP.js computed is their own
 * Request-URI, sip:DOMAIN), sent to @p registrar's address and transport (as an
 * outbound proxy: no Route); From/To sip:USER@DOMAIN; one Call-ID for the life of
 * @p reg, CSeq increasing by one per REGISTER.
 *
 * The gateway never refreshes it by itself (the browser does); each REGISTER is one
 * plain transaction (nua_method), there is no refresh timer to lose.
 *
 * @param user    the AOR's user part (tz_sip_user_valid())
 * @param domain  the AOR's host[:port] (DNS name, IPv4 or [IPv6])
 * @return the registration, or NULL with errno: EINVAL (bad argument or parameter
 *         text), ESHUTDOWN, EAGAIN (no random bytes for the Contact).
 * Release with tz_sip_unregister().  Threading: control thread.
 */
struct tz_sip_reg *tz_sip_register_relay(struct tz_sip *sip, const struct tz_cfg_trunk *registrar,
					 const char *user, const char *domain,
					 const char *contact_params, tz_sip_relay_cb *cb,
					 void *user_data);

/**
 * Send one REGISTER for @p reg with Expires @p expires and, when not NULL,
 * @p authorization as the Authorization header value (Proxy-Authorization when
 * @p proxy), copied verbatim from the browser (at most 4096 bytes, no CR/LF).
 * The callback gets the result once (from the loop, never from inside this call).
 * The last credentials given are kept for tz_sip_unregister().
 * @return 0, -EINVAL (not a relayed registration, bad credentials text), -EBUSY (one
 *         REGISTER in flight), -ESHUTDOWN (stopping or being unregistered), -ENOMEM.
 */
int tz_sip_register_relay_send(struct tz_sip_reg *reg, uint32_t expires,
			       const char *authorization, bool proxy);

/** Longest target accepted, in bytes; most digits in a number. */
#define TZ_SIP_TARGET_MAX 128
#define TZ_SIP_TARGET_DIGITS_MAX 32

/** A validated call target (see sip_target.c for the accepted forms). */
struct tz_sip_target {
	bool uri;                               /**< sip:user@domain, else a number */
	char user[TZ_SIP_TARGET_MAX + 1];       /**< "+442079460000" or the escaped user part */
	char domain[TZ_SIP_TARGET_MAX + 1];     /**< lower case, URI targets only */
};

/**
 * Validate a web user's call target of @p len bytes (no NUL expected).
 * @param why  filled with a message for the user on failure (may be NULL)
 * @return 0, -EINVAL (not an acceptable target: client error bad-target),
 *         -EILSEQ (contains a NUL: bad-message).
 * Threading: any thread (pure).
 */
int tz_sip_target_parse(const char *text, size_t len, struct tz_sip_target *t, char *why,
			size_t wlen);

/** The trunk of the first route of tenant @p tenant (index into tz_config.tenants)
 *  in @p cfg that accepts @p t, or NULL.  Numbers match routes without `domain`
 *  whose prefix they start with; URIs match routes whose `domain` equals theirs, or
 *  `allow_uri` routes when the domain is the trunk's host.  Another tenant's routes
 *  and trunks never match. */
const struct tz_cfg_trunk *tz_sip_target_route(const struct tz_cfg_sip *cfg, uint32_t tenant,
					       const struct tz_sip_target *t);
/** The routing rule tz_sip_target_route() takes the trunk from, or NULL. */
const struct tz_cfg_route *tz_sip_target_rule(const struct tz_cfg_sip *cfg, uint32_t tenant,
					      const struct tz_sip_target *t);

/**
 * The one check for call targets: tz_sip_target_parse() then tz_sip_target_route().
 * @return 0 with *trunk set, -EINVAL (bad-target), -EILSEQ (bad-message),
 *         -ENOENT (no-route); @p why says why.
 */
int tz_sip_target_check(const struct tz_cfg_sip *cfg, uint32_t tenant, const char *text,
			size_t len, struct tz_sip_target *t, const struct tz_cfg_trunk **trunk,
			char *why, size_t wlen);

/** True when @p user is a safe Request-URI user part (what tz_sip_target_parse gives). */
bool tz_sip_user_valid(const char *user);
/** @p user with every character outside RFC 3261 unreserved / user-unreserved (minus
 *  ';' '?') as %XX; g_free() it.  For From user parts taken from login names. */
char *tz_sip_user_escape(const char *user);

/** Counters, one X-macro list: enum, names, CLI and telemetry keys. */
#define TZ_SIP_COUNTERS(X)                          \
	X(INVITE_IN, "invite_in")                   \
	X(INVITE_DRAINING, "invite_refused_draining") \
	X(INVITE_OUT, "invite_out")                 \
	X(RESP_1XX, "responses_1xx")                \
	X(RESP_2XX, "responses_2xx")                \
	X(RESP_3XX, "responses_3xx")                \
	X(RESP_4XX, "responses_4xx")                \
	X(RESP_5XX, "responses_5xx")                \
	X(RESP_6XX, "responses_6xx")                \
	X(AUTH_CHALLENGE, "auth_challenges")        \
	X(REG_OK, "registrations_ok")               \
	X(REG_FAILED, "registrations_failed")       \
	X(MALFORMED, "malformed_dropped")          \
	X(TARGET_REFUSED, "targets_refused")        \
	X(REALM_REFUSED, "auth_realm_refused")      \
	X(ACL_REFUSED, "requests_refused_acl")      \
	X(RATE_LIMITED, "requests_rate_limited")    \
	X(FLOOD_DROPPED, "requests_dropped_flood")  \
	X(TLS_VERIFY_FAILED, "tls_verify_failed")   \
	X(RELAY_REGISTERS, "relay_registers")       \
	X(RELAY_REG_CHALLENGES, "relay_register_challenges") \
	X(RELAY_REG_OK, "relay_registers_ok")       \
	X(RELAY_REG_FAILED, "relay_registers_failed") \
	X(RELAY_UNREG_REFUSED, "relay_unregister_refused") \
	X(MESSAGE_IN, "message_in")                 \
	X(MESSAGE_OUT, "message_out")               \
	X(REFER_OUT, "refer_out")                   \
	X(REFER_NOTIFY_IN, "refer_notify_in")       \
	X(REFER_SIPFRAG_BAD, "refer_sipfrag_bad")

enum tz_sip_counter {
#define TZ_SIP_CTR_ENUM(e, n) TZ_SIP_CTR_##e,
	TZ_SIP_COUNTERS(TZ_SIP_CTR_ENUM)
#undef TZ_SIP_CTR_ENUM
	TZ_SIP_CTR_COUNT
};

/** Name of a counter ("invite_in" ...), NULL when out of range. */
const char *tz_sip_counter_name(enum tz_sip_counter c);
/** Count one event of @p c (for callers that refuse input on the SIP side's behalf,
 *  e.g. call targets).  NULL @p sip is a no-op.  Control thread. */
void tz_sip_count(struct tz_sip *sip, enum tz_sip_counter c);
/** What one source address sent us (`show sip sources`). */
struct tz_sip_source_stats {
	char addr[48];                  /**< "198.51.100.7", "2001:db8::1" or "(others)" */
	uint64_t requests;              /**< requests that reached the agent */
	uint64_t refused_acl;           /**< requests and datagrams refused: not a trunk */
	uint64_t rate_limited;          /**< requests answered 503 (over the budget) */
	uint64_t dropped;               /**< datagrams dropped while flooding */
};

/** Up to @p max sources, most refused/limited/dropped first.  Returns the count.
 *  Control thread. */
size_t tz_sip_sources(const struct tz_sip *sip, struct tz_sip_source_stats *out, size_t max);

/** Methods counted one by one in tz_sip_stats_request(); others are "other". */
#define TZ_SIP_METHODS(X) X(INVITE) X(ACK) X(BYE) X(CANCEL) X(OPTIONS) X(REGISTER) \
	X(MESSAGE) X(INFO) X(NOTIFY) X(REFER) X(UPDATE) X(PRACK) X(SUBSCRIBE) X(PUBLISH)
/** Requests received by the agent since start, method @p i ("INVITE" ...,
 *  then "other"; NULL past the last) with its count in *@p count.  Process-wide,
 *  control thread. */
const char *tz_sip_stats_request(unsigned i, uint64_t *count);
/** Responses with status @p status (100..699) received to our requests. */
uint64_t tz_sip_stats_response(int status);

/** Copy the counters into @p out[TZ_SIP_CTR_COUNT].  Control thread. */
void tz_sip_counters(const struct tz_sip *sip, uint64_t out[TZ_SIP_CTR_COUNT]);

#endif /* TZ_SIP_H */
