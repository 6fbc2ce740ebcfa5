/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hand-built config for the tenant tests: tenants[0] default, acme and
 * globex, one trunk each; explicit clocks; the log captured in memory.
 */
#ifndef TENANT_FIXTURE_H
#define TENANT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tenant_pvt.h"
#include "tz_config.h"

#define ACME 1u
#define GLOBEX 2u
#define TRUNK_PSTN 0u
#define TRUNK_ACME 1u
#define TRUNK_GLOBEX 2u

/* 2026-12-07 12:00:00 UTC, and a monotonic clock far from 0 */
#define DAY0 (20794LL * 86400)
#define NOON (DAY0 + 12 * 3600)
#define US0 (1000LL * G_USEC_PER_SEC)

/* The config the tests build on (reset by fixture_reset). */
extern struct tz_config fx_cfg;
extern struct tz_cfg_tenant fx_tenants[3];
extern struct tz_cfg_trunk fx_trunks[3];

/* Default limits: acme max_calls 3, 2 per user, 5/s, 1/s per user, allow
 * "+44*" deny "+449*" "+4487*" "+00*", 10 minutes a day, alarm at 80 %;
 * globex and default: no limit of their own (gateway: 4 calls per user). */
void fixture_reset(void);

/* An outbound call of @p tenant's @p user to @p number over @p trunk. */
struct tz_tenant_call fx_out(uint32_t tenant, const char *user, const char *number,
			     uint32_t trunk);
/* An inbound call from @p trunk to @p user. */
struct tz_tenant_call fx_in(uint32_t tenant, const char *user, uint32_t trunk);

/* Admit @p c at the clocks; the result. */
enum tz_tenant_limit fx_admit(const struct tz_tenant_call *c, int64_t now_us, int64_t now_s);

uint64_t fx_ctr(uint32_t tenant, enum tz_tenant_counter c);

/* Log capture: everything logged from now on, until log_stop. */
void log_start(void);
const char *log_text(void);
unsigned log_count(const char *needle);
void log_stop(void);

int fx_setup(void **state);
int fx_teardown(void **state);

#endif
