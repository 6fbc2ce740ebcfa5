/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show process`: every thread of trapezed with the CPU it used so far
 * (user + system, from /proc/self/task) and, for the dataplane workers, the
 * time they spent in rounds that moved packets.  A load test samples it
 * twice and divides: control-thread CPU per call set-up, worker time per
 * call-second of media (trapeze-bench calls).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "daemon_pvt.h"
#include "ctxhub.h"
#include "evpoll.h"
#include "ifaddrs_cache.h"
#include "localips_cache.h"
#include "tz_ports.h"
#include "procstat.h"
#include "wake_mute.h"
#include "wakeup.h"
#include "tz_cli.h"
#include "tz_svc.h"

#define MAX_THREADS 256

enum role { ROLE_CONTROL, ROLE_WORKER, ROLE_SVC, ROLE_OTHER };

static const char *const role_names[] = { "control", "worker", "media-services", "other" };

/* Is @p lcore one of the media-services stage's (docs/media-services.md)? */
static bool svc_lcore(int lcore)
{
	for (unsigned k = 0; k < tz_svc_n_cores(); k++)
		if ((int)tz_svc_lcore(k) == lcore)
			return true;
	return false;
}

static enum role role_of(const struct tz_procstat *t, int *lcore)
{
	*lcore = tz_procstat_worker_lcore(t->comm);
	if (t->tid == getpid()) {
		*lcore = (int)rte_get_main_lcore();   /* the EAL main lcore runs the GLib loop */
		return ROLE_CONTROL;
	}
	if (*lcore >= 0 && svc_lcore(*lcore))
		return ROLE_SVC;
	return *lcore >= 0 ? ROLE_WORKER : ROLE_OTHER;
}

/* Busy seconds of the stage core on @p lcore, or a negative number. */
static double svc_busy_s(int lcore)
{
	uint64_t busy, total;

	for (unsigned k = 0; k < tz_svc_n_cores(); k++)
		if ((int)tz_svc_lcore(k) == lcore && tz_svc_lcore_stats(k, &busy, &total) == 0)
			return (double)busy / (double)rte_get_tsc_hz();
	return -1;
}

/* Busy seconds of the worker on @p lcore, or a negative number. */
static double worker_busy_s(int lcore)
{
	for (unsigned i = 0; i < tz_dp_n_workers(); i++) {
		struct tz_dp_lcore_stats st;
		unsigned l;

		if (tz_dp_lcore_stats(i, &l, &st) == 0 && (int)l == lcore)
			return (double)st.busy_tsc / (double)rte_get_tsc_hz();
	}
	return -1;
}

static void num(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	if (v >= 0)
		json_builder_add_double_value(b, (double)(long long)(v * 1000 + 0.5) / 1000);
	else
		json_builder_add_null_value(b);
}

static void row(JsonBuilder *b, const struct tz_procstat *t, enum role r, int lcore, double tck)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tid");
	json_builder_add_int_value(b, t->tid);
	json_builder_set_member_name(b, "thread");
	json_builder_add_string_value(b, t->comm);
	json_builder_set_member_name(b, "role");
	json_builder_add_string_value(b, role_names[r]);
	json_builder_set_member_name(b, "lcore");
	if (lcore >= 0)
		json_builder_add_int_value(b, lcore);
	else
		json_builder_add_null_value(b);
	num(b, "cpu_s", (double)(t->utime_ticks + t->stime_ticks) / tck);
	num(b, "user_s", (double)t->utime_ticks / tck);
	num(b, "sys_s", (double)t->stime_ticks / tck);
	num(b, "busy_s", r == ROLE_WORKER ? worker_busy_s(lcore) : r == ROLE_SVC ? svc_busy_s(lcore) : -1);
	json_builder_end_object(b);
}

int tz_daemon_show_process(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	static struct tz_procstat threads[MAX_THREADS];   /* control thread only */
	long tck = sysconf(_SC_CLK_TCK);
	int n = tz_procstat_threads(threads, MAX_THREADS);

	if (n < 0)
		return tz_cli_error(req, "cannot read /proc/self/task: %s", strerror(-n));
	if (tck <= 0)
		tck = 100;
	json_builder_begin_array(b);
	/* the control thread first, then the workers, the stage, then the rest */
	for (enum role want = ROLE_CONTROL; want <= ROLE_OTHER; want++)
		for (int i = 0; i < n; i++) {
			int lcore;

			if (role_of(&threads[i], &lcore) == want)
				row(b, &threads[i], want, want == ROLE_OTHER ? -1 : lcore, (double)tck);
		}
	json_builder_end_array(b);
	return 0;
}

static void member(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

/* `show loop`: the control loop's counters (epoll poll, wake-ups, context hub). */
int tz_daemon_show_loop(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_evpoll_stats ev;
	struct tz_ctxhub_stats hub;
	struct tz_ifaddrs_stats ifa;
	struct tz_localips_stats lip;
	struct tz_wake_mute_stats mute;
	uint64_t drains, drained, nh_hits, nh_lookups;

	tz_ifaddrs_get_stats(&ifa);
	tz_localips_get_stats(&lip);
	tz_port_next_hop_stats(&nh_hits, &nh_lookups);
	tz_evpoll_get_stats(&ev);
	tz_ctxhub_get_stats(&hub);
	tz_wakeup_get_stats(&drains, &drained);
	tz_wake_mute_get_stats(&mute);
	json_builder_begin_object(b);
	member(b, "iterations", ev.polls);
	member(b, "epoll_fds", ev.fds);
	member(b, "epoll_ctl", ev.adds + ev.mods + ev.dels);
	member(b, "wakeups_drained", drained);
	member(b, "wakeups_skipped_member", mute.member);
	member(b, "wakeups_skipped_loop", mute.loop);
	member(b, "wakeup_reads_skipped", mute.unread);
	member(b, "getifaddrs_calls", ifa.calls);
	member(b, "getifaddrs_dumps", ifa.dumps);
	member(b, "local_ips_calls", lip.calls);
	member(b, "local_ips_listings", lip.queries);
	member(b, "next_hop_lookups", nh_lookups);
	member(b, "next_hop_cached", nh_hits);
	json_builder_set_member_name(b, "ctxhub");
	json_builder_begin_object(b);
	member(b, "active", tz_ctxhub_active());
	member(b, "members", hub.members);
	member(b, "fds", hub.fds);
	member(b, "dispatches", hub.dispatches);
	member(b, "runs", hub.runs);
	member(b, "runs_by_fd", hub.by_fd);
	member(b, "runs_by_timer", hub.by_timer);
	member(b, "syncs", hub.syncs);
	member(b, "epoll_ctl", hub.ctl);
	member(b, "errors", hub.errors);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return 0;
}
