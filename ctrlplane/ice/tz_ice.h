/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ICE-lite for one call's media (RFC 8445 §2.5), over libnice.
 *
 * The gateway is always ICE-lite and controlled: it binds one UDP socket on
 * the access TAP address from the configured media port range, answers the
 * browser's connectivity checks (which reach it through the dataplane's
 * punt path) and learns the browser's address from the nominated pair.
 * Non-STUN datagrams that reach the socket (DTLS, before the dataplane has a
 * session: also RTP) are handed to the owner.  One component: rtcp-mux and
 * BUNDLE are required of WebRTC peers.
 *
 * Threading: control thread only; callbacks run on the GMainContext given
 * to tz_ice_new().
 */
#ifndef TZ_ICE_H
#define TZ_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <glib-object.h>
#include <glib.h>

struct tz_ice;

enum tz_ice_state {
	TZ_ICE_CHECKING,      /**< waiting for the peer's checks */
	TZ_ICE_CONNECTED,     /**< a pair is nominated; tz_ice_selected_remote() is valid */
	TZ_ICE_FAILED,        /**< the agent gave up */
};

struct tz_ice_conf {
	const char *local_ip;     /**< the access TAP address to bind (IPv4 or IPv6 literal) */
	uint16_t port_min;        /**< media port range to bind in */
	uint16_t port_max;
};

/** State change.  After TZ_ICE_FAILED the object may be freed from the callback. */
typedef void (*tz_ice_state_fn)(struct tz_ice *ice, enum tz_ice_state state, void *user);

/** A non-STUN datagram from the peer (DTLS, RTP before the fast path has it). */
typedef void (*tz_ice_recv_fn)(struct tz_ice *ice, const uint8_t *data, size_t len, void *user);

/**
 * Create an agent, bind a port and gather the host candidate.  Local
 * credentials are generated from the OpenSSL CSPRNG (RAND_bytes: ufrag 8
 * and pwd 24 characters of [A-Za-z0-9+/], 144 bits).
 * @return the agent, or NULL with errno: EINVAL (bad address), EADDRINUSE
 *         (no free port in the range), ENOMEM, EIO (no randomness).
 */
struct tz_ice *tz_ice_new(GMainContext *ctx, const struct tz_ice_conf *conf,
			  tz_ice_state_fn state_fn, tz_ice_recv_fn recv_fn, void *user);

/** Local ICE credentials, for the SDP (valid while the agent lives). */
const char *tz_ice_local_ufrag(const struct tz_ice *ice);
const char *tz_ice_local_pwd(const struct tz_ice *ice);

/** The bound local UDP port (the host candidate's port). */
uint16_t tz_ice_local_port(const struct tz_ice *ice);

/**
 * The host candidate as an SDP attribute value ("candidate:1 1 udp ...
 * typ host"), written to @p buf.  @return 0 or -ENOSPC.
 */
int tz_ice_local_candidate(const struct tz_ice *ice, char *buf, size_t len);

/**
 * Set the peer's credentials (from its SDP).  Checks that arrive before this
 * are answered once it is set (libnice queues them).
 * @return 0 or -EINVAL.
 */
int tz_ice_set_remote_credentials(struct tz_ice *ice, const char *ufrag, const char *pwd);

/**
 * Add one remote candidate (SDP attribute value, "candidate:..." with or
 * without the "a=" prefix).  A lite agent needs none: it learns the peer
 * from the check that nominates.  Beware: libnice then runs checks of its
 * own towards the candidate, which delays its READY state; the call
 * manager therefore does not use this.
 * @return 0, -EINVAL (does not parse), -ENOTSUP (TCP or an mDNS name: ignored).
 */
int tz_ice_add_remote_candidate(struct tz_ice *ice, const char *sdp_candidate);

/**
 * Send a datagram to the selected peer (DTLS).  Before a pair is nominated
 * up to 16 datagrams are held and sent when it is.
 * @return bytes sent (or held), or -EAGAIN.
 */
int tz_ice_send(struct tz_ice *ice, const uint8_t *data, size_t len);

/**
 * The peer address of the nominated pair.
 * @return 0, or -ENOTCONN before TZ_ICE_CONNECTED.
 */
int tz_ice_selected_remote(const struct tz_ice *ice, struct sockaddr_storage *addr);

/**
 * How consent checks are seen (RFC 7675): the daemon's epoll loop can call
 * a function when a descriptor is readable, before GLib dispatches its
 * source; then the check at the head of libnice's socket is peeked at in
 * the same loop iteration in which libnice reads it.  Without these hooks
 * (unit tests, control.event_poll: poll) a watch of the ICE module's own
 * peeks and steps aside for 2 ms, which costs two more loop iterations and
 * a source per datagram.
 */
struct tz_ice_peek_ops {
	int (*add)(int fd, void (*fn)(int fd, void *arg), void *arg); /**< 0 or -errno */
	void (*del)(int fd);
};

/** Install (or with NULL remove) the hooks; before the first call starts. */
void tz_ice_set_peek_ops(const struct tz_ice_peek_ops *ops);

/**
 * Where an agent created with a NULL context gets a context of its own that
 * the daemon's main loop never walks (the daemon's hub, ctxhub.c): add()
 * takes a new empty context and returns a handle (NULL: the agent uses the
 * default context); touch() says the agent's sources may have changed
 * outside its dispatch (after each libnice call from here); remove() stops
 * dispatching it, before libnice closes its sockets.
 */
struct tz_ice_ctx_ops {
	void *(*add)(GMainContext *ctx);
	void (*touch)(void *handle);
	void (*remove)(void *handle);
	/* optional: a context to add instead of a new one (*lease: its handle),
	 * and its return once @last_user (or NULL: nothing) is finalized */
	GMainContext *(*lease)(void **lease);
	void (*release)(void *lease, GObject *last_user);
};

/** Install (or with NULL remove) the hooks; before the first call starts. */
void tz_ice_set_ctx_ops(const struct tz_ice_ctx_ops *ops);

/** The agent's own context (tz_ice_set_ctx_ops), or NULL when it runs on the
 *  default context.  Sources of the call may be attached there; then call
 *  tz_ice_touch(). */
GMainContext *tz_ice_context(const struct tz_ice *ice);

/** Sources of the agent's own context changed outside its dispatch. */
void tz_ice_touch(struct tz_ice *ice);

/** Counters: datagrams in and out, consent checks seen. */
struct tz_ice_stats {
	uint64_t rx_datagrams;
	uint64_t tx_datagrams;
	uint64_t consent_checks;      /**< valid checks from the selected pair */
	uint64_t consent_refused;     /**< STUN that is not one (bad integrity, other source) */
};
void tz_ice_get_stats(const struct tz_ice *ice, struct tz_ice_stats *st);

/**
 * Consent freshness (RFC 7675) as an ICE-lite agent sees it: the time
 * (g_get_monotonic_time(), µs) of the last Binding request from the
 * selected pair with a valid MESSAGE-INTEGRITY for our credentials (the
 * nominating check counts).  The browser sends one every few seconds for as
 * long as it wants our media; the owner ends the call when none came for
 * its consent timeout.
 * @return the time, or 0 when not connected or the socket cannot be watched
 *         (then consent is not known: do not act on it).
 */
int64_t tz_ice_last_consent(const struct tz_ice *ice);

/**
 * Is @p buf a STUN Binding request to us: USERNAME "<ufrag>:...", and a
 * MESSAGE-INTEGRITY (HMAC-SHA1 keyed with @p pwd, RFC 8489 §14.5)?  Pure
 * function, any thread.
 * @return 0 yes; -EINVAL not STUN / malformed; -ENOMSG STUN but not a
 *         Binding request; -EACCES no or wrong USERNAME / MESSAGE-INTEGRITY.
 */
int tz_ice_stun_consent_check(const uint8_t *buf, size_t len, const char *ufrag,
			      const char *pwd);

/** Close the socket and free the agent.  Safe from any callback of this agent. */
void tz_ice_free(struct tz_ice *ice);

#endif /* TZ_ICE_H */
