/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Who may log in: signed login tokens (HS256 JWT issued by the enterprise's
 * web server, checked with libjwt against auth.token_secrets), the claims a
 * token carries (identity, display name, allowed targets), and the back-off
 * that slows down password and token guessing per source IP and per user.
 * docs/security.md describes the model; docs/protocol.md the `login` message.
 *
 * Threading: control thread only (no locks).
 */
#ifndef TZ_AUTH_H
#define TZ_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz_config.h"

#define TZ_AUTH_USER_MAX 63       /**< longest identity (SIP user part) */
#define TZ_AUTH_TARGETS_MAX 32    /**< most patterns one token may carry */

/** Why a login was refused, and the other login outcomes, as counters. */
#define TZ_AUTH_COUNTERS(X)                                   \
	X(OK_TOKEN, "login_ok_token")                         \
	X(OK_SIP, "login_ok_sip")                             \
	X(NO_CREDENTIALS, "login_no_credentials")             \
	X(BAD_TOKEN, "login_bad_token")                       \
	X(BAD_SIGNATURE, "login_bad_signature")               \
	X(EXPIRED, "login_expired")                           \
	X(NOT_YET_VALID, "login_not_yet_valid")               \
	X(BAD_CLAIMS, "login_bad_claims")                     \
	X(SIP_REFUSED, "login_sip_refused")                   \
	X(THROTTLED, "login_throttled")                       \
	X(WRONG_TENANT, "login_wrong_tenant")                 \
	X(TARGET_DENIED, "call_target_denied")

enum tz_auth_counter {
#define TZ_AUTH_ENUM(e, n) TZ_AUTH_##e,
	TZ_AUTH_COUNTERS(TZ_AUTH_ENUM)
#undef TZ_AUTH_ENUM
	TZ_AUTH_COUNT
};

/** A logged-in identity: what the token (or the registrar) vouched for. */
struct tz_auth_identity {
	char user[TZ_AUTH_USER_MAX + 1];   /**< From / P-Asserted-Identity user part */
	char display[64];                  /**< display name, or "" */
	char how[8];                       /**< "token", "sip" or "sip-ws" */
	char uri[160];                     /**< sip-ws: the registered AOR (From, PAI), else "" */
	char key[TZ_CFG_NAME_MAX];         /**< token: the secret that verified it */
	uint32_t tenant;                   /**< index into tz_config.tenants: the tenant of
					    *   that secret, of the registrar, or of the
					    *   AOR's domain (0: default) */
	int64_t expires;                   /**< token exp (unix s), 0 for SIP */
	unsigned n_targets;                /**< 0: any routed target */
	char *targets[TZ_AUTH_TARGETS_MAX];/**< allowed-target patterns (owned) */
};

/**
 * Load the token secrets (reading secret_file entries).  Replaces any
 * earlier state.  0, or -errno with @p err naming the file and the problem.
 */
int tz_auth_init(const struct tz_cfg_auth *cfg, char *err, size_t errlen);

/** Forget secrets (wiped), back-off state and counters. */
void tz_auth_shutdown(void);

/** Whether any token secret is configured. */
bool tz_auth_tokens_enabled(void);

/**
 * Verify a login token at time @p now (unix seconds).
 *
 * @return 0 with @p id filled (free with tz_auth_identity_clear()), or
 *         the counter that says why not (TZ_AUTH_BAD_TOKEN, _BAD_SIGNATURE,
 *         _EXPIRED, _NOT_YET_VALID, _BAD_CLAIMS) as a negative number
 *         -(1 + counter), with @p err a message fit for the client.
 *         The counter is not incremented: the caller counts the outcome.
 */
int tz_auth_verify_token(const char *token, int64_t now, struct tz_auth_identity *id,
			 char *err, size_t errlen);

/** Whether @p s may be an identity: 1-63 of A-Z a-z 0-9 . _ + - (a SIP
 *  user part that needs no escaping). */
bool tz_auth_user_valid(const char *s);

/** Release what @p id owns; it may be reused. */
void tz_auth_identity_clear(struct tz_auth_identity *id);

/** Copy @p src into @p dst (deep). */
void tz_auth_identity_copy(struct tz_auth_identity *dst, const struct tz_auth_identity *src);

/**
 * Whether @p target may be called by @p id: true when the token named no
 * targets, else when a pattern matches — exactly, or "PREFIX*" by prefix,
 * or "*".  Counts TZ_AUTH_TARGET_DENIED when not.
 */
bool tz_auth_target_allowed(const struct tz_auth_identity *id, const char *target);

/**
 * Back-off: seconds until a login from @p ip (and for @p user, may be NULL)
 * is considered again, 0 when it may go ahead now.
 */
unsigned tz_auth_throttled(const char *ip, const char *user, int64_t now_s);

/** Record a failed login from @p ip for @p user (may be NULL). */
void tz_auth_failed(const char *ip, const char *user, int64_t now_s);

/** Record a successful login: the user's failures are forgotten. */
void tz_auth_succeeded(const char *user);

/** Count an outcome. */
void tz_auth_count(enum tz_auth_counter c);

/** The counters, indexed by enum tz_auth_counter. */
const uint64_t *tz_auth_counters(void);
const char *tz_auth_counter_name(enum tz_auth_counter c);

/** Number of sources / users currently backed off (for `show auth`). */
unsigned tz_auth_locked_count(int64_t now_s);

#endif /* TZ_AUTH_H */
