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

static void check_trunks(struct tz_cfg_ctx *c, const struct tz_cfg_sip *sip)
{
	check_dup_names(c, "sip.trunks", sip->trunks, sizeof(*sip->trunks), sip->n_trunks);
	for (size_t i = 0; i < sip->n_trunks; i++) {
		const struct tz_cfg_trunk *t = &sip->trunks[i];

		if (t->password != NULL && t->username == NULL)
			err_field(c, &t->password, t->line, t->col, NULL,
				  "is set but username is not; expected both or neither");
	}
}

/* "no trunk named "x"; did you mean "y"?" or the list of names. */
static void unknown_name(struct tz_cfg_ctx *c, const void *at, const char *kind,
			 const char *name, const char *names, size_t esize, size_t n)
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
		snprintf(what + o, sizeof(what) - o, "expected a name from sip.%ss, which is "
			 "empty", kind);
	else
		for (size_t i = 0; i < n && o < sizeof(what); i++)
			o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s",
					      i ? ", " : "expected one of: ", cands[i]);
	err_field(c, at, 1, 1, NULL, what);
}

static void check_routes(struct tz_cfg_ctx *c, struct tz_cfg_sip *sip)
{
	for (size_t i = 0; i < c->n_refs; i++) {
		struct tz_cfg_ref *r = &c->refs[i];

		for (uint32_t t = 0; t < sip->n_trunks; t++)
			if (strcmp(sip->trunks[t].name, r->name) == 0)
				*r->dst = t;
		if (*r->dst == UINT32_MAX)
			unknown_name(c, r->dst, "trunk", r->name,
				     sip->trunks ? sip->trunks[0].name : "",
				     sizeof(*sip->trunks), sip->n_trunks);
	}
}

/* Each token secret: exactly one of secret / secret_file; a key long enough
 * for HS256 (RFC 7518 3.2: at least the hash size, 256 bits). */
static void check_auth(struct tz_cfg_ctx *c, const struct tz_cfg_auth *a)
{
	char path[64];

	check_dup_names(c, "auth.token_secrets", a->secrets, sizeof(*a->secrets), a->n_secrets);
	for (size_t i = 0; i < a->n_secrets; i++) {
		const struct tz_cfg_token_secret *s = &a->secrets[i];
		bool has_s = given(c, &s->secret, s->secret != NULL);
		bool has_f = given(c, &s->secret_file, s->secret_file != NULL);

		snprintf(path, sizeof(path), "auth.token_secrets[%zu]", i);
		if (has_s == has_f)
			tz_cfg_err_at(c, s->line, s->col, path, "%s; expected exactly one of secret "
				      "or secret_file", has_s ? "has both secret and secret_file" :
				      "has neither secret nor secret_file");
		else if (s->secret != NULL && strlen(s->secret) < 32)
			err_field(c, &s->secret, s->line, s->col, path, "is shorter than 32 bytes; "
				  "expected a random key of at least 32 bytes (HS256)");
	}
}

void tz_cfg_validate(struct tz_cfg_ctx *c, struct tz_config *cfg)
{
	check_cores(c, &cfg->eal);
	check_ports(c, cfg);
	check_media(c, cfg);
	if (cfg->signalling.https.host != NULL)
		check_tls(c, &cfg->signalling.https, &cfg->signalling.tls_cert,
			  &cfg->signalling.tls_key, "signalling");
	if (cfg->sip.transports & TZ_SIP_TLS)
		check_tls(c, &cfg->sip.transports, &cfg->sip.tls_cert, &cfg->sip.tls_key,
			  "sip");
	check_trunks(c, &cfg->sip);
	check_routes(c, &cfg->sip);
	check_auth(c, &cfg->auth);
}
