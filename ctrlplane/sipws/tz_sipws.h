/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The SIP-over-WebSocket edge (RFC 7118): JsSIP and SIP.js web phones.
 *
 * Browsers send SIP over a WebSocket (subprotocol `sip`).  The edge parses
 * each message with sofia-sip's message parser (sofia-sip 1.12 has no
 * WebSocket transport, so the edge runs these transactions itself: the
 * transport is reliable, nothing is retransmitted) and:
 *  - relays REGISTER to the registrar of the AOR's domain (the trunk with
 *    register_users whose host is that domain) with the browser's digest
 *    credentials passed through unchanged; the registrar sees the gateway's
 *    own Contact for that one connection (<sip:USER@core;tz=TOKEN>), so
 *    calls for the AOR come back to this connection;
 *  - turns the browser's INVITE, ACK, BYE, CANCEL, re-INVITE (hold), INFO
 *    (DTMF) into the call manager's web-leg messages (the same B2BUA as
 *    trapeze-jsep.v1: ICE-lite + DTLS-SRTP towards the browser, RTP to the
 *    trunk) and the call manager's events back into SIP on the WebSocket;
 *  - answers OPTIONS, relays MESSAGE.
 * Messages to a browser always go back on its connection (never to the
 * Contact's *.invalid host).
 *
 * The transport and the call manager are reached through struct
 * tz_sipws_env only, so the edge is tested with fakes (tests/unit/sipws).
 *
 * Threading: control thread only.
 */
#ifndef TZ_SIPWS_H
#define TZ_SIPWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz_auth.h"
#include "tz_config.h"
#include "tz_jsep_msg.h"
#include "tz_sip.h"

/** The final status of a relayed MESSAGE (same shape as tz_sip_message_cb). */
typedef void (tz_sipws_message_cb)(int status, const char *reason, void *user);

/** The registrar side of a relayed registration (tz_sip_register_relay & co. by default). */
struct tz_sipws_upstream {
	struct tz_sip_reg *(*reg_new)(void *ctx, const struct tz_cfg_trunk *registrar,
				      const char *user, const char *domain,
				      const char *contact_params, tz_sip_relay_cb *cb, void *ud);
	int (*reg_send)(struct tz_sip_reg *reg, uint32_t expires, const char *authorization,
			bool proxy);
	void (*reg_free)(struct tz_sip_reg *reg);           /* un-REGISTER and release */
	const char *(*reg_token)(const struct tz_sip_reg *reg);
	/* MESSAGE towards a trunk; NULL = MESSAGE refused with 405 */
	int (*message)(void *ctx, const struct tz_cfg_trunk *trunk, const char *to_user,
		       const struct tz_sip_invite_opts *o, const char *content_type,
		       const char *body, size_t len, tz_sipws_message_cb *cb, void *ud);
	void *ctx;                                           /* the struct tz_sip */
};

struct tz_sipws_env {
	const struct tz_config *cfg;
	/** Queue one SIP message on connection @p conn; 0 or -errno. */
	int (*send)(void *conn, const char *buf, size_t len);
	/** "ip:port" / "[ip6]:port" of @p conn. */
	const char *(*peer)(void *conn);
	/** Whether @p conn came in on wss://. */
	bool (*is_tls)(void *conn);
	/** The call manager: a web-leg message from @p conn (tz_calls_on_message). */
	void (*calls_message)(void *conn, const struct tz_jsep_msg *m);
	/** Registered: @p conn is now @p id (tz_login_adopt), its registration @p reg. */
	void (*login)(void *conn, const struct tz_auth_identity *id, struct tz_sip_reg *reg);
	/** Registration over or refused: @p conn is nobody (its calls stay). */
	void (*logout)(void *conn);
	/** The route of a target: trunk and Request-URI user part (tz_route_target). */
	/** The tenant the connection's Origin/Host/path selected, or -1 (NULL: none). */
	int (*conn_tenant)(void *conn);
	/** A REGISTER for another tenant's domain on tenant @p t's site (counting). */
	void (*wrong_tenant)(uint32_t t);
	int (*route)(uint32_t tenant, const char *target, const struct tz_cfg_trunk **trunk,
		     char *user, size_t ulen, int *status, char *why, size_t wlen);
	/** Blind transfer of call @p call's far end to @p target (tz_calls_transfer):
	 *  @p cb gets the REFER's final status (sipfrag NULL), then each NOTIFY's
	 *  sipfrag line.  0 or -errno.  NULL: REFER is refused (405). */
	int (*transfer)(void *conn, const char *call, const char *target,
			void (*cb)(int status, const char *sipfrag, void *arg), void *arg);
	struct tz_sipws_upstream up;
};

/** Start the edge; @p env is copied.  0 or -errno. */
int tz_sipws_init(const struct tz_sipws_env *env);
/** Forget every connection (their registrations are un-REGISTERed). */
void tz_sipws_shutdown(void);

/** Reload (issue 13): new registrations and calls read @p cfg (kept
 *  allocated by the caller); bindings in progress keep their trunk. */
void tz_sipws_set_config(const struct tz_config *cfg);

/** A `sip` WebSocket opened / closed (close: un-REGISTER, calls end via the manager). */
void tz_sipws_on_open(void *conn);
void tz_sipws_on_close(void *conn);
/** One SIP message from @p conn (@p len bytes, not NUL-terminated). */
void tz_sipws_on_message(void *conn, const char *buf, size_t len);

/** The call manager's event for a call of SIP-over-WebSocket connection @p conn. */
void tz_sipws_deliver(void *conn, const struct tz_jsep_out *out);

/**
 * Deliver a SIP MESSAGE to registered connection @p conn (from @p from_uri,
 * @p display may be NULL).  0, -ENOTCONN (not a registered sip connection),
 * -EINVAL (bad content type, over 64 KiB).
 */
int tz_sipws_send_message(void *conn, const char *from_uri, const char *display,
			  const char *content_type, const char *body, size_t len);

/** Counters of the edge: X(enum suffix, name in `show sip stats`). */
#define TZ_SIPWS_COUNTERS(X)                               \
	X(MSG_IN, "ws_sip_messages_in")                    \
	X(MSG_OUT, "ws_sip_messages_out")                  \
	X(MALFORMED, "ws_sip_malformed")                   \
	X(REQ_REGISTER, "ws_sip_register")                 \
	X(REQ_INVITE, "ws_sip_invite")                     \
	X(REQ_REINVITE, "ws_sip_reinvite")                 \
	X(REQ_ACK, "ws_sip_ack")                           \
	X(REQ_BYE, "ws_sip_bye")                           \
	X(REQ_CANCEL, "ws_sip_cancel")                     \
	X(REQ_INFO, "ws_sip_info")                         \
	X(REQ_MESSAGE, "ws_sip_message")                   \
	X(REQ_OPTIONS, "ws_sip_options")                   \
	X(REQ_REFER, "ws_sip_refer")                       \
	X(REQ_OTHER, "ws_sip_other_requests")              \
	X(RESPONSES_IN, "ws_sip_responses_in")             \
	X(STRAY, "ws_sip_stray")                           \
	X(NOT_REGISTERED, "ws_sip_refused_not_registered") \
	X(NO_REGISTRAR, "ws_sip_refused_no_registrar")     \
	X(WRONG_TENANT, "ws_sip_refused_wrong_tenant")     \
	X(THROTTLED, "ws_sip_refused_throttled")           \
	X(REG_OK, "ws_sip_registrations_ok")               \
	X(REG_FAILED, "ws_sip_registrations_failed")       \
	X(UNREG, "ws_sip_unregistrations")                 \
	X(BINDINGS_EXPIRED, "ws_sip_bindings_expired")     \
	X(CALLS_OUT, "ws_sip_calls_from_browser")          \
	X(CALLS_IN, "ws_sip_calls_to_browser")            \
	X(CHALLENGES_RELAYED, "ws_sip_call_challenges_relayed") \
	X(MESSAGES_TO_BROWSER, "ws_sip_messages_to_browser")

enum tz_sipws_counter {
#define TZ_SIPWS_ENUM(e, n) TZ_SIPWS_##e,
	TZ_SIPWS_COUNTERS(TZ_SIPWS_ENUM)
#undef TZ_SIPWS_ENUM
	TZ_SIPWS_CTR_COUNT
};

/** "ws_sip_messages_in" ...; "?" when out of range. */
const char *tz_sipws_counter_name(enum tz_sipws_counter c);
/** The counters now. */
const uint64_t *tz_sipws_counters(void);

/** One registration (`show registrations`). */
struct tz_sipws_binding_info {
	char aor[160];
	char peer[64];                 /**< the WebSocket's source */
	char instance[96];             /**< +sip.instance, or "" */
	char kind[8];                  /**< "sip-ws" */
	uint32_t tenant;               /**< the AOR domain's tenant (tz_config.tenants) */
	int64_t expires_in;            /**< seconds left */
	bool registered;               /**< the registrar accepted it */
};
/** Call @p fn for every binding. */
void tz_sipws_foreach_binding(void (*fn)(const struct tz_sipws_binding_info *, void *), void *arg);

#endif /* TZ_SIPWS_H */
