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

/** End every call and free everything (daemon shutdown, before the dataplane stops). */
void tz_calls_shutdown(void);

/** Handlers to give tz_sip_start(): the SIP leg's events drive the calls. */
const struct tz_sip_handlers *tz_calls_sip_handlers_get(void);

/** Live calls. */
unsigned tz_calls_count(void);

#endif /* TZ_CALLS_H */
