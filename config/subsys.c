/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log subsystem names logging.levels may use.  They come from the one
 * X-macro list in dataplane/api/tz_log.h so the config, the CLI and the code
 * agree; only the macro is used (the config library links no DPDK).
 */
#include <stdbool.h>
#include <string.h>

#include "cfg_pvt.h"
#include "tz_log.h"
#include "tz_nearest.h"

#define SUB_NAME(e, n) n,

static const char *const subsystems[] = {
	TZ_LOG_SUBSYSTEMS(SUB_NAME)
	"*",
	"dpdk",
};

#define N_SUBSYSTEMS (sizeof(subsystems) / sizeof(subsystems[0]))

/* "cp.sip", "*", "dpdk", or "cp.*": a prefix of some subsystem and ".*". */
bool tz_cfg_subsystem_valid(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < N_SUBSYSTEMS; i++)
		if (strcmp(name, subsystems[i]) == 0)
			return true;
	if (len < 3 || strcmp(name + len - 2, ".*") != 0)
		return false;
	for (size_t i = 0; i < N_SUBSYSTEMS; i++)
		if (strncmp(subsystems[i], name, len - 2) == 0 &&
		    (subsystems[i][len - 2] == '\0' || subsystems[i][len - 2] == '.'))
			return true;
	return false;
}

const char *tz_cfg_subsystem_nearest(const char *name)
{
	return tz_nearest(name, subsystems, N_SUBSYSTEMS);
}
