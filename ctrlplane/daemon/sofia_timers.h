/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sofia-sip's next timer without the sub-millisecond spin (sofia_timers.c).
 */
#ifndef TZ_SOFIA_TIMERS_H
#define TZ_SOFIA_TIMERS_H

/** sofia-sip's su_time_t (su_time.h), by value: NTP-epoch seconds, microseconds. */
struct tz_su_time {
	unsigned long tv_sec;
	unsigned long tv_usec;
};

/**
 * Milliseconds until the first timer of @p timers is due, as @p real
 * (sofia-sip's su_timer_next_expires) says, except that its 0 becomes 1
 * when the timer is still ahead of a clock one millisecond behind @p now.
 * Exposed for the unit test.
 */
long tz_sofia_next_expires(long (*real)(const void *, struct tz_su_time), const void *timers,
			   struct tz_su_time now);

#endif /* TZ_SOFIA_TIMERS_H */
