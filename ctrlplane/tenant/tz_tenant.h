/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Tenants at run time (issue 11, docs/tenants.md): each tenant's fraud and
 * capacity limits (live calls of the tenant and per user, call attempts per
 * second of the tenant and per user, allowed and denied destinations, a
 * daily budget of call minutes with an alarm line), its counters, and the
 * CLI commands `show tenants` and `show tenant NAME`.
 *
 * The call manager (ctrlplane/session) asks tz_tenant_admit() before it
 * places or accepts a call and reports the call's answer and end; the
 * module keeps the live counts itself, so the two never disagree.  What it
 * cannot know (users online, registrations, the live calls of a trunk) it
 * asks the session code through the hook.
 *
 * Tenants are indexes into tz_config.tenants; 0 is the default tenant
 * (the top-level trunks, routes and token secrets; its limits come from
 * the top-level `limits:` keys of struct tz_cfg_tenant_limits).
 *
 * Threading: control thread only (no locks).
 */
#ifndef TZ_TENANT_H
#define TZ_TENANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz_config.h"

/* X(enum suffix, name, help): per-tenant counters, shown by `show tenant`. */
#define TZ_TENANT_COUNTERS(X)                                                          \
	X(LOGINS, "logins", "logins and SIP-over-WebSocket registrations accepted")      \
	X(LOGINS_REFUSED, "logins_wrong_tenant",                                          \
	  "logins refused: credentials of another tenant on this tenant's origin/host/path") \
	X(CALLS_OUT, "calls_out", "call attempts by the tenant's web users (admitted)")   \
	X(CALLS_IN, "calls_in", "calls from the tenant's trunks to its users (admitted)")  \
	X(CALLS_ANSWERED, "calls_answered", "calls answered, both directions")            \
	X(LIMIT_MAX_CALLS, "limit_max_calls", "refused: the tenant's max_calls live")      \
	X(LIMIT_USER_CALLS, "limit_user_calls", "refused: the user's max_calls_per_user")  \
	X(LIMIT_RATE, "limit_calls_per_s", "refused: the tenant's calls_per_s")            \
	X(LIMIT_USER_RATE, "limit_user_calls_per_s", "refused: the user's user_calls_per_s") \
	X(LIMIT_DENIED, "limit_target_denied",                                             \
	  "refused: the number is not in allow_targets or is in deny_targets")             \
	X(LIMIT_BUDGET, "limit_daily_minutes", "refused: the daily_minutes budget is spent") \
	X(CROSS_TENANT, "cross_tenant_refused",                                           \
	  "refused: a target, caller or trunk of another tenant")                         \
	X(BUDGET_ALARMS, "budget_alarms", "alarm lines logged (daily_minutes_alarm, 100 %)") \
	X(USERS_FULL, "users_table_full",                                                 \
	  "attempts by a user not tracked yet while the per-user table was full: an idle " \
	  "user forgotten early, or the call refused (503, counted limit_calls_per_s)")    \
	X(UNMATCHED, "calls_unmatched",                                                   \
	  "bug guard: an answer or end of a call that was not admitted (ignored, logged)")

enum tz_tenant_counter {
#define TZ_TENANT_CNT_ENUM(e, n, h) TZ_TENANT_##e,
	TZ_TENANT_COUNTERS(TZ_TENANT_CNT_ENUM)
#undef TZ_TENANT_CNT_ENUM
	TZ_TENANT_COUNT
};

/** Outcome of an admission check; each refusal has its counter above. */
enum tz_tenant_limit {
	TZ_TL_OK = 0,
	TZ_TL_MAX_CALLS,          /**< the tenant's live calls are at max_calls */
	TZ_TL_USER_CALLS,         /**< the user's live calls are at max_calls_per_user */
	TZ_TL_RATE,               /**< the tenant's calls_per_s bucket is empty */
	TZ_TL_USER_RATE,          /**< the user's user_calls_per_s bucket is empty */
	TZ_TL_DENIED,             /**< number not allowed / denied */
	TZ_TL_BUDGET,             /**< daily_minutes spent */
};

/**
 * What an admitted call is, for the live counts.
 *
 * The struct is the call's handle: the caller keeps the one it passed to
 * tz_tenant_admit() (e.g. inside its struct call), at the same address and
 * unchanged, and passes that same pointer to tz_tenant_call_answered() and
 * tz_tenant_call_end().  The module remembers each admitted call by that
 * address together with the tenant, trunk and user it was admitted under,
 * so a call admitted before a reload ends on the right tenant and trunk
 * even when their indexes changed (or they left the config); the indexes
 * in the struct are those of the config the call was admitted under and
 * need not be updated.  A different pointer with the same contents (a copy
 * on the stack) is accepted too, within one config generation.  The module
 * copies @p user; @p number is read only during tz_tenant_admit().
 */
struct tz_tenant_call {
	uint32_t tenant;          /**< index into tz_config.tenants */
	uint32_t trunk;           /**< index into sip.trunks, or UINT32_MAX (echo, hairpin) */
	const char *user;         /**< the tenant's web user (caller, or callee when inbound) */
	const char *number;       /**< outbound: the number dialled after routing
				       ("+442079460000", the Request-URI user part; a
				       URI target as "sip:user@domain"); inbound: NULL */
	bool inbound;             /**< from a trunk to the user: only max_calls and
				       max_calls_per_user apply, rates, targets and the
				       budget do not */
};

/** Live figures the session code knows (tz_tenant_set_live_hook). */
struct tz_tenant_live {
	unsigned users_online;    /**< logged-in connections */
	unsigned registrations;   /**< SIP registrations held for its users */
};

/**
 * Build the per-tenant state for @p cfg (kept by pointer: it must outlive
 * the module, or until the next init) and register the CLI commands
 * `show tenants` and `show tenant NAME` (tz_cli_register).
 *
 * Calling it again with a new config (a reload) keeps, matched by NAME, the
 * counters, rate buckets (clamped to the new rates), per-user state, budget
 * of the day and alarm state of every tenant still there, and the figures
 * of every trunk still there; it drops the others.  Calls admitted under the
 * old config keep counting on their tenant and trunk until they end (a
 * dropped tenant's state lives until its last call ends).  The old config
 * may be freed as soon as this returns.  A config without tenants
 * (n_tenants 0) gets a "default" tenant made up from its top-level limits.
 * Every other function's tenant and trunk indexes are those of the
 * config of the last init.
 * @return 0, or -EINVAL (@p cfg NULL, or tenants NULL with n_tenants > 0).
 */
int tz_tenant_init(const struct tz_config *cfg);

/** Forget everything (daemon shutdown).  The CLI commands stay registered
 *  and answer "tenants are not set up" until the next init. */
void tz_tenant_shutdown(void);

/**
 * Once a second (the session's 1 s timer), @p now_s unix seconds: starts a
 * new UTC day's budget when midnight passed, logs the budget alarm of a
 * tenant whose live calls crossed daily_minutes_alarm % or 100 % while
 * nobody placed, answered or ended a call, and forgets idle per-user state.
 */
void tz_tenant_tick(int64_t now_s);

/**
 * Whether @p call may start now: checks, in this order, the destination
 * patterns (outbound), the daily budget (outbound), the tenant's live calls,
 * the user's live calls, the tenant's rate (outbound), the user's rate
 * (outbound).  On TZ_TL_OK the call is counted live (CALLS_OUT / CALLS_IN,
 * the tenant's, the user's and the trunk's live calls) and a token is taken
 * from the rate buckets: tz_tenant_call_end() must follow, exactly once, with
 * the same @p call (see struct tz_tenant_call).  A refused attempt takes no
 * token.  On a refusal the limit's counter is incremented, a NOTICE line is
 * logged (at most 10 per 10 s) and @p why gets a message fit for the client
 * ("the daily call-minute budget of tenant acme is spent").
 *
 * Patterns: "+44*" (prefix), "*" (all), anything else exact; compared
 * ASCII-case-insensitively with @p number; a deny_targets match wins over an
 * allow_targets match; allow_targets NULL allows all, an empty list none.
 * An outbound call without a number (NULL: echo) passes the patterns.  A call
 * without a user (NULL or "") has no per-user limits.  An unknown tenant
 * index is refused (TZ_TL_DENIED, logged as a bug).  Before tz_tenant_init
 * every call is admitted and nothing is counted.
 * @p now_us: monotonic microseconds (g_get_monotonic_time), for the rates;
 * @p now_s: unix seconds (UTC day of the budget).
 */
enum tz_tenant_limit tz_tenant_admit(const struct tz_tenant_call *call, int64_t now_us,
				     int64_t now_s, char *why, size_t wlen);

/** Whether tenant @p t's allow_targets / deny_targets let its users reach
 *  @p number (the patterns of tz_tenant_admit(); NULL passes); false for an
 *  unknown tenant.  For what is not a call (a message).  Any thread. */
bool tz_tenant_target_allowed(const struct tz_config *cfg, uint32_t t, const char *number);

/** An admitted call was answered at @p now_s (its minutes start counting;
 *  a second report is ignored). */
void tz_tenant_call_answered(const struct tz_tenant_call *call, int64_t now_s);

/**
 * An admitted call ended at @p now_s; @p answered_s its answer time (unix s)
 * or 0 if it never was.  Outbound answered minutes go to the budget of the
 * day (a call over midnight counts from midnight in the new day); crossing
 * daily_minutes_alarm percent or 100 % logs one WARNING alarm line per day:
 *   "tenant acme: 812 of 1000 daily call minutes used (81 %)".
 * A call not admitted (or ended twice) changes nothing: it is logged and
 * counted calls_unmatched, so the live counts never underflow.  When the
 * call was never reported answered but @p answered_s is set, its minutes
 * count all the same.
 */
void tz_tenant_call_end(const struct tz_tenant_call *call, int64_t answered_s, int64_t now_s);

/**
 * The final response of trunk @p trunk (index into sip.trunks) to an INVITE
 * we sent it, at @p now_s (status 408/503 for a timeout or transport error).
 * `show tenant NAME` shows per trunk: live calls, the last final response
 * and its age, answered and failed (>= 400 except 486/487/603) counts.
 */
void tz_tenant_trunk_result(uint32_t trunk, int status, int64_t now_s);

/** SIP status for refusing with @p l: 403 for TZ_TL_DENIED and _BUDGET,
 *  486 for TZ_TL_USER_CALLS, 503 for the others; 0 for TZ_TL_OK. */
int tz_tenant_sip_status(enum tz_tenant_limit l);

/** Count @p c for tenant @p t (ignored when t is out of range). */
void tz_tenant_count(uint32_t t, enum tz_tenant_counter c);

/** Tenant @p t's counters, indexed by enum tz_tenant_counter, or NULL. */
const uint64_t *tz_tenant_counters(uint32_t t);
const char *tz_tenant_counter_name(enum tz_tenant_counter c);

/** Live calls of tenant @p t (as admitted and not ended), 0 when out of range. */
unsigned tz_tenant_live_calls(uint32_t t);

/** Index of the tenant named @p name, or -1. */
int tz_tenant_find(const char *name);

/**
 * The tenant whose `domains` holds @p domain (case-insensitive; "host" of a
 * SIP URI, no port), or -1 when none does (the default tenant's users then).
 */
int tz_tenant_of_domain(const char *domain);

/** Live figures for the CLI, filled by the session code (may stay unset: 0s). */
void tz_tenant_set_live_hook(void (*fn)(uint32_t t, struct tz_tenant_live *out));

#endif /* TZ_TENANT_H */
