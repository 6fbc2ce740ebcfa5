/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the tenant module: the state of each tenant, user, trunk and admitted
 * call.  Tenants and trunks are objects carried across a reload by name (the
 * config's indexes may change); every admitted call holds a record pointing at
 * them, so a call admitted under the old config ends on the same objects.
 * Control thread only.
 */
#ifndef TENANT_PVT_H
#define TENANT_PVT_H

#include <glib.h>

#include "tz_log.h"
#include "tz_tenant.h"

#define TENANT_LOG(lvl, fmt, ...) TZ_LOG(CP_SESSION, lvl, "tenant " fmt, ##__VA_ARGS__)

/* Per-user states kept per tenant, at least; more when limits.max_calls is
 * larger (every live caller needs one). */
#define TENANT_USERS_MIN 4096u
/* A user without a live call whose bucket has been refilled (1 s) is the same
 * as a fresh one and is forgotten. */
#define TENANT_IDLE_US G_USEC_PER_SEC
#define SECONDS_PER_DAY 86400

/* A token bucket: `tokens` in millionths of a token, refilled at `rate`
 * tokens per second, capacity max(rate, 1) tokens (one second's worth). */
struct bucket {
	int64_t tokens;
	int64_t last_us;
	bool primed;
};

struct user_state {
	char *name;               /* the key of tenant_state.users */
	unsigned live;            /* admitted, not ended */
	struct bucket rate;
	int64_t last_us;          /* last admission attempt that reached it */
};

/* One UTC day of the budget; the live answered outbound calls are counted
 * by their number and the sum of their effective starts (answer time, or
 * the day's midnight when answered before it). */
struct budget {
	int64_t day;              /* unix seconds / 86400 */
	int64_t closed_s;         /* seconds of outbound calls ended today */
	unsigned live_n;
	int64_t live_start_sum;
	bool alarm_warn, alarm_full;  /* alarm lines logged today */
	uint64_t calls_out, calls_in; /* admitted today */
};

struct tenant_state {
	char name[TZ_CFG_NAME_MAX];
	uint32_t idx;             /* in the current config; UINT32_MAX when dropped */
	const struct tz_cfg_tenant *cfg;    /* NULL when dropped */
	const struct tz_cfg_tenant_limits *lim;  /* NULL when dropped */
	uint32_t max_per_user;    /* effective max_calls_per_user */
	unsigned refs;            /* records + 1 while in the config */
	unsigned live;
	uint64_t ctr[TZ_TENANT_COUNT];
	struct bucket rate;
	struct budget budget;
	GHashTable *users;        /* name -> struct user_state */
	unsigned users_max;
};

struct trunk_state {
	char name[TZ_CFG_NAME_MAX];
	const struct tz_cfg_trunk *cfg;     /* NULL when dropped */
	unsigned refs;
	unsigned live;
	int last_status;          /* 0: none yet */
	int64_t last_s;
	uint64_t answered, failed;
};

/* One admitted call, remembered until tz_tenant_call_end. */
struct call_rec {
	const struct tz_tenant_call *key;   /* the caller's struct */
	uint32_t tenant_idx, trunk_idx;     /* as given at admission */
	bool inbound;
	struct tenant_state *t;
	struct user_state *u;               /* NULL for a call without a user */
	struct trunk_state *tr;             /* NULL for echo/hairpin */
	char *user;                         /* copy of call->user, or NULL */
	int64_t answered_s;                 /* 0 until answered */
	GList link;                         /* in tz_tenant_g.calls */
};

struct tenant_module {
	const struct tz_config *cfg;
	struct tenant_state **tenants;      /* by current index */
	size_t n_tenants;
	struct trunk_state **trunks;        /* by current sip.trunks index */
	size_t n_trunks;
	GHashTable *by_key;                 /* struct tz_tenant_call * -> call_rec */
	GQueue calls;                       /* every call_rec */
	int64_t last_us;                    /* latest monotonic clock seen */
	uint64_t unmatched;                 /* answered/end without a record (bug) */
	void (*live_hook)(uint32_t t, struct tz_tenant_live *out);
	/* refusal lines: at most LOG_BURST per LOG_WINDOW_US */
	int64_t log_window;
	unsigned log_used;
	uint64_t log_suppressed;
};

extern struct tenant_module tz_tenant_g;

/* For tests: the wall clock (unix seconds) of the CLI; default real time. */
extern int64_t (*tz_tenant_wall_clock)(void);

/* tenant.c */
void tenant_state_unref(struct tenant_state *t);
void trunk_state_unref(struct trunk_state *tr);
bool tenant_log_ok(int64_t now_us);
struct tenant_state *tenant_state_at(uint32_t idx);

/* limits.c */
bool tenant_pattern_match(const char *pat, const char *number);
bool tenant_target_allowed(const struct tz_cfg_tenant_limits *lim, const char *number);
void tenant_bucket_configure(struct bucket *b, uint32_t rate);
bool tenant_bucket_has(struct bucket *b, uint32_t rate, int64_t now_us);
void tenant_bucket_take(struct bucket *b, uint32_t rate);
struct user_state *tenant_user_get(struct tenant_state *t, const char *name, int64_t now_us);
void tenant_users_prune(struct tenant_state *t, int64_t now_us);
void tenant_user_state_free(gpointer p);

/* budget.c */
void tenant_budget_roll(struct tenant_state *t, int64_t now_s);
int64_t tenant_budget_spent_s(struct tenant_state *t, int64_t now_s);
bool tenant_budget_spent(struct tenant_state *t, int64_t now_s);
void tenant_budget_check(struct tenant_state *t, int64_t now_s);
void tenant_budget_answer(struct tenant_state *t, int64_t answered_s, int64_t now_s);
void tenant_budget_close(struct tenant_state *t, bool was_live, int64_t answered_s,
			 int64_t now_s);

/* cmd.c */
int tenant_commands_register(void);
void tenant_commands_refresh(void);

#endif /* TENANT_PVT_H */
