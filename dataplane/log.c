/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <rte_log.h>

#include "tz_log.h"

int tz_logtype[TZ_LOG_SUB_COUNT];

static const char *const sub_names[TZ_LOG_SUB_COUNT] = {
#define TZ_LOG_NAME(e, n) [TZ_LOG_##e] = n,
	TZ_LOG_SUBSYSTEMS(TZ_LOG_NAME)
#undef TZ_LOG_NAME
};

static const char *const level_names[] = {
	[RTE_LOG_EMERG] = "emerg",
	[RTE_LOG_ALERT] = "alert",
	[RTE_LOG_CRIT] = "crit",
	[RTE_LOG_ERR] = "error",
	[RTE_LOG_WARNING] = "warning",
	[RTE_LOG_NOTICE] = "notice",
	[RTE_LOG_INFO] = "info",
	[RTE_LOG_DEBUG] = "debug",
};

/* rte_log types can be registered before rte_eal_init(). */
static void __attribute__((constructor)) tz_log_register(void)
{
	for (int i = 0; i < TZ_LOG_SUB_COUNT; i++) {
		char name[64];

		snprintf(name, sizeof(name), "tz.%s", sub_names[i]);
		tz_logtype[i] = rte_log_register_type_and_pick_level(name, RTE_LOG_INFO);
		if (tz_logtype[i] < 0)
			tz_logtype[i] = RTE_LOGTYPE_USER1;
	}
}

/* Subsystem of an rte_log type: ours by name, any other is DPDK's own. */
const char *tz_log_type_sub_name(int logtype)
{
	for (int i = 0; i < TZ_LOG_SUB_COUNT; i++)
		if (tz_logtype[i] == logtype)
			return sub_names[i];
	return "dpdk";
}

const char *tz_log_sub_name(enum tz_log_sub sub)
{
	return (unsigned)sub < TZ_LOG_SUB_COUNT ? sub_names[sub] : "?";
}

const char *tz_log_level_name(int level)
{
	if (level < (int)RTE_LOG_EMERG || level > (int)RTE_LOG_DEBUG)
		return "?";
	return level_names[level];
}

int tz_log_level_parse(const char *s)
{
	char *end;
	long v;

	for (int l = (int)RTE_LOG_EMERG; l <= (int)RTE_LOG_DEBUG; l++)
		if (strcasecmp(s, level_names[l]) == 0)
			return l;
	if (strcasecmp(s, "err") == 0)
		return RTE_LOG_ERR;
	if (strcasecmp(s, "warn") == 0)
		return RTE_LOG_WARNING;
	v = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0' && v >= RTE_LOG_EMERG && v <= RTE_LOG_DEBUG)
		return (int)v;
	return -EINVAL;
}

int tz_log_get_level(enum tz_log_sub sub)
{
	return rte_log_get_level(tz_logtype[sub]);
}

static ssize_t syslog_write(void *cookie, const char *buf, size_t len)
{
	int prio;

	switch (rte_log_cur_msg_loglevel()) {
	case RTE_LOG_EMERG: prio = LOG_EMERG; break;
	case RTE_LOG_ALERT: prio = LOG_ALERT; break;
	case RTE_LOG_CRIT: prio = LOG_CRIT; break;
	case RTE_LOG_ERR: prio = LOG_ERR; break;
	case RTE_LOG_WARNING: prio = LOG_WARNING; break;
	case RTE_LOG_NOTICE: prio = LOG_NOTICE; break;
	case RTE_LOG_DEBUG: prio = LOG_DEBUG; break;
	default: prio = LOG_INFO; break;
	}
	syslog(prio, "%.*s", (int)len, buf);
	return (ssize_t)len;
}

int tz_log_init(enum tz_log_target target, int level)
{
	if (target == TZ_LOG_TO_SYSLOG) {
		cookie_io_functions_t io = { .write = syslog_write };
		FILE *f;

		openlog("trapezed", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		f = fopencookie(NULL, "w+", io);
		if (f == NULL)
			return -ENOMEM;
		setvbuf(f, NULL, _IOLBF, 0);
		rte_openlog_stream(f);
	} else if (target == TZ_LOG_TO_JOURNAL) {
		FILE *f = tz_log_journal_stream();

		if (f == NULL)
			return -errno;
		rte_openlog_stream(f);
	} else {
		rte_openlog_stream(stderr);
	}
	return tz_log_set_level("*", level) < 0 ? -EINVAL : 0;
}

static int set_matching(const char *pattern, int level)
{
	size_t plen = strlen(pattern);
	int n = 0;

	for (int i = 0; i < TZ_LOG_SUB_COUNT; i++) {
		const char *name = sub_names[i];
		int match;

		if (strcmp(pattern, "*") == 0)
			match = 1;
		else if (plen >= 2 && strcmp(pattern + plen - 2, ".*") == 0)
			match = strncmp(name, pattern, plen - 1) == 0 ||
				(strncmp(name, pattern, plen - 2) == 0 && name[plen - 2] == '\0');
		else
			match = strcmp(name, pattern) == 0;
		if (match && rte_log_set_level(tz_logtype[i], (uint32_t)level) == 0)
			n++;
	}
	return n;
}

int tz_log_set_level(const char *pattern, int level)
{
	int n;

	if (level < (int)RTE_LOG_EMERG || level > (int)RTE_LOG_DEBUG)
		return -EINVAL;
	if (strncmp(pattern, "tz.", 3) == 0)
		pattern += 3;
	if (strcmp(pattern, "dpdk") == 0) {
		/* DPDK's own types: everything not ours. */
		rte_log_set_level_pattern("lib.*", (uint32_t)level);
		rte_log_set_level_pattern("pmd.*", (uint32_t)level);
		rte_log_set_level_pattern("user*", (uint32_t)level);
		return 1;
	}
	n = set_matching(pattern, level);
	return n > 0 ? n : -ENOENT;
}
