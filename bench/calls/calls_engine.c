/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench calls: the engine (bench/calls/calls.h).
 *
 * Threads: the caller's thread paces attempts (token bucket at conf->rate,
 * at most conf->concurrent up) and hands each call to a client thread,
 * round robin.  A client thread owns its calls outright: its WebSockets
 * (one per user, several calls each), its UDP sockets (one per local
 * address, shared by all its calls and demultiplexed by the peer's
 * address:port, or by SSRC against a reflector), the DTLS of each call,
 * and a 20-slot 1 ms timing wheel that sends every call's packet once per
 * 20 ms, protected in bursts through the project's SRTP.  One epoll loop
 * per thread; nothing blocks but the NG requests of CALLS_SIG_NG.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <json-glib/json-glib.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <tz_srtp.h>

#include "calls.h"
#include "calls_dtls.h"
#include "calls_pvt.h"
#include "../compare/ng.h"

#define BURST 32
#define WHEEL 20		/* 1 ms slots: a packet every 20 ms */
#define PAYLOAD 160		/* 20 ms of G.711 at 8 kHz */
#define RTP_HDR 12
#define WS_CALLS_MAX 16
#define WS_MSG_MAX 65536
#define STUN_RTO0 0.25		/* s; doubled per retransmission, capped below */
#define STUN_RTO_MAX 2.0
#define CONSENT_S 5.0		/* RFC 7675 consent refresh */
#define RTCP_S 5.0
#define FULL_PPS 50.0		/* one packet per 20 ms: the wheel */
#define HELD_SLICES 20		/* held calls: each visited every 20 scans (100 ms) */

static const char *const failure_names[] = {
#define CALLS_FAILURE_NAME(e, n) n,
	CALLS_FAILURES(CALLS_FAILURE_NAME)
#undef CALLS_FAILURE_NAME
};

const char *calls_failure_name(enum calls_failure f)
{
	return (unsigned)f < CALLS_FAIL_COUNT ? failure_names[f] : "?";
}

/* ------------------------------------------------------------------ */

enum call_state {
	CS_NEW, CS_WAIT_WS, CS_OFFER, CS_ICE, CS_DTLS, CS_MEDIA_WAIT, CS_HOLD, CS_HANGUP, CS_DONE,
};

enum fd_kind { FD_UDP, FD_WS };

struct cthread;
struct wsconn;

struct call {
	uint32_t idx;
	enum call_state st;
	enum calls_failure fail;
	struct cthread *t;
	struct wsconn *ws;
	unsigned sock;			/* index into t->udp[] */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint64_t key;
	struct call *hnext;		/* demux hash chain */
	struct call *wprev, *wnext;	/* timing wheel slot */
	int slot;			/* -1: not sending */
	double t0, t_answer, t_ice, t_dtls, t_media;
	double deadline, hold_end;
	/* ICE */
	char lufrag[9], lpwd[25];
	char rufrag[257], rpwd[257];
	uint8_t txid[12];
	uint64_t tiebreak;
	double stun_next, stun_rto, consent_next;
	/* DTLS */
	SSL *ssl;
	struct calls_dtls_io io;
	uint8_t fp[32];
	/* SRTP / RTP */
	struct tz_srtp_ctx *tx, *rx;
	struct tz_srtp_stream tx_st, rx_st;
	uint32_t ssrc, ts;
	uint16_t seq;
	uint8_t pt;
	double rtcp_next;
	/* sparse hold (conf->hold_pps < 50) */
	double ts_t0, next_pkt, check_end;
	uint32_t ts_base;
	uint64_t recv_check;		/* received when the final check began */
	bool final_check;
	enum calls_failure fail_pending;	/* reported at the end unless worse */
	uint64_t sent, received, bad;
	bool rx_started;
	uint16_t max_seq;
	uint32_t cycles, base_seq;
	double jitter;			/* RTP units */
	int64_t last_transit;
	bool in_media_up;
	char ng_id[48];
};

struct wsconn {
	enum fd_kind kind;		/* first: epoll data points here */
	int fd;
	struct cthread *t;
	enum { WS_CONNECTING, WS_TLS, WS_UPGRADE, WS_LOGIN, WS_READY, WS_DEAD } st;
	SSL *tls;			/* wss:// (the server's certificate is not verified) */
	char key[32];
	char user[64];
	unsigned local;			/* local address index */
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t wlen, wcap;
	uint8_t *msg;			/* fragments being joined */
	size_t msg_len;
	struct call *calls[WS_CALLS_MAX];
	unsigned ncalls;
	uint64_t next_id;
	double deadline;
	struct wsconn *next;
};

struct udpsock {
	enum fd_kind kind;
	int fd;
	struct cthread *t;
	unsigned idx;
	struct sockaddr_storage local;
};

/* Per-thread sums, merged at the end of the step. */
struct tsum {
	uint64_t completed, failures[CALLS_FAIL_COUNT];
	uint64_t pkts_sent, pkts_received, pkts_lost, pkts_bad, expected;
	double *t[4];			/* answer, ice, dtls, media */
	size_t nt[4];
	double *jit;
	size_t njit;
};

struct engine;

struct cthread {
	struct engine *e;
	unsigned id;
	pthread_t th;
	int ep;
	struct tz_srtp_qp *qp;
	struct udpsock *udp;
	unsigned nudp;
	struct wsconn *conns;
	/* calls handed over by the scheduler */
	pthread_mutex_t qlock;
	uint32_t *q;
	size_t qhead, qtail, qcap;
	/* live calls */
	struct call **live;
	size_t nlive, live_cap;
	/* calls in CS_HOLD, visited a slice per scan (HELD_SLICES) */
	struct call **held;
	size_t nheld, held_cap, held_pos;
	/* sparse hold: per-socket batches of single packets (nudp x BURST) */
	struct call **sb;
	unsigned *nsb;
	struct call **hash;
	size_t hmask;
	struct call *wheel[WHEEL];
	int wheel_pos;
	double wheel_t;
	struct ng_client *ng;
	struct tsum sum;
	uint8_t rxbuf[BURST][2048];
	_Atomic uint64_t sent_now, recv_now;	/* read by the main thread */
	char err[256];
};

struct engine {
	const struct calls_conf *c;
	struct calls_step_result *out;
	struct cthread *th;
	unsigned nth;
	struct tz_srtp_engine *srtp;
	uint8_t key[256];
	int key_len;
	struct sockaddr_storage ws_addr, refl_addr, local[64];
	socklen_t ws_addr_len, refl_len;
	unsigned nlocal;
	char ws_host[160], ws_path[160];
	bool ws_tls;
	_Atomic unsigned live;		/* calls handed out and not finished */
	_Atomic uint64_t done;
	_Atomic uint64_t done_ok;		/* for progress: completed so far */
	_Atomic unsigned next_user;
	_Atomic bool stop;
	double pps;			/* hold packets/s: FULL_PPS, less, or 0 */
	bool sparse;			/* pps < FULL_PPS */
	/* steady window */
	pthread_mutex_t mlock;
	unsigned media_up, peak;
	double steady_from, steady_to;
	uint64_t steady_sent0, steady_recv0;
	bool steady_open;
};

static struct rte_mempool *g_pool;
static pthread_mutex_t g_srtp_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_inited;
static uint8_t g_pattern[PAYLOAD];

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rand_str(char *out, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t r[64];

	RAND_bytes(r, (int)n);
	for (size_t i = 0; i < n; i++)
		out[i] = al[r[i] & 63];
	out[n] = '\0';
}

static int parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon, *h = s;
	size_t hl;
	long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s == NULL)
		return -EINVAL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

static int parse_local(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void sa_ip_port(const struct sockaddr_storage *ss, char *ip, size_t iplen, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, (socklen_t)iplen);
		*port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, (socklen_t)iplen);
		*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	}
}

/* ws://host:port/path */
static int parse_ws_url(struct engine *e, const char *url, char *err, size_t err_len)
{
	const char *p, *slash;
	char hp[160];
	size_t n;

	if (url == NULL)
		goto bad;
	if (strncmp(url, "ws://", 5) == 0) {
		p = url + 5;
	} else if (strncmp(url, "wss://", 6) == 0) {
		p = url + 6;
		e->ws_tls = true;
	} else {
		goto bad;
	}
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n >= sizeof(hp))
		goto bad;
	memcpy(hp, p, n);
	hp[n] = '\0';
	snprintf(e->ws_host, sizeof(e->ws_host), "%s", hp);
	snprintf(e->ws_path, sizeof(e->ws_path), "%s", slash != NULL ? slash : "/");
	if (strchr(hp, ':') == NULL || (hp[0] == '[' && strstr(hp, "]:") == NULL))
		strncat(hp, e->ws_tls ? ":443" : ":80", sizeof(hp) - strlen(hp) - 1);
	if (parse_hostport(hp, &e->ws_addr, &e->ws_addr_len) == 0)
		return 0;
bad:
	snprintf(err, err_len, "ws_url '%s' is not ws://IP:PORT/PATH or wss://IP:PORT/PATH",
		 url ? url : "(null)");
	return -EINVAL;
}

/* ---------------------------- demux hash --------------------------- */

static uint64_t addr_key(unsigned sock, const struct sockaddr_storage *ss)
{
	uint64_t h = 1469598103934665603ull ^ sock;
	const uint8_t *p;
	size_t n;
	uint16_t port;

	if (ss->ss_family == AF_INET6) {
		p = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		n = 16;
		port = ((const struct sockaddr_in6 *)ss)->sin6_port;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		n = 4;
		port = ((const struct sockaddr_in *)ss)->sin_port;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	h = (h ^ port) * 1099511628211ull;
	return h;
}

static bool same_peer(const struct call *c, unsigned sock, const struct sockaddr_storage *ss)
{
	if (c->sock != sock || c->peer.ss_family != ss->ss_family)
		return false;
	if (ss->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&c->peer)->sin6_addr,
			      &((const struct sockaddr_in6 *)ss)->sin6_addr, 16) == 0 &&
		       ((const struct sockaddr_in6 *)&c->peer)->sin6_port ==
			       ((const struct sockaddr_in6 *)ss)->sin6_port;
	return ((const struct sockaddr_in *)&c->peer)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)ss)->sin_addr.s_addr &&
	       ((const struct sockaddr_in *)&c->peer)->sin_port ==
		       ((const struct sockaddr_in *)ss)->sin_port;
}

static void hash_add(struct cthread *t, struct call *c)
{
	size_t b = (size_t)(c->key ^ (c->key >> 29)) & t->hmask;

	c->hnext = t->hash[b];
	t->hash[b] = c;
}

static void hash_del(struct cthread *t, struct call *c)
{
	size_t b = (size_t)(c->key ^ (c->key >> 29)) & t->hmask;

	for (struct call **pp = &t->hash[b]; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	c->hnext = NULL;
}

static struct call *hash_find(struct cthread *t, uint64_t key)
{
	for (struct call *c = t->hash[(size_t)(key ^ (key >> 29)) & t->hmask]; c; c = c->hnext)
		if (c->key == key)
			return c;
	return NULL;
}

/* ---------------------------- timing wheel ------------------------- */

static void wheel_add(struct cthread *t, struct call *c)
{
	int s = (t->wheel_pos + 1) % WHEEL;

	/* spread calls over the slots as they start */
	s = (int)((s + c->idx * 7u) % WHEEL);
	c->slot = s;
	c->wprev = NULL;
	c->wnext = t->wheel[s];
	if (c->wnext)
		c->wnext->wprev = c;
	t->wheel[s] = c;
}

static void wheel_del(struct cthread *t, struct call *c)
{
	if (c->slot < 0)
		return;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		t->wheel[c->slot] = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	c->slot = -1;
	c->wprev = c->wnext = NULL;
}

/* ---------------------------- steady window ------------------------ */

static uint64_t total_sent(struct engine *e)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < e->nth; i++)
		n += atomic_load_explicit(&e->th[i].sent_now, memory_order_relaxed);
	return n;
}

static uint64_t total_recv(struct engine *e)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < e->nth; i++)
		n += atomic_load_explicit(&e->th[i].recv_now, memory_order_relaxed);
	return n;
}

static void media_up(struct engine *e, struct call *c, bool up)
{
	if (c->in_media_up == up)
		return;
	c->in_media_up = up;
	pthread_mutex_lock(&e->mlock);
	if (up) {
		e->media_up++;
		if (e->media_up > e->peak) {
			e->peak = e->media_up;
			e->steady_from = now_real();
			e->steady_sent0 = total_sent(e);
			e->steady_recv0 = total_recv(e);
			e->steady_open = true;
			e->steady_to = 0;
		}
	} else {
		e->media_up--;
		if (e->steady_open) {
			e->steady_open = false;
			e->steady_to = now_real();
			e->out->steady_from = e->steady_from;
			e->out->steady_to = e->steady_to;
			e->out->steady_pkts_sent = total_sent(e) - e->steady_sent0;
			e->out->steady_pkts_received = total_recv(e) - e->steady_recv0;
		}
	}
	pthread_mutex_unlock(&e->mlock);
}

/* ---------------------------- call end ----------------------------- */

/* Append to a growing array: capacity 16, then doubled at each power of two. */
static void push_sample(double **arr, size_t *n, double v)
{
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {
		double *a = realloc(*arr, (*n < 16 ? 16 : *n * 2) * sizeof(double));

		if (a == NULL)
			return;
		*arr = a;
	}
	(*arr)[(*n)++] = v;
}

static void ws_detach(struct call *c);

static void call_finish(struct cthread *t, struct call *c, enum calls_failure f)
{
	struct engine *e = t->e;
	struct tsum *s = &t->sum;

	if (c->st == CS_DONE)
		return;
	if (f == CALLS_FAIL_NONE)
		f = c->fail_pending;
	media_up(e, c, false);
	wheel_del(t, c);
	if (c->key != 0)
		hash_del(t, c);
	if (c->rx_started) {
		uint64_t expected = (uint64_t)c->cycles + c->max_seq - c->base_seq + 1;
		uint64_t lost = expected > c->received ? expected - c->received : 0;

		s->expected += expected;
		s->pkts_lost += lost;
		push_sample(&s->jit, &s->njit, c->jitter / 8.0);
		if (f == CALLS_FAIL_NONE && expected > 0 &&
		    100.0 * (double)lost / (double)expected > e->c->loss_fail_pct)
			f = CALLS_FAIL_MEDIA_LOSS;
	}
	s->pkts_sent += c->sent;
	s->pkts_received += c->received;
	s->pkts_bad += c->bad;
	if (c->t_answer > 0)
		push_sample(&s->t[0], &s->nt[0], (c->t_answer - c->t0) * 1e3);
	if (c->t_ice > 0)
		push_sample(&s->t[1], &s->nt[1], (c->t_ice - c->t0) * 1e3);
	if (c->t_dtls > 0)
		push_sample(&s->t[2], &s->nt[2], (c->t_dtls - c->t0) * 1e3);
	if (c->t_media > 0)
		push_sample(&s->t[3], &s->nt[3], (c->t_media - c->t0) * 1e3);
	if (f == CALLS_FAIL_NONE) {
		s->completed++;
		atomic_fetch_add(&e->done_ok, 1);
	} else {
		s->failures[f]++;
	}
	c->fail = f;
	c->st = CS_DONE;
	calls_dtls_free(c->ssl);
	c->ssl = NULL;
	pthread_mutex_lock(&g_srtp_lock);
	tz_srtp_ctx_destroy(c->tx);
	tz_srtp_ctx_destroy(c->rx);
	pthread_mutex_unlock(&g_srtp_lock);
	c->tx = c->rx = NULL;
	if (c->ng_id[0] != '\0' && t->ng != NULL)
		ng_delete(t->ng, c->ng_id);
	ws_detach(c);
	atomic_fetch_add(&e->done, 1);
	atomic_fetch_sub(&e->live, 1);
}

/* ---------------------------- UDP ---------------------------------- */

static void udp_send(struct cthread *t, struct call *c, const uint8_t *d, size_t n)
{
	(void)sendto(t->udp[c->sock].fd, d, n, MSG_DONTWAIT, (const struct sockaddr *)&c->peer,
		     c->peer_len);
}

static void dtls_send_cb(void *arg, const uint8_t *d, size_t n)
{
	struct call *c = arg;

	udp_send(c->t, c, d, n);
}

static void stun_send(struct cthread *t, struct call *c, bool fresh_txid, bool use_cand)
{
	char user[600];
	uint8_t buf[CALLS_STUN_MAX];
	struct calls_stun_check ck = {
		.username = user, .pwd = c->rpwd, .priority = 2122260223u,
		.tiebreaker = c->tiebreak, .use_candidate = use_cand,
	};
	int n;

	if (fresh_txid)
		RAND_bytes(c->txid, sizeof(c->txid));
	memcpy(ck.txid, c->txid, 12);
	snprintf(user, sizeof(user), "%s:%s", c->rufrag, c->lufrag);
	n = calls_stun_check_build(buf, sizeof(buf), &ck);
	if (n > 0)
		udp_send(t, c, buf, (size_t)n);
}

static int open_udp(struct cthread *t, unsigned i, const struct sockaddr_storage *local, int family)
{
	struct udpsock *u = &t->udp[i];
	struct sockaddr_storage ss;
	socklen_t sl;
	int buf = 4 << 20;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = u };

	u->kind = FD_UDP;
	u->t = t;
	u->idx = i;
	if (local != NULL) {
		ss = *local;
	} else {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
	}
	u->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(u->fd, (struct sockaddr *)&ss, sa_len(&ss)) != 0)
		return -errno;
	sl = sizeof(u->local);
	getsockname(u->fd, (struct sockaddr *)&u->local, &sl);
	if (local == NULL) {
		/* the offer must name a real address: the route's source towards the peer */
		const struct sockaddr_storage *dst = t->e->c->signal == CALLS_SIG_JSEP ?
						     &t->e->ws_addr : &t->e->refl_addr;
		int probe = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_storage pa;
		socklen_t pl = sizeof(pa);

		if (probe >= 0 && connect(probe, (const struct sockaddr *)dst, sa_len(dst)) == 0 &&
		    getsockname(probe, (struct sockaddr *)&pa, &pl) == 0 &&
		    pa.ss_family == u->local.ss_family) {
			if (pa.ss_family == AF_INET6)
				((struct sockaddr_in6 *)&u->local)->sin6_addr =
					((struct sockaddr_in6 *)&pa)->sin6_addr;
			else
				((struct sockaddr_in *)&u->local)->sin_addr =
					((struct sockaddr_in *)&pa)->sin_addr;
		}
		if (probe >= 0)
			close(probe);
	}
	return epoll_ctl(t->ep, EPOLL_CTL_ADD, u->fd, &ev) == 0 ? 0 : -errno;
}

/* ---------------------------- media -------------------------------- */

static int srtp_setup(struct call *c, const uint8_t *tk, const uint8_t *ts, const uint8_t *rk,
		      const uint8_t *rs)
{
	unsigned suite = c->t->e->c->suite;
	size_t kl = tz_srtp_suite_key_len(suite), sl = tz_srtp_suite_salt_len(suite);

	pthread_mutex_lock(&g_srtp_lock);
	c->tx = tz_srtp_ctx_create(c->t->e->srtp, suite, TZ_SRTP_DIR_PROTECT, tk, kl, ts, sl);
	c->rx = tz_srtp_ctx_create(c->t->e->srtp, suite, TZ_SRTP_DIR_UNPROTECT, rk, kl, rs, sl);
	pthread_mutex_unlock(&g_srtp_lock);
	if (c->tx == NULL || c->rx == NULL)
		return -ENOMEM;
	tz_srtp_stream_init(&c->tx_st, 0);
	tz_srtp_stream_init(&c->rx_st, 0);
	return 0;
}

static void media_start(struct cthread *t, struct call *c, double now)
{
	c->st = CS_MEDIA_WAIT;
	c->deadline = now + t->e->c->timeout_s;
	c->rtcp_next = now + RTCP_S;
	c->ts_t0 = now;
	c->ts_base = c->ts;
	wheel_add(t, c);
}

/* RTP timestamp of @p now: sparse packets keep the 8 kHz clock. */
static uint32_t ts_at(const struct call *c, double now)
{
	return c->ts_base + (uint32_t)((now - c->ts_t0) * 8000.0) / PAYLOAD * PAYLOAD;
}

static void rtp_write(uint8_t *p, struct call *c)
{
	p[0] = 0x80;
	p[1] = c->pt;
	p[2] = (uint8_t)(c->seq >> 8);
	p[3] = (uint8_t)c->seq;
	p[4] = (uint8_t)(c->ts >> 24);
	p[5] = (uint8_t)(c->ts >> 16);
	p[6] = (uint8_t)(c->ts >> 8);
	p[7] = (uint8_t)c->ts;
	p[8] = (uint8_t)(c->ssrc >> 24);
	p[9] = (uint8_t)(c->ssrc >> 16);
	p[10] = (uint8_t)(c->ssrc >> 8);
	p[11] = (uint8_t)c->ssrc;
	memcpy(p + RTP_HDR, g_pattern, PAYLOAD);
}

/* An RTCP SR (RFC 3550 §6.4.1), no report blocks, + SDES CNAME; SRTCP-protected. */
static size_t rtcp_write(uint8_t *p, struct call *c)
{
	double nr = now_real() + 2208988800.0;
	uint32_t sec = (uint32_t)nr, frac = (uint32_t)((nr - floor(nr)) * 4294967296.0);
	uint32_t v[6] = { c->ssrc, sec, frac, c->ts, (uint32_t)c->sent, (uint32_t)(c->sent * PAYLOAD) };

	p[0] = 0x80;
	p[1] = 200;
	p[2] = 0;
	p[3] = 6;
	for (int i = 0; i < 6; i++) {
		p[4 + 4 * i] = (uint8_t)(v[i] >> 24);
		p[5 + 4 * i] = (uint8_t)(v[i] >> 16);
		p[6 + 4 * i] = (uint8_t)(v[i] >> 8);
		p[7 + 4 * i] = (uint8_t)v[i];
	}
	/* SDES: one chunk, CNAME "tzb" + END, padded to 4 bytes: 4+4+2+3+1+2 = 16 */
	p[28] = 0x81;
	p[29] = 202;
	p[30] = 0;
	p[31] = 3;
	memcpy(p + 32, p + 4, 4);
	p[36] = 1;
	p[37] = 3;
	memcpy(p + 38, "tzb", 3);
	p[41] = 0;
	p[42] = 0;
	p[43] = 0;
	return 44;
}

static void send_burst(struct cthread *t, struct call **calls, unsigned n, bool rtcp)
{
	struct rte_mbuf *m[BURST];
	const struct tz_srtp_ctx *ctx[BURST];
	struct tz_srtp_stream *st[BURST];
	uint8_t status[BURST];
	struct mmsghdr mh[BURST];
	struct iovec iov[BURST];
	unsigned k = 0, sent = 0;

	if (rte_pktmbuf_alloc_bulk(g_pool, m, n) != 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct call *c = calls[i];
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		size_t len = rtcp ? rtcp_write(p, c) : (rtp_write(p, c), RTP_HDR + PAYLOAD);

		m[i]->data_len = (uint16_t)len;
		m[i]->pkt_len = (uint32_t)len;
		ctx[i] = c->tx;
		st[i] = &c->tx_st;
	}
	if (rtcp)
		tz_srtp_protect_rtcp_burst(t->qp, ctx, st, m, (uint16_t)n, status);
	else
		tz_srtp_protect_burst(t->qp, ctx, st, m, (uint16_t)n, status);
	for (unsigned i = 0; i < n; i++) {
		struct call *c = calls[i];

		if (!rtcp) {
			c->seq++;
			c->ts += PAYLOAD;
		}
		if (status[i] != TZ_SRTP_OK)
			continue;
		iov[k].iov_base = rte_pktmbuf_mtod(m[i], void *);
		iov[k].iov_len = m[i]->data_len;
		memset(&mh[k], 0, sizeof(mh[k]));
		mh[k].msg_hdr.msg_name = &c->peer;
		mh[k].msg_hdr.msg_namelen = c->peer_len;
		mh[k].msg_hdr.msg_iov = &iov[k];
		mh[k].msg_hdr.msg_iovlen = 1;
		if (!rtcp)
			c->sent++;
		k++;
	}
	/* one socket per burst: calls in a burst are grouped by socket by the caller */
	while (sent < k) {
		int r = sendmmsg(t->udp[calls[0]->sock].fd, mh + sent, k - sent, MSG_DONTWAIT);

		if (r <= 0)
			break;
		sent += (unsigned)r;
	}
	if (!rtcp)
		atomic_fetch_add_explicit(&t->sent_now, k, memory_order_relaxed);
	rte_pktmbuf_free_bulk(m, n);
}

/* Send the packets of one wheel slot, in bursts per socket. */
static void wheel_tick(struct cthread *t, int slot, double now)
{
	struct call *batch[BURST], *rb[BURST];

	for (unsigned s = 0; s < t->nudp; s++) {
		unsigned n = 0, nr = 0;

		for (struct call *c = t->wheel[slot]; c != NULL; c = c->wnext) {
			if (c->sock != s)
				continue;
			batch[n++] = c;
			if (n == BURST) {
				send_burst(t, batch, n, false);
				n = 0;
			}
			if (now >= c->rtcp_next) {
				c->rtcp_next = now + RTCP_S;
				rb[nr++] = c;
				if (nr == BURST) {
					send_burst(t, rb, nr, true);
					nr = 0;
				}
			}
		}
		if (n)
			send_burst(t, batch, n, false);
		if (nr)
			send_burst(t, rb, nr, true);
	}
}

static void rtp_account(struct call *c, const uint8_t *p, double now)
{
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	uint32_t ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	int64_t arrival = (int64_t)(now * 8000.0);
	int64_t transit = arrival - (int64_t)ts;

	if (!c->rx_started) {
		c->rx_started = true;
		c->base_seq = seq;
		c->max_seq = seq;
		c->last_transit = transit;
	} else {
		uint16_t d = (uint16_t)(seq - c->max_seq);

		if (d != 0 && d < 3000) {
			if (seq < c->max_seq)
				c->cycles += 65536;
			c->max_seq = seq;
		}
		int64_t dd = transit - c->last_transit;

		if (dd < 0)
			dd = -dd;
		c->jitter += ((double)dd - c->jitter) / 16.0;
		c->last_transit = transit;
	}
	c->received++;
}

/* ---------------------------- signalling: WebSocket ---------------- */

static void ws_close(struct wsconn *w);

static int ws_queue(struct wsconn *w, const uint8_t *d, size_t n)
{
	if (w->wlen + n > w->wcap) {
		size_t cap = (w->wlen + n) * 2;
		uint8_t *b = realloc(w->wbuf, cap);

		if (b == NULL)
			return -ENOMEM;
		w->wbuf = b;
		w->wcap = cap;
	}
	memcpy(w->wbuf + w->wlen, d, n);
	w->wlen += n;
	return 0;
}

/* TCP or TLS: bytes moved, 0 on "try later" (errno EAGAIN), -1 when the connection is gone. */
static ssize_t ws_io(struct wsconn *w, bool wr, void *buf, size_t n)
{
	ssize_t r;
	int e;

	if (w->tls == NULL) {
		r = wr ? send(w->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) :
			 recv(w->fd, buf, n, MSG_DONTWAIT);
		if (r == 0 && !wr)
			return -1;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			errno = EAGAIN;
			return 0;
		}
		return r < 0 ? -1 : r;
	}
	r = wr ? SSL_write(w->tls, buf, (int)n) : SSL_read(w->tls, buf, (int)n);
	if (r > 0)
		return r;
	e = SSL_get_error(w->tls, (int)r);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return 0;
	}
	return -1;
}

static void ws_flush(struct wsconn *w)
{
	while (w->wlen > 0) {
		ssize_t r = ws_io(w, true, w->wbuf, w->wlen);

		if (r <= 0) {
			if (r == 0) {
				struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = w };

				epoll_ctl(w->t->ep, EPOLL_CTL_MOD, w->fd, &ev);
			}
			return;
		}
		memmove(w->wbuf, w->wbuf + r, w->wlen - (size_t)r);
		w->wlen -= (size_t)r;
	}
}

static int ws_send(struct wsconn *w, uint8_t op, const char *msg, size_t n)
{
	uint8_t hdr[14], mask[4], tmp[4096];
	size_t hl;
	uint8_t *body = n <= sizeof(tmp) ? tmp : malloc(n);
	int rc;

	if (body == NULL)
		return -ENOMEM;
	RAND_bytes(mask, 4);
	hl = calls_ws_frame_header(hdr, op, n, mask);
	for (size_t i = 0; i < n; i++)
		body[i] = (uint8_t)msg[i] ^ mask[i & 3];
	rc = ws_queue(w, hdr, hl);
	if (rc == 0)
		rc = ws_queue(w, body, n);
	if (body != tmp)
		free(body);
	if (rc == 0)
		ws_flush(w);
	return rc;
}

static int ws_send_json(struct wsconn *w, JsonBuilder *b)
{
	JsonGenerator *g = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	gsize len;
	gchar *s;
	int rc;

	json_generator_set_root(g, root);
	s = json_generator_to_data(g, &len);
	rc = ws_send(w, CALLS_WS_TEXT, s, len);
	g_free(s);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return rc;
}

static void build_offer(struct call *c, char *sdp, size_t cap)
{
	const struct udpsock *u = &c->t->udp[c->sock];
	char ip[64];
	uint16_t port;
	const char *fam = u->local.ss_family == AF_INET6 ? "IP6" : "IP4";

	sa_ip_port(&u->local, ip, sizeof(ip), &port);
	snprintf(sdp, cap,
		 "v=0\r\n"
		 "o=- %u%06u 2 IN IP4 127.0.0.1\r\n"
		 "s=-\r\n"
		 "t=0 0\r\n"
		 "a=group:BUNDLE 0\r\n"
		 "a=extmap-allow-mixed\r\n"
		 "a=msid-semantic: WMS tzb\r\n"
		 "m=audio %u UDP/TLS/RTP/SAVPF 0 8 126\r\n"
		 "c=IN %s %s\r\n"
		 "a=rtcp:9 IN IP4 0.0.0.0\r\n"
		 "a=candidate:1 1 udp 2122260223 %s %u typ host generation 0 network-id 1\r\n"
		 "a=ice-ufrag:%s\r\n"
		 "a=ice-pwd:%s\r\n"
		 "a=ice-options:trickle\r\n"
		 "a=fingerprint:sha-256 %s\r\n"
		 "a=setup:actpass\r\n"
		 "a=mid:0\r\n"
		 "a=sendrecv\r\n"
		 "a=msid:tzb tzb-audio\r\n"
		 "a=rtcp-mux\r\n"
		 "a=rtpmap:0 PCMU/8000\r\n"
		 "a=rtpmap:8 PCMA/8000\r\n"
		 "a=rtpmap:126 telephone-event/8000\r\n"
		 "a=ssrc:%u cname:tzb%u\r\n"
		 "a=ssrc:%u msid:tzb tzb-audio\r\n",
		 c->ssrc >> 8, c->idx % 1000000, (unsigned)port, fam, ip, ip, (unsigned)port,
		 c->lufrag, c->lpwd, calls_dtls_fingerprint(), c->ssrc, c->idx, c->ssrc);
}

static void ws_call_send(struct wsconn *w, struct call *c, double now)
{
	char sdp[2048], name[24];
	JsonBuilder *b = json_builder_new();

	build_offer(c, sdp, sizeof(sdp));
	snprintf(name, sizeof(name), "c%u", c->idx);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "call");
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, (gint64)++w->next_id);
	json_builder_set_member_name(b, "call");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "target");
	json_builder_add_string_value(b, c->t->e->c->target ? c->t->e->c->target : "echo");
	json_builder_set_member_name(b, "sdp");
	json_builder_add_string_value(b, sdp);
	json_builder_end_object(b);
	c->t0 = now;
	c->st = CS_OFFER;
	c->deadline = now + c->t->e->c->timeout_s;
	if (ws_send_json(w, b) != 0)
		call_finish(c->t, c, CALLS_FAIL_CLIENT);
}

static void ws_hangup_send(struct call *c, double now)
{
	char name[24];
	JsonBuilder *b = json_builder_new();

	snprintf(name, sizeof(name), "c%u", c->idx);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "hangup");
	json_builder_set_member_name(b, "call");
	json_builder_add_string_value(b, name);
	json_builder_end_object(b);
	c->st = CS_HANGUP;
	c->deadline = now + c->t->e->c->timeout_s;
	if (ws_send_json(c->ws, b) != 0)
		call_finish(c->t, c, CALLS_FAIL_HANGUP);
}

static void ws_detach(struct call *c)
{
	struct wsconn *w = c->ws;

	if (w == NULL)
		return;
	for (unsigned i = 0; i < w->ncalls; i++)
		if (w->calls[i] == c) {
			w->calls[i] = w->calls[--w->ncalls];
			break;
		}
	c->ws = NULL;
}

/* Every call on @p w fails with @p f (the connection went away). */
static void ws_fail_calls(struct wsconn *w, enum calls_failure f)
{
	while (w->ncalls > 0) {
		struct call *c = w->calls[0];
		enum calls_failure cf = f;

		if (c->st == CS_HANGUP)
			cf = CALLS_FAIL_HANGUP;
		else if (c->st > CS_WAIT_WS && f == CALLS_FAIL_WS_CONNECT)
			cf = CALLS_FAIL_DROPPED;
		call_finish(w->t, c, cf);
		if (w->ncalls > 0 && w->calls[0] == c)
			ws_detach(c);
	}
}

static void ws_close(struct wsconn *w)
{
	if (w->st == WS_DEAD)
		return;
	w->st = WS_DEAD;
	ws_fail_calls(w, CALLS_FAIL_WS_CONNECT);
	if (w->tls != NULL) {
		SSL_free(w->tls);
		w->tls = NULL;
	}
	if (w->fd >= 0) {
		epoll_ctl(w->t->ep, EPOLL_CTL_DEL, w->fd, NULL);
		close(w->fd);
		w->fd = -1;
	}
}

static int ws_open(struct cthread *t, struct wsconn *w, double now)
{
	struct engine *e = t->e;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = w };
	unsigned n = atomic_fetch_add(&e->next_user, 1);
	int one = 1;

	w->kind = FD_WS;
	w->t = t;
	w->st = WS_CONNECTING;
	w->deadline = now + e->c->timeout_s;
	w->local = e->nlocal ? n % e->nlocal : 0;
	snprintf(w->user, sizeof(w->user), "%s%u", e->c->user_prefix ? e->c->user_prefix : "load", n);
	w->fd = socket(e->ws_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0)
		return -errno;
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (e->nlocal) {
		struct sockaddr_storage l = e->local[w->local];

		if (bind(w->fd, (struct sockaddr *)&l, sa_len(&l)) != 0)
			return -errno;
	}
	if (connect(w->fd, (struct sockaddr *)&e->ws_addr, e->ws_addr_len) != 0 &&
	    errno != EINPROGRESS)
		return -errno;
	return epoll_ctl(t->ep, EPOLL_CTL_ADD, w->fd, &ev) == 0 ? 0 : -errno;
}

static void ws_connected(struct wsconn *w)
{
	struct engine *e = w->t->e;
	char req[1024];
	uint8_t k[16];
	int n;

	RAND_bytes(k, sizeof(k));
	EVP_EncodeBlock((unsigned char *)w->key, k, sizeof(k));
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
		     "Sec-WebSocket-Protocol: trapeze-jsep.v1\r\n%s%s%s"
		     "User-Agent: trapeze-bench\r\n\r\n",
		     e->ws_path, e->ws_host, w->key, e->c->origin ? "Origin: " : "",
		     e->c->origin ? e->c->origin : "", e->c->origin ? "\r\n" : "");
	w->st = WS_UPGRADE;
	ws_queue(w, (const uint8_t *)req, (size_t)n);
	ws_flush(w);
}

static void ws_login(struct wsconn *w)
{
	struct engine *e = w->t->e;
	char tok[4096];
	const char *targets[] = { "*", NULL };
	int64_t now = (int64_t)time(NULL);
	struct calls_token_claims cl = {
		.sub = w->user, .iat = now, .exp = now + 3600, .kid = e->c->kid,
		.targets = targets,
	};
	JsonBuilder *b;

	if (calls_token_mint(tok, sizeof(tok), e->key, (size_t)e->key_len, &cl) < 0) {
		ws_fail_calls(w, CALLS_FAIL_CLIENT);
		ws_close(w);
		return;
	}
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "login");
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, (gint64)++w->next_id);
	json_builder_set_member_name(b, "token");
	json_builder_add_string_value(b, tok);
	json_builder_end_object(b);
	w->st = WS_LOGIN;
	ws_send_json(w, b);
}

static struct call *ws_find_call(struct wsconn *w, const char *name)
{
	char *end;
	unsigned long idx;

	if (name == NULL || name[0] != 'c')
		return NULL;
	idx = strtoul(name + 1, &end, 10);
	if (*end != '\0')
		return NULL;
	for (unsigned i = 0; i < w->ncalls; i++)
		if (w->calls[i]->idx == idx)
			return w->calls[i];
	return NULL;
}

static void call_answer(struct cthread *t, struct call *c, const char *sdp, size_t len, double now);

static void ws_message(struct wsconn *w, const char *msg, size_t len, double now)
{
	JsonParser *p = json_parser_new();
	JsonObject *o;
	const char *type, *name;
	struct call *c;

	if (!json_parser_load_from_data(p, msg, (gssize)len, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		goto out;
	o = json_node_get_object(json_parser_get_root(p));
	type = json_object_get_string_member_with_default(o, "type", "");
	name = json_object_get_string_member_with_default(o, "call", NULL);
	if (strcmp(type, "login-ok") == 0) {
		w->st = WS_READY;
		/* backwards: a call that fails here is swapped out for the last one */
		for (unsigned i = w->ncalls; i-- > 0;)
			if (i < w->ncalls && w->calls[i]->st == CS_WAIT_WS)
				ws_call_send(w, w->calls[i], now);
		goto out;
	}
	if (w->st == WS_LOGIN && strcmp(type, "error") == 0) {
		ws_fail_calls(w, CALLS_FAIL_LOGIN);
		goto out;
	}
	c = ws_find_call(w, name);
	if (c == NULL)
		goto out;
	if (strcmp(type, "answer") == 0 && c->st == CS_OFFER) {
		const char *sdp = json_object_get_string_member_with_default(o, "sdp", "");

		call_answer(w->t, c, sdp, strlen(sdp), now);
	} else if (strcmp(type, "error") == 0) {
		call_finish(w->t, c, c->st == CS_HANGUP ? CALLS_FAIL_HANGUP :
				     c->st == CS_OFFER ? CALLS_FAIL_REFUSED : CALLS_FAIL_DROPPED);
	} else if (strcmp(type, "hangup") == 0) {
		call_finish(w->t, c, c->st == CS_HANGUP ? CALLS_FAIL_NONE :
				     c->st == CS_OFFER ? CALLS_FAIL_REFUSED : CALLS_FAIL_DROPPED);
	}
out:
	g_object_unref(p);
}

static void ws_readable(struct wsconn *w, double now)
{
	for (;;) {
		ssize_t r;

		if (w->rcap - w->rlen < 4096) {
			size_t cap = w->rcap ? w->rcap * 2 : 16384;
			uint8_t *b = cap <= 4 * WS_MSG_MAX ? realloc(w->rbuf, cap) : NULL;

			if (b == NULL) {
				ws_close(w);
				return;
			}
			w->rbuf = b;
			w->rcap = cap;
		}
		r = ws_io(w, false, w->rbuf + w->rlen, w->rcap - w->rlen);
		if (r < 0) {
			ws_close(w);
			return;
		}
		if (r == 0)
			break;
		w->rlen += (size_t)r;
	}
	size_t off = 0;

	if (w->st == WS_UPGRADE) {
		int status;
		long n = calls_ws_upgrade_check((const char *)w->rbuf, w->rlen, w->key, &status);

		if (n == 0)
			return;
		if (n < 0) {
			ws_close(w);
			return;
		}
		off = (size_t)n;
		ws_login(w);
	}
	while (w->st != WS_DEAD && off < w->rlen) {
		struct calls_ws_frame f;
		long n = calls_ws_frame_parse(w->rbuf + off, w->rlen - off, WS_MSG_MAX, &f);

		if (n == 0)
			break;
		if (n < 0) {
			ws_close(w);
			return;
		}
		off += (size_t)n;
		switch (f.op) {
		case CALLS_WS_PING:
			ws_send(w, CALLS_WS_PONG, (const char *)f.payload, f.len);
			break;
		case CALLS_WS_CLOSE:
			ws_close(w);
			return;
		case CALLS_WS_TEXT:
		case CALLS_WS_CONT:
			if (f.fin && w->msg_len == 0 && f.op == CALLS_WS_TEXT) {
				ws_message(w, (const char *)f.payload, f.len, now);
				break;
			}
			if (w->msg_len + f.len > WS_MSG_MAX) {
				ws_close(w);
				return;
			}
			if (w->msg == NULL && (w->msg = malloc(WS_MSG_MAX)) == NULL) {
				ws_close(w);
				return;
			}
			memcpy(w->msg + w->msg_len, f.payload, f.len);
			w->msg_len += f.len;
			if (f.fin) {
				ws_message(w, (const char *)w->msg, w->msg_len, now);
				w->msg_len = 0;
			}
			break;
		default:
			break;
		}
	}
	if (off > 0 && off <= w->rlen) {
		memmove(w->rbuf, w->rbuf + off, w->rlen - off);
		w->rlen -= off;
	}
}

static SSL_CTX *g_tls_ctx;

/* One step of the TLS handshake of a wss:// connection. */
static void ws_tls_step(struct wsconn *w)
{
	int r = SSL_connect(w->tls), e;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	if (r == 1) {
		epoll_ctl(w->t->ep, EPOLL_CTL_MOD, w->fd, &ev);
		ws_connected(w);
		return;
	}
	e = SSL_get_error(w->tls, r);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ev.events = e == SSL_ERROR_WANT_WRITE ? EPOLLIN | EPOLLOUT : EPOLLIN;
		epoll_ctl(w->t->ep, EPOLL_CTL_MOD, w->fd, &ev);
		return;
	}
	ws_close(w);
}

static void ws_event(struct wsconn *w, uint32_t events, double now)
{
	if (w->st == WS_DEAD)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		ws_close(w);
		return;
	}
	if (w->st == WS_TLS) {
		ws_tls_step(w);
		return;
	}
	if (events & EPOLLOUT) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

		if (w->st == WS_CONNECTING) {
			int err = 0;
			socklen_t l = sizeof(err);

			getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &l);
			if (err != 0) {
				ws_close(w);
				return;
			}
			if (w->t->e->ws_tls) {
				w->tls = g_tls_ctx != NULL ? SSL_new(g_tls_ctx) : NULL;
				if (w->tls == NULL || SSL_set_fd(w->tls, w->fd) != 1) {
					ws_close(w);
					return;
				}
				SSL_set_mode(w->tls, SSL_MODE_ENABLE_PARTIAL_WRITE |
					     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
				w->st = WS_TLS;
				ws_tls_step(w);
				return;
			}
			epoll_ctl(w->t->ep, EPOLL_CTL_MOD, w->fd, &ev);
			ws_connected(w);
		} else {
			epoll_ctl(w->t->ep, EPOLL_CTL_MOD, w->fd, &ev);
			ws_flush(w);
		}
	}
	if (events & EPOLLIN)
		ws_readable(w, now);
}

/* A connection of this thread with room for one more call, or a new one. */
static struct wsconn *ws_for_call(struct cthread *t, double now)
{
	unsigned per = t->e->c->calls_per_ws ? t->e->c->calls_per_ws : 4;
	struct wsconn *w;

	if (per > WS_CALLS_MAX)
		per = WS_CALLS_MAX;
	for (w = t->conns; w != NULL; w = w->next)
		if (w->st != WS_DEAD && w->ncalls < per)
			return w;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->fd = -1;
	w->next = t->conns;
	t->conns = w;
	if (ws_open(t, w, now) != 0) {
		w->st = WS_DEAD;
		if (w->fd >= 0) {
			close(w->fd);
			w->fd = -1;
		}
	}
	return w;
}

/* ---------------------------- call set-up -------------------------- */

static void call_answer(struct cthread *t, struct call *c, const char *sdp, size_t len, double now)
{
	struct calls_sdp_answer a;
	char err[128];

	c->t_answer = now;
	if (calls_sdp_answer_parse(sdp, len, t->udp[c->sock].local.ss_family, &a, err,
				   sizeof(err)) != 0 ||
	    strcmp(a.setup, "active") == 0) {
		call_finish(t, c, CALLS_FAIL_REFUSED);
		return;
	}
	snprintf(c->rufrag, sizeof(c->rufrag), "%s", a.ufrag);
	snprintf(c->rpwd, sizeof(c->rpwd), "%s", a.pwd);
	memcpy(c->fp, a.fingerprint, 32);
	c->peer = a.cand;
	c->peer_len = sa_len(&a.cand);
	c->pt = a.pt == 8 ? 8 : 0;
	c->key = addr_key(c->sock, &c->peer);
	hash_add(t, c);
	c->st = CS_ICE;
	c->deadline = now + t->e->c->timeout_s;
	c->stun_rto = STUN_RTO0;
	c->stun_next = now + c->stun_rto;
	stun_send(t, c, true, true);
}

static void call_dtls_step(struct cthread *t, struct call *c, const uint8_t *d, size_t n,
			   double now)
{
	uint8_t tk[32], ts[14], rk[32], rs[14];
	int rc = calls_dtls_step(c->ssl, &c->io, d, n);

	if (rc < 0) {
		/* close_notify after our hang-up is the gateway ending the call: expected */
		if (c->st != CS_HANGUP)
			call_finish(t, c, c->st == CS_DTLS ? CALLS_FAIL_DTLS : CALLS_FAIL_DROPPED);
		return;
	}
	if (rc == 0 || c->st != CS_DTLS)
		return;
	c->t_dtls = now;
	if (calls_dtls_keys(c->ssl, c->fp, t->e->c->suite, tk, ts, rk, rs) != 0) {
		call_finish(t, c, CALLS_FAIL_DTLS);
		return;
	}
	rc = srtp_setup(c, tk, ts, rk, rs);
	OPENSSL_cleanse(tk, sizeof(tk));
	OPENSSL_cleanse(rk, sizeof(rk));
	if (rc != 0) {
		call_finish(t, c, CALLS_FAIL_CLIENT);
		return;
	}
	media_start(t, c, now);
}

static void call_ice_done(struct cthread *t, struct call *c, double now)
{
	c->t_ice = now;
	c->consent_next = now + CONSENT_S;
	c->st = CS_DTLS;
	c->deadline = now + t->e->c->timeout_s;
	c->io.send = dtls_send_cb;
	c->io.arg = c;
	c->ssl = calls_dtls_new(t->e->c->suite, &c->io);
	if (c->ssl == NULL) {
		call_finish(t, c, CALLS_FAIL_CLIENT);
		return;
	}
	call_dtls_step(t, c, NULL, 0, now);
}

static void call_begin(struct cthread *t, struct call *c, double now)
{
	struct engine *e = t->e;
	uint8_t r[8];

	c->t = t;
	c->slot = -1;
	RAND_bytes((uint8_t *)&c->ssrc, sizeof(c->ssrc));
	RAND_bytes((uint8_t *)&c->seq, sizeof(c->seq));
	c->seq &= 0x7FFF;	/* far from a wrap at the start */
	RAND_bytes((uint8_t *)&c->ts, sizeof(c->ts));
	RAND_bytes(r, sizeof(r));
	memcpy(&c->tiebreak, r, 8);
	rand_str(c->lufrag, 8);
	rand_str(c->lpwd, 24);
	c->pt = 0;
	c->t0 = now;
	c->deadline = now + e->c->timeout_s;
	if (e->c->signal == CALLS_SIG_SELF) {
		uint8_t k[32], s[14];

		c->sock = e->nlocal ? c->idx % e->nlocal : 0;
		c->peer = e->refl_addr;
		c->peer_len = e->refl_len;
		c->key = ((uint64_t)c->sock << 32 | c->ssrc) + 1;
		if (hash_find(t, c->key) != NULL) {
			call_finish(t, c, CALLS_FAIL_CLIENT);
			return;
		}
		hash_add(t, c);
		RAND_bytes(k, sizeof(k));
		RAND_bytes(s, sizeof(s));
		/* no signalling, ICE or DTLS: those set-up times have no sample */
		if (srtp_setup(c, k, s, k, s) != 0) {
			call_finish(t, c, CALLS_FAIL_CLIENT);
			return;
		}
		media_start(t, c, now);
		return;
	}
	if (e->c->signal == CALLS_SIG_NG) {
		char sdp[2048], err[256], ip[64];
		struct sockaddr_storage rp;
		socklen_t rl;
		uint16_t port;
		char *answer = NULL;

		c->sock = e->nlocal ? c->idx % e->nlocal : 0;
		if (t->ng == NULL || parse_hostport(e->c->rtp_peer, &rp, &rl) != 0) {
			call_finish(t, c, CALLS_FAIL_CLIENT);
			return;
		}
		sa_ip_port(&rp, ip, sizeof(ip), &port);
		snprintf(c->ng_id, sizeof(c->ng_id), "tzb-%d-%u", (int)getpid(), c->idx);
		build_offer(c, sdp, sizeof(sdp));
		c->st = CS_OFFER;
		if (ng_bridge_webrtc(t->ng, c->ng_id, sdp, ip, port, &answer, err, sizeof(err)) != 0) {
			free(answer);
			c->ng_id[0] = '\0';
			call_finish(t, c, CALLS_FAIL_REFUSED);
			return;
		}
		call_answer(t, c, answer, strlen(answer), now_mono());
		free(answer);
		return;
	}
	/* JSEP */
	c->ws = ws_for_call(t, now);
	if (c->ws == NULL || c->ws->st == WS_DEAD) {
		c->ws = NULL;
		call_finish(t, c, c->ws == NULL ? CALLS_FAIL_CLIENT : CALLS_FAIL_WS_CONNECT);
		return;
	}
	c->ws->calls[c->ws->ncalls++] = c;
	c->sock = c->ws->local;
	c->st = CS_WAIT_WS;
	if (c->ws->st == WS_READY)
		ws_call_send(c->ws, c, now);
}

/* ---------------------------- UDP in ------------------------------- */

static void udp_readable(struct cthread *t, struct udpsock *u, double now)
{
	struct engine *e = t->e;
	struct mmsghdr mh[BURST];
	struct iovec iov[BURST];
	struct sockaddr_storage from[BURST];

	for (int round = 0; round < 64; round++) {
		struct rte_mbuf *m[BURST];
		const struct tz_srtp_ctx *ctx[BURST];
		struct tz_srtp_stream *st[BURST];
		struct call *who[BURST];
		uint8_t status[BURST];
		unsigned nm = 0;
		int n;

		for (int i = 0; i < BURST; i++) {
			iov[i].iov_base = t->rxbuf[i];
			iov[i].iov_len = sizeof(t->rxbuf[i]);
			memset(&mh[i], 0, sizeof(mh[i]));
			mh[i].msg_hdr.msg_name = &from[i];
			mh[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(u->fd, mh, BURST, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			const uint8_t *d = t->rxbuf[i];
			size_t len = mh[i].msg_len;
			struct call *c;

			if (e->c->signal == CALLS_SIG_SELF) {
				uint32_t ssrc;

				if (len < RTP_HDR)
					continue;
				ssrc = (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 |
				       (uint32_t)d[10] << 8 | d[11];
				if (d[1] >= 200 && d[1] <= 204)
					ssrc = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 |
					       (uint32_t)d[6] << 8 | d[7];
				c = hash_find(t, ((uint64_t)u->idx << 32 | ssrc) + 1);
			} else {
				c = hash_find(t, addr_key(u->idx, &from[i]));
				if (c != NULL && !same_peer(c, u->idx, &from[i]))
					c = NULL;
			}
			if (c == NULL || c->st == CS_DONE || len == 0)
				continue;
			if (d[0] < 4) {
				struct calls_stun_resp r;
				uint8_t txid[12], resp[CALLS_STUN_MAX];

				if ((d[0] & 1) == 0) {
					/* the peer's own check (triggered / consent): answer it */
					int rn;

					if (calls_stun_parse_request(d, len, c->lufrag, c->lpwd, txid) !=
					    CALLS_STUN_SUCCESS)
						continue;
					rn = calls_stun_success_build(resp, sizeof(resp), txid, &from[i],
								      c->lpwd);
					if (rn > 0)
						udp_send(t, c, resp, (size_t)rn);
					continue;
				}
				if (c->st == CS_ICE &&
				    calls_stun_parse_response(d, len, c->txid, c->rpwd, &r) ==
					    CALLS_STUN_SUCCESS)
					call_ice_done(t, c, now);
				continue;
			}
			if (d[0] >= 20 && d[0] <= 63) {
				if (c->ssl != NULL)
					call_dtls_step(t, c, d, len, now);
				continue;
			}
			if (d[0] < 128 || d[0] > 191 || c->rx == NULL)
				continue;
			if (d[1] >= 192 && d[1] <= 223)
				continue;	/* RTCP back: not counted */
			if (nm < BURST && rte_pktmbuf_alloc_bulk(g_pool, &m[nm], 1) == 0) {
				uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[nm], (uint16_t)len);

				if (p == NULL) {
					rte_pktmbuf_free(m[nm]);
					continue;
				}
				memcpy(p, d, len);
				ctx[nm] = c->rx;
				st[nm] = &c->rx_st;
				who[nm] = c;
				nm++;
			}
		}
		if (nm > 0) {
			unsigned ok = 0;

			tz_srtp_unprotect_burst(t->qp, ctx, st, m, (uint16_t)nm, status);
			for (unsigned i = 0; i < nm; i++) {
				struct call *c = who[i];

				if (status[i] != TZ_SRTP_OK) {
					c->bad++;
					continue;
				}
				ok++;
				rtp_account(c, rte_pktmbuf_mtod(m[i], uint8_t *), now);
				if (c->st == CS_MEDIA_WAIT) {
					c->t_media = now;
					c->st = CS_HOLD;
					c->hold_end = now + e->c->hold_s;
					c->check_end = now + CALLS_CHECK_S;
					media_up(e, c, true);
				}
			}
			atomic_fetch_add_explicit(&t->recv_now, ok, memory_order_relaxed);
			rte_pktmbuf_free_bulk(m, nm);
		}
		if (n < BURST)
			return;
	}
}

/* ---------------------------- timers ------------------------------- */

/* Queue one packet of @p c in its socket's batch; a full batch is sent. */
static void sb_add(struct cthread *t, struct call *c)
{
	struct call **b = t->sb + (size_t)c->sock * BURST;

	b[t->nsb[c->sock]++] = c;
	if (t->nsb[c->sock] == BURST) {
		send_burst(t, b, BURST, false);
		t->nsb[c->sock] = 0;
	}
}

static void sb_flush(struct cthread *t)
{
	for (unsigned s = 0; s < t->nudp; s++)
		if (t->nsb[s] > 0) {
			send_burst(t, t->sb + (size_t)s * BURST, t->nsb[s], false);
			t->nsb[s] = 0;
		}
}

/*
 * A sparse hold: 50 packets/s (the wheel) for CALLS_CHECK_S after the first
 * media back, then e->pps (or none), then the wheel again for the last
 * CALLS_CHECK_S, in which something must come back.
 */
static void hold_sparse(struct cthread *t, struct call *c, double now)
{
	double pps = t->e->pps, end_win = c->hold_end - CALLS_CHECK_S;

	if (c->slot >= 0) {
		if (!c->final_check && now >= c->check_end && now < end_win) {
			wheel_del(t, c);
			c->next_pkt = pps > 0 ? now + 1.0 / pps : c->hold_end;
		}
	} else if (now >= end_win) {
		c->final_check = true;
		c->recv_check = c->received;
		c->ts = ts_at(c, now);
		wheel_add(t, c);
	} else if (pps > 0 && now >= c->next_pkt) {
		c->next_pkt += 1.0 / pps;
		if (c->next_pkt < now)
			c->next_pkt = now + 1.0 / pps;
		c->ts = ts_at(c, now);
		sb_add(t, c);
	}
}

static void call_timers(struct cthread *t, struct call *c, double now)
{
	struct engine *e = t->e;
	double left;

	switch (c->st) {
	case CS_WAIT_WS:
		if (now > c->deadline)
			call_finish(t, c, c->ws != NULL && c->ws->st == WS_LOGIN ? CALLS_FAIL_LOGIN :
					  CALLS_FAIL_WS_CONNECT);
		break;
	case CS_OFFER:
		if (now > c->deadline)
			call_finish(t, c, CALLS_FAIL_ANSWER_TIMEOUT);
		break;
	case CS_ICE:
		if (now > c->deadline) {
			call_finish(t, c, CALLS_FAIL_ICE);
		} else if (now >= c->stun_next) {
			stun_send(t, c, false, true);	/* a retransmission keeps its txid */
			c->stun_rto = fmin(c->stun_rto * 2, STUN_RTO_MAX);
			c->stun_next = now + c->stun_rto;
		}
		break;
	case CS_DTLS:
		if (now > c->deadline || calls_dtls_timer(c->ssl, &left) < 0)
			call_finish(t, c, CALLS_FAIL_DTLS);
		break;
	case CS_MEDIA_WAIT:
		if (now > c->deadline)
			call_finish(t, c, CALLS_FAIL_MEDIA_TIMEOUT);
		break;
	case CS_HOLD:
		if (now >= c->hold_end) {
			if (e->sparse && c->final_check && c->received == c->recv_check)
				c->fail_pending = CALLS_FAIL_MEDIA_TIMEOUT;
			wheel_del(t, c);
			media_up(e, c, false);
			if (e->c->signal == CALLS_SIG_JSEP && c->ws != NULL)
				ws_hangup_send(c, now);
			else
				call_finish(t, c, CALLS_FAIL_NONE);	/* NG: delete in finish */
		} else if (e->sparse) {
			hold_sparse(t, c, now);
		}
		break;
	case CS_HANGUP:
		if (now > c->deadline)
			call_finish(t, c, CALLS_FAIL_HANGUP);
		break;
	default:
		break;
	}
	if (c->st != CS_DONE && c->rufrag[0] != '\0' && c->t_ice > 0 && now >= c->consent_next &&
	    c->st >= CS_DTLS && c->st <= CS_HOLD) {
		c->consent_next = now + CONSENT_S;
		stun_send(t, c, true, false);
	}
}

static bool arr_push(struct call ***a, size_t *n, size_t *cap, struct call *c)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct call **na = realloc(*a, nc * sizeof(**a));

		if (na == NULL)
			return false;
		*a = na;
		*cap = nc;
	}
	(*a)[(*n)++] = c;
	return true;
}

/* One slice of the held calls: each is visited every HELD_SLICES scans. */
static void scan_held(struct cthread *t, double now)
{
	size_t todo = (t->nheld + HELD_SLICES - 1) / HELD_SLICES;

	while (todo-- > 0 && t->nheld > 0) {
		struct call *c;

		if (t->held_pos >= t->nheld)
			t->held_pos = 0;
		c = t->held[t->held_pos];
		if (c->st != CS_DONE)
			call_timers(t, c, now);
		if (c->st == CS_HOLD) {
			t->held_pos++;
			continue;
		}
		if (c->st == CS_DONE)
			free(c);
		else if (!arr_push(&t->live, &t->nlive, &t->live_cap, c))
			call_finish(t, c, CALLS_FAIL_CLIENT), free(c);
		t->held[t->held_pos] = t->held[--t->nheld];
	}
	sb_flush(t);
}

static void scan(struct cthread *t, double now)
{
	size_t j = 0;

	for (size_t i = 0; i < t->nlive; i++) {
		struct call *c = t->live[i];

		if (c->st != CS_DONE)
			call_timers(t, c, now);
		if (c->st == CS_DONE)
			free(c);
		else if (c->st != CS_HOLD || !arr_push(&t->held, &t->nheld, &t->held_cap, c))
			t->live[j++] = c;
	}
	t->nlive = j;
	scan_held(t, now);
	/* connections with no calls stay open for the next calls of the step */
	for (struct wsconn *w = t->conns; w != NULL; w = w->next)
		if ((w->st == WS_CONNECTING || w->st == WS_TLS || w->st == WS_UPGRADE ||
		     w->st == WS_LOGIN) &&
		    now > w->deadline) {
			enum calls_failure f = w->st == WS_LOGIN ? CALLS_FAIL_LOGIN : CALLS_FAIL_WS_CONNECT;

			ws_fail_calls(w, f);
			ws_close(w);
		}
}

static void take_new(struct cthread *t, double now)
{
	for (;;) {
		uint32_t idx;
		struct call *c;

		pthread_mutex_lock(&t->qlock);
		if (t->qhead == t->qtail) {
			pthread_mutex_unlock(&t->qlock);
			return;
		}
		idx = t->q[t->qhead++ % t->qcap];
		pthread_mutex_unlock(&t->qlock);
		c = calloc(1, sizeof(*c));
		if (c == NULL || (t->nlive == t->live_cap &&
				  !(t->live_cap = t->live_cap ? t->live_cap * 2 : 256,
				    t->live = realloc(t->live, t->live_cap * sizeof(*t->live))))) {
			free(c);
			t->sum.failures[CALLS_FAIL_CLIENT]++;
			atomic_fetch_add(&t->e->done, 1);
			atomic_fetch_sub(&t->e->live, 1);
			continue;
		}
		c->idx = idx;
		t->live[t->nlive++] = c;
		call_begin(t, c, now);
	}
}

static void *thread_main(void *arg)
{
	struct cthread *t = arg;
	struct engine *e = t->e;
	struct epoll_event ev[64];
	double next_scan = 0;

	rte_thread_register();
	t->wheel_t = now_mono();
	while (!atomic_load(&e->stop)) {
		int n = epoll_wait(t->ep, ev, 64, 1);
		double now = now_mono();

		for (int i = 0; i < n; i++) {
			enum fd_kind *k = ev[i].data.ptr;

			if (*k == FD_UDP)
				udp_readable(t, (struct udpsock *)k, now);
			else
				ws_event((struct wsconn *)k, ev[i].events, now);
		}
		take_new(t, now);
		/* the wheel: one slot per elapsed millisecond, never more than a lap */
		for (int laps = 0; now - t->wheel_t >= 0.001 && laps < WHEEL; laps++) {
			t->wheel_pos = (t->wheel_pos + 1) % WHEEL;
			t->wheel_t += 0.001;
			wheel_tick(t, t->wheel_pos, now);
		}
		if (now - t->wheel_t >= 0.001)
			t->wheel_t = now;	/* fell behind by more than a lap: skip */
		if (now >= next_scan) {
			scan(t, now);
			next_scan = now + 0.005;
		}
	}
	rte_thread_unregister();
	return NULL;
}

/* ---------------------------- the step ----------------------------- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pick(const double *v, size_t n, double q)
{
	size_t i = (size_t)ceil(q * (double)n);

	return v[i == 0 ? 0 : (i > n ? n - 1 : i - 1)];
}

static void pct(struct calls_pct *p, double *v, size_t n)
{
	p->n = n;
	if (n == 0) {
		p->p50 = p->p90 = p->p99 = p->max = NAN;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_d);
	p->p50 = pick(v, n, 0.50);
	p->p90 = pick(v, n, 0.90);
	p->p99 = pick(v, n, 0.99);
	p->max = v[n - 1];
}

static void merge(struct engine *e, struct calls_step_result *r)
{
	double *all[4] = { 0 }, *jit = NULL;
	size_t n[4] = { 0 }, nj = 0;
	uint64_t expected = 0;

	for (unsigned i = 0; i < e->nth; i++) {
		struct tsum *s = &e->th[i].sum;

		r->completed += s->completed;
		for (int f = 1; f < CALLS_FAIL_COUNT; f++) {
			r->failures[f] += s->failures[f];
			r->failed += s->failures[f];
		}
		r->pkts_sent += s->pkts_sent;
		r->pkts_received += s->pkts_received;
		r->pkts_lost += s->pkts_lost;
		r->pkts_bad += s->pkts_bad;
		expected += s->expected;
		for (int k = 0; k < 4; k++) {
			double *a = realloc(all[k], (n[k] + s->nt[k] + 1) * sizeof(double));

			if (a != NULL) {
				all[k] = a;
				if (s->nt[k])
					memcpy(a + n[k], s->t[k], s->nt[k] * sizeof(double));
				n[k] += s->nt[k];
			}
		}
		if (s->njit) {
			double *a = realloc(jit, (nj + s->njit) * sizeof(double));

			if (a != NULL) {
				jit = a;
				memcpy(a + nj, s->jit, s->njit * sizeof(double));
				nj += s->njit;
			}
		}
	}
	pct(&r->t_answer, all[0], n[0]);
	pct(&r->t_ice, all[1], n[1]);
	pct(&r->t_dtls, all[2], n[2]);
	pct(&r->t_media, all[3], n[3]);
	r->loss_pct = expected ? 100.0 * (double)r->pkts_lost / (double)expected : 0;
	if (nj) {
		qsort(jit, nj, sizeof(*jit), cmp_d);
		r->jitter_ms_p50 = pick(jit, nj, 0.50);
		r->jitter_ms_p99 = pick(jit, nj, 0.99);
	} else {
		r->jitter_ms_p50 = r->jitter_ms_p99 = NAN;
	}
	for (int k = 0; k < 4; k++)
		free(all[k]);
	free(jit);
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void thread_free(struct cthread *t)
{
	for (size_t i = 0; i < t->nlive; i++) {
		struct call *c = t->live[i];

		if (c->st != CS_DONE)
			call_finish(t, c, CALLS_FAIL_CLIENT);
		free(c);
	}
	free(t->live);
	for (size_t i = 0; i < t->nheld; i++) {
		struct call *c = t->held[i];

		if (c->st != CS_DONE)
			call_finish(t, c, CALLS_FAIL_CLIENT);
		free(c);
	}
	free(t->held);
	free(t->sb);
	free(t->nsb);
	while (t->conns != NULL) {
		struct wsconn *w = t->conns;

		t->conns = w->next;
		if (w->fd >= 0 && w->st == WS_READY)
			ws_send(w, CALLS_WS_CLOSE, "\x03\xe8", 2);	/* 1000 */
		ws_close(w);
		free(w->rbuf);
		free(w->wbuf);
		free(w->msg);
		free(w);
	}
	for (unsigned i = 0; i < t->nudp; i++)
		if (t->udp[i].fd > 0)
			close(t->udp[i].fd);
	free(t->udp);
	if (t->ep >= 0)
		close(t->ep);
	free(t->hash);
	free(t->q);
	ng_close(t->ng);
	pthread_mutex_destroy(&t->qlock);
}

static int check_conf(const struct calls_conf *c, char *err, size_t err_len)
{
	if (c->rate <= 0 || c->concurrent == 0 || c->total == 0 || c->hold_s < 0) {
		snprintf(err, err_len, "rate, concurrent and total must be > 0, hold_s >= 0");
		return -EINVAL;
	}
	if (tz_srtp_suite_key_len(c->suite) == 0) {
		snprintf(err, err_len, "unknown SRTP suite %u", c->suite);
		return -EINVAL;
	}
	if (c->nb_local_addrs > 64) {
		snprintf(err, err_len, "at most 64 local addresses");
		return -EINVAL;
	}
	switch (c->signal) {
	case CALLS_SIG_JSEP:
		if (c->ws_url == NULL || c->secret_file == NULL) {
			snprintf(err, err_len, "JSEP needs ws_url and secret_file");
			return -EINVAL;
		}
		break;
	case CALLS_SIG_NG:
		if (c->ng_addr == NULL || c->rtp_peer == NULL) {
			snprintf(err, err_len, "NG needs ng_addr and rtp_peer");
			return -EINVAL;
		}
		break;
	case CALLS_SIG_SELF:
		if (c->reflector == NULL) {
			snprintf(err, err_len, "SELF needs reflector IP:PORT");
			return -EINVAL;
		}
		break;
	default:
		snprintf(err, err_len, "unknown signalling %d", (int)c->signal);
		return -EINVAL;
	}
	return 0;
}

static int engine_setup(struct engine *e, char *err, size_t err_len)
{
	const struct calls_conf *c = e->c;
	struct tz_srtp_engine_conf ec = {
		.nb_workers = (uint16_t)e->nth,
		.max_ctx = 2 * c->concurrent + 64,
		.socket_id = SOCKET_ID_ANY,
	};
	int rc;
	int family = AF_INET;

	for (unsigned i = 0; i < c->nb_local_addrs; i++)
		if (parse_local(c->local_addrs[i], &e->local[i]) != 0) {
			snprintf(err, err_len, "local address '%s' is not an IP address",
				 c->local_addrs[i]);
			return -EINVAL;
		}
	e->nlocal = c->nb_local_addrs;
	if (c->signal == CALLS_SIG_JSEP) {
		rc = parse_ws_url(e, c->ws_url, err, err_len);
		if (rc != 0)
			return rc;
		e->key_len = calls_token_read_secret(c->secret_file, e->key, sizeof(e->key));
		if (e->key_len < 0) {
			snprintf(err, err_len, "%s: %s", c->secret_file,
				 e->key_len == -EINVAL ? "key shorter than 32 bytes" :
							 strerror(-e->key_len));
			return e->key_len;
		}
		family = e->ws_addr.ss_family;
	} else if (c->signal == CALLS_SIG_SELF) {
		if (parse_hostport(c->reflector, &e->refl_addr, &e->refl_len) != 0) {
			snprintf(err, err_len, "reflector '%s' is not IP:PORT", c->reflector);
			return -EINVAL;
		}
		family = e->refl_addr.ss_family;
	} else {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (parse_hostport(c->rtp_peer, &ss, &sl) != 0 ||
		    parse_hostport(c->ng_addr, &e->refl_addr, &e->refl_len) != 0) {
			snprintf(err, err_len, "ng_addr / rtp_peer must be IP:PORT");
			return -EINVAL;
		}
		family = e->refl_addr.ss_family;	/* media towards rtpengine's host */
	}
	pthread_mutex_lock(&g_srtp_lock);
	e->srtp = tz_srtp_engine_create(&ec);
	pthread_mutex_unlock(&g_srtp_lock);
	if (e->srtp == NULL) {
		snprintf(err, err_len, "no SRTP engine: %s", strerror(errno));
		return -errno;
	}
	for (unsigned i = 0; i < e->nth; i++) {
		struct cthread *t = &e->th[i];
		size_t hb = 64;

		t->e = e;
		t->id = i;
		t->ep = -1;
		pthread_mutex_init(&t->qlock, NULL);
		t->qcap = c->total + 1;
		t->q = calloc(t->qcap, sizeof(*t->q));
		while (hb < 2 * (size_t)c->concurrent / e->nth + 64)
			hb <<= 1;
		t->hash = calloc(hb, sizeof(*t->hash));
		t->hmask = hb - 1;
		t->qp = tz_srtp_engine_qp(e->srtp, (uint16_t)i);
		t->nudp = e->nlocal ? e->nlocal : 1;
		t->udp = calloc(t->nudp, sizeof(*t->udp));
		t->sb = calloc((size_t)t->nudp * BURST, sizeof(*t->sb));
		t->nsb = calloc(t->nudp, sizeof(*t->nsb));
		t->ep = epoll_create1(EPOLL_CLOEXEC);
		if (t->q == NULL || t->hash == NULL || t->udp == NULL || t->ep < 0 || t->qp == NULL ||
		    t->sb == NULL || t->nsb == NULL) {
			snprintf(err, err_len, "out of memory / epoll");
			return -ENOMEM;
		}
		for (unsigned u = 0; u < t->nudp; u++) {
			rc = open_udp(t, u, e->nlocal ? &e->local[u] : NULL, family);
			if (rc != 0) {
				snprintf(err, err_len, "UDP socket: %s", strerror(-rc));
				return rc;
			}
		}
		if (c->signal == CALLS_SIG_NG) {
			t->ng = ng_open(c->ng_addr, (unsigned)(c->timeout_s * 1000));
			if (t->ng == NULL) {
				snprintf(err, err_len, "NG client to %s: %s", c->ng_addr,
					 strerror(errno));
				return errno ? -errno : -EIO;
			}
		}
	}
	return 0;
}

static void progress(struct engine *e, struct calls_step_result *r, double t0, uint64_t attempted)
{
	struct calls_step_result s = *r;

	s.attempted = attempted;
	s.wall_s = now_mono() - t0;
	s.peak_concurrent = e->peak;
	s.completed = atomic_load(&e->done_ok);
	s.failed = atomic_load(&e->done) - s.completed;
	s.pkts_sent = total_sent(e);
	s.pkts_received = total_recv(e);
	e->c->progress(e->c->progress_arg, &s);
}

int calls_run_step(const struct calls_conf *conf, struct calls_step_result *out,
		   char *err, size_t err_len)
{
	struct calls_conf c = *conf;
	struct engine e = { 0 };
	double t0, cpu0, tokens = 1, last, first_at = 0, last_at = 0, next_prog;
	uint64_t attempted = 0;
	unsigned rr = 0, started = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err_len)
		err[0] = '\0';
	if (!g_inited) {
		snprintf(err, err_len, "calls_engine_init() was not called");
		return -EINVAL;
	}
	if (c.timeout_s <= 0)
		c.timeout_s = 10;
	if (c.loss_fail_pct <= 0)
		c.loss_fail_pct = 5;
	if (c.hold_pps == 0 || c.hold_pps > FULL_PPS)
		c.hold_pps = FULL_PPS;
	else if (c.hold_pps < 0)
		c.hold_pps = 0;
	if (c.threads == 0)
		c.threads = 1;
	rc = check_conf(&c, err, err_len);
	if (rc != 0)
		return rc;
	out->rate = c.rate;
	out->hold_pps = c.hold_pps;
	out->concurrent = c.concurrent;
	e.c = &c;
	e.pps = c.hold_pps;
	e.sparse = c.hold_pps < FULL_PPS;
	e.out = out;
	e.nth = c.threads;
	pthread_mutex_init(&e.mlock, NULL);
	e.th = calloc(e.nth, sizeof(*e.th));
	if (e.th == NULL) {
		snprintf(err, err_len, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	rc = engine_setup(&e, err, err_len);
	if (rc != 0)
		goto out;
	for (unsigned i = 0; i < e.nth; i++, started++)
		if (pthread_create(&e.th[i].th, NULL, thread_main, &e.th[i]) != 0) {
			snprintf(err, err_len, "cannot start client thread");
			rc = -EAGAIN;
			atomic_store(&e.stop, true);
			goto out;
		}
	t0 = last = now_mono();
	next_prog = t0 + 1;
	cpu0 = cpu_s();
	while (atomic_load(&e.done) < c.total) {
		double now = now_mono();
		double cap = fmax(1.0, c.rate * 0.02);
		struct timespec ts = { 0, 1000000 };

		tokens = fmin(cap, tokens + (now - last) * c.rate);
		last = now;
		while (tokens >= 1 && attempted < c.total && atomic_load(&e.live) < c.concurrent) {
			struct cthread *t = &e.th[rr++ % e.nth];

			atomic_fetch_add(&e.live, 1);
			pthread_mutex_lock(&t->qlock);
			t->q[t->qtail++ % t->qcap] = (uint32_t)attempted;
			pthread_mutex_unlock(&t->qlock);
			if (attempted == 0)
				first_at = now;
			last_at = now;
			attempted++;
			tokens -= 1;
		}
		if (c.progress != NULL && now >= next_prog) {
			progress(&e, out, t0, attempted);
			next_prog = now + 1;
		}
		nanosleep(&ts, NULL);
	}
	out->wall_s = now_mono() - t0;
	out->client_cpu_s = cpu_s() - cpu0;
	out->client_cpu_pct = 100.0 * out->client_cpu_s / out->wall_s / e.nth;
	out->attempted = attempted;
	out->achieved_rate = attempted > 1 && last_at > first_at ?
			     (double)(attempted - 1) / (last_at - first_at) : (double)attempted;
	rc = 0;
out:
	atomic_store(&e.stop, true);
	for (unsigned i = 0; i < started; i++)
		pthread_join(e.th[i].th, NULL);
	pthread_mutex_lock(&e.mlock);
	if (e.steady_open) {
		/* the peak was never left before the end: close the window now */
		out->steady_from = e.steady_from;
		out->steady_to = now_real();
		out->steady_pkts_sent = total_sent(&e) - e.steady_sent0;
		out->steady_pkts_received = total_recv(&e) - e.steady_recv0;
	}
	pthread_mutex_unlock(&e.mlock);
	out->peak_concurrent = e.peak;
	if (e.th != NULL) {
		for (unsigned i = 0; i < e.nth; i++)
			if (e.th[i].e != NULL)
				thread_free(&e.th[i]);
		if (rc == 0)
			merge(&e, out);
		for (unsigned i = 0; i < e.nth; i++)
			if (e.th[i].e != NULL) {
				for (int k = 0; k < 4; k++)
					free(e.th[i].sum.t[k]);
				free(e.th[i].sum.jit);
			}
	}
	pthread_mutex_lock(&g_srtp_lock);
	tz_srtp_engine_destroy(e.srtp);
	pthread_mutex_unlock(&g_srtp_lock);
	free(e.th);
	pthread_mutex_destroy(&e.mlock);
	OPENSSL_cleanse(e.key, sizeof(e.key));
	return rc;
}

/* ---------------------------- init --------------------------------- */

int calls_engine_init(int argc, char **argv)
{
	char prefix[64], err[128];
	char *eal[32] = { "trapeze-bench-calls", "--no-huge", "--no-pci", "--no-shconf",
			  "--no-telemetry", "-l", "0", "-m", "4096", "--log-level=*:warning",
			  prefix };
	int n = 11;

	if (g_inited)
		return 0;
	snprintf(prefix, sizeof(prefix), "--file-prefix=tz_calls_%d", (int)getpid());
	/* extra EAL arguments from the caller (e.g. "-m", "4096") */
	for (int i = 0; i < argc && n < 31; i++)
		eal[n++] = argv[i];
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0)
		return -rte_errno ? -rte_errno : -EIO;
	g_pool = rte_pktmbuf_pool_create("calls_mbufs", 8191, 256, 0,
					 RTE_PKTMBUF_HEADROOM + 2048, SOCKET_ID_ANY);
	if (g_pool == NULL) {
		rte_eal_cleanup();
		return -ENOMEM;
	}
	g_tls_ctx = SSL_CTX_new(TLS_client_method());
	if (g_tls_ctx != NULL) {
		static const unsigned char alpn[] = "\x08http/1.1";

		SSL_CTX_set_verify(g_tls_ctx, SSL_VERIFY_NONE, NULL);	/* wss://: not verified */
		SSL_CTX_set_min_proto_version(g_tls_ctx, TLS1_2_VERSION);
		SSL_CTX_set_alpn_protos(g_tls_ctx, alpn, sizeof(alpn) - 1);
	}
	if (g_tls_ctx == NULL || calls_dtls_init(err, sizeof(err)) != 0) {
		SSL_CTX_free(g_tls_ctx);
		g_tls_ctx = NULL;
		rte_mempool_free(g_pool);
		rte_eal_cleanup();
		return -EIO;
	}
	/* the payload: a 1 kHz-ish square pattern in mu-law */
	for (int i = 0; i < PAYLOAD; i++)
		g_pattern[i] = (i / 4) % 2 ? 0x9F : 0x1F;
	g_inited = true;
	return 0;
}

void calls_engine_fini(void)
{
	if (!g_inited)
		return;
	calls_dtls_fini();
	SSL_CTX_free(g_tls_ctx);
	g_tls_ctx = NULL;
	rte_mempool_free(g_pool);
	g_pool = NULL;
	rte_eal_cleanup();
	g_inited = false;
}
