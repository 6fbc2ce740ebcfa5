/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The call manager: the only writer of the dataplane's session table.
 *
 * It takes validated client messages (trapeze-jsep.v1), runs each call's
 * web leg (SDP answer, ICE-lite, DTLS-SRTP), publishes the media flows when
 * keys are known, and retires them when the call ends.  It does not know
 * the transport: replies go through env->send.
 *
 * Threading: control thread only (the GLib main context of the daemon).
 */
#ifndef TZ_CALLS_H
#define TZ_CALLS_H

#include <stdint.h>

#include "tz_config.h"
#include "tz_dtls.h"
#include "tz_jsep_msg.h"
#include "tz_ports.h"
#include "tz_session.h"
#include "tz_sip.h"
#include "tz_srtp.h"

#include <json-glib/json-glib.h>

struct tz_auth_identity;

/** What kind of web leg a connection speaks. */
enum tz_web_kind {
	TZ_WEB_JSEP,                      /**< trapeze-jsep.v1 (trapeze.js) */
	TZ_WEB_SIPWS,                     /**< SIP over WebSocket (JsSIP, SIP.js) */
};

struct tz_calls_env {
	const struct tz_config *cfg;
	struct tz_dp_sessions *sessions;
	struct tz_srtp_engine *srtp;
	const struct tz_port *access;     /**< the access port (browsers) */
	uint16_t access_idx;              /**< its index in the config */
	const struct tz_dtls_cert *cert;  /**< our DTLS certificate */
	const struct tz_port *core;       /**< the core port (SIP networks), or NULL */
	uint16_t core_idx;
	struct tz_sip *sip;               /**< the SIP user agent, or NULL (echo only) */
	/** Send one message to a client connection. */
	void (*send)(void *conn, const struct tz_jsep_out *out);
	/** Mark a connection logged in (the transport then accepts call messages). */
	void (*logged_in)(void *conn, const char *user);
	/** The connection's source, "ip:port" or "[ipv6]:port". */
	const char *(*peer)(void *conn);
	/** The tenant the connection's Origin/Host/path selected (tz_config.tenants),
	 *  or -1 when none did (NULL: none ever does).  A login there must be that
	 *  tenant's. */
	int (*conn_tenant)(void *conn);
	/** The connection's kind (NULL: every connection is TZ_WEB_JSEP). */
	enum tz_web_kind (*kind)(void *conn);
	/** Deliver a SIP MESSAGE to a logged-in connection; 0 or -errno (NULL: 405). */
	int (*message)(void *conn, const char *from_uri, const char *display,
		       const char *content_type, const char *body, size_t len);
};

/**
 * Start the manager: remember @p env (copied), register the CLI commands
 * (show calls), start the 1 s supervision timer (media timeout).
 * @return 0 or -errno.
 */
int tz_calls_init(const struct tz_calls_env *env);

/** A validated client message from connection @p conn. */
void tz_calls_on_message(void *conn, const struct tz_jsep_msg *msg);

/** Connection @p conn is gone: end its calls (no message is sent to it). */
void tz_calls_on_close(void *conn);

/** Calls on media address @p i (0 = the port's own, i the port's
 *  media_addresses[i - 1]) of side @p role, for `show ports`. */
unsigned tz_calls_media_addr_calls(enum tz_cfg_role role, unsigned i);

/** End every call and free everything (daemon shutdown, before the dataplane stops). */
void tz_calls_shutdown(void);

/** Handlers to give tz_sip_start(): the SIP leg's events drive the calls. */
const struct tz_sip_handlers *tz_calls_sip_handlers_get(void);

/**
 * A SIP-over-WebSocket connection whose REGISTER the registrar accepted is
 * now @p id (copied); @p reg (owned by the caller, outliving the login) is
 * its registration, whose Contact leads calls back to @p conn.
 */
void tz_login_adopt(void *conn, const struct tz_auth_identity *id, struct tz_sip_reg *reg);
/** The connection is nobody again (its calls go on). */
void tz_login_drop(void *conn);

/**
 * Route @p target (a number, "echo" is not routed, or sip:user@domain) as a
 * call from a web user of tenant @p tenant would be: 0 with *trunk and @p user (Request-URI user
 * part), or -errno with *status the SIP status to refuse with (404 no route,
 * 484 bad target, 400) and @p why.
 */
int tz_calls_route(uint32_t tenant, const char *target, const struct tz_cfg_trunk **trunk,
		   char *user, size_t ulen, int *status, char *why, size_t wlen);

/** Progress of tz_calls_transfer(): first the far end's final response to the
 *  REFER (@p status 2xx accepted, usually 202, or 300..699 refused: the end),
 *  then each of its NOTIFY sipfrag status lines (@p status 0, @p sipfrag
 *  "SIP/2.0 100 Trying", "SIP/2.0 200 OK" ...; after one >= 200 nothing more),
 *  or @p status 0 with @p sipfrag NULL: the far end's reports ended without a
 *  final line (no NOTIFY within 32 s, or a terminated one without it). */
typedef void (tz_calls_transfer_cb)(int status, const char *sipfrag, void *arg);

/**
 * Blind transfer by the web user of call @p call_name on connection @p conn (a
 * phone's REFER): the far end of the call's SIP leg is asked to call @p target
 * (as typed by the user: a number or a sip: URI, routed like a call target,
 * tz_route_target), i.e. a REFER on the SIP dialog with Refer-To
 * sip:USER@TRUNK-HOST[:port] (sips: for a TLS trunk; USER the Request-URI user
 * part a call would get) and Referred-By the call's AOR (from_uri; none: our
 * From).  Progress reaches @p cb (see tz_calls_transfer_cb), from the loop,
 * never from inside this call.  After a 2xx sipfrag the far end normally hangs
 * up (BYE): the call then ends as usual.
 * @p cb is never called after the call ended (any hangup or failure, even with
 * the transfer pending): @p arg may be released with the call.
 * Counted: transfers_requested (every call), transfers_ok (a 2xx sipfrag),
 * transfers_failed (refused here, by the far end, a >= 300 sipfrag, or no final
 * report); a call ending with the transfer pending counts in neither.
 * @return 0, -ENOENT (no route for @p target, or no SIP side), -EINVAL (bad
 *         target or argument), -ENOTCONN (no such live call, no SIP leg, or not
 *         answered), -EBUSY (a transfer of this call is in progress).
 */
int tz_calls_transfer(void *conn, const char *call_name, const char *target,
		      tz_calls_transfer_cb *cb, void *arg);

/** A registration for `show registrations`. */
struct tz_calls_reg_info {
	char user[64];
	char peer[64];
	const char *registrar;            /**< trunk name */
	uint32_t tenant;                  /**< the login's tenant (tz_config.tenants) */
	bool registered;
};
/** Registrations made on behalf of trapeze-jsep.v1 logins (SIP credentials). */
void tz_login_foreach_registration(void (*fn)(const struct tz_calls_reg_info *, void *),
				   void *arg);

/** Extra lines for `show sip stats` (the SIP-over-WebSocket edge's counters). */
void tz_calls_set_stats_hook(void (*fn)(JsonBuilder *b));

/** Live calls. */
unsigned tz_calls_count(void);

/* ---- figures for metrics (session/stats.c) ---- */

#define TZ_CALLS_SETUP_BUCKETS 12
/** Upper bounds (seconds) of the set-up time histogram's buckets. */
extern const double tz_calls_setup_bounds[TZ_CALLS_SETUP_BUCKETS];

#define TZ_CALLS_LOSS_BUCKETS 7
/** Upper bounds (percent) of the per-call RTP loss histogram's buckets. */
extern const double tz_calls_loss_bounds[TZ_CALLS_LOSS_BUCKETS];

/** Live calls by state and kind; set-up times (offer to answer) since start. */
struct tz_calls_figures {
	unsigned negotiating, connected;  /**< live calls: ICE/DTLS pending, media up */
	unsigned jsep, sipws, inbound;    /**< live calls by web leg, and from SIP */
	uint64_t setup_counts[TZ_CALLS_SETUP_BUCKETS + 1];  /**< per bucket, not cumulative */
	uint64_t setup_count;             /**< answered calls observed */
	double setup_sum;                 /**< their set-up seconds */
	/** Ended calls' RTP on the way to the gateway (docs/cdr.md), [0] from
	 *  the web side, [1] from the SIP side: packets expected (RFC 3550
	 *  A.3) and lost; per call, its loss in percent (calls that expected
	 *  a packet that way), per bucket, not cumulative. */
	uint64_t rtp_expected[2], rtp_lost[2];
	uint64_t loss_counts[2][TZ_CALLS_LOSS_BUCKETS + 1];
	uint64_t loss_count[2];
	double loss_sum[2];
};
/** Fill @p out.  Control thread. */
void tz_calls_figures(struct tz_calls_figures *out);
/** The call manager's counters (`show sip stats`): name of @p i, NULL past the
 *  last; its value. */
const char *tz_calls_counter_name(unsigned i);
uint64_t tz_calls_counter_value(unsigned i);

/** The messaging counters (`show messaging`, docs/messaging.md): name of @p i,
 *  NULL past the last; its value. */
const char *tz_messaging_counter_name(unsigned i);
uint64_t tz_messaging_counter_value(unsigned i);
/** Tenant @p tenant's messaging counters (by the same index), or NULL when
 *  it has none yet (all 0).  Control thread only. */
const uint64_t *tz_messaging_tenant_counters(const char *tenant);

/**
 * Reload (reconfig.c): new calls and logins use @p cfg from now on; calls in
 * progress keep their trunk (in the config they started under, which must
 * stay allocated until they end) and their tenant (indexes do not move); the
 * tenants' state is carried over by name (tz_tenant_init).  0 or -errno.
 */
int tz_calls_reconfigure(const struct tz_config *cfg);

/** Drain: while on, every new call (web, SIP over WebSocket, inbound SIP) is
 *  refused with `draining` / 503; calls in progress go on. */
void tz_calls_set_draining(bool on);
bool tz_calls_draining(void);
/** Calls refused because of the drain so far. */
uint64_t tz_calls_refused_draining(void);

/** The media-services stage as the call manager sees it (`show media-services`). */
struct tz_calls_svc_stats {
	unsigned cores;               /**< stage cores running (0: off) */
	uint32_t max_calls;           /**< media_services.max_calls */
	uint32_t in_stage;            /**< calls in the stage now */
	uint64_t admitted;            /**< calls admitted so far */
	uint64_t refused_off;         /**< refused: the stage is off */
	uint64_t refused_full;        /**< refused: max_calls reached */
	uint64_t dtmf_strings;        /**< dtmf messages sent as RFC 4733 by the stage */
	uint64_t dtmf_refused;        /**< dtmf messages refused (stage off or full, ...) */
	uint64_t announcements;       /**< failed calls that heard an announcement */
	uint64_t moh_started;         /**< holds by the SIP side that got music on hold */
	uint64_t play_skipped;        /**< a file was configured but not played (stage
				       *   off or full, no codec, the far end's own
				       *   early media) */
	uint64_t plays_pre_encoded;   /**< plays sent from the file's clip (encoded once) */
	uint64_t plays_live;          /**< plays encoded live (the clip not ready yet) */
	uint64_t clips;               /**< clips ready: files in force x codecs */
	uint64_t clip_bytes;          /**< memory of those clips */
	uint64_t announcements_sipws; /**< ... of them to SIP-over-WebSocket phones
				       *   (183 with SDP, then the final status) */
	uint64_t sipws_media_timeouts; /**< SIP-WS phones whose media did not come up
					*   after our 183: final status at once */
};

/** Control thread only. */
void tz_calls_svc_stats(struct tz_calls_svc_stats *out);

/** Transcoded calls as the call manager sees them (`show media-services`). */
struct tz_calls_xcode_stats {
	uint64_t calls;               /**< calls transcoded (admitted) so far */
	uint64_t refused_off;         /**< refused: transcoding needed, stage off */
	uint64_t refused_full;        /**< refused: transcoding needed, stage full */
	uint64_t post_failed;         /**< create/destroy commands not queued */
};

/** Control thread only. */
void tz_calls_xcode_stats(struct tz_calls_xcode_stats *out);

#endif /* TZ_CALLS_H */
