/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lws on one GSource (issue 12): the signalling server's descriptors and
 * timers off GLib's per-connection sources.
 *
 * With lws's glib event library every connection is a GSource of its own
 * (plus its timers), and GLib walks every source in prepare and check on
 * every loop iteration: O(connections) per wake-up.  The lws 4.1.6 that
 * Debian ships is built without LWS_WITH_EXTERNAL_POLL (the ADD/DEL/
 * CHANGE_MODE_POLL_FD callbacks never come), so the descriptors are taken
 * through lws's libuv event library instead, on a libuv loop that nobody
 * runs on a thread of its own: libuv keeps every lws descriptor in one
 * epoll set and lws's timers in its timer heap, and the GLib main context
 * sees one source watching that epoll descriptor (uv_backend_fd), with the
 * heap's next expiry as its timeout (uv_backend_timeout).  A dispatch is
 * uv_run(UV_RUN_NOWAIT): the ready descriptors and the due timers, O(ready).
 *
 * TZ_WS_GLIB=1 in the environment keeps the glib event library (A/B).
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "ws_pvt.h"

/* Close callbacks after lws_context_destroy(): a few loop turns suffice. */
#define WS_UV_CLOSE_TURNS 10000

struct ws_uv_source {
	GSource src;
	uv_loop_t *uv;
	struct tz_ws_server *srv;
	gpointer tag;        /* uv_backend_fd() in the source */
};

static gboolean uvsrc_prepare(GSource *s, gint *timeout)
{
	struct ws_uv_source *u = (struct ws_uv_source *)s;
	int t;

	/* libuv's clock is cached at its last run: refresh it, or the timeout
	 * is late by the time since */
	uv_update_time(u->uv);
	t = uv_backend_timeout(u->uv);
	*timeout = t;
	return t == 0;
}

static gboolean uvsrc_check(GSource *s)
{
	struct ws_uv_source *u = (struct ws_uv_source *)s;

	if (g_source_query_unix_fd(s, u->tag) & (G_IO_IN | G_IO_ERR | G_IO_HUP))
		return TRUE;
	uv_update_time(u->uv);
	return uv_backend_timeout(u->uv) == 0;
}

static gboolean uvsrc_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	struct ws_uv_source *u = (struct ws_uv_source *)s;

	(void)cb;
	(void)data;
	u->srv->stats.cnt[TZ_WS_CNT_LOOP_RUNS]++;
	uv_run(u->uv, UV_RUN_NOWAIT);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs uvsrc_funcs = {
	.prepare = uvsrc_prepare,
	.check = uvsrc_check,
	.dispatch = uvsrc_dispatch,
};

bool tz_ws_loop_glib(void)
{
	const char *e = getenv("TZ_WS_GLIB");

	return e != NULL && strcmp(e, "1") == 0;
}

int tz_ws_loop_open(struct tz_ws_server *srv, GMainContext *ctx)
{
	struct ws_uv_source *u;
	uv_loop_t *uv = g_new0(uv_loop_t, 1);
	int rc = uv_loop_init(uv);

	if (rc != 0) {
		TZ_LOG(CP_WS, ERR, "signalling: libuv loop: %s", uv_strerror(rc));
		g_free(uv);
		return rc;
	}
	u = (struct ws_uv_source *)g_source_new(&uvsrc_funcs, sizeof(*u));
	u->uv = uv;
	u->srv = srv;
	u->tag = g_source_add_unix_fd(&u->src, uv_backend_fd(uv), G_IO_IN);
	g_source_set_name(&u->src, "tz-ws-uv");
	g_source_set_can_recurse(&u->src, FALSE);
	g_source_attach(&u->src, ctx);
	srv->uv = uv;
	srv->uv_src = &u->src;
	return 0;
}

static void count_handle(uv_handle_t *h, void *arg)
{
	(void)h;
	(*(unsigned *)arg)++;
}

/* Run the close callbacks (and whatever else is due) until nothing is left. */
static void turn_until_idle(uv_loop_t *uv)
{
	for (int i = 0; i < WS_UV_CLOSE_TURNS && uv_run(uv, UV_RUN_NOWAIT) != 0; i++)
		;
}

/*
 * Stop lws.  On our libuv loop (lws 4.1.6) the first lws_context_destroy()
 * only closes lws's handles through the loop and returns; once the loop has
 * run their close callbacks, a second call frees the context (without it the
 * context, its vhosts and their SSL contexts leak: LeakSanitizer, valgrind).
 */
void tz_ws_loop_destroy(struct tz_ws_server *srv)
{
	if (srv->ctx != NULL) {
		lws_context_destroy(srv->ctx);
		if (srv->uv != NULL) {
			turn_until_idle(srv->uv);
			lws_context_destroy(srv->ctx);
		}
		srv->ctx = NULL;
	}
	tz_ws_loop_close(srv);
}

/* After the context is gone: the loop turns until it has nothing left, then goes. */
void tz_ws_loop_close(struct tz_ws_server *srv)
{
	uv_loop_t *uv = srv->uv;
	unsigned left = 0;

	if (srv->uv_src != NULL) {
		g_source_destroy(srv->uv_src);
		g_source_unref(srv->uv_src);
		srv->uv_src = NULL;
	}
	if (uv == NULL)
		return;
	turn_until_idle(uv);
	if (uv_loop_close(uv) != 0) {
		uv_walk(uv, count_handle, &left);
		TZ_LOG(CP_WS, WARNING, "signalling: %u libuv handles still open at stop; "
		       "loop left allocated", left);
		srv->uv = NULL;
		return;
	}
	g_free(uv);
	srv->uv = NULL;
}
