/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which tenant a WebSocket belongs to (issue 11, docs/config.md tenants[]):
 * a tenant's `origins` (its web pages, also allowed to open the WebSocket),
 * `hosts` (the Host header without its port) and `paths` (the URL path,
 * where both subprotocols are served) select it.  Each selects one tenant
 * at most (the config loader checks that); an upgrade whose selectors name
 * two different tenants is refused in ws_admit.c.
 */
#include <errno.h>
#include <string.h>

#include "ws_pvt.h"

struct ws_tenant {
	char *name;
	char **origins;           /* normalised: lower case, default port dropped */
	char **hosts;             /* lower case */
	char **paths;
};

static void tenants_free(struct ws_tenant *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++) {
		g_free(t[i].name);
		g_strfreev(t[i].origins);
		g_strfreev(t[i].hosts);
		g_strfreev(t[i].paths);
	}
	g_free(t);
}

static char **origins_copy(const struct tz_cfg_tenant *t)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
	char norm[256];

	for (size_t i = 0; t->origins != NULL && t->origins[i] != NULL; i++) {
		if (!tz_ws_origin_normalise(t->origins[i], norm, sizeof(norm))) {
			TZ_LOG(CP_WS, ERR, "tenants %s: origins: \"%s\" is not an origin "
			       "(https://host[:port])", t->name, t->origins[i]);
			g_ptr_array_free(list, TRUE);
			return NULL;
		}
		g_ptr_array_add(list, g_strdup(norm));
	}
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(list, FALSE);
}

static char **hosts_copy(const struct tz_cfg_tenant *t)
{
	size_t n = t->hosts != NULL ? g_strv_length(t->hosts) : 0;
	char **out = g_new0(char *, n + 1);

	for (size_t i = 0; i < n; i++)
		out[i] = g_ascii_strdown(t->hosts[i], -1);
	return out;
}

int tz_ws_server_set_tenants(struct tz_ws_server *srv, const struct tz_cfg_tenant *tenants,
			     size_t n)
{
	struct ws_tenant *t = g_new0(struct ws_tenant, n ? n : 1);

	for (size_t i = 0; i < n; i++) {
		t[i].name = g_strdup(tenants[i].name);
		t[i].origins = origins_copy(&tenants[i]);
		t[i].hosts = hosts_copy(&tenants[i]);
		t[i].paths = g_strdupv(tenants[i].paths);
		if (t[i].origins == NULL) {
			tenants_free(t, n);
			return -EINVAL;
		}
	}
	tenants_free(srv->tenants, srv->n_tenants);
	srv->tenants = t;
	srv->n_tenants = n;
	return 0;
}

void tz_ws_tenants_free(struct tz_ws_server *srv)
{
	tenants_free(srv->tenants, srv->n_tenants);
	srv->tenants = NULL;
	srv->n_tenants = 0;
}

static bool listed(char *const *list, const char *v)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return true;
	return false;
}

int tz_ws_tenant_of_origin(const struct tz_ws_server *srv, const char *origin)
{
	for (size_t i = 0; i < srv->n_tenants; i++)
		if (listed(srv->tenants[i].origins, origin))
			return (int)i;
	return -1;
}

bool tz_ws_tenant_path_ok(struct lws *wsi, const struct tz_ws_server *srv)
{
	for (size_t i = 0; i < srv->n_tenants; i++)
		for (char **p = srv->tenants[i].paths; p != NULL && *p != NULL; p++)
			if (tz_ws_uri_is(wsi, *p))
				return true;
	return false;
}

static int of_path(struct lws *wsi, const struct tz_ws_server *srv)
{
	for (size_t i = 0; i < srv->n_tenants; i++)
		for (char **p = srv->tenants[i].paths; p != NULL && *p != NULL; p++)
			if (tz_ws_uri_is(wsi, *p))
				return (int)i;
	return -1;
}

/* The Host header's name, lower case, without the port ("[2001:db8::1]" kept whole). */
static bool host_name(struct lws *wsi, char *out, size_t osz)
{
	char *end;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0 ||
	    lws_hdr_copy(wsi, out, (int)osz, WSI_TOKEN_HOST) <= 0)
		return false;
	end = out[0] == '[' ? strchr(out, ']') : strchr(out, ':');
	if (end != NULL)
		end[out[0] == '[' ? 1 : 0] = '\0';
	for (char *p = out; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	return true;
}

static int of_host(struct lws *wsi, const struct tz_ws_server *srv, char *host, size_t hsz)
{
	if (!host_name(wsi, host, hsz))
		return -1;
	for (size_t i = 0; i < srv->n_tenants; i++)
		if (listed(srv->tenants[i].hosts, host))
			return (int)i;
	return -1;
}

static int of_origin(struct lws *wsi, const struct tz_ws_server *srv, char *origin, size_t osz)
{
	char raw[256];

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0 ||
	    lws_hdr_copy(wsi, raw, (int)sizeof(raw), WSI_TOKEN_ORIGIN) <= 0 ||
	    !tz_ws_origin_normalise(raw, origin, osz))
		return -1;
	return tz_ws_tenant_of_origin(srv, origin);
}

int tz_ws_tenant_select(struct lws *wsi, const struct tz_ws_server *srv, char *why,
			size_t wsz)
{
	char origin[256] = "", host[256] = "", path[TZ_CFG_URL_PATH_MAX + 2] = "";
	struct { int t; const char *what; const char *value; } sel[3];
	int chosen = -1, from = -1;

	if (srv->n_tenants == 0)
		return -1;
	sel[0].t = of_origin(wsi, srv, origin, sizeof(origin));
	sel[0].what = "Origin";
	sel[0].value = origin;
	sel[1].t = of_host(wsi, srv, host, sizeof(host));
	sel[1].what = "Host";
	sel[1].value = host;
	sel[2].t = of_path(wsi, srv);
	sel[2].what = "path";
	sel[2].value = path;
	if (sel[2].t >= 0 && lws_hdr_copy(wsi, path, (int)sizeof(path), WSI_TOKEN_GET_URI) <= 0)
		path[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (sel[i].t < 0)
			continue;
		if (chosen < 0) {
			chosen = sel[i].t;
			from = i;
			continue;
		}
		if (sel[i].t == chosen)
			continue;
		if (why != NULL)
			snprintf(why, wsz, "%s '%.80s' is tenant %s's but %s '%.80s' is tenant "
				 "%s's; a WebSocket belongs to one tenant (tenants[].origins, "
				 "hosts, paths)", sel[from].what, sel[from].value,
				 srv->tenants[chosen].name, sel[i].what, sel[i].value,
				 srv->tenants[sel[i].t].name);
		return TZ_WS_TENANT_CONFLICT;
	}
	return chosen;
}

int tz_ws_conn_tenant(void *conn)
{
	return conn != NULL ? ((const struct tz_ws_conn *)conn)->tenant : -1;
}
