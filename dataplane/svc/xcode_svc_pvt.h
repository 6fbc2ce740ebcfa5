/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stage.c's hooks into the transcoding service (xcode_svc.c, tz_svc_xcode.h).
 * All on the stage core but setup/stop (control thread, stage not running).
 */
#ifndef TZ_XCODE_SVC_PVT_H
#define TZ_XCODE_SVC_PVT_H

#include <rte_mbuf.h>

/* Send @p n packets made for flows of worker @p worker's (stage.c's inject). */
struct tz_svc_xcode_out {
	void (*inject)(void *arg, unsigned worker, struct rte_mbuf **m, unsigned n);
	void *arg;
};

int tz_svc_xcode_setup(unsigned n_cores, struct rte_mempool *pool);
void tz_svc_xcode_stop(void);
/* The core's commands (create, destroy); returns how many. */
unsigned tz_svc_xcode_commands(unsigned core);
/* Packets worker @p worker handed over: those of a transcoded call are
 * consumed (their output goes to @p out); the others are compacted at the
 * front of @p m and their number returned (they go back unchanged). */
unsigned tz_svc_xcode_take(unsigned core, unsigned worker, struct rte_mbuf **m, unsigned n,
			   const struct tz_svc_xcode_out *out);

#endif /* TZ_XCODE_SVC_PVT_H */
