/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cross-field checks, run once the whole file is walked: what no single
 * value can tell (duplicate names, references, overlaps, combinations).
 * Each error points at the value the user has to change.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cfg_pvt.h"
#include "tz_nearest.h"

/* Report at the position recorded for @p addr, else at @p line:col / @p path. */
static void err_field(struct tz_cfg_ctx *c, const void *addr, int line, int col,
		      const char *path, const char *what)
{
	const struct tz_cfg_pos *p = tz_cfg_pos_find(c, addr);

	if (p != NULL)
		tz_cfg_err_at(c, p->line, p->col, p->path, "%s", what);
	else
		tz_cfg_err_at(c, line, col, path, "%s", what);
}

/*
 * Set, or given with a bad value that is already reported: either way no
 * "is not set" error on top.
 */
static bool given(const struct tz_cfg_ctx *c, const void *addr, bool set)
{
	return set || tz_cfg_pos_find(c, addr) != NULL;
}

static void check_dup_names(struct tz_cfg_ctx *c, const char *list, const void *base,
			    size_t esize, size_t n)
{
	char what[160];

	for (size_t i = 0; i < n; i++) {
		const char *a = (const char *)base + i * esize;   /* name is the first member */

		for (size_t j = 0; a[0] != '\0' && j < i; j++) {
			if (strcmp(a, (const char *)base + j * esize) != 0)
				continue;
			snprintf(what, sizeof(what), "\"%s\" is already the name of %s[%zu]; "
				 "expected a unique name", a, list, j);
			err_field(c, a, 1, 1, list, what);
			break;
		}
	}
}

static void check_gateway(struct tz_cfg_ctx *c, const struct tz_cfg_port *p,
			  const struct tz_cfg_cidr *net, const struct tz_cfg_addr *gw,
			  const char *netkey)
{
	char what[160];

	if (gw->family == 0)
		return;
	if (net->addr.family == 0)
		snprintf(what, sizeof(what), "is set but %s is not; expected %s too", netkey,
			 netkey);
	else if (!tz_cfg_cidr_contains(net, gw))
		snprintf(what, sizeof(what), "is not inside %s's subnet; expected an on-link "
			 "next hop", netkey);
	else
		return;
	err_field(c, gw, p->line, p->col, NULL, what);
}

/* ports[].media_addresses: bare IPv4 addresses inside ipv4's subnet, none
 * equal to ipv4 or to another entry, at most TZ_CFG_MAX_MEDIA_ADDRS. */
static const char *media_addr_problem(const struct tz_cfg_port *p, size_t j, char *what,
				      size_t len)
{
	const struct tz_cfg_cidr *a = &p->media_addrs[j];

	if (j >= TZ_CFG_MAX_MEDIA_ADDRS)
		snprintf(what, len, "is one address too many; expected at most %u besides ipv4",
			 TZ_CFG_MAX_MEDIA_ADDRS);
	else if (a->addr.family != AF_INET)
		snprintf(what, len, "is not an IPv4 address; expected IPv4 (IPv6 media "
			 "addresses are not supported yet)");
	else if (a->prefix != 32)
		snprintf(what, len, "has a prefix length; expected a bare address like "
			 "203.0.113.11 (it takes ipv4's prefix)");
	else if (p->ipv4.addr.family != AF_INET)
		snprintf(what, len, "is set but ipv4 is not; expected ipv4 too");
	else if (!tz_cfg_cidr_contains(&p->ipv4, &a->addr))
		snprintf(what, len, "is not inside ipv4's subnet; expected an address on the "
			 "port's network");
	else if (tz_cfg_addr_equal(&a->addr, &p->ipv4.addr))
		snprintf(what, len, "is the port's own ipv4 address (always used); expected "
			 "other addresses");
	else
		for (size_t k = 0; k < j; k++)
			if (tz_cfg_addr_equal(&a->addr, &p->media_addrs[k].addr)) {
				snprintf(what, len, "is already media_addresses[%zu]; expected "
					 "unique addresses", k);
				return what;
			}
	return what[0] != '\0' ? what : NULL;
}

static void check_media_addrs(struct tz_cfg_ctx *c, const struct tz_cfg_port *p, size_t i)
{
	char path[80], what[160], a[INET6_ADDRSTRLEN];

	for (size_t j = 0; j < p->n_media_addrs; j++) {
		what[0] = '\0';
		if (media_addr_problem(p, j, what, sizeof(what)) == NULL)
			continue;
		snprintf(path, sizeof(path), "ports[%zu].media_addresses[%zu]", i, j);
		const struct tz_cfg_pos *pos = tz_cfg_pos_find(c, &p->n_media_addrs);

		inet_ntop(p->media_addrs[j].addr.family, &p->media_addrs[j].addr.v6, a, sizeof(a));
		tz_cfg_err_at(c, pos ? pos->line : p->line, pos ? pos->col : p->col, path,
			      "\"%s\" %s", a, what);
		return;         /* one per port: the rest often follow from it */
	}
}

static void check_port(struct tz_cfg_ctx *c, const struct tz_cfg_port *p, size_t i)
{
	static const char *const needs[] = {
		[TZ_DRV_PCI] = "pci", [TZ_DRV_AUTO] = "iface or pci",
		[TZ_DRV_AF_XDP] = "iface", [TZ_DRV_AF_PACKET] = "iface",
	};
	char path[32], what[160];

	snprintf(path, sizeof(path), "ports[%zu]", i);
	bool pci = given(c, &p->pci, p->pci != NULL);
	bool iface = given(c, &p->iface, p->iface != NULL);

	if ((p->driver == TZ_DRV_PCI && !pci) ||
	    (p->driver <= TZ_DRV_AF_PACKET && p->driver != TZ_DRV_PCI && !pci && !iface)) {
		snprintf(what, sizeof(what), "neither pci nor iface is set; driver %s needs %s",
			 tz_cfg_enum_name(tz_cfg_drivers, p->driver), needs[p->driver]);
		tz_cfg_err_at(c, p->line, p->col, path, "%s", what);
	}
	if (!given(c, &p->ipv4, p->ipv4.addr.family != 0) &&
	    !given(c, &p->ipv6, p->ipv6.addr.family != 0))
		tz_cfg_err_at(c, p->line, p->col, path, "neither ipv4 nor ipv6 is set; a port "
			      "needs the gateway's address on its network");
	check_gateway(c, p, &p->ipv4, &p->gateway4, "ipv4");
	check_gateway(c, p, &p->ipv6, &p->gateway6, "ipv6");
	check_media_addrs(c, p, i);
}

static void check_ports(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_pos *list = tz_cfg_pos_find(c, &cfg->n_ports);
	bool has[TZ_ROLE_COUNT] = { false };

	check_dup_names(c, "ports", cfg->ports, sizeof(*cfg->ports), cfg->n_ports);
	for (size_t i = 0; i < cfg->n_ports; i++) {
		const struct tz_cfg_pos *role = tz_cfg_pos_find(c, &cfg->ports[i].role);

		check_port(c, &cfg->ports[i], i);
		has[cfg->ports[i].role] = true;
		if (role == NULL || role->bad)
			return;   /* a port without a valid role is reported already */
	}
	for (int r = 0; r < TZ_ROLE_COUNT && list != NULL && cfg->ports != NULL; r++)
		if (!has[r])
			tz_cfg_err_at(c, list->line, list->col, "ports", "no port has role %s; "
				      "expected at least one access and one core port",
				      tz_cfg_role_name(r));
}

static void check_media(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_range *a = &cfg->media.ports[TZ_ROLE_ACCESS];
	const struct tz_cfg_range *k = &cfg->media.ports[TZ_ROLE_CORE];
	const struct tz_cfg_pos *pa = tz_cfg_pos_find(c, a), *pk = tz_cfg_pos_find(c, k);
	char what[160];

	if (a->last < k->first || k->last < a->first)
		return;
	if (pk == NULL || (pa != NULL && pa->line > pk->line)) {
		snprintf(what, sizeof(what), "%u-%u overlaps media.core.ports (%u-%u); "
			 "expected disjoint ranges", a->first, a->last, k->first, k->last);
		err_field(c, a, 1, 1, "media.access.ports", what);
		return;
	}
	snprintf(what, sizeof(what), "%u-%u overlaps media.access.ports (%u-%u); expected "
		 "disjoint ranges", k->first, k->last, a->first, a->last);
	err_field(c, k, 1, 1, "media.core.ports", what);
}

/* A TLS listener needs both PEM files; point at the setting that asks for TLS. */
static void check_tls(struct tz_cfg_ctx *c, const void *at, char *const *cert,
		      char *const *key, const char *where)
{
	bool has_cert = given(c, cert, *cert != NULL), has_key = given(c, key, *key != NULL);
	char what[160];

	if (has_cert && has_key)
		return;
	snprintf(what, sizeof(what), "TLS needs %s; expected %s set in %s to PEM file paths",
		 !has_cert && !has_key ? "tls_cert and tls_key" : has_cert ? "tls_key" :
		 "tls_cert", !has_cert && !has_key ? "both" : "it", where);
	err_field(c, at, 1, 1, where, what);
}

static void check_cores(struct tz_cfg_ctx *c, const struct tz_cfg_eal *e)
{
	char what[160];

	for (uint16_t i = 0; i < e->n_workers; i++) {
		uint16_t core = e->worker_cores[i];
		bool dup = false;

		for (uint16_t j = 0; j < i; j++)
			dup |= e->worker_cores[j] == core;
		if (core == e->control_core)
			snprintf(what, sizeof(what), "core %u is the control_core; expected "
				 "worker cores other than %u", core, core);
		else if (dup)
			snprintf(what, sizeof(what), "core %u is listed twice; expected each "
				 "worker core once", core);
		else
			continue;
		if (tz_cfg_pos_find(c, &e->worker_cores[i]) != NULL)
			err_field(c, &e->worker_cores[i], 1, 1, NULL, what);
		else   /* the default worker core: blame the control core */
			err_field(c, &e->control_core, 1, 1, "eal.control_core", what);
	}
}

/* media_services.cores: lcores of their own (the CPU under them may be a
 * worker's: cpus), at most TZ_CFG_MAX_SVC_CORES; cpus one per core. */
static void check_svc_cores(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_media_services *m = &cfg->media_services;
	char what[200];

	if (m->n_cores > TZ_CFG_MAX_SVC_CORES) {
		snprintf(what, sizeof(what), "has %u cores; expected at most %d", m->n_cores,
			 TZ_CFG_MAX_SVC_CORES);
		err_field(c, &m->cores[0], 1, 1, "media_services.cores", what);
	}
	if (m->n_cpus != 0 && m->n_cpus != m->n_cores) {
		snprintf(what, sizeof(what), "has %u CPUs for %u cores; expected one CPU per "
			 "media_services.cores entry", m->n_cpus, m->n_cores);
		err_field(c, &m->cpus[0], 1, 1, "media_services.cpus", what);
	}
	for (uint16_t i = 0; i < m->n_cores && i < TZ_CFG_MAX_SVC_CORES; i++) {
		uint16_t core = m->cores[i];
		bool dup = core == cfg->eal.control_core;

		for (uint16_t j = 0; j < i; j++)
			dup |= m->cores[j] == core;
		for (uint16_t j = 0; j < cfg->eal.n_workers; j++)
			dup |= cfg->eal.worker_cores[j] == core;
		if (!dup)
			continue;
		snprintf(what, sizeof(what), "lcore %u is already the control core, a worker or "
			 "listed twice; expected an lcore id of its own (put it on a worker's CPU "
			 "with media_services.cpus)", core);
		err_field(c, &m->cores[i], 1, 1, "media_services.cores", what);
	}
}

/* A flattened list (sip.trunks, sip.routes, auth.secrets) and how to name its entries. */
struct flat_list {
	const char *base;
	size_t esize, n;
	size_t tenant_off;        /* the entry's `tenant` */
	size_t n_off;             /* its share's count in struct tz_cfg_tenant */
	const char *top, *key;    /* "sip.trunks", "trunks" */
};

#define FLAT_LIST(arr, cnt, st, nm, top, key)                                         \
	{ (const char *)(arr), sizeof(struct st), (cnt), offsetof(struct st, tenant),    \
	  offsetof(struct tz_cfg_tenant, nm), top, key }

static uint32_t entry_tenant(const struct flat_list *l, size_t i)
{
	return *(const uint32_t *)(l->base + i * l->esize + l->tenant_off);
}

static void entry_path(const struct tz_config *cfg, const struct flat_list *l, size_t i,
		       char *buf, size_t len)
{
	tz_cfg_entry_path(cfg, l->top, l->key, l->n_off, entry_tenant(l, i), i, buf, len);
}

/* Names (the entries' first member) unique over every tenant's entries. */
static void check_flat_names(struct tz_cfg_ctx *c, const struct tz_config *cfg,
			     const struct flat_list *l)
{
	char what[300], other[80], label[64];

	for (size_t i = 0; i < l->n; i++) {
		const char *a = l->base + i * l->esize;

		for (size_t j = 0; a[0] != '\0' && j < i; j++) {
			if (strcmp(a, l->base + j * l->esize) != 0)
				continue;
			entry_path(cfg, l, j, other, sizeof(other));
			if (entry_tenant(l, j) == entry_tenant(l, i))
				snprintf(what, sizeof(what), "\"%s\" is already the name of %s; "
					 "expected a unique name", a, other);
			else
				snprintf(what, sizeof(what), "\"%s\" is already the name of %s "
					 "(%s); expected a name unique over all tenants", a, other,
					 tz_cfg_tenant_label(cfg, entry_tenant(l, j), label,
							     sizeof(label)));
			err_field(c, a, 1, 1, l->top, what);
			break;
		}
	}
}

/* The crypto suites a trunk may name (RFC 4568 section 6.2, RFC 7714 section 14.2). */
static const char *const srtp_suites[] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
	"AEAD_AES_256_GCM",
};
#define N_SUITES (sizeof(srtp_suites) / sizeof(srtp_suites[0]))

static void check_srtp(struct tz_cfg_ctx *c, const struct tz_cfg_trunk *t)
{
	const char *near;
	char what[300];

	if (t->srtp_suites == NULL)
		return;
	if (t->srtp == TZ_TRUNK_RTP) {
		err_field(c, &t->srtp_suites, t->line, t->col, NULL, "is set but srtp is off; "
			  "expected srtp: sdes, or no srtp_suites");
		return;
	}
	for (size_t i = 0; t->srtp_suites[i] != NULL; i++) {
		const char *s = t->srtp_suites[i];
		bool known = false;

		for (size_t k = 0; k < N_SUITES; k++)
			known |= strcmp(s, srtp_suites[k]) == 0;
		if (known)
			continue;
		near = tz_nearest(s, srtp_suites, N_SUITES);
		if (near != NULL)
			snprintf(what, sizeof(what), "\"%.64s\" is not a crypto suite; did you mean "
				 "\"%s\"?", s, near);
		else
			snprintf(what, sizeof(what), "\"%.64s\" is not a crypto suite; expected "
				 "some of: %s, %s, %s, %s", s, srtp_suites[0], srtp_suites[1],
				 srtp_suites[2], srtp_suites[3]);
		err_field(c, &t->srtp_suites, t->line, t->col, NULL, what);
	}
}

/* The video codecs a trunk may name (docs/video.md). */
static const char *const video_codecs[] = { "VP8", "H264" };

static void check_video(struct tz_cfg_ctx *c, const struct tz_cfg_trunk *t)
{
	const char *near;
	char what[200];

	for (size_t i = 0; t->video != NULL && t->video[i] != NULL; i++) {
		const char *s = t->video[i];

		if (strcmp(s, video_codecs[0]) == 0 || strcmp(s, video_codecs[1]) == 0)
			continue;
		near = tz_nearest(s, video_codecs, 2);
		if (near != NULL)
			snprintf(what, sizeof(what), "\"%.64s\" is not a video codec; did you mean "
				 "\"%s\"?", s, near);
		else
			snprintf(what, sizeof(what), "\"%.64s\" is not a video codec; expected "
				 "some of: VP8, H264", s);
		err_field(c, &t->video, t->line, t->col, NULL, what);
	}
}

static void check_trunks(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_sip *sip = &cfg->sip;
	const struct flat_list l = FLAT_LIST(sip->trunks, sip->n_trunks, tz_cfg_trunk,
					     n_trunks, "sip.trunks", "trunks");

	check_flat_names(c, cfg, &l);
	for (size_t i = 0; i < sip->n_trunks; i++) {
		const struct tz_cfg_trunk *t = &sip->trunks[i];

		if (t->password != NULL && t->username == NULL)
			err_field(c, &t->password, t->line, t->col, NULL,
				  "is set but username is not; expected both or neither");
		if (t->tls_ca != NULL && t->transport != TZ_SIP_TLS)
			err_field(c, &t->tls_ca, t->line, t->col, NULL, "is set but transport is "
				  "not tls; expected transport: tls (the CA checks the trunk's TLS "
				  "certificate)");
		check_srtp(c, t);
		check_video(c, t);
	}
}

/* "no trunk named "x"; did you mean "y"?" or the list of names in @p list. */
static void unknown_name(struct tz_cfg_ctx *c, const void *at, const char *kind,
			 const char *name, const char *list, const char *names, size_t esize,
			 size_t n)
{
	const char *cands[64] = { NULL };
	const char *near;
	char what[400];
	size_t o;

	for (size_t i = 0; i < n && i < 64; i++)
		cands[i] = names + i * esize;
	near = tz_nearest(name, cands, n < 64 ? n : 64);
	o = (size_t)snprintf(what, sizeof(what), "no %s is named \"%s\"; ", kind, name);
	if (near != NULL)
		snprintf(what + o, sizeof(what) - o, "did you mean \"%s\"?", near);
	else if (n == 0)
		snprintf(what + o, sizeof(what) - o, "expected a name from %s, which is empty",
			 list);
	else
		for (size_t i = 0; i < n && o < sizeof(what); i++)
			o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s",
					      i ? ", " : "expected one of: ", cands[i]);
	err_field(c, at, 1, 1, NULL, what);
}

/* A route names a trunk of another tenant: say whose it is and which it may name. */
static void foreign_trunk(struct tz_cfg_ctx *c, const struct tz_config *cfg,
			  const struct tz_cfg_route *r, uint32_t trunk, const char *list,
			  size_t first, size_t n)
{
	const struct tz_cfg_sip *sip = &cfg->sip;
	char what[400], whose[64], mine[64];
	size_t o;

	tz_cfg_tenant_label(cfg, sip->trunks[trunk].tenant, whose, sizeof(whose));
	o = (size_t)snprintf(what, sizeof(what), "\"%s\" is a trunk of %s; ",
			     sip->trunks[trunk].name, whose);
	if (r->tenant == TZ_TENANT_DEFAULT)
		snprintf(mine, sizeof(mine), "the default tenant's trunks (sip.trunks)");
	else
		snprintf(mine, sizeof(mine), "%s's trunks", cfg->tenants[r->tenant].name);
	if (n == 0)
		snprintf(what + o, sizeof(what) - o, "expected one of %s, but %s is empty", mine,
			 list);
	else
		o += (size_t)snprintf(what + o, sizeof(what) - o, "expected one of %s: ", mine);
	for (size_t i = 0; i < n && o < sizeof(what); i++)
		o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s", i ? ", " : "",
				      sip->trunks[first + i].name);
	err_field(c, &r->trunk, r->line, r->col, NULL, what);
}

/* Resolve each route's trunk by name among its own tenant's trunks. */
static void check_routes(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_sip *sip = &cfg->sip;

	for (size_t i = 0; i < c->n_refs; i++) {
		struct tz_cfg_ref *ref = &c->refs[i];
		const struct tz_cfg_route *r = (const struct tz_cfg_route *)
			((const char *)ref->dst - offsetof(struct tz_cfg_route, trunk));
		uint32_t tenant = r->tenant < cfg->n_tenants ? r->tenant : 0;
		size_t first = tz_cfg_share_start(cfg, offsetof(struct tz_cfg_tenant, n_trunks),
						  tenant);
		size_t n = cfg->tenants[tenant].n_trunks;
		uint32_t found = UINT32_MAX;
		char list[48];

		if (tenant == TZ_TENANT_DEFAULT)
			snprintf(list, sizeof(list), "sip.trunks");
		else
			snprintf(list, sizeof(list), "tenants[%u].trunks", tenant - 1);
		for (uint32_t t = 0; t < sip->n_trunks; t++)
			if (strcmp(sip->trunks[t].name, ref->name) == 0)
				found = t;
		if (found == UINT32_MAX)
			unknown_name(c, ref->dst, "trunk", ref->name, list,
				     n ? sip->trunks[first].name : "", sizeof(*sip->trunks), n);
		else if (sip->trunks[found].tenant != tenant)
			foreign_trunk(c, cfg, r, found, list, first, n);
		else
			*ref->dst = found;
	}
}

/* Each token secret: exactly one of secret / secret_file; a key long enough
 * for HS256 (RFC 7518 3.2: at least the hash size, 256 bits). */
static void check_auth(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_auth *a = &cfg->auth;
	const struct flat_list l = FLAT_LIST(a->secrets, a->n_secrets, tz_cfg_token_secret,
					     n_secrets, "auth.token_secrets", "token_secrets");
	char path[64];

	check_flat_names(c, cfg, &l);
	for (size_t i = 0; i < a->n_secrets; i++) {
		const struct tz_cfg_token_secret *s = &a->secrets[i];
		bool has_s = given(c, &s->secret, s->secret != NULL);
		bool has_f = given(c, &s->secret_file, s->secret_file != NULL);

		entry_path(cfg, &l, i, path, sizeof(path));
		if (has_s == has_f)
			tz_cfg_err_at(c, s->line, s->col, path, "%s; expected exactly one of secret "
				      "or secret_file", has_s ? "has both secret and secret_file" :
				      "has neither secret nor secret_file");
		else if (s->secret != NULL && strlen(s->secret) < 32)
			err_field(c, &s->secret, s->line, s->col, path, "is shorter than 32 bytes; "
				  "expected a random key of at least 32 bytes (HS256)");
	}
}

/* Recording on (top level or a tenant's) needs somewhere to write. */
static void check_recording(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	const struct tz_cfg_recording *top = &cfg->recording;

	if (top->mode != TZ_REC_MODE_OFF && top->dir == NULL)
		err_field(c, &top->mode, 1, 1, "recording.mode", "needs recording.dir: write "
			  "the directory the recordings go to (dir: /var/lib/trapeze/recordings)");
	for (size_t i = 1; i < cfg->n_tenants; i++) {
		const struct tz_cfg_recording *r = &cfg->tenants[i].recording;

		if (r->mode != TZ_REC_MODE_INHERIT && r->mode != TZ_REC_MODE_OFF &&
		    r->dir == NULL && top->dir == NULL)
			err_field(c, &r->mode, cfg->tenants[i].line, cfg->tenants[i].col,
				  "tenants[].recording.mode", "needs a dir (the tenant's "
				  "recording.dir or the top-level recording.dir)");
		/* its files would go to <dir>/<name>: "." or ".." is not a directory of its own */
		if (r->dir == NULL && top->dir != NULL && cfg->tenants[i].name[0] == '.' &&
		    strspn(cfg->tenants[i].name, ".") == strlen(cfg->tenants[i].name))
			err_field(c, cfg->tenants[i].name, cfg->tenants[i].line, cfg->tenants[i].col,
				  "tenants[].name", "cannot be the directory of its recordings "
				  "(recording.dir/<name>): rename the tenant or give it its own "
				  "recording.dir");
	}
}

void tz_cfg_validate(struct tz_cfg_ctx *c, struct tz_config *cfg)
{
	check_recording(c, cfg);
	check_cores(c, &cfg->eal);
	check_svc_cores(c, cfg);
	check_ports(c, cfg);
	check_media(c, cfg);
	if (cfg->signalling.https.host != NULL)
		check_tls(c, &cfg->signalling.https, &cfg->signalling.tls_cert,
			  &cfg->signalling.tls_key, "signalling");
	if (cfg->sip.transports & TZ_SIP_TLS)
		check_tls(c, &cfg->sip.transports, &cfg->sip.tls_cert, &cfg->sip.tls_key,
			  "sip");
	check_trunks(c, cfg);
	check_routes(c, cfg);
	check_auth(c, cfg);
	tz_cfg_validate_tenants(c, cfg);
	tz_cfg_validate_media(c, cfg);
}
