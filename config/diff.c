/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reload diff: which keys changed between the running config and the
 * file, and which of them only a restart can apply (tz_cfg_diff.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_cfg_diff.h"

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool strv_eq(char *const *a, char *const *b)
{
	size_t i = 0;

	if (a == NULL || b == NULL)
		return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
	for (; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return a[i] == NULL && b[i] == NULL;
}

static bool cidr_eq(const struct tz_cfg_cidr *a, const struct tz_cfg_cidr *b)
{
	return a->prefix == b->prefix && tz_cfg_addr_equal(&a->addr, &b->addr);
}

static bool cidrs_eq(const struct tz_cfg_cidr *a, size_t na, const struct tz_cfg_cidr *b,
		     size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!cidr_eq(&a[i], &b[i]))
			return false;
	return true;
}

static bool hostport_eq(const struct tz_cfg_hostport *a, const struct tz_cfg_hostport *b)
{
	return a->port == b->port && str_eq(a->host, b->host);
}

/* Add "KEY" to the restart list; false on ENOMEM. */
static bool restart(struct tz_cfg_diff *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool restart(struct tz_cfg_diff *d, const char *fmt, ...)
{
	char **list = realloc(d->restart, (d->n_restart + 1) * sizeof(*list));
	va_list ap;
	int n;

	if (list == NULL)
		return false;
	d->restart = list;
	va_start(ap, fmt);
	n = vasprintf(&list[d->n_restart], fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	d->n_restart++;
	return true;
}

#define NEED(cond, ...)                                                  \
	do {                                                             \
		if ((cond) && !restart(d, __VA_ARGS__))                  \
			return -ENOMEM;                                  \
	} while (0)

static int diff_eal(const struct tz_cfg_eal *a, const struct tz_cfg_eal *b, struct tz_cfg_diff *d)
{
	NEED(a->control_core != b->control_core, "eal.control_core");
	NEED(a->n_workers != b->n_workers ||
	     memcmp(a->worker_cores, b->worker_cores, a->n_workers * sizeof(a->worker_cores[0])),
	     "eal.worker_cores");
	NEED(a->hugepages != b->hugepages, "eal.hugepages");
	NEED(a->memory_mb != b->memory_mb, "eal.memory_mb");
	NEED(a->idle_sleep_us != b->idle_sleep_us, "eal.idle_sleep_us");
	NEED(!str_eq(a->file_prefix, b->file_prefix), "eal.file_prefix");
	NEED(!strv_eq(a->extra_args, b->extra_args), "eal.extra_args");
	return 0;
}

static int diff_svc(const struct tz_cfg_media_services *a, const struct tz_cfg_media_services *b,
		    struct tz_cfg_diff *d)
{
	NEED(a->n_cores != b->n_cores || a->n_cpus != b->n_cpus ||
	     memcmp(a->cores, b->cores, sizeof(a->cores)) || memcmp(a->cpus, b->cpus, sizeof(a->cpus)) ||
	     a->ring_size != b->ring_size, "media_services");
	return 0;
}

static int diff_port(size_t i, const struct tz_cfg_port *a, const struct tz_cfg_port *b,
		     struct tz_cfg_diff *d)
{
	NEED(strcmp(a->name, b->name) != 0, "ports[%zu].name", i);
	NEED(a->role != b->role, "ports[%zu].role", i);
	NEED(a->driver != b->driver, "ports[%zu].driver", i);
	NEED(!str_eq(a->pci, b->pci), "ports[%zu].pci", i);
	NEED(!str_eq(a->iface, b->iface), "ports[%zu].iface", i);
	NEED(!str_eq(a->devargs, b->devargs), "ports[%zu].devargs", i);
	NEED(a->has_mac != b->has_mac || memcmp(a->mac, b->mac, 6) != 0, "ports[%zu].mac", i);
	NEED(!cidr_eq(&a->ipv4, &b->ipv4), "ports[%zu].ipv4", i);
	NEED(!cidr_eq(&a->ipv6, &b->ipv6), "ports[%zu].ipv6", i);
	NEED(!tz_cfg_addr_equal(&a->gateway4, &b->gateway4) ||
	     !tz_cfg_addr_equal(&a->gateway6, &b->gateway6), "ports[%zu].gateway", i);
	NEED(a->mtu != b->mtu, "ports[%zu].mtu", i);
	NEED(a->queues != b->queues, "ports[%zu].queues", i);
	NEED(a->udp_checksum != b->udp_checksum, "ports[%zu].udp_checksum", i);
	NEED(a->n_media_addrs != b->n_media_addrs ||
	     (a->n_media_addrs != 0 && memcmp(a->media_addrs, b->media_addrs,
					      a->n_media_addrs * sizeof(*a->media_addrs)) != 0),
	     "ports[%zu].media_addresses", i);
	return 0;
}

static int diff_ports(const struct tz_config *a, const struct tz_config *b, struct tz_cfg_diff *d)
{
	NEED(a->n_ports != b->n_ports, "ports");
	for (size_t i = 0; i < a->n_ports && i < b->n_ports; i++)
		if (diff_port(i, &a->ports[i], &b->ports[i], d) != 0)
			return -ENOMEM;
	return 0;
}

static int diff_signalling(const struct tz_cfg_signalling *a, const struct tz_cfg_signalling *b,
			   struct tz_cfg_diff *d)
{
	NEED(!hostport_eq(&a->http, &b->http), "signalling.http");
	NEED(!hostport_eq(&a->https, &b->https), "signalling.https");
	NEED(!str_eq(a->tls_cert, b->tls_cert), "signalling.tls_cert");
	NEED(!str_eq(a->tls_key, b->tls_key), "signalling.tls_key");
	NEED(!str_eq(a->web_root, b->web_root), "signalling.web_root");
	NEED(!strv_eq(a->origins, b->origins), "signalling.origins");
	NEED(a->allow_no_origin != b->allow_no_origin, "signalling.allow_no_origin");
	NEED(a->require_tls != b->require_tls, "signalling.require_tls");
	NEED(!strv_eq(a->sip_paths, b->sip_paths), "signalling.sip_paths");
	return 0;
}

/* Whether trunk certificates go unchecked: sofia holds one verify policy for
 * its TLS transport, set at start (sip_ua.c tls_policy()): off only when
 * every TLS trunk says tls_verify: false. */
static bool tls_verify_off(const struct tz_cfg_sip *s)
{
	bool any = false;

	for (size_t i = 0; i < s->n_trunks; i++) {
		if (s->trunks[i].transport != TZ_SIP_TLS)
			continue;
		if (s->trunks[i].tls_verify)
			return false;
		any = true;
	}
	return any;
}

static int diff_sip_restart(const struct tz_cfg_sip *a, const struct tz_cfg_sip *b,
			    struct tz_cfg_diff *d)
{
	bool listen = a->n_listen == b->n_listen;

	for (size_t i = 0; listen && i < a->n_listen; i++)
		listen = hostport_eq(&a->listen[i], &b->listen[i]);
	NEED(!listen, "sip.listen");
	NEED(a->transports != b->transports, "sip.transports");
	/* sip.tls_cert, tls_key and tls_ca are reloaded (tz_sip_tls_reload) */
	NEED(!str_eq(a->tls_dir, b->tls_dir), "sip.tls_dir");
	NEED(tls_verify_off(a) != tls_verify_off(b), "sip.trunks[].tls_verify");
	return 0;
}

static int diff_limits_restart(const struct tz_cfg_limits *a, const struct tz_cfg_limits *b,
			       struct tz_cfg_diff *d)
{
	NEED(a->max_sessions != b->max_sessions, "limits.max_sessions");
	NEED(a->ws_max_message != b->ws_max_message, "limits.ws_max_message");
	NEED(a->ws_max_rate != b->ws_max_rate, "limits.ws_max_rate");
	NEED(a->ws_connections_per_ip != b->ws_connections_per_ip, "limits.ws_connections_per_ip");
	NEED(a->ws_connections_max != b->ws_connections_max, "limits.ws_connections_max");
	NEED(a->ws_max_queued_bytes != b->ws_max_queued_bytes, "limits.ws_max_queued_bytes");
	NEED(a->punt_pps_per_source != b->punt_pps_per_source, "limits.punt_pps_per_source");
	NEED(a->punt_burst != b->punt_burst, "limits.punt_burst");
	NEED(a->punt_pps_per_worker != b->punt_pps_per_worker, "limits.punt_pps_per_worker");
	return 0;
}

/* Some recording mode is on: the daemon made the workers' taps at start-up. */
static bool records(const struct tz_config *c)
{
	for (size_t i = 0; i < c->n_tenants; i++)
		if (c->tenants[i].recording.mode == TZ_REC_MODE_ALL ||
		    c->tenants[i].recording.mode == TZ_REC_MODE_ON_DEMAND)
			return true;
	return c->recording.mode != TZ_REC_MODE_OFF;
}

static int diff_restart(const struct tz_config *a, const struct tz_config *b, struct tz_cfg_diff *d)
{
	if (diff_eal(&a->eal, &b->eal, d) != 0 ||
	    diff_svc(&a->media_services, &b->media_services, d) != 0 || diff_ports(a, b, d) != 0 ||
	    diff_signalling(&a->signalling, &b->signalling, d) != 0 ||
	    diff_sip_restart(&a->sip, &b->sip, d) != 0 ||
	    diff_limits_restart(&a->limits, &b->limits, d) != 0)
		return -ENOMEM;
	NEED(memcmp(&a->media.ports[TZ_ROLE_ACCESS], &b->media.ports[TZ_ROLE_ACCESS],
		    sizeof(struct tz_cfg_range)) != 0, "media.access.ports");
	NEED(memcmp(&a->media.ports[TZ_ROLE_CORE], &b->media.ports[TZ_ROLE_CORE],
		    sizeof(struct tz_cfg_range)) != 0, "media.core.ports");
	NEED(a->logging.target != b->logging.target, "logging.target");
	NEED(!str_eq(a->control.socket, b->control.socket), "control.socket");
	NEED(a->control.mode != b->control.mode, "control.mode");
	NEED(!str_eq(a->control.group, b->control.group), "control.group");
	NEED(a->control.dtls_threads != b->control.dtls_threads, "control.dtls_threads");
	NEED(a->crypto.backend != b->crypto.backend, "crypto.backend");
	NEED(a->crypto.ipsec_mb_arch != b->crypto.ipsec_mb_arch, "crypto.ipsec_mb_arch");
	NEED(!strv_eq(a->crypto.cryptodev_drivers, b->crypto.cryptodev_drivers),
	     "crypto.cryptodev_drivers");
	NEED(a->recording.ring != b->recording.ring && records(a), "recording.ring");
	NEED(!records(a) && records(b), "recording.mode (recording was off at start-up)");
	return 0;
}

/* ---- reloadable lists ---- */

static bool trunk_eq(const struct tz_config *ca, const struct tz_cfg_trunk *a,
		     const struct tz_config *cb, const struct tz_cfg_trunk *b)
{
	return hostport_eq(&a->address, &b->address) && a->transport == b->transport &&
	       str_eq(a->username, b->username) && str_eq(a->password, b->password) &&
	       str_eq(a->realm, b->realm) && a->register_users == b->register_users &&
	       a->register_expires == b->register_expires && strv_eq(a->codecs, b->codecs) &&
	       a->dtmf == b->dtmf && a->answer_timeout_s == b->answer_timeout_s &&
	       cidrs_eq(a->acl, a->n_acl, b->acl, b->n_acl) && a->tls_verify == b->tls_verify &&
	       str_eq(a->tls_ca, b->tls_ca) && a->srtp == b->srtp &&
	       strv_eq(a->srtp_suites, b->srtp_suites) && a->transcode == b->transcode &&
	       strv_eq(a->video, b->video) &&
	       a->video_profile == b->video_profile &&
	       strcmp(tz_cfg_tenant_name(ca, a->tenant), tz_cfg_tenant_name(cb, b->tenant)) == 0;
}

static const char *trunk_name(const struct tz_config *c, uint32_t i)
{
	return i < c->sip.n_trunks ? c->sip.trunks[i].name : "";
}

static bool route_eq(const struct tz_config *ca, const struct tz_cfg_route *a,
		     const struct tz_config *cb, const struct tz_cfg_route *b)
{
	return str_eq(a->prefix, b->prefix) && str_eq(a->domain, b->domain) &&
	       str_eq(a->strip, b->strip) && a->allow_uri == b->allow_uri && a->record == b->record &&
	       strcmp(trunk_name(ca, a->trunk), trunk_name(cb, b->trunk)) == 0 &&
	       strcmp(tz_cfg_tenant_name(ca, a->tenant), tz_cfg_tenant_name(cb, b->tenant)) == 0;
}

static bool limits_eq(const struct tz_cfg_tenant_limits *a, const struct tz_cfg_tenant_limits *b)
{
	return a->max_calls == b->max_calls && a->max_calls_per_user == b->max_calls_per_user &&
	       a->calls_per_s == b->calls_per_s && a->user_calls_per_s == b->user_calls_per_s &&
	       strv_eq(a->allow_targets, b->allow_targets) &&
	       strv_eq(a->deny_targets, b->deny_targets) && a->daily_minutes == b->daily_minutes &&
	       a->daily_minutes_alarm == b->daily_minutes_alarm;
}

static bool tenant_eq(const struct tz_cfg_tenant *a, const struct tz_cfg_tenant *b)
{
	return strv_eq(a->domains, b->domains) && strv_eq(a->origins, b->origins) &&
	       strv_eq(a->hosts, b->hosts) && strv_eq(a->paths, b->paths) &&
	       limits_eq(&a->limits, &b->limits) && a->transcode == b->transcode &&
	       a->messaging.max_bytes == b->messaging.max_bytes &&
	       a->messaging.per_user_per_minute == b->messaging.per_user_per_minute &&
	       strv_eq(a->messaging.content_types, b->messaging.content_types);
}

static bool secret_eq(const struct tz_config *ca, const struct tz_cfg_token_secret *a,
		      const struct tz_config *cb, const struct tz_cfg_token_secret *b)
{
	return str_eq(a->secret, b->secret) && str_eq(a->secret_file, b->secret_file) &&
	       strcmp(tz_cfg_tenant_name(ca, a->tenant), tz_cfg_tenant_name(cb, b->tenant)) == 0;
}

/* Named lists: an entry of @p b whose name @p a lacks is added, and so on. */
#define NAMED_DIFF(cnt, A, na, B, nb, EQ)                                          \
	do {                                                                       \
		for (size_t j = 0; j < (nb); j++) {                                \
			size_t i = 0;                                              \
			while (i < (na) && strcmp((A)[i].name, (B)[j].name) != 0)  \
				i++;                                               \
			if (i == (na))                                             \
				(cnt)->added++;                                    \
			else if (!(EQ))                                            \
				(cnt)->changed++;                                  \
		}                                                                  \
		(cnt)->removed = (unsigned)((na) + (cnt)->added - (nb));           \
	} while (0)

static void diff_lists(const struct tz_config *a, const struct tz_config *b, struct tz_cfg_diff *d)
{
	struct tz_cfg_diff_count *c;
	size_t n = a->sip.n_routes < b->sip.n_routes ? a->sip.n_routes : b->sip.n_routes;

	c = &d->list[TZ_CFG_DIFF_ROUTES];
	for (size_t i = 0; i < n; i++)
		c->changed += !route_eq(a, &a->sip.routes[i], b, &b->sip.routes[i]);
	c->added = b->sip.n_routes > n ? (unsigned)(b->sip.n_routes - n) : 0;
	c->removed = a->sip.n_routes > n ? (unsigned)(a->sip.n_routes - n) : 0;
	NAMED_DIFF(&d->list[TZ_CFG_DIFF_TRUNKS], a->sip.trunks, a->sip.n_trunks, b->sip.trunks,
		   b->sip.n_trunks, trunk_eq(a, &a->sip.trunks[i], b, &b->sip.trunks[j]));
	NAMED_DIFF(&d->list[TZ_CFG_DIFF_TENANTS], a->tenants, a->n_tenants, b->tenants,
		   b->n_tenants, tenant_eq(&a->tenants[i], &b->tenants[j]));
	NAMED_DIFF(&d->list[TZ_CFG_DIFF_SECRETS], a->auth.secrets, a->auth.n_secrets,
		   b->auth.secrets, b->auth.n_secrets,
		   secret_eq(a, &a->auth.secrets[i], b, &b->auth.secrets[j]));
}

static bool log_levels_eq(const struct tz_cfg_logging *a, const struct tz_cfg_logging *b)
{
	if (a->level != b->level || a->n_levels != b->n_levels)
		return false;
	for (size_t i = 0; i < a->n_levels; i++)
		if (a->levels[i].level != b->levels[i].level ||
		    !str_eq(a->levels[i].subsystem, b->levels[i].subsystem))
			return false;
	return true;
}

/* Modes, dirs and retention: for new calls / the next sweep (docs/recording.md). */
static bool recording_eq(const struct tz_cfg_recording *a, const struct tz_cfg_recording *b)
{
	return a->mode == b->mode && str_eq(a->dir, b->dir) &&
	       a->retention.max_age_days == b->retention.max_age_days &&
	       a->retention.max_total_mb == b->retention.max_total_mb;
}

static bool recordings_eq(const struct tz_config *a, const struct tz_config *b)
{
	bool eq = recording_eq(&a->recording, &b->recording);

	for (size_t i = 0; i < a->n_tenants && i < b->n_tenants; i++)
		eq &= recording_eq(&a->tenants[i].recording, &b->tenants[i].recording);
	return eq;
}

static void diff_flags(const struct tz_config *a, const struct tz_config *b, struct tz_cfg_diff *d)
{
	const struct tz_cfg_limits *la = &a->limits, *lb = &b->limits;
	const struct tz_cfg_auth *aa = &a->auth, *ab = &b->auth;

	d->flag[TZ_CFG_DIFF_F_LIMITS] =
		la->max_calls_per_user != lb->max_calls_per_user ||
		la->media_timeout_s != lb->media_timeout_s || la->max_calls != lb->max_calls ||
		la->max_calls_per_ip != lb->max_calls_per_ip ||
		la->sip_media_timeout_s != lb->sip_media_timeout_s ||
		la->consent_timeout_s != lb->consent_timeout_s;
	d->flag[TZ_CFG_DIFF_F_AUTH] =
		!str_eq(aa->issuer, ab->issuer) || !str_eq(aa->audience, ab->audience) ||
		aa->clock_skew_s != ab->clock_skew_s || aa->max_lifetime_s != ab->max_lifetime_s ||
		aa->sip_login != ab->sip_login || aa->fail_limit != ab->fail_limit ||
		aa->fail_window_s != ab->fail_window_s || aa->lockout_max_s != ab->lockout_max_s;
	d->flag[TZ_CFG_DIFF_F_LOGGING] = !log_levels_eq(&a->logging, &b->logging);
	d->flag[TZ_CFG_DIFF_F_MEDIA] =
		a->media.latching != b->media.latching ||
		a->media.latch_window_s != b->media.latch_window_s ||
		a->media.consent_in_dataplane != b->media.consent_in_dataplane ||
		!cidrs_eq(a->media.latch_networks, a->media.n_latch_networks,
			  b->media.latch_networks, b->media.n_latch_networks);
	d->flag[TZ_CFG_DIFF_F_SIP] = a->sip.ring_timeout_s != b->sip.ring_timeout_s ||
				     a->sip.max_requests_per_source != b->sip.max_requests_per_source;
	d->flag[TZ_CFG_DIFF_F_CONTROL] = a->control.dtls_release != b->control.dtls_release;
	d->flag[TZ_CFG_DIFF_F_RECORDING] = !recordings_eq(a, b);
}

int tz_cfg_diff(const struct tz_config *old, const struct tz_config *new, struct tz_cfg_diff *out)
{
	memset(out, 0, sizeof(*out));
	if (diff_restart(old, new, out) != 0) {
		tz_cfg_diff_free(out);
		return -ENOMEM;
	}
	diff_lists(old, new, out);
	for (size_t i = 0; i < old->n_tenants; i++)
		out->tenants_moved |= i >= new->n_tenants ||
				      strcmp(old->tenants[i].name, new->tenants[i].name) != 0;
	diff_flags(old, new, out);
	return 0;
}

bool tz_cfg_diff_empty(const struct tz_cfg_diff *d)
{
	for (int i = 0; i < TZ_CFG_DIFF_N_SECTIONS; i++)
		if (d->list[i].added || d->list[i].removed || d->list[i].changed)
			return false;
	for (int i = 0; i < TZ_CFG_DIFF_N_FLAGS; i++)
		if (d->flag[i])
			return false;
	return d->n_restart == 0;
}

static const char *const section_names[] = {
#define TZ_CFG_DIFF_NAME(e, n) n,
	TZ_CFG_DIFF_SECTIONS(TZ_CFG_DIFF_NAME)
#undef TZ_CFG_DIFF_NAME
};

static const char *const flag_names[] = {
#define TZ_CFG_DIFF_FNAME(e, n) n,
	TZ_CFG_DIFF_FLAGS(TZ_CFG_DIFF_FNAME)
#undef TZ_CFG_DIFF_FNAME
};

/* Append to a growing string; false on ENOMEM (then *s is freed). */
static bool append(char **s, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool append(char **s, size_t *len, const char *fmt, ...)
{
	char piece[96];
	va_list ap;
	size_t n;
	char *grown;

	va_start(ap, fmt);
	vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	n = strlen(piece);
	grown = realloc(*s, *len + n + 1);
	if (grown == NULL) {
		free(*s);
		*s = NULL;
		return false;
	}
	memcpy(grown + *len, piece, n + 1);
	*s = grown;
	*len += n;
	return true;
}

char *tz_cfg_diff_summary(const struct tz_cfg_diff *d)
{
	static const char *const what[] = { "added", "removed", "changed" };
	char *s = NULL;
	size_t len = 0;

	for (int i = 0; i < TZ_CFG_DIFF_N_SECTIONS; i++) {
		const unsigned v[] = { d->list[i].added, d->list[i].removed, d->list[i].changed };
		bool first = true;

		for (int k = 0; k < 3; k++) {
			if (v[k] == 0)
				continue;
			if (first && !append(&s, &len, "%s%s:", len == 0 ? "" : "; ",
					     section_names[i]))
				return NULL;
			if (!append(&s, &len, "%s %u %s", first ? "" : ",", v[k], what[k]))
				return NULL;
			first = false;
		}
	}
	for (int i = 0; i < TZ_CFG_DIFF_N_FLAGS; i++)
		if (d->flag[i] && !append(&s, &len, "%s%s changed", len == 0 ? "" : "; ",
					  flag_names[i]))
			return NULL;
	if (s == NULL)
		return strdup("no changes");
	return s;
}

void tz_cfg_diff_free(struct tz_cfg_diff *d)
{
	for (size_t i = 0; i < d->n_restart; i++)
		free(d->restart[i]);
	free(d->restart);
	d->restart = NULL;
	d->n_restart = 0;
}

#define SWAP(a, b)                                     \
	do {                                           \
		__typeof__(a) tmp_ = (a);              \
		(a) = (b);                             \
		(b) = tmp_;                            \
	} while (0)

void tz_cfg_keep_running(struct tz_config *old, struct tz_config *new)
{
	SWAP(old->eal, new->eal);
	SWAP(old->ports, new->ports);
	SWAP(old->n_ports, new->n_ports);
	SWAP(old->media.ports[TZ_ROLE_ACCESS], new->media.ports[TZ_ROLE_ACCESS]);
	SWAP(old->media.ports[TZ_ROLE_CORE], new->media.ports[TZ_ROLE_CORE]);
	SWAP(old->signalling, new->signalling);
	SWAP(old->sip.listen, new->sip.listen);
	SWAP(old->sip.n_listen, new->sip.n_listen);
	SWAP(old->sip.transports, new->sip.transports);
	SWAP(old->sip.tls_dir, new->sip.tls_dir);
	SWAP(old->limits.max_sessions, new->limits.max_sessions);
	SWAP(old->recording.ring, new->recording.ring);
	SWAP(old->limits.ws_max_message, new->limits.ws_max_message);
	SWAP(old->limits.ws_max_rate, new->limits.ws_max_rate);
	SWAP(old->limits.ws_connections_per_ip, new->limits.ws_connections_per_ip);
	SWAP(old->limits.ws_connections_max, new->limits.ws_connections_max);
	SWAP(old->limits.ws_max_queued_bytes, new->limits.ws_max_queued_bytes);
	SWAP(old->limits.punt_pps_per_source, new->limits.punt_pps_per_source);
	SWAP(old->limits.punt_burst, new->limits.punt_burst);
	SWAP(old->limits.punt_pps_per_worker, new->limits.punt_pps_per_worker);
	SWAP(old->logging.target, new->logging.target);
	SWAP(old->control.socket, new->control.socket);
	SWAP(old->control.mode, new->control.mode);
	SWAP(old->control.group, new->control.group);
	SWAP(old->control.dtls_threads, new->control.dtls_threads);
	SWAP(old->crypto, new->crypto);
}
