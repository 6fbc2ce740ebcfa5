/* SPDX-License-Identifier: BSD-3-Clause */
/* RLIMIT_NOFILE for the configured caps (see rlimits.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rlimits.h"

int tz_daemon_nofile_raise(rlim_t need, struct rlimit *set, char *why, size_t wsz)
{
	struct rlimit cur, want;
	int err;

	if (getrlimit(RLIMIT_NOFILE, &cur) != 0)
		return -errno;
	*set = cur;
	if (need == 0)
		need = cur.rlim_max;
	if (cur.rlim_cur != RLIM_INFINITY && cur.rlim_cur >= need)
		return 0;
	if (cur.rlim_max == RLIM_INFINITY || cur.rlim_max >= need) {
		want = (struct rlimit){ .rlim_cur = need, .rlim_max = cur.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &want) != 0)
			return -errno;
		*set = want;
		return 0;
	}
	/* Above the hard limit: only root (CAP_SYS_RESOURCE) may go there. */
	want = (struct rlimit){ .rlim_cur = need, .rlim_max = need };
	if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
		*set = want;
		return 0;
	}
	err = errno;
	/* Take what the hard limit gives, so the refusal is the only problem. */
	want = (struct rlimit){ .rlim_cur = cur.rlim_max, .rlim_max = cur.rlim_max };
	if (setrlimit(RLIMIT_NOFILE, &want) == 0)
		*set = want;
	snprintf(why, wsz, "%llu open files are needed; the hard limit is %llu and "
		 "cannot be raised (%s)", (unsigned long long)need,
		 (unsigned long long)cur.rlim_max, strerror(err));
	return -EMFILE;
}

rlim_t tz_daemon_nofile_need(uint32_t max_calls, uint32_t ws_max)
{
	return (rlim_t)ws_max + TZ_NOFILE_RESERVE + (rlim_t)max_calls * TZ_NOFILE_PER_CALL;
}

uint64_t tz_daemon_nofile_calls(rlim_t limit, uint32_t ws_max)
{
	rlim_t fixed = (rlim_t)ws_max + TZ_NOFILE_RESERVE;

	if (limit == RLIM_INFINITY)
		return UINT64_MAX;
	return limit > fixed ? (uint64_t)((limit - fixed) / TZ_NOFILE_PER_CALL) : 0;
}
