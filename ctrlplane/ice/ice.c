/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <agent.h>
#include <glib.h>
#include <glib-unix.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tz_ice.h"
#include "tz_log.h"

struct tz_ice {
	NiceAgent *agent;
	guint stream;
	tz_ice_state_fn state_fn;
	tz_ice_recv_fn recv_fn;
	void *user;
	char ufrag[9];
	char pwd[25];
	uint16_t port;
	bool connected;
	struct sockaddr_storage remote;
	struct tz_ice_stats stats;
	GPtrArray *pending;     /* GBytes sent before the pair was nominated */
	/* consent (RFC 7675): the browser's checks seen on libnice's socket */
	int consent_fd;
	guint consent_watch, consent_rearm;
	int64_t last_consent;   /* g_get_monotonic_time() of the last valid check */
	bool consent_hooked;    /* consent_fd watched through the peek hooks */
	bool have_txid;
	uint8_t last_txid[12];  /* transaction ID of the check last counted */
	void *hub;              /* the agent's own context in the daemon's hub, or NULL */
	GMainContext *ctx;      /* that context (the agent holds it), or NULL */
};

/* The daemon's poll can peek at a readable descriptor before GLib dispatches
 * it (tz_ice_set_peek_ops); without it, a watch of our own steps aside. */
static struct tz_ice_peek_ops peek_ops;

/* Where agents get a context of their own (tz_ice_set_ctx_ops), or none. */
static struct tz_ice_ctx_ops ctx_ops;

/* Something may have changed the agent's sources outside its dispatch. */
static void touch(struct tz_ice *ice)
{
	if (ice->hub != NULL)
		ctx_ops.touch(ice->hub);
}

/* After a peek, libnice's own (default-priority) source reads the socket;
 * the watch comes back this much later. */
#define CONSENT_REARM_MS 2

/* A lite agent's component becomes ready only when the peer nominates a
 * pair, which can come after the peer's first DTLS flight; what we send
 * before that is held (a few datagrams) instead of being lost. */
#define PENDING_MAX 16
/* libnice's idle timeout once nominated: its connectivity-check timer (Ta,
 * 20 ms) otherwise runs on for 5 s after the last check, 250 wake-ups of
 * the call's context for nothing (a nominated component cannot fail by it). */
#define IDLE_AFTER_NOMINATION_MS 50u

/* ICE credentials are secrets (RFC 8445 §5.3: at least 128 bits of
 * randomness in the password): from the OpenSSL CSPRNG, never g_random
 * (a Mersenne Twister whose state its output reveals).  64 symbols: a byte's
 * low 6 bits pick one without bias. */
static int random_string(char *out, size_t n)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t rnd[64];

	if (n > sizeof(rnd) || RAND_bytes(rnd, (int)n) != 1)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[rnd[i] & 63];
	out[n] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 && x->sin6_port == y->sin6_port;
	}
	return false;
}

static gboolean consent_peek(gint fd, GIOCondition cond, gpointer data);

static gboolean consent_rearm(gpointer data)
{
	struct tz_ice *ice = data;

	ice->consent_rearm = 0;
	ice->consent_watch = g_unix_fd_add_full(G_PRIORITY_HIGH, ice->consent_fd, G_IO_IN,
						consent_peek, ice, NULL);
	return G_SOURCE_REMOVE;
}

/*
 * A lite agent sends no checks of its own, and libnice tells nobody about
 * the checks it answers.  The datagram at the head of its socket is peeked
 * (left for libnice) before libnice reads it: this source has a higher
 * priority than libnice's, and steps aside until libnice has drained the
 * socket.  A valid check from the selected pair renews consent.
 */
/* Look at the datagram at the head of the socket, leaving it for libnice.
 * A datagram libnice has not read yet can be seen twice: a check is
 * counted once (by its transaction ID). */
static void consent_look(int fd, void *data)
{
	struct tz_ice *ice = data;
	uint8_t buf[1500];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT, (struct sockaddr *)&from,
			     &fl);

	if (n > 0 && buf[0] < 4) {           /* RFC 7983: STUN */
		int rc;

		if (n >= 20) {
			if (ice->have_txid && memcmp(ice->last_txid, buf + 8, 12) == 0)
				return;
			memcpy(ice->last_txid, buf + 8, 12);
			ice->have_txid = true;
		}
		rc = tz_ice_stun_consent_check(buf, (size_t)n, ice->ufrag, ice->pwd);
		if (rc == 0 && same_addr(&from, &ice->remote)) {
			ice->last_consent = g_get_monotonic_time();
			ice->stats.consent_checks++;
		} else if (rc != -ENOMSG) {
			ice->stats.consent_refused++;
		}
	}
}

static gboolean consent_peek(gint fd, GIOCondition cond, gpointer data)
{
	struct tz_ice *ice = data;

	consent_look(fd, ice);
	ice->consent_watch = 0;
	ice->consent_rearm = g_timeout_add(CONSENT_REARM_MS, consent_rearm, ice);
	return G_SOURCE_REMOVE;
}

/* Watch libnice's socket of the selected pair for consent checks. */
static void consent_start(struct tz_ice *ice, NiceAgent *agent, guint stream)
{
	GSocket *s;

	ice->last_consent = g_get_monotonic_time();     /* the nominating check */
	if (ice->consent_watch != 0 || ice->consent_rearm != 0 || ice->consent_hooked)
		return;
	s = nice_agent_get_selected_socket(agent, stream, 1);
	if (s == NULL) {
		TZ_LOG(CP_ICE, WARNING, "port %u: no socket to watch for consent checks", ice->port);
		return;
	}
	ice->consent_fd = g_socket_get_fd(s);
	g_object_unref(s);
	if (peek_ops.add != NULL && peek_ops.add(ice->consent_fd, consent_look, ice) == 0) {
		ice->consent_hooked = true;
		return;
	}
	consent_rearm(ice);
}

static void on_recv(NiceAgent *agent, guint stream, guint comp, guint len, gchar *buf, gpointer data)
{
	struct tz_ice *ice = data;

	ice->stats.rx_datagrams++;
	if (ice->recv_fn != NULL)
		ice->recv_fn(ice, (const uint8_t *)buf, len, ice->user);
}

/* Connected: send what was held, tell the owner (once). */
/* libnice's conncheck timer stops IDLE_AFTER_NOMINATION_MS after its last
 * check instead of 5 s (the property since libnice 0.1.16). */
static void quiet_after_nomination(NiceAgent *agent)
{
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "idle-timeout") != NULL)
		g_object_set(agent, "idle-timeout", IDLE_AFTER_NOMINATION_MS, NULL);
}

static void set_connected(struct tz_ice *ice, NiceAgent *agent, guint stream)
{
	if (ice->connected)
		return;
	ice->connected = true;
	quiet_after_nomination(agent);
	for (guint i = 0; i < ice->pending->len; i++) {
		gsize len;
		const gchar *d = g_bytes_get_data(g_ptr_array_index(ice->pending, i), &len);

		if (nice_agent_send(agent, stream, 1, (guint)len, d) >= 0)
			ice->stats.tx_datagrams++;
	}
	g_ptr_array_set_size(ice->pending, 0);
	consent_start(ice, agent, stream);
	if (ice->state_fn != NULL)
		ice->state_fn(ice, TZ_ICE_CONNECTED, ice->user);
}

static void on_selected(NiceAgent *agent, guint stream, guint comp, NiceCandidate *local,
			NiceCandidate *remote, gpointer data)
{
	struct tz_ice *ice = data;
	char ip[NICE_ADDRESS_STRING_LEN];

	nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&ice->remote);
	nice_address_to_string(&remote->addr, ip);
	TZ_LOG(CP_ICE, INFO, "port %u: selected pair with %s:%u", ice->port, ip,
	       nice_address_get_port(&remote->addr));
	/* A lite agent is connected when the controlling peer nominates: the
	 * component's READY can lag behind (libnice finishes its own checks). */
	set_connected(ice, agent, stream);
}

static void on_state(NiceAgent *agent, guint stream, guint comp, guint state, gpointer data)
{
	struct tz_ice *ice = data;

	if (state == NICE_COMPONENT_STATE_READY) {
		set_connected(ice, agent, stream);
	} else if (state == NICE_COMPONENT_STATE_FAILED) {
		TZ_LOG(CP_ICE, NOTICE, "port %u: ICE failed", ice->port);
		ice->connected = false;
		if (ice->state_fn != NULL)
			ice->state_fn(ice, TZ_ICE_FAILED, ice->user);
	}
}

/* The bound host candidate's port, after gathering. */
static uint16_t host_port(struct tz_ice *ice)
{
	GSList *cands = nice_agent_get_local_candidates(ice->agent, ice->stream, 1);
	uint16_t port = 0;

	for (GSList *l = cands; l != NULL; l = l->next) {
		NiceCandidate *c = l->data;

		if (port == 0 && c->type == NICE_CANDIDATE_TYPE_HOST &&
		    c->transport == NICE_CANDIDATE_TRANSPORT_UDP)
			port = (uint16_t)nice_address_get_port(&c->addr);
	}
	g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
	return port;
}

static int setup_agent(struct tz_ice *ice, GMainContext *ctx, const struct tz_ice_conf *conf)
{
	NiceAddress addr;

	ice->agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_LITE_MODE);
	if (ice->agent == NULL)
		return -ENOMEM;
	g_object_set(ice->agent, "upnp", FALSE, "controlling-mode", FALSE, "ice-tcp", FALSE, NULL);
	nice_address_init(&addr);
	if (!nice_address_set_from_string(&addr, conf->local_ip))
		return -EINVAL;
	nice_agent_add_local_address(ice->agent, &addr);
	ice->stream = nice_agent_add_stream(ice->agent, 1);
	if (ice->stream == 0)
		return -ENOMEM;
	nice_agent_set_port_range(ice->agent, ice->stream, 1, conf->port_min, conf->port_max);
	if (random_string(ice->ufrag, 8) != 0 || random_string(ice->pwd, 24) != 0)
		return -EIO;
	nice_agent_set_local_credentials(ice->agent, ice->stream, ice->ufrag, ice->pwd);
	g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_state), ice);
	g_signal_connect(ice->agent, "new-selected-pair-full", G_CALLBACK(on_selected), ice);
	nice_agent_attach_recv(ice->agent, ice->stream, 1, ctx, on_recv, ice);
	if (!nice_agent_gather_candidates(ice->agent, ice->stream))
		return -EADDRINUSE;
	ice->port = host_port(ice);
	return ice->port != 0 ? 0 : -EADDRINUSE;
}

struct tz_ice *tz_ice_new(GMainContext *ctx, const struct tz_ice_conf *conf,
			  tz_ice_state_fn state_fn, tz_ice_recv_fn recv_fn, void *user)
{
	struct tz_ice *ice = g_new0(struct tz_ice, 1);
	int rc;

	ice->pending = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	ice->state_fn = state_fn;
	ice->recv_fn = recv_fn;
	ice->user = user;
	if (ctx == NULL && ctx_ops.add != NULL) {
		/* a context of the agent's own, run by the hub (before any source) */
		GMainContext *own = g_main_context_new();

		ice->hub = ctx_ops.add(own);
		ctx = ice->hub != NULL ? own : NULL;
		ice->ctx = ctx;
		g_main_context_unref(own); /* the hub's and then the agent's */
	}
	rc = setup_agent(ice, ctx, conf);
	touch(ice);
	if (rc != 0) {
		TZ_LOG(CP_ICE, WARNING, "cannot bind ICE on %s ports %u-%u: %s", conf->local_ip,
		       conf->port_min, conf->port_max, g_strerror(-rc));
		tz_ice_free(ice);
		errno = -rc;
		return NULL;
	}
	return ice;
}

const char *tz_ice_local_ufrag(const struct tz_ice *ice)
{
	return ice->ufrag;
}

const char *tz_ice_local_pwd(const struct tz_ice *ice)
{
	return ice->pwd;
}

uint16_t tz_ice_local_port(const struct tz_ice *ice)
{
	return ice->port;
}

int tz_ice_local_candidate(const struct tz_ice *ice, char *buf, size_t len)
{
	GSList *cands = nice_agent_get_local_candidates(ice->agent, ice->stream, 1);
	int rc = -ENOENT;

	for (GSList *l = cands; l != NULL && rc == -ENOENT; l = l->next) {
		NiceCandidate *c = l->data;
		gchar *sdp;

		if (c->type != NICE_CANDIDATE_TYPE_HOST || c->transport != NICE_CANDIDATE_TRANSPORT_UDP)
			continue;
		sdp = nice_agent_generate_local_candidate_sdp(ice->agent, c);
		/* "a=candidate:..." -> "candidate:..." */
		rc = g_strlcpy(buf, g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp, len) < len ? 0 : -ENOSPC;
		g_free(sdp);
	}
	g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
	return rc;
}

int tz_ice_set_remote_credentials(struct tz_ice *ice, const char *ufrag, const char *pwd)
{
	int rc;

	if (ufrag == NULL || pwd == NULL || *ufrag == '\0' || *pwd == '\0')
		return -EINVAL;
	rc = nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd) ? 0 : -EINVAL;
	touch(ice);
	return rc;
}

int tz_ice_add_remote_candidate(struct tz_ice *ice, const char *sdp_candidate)
{
	g_autofree gchar *line = g_str_has_prefix(sdp_candidate, "a=") ? g_strdup(sdp_candidate)
						: g_strconcat("a=", sdp_candidate, NULL);
	NiceCandidate *c;
	GSList one = { 0 };
	int rc;

	if (strstr(line, " tcp ") != NULL || strstr(line, " TCP ") != NULL ||
	    strstr(line, ".local ") != NULL)
		return -ENOTSUP;
	c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, line);
	if (c == NULL)
		return -EINVAL;
	one.data = c;
	rc = nice_agent_set_remote_candidates(ice->agent, ice->stream, 1, &one) >= 0 ? 0 : -EINVAL;
	nice_candidate_free(c);
	touch(ice);
	return rc;
}

int tz_ice_send(struct tz_ice *ice, const uint8_t *data, size_t len)
{
	gint n;

	if (!ice->connected) {
		if (ice->pending->len >= PENDING_MAX)
			return -EAGAIN;
		g_ptr_array_add(ice->pending, g_bytes_new(data, len));
		return (int)len;
	}
	n = nice_agent_send(ice->agent, ice->stream, 1, (guint)len, (const gchar *)data);
	touch(ice);         /* a send queued on EAGAIN adds a watch */
	if (n < 0)
		return -EAGAIN;
	ice->stats.tx_datagrams++;
	return n;
}

int tz_ice_selected_remote(const struct tz_ice *ice, struct sockaddr_storage *addr)
{
	if (!ice->connected || ice->remote.ss_family == 0)
		return -ENOTCONN;
	*addr = ice->remote;
	return 0;
}

int64_t tz_ice_last_consent(const struct tz_ice *ice)
{
	return ice->consent_watch != 0 || ice->consent_rearm != 0 || ice->consent_hooked ?
		       ice->last_consent : 0;
}

void tz_ice_set_peek_ops(const struct tz_ice_peek_ops *ops)
{
	if (ops != NULL)
		peek_ops = *ops;
	else
		memset(&peek_ops, 0, sizeof(peek_ops));
}

GMainContext *tz_ice_context(const struct tz_ice *ice)
{
	return ice->hub != NULL ? ice->ctx : NULL;
}

void tz_ice_touch(struct tz_ice *ice)
{
	touch(ice);
}

void tz_ice_set_ctx_ops(const struct tz_ice_ctx_ops *ops)
{
	if (ops != NULL && ops->add != NULL && ops->touch != NULL && ops->remove != NULL)
		ctx_ops = *ops;
	else
		memset(&ctx_ops, 0, sizeof(ctx_ops));
}

void tz_ice_get_stats(const struct tz_ice *ice, struct tz_ice_stats *st)
{
	*st = ice->stats;
}

/* libnice must not be finalized from inside one of its own callbacks. */
static gboolean unref_later(gpointer agent)
{
	g_object_unref(agent);
	return G_SOURCE_REMOVE;
}

void tz_ice_free(struct tz_ice *ice)
{
	if (ice == NULL)
		return;
	if (ice->consent_hooked && peek_ops.del != NULL)
		peek_ops.del(ice->consent_fd);          /* before libnice closes it */
	if (ice->hub != NULL)
		ctx_ops.remove(ice->hub);               /* before libnice closes its sockets */
	if (ice->agent != NULL) {
		g_signal_handlers_disconnect_by_data(ice->agent, ice);
		if (ice->stream != 0) {
			nice_agent_attach_recv(ice->agent, ice->stream, 1, NULL, NULL, NULL);
			nice_agent_remove_stream(ice->agent, ice->stream);
		}
		g_idle_add(unref_later, ice->agent);
	}
	if (ice->pending != NULL)
		g_ptr_array_unref(ice->pending);
	if (ice->consent_watch != 0)
		g_source_remove(ice->consent_watch);
	if (ice->consent_rearm != 0)
		g_source_remove(ice->consent_rearm);
	OPENSSL_cleanse(ice->pwd, sizeof(ice->pwd));
	g_free(ice);
}
