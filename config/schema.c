/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config schema: one table per YAML mapping.  A row names the key, its
 * value type, where it lands in struct tz_config, whether it is required,
 * its default and range.  The walk, the defaults, tz_cfg_free() and
 * tz_cfg_dump() all run off these tables; docs/config.md documents them.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg_pvt.h"

#define ROW(st, k, T, m, ...) \
	{ .key = k, .type = &tz_cfg_t_##T, .off = offsetof(struct st, m), __VA_ARGS__ }
#define MAP(st, k, m, s) \
	{ .key = k, .sub = &s, .off = offsetof(struct st, m) }
#define LIST(st, k, m, nm, s, what, ...) \
	{ .key = k, .sub = &s, .off = offsetof(struct st, m), .off_n = offsetof(struct st, nm), \
	  .esize = sizeof(*((struct st *)0)->m), .arg = what, __VA_ARGS__ }
#define MOVED(k, why) { .key = k, .moved = why }
#define TABLE(f) f, sizeof(f) / sizeof(f[0])

static const int af4 = AF_INET, af6 = AF_INET6;
static const struct tz_cfg_hp_opts hp_bind = { .literal = true };
static const struct tz_cfg_hp_opts hp_sip_bind = { .default_port = 5060, .literal = true };
static const struct tz_cfg_hp_opts hp_trunk = { .port_optional = true };

static const struct tz_cfg_enum hugepages[] = {
	{ "auto", -1, false }, { "yes", 1, false }, { "no", 0, false },
	{ "true", 1, true }, { "false", 0, true }, { NULL, 0, false },
};
const struct tz_cfg_enum tz_cfg_roles[] = {
	{ "access", TZ_ROLE_ACCESS, false }, { "core", TZ_ROLE_CORE, false }, { NULL, 0, false },
};
const struct tz_cfg_enum tz_cfg_drivers[] = {
	{ "pci", TZ_DRV_PCI, false }, { "auto", TZ_DRV_AUTO, false },
	{ "af_xdp", TZ_DRV_AF_XDP, false }, { "af_packet", TZ_DRV_AF_PACKET, false },
	{ "tap", TZ_DRV_TAP, false }, { "ring", TZ_DRV_RING, false },
	{ "pcap", TZ_DRV_PCAP, false }, { "null", TZ_DRV_NULL, false }, { NULL, 0, false },
};
const struct tz_cfg_enum tz_cfg_udp_cksums[] = {
	{ "auto", TZ_CKSUM_AUTO, false }, { "zero", TZ_CKSUM_ZERO, false },
	{ "compute", TZ_CKSUM_COMPUTE, false }, { "offload", TZ_CKSUM_OFFLOAD, false },
	{ NULL, 0, false },
};
const struct tz_cfg_enum tz_cfg_transport_names[] = {
	{ "udp", TZ_SIP_UDP, false }, { "tcp", TZ_SIP_TCP, false }, { "tls", TZ_SIP_TLS, false },
	{ NULL, 0, false },
};
static const struct tz_cfg_enum dtmf[] = {
	{ "rfc4733", TZ_DTMF_RFC4733, false }, { "info", TZ_DTMF_INFO, false }, { NULL, 0, false },
};
static const struct tz_cfg_enum transcode[] = {
	{ "when-needed", TZ_XCODE_WHEN_NEEDED, false }, { "off", TZ_XCODE_OFF, false },
	{ "prefer", TZ_XCODE_PREFER, false }, { NULL, 0, false },
};
static const struct tz_cfg_enum tenant_transcode[] = {
	{ "inherit", TZ_XCODE_INHERIT, false }, { "when-needed", TZ_XCODE_WHEN_NEEDED, false },
	{ "off", TZ_XCODE_OFF, false }, { "prefer", TZ_XCODE_PREFER, false }, { NULL, 0, false },
};
static const struct tz_cfg_enum trunk_srtp[] = {
	{ "off", TZ_TRUNK_RTP, false }, { "sdes", TZ_TRUNK_SDES, false }, { NULL, 0, false },
};
static const struct tz_cfg_enum video_profiles[] = {
	{ "avp_fb", TZ_VIDEO_AVP_FB, false }, { "avp", TZ_VIDEO_AVP, false },
	{ "avpf", TZ_VIDEO_AVPF, false }, { NULL, 0, false },
};
static const struct tz_cfg_enum log_targets[] = {
	{ "stderr", TZ_LOG_STDERR, false }, { "syslog", TZ_LOG_SYSLOG, false },
	{ "journal", TZ_LOG_JOURNAL, false }, { NULL, 0, false },
};
/* RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8); digits accepted too. */
static const struct tz_cfg_enum log_levels[] = {
	{ "emerg", 1, false }, { "alert", 2, false }, { "crit", 3, false },
	{ "error", 4, false }, { "warning", 5, false }, { "notice", 6, false },
	{ "info", 7, false }, { "debug", 8, false },
	{ "1", 1, true }, { "2", 2, true }, { "3", 3, true }, { "4", 4, true },
	{ "5", 5, true }, { "6", 6, true }, { "7", 7, true }, { "8", 8, true },
	{ NULL, 0, false },
};

static void eal_init(void *obj)
{
	struct tz_cfg_eal *e = obj;

	e->n_workers = 1;
	e->worker_cores[0] = 1;
}

static const struct tz_cfg_field eal_fields[] = {
	ROW(tz_cfg_eal, "control_core", u16, control_core, .def = "0", .max = TZ_CFG_MAX_CORE),
	ROW(tz_cfg_eal, "worker_cores", cores, worker_cores,
	    .off_n = offsetof(struct tz_cfg_eal, n_workers), .max = TZ_CFG_MAX_CORE),
	ROW(tz_cfg_eal, "hugepages", enum, hugepages, .def = "auto", .arg = hugepages),
	ROW(tz_cfg_eal, "memory_mb", u32, memory_mb, .def = "256", .min = 64, .max = 1048576),
	ROW(tz_cfg_eal, "idle_sleep_us", u32, idle_sleep_us, .def = "0", .max = 1000000),
	ROW(tz_cfg_eal, "file_prefix", word, file_prefix, .def = "trapeze"),
	ROW(tz_cfg_eal, "extra_args", strlist, extra_args),
	ROW(tz_cfg_eal, "telemetry", bool, telemetry, .def = "true"),
};
static const struct tz_cfg_schema eal_schema = { TABLE(eal_fields), eal_init, NULL };

static void port_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	struct tz_cfg_port *p = obj;

	p->line = map->line;
	p->col = map->col;
	/* a port given by PCI address is a PCI NIC unless the driver says otherwise */
	if (p->pci != NULL && tz_cfg_pos_find(c, &p->driver) == NULL)
		p->driver = TZ_DRV_PCI;
}

static const struct tz_cfg_field port_fields[] = {
	ROW(tz_cfg_port, "name", name, name, .required = true),
	ROW(tz_cfg_port, "role", enum, role, .required = true, .arg = tz_cfg_roles),
	ROW(tz_cfg_port, "driver", enum, driver, .def = "auto", .arg = tz_cfg_drivers),
	ROW(tz_cfg_port, "pci", pci, pci),
	ROW(tz_cfg_port, "iface", iface, iface),
	ROW(tz_cfg_port, "devargs", str, devargs),
	ROW(tz_cfg_port, "mac", mac, mac, .off_n = offsetof(struct tz_cfg_port, has_mac)),
	ROW(tz_cfg_port, "ipv4", cidr, ipv4, .arg = &af4),
	ROW(tz_cfg_port, "ipv6", cidr, ipv6, .arg = &af6),
	ROW(tz_cfg_port, "gateway4", addr, gateway4, .arg = &af4),
	ROW(tz_cfg_port, "gateway6", addr, gateway6, .arg = &af6),
	ROW(tz_cfg_port, "media_addresses", cidrlist, media_addrs,
	    .off_n = offsetof(struct tz_cfg_port, n_media_addrs)),
	ROW(tz_cfg_port, "mtu", u16, mtu, .def = "1500", .min = 576, .max = 9216),
	ROW(tz_cfg_port, "queues", u16, queues, .def = "1", .min = 1, .max = 64),
	ROW(tz_cfg_port, "udp_checksum", enum, udp_checksum, .def = "auto", .arg = tz_cfg_udp_cksums),
};
static const struct tz_cfg_schema port_schema = { TABLE(port_fields), NULL, port_finish };

static const struct tz_cfg_field media_access_fields[] = {
	ROW(tz_cfg_range, "ports", range, first, .def = "20000-29999", .min = 1024,
	    .max = 65535),
};
static const struct tz_cfg_field media_core_fields[] = {
	ROW(tz_cfg_range, "ports", range, first, .def = "30000-39999", .min = 1024,
	    .max = 65535),
};
static const struct tz_cfg_schema media_access_schema = { TABLE(media_access_fields) };
static const struct tz_cfg_schema media_core_schema = { TABLE(media_core_fields) };

static const struct tz_cfg_field media_fields[] = {
	MAP(tz_cfg_media, "access", ports[TZ_ROLE_ACCESS], media_access_schema),
	MAP(tz_cfg_media, "core", ports[TZ_ROLE_CORE], media_core_schema),
	ROW(tz_cfg_media, "latching", bool, latching, .def = "true"),
	ROW(tz_cfg_media, "latch_window_s", u32, latch_window_s, .def = "5", .min = 1,
	    .max = 3600),
	ROW(tz_cfg_media, "latch_networks", cidrlist, latch_networks,
	    .off_n = offsetof(struct tz_cfg_media, n_latch_networks)),
	ROW(tz_cfg_media, "consent_in_dataplane", bool, consent_in_dataplane, .def = "true"),
};
static const struct tz_cfg_schema media_schema = { TABLE(media_fields) };

static const struct tz_cfg_field signalling_fields[] = {
	ROW(tz_cfg_signalling, "http", hostport, http, .arg = &hp_bind),
	ROW(tz_cfg_signalling, "https", hostport, https, .arg = &hp_bind),
	ROW(tz_cfg_signalling, "tls_cert", path, tls_cert),
	ROW(tz_cfg_signalling, "tls_key", path, tls_key),
	ROW(tz_cfg_signalling, "web_root", path, web_root),
	ROW(tz_cfg_signalling, "origins", strlist, origins),
	ROW(tz_cfg_signalling, "allow_no_origin", bool, allow_no_origin, .def = "true"),
	ROW(tz_cfg_signalling, "require_tls", bool, require_tls, .def = "false"),
	ROW(tz_cfg_signalling, "sip_paths", strlist, sip_paths),
};

/* A list default cannot be a def string: "/", "/ws", "/sip" (JsSIP, SIP.js). */
static void signalling_init(void *obj)
{
	static const char *const def[] = { "/", "/ws", "/sip" };
	struct tz_cfg_signalling *s = obj;
	size_t n = sizeof(def) / sizeof(def[0]);

	s->sip_paths = calloc(n + 1, sizeof(*s->sip_paths));
	for (size_t i = 0; s->sip_paths != NULL && i < n; i++)
		s->sip_paths[i] = strdup(def[i]);   /* a NULL cuts the list short */
}

/* A URL path the upgrade's request-target is compared with: "/x", no query, no spaces. */
bool tz_cfg_url_path_valid(const char *p)
{
	if (p[0] != '/' || strlen(p) > TZ_CFG_URL_PATH_MAX)
		return false;
	for (; *p != '\0'; p++)
		if (strchr("?# \t", *p) != NULL || (unsigned char)*p < 0x20 ||
		    (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* An Origin (RFC 6454 section 6.1) as browsers send it: scheme://host[:port], no path. */
bool tz_cfg_origin_valid(const char *o)
{
	const char *host;

	if (strcmp(o, "*") == 0)
		return true;
	if (strncmp(o, "https://", 8) == 0)
		host = o + 8;
	else if (strncmp(o, "http://", 7) == 0)
		host = o + 7;
	else
		return false;
	if (*host == '\0')
		return false;
	for (const char *p = host; *p != '\0'; p++)
		if (strchr("/?#@ \t\\", *p) != NULL || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static void signalling_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	struct tz_cfg_signalling *s = obj;
	const struct tz_cfg_pos *pos;

	for (size_t i = 0; s->origins != NULL && s->origins[i] != NULL; i++) {
		if (tz_cfg_origin_valid(s->origins[i]))
			continue;
		pos = tz_cfg_pos_find(c, &s->origins);
		tz_cfg_err_at(c, pos ? pos->line : map->line, pos ? pos->col : map->col,
			      "signalling.origins", "\"%s\" is not an origin: write "
			      "\"https://host\" or \"https://host:port\" (no path), or \"*\"",
			      s->origins[i]);
	}
	for (size_t i = 0; s->sip_paths != NULL && s->sip_paths[i] != NULL; i++) {
		if (tz_cfg_url_path_valid(s->sip_paths[i]))
			continue;
		pos = tz_cfg_pos_find(c, &s->sip_paths);
		tz_cfg_err_at(c, pos ? pos->line : map->line, pos ? pos->col : map->col,
			      "signalling.sip_paths", "\"%s\" is not a URL path: write it "
			      "starting with '/' (\"/ws\"), without query, spaces or control "
			      "characters, at most %d bytes", s->sip_paths[i],
			      TZ_CFG_URL_PATH_MAX);
	}
	if (s->require_tls && s->https.host == NULL) {
		pos = tz_cfg_pos_find(c, &s->require_tls);
		tz_cfg_err_at(c, pos ? pos->line : map->line, pos ? pos->col : map->col,
			      "signalling.require_tls", "needs signalling.https (there is no "
			      "wss:// listener to send clients to)");
	}
}

static const struct tz_cfg_schema signalling_schema = {
	TABLE(signalling_fields), signalling_init, signalling_finish,
};

static void trunk_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	struct tz_cfg_trunk *t = obj;

	t->line = map->line;
	t->col = map->col;
	if (t->address.host != NULL && t->address.port == 0)
		t->address.port = t->transport == TZ_SIP_TLS ? 5061 : 5060;
}

static const struct tz_cfg_field trunk_fields[] = {
	ROW(tz_cfg_trunk, "name", name, name, .required = true),
	ROW(tz_cfg_trunk, "address", hostport, address, .required = true, .arg = &hp_trunk),
	ROW(tz_cfg_trunk, "transport", enum, transport, .def = "udp",
	    .arg = tz_cfg_transport_names),
	ROW(tz_cfg_trunk, "username", str, username),
	ROW(tz_cfg_trunk, "password", secret, password),
	ROW(tz_cfg_trunk, "realm", str, realm),
	ROW(tz_cfg_trunk, "register_users", bool, register_users, .def = "false"),
	ROW(tz_cfg_trunk, "register_expires", u32, register_expires, .def = "600", .min = 60,
	    .max = 86400),
	ROW(tz_cfg_trunk, "codecs", strlist, codecs),
	ROW(tz_cfg_trunk, "dtmf", enum, dtmf, .def = "rfc4733", .arg = dtmf),
	ROW(tz_cfg_trunk, "answer_timeout_s", u32, answer_timeout_s, .def = "60", .min = 1,
	    .max = 3600),
	ROW(tz_cfg_trunk, "acl", cidrlist, acl, .off_n = offsetof(struct tz_cfg_trunk, n_acl)),
	ROW(tz_cfg_trunk, "tls_verify", bool, tls_verify, .def = "true"),
	ROW(tz_cfg_trunk, "tls_ca", path, tls_ca),
	ROW(tz_cfg_trunk, "srtp", enum, srtp, .def = "off", .arg = trunk_srtp),
	ROW(tz_cfg_trunk, "srtp_suites", strlist, srtp_suites),
	ROW(tz_cfg_trunk, "transcode", enum, transcode, .def = "when-needed", .arg = transcode),
	ROW(tz_cfg_trunk, "video", strlist, video),
	ROW(tz_cfg_trunk, "video_profile", enum, video_profile, .def = "avp_fb",
	    .arg = video_profiles),
};
static const struct tz_cfg_schema trunk_schema = { TABLE(trunk_fields), NULL, trunk_finish };

static void route_init(void *obj)
{
	((struct tz_cfg_route *)obj)->trunk = UINT32_MAX;
}

static void route_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	struct tz_cfg_route *r = obj;

	r->line = map->line;
	r->col = map->col;
}

static const struct tz_cfg_field route_fields[] = {
	ROW(tz_cfg_route, "prefix", prefix, prefix),
	ROW(tz_cfg_route, "domain", str, domain),
	ROW(tz_cfg_route, "strip", prefix, strip),
	ROW(tz_cfg_route, "allow_uri", bool, allow_uri, .def = "false"),
	ROW(tz_cfg_route, "trunk", trunkref, trunk, .required = true),
	ROW(tz_cfg_route, "record", bool, record, .def = "false"),
	MOVED("tenant", "routes no longer name a tenant; write the route inside its "
	      "tenant's routes: (tenants[].routes, docs/tenants.md)"),
};
static const struct tz_cfg_schema route_schema = {
	TABLE(route_fields), route_init, route_finish,
};

static void sip_init(void *obj)
{
	((struct tz_cfg_sip *)obj)->transports = TZ_SIP_UDP | TZ_SIP_TCP;
}

static const struct tz_cfg_field sip_fields[] = {
	ROW(tz_cfg_sip, "listen", listen, listen, .off_n = offsetof(struct tz_cfg_sip, n_listen),
	    .arg = &hp_sip_bind),
	ROW(tz_cfg_sip, "transports", transports, transports, .arg = tz_cfg_transport_names),
	ROW(tz_cfg_sip, "tls_cert", path, tls_cert),
	ROW(tz_cfg_sip, "tls_key", path, tls_key),
	ROW(tz_cfg_sip, "ring_timeout_s", u32, ring_timeout_s, .def = "60", .min = 1, .max = 600),
	ROW(tz_cfg_sip, "max_requests_per_source", u32, max_requests_per_source, .def = "50",
	    .max = 1000000),
	ROW(tz_cfg_sip, "tls_ca", path, tls_ca, .def = "/etc/ssl/certs/ca-certificates.crt"),
	ROW(tz_cfg_sip, "tls_dir", path, tls_dir, .def = "/run/trapeze"),
	LIST(tz_cfg_sip, "trunks", trunks, n_trunks, trunk_schema, "a sequence of trunks"),
	LIST(tz_cfg_sip, "routes", routes, n_routes, route_schema, "a sequence of routes"),
	MOVED("tenants", "has moved to the top-level tenants: list, each tenant with its own "
	      "trunks, routes and token_secrets (docs/tenants.md)"),
};
static const struct tz_cfg_schema sip_schema = { TABLE(sip_fields), sip_init, NULL };

/*
 * A tenant's fraud limits (issue 11): in tenants[].limits (all eight keys),
 * and the default tenant's six in the top-level limits (pre = tenant.).
 */
#define FRAUD_ROWS(st, pre)                                                               \
	ROW(st, "calls_per_s", u32, pre calls_per_s, .def = "0", .max = 100000),          \
	ROW(st, "user_calls_per_s", u32, pre user_calls_per_s, .def = "0", .max = 1000),  \
	ROW(st, "allow_targets", strlist, pre allow_targets),                             \
	ROW(st, "deny_targets", strlist, pre deny_targets),                               \
	ROW(st, "daily_minutes", u32, pre daily_minutes, .def = "0", .max = 1000000000),  \
	ROW(st, "daily_minutes_alarm", u32, pre daily_minutes_alarm, .def = "80", .max = 100)

/* "+44*", "+4420794600", "*": '*' only at the end, no spaces. */
static bool target_valid(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 64 || strcspn(p, "*") < n - 1)
		return false;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static void check_targets(struct tz_cfg_ctx *c, char *const *list, const void *at,
			  const struct tz_cfg_node *map)
{
	const struct tz_cfg_pos *pos = tz_cfg_pos_find(c, at);

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		if (target_valid(list[i]))
			continue;
		tz_cfg_err_at(c, pos ? pos->line : map->line, pos ? pos->col : map->col,
			      pos ? pos->path : c->path, "\"%.64s\" is not a target pattern: "
			      "write a number (\"+442079460000\"), a prefix ending in '*' "
			      "(\"+44*\") or \"*\", without spaces, at most 64 bytes", list[i]);
	}
}

static void fraud_finish(struct tz_cfg_ctx *c, struct tz_cfg_tenant_limits *l,
			 const struct tz_cfg_node *map)
{
	check_targets(c, l->allow_targets, &l->allow_targets, map);
	check_targets(c, l->deny_targets, &l->deny_targets, map);
}

static void tenant_limits_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	fraud_finish(c, obj, map);
}

static const struct tz_cfg_field tenant_limits_fields[] = {
	ROW(tz_cfg_tenant_limits, "max_calls", u32, max_calls, .def = "0", .max = 1000000),
	ROW(tz_cfg_tenant_limits, "max_calls_per_user", u32, max_calls_per_user, .def = "0",
	    .max = 1000),
	FRAUD_ROWS(tz_cfg_tenant_limits, ),
};
static const struct tz_cfg_schema tenant_limits_schema = {
	TABLE(tenant_limits_fields), NULL, tenant_limits_finish,
};

static void limits_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	fraud_finish(c, &((struct tz_cfg_limits *)obj)->tenant, map);
}

static const struct tz_cfg_field limits_fields[] = {
	ROW(tz_cfg_limits, "max_sessions", u32, max_sessions, .def = "65536", .min = 1,
	    .max = 16777216),
	ROW(tz_cfg_limits, "max_calls_per_user", u32, max_calls_per_user, .def = "4", .min = 1,
	    .max = 1000),
	ROW(tz_cfg_limits, "ws_max_message", size, ws_max_message, .def = "65536", .min = 1024,
	    .max = 16777216),
	ROW(tz_cfg_limits, "ws_max_rate", u32, ws_max_rate, .def = "50", .min = 1, .max = 100000),
	ROW(tz_cfg_limits, "media_timeout_s", u32, media_timeout_s, .def = "30", .min = 1,
	    .max = 3600),
	ROW(tz_cfg_limits, "ws_connections_per_ip", u32, ws_connections_per_ip, .def = "64",
	    .max = 1000000),
	ROW(tz_cfg_limits, "ws_connections_max", u32, ws_connections_max, .def = "10000",
	    .max = 1000000),
	ROW(tz_cfg_limits, "ws_max_queued_bytes", size, ws_max_queued_bytes, .def = "256M",
	    .max = 4294967295LL),
	ROW(tz_cfg_limits, "max_calls", u32, max_calls, .def = "1000", .min = 1, .max = 1000000),
	ROW(tz_cfg_limits, "max_calls_per_ip", u32, max_calls_per_ip, .def = "50", .min = 1,
	    .max = 1000000),
	ROW(tz_cfg_limits, "sip_media_timeout_s", u32, sip_media_timeout_s, .def = "60",
	    .max = 3600),
	ROW(tz_cfg_limits, "consent_timeout_s", u32, consent_timeout_s, .def = "30", .min = 1,
	    .max = 3600),
	ROW(tz_cfg_limits, "punt_pps_per_source", u32, punt_pps_per_source, .def = "500",
	    .max = 10000000),
	ROW(tz_cfg_limits, "punt_burst", u32, punt_burst, .def = "1000", .min = 1, .max = 10000000),
	ROW(tz_cfg_limits, "punt_pps_per_worker", u32, punt_pps_per_worker, .def = "50000",
	    .max = 100000000),
	FRAUD_ROWS(tz_cfg_limits, tenant.),
};
static const struct tz_cfg_schema limits_schema = { TABLE(limits_fields), NULL, limits_finish };

static void secret_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	struct tz_cfg_token_secret *s = obj;

	s->line = map->line;
	s->col = map->col;
}

static const struct tz_cfg_field secret_fields[] = {
	ROW(tz_cfg_token_secret, "name", name, name, .required = true),
	ROW(tz_cfg_token_secret, "secret", secret, secret),
	ROW(tz_cfg_token_secret, "secret_file", path, secret_file),
};
static const struct tz_cfg_schema secret_schema = { TABLE(secret_fields), NULL, secret_finish };

static const struct tz_cfg_field auth_fields[] = {
	LIST(tz_cfg_auth, "token_secrets", secrets, n_secrets, secret_schema,
	     "a sequence of token secrets"),
	ROW(tz_cfg_auth, "issuer", str, issuer),
	ROW(tz_cfg_auth, "audience", str, audience),
	ROW(tz_cfg_auth, "clock_skew_s", u32, clock_skew_s, .def = "30", .max = 3600),
	ROW(tz_cfg_auth, "max_lifetime_s", u32, max_lifetime_s, .def = "86400", .min = 60,
	    .max = 31536000),
	ROW(tz_cfg_auth, "sip_login", bool, sip_login, .def = "true"),
	ROW(tz_cfg_auth, "fail_limit", u32, fail_limit, .def = "5", .min = 1, .max = 1000),
	ROW(tz_cfg_auth, "fail_window_s", u32, fail_window_s, .def = "300", .min = 1,
	    .max = 86400),
	ROW(tz_cfg_auth, "lockout_max_s", u32, lockout_max_s, .def = "300", .min = 1,
	    .max = 86400),
};
static const struct tz_cfg_schema auth_schema = { TABLE(auth_fields) };

static bool host_valid(const char *h)
{
	size_t n = strlen(h);

	if (h[0] == '[')   /* an IPv6 literal as in a Host header */
		return n > 2 && h[n - 1] == ']' &&
		       strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
	return n > 0 && n <= 253 && h[0] != '.' && h[0] != '-' &&
	       strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

static bool domain_valid(const char *d)
{
	return d[0] != '[' && host_valid(d);
}

/* What selects a tenant must name one thing; an unusable entry is reported here. */
static void check_selectors(struct tz_cfg_ctx *c, char *const *list, const void *at,
			    bool (*ok)(const char *), const char *expect,
			    const struct tz_cfg_node *map)
{
	const struct tz_cfg_pos *pos = tz_cfg_pos_find(c, at);

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		if (ok(list[i]))
			continue;
		tz_cfg_err_at(c, pos ? pos->line : map->line, pos ? pos->col : map->col,
			      pos ? pos->path : c->path, "\"%.80s\" is not %s", list[i], expect);
	}
}

static bool tenant_origin_valid(const char *o)
{
	return strcmp(o, "*") != 0 && tz_cfg_origin_valid(o);
}

static void tenant_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	struct tz_cfg_tenant *t = &((struct tz_cfg_tenant_src *)obj)->t;
	char what[200];

	t->line = map->line;
	t->col = map->col;
	check_selectors(c, t->domains, &t->domains, domain_valid, "a domain: write a DNS name "
			"like \"acme.example\" (no scheme, user or port)", map);
	check_selectors(c, t->origins, &t->origins, tenant_origin_valid, "an origin of the "
			"tenant's pages: write \"https://host\" or \"https://host:port\" (no path, "
			"no \"*\")", map);
	check_selectors(c, t->hosts, &t->hosts, host_valid, "a host name: write the Host "
			"header's name without scheme or port, like \"acme.webrtc.example.net\"",
			map);
	snprintf(what, sizeof(what), "a URL path: write it starting with '/' (\"/acme\"), "
		 "without query, spaces or control characters, at most %d bytes",
		 TZ_CFG_URL_PATH_MAX);
	check_selectors(c, t->paths, &t->paths, tz_cfg_url_path_valid, what, map);
}

/* recording: (docs/recording.md); a tenant's mode defaults to the top level's */
static const struct tz_cfg_enum rec_modes[] = {
	{ "off", TZ_REC_MODE_OFF, false }, { "all", TZ_REC_MODE_ALL, false },
	{ "on-demand", TZ_REC_MODE_ON_DEMAND, false }, { NULL, 0, false },
};
static const struct tz_cfg_enum tenant_rec_modes[] = {
	{ "inherit", TZ_REC_MODE_INHERIT, false }, { "off", TZ_REC_MODE_OFF, false },
	{ "all", TZ_REC_MODE_ALL, false }, { "on-demand", TZ_REC_MODE_ON_DEMAND, false },
	{ NULL, 0, false },
};
static const struct tz_cfg_field rec_retention_fields[] = {
	ROW(tz_cfg_rec_retention, "max_age_days", u32, max_age_days, .def = "0", .max = 36500),
	ROW(tz_cfg_rec_retention, "max_total_mb", u32, max_total_mb, .def = "0", .max = 1u << 30),
};
static const struct tz_cfg_schema rec_retention_schema = { TABLE(rec_retention_fields) };
static const struct tz_cfg_field rec_fields[] = {
	ROW(tz_cfg_recording, "mode", enum, mode, .def = "off", .arg = rec_modes),
	ROW(tz_cfg_recording, "dir", path, dir),
	ROW(tz_cfg_recording, "ring", u32, ring, .def = "2048", .min = 64, .max = 1048576),
	MAP(tz_cfg_recording, "retention", retention, rec_retention_schema),
};
static const struct tz_cfg_schema rec_schema = { TABLE(rec_fields) };
static const struct tz_cfg_field tenant_rec_fields[] = {
	ROW(tz_cfg_recording, "mode", enum, mode, .def = "inherit", .arg = tenant_rec_modes),
	ROW(tz_cfg_recording, "dir", path, dir),
	MAP(tz_cfg_recording, "retention", retention, rec_retention_schema),
};
static const struct tz_cfg_schema tenant_rec_schema = { TABLE(tenant_rec_fields) };

/* announcements: WAV files by failure (docs/media-services.md); read in validate_media.c */
static const struct tz_cfg_field ann_fields[] = {
	ROW(tz_cfg_announce, "not_found", path, not_found),
	ROW(tz_cfg_announce, "busy", path, busy),
	ROW(tz_cfg_announce, "unreachable", path, unreachable),
	ROW(tz_cfg_announce, "default", path, other),
	ROW(tz_cfg_announce, "max_s", u32, max_s, .def = "30", .min = 1, .max = 600),
};
static const struct tz_cfg_schema ann_schema = { TABLE(ann_fields) };
static const struct tz_cfg_schema tenant_ann_schema = { ann_fields, 4 };

/* A tenant's messaging: no defaults; tz_cfg_tenants_flatten() fills the keys
 * it leaves out from the top level's. */
static void messaging_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map);
static const struct tz_cfg_field tenant_msg_fields[] = {
	ROW(tz_cfg_messaging, "max_bytes", u32, max_bytes, .min = 1, .max = 65536),
	ROW(tz_cfg_messaging, "per_user_per_minute", u32, per_user_per_minute, .max = 100000),
	ROW(tz_cfg_messaging, "content_types", strlist, content_types),
};
static const struct tz_cfg_schema tenant_msg_schema = { TABLE(tenant_msg_fields), NULL,
							messaging_finish };

/* One tenants[] entry; the lists land in sip.trunks, sip.routes, auth.token_secrets. */
static const struct tz_cfg_field tenant_fields[] = {
	ROW(tz_cfg_tenant_src, "name", name, t.name, .required = true),
	ROW(tz_cfg_tenant_src, "domains", strlist, t.domains),
	ROW(tz_cfg_tenant_src, "origins", strlist, t.origins),
	ROW(tz_cfg_tenant_src, "hosts", strlist, t.hosts),
	ROW(tz_cfg_tenant_src, "paths", strlist, t.paths),
	LIST(tz_cfg_tenant_src, "token_secrets", secrets, t.n_secrets, secret_schema,
	     "a sequence of token secrets"),
	LIST(tz_cfg_tenant_src, "trunks", trunks, t.n_trunks, trunk_schema,
	     "a sequence of trunks"),
	LIST(tz_cfg_tenant_src, "routes", routes, t.n_routes, route_schema,
	     "a sequence of routes"),
	MAP(tz_cfg_tenant_src, "limits", t.limits, tenant_limits_schema),
	MAP(tz_cfg_tenant_src, "recording", t.recording, tenant_rec_schema),
	MAP(tz_cfg_tenant_src, "announcements", t.announce, tenant_ann_schema),
	ROW(tz_cfg_tenant_src, "music_on_hold", path, t.announce.moh),
	ROW(tz_cfg_tenant_src, "transcode", enum, t.transcode, .def = "inherit",
	    .arg = tenant_transcode),
	MAP(tz_cfg_tenant_src, "messaging", t.messaging, tenant_msg_schema),
	MOVED("max_calls", "has moved into the tenant's limits: write limits: {max_calls: N}"),
};
const struct tz_cfg_schema tz_cfg_tenant_schema = { TABLE(tenant_fields), NULL, tenant_finish };

static const struct tz_cfg_field logging_fields[] = {
	ROW(tz_cfg_logging, "target", enum, target, .def = "stderr", .arg = log_targets),
	ROW(tz_cfg_logging, "level", enum, level, .def = "info", .arg = log_levels),
	ROW(tz_cfg_logging, "levels", levels, levels,
	    .off_n = offsetof(struct tz_cfg_logging, n_levels), .arg = log_levels),
};
static const struct tz_cfg_schema logging_schema = { TABLE(logging_fields) };

/* control.event_poll: values as enum tz_cfg_event_poll */
static const struct tz_cfg_enum event_polls[] = {
	{ "epoll", TZ_EVENT_POLL_EPOLL, false }, { "poll", TZ_EVENT_POLL_POLL, false },
	{ NULL, 0, false },
};
static const struct tz_cfg_field control_fields[] = {
	ROW(tz_cfg_control, "socket", path, socket, .def = "/run/trapeze/trapezed.sock"),
	ROW(tz_cfg_control, "mode", mode, mode, .def = "0660"),
	ROW(tz_cfg_control, "group", word, group),
	ROW(tz_cfg_control, "dtls_threads", u16, dtls_threads, .def = "0", .max = 64),
	ROW(tz_cfg_control, "dtls_release", bool, dtls_release, .def = "false"),
	ROW(tz_cfg_control, "event_poll", enum, event_poll, .def = "epoll",
	    .arg = event_polls),
};
static const struct tz_cfg_schema control_schema = { TABLE(control_fields) };

/* crypto: values as enum tz_srtp_backend / tz_srtp_imb_arch (dataplane/api/tz_srtp.h) */
static const struct tz_cfg_enum crypto_backends[] = {
	{ "auto", 0, false }, { "ipsec_mb", 1, false }, { "cryptodev", 2, false },
	{ NULL, 0, false },
};
static const struct tz_cfg_enum crypto_archs[] = {
	{ "auto", 0, false }, { "sse", 1, false }, { "avx", 2, false }, { "avx2", 3, false },
	{ "avx512", 4, false }, { NULL, 0, false },
};
static const struct tz_cfg_field crypto_fields[] = {
	ROW(tz_cfg_crypto, "backend", enum, backend, .def = "auto", .arg = crypto_backends),
	ROW(tz_cfg_crypto, "ipsec_mb_arch", enum, ipsec_mb_arch, .def = "auto",
	    .arg = crypto_archs),
	ROW(tz_cfg_crypto, "cryptodev_drivers", strlist, cryptodev_drivers),
};
static const struct tz_cfg_schema crypto_schema = { TABLE(crypto_fields) };

static const struct tz_cfg_field cdr_fields[] = {
	ROW(tz_cfg_cdr, "file", path, file),
	ROW(tz_cfg_cdr, "keep", u32, keep, .def = "1000", .max = 100000),
};
static const struct tz_cfg_schema cdr_schema = { TABLE(cdr_fields) };

/* `metrics: {}` (what `show config` writes when it is off) is off; any key
 * without listen is a mistake. */
static void metrics_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	const struct tz_cfg_metrics *m = obj;

	if (m->listen.host == NULL && map->n > 0)
		tz_cfg_err_at(c, map->line, map->col, "metrics.listen", "required key is missing; "
			      "expected host:port like 127.0.0.1:9469 (or remove metrics: to turn "
			      "the listener off)");
}

static const struct tz_cfg_field metrics_fields[] = {
	ROW(tz_cfg_metrics, "listen", hostport, listen, .arg = &hp_bind),
	ROW(tz_cfg_metrics, "allow", cidrlist, allow, .off_n = offsetof(struct tz_cfg_metrics, n_allow)),
};
static const struct tz_cfg_schema metrics_schema = { TABLE(metrics_fields), NULL, metrics_finish };

static const bool may_be_empty = true;
static const struct tz_cfg_field media_services_fields[] = {
	ROW(tz_cfg_media_services, "cores", cores, cores, .arg = &may_be_empty,
	    .off_n = offsetof(struct tz_cfg_media_services, n_cores), .max = TZ_CFG_MAX_CORE),
	ROW(tz_cfg_media_services, "cpus", cores, cpus, .arg = &may_be_empty,
	    .off_n = offsetof(struct tz_cfg_media_services, n_cpus), .max = TZ_CFG_MAX_CORE),
	ROW(tz_cfg_media_services, "ring_size", u32, ring_size, .def = "1024", .min = 64,
	    .max = 65536),
	ROW(tz_cfg_media_services, "max_calls", u32, max_calls, .def = "64", .min = 1,
	    .max = 100000),
	ROW(tz_cfg_media_services, "transcode", enum, transcode, .def = "when-needed",
	    .arg = transcode),
};
static const struct tz_cfg_schema media_services_schema = { TABLE(media_services_fields) };
/* A list default cannot be a def string: text/plain and application/json. */
static void messaging_init(void *obj)
{
	static const char *const def[] = { "text/plain", "application/json" };
	struct tz_cfg_messaging *m = obj;
	size_t n = sizeof(def) / sizeof(def[0]);

	m->content_types = calloc(n + 1, sizeof(*m->content_types));
	for (size_t i = 0; m->content_types != NULL && i < n; i++)
		m->content_types[i] = strdup(def[i]);
}

/* A content type is one media type, type/subtype, without parameters. */
static void messaging_finish(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map)
{
	const struct tz_cfg_messaging *m = obj;
	const struct tz_cfg_pos *pos = tz_cfg_pos_find(c, &m->content_types);

	for (size_t i = 0; m->content_types != NULL && m->content_types[i] != NULL; i++) {
		const char *t = m->content_types[i], *slash = strchr(t, '/');
		size_t n = strlen(t);

		if (slash != NULL && slash != t && slash[1] != '\0' && strchr(slash + 1, '/') == NULL &&
		    n <= 127 && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789!#$&^_.+-/") == n)
			continue;
		tz_cfg_err_at(c, pos ? pos->line : map->line, pos ? pos->col : map->col,
			      pos ? pos->path : c->path, "\"%.80s\" is not a media type: write "
			      "type/subtype like \"text/plain\" (no parameters)", t);
	}
}

static const struct tz_cfg_field messaging_fields[] = {
	ROW(tz_cfg_messaging, "max_bytes", u32, max_bytes, .def = "4096", .min = 1,
	    .max = 65536),
	ROW(tz_cfg_messaging, "per_user_per_minute", u32, per_user_per_minute, .def = "60",
	    .max = 100000),
	ROW(tz_cfg_messaging, "content_types", strlist, content_types),
};
static const struct tz_cfg_schema messaging_schema = { TABLE(messaging_fields), messaging_init,
						       messaging_finish };

static const struct tz_cfg_field top_fields[] = {
	MAP(tz_config, "eal", eal, eal_schema),
	LIST(tz_config, "ports", ports, n_ports, port_schema, "a sequence of ports",
	     .required = true),
	MAP(tz_config, "media", media, media_schema),
	MAP(tz_config, "signalling", signalling, signalling_schema),
	MAP(tz_config, "sip", sip, sip_schema),
	MAP(tz_config, "limits", limits, limits_schema),
	MAP(tz_config, "auth", auth, auth_schema),
	MAP(tz_config, "logging", logging, logging_schema),
	MAP(tz_config, "control", control, control_schema),
	MAP(tz_config, "crypto", crypto, crypto_schema),
	MAP(tz_config, "cdr", cdr, cdr_schema),
	MAP(tz_config, "metrics", metrics, metrics_schema),
	MAP(tz_config, "media_services", media_services, media_services_schema),
	MAP(tz_config, "messaging", messaging, messaging_schema),
	ROW(tz_config, "tenants", tenants, tenants, .off_n = offsetof(struct tz_config, n_tenants)),
	MAP(tz_config, "recording", recording, rec_schema),
	MAP(tz_config, "announcements", announce, ann_schema),
	ROW(tz_config, "music_on_hold", path, announce.moh),
};
const struct tz_cfg_schema tz_cfg_top_schema = { TABLE(top_fields) };
