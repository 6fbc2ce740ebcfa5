/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The context hub (ctxhub.h) as the ICE module's hooks: every new agent in
 * a context of its own, its sockets in the hub's epoll.  One definition for
 * the daemon (run.c) and the tests that run agents through the hub.
 */
#ifndef TZ_CTXHUB_ICE_H
#define TZ_CTXHUB_ICE_H

#include <glib.h>

#include "ctxhub.h"
#include "ctxhub_pool.h"
#include "tz_ice.h"

static inline void *tz_ctxhub_ice_add(GMainContext *ctx)
{
	return tz_ctxhub_add(ctx);
}

static inline void tz_ctxhub_ice_touch(void *m)
{
	tz_ctxhub_touch(m);
}

static inline void tz_ctxhub_ice_remove(void *m)
{
	tz_ctxhub_remove(m);
}

static inline GMainContext *tz_ctxhub_ice_lease(void **lease)
{
	return tz_ctxpool_get((struct tz_ctxpool_lease **)lease);
}

static inline void tz_ctxhub_ice_release(void *lease, GObject *last_user)
{
	tz_ctxpool_put(lease, last_user);
}

/**
 * Install the hub on the default main context and hand it every ICE agent
 * created from now on (tz_ice_set_ctx_ops, tz_ice_set_peek_ops), its
 * context leased from the pool (ctxhub_pool.h).  The loop's
 * thread, before the first call.
 * @return 0, or -errno from tz_ctxhub_install(): nothing changed, agents
 *         stay on the main context.
 */
static inline int tz_ctxhub_serve_ice(void)
{
	static const struct tz_ice_ctx_ops ctx_ops = { .add = tz_ctxhub_ice_add,
						       .touch = tz_ctxhub_ice_touch,
						       .remove = tz_ctxhub_ice_remove,
						       .lease = tz_ctxhub_ice_lease,
						       .release = tz_ctxhub_ice_release };
	static const struct tz_ice_peek_ops peek_ops = { .add = tz_ctxhub_peek_add,
							 .del = tz_ctxhub_peek_del };
	int rc = tz_ctxhub_install(g_main_context_default());

	if (rc != 0)
		return rc;
	tz_ice_set_ctx_ops(&ctx_ops);
	tz_ice_set_peek_ops(&peek_ops);  /* the agents' sockets are in the hub's epoll */
	return 0;
}

#endif /* TZ_CTXHUB_ICE_H */
