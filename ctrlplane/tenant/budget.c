/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daily budget of answered outbound call minutes, per UTC day, and its
 * alarm lines.  Spent today = the seconds of the outbound calls ended today
 * (from their answer, or from midnight when answered the day before) + the
 * seconds of the live answered ones so far, so one long call cannot run
 * past the budget unseen.  Live calls are never cut: once spent, only new
 * outbound calls are refused.
 */
#include <inttypes.h>

#include "tenant_pvt.h"

static int64_t day_start(const struct budget *b)
{
	return b->day * SECONDS_PER_DAY;
}

/* A new UTC day: nothing spent yet, live calls count from midnight. */
void tenant_budget_roll(struct tenant_state *t, int64_t now_s)
{
	struct budget *b = &t->budget;
	int64_t day = now_s >= 0 ? now_s / SECONDS_PER_DAY : 0;

	if (day <= b->day)
		return;                 /* same day, or the clock stepped back */
	b->day = day;
	b->closed_s = 0;
	b->live_start_sum = (int64_t)b->live_n * day_start(b);
	b->alarm_warn = false;
	b->alarm_full = false;
	b->calls_out = 0;
	b->calls_in = 0;
}

int64_t tenant_budget_spent_s(struct tenant_state *t, int64_t now_s)
{
	struct budget *b = &t->budget;
	int64_t live;

	tenant_budget_roll(t, now_s);
	live = (int64_t)b->live_n * now_s - b->live_start_sum;
	return b->closed_s + (live > 0 ? live : 0);
}

static int64_t budget_s(const struct tenant_state *t)
{
	return t->lim != NULL ? (int64_t)t->lim->daily_minutes * 60 : 0;
}

bool tenant_budget_spent(struct tenant_state *t, int64_t now_s)
{
	int64_t max = budget_s(t);

	return max > 0 && tenant_budget_spent_s(t, now_s) >= max;
}

void tenant_budget_answer(struct tenant_state *t, int64_t answered_s, int64_t now_s)
{
	struct budget *b = &t->budget;

	tenant_budget_roll(t, now_s);
	b->live_n++;
	b->live_start_sum += MAX(answered_s, day_start(b));
}

/* An answered outbound call ended (@p was_live: counted live since its answer). */
void tenant_budget_close(struct tenant_state *t, bool was_live, int64_t answered_s,
			 int64_t now_s)
{
	struct budget *b = &t->budget;
	int64_t start;

	tenant_budget_roll(t, now_s);
	start = MAX(answered_s, day_start(b));
	if (was_live && b->live_n > 0) {
		b->live_n--;
		b->live_start_sum -= start;
	}
	if (now_s > start)
		b->closed_s += now_s - start;
}

static void alarm_line(struct tenant_state *t, int64_t spent, int64_t max, bool full)
{
	t->ctr[TZ_TENANT_BUDGET_ALARMS]++;
	TENANT_LOG(WARNING, "%s: %" PRId64 " of %" PRIu32 " daily call minutes used (%" PRId64
		   " %%)%s", t->name, spent / 60, t->lim->daily_minutes, spent * 100 / max,
		   full ? ": new outbound calls are refused until 00:00 UTC" : "");
}

/* The alarm lines, once per day each: daily_minutes_alarm % and 100 %. */
void tenant_budget_check(struct tenant_state *t, int64_t now_s)
{
	struct budget *b = &t->budget;
	int64_t max = budget_s(t);
	uint32_t pct;
	int64_t spent;

	if (max == 0)
		return;
	pct = t->lim->daily_minutes_alarm;
	spent = tenant_budget_spent_s(t, now_s);
	if (!b->alarm_warn && pct > 0 && pct < 100 && spent * 100 >= (int64_t)pct * max) {
		b->alarm_warn = true;
		alarm_line(t, spent, max, false);
	}
	if (!b->alarm_full && spent >= max) {
		b->alarm_full = true;
		alarm_line(t, spent, max, true);
	}
}
