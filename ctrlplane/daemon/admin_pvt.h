/* SPDX-License-Identifier: BSD-3-Clause */
/* Reload and drain (issue 13): the state `show status` reports.  Control
 * thread only. */
#ifndef TZ_ADMIN_PVT_H
#define TZ_ADMIN_PVT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <glib.h>

#include "daemon_pvt.h"

struct admin {
	struct tz_daemon *d;
	GMainLoop *loop;
	guint sighup;
	/* reload */
	GPtrArray *retired;       /* configs replaced by a reload: calls placed under
				   * them point at their trunks; freed at exit */
	unsigned generation;      /* 1: the config trapezed started with */
	time_t loaded_at;
	time_t last_at;           /* last reload attempt, 0: none */
	char *last_result;        /* "ok: routes: 1 changed" / "refused: 2 errors" */
	char **pending;           /* keys changed in the file that need a restart */
	uint64_t reloads_ok, reloads_refused;
	/* drain */
	bool draining;
	time_t drain_started;
	int64_t drain_started_us;  /* monotonic, for the timeout */
	unsigned drain_timeout_s; /* 0: none */
	guint drain_timer;
	unsigned drain_calls_at_start;
	unsigned drain_hung_up;   /* calls left when the timeout expired */
};

extern struct admin tz_admin;

/* drain.c */
int tz_admin_drain_register(void);
void tz_admin_drain_stop(void);
void tz_admin_drain_status(JsonBuilder *b);

#endif
