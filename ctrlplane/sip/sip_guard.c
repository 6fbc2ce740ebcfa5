/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may talk SIP to us (issue 9 item 5): an allow-list of trunk and peer
 * addresses, and a per-source request budget.
 *
 * Allow-list: every trunk's `acl` (CIDRs), or, when it gives none, the
 * trunk's address: an IP literal as is, a DNS name resolved once at start.
 *
 * Two places apply it:
 *  - the socket: a GSource of higher priority than sofia's watches sofia's
 *    UDP socket(s) and, for each datagram at the head of the queue, peeks
 *    at its source; a datagram from outside the allow-list, or from a source
 *    that is flooding, is read and dropped before sofia parses it (no
 *    answer: scanners learn nothing, spoofed sources get no reflection).
 *    Other datagrams are left for sofia.
 *  - the request: every request that opens a transaction outside a dialog
 *    reaches ua_event(); its source is checked again (TCP and TLS only meet
 *    this check) and charged one token: outside the allow-list -> 403; over
 *    budget -> 503 with Retry-After.
 *
 * Budget: a token bucket per source address, `sip.max_requests_per_source`
 * tokens per second, as many in the bucket.  A request over budget gets 503;
 * once the debt reaches another second's worth (twice the rate within a
 * second) the source is "dropping": its datagrams are dropped at the socket
 * (and still charged) until its bucket is full again.
 *
 * Sources are kept in a table of at most GUARD_MAX_SOURCES entries; idle ones
 * are evicted first; when it is full of active sources, new sources share
 * one overflow entry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sip_pvt.h"

#include <sofia-sip/msg_addr.h>

#define GUARD_MAX_SOURCES 4096
#define GUARD_IDLE_US (120 * G_USEC_PER_SEC)
#define GUARD_MAX_FDS 4
#define GUARD_RETRY_AFTER_S 5

struct source {
	struct tz_cfg_addr addr;
	bool allowed;
	bool dropping;
	double tokens;
	gint64 last_us;
	struct tz_sip_source_stats st;
};

struct sip_guard {
	struct tz_cfg_cidr *acl;
	const struct tz_cfg_trunk **acl_trunk;  /* the trunk each acl entry comes from */
	size_t n_acl;
	uint32_t rate;                  /* 0 = no budget */
	GHashTable *sources;            /* key: struct tz_cfg_addr (family + 16 bytes) */
	struct source overflow;
	gint64 last_evict_us;
	uint64_t *ctr;                  /* the agent's counters */
	GSource *watch[GUARD_MAX_FDS];
	size_t n_watch;
};

struct watch {
	GSource base;
	struct sip_guard *g;
	GPollFD pfd;
	bool drop_head;                 /* check() saw a datagram to drop */
};

static guint addr_hash(gconstpointer k)
{
	const struct tz_cfg_addr *a = k;
	const uint8_t *b = (const uint8_t *)&a->v6;
	guint h = (guint)a->family;

	for (size_t i = 0; i < (a->family == AF_INET ? 4 : 16); i++)
		h = h * 31 + b[i];
	return h;
}

static gboolean addr_equal(gconstpointer x, gconstpointer y)
{
	return tz_cfg_addr_equal(x, y);
}

bool sip_guard_allowed(const struct sip_guard *g, const struct tz_cfg_addr *a)
{
	for (size_t i = 0; i < g->n_acl; i++)
		if (tz_cfg_cidr_contains(&g->acl[i], a))
			return true;
	return false;
}

const struct tz_cfg_trunk *sip_guard_trunk(const struct sip_guard *g, const struct tz_cfg_addr *a)
{
	for (size_t i = 0; g != NULL && a != NULL && i < g->n_acl; i++)
		if (tz_cfg_cidr_contains(&g->acl[i], a))
			return g->acl_trunk[i];
	return NULL;
}

static void acl_add(struct sip_guard *g, const struct tz_cfg_addr *a, const struct tz_cfg_trunk *t)
{
	g->acl_trunk = g_renew(const struct tz_cfg_trunk *, g->acl_trunk, g->n_acl + 1);
	g->acl_trunk[g->n_acl] = t;
	g->acl = g_renew(struct tz_cfg_cidr, g->acl, g->n_acl + 1);
	g->acl[g->n_acl].addr = *a;
	g->acl[g->n_acl].prefix = a->family == AF_INET ? 32 : 128;
	g->n_acl++;
}

/* A trunk without `acl`: its address, resolved now when it is a name. */
static void acl_of_address(struct sip_guard *g, const struct tz_cfg_trunk *t)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai = NULL;
	struct tz_cfg_addr a;
	int rc = getaddrinfo(t->address.host, NULL, &hints, &ai);

	if (rc != 0) {
		TZ_LOG(CP_SIP, WARNING, "sip.trunks %s: address %s does not resolve (%s): no "
		       "request from it will be accepted; give trunks[].acl", t->name,
		       t->address.host, gai_strerror(rc));
		return;
	}
	for (struct addrinfo *p = ai; p; p = p->ai_next) {
		tz_cfg_addr_from_sockaddr(p->ai_addr, &a);
		if (a.family && !sip_guard_allowed(g, &a))
			acl_add(g, &a, t);
	}
	freeaddrinfo(ai);
}

static struct source *source_get(struct sip_guard *g, const struct tz_cfg_addr *a, gint64 now)
{
	struct source *s = g_hash_table_lookup(g->sources, a);

	if (s)
		return s;
	if (g_hash_table_size(g->sources) >= GUARD_MAX_SOURCES) {
		GHashTableIter it;
		gpointer v;

		/* A scan costs the whole table: at most once a second (spoofed floods). */
		if (now - g->last_evict_us < G_USEC_PER_SEC)
			return &g->overflow;
		g->last_evict_us = now;
		g_hash_table_iter_init(&it, g->sources);
		while (g_hash_table_iter_next(&it, NULL, &v))
			if (now - ((struct source *)v)->last_us > GUARD_IDLE_US)
				g_hash_table_iter_remove(&it);
		if (g_hash_table_size(g->sources) >= GUARD_MAX_SOURCES)
			return &g->overflow;
	}
	s = g_new0(struct source, 1);
	s->addr = *a;
	s->allowed = sip_guard_allowed(g, a);
	s->tokens = g->rate;
	s->last_us = now;
	inet_ntop(a->family, &a->v6, s->st.addr, sizeof(s->st.addr));
	g_hash_table_insert(g->sources, &s->addr, s);
	return s;
}

static void refill(struct sip_guard *g, struct source *s, gint64 now)
{
	s->tokens += (double)(now - s->last_us) * g->rate / G_USEC_PER_SEC;
	if (s->tokens >= g->rate) {
		s->tokens = g->rate;
		s->dropping = false;          /* calm again */
	}
	s->last_us = now;
}

/* One request or dropped datagram from @p s. */
static enum sip_guard_verdict charge(struct sip_guard *g, struct source *s, gint64 now)
{
	if (!g->rate)
		return SIP_GUARD_PASS;
	refill(g, s, now);
	s->tokens -= 1;
	if (s->tokens < -(double)g->rate) {
		s->tokens = -(double)g->rate;  /* the debt stops here: recovery in 2 s */
		s->dropping = true;
	}
	if (s->dropping)
		return SIP_GUARD_DROP;
	return s->tokens < 0 ? SIP_GUARD_LIMIT : SIP_GUARD_PASS;
}

enum sip_guard_verdict sip_guard_request(struct sip_guard *g, const struct sockaddr *sa)
{
	gint64 now = g_get_monotonic_time();
	struct tz_cfg_addr a;
	struct source *s;
	enum sip_guard_verdict v;

	if (!g || !sa)
		return SIP_GUARD_PASS;
	tz_cfg_addr_from_sockaddr(sa, &a);
	if (!a.family)
		return SIP_GUARD_PASS;
	s = source_get(g, &a, now);
	s->st.requests++;
	if (s == &g->overflow ? !sip_guard_allowed(g, &a) : !s->allowed) {
		s->st.refused_acl++;
		g->ctr[TZ_SIP_CTR_ACL_REFUSED]++;
		return SIP_GUARD_ACL;
	}
	v = charge(g, s, now);
	if (v != SIP_GUARD_PASS) {
		s->st.rate_limited++;
		g->ctr[TZ_SIP_CTR_RATE_LIMITED]++;
	}
	return v;
}

unsigned sip_guard_retry_after(void)
{
	return GUARD_RETRY_AFTER_S;
}

/* Peek at the head datagram: drop it when its source is refused or dropping. */
static bool head_is_droppable(struct watch *w)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char byte;
	struct tz_cfg_addr a;
	struct source *s;
	gint64 now = g_get_monotonic_time();

	if (recvfrom(w->pfd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT, (struct sockaddr *)&ss,
		     &sl) < 0)
		return false;
	tz_cfg_addr_from_sockaddr((struct sockaddr *)&ss, &a);
	if (!a.family)
		return false;
	s = source_get(w->g, &a, now);
	if (s == &w->g->overflow)
		return !sip_guard_allowed(w->g, &a);
	if (!s->allowed)
		return true;
	if (s->dropping)
		refill(w->g, s, now);
	return s->dropping;
}

static gboolean watch_prepare(GSource *src, gint *timeout)
{
	*timeout = -1;
	return FALSE;
}

static gboolean watch_check(GSource *src)
{
	struct watch *w = (struct watch *)src;

	w->drop_head = (w->pfd.revents & G_IO_IN) && head_is_droppable(w);
	return w->drop_head;
}

/* Read and drop every droppable datagram at the head; stop at the first other one. */
static gboolean watch_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	struct watch *w = (struct watch *)src;
	struct sip_guard *g = w->g;
	char buf[256];

	for (int n = 0; n < 256 && w->drop_head; n++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct tz_cfg_addr a;
		struct source *s;

		if (recvfrom(w->pfd.fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss,
			     &sl) < 0)
			break;
		tz_cfg_addr_from_sockaddr((struct sockaddr *)&ss, &a);
		s = source_get(g, &a, g_get_monotonic_time());
		if (s == &g->overflow ? !sip_guard_allowed(g, &a) : !s->allowed) {
			s->st.refused_acl++;
			g->ctr[TZ_SIP_CTR_ACL_REFUSED]++;
		} else {
			charge(g, s, g_get_monotonic_time());
			s->st.dropped++;
			g->ctr[TZ_SIP_CTR_FLOOD_DROPPED]++;
		}
		w->drop_head = head_is_droppable(w);
	}
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs watch_funcs = {
	.prepare = watch_prepare,
	.check = watch_check,
	.dispatch = watch_dispatch,
};

/* sofia's UDP sockets bound to @p port: the tport API does not hand them out. */
static size_t find_udp_fds(uint16_t port, int *fds, size_t max)
{
	size_t n = 0;
	GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
	const char *name;

	while (d && n < max && (name = g_dir_read_name(d)) != NULL) {
		int fd = atoi(name), type = 0;
		socklen_t tl = sizeof(type);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		uint16_t p;

		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
			continue;
		if (ss.ss_family == AF_INET)
			p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			continue;
		if (p == port)
			fds[n++] = fd;
	}
	if (d)
		g_dir_close(d);
	return n;
}

struct sip_guard *sip_guard_new(const struct tz_cfg_sip *cfg, uint64_t *ctr)
{
	struct sip_guard *g = g_new0(struct sip_guard, 1);

	g->rate = cfg->max_requests_per_source;
	g->ctr = ctr;
	g->sources = g_hash_table_new_full(addr_hash, addr_equal, NULL, g_free);
	g_strlcpy(g->overflow.st.addr, "(others)", sizeof(g->overflow.st.addr));
	g->overflow.allowed = true;
	g->overflow.tokens = g->rate;
	for (size_t i = 0; i < cfg->n_trunks; i++) {
		const struct tz_cfg_trunk *t = &cfg->trunks[i];

		if (t->n_acl) {
			g->acl = g_renew(struct tz_cfg_cidr, g->acl, g->n_acl + t->n_acl);
			g->acl_trunk = g_renew(const struct tz_cfg_trunk *, g->acl_trunk,
					       g->n_acl + t->n_acl);
			memcpy(&g->acl[g->n_acl], t->acl, t->n_acl * sizeof(*t->acl));
			for (size_t j = 0; j < t->n_acl; j++)
				g->acl_trunk[g->n_acl + j] = t;
			g->n_acl += t->n_acl;
		} else if (t->address.host) {
			acl_of_address(g, t);
		}
	}
	if (!g->n_acl)
		TZ_LOG(CP_SIP, WARNING, "sip: no trunk address or acl: every SIP request will "
		       "be refused");
	return g;
}

void sip_guard_watch(struct sip_guard *g, GMainContext *ctx, uint16_t port)
{
	int fds[GUARD_MAX_FDS];
	size_t n = find_udp_fds(port, fds, GUARD_MAX_FDS);

	for (size_t i = 0; i < n && g->n_watch < GUARD_MAX_FDS; i++) {
		struct watch *w = (struct watch *)g_source_new(&watch_funcs, sizeof(*w));

		w->g = g;
		w->pfd.fd = fds[i];
		w->pfd.events = G_IO_IN;
		g_source_add_poll(&w->base, &w->pfd);
		/* Ahead of sofia's source: GLib dispatches only the highest ready priority. */
		g_source_set_priority(&w->base, G_PRIORITY_HIGH);
		g_source_set_name(&w->base, "tz-sip-guard");
		g_source_attach(&w->base, ctx);
		g->watch[g->n_watch++] = &w->base;
	}
	if (!n)
		TZ_LOG(CP_SIP, WARNING, "sip: no UDP socket on port %u to guard; refused "
		       "sources are answered 403 instead of dropped", port);
}

void sip_guard_free(struct sip_guard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_watch; i++) {
		g_source_destroy(g->watch[i]);
		g_source_unref(g->watch[i]);
	}
	g_hash_table_destroy(g->sources);
	g_free(g->acl);
	g_free(g->acl_trunk);
	g_free(g);
}

static gint by_trouble(gconstpointer x, gconstpointer y)
{
	const struct tz_sip_source_stats *a = x, *b = y;
	uint64_t ta = a->refused_acl + a->rate_limited + a->dropped;
	uint64_t tb = b->refused_acl + b->rate_limited + b->dropped;

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

size_t tz_sip_sources(const struct tz_sip *sip, struct tz_sip_source_stats *out, size_t max)
{
	const struct sip_guard *g = sip ? sip->guard : NULL;
	GArray *all;
	GHashTableIter it;
	gpointer v;
	size_t n;

	if (!g || !out || !max)
		return 0;
	all = g_array_new(FALSE, FALSE, sizeof(struct tz_sip_source_stats));
	g_hash_table_iter_init(&it, g->sources);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_array_append_val(all, ((struct source *)v)->st);
	if (g->overflow.st.requests || g->overflow.st.dropped || g->overflow.st.refused_acl)
		g_array_append_val(all, g->overflow.st);
	g_array_sort(all, by_trouble);
	n = MIN(max, all->len);
	memcpy(out, all->data, n * sizeof(*out));
	g_array_free(all, TRUE);
	return n;
}
