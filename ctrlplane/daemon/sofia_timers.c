/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sofia-sip's next timer as its GLib source sees it, without the spin.
 *
 * sofia-sip's GLib source (su_source.c) asks su_timer_next_expires() for
 * the milliseconds to its next timer, a difference truncated to whole
 * milliseconds, and calls itself ready when that is 0 -- also when the
 * timer is still up to a millisecond away.  Its dispatch then finds nothing
 * expired, and the loop goes round again with a zero timeout: for up to a
 * millisecond before every SIP timer the control thread spun through
 * ~100 iterations, each walking every source of every call (perf: one
 * su_timer_expire per loop iteration, 146 iterations/s with no call up,
 * half of all iterations during set-ups had a zero timeout).
 *
 * The executable's definition comes first in the dynamic linker's search
 * order, so libsofia-sip-ua-glib calls this one.  It returns the library's
 * own answer, except that "0" becomes "1 ms" when the timer is certainly
 * not due yet (seen from a clock one millisecond behind, it is still ahead).
 * A due timer still gets 0; the rare boundary case in which the library's
 * millisecond arithmetic cannot tell fires at most 1 ms late.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "sofia_timers.h"

typedef long (*next_fn)(const void *timers, struct tz_su_time now);

long tz_sofia_next_expires(long (*real)(const void *, struct tz_su_time), const void *timers,
			   struct tz_su_time now)
{
	struct tz_su_time behind = now;
	long r = real(timers, now);

	if (r != 0)
		return r;
	if (behind.tv_usec >= 1000) {
		behind.tv_usec -= 1000;
	} else {
		behind.tv_sec -= 1;
		behind.tv_usec += 1000000 - 1000;
	}
	return real(timers, behind) > 0 ? 1 : 0;
}

/* The name sofia-sip exports (su_port.h, not installed). */
long su_timer_next_expires(const void *timers, struct tz_su_time now);

long su_timer_next_expires(const void *timers, struct tz_su_time now)
{
	static next_fn real;
	next_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);

	if (f == NULL) {
		f = (next_fn)dlsym(RTLD_NEXT, "su_timer_next_expires");
		if (f == NULL)
			return 0; /* cannot happen: sofia-sip calls us from its own library */
		__atomic_store_n(&real, f, __ATOMIC_RELEASE);
	}
	return tz_sofia_next_expires(f, timers, now);
}
