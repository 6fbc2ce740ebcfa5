/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload and drain as the call manager sees them (issue 13).  A reload hands
 * over a new config: new calls and logins read it; calls in progress keep
 * the trunk they were placed on (their struct tz_cfg_trunk lives in the
 * config they started under, which the daemon keeps until exit).  Tenants
 * keep their indexes (the daemon refuses a reload that moves one).
 * Draining refuses every new call.
 */
#include <errno.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

static bool draining;
static uint64_t refused_draining;

int tz_calls_reconfigure(const struct tz_config *cfg)
{
	int rc;

	if (cfg == NULL)
		return -EINVAL;
	tz_calls_env.cfg = cfg;
	tz_messaging_configure();
	tz_announce_configure(cfg);
	rc = tz_tenant_init(cfg);     /* carries each tenant's state across by name */
	if (rc != 0)
		TZ_LOG(CP_SESSION, ERR, "reload: tenant limits not renewed: %s", strerror(-rc));
	return rc;
}

void tz_calls_set_draining(bool on)
{
	draining = on;
}

bool tz_calls_draining(void)
{
	return draining;
}

bool tz_calls_drain_refuse(void)
{
	if (!draining)
		return false;
	refused_draining++;
	return true;
}

uint64_t tz_calls_refused_draining(void)
{
	return refused_draining;
}
