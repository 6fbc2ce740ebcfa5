/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What a config reload changes (issue 13): the difference between the
 * running config and a newly loaded one, split into what a running daemon
 * takes for new calls and logins and what only a restart can change.
 *
 * Reload policy (docs/operations.md): a valid file is applied in part.
 * Keys that need a restart (ports, EAL, workers, listeners, media port
 * ranges, control socket, crypto backend, the WebSocket server's settings)
 * are listed as "needs restart: KEY" and keep their running values; the
 * rest takes effect.  tz_cfg_keep_running() makes the new config carry the
 * running values of those keys, so the config in force is always one
 * struct tz_config and `show config` shows what runs.
 *
 * Threading: pure functions, any thread.
 */
#ifndef TZ_CFG_DIFF_H
#define TZ_CFG_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "tz_config.h"

/** Entries of one list: by name (trunks, tenants, token secrets) or by
 *  position (routes: their order is their meaning). */
struct tz_cfg_diff_count {
	unsigned added, removed, changed;
};

/** Reloadable sections, in the order the summary names them. */
#define TZ_CFG_DIFF_SECTIONS(X)                        \
	X(ROUTES, "routes")                            \
	X(TRUNKS, "trunks")                            \
	X(TENANTS, "tenants")                          \
	X(SECRETS, "token_secrets")

enum tz_cfg_diff_section {
#define TZ_CFG_DIFF_ENUM(e, n) TZ_CFG_DIFF_##e,
	TZ_CFG_DIFF_SECTIONS(TZ_CFG_DIFF_ENUM)
#undef TZ_CFG_DIFF_ENUM
	TZ_CFG_DIFF_N_SECTIONS
};

/** Single keys and groups that take effect on reload. */
#define TZ_CFG_DIFF_FLAGS(X)                                                   \
	X(LIMITS, "limits")                                                    \
	X(AUTH, "auth")                                                        \
	X(LOGGING, "logging")                                                  \
	X(MEDIA, "media")                                                      \
	X(SIP, "sip")                                                          \
	X(CONTROL, "control")                                                  \
	X(RECORDING, "recording")

enum tz_cfg_diff_flag {
#define TZ_CFG_DIFF_FENUM(e, n) TZ_CFG_DIFF_F_##e,
	TZ_CFG_DIFF_FLAGS(TZ_CFG_DIFF_FENUM)
#undef TZ_CFG_DIFF_FENUM
	TZ_CFG_DIFF_N_FLAGS
};

struct tz_cfg_diff {
	struct tz_cfg_diff_count list[TZ_CFG_DIFF_N_SECTIONS];
	bool flag[TZ_CFG_DIFF_N_FLAGS];   /**< some key of the group changed */
	/** A tenant of the running config is gone or at another position.  Live
	 *  logins and calls hold tenants by index, so the daemon refuses such a
	 *  reload (restart instead); new tenants go at the end. */
	bool tenants_moved;
	char **restart;           /**< n_restart malloc'd key paths ("ports[0].pci") */
	size_t n_restart;
};

/**
 * Compare @p old (running) and @p new (just loaded and valid).
 * @return 0, or -ENOMEM (@p out then holds nothing to free).
 */
int tz_cfg_diff(const struct tz_config *old, const struct tz_config *new,
		struct tz_cfg_diff *out);

/** Nothing at all differs (no reloadable change, nothing needing a restart)? */
bool tz_cfg_diff_empty(const struct tz_cfg_diff *d);

/**
 * One line for the operator: "routes: 2 changed, trunks: 1 added, limits
 * changed" or "no changes"; the keys needing a restart are not in it.
 * @return malloc'd, or NULL (ENOMEM).
 */
char *tz_cfg_diff_summary(const struct tz_cfg_diff *d);

void tz_cfg_diff_free(struct tz_cfg_diff *d);

/**
 * Give @p new the running values of every key that needs a restart, by
 * swapping them with @p old (pointers move, nothing is copied or freed): @p
 * new then describes the daemon as it runs, @p old holds the file's values
 * of those keys.  Whatever pointed into @p old's restart-only members (a
 * port's config entry) now points into @p new.  Both stay valid for
 * tz_cfg_free().  The path stays each one's own.
 */
void tz_cfg_keep_running(struct tz_config *old, struct tz_config *new);

#endif /* TZ_CFG_DIFF_H */
