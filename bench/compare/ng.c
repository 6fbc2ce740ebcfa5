/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtpengine's NG control protocol over UDP, enough for bench/compare: ping,
 * offer + answer bridging one WebRTC call to plain RTP, delete, statistics.
 * Each message is "<cookie> <bencoded dict>"; the reply carries the same
 * cookie, and a request sent again with its cookie gets rtpengine's cached
 * reply (ng_control_protocol.md), which makes the one retry safe.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ng.h"
#include "ng_bencode.h"

#define NG_TX_MAX 65507		/* one UDP datagram */
#define NG_RX_MAX 65536
#define NG_MAX_NODES 4096	/* "statistics" takes ~400 */
#define NG_COOKIE_MAX 32
#define NG_FROM_TAG "tz-webrtc"
#define NG_TO_TAG "tz-rtp"

struct ng_client {
	int fd;
	char direction[2][32];		/* rtpengine's logical interfaces, from TZ_NG_DIRECTION */
	unsigned timeout_ms;
	unsigned seq;
	unsigned tag;			/* cookie prefix: tells clients apart */
	uint64_t ctr[NG_CTR_COUNT];
	struct ng_bdoc doc;		/* the last reply, decoded */
	char tx[NG_TX_MAX];
	char rx[NG_RX_MAX];
	struct ng_bnode nodes[NG_MAX_NODES];
};

static const char *const counter_names[] = {
#define NG_COUNTER_NAME(e, n) [NG_CTR_##e] = n,
	NG_COUNTERS(NG_COUNTER_NAME)
#undef NG_COUNTER_NAME
};

/* One NG option: a key with a string value, or with a list of strings. */
struct ng_opt {
	const char *key;
	const char *val;		/* NULL: list */
	const char *const *list;	/* NULL-terminated */
};

static const char *const demux[] = { "demux", NULL };
static const char *const replace_ol[] = { "origin", "session-connection", NULL };

/*
 * The WebRTC offer towards the plain side (ng_control_protocol.md, "offer"):
 * plain RTP/AVP out, ICE stripped, rtcp-mux demuxed towards the peer but
 * accepted back to the browser, and rtpengine never starting DTLS towards the
 * browser (the load client is the DTLS client, as a browser answering
 * actpass usually is towards a gateway).
 */
static const struct ng_opt offer_opts[] = {
	{ "transport-protocol", "RTP/AVP", NULL },
	{ "ICE", "remove", NULL },
	{ "DTLS-reverse", "passive", NULL },
	{ "rtcp-mux", NULL, demux },
	{ "replace", NULL, replace_ol },
};

/*
 * The plain answer back to the browser: rtpengine's own ICE candidates (it is
 * the only one), DTLS passive (setup:passive, the browser connects).  The
 * transport goes back to what was offered (UDP/TLS/RTP/SAVPF) by default.
 */
static const struct ng_opt answer_opts[] = {
	{ "ICE", "force", NULL },
	{ "DTLS", "passive", NULL },
	{ "replace", NULL, replace_ol },
};

uint64_t ng_counter(const struct ng_client *ng, enum ng_counter c)
{
	return ng != NULL && c < NG_CTR_COUNT ? ng->ctr[c] : 0;
}

const char *ng_counter_name(enum ng_counter c)
{
	return c < NG_CTR_COUNT ? counter_names[c] : "?";
}

static int split_addr(const char *addr, char *host, size_t host_len, const char **port)
{
	const char *colon;
	size_t hl;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - addr - 1);
		addr++;
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			return -EINVAL;
		hl = (size_t)(colon - addr);
	}
	if (hl == 0 || hl >= host_len || colon[1] == '\0')
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	*port = colon + 1;
	return 0;
}

/*
 * TZ_NG_DIRECTION="FROM,TO": the offer's "direction" (rtpengine's logical
 * interfaces, --interface NAME/IP), so one rtpengine bridges two networks
 * as the gateway does (bench/compare/run.sh sets "access,core").
 */
static void read_direction(struct ng_client *ng)
{
	const char *env = getenv("TZ_NG_DIRECTION");
	const char *comma = env != NULL ? strchr(env, ',') : NULL;
	size_t l0;

	if (comma == NULL)
		return;
	l0 = (size_t)(comma - env);
	if (l0 == 0 || l0 >= sizeof(ng->direction[0]) || comma[1] == '\0' ||
	    strlen(comma + 1) >= sizeof(ng->direction[1]) || strchr(comma + 1, ',') != NULL)
		return;
	memcpy(ng->direction[0], env, l0);
	ng->direction[0][l0] = '\0';
	strcpy(ng->direction[1], comma + 1);
}

struct ng_client *ng_open(const char *addr, unsigned timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	struct ng_client *ng = NULL;
	const char *port;
	char host[64];
	int err;

	if (addr == NULL || split_addr(addr, host, sizeof(host), &port) != 0 ||
	    getaddrinfo(host, port, &hints, &ai) != 0) {
		err = EINVAL;
		goto err_addr;
	}
	ng = calloc(1, sizeof(*ng));
	if (ng == NULL) {
		err = ENOMEM;
		goto err_alloc;
	}
	ng->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ng->fd < 0) {
		err = errno;
		goto err_socket;
	}
	if (connect(ng->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		err = errno;
		goto err_connect;
	}
	ng->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
	ng->tag = (unsigned)getpid() ^ (unsigned)(uintptr_t)ng ^ (unsigned)time(NULL);
	ng->doc.nodes = ng->nodes;
	ng->doc.cap = NG_MAX_NODES;
	read_direction(ng);
	freeaddrinfo(ai);
	return ng;

err_connect:
	close(ng->fd);
err_socket:
	free(ng);
err_alloc:
	freeaddrinfo(ai);
err_addr:
	errno = err;
	return NULL;
}

void ng_close(struct ng_client *ng)
{
	if (ng == NULL)
		return;
	close(ng->fd);
	free(ng);
}

static void put_opts(struct ng_benc *e, const struct ng_opt *opts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ng_benc_str(e, opts[i].key);
		if (opts[i].val != NULL) {
			ng_benc_str(e, opts[i].val);
			continue;
		}
		ng_benc_list(e);
		for (const char *const *v = opts[i].list; *v != NULL; v++)
			ng_benc_str(e, *v);
		ng_benc_end(e);
	}
}

/* Start a request: "<cookie> d7:command<len>:<command>". */
static void req_begin(struct ng_client *ng, struct ng_benc *e, const char *command)
{
	char cookie[NG_COOKIE_MAX];
	int n;

	ng->seq++;
	n = snprintf(cookie, sizeof(cookie), "%08x_%u ", ng->tag, ng->seq);
	ng_benc_init(e, ng->tx, sizeof(ng->tx));
	ng_benc_raw(e, cookie, (size_t)n);
	ng_benc_dict(e);
	ng_benc_kv(e, "command", command);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * One datagram that answers our cookie, decoded into ng->doc.
 * @return 0; 1 another cookie's (dropped); -EPROTO not a reply.
 */
static int take_reply(struct ng_client *ng, size_t n, const char *cookie, size_t cookie_len)
{
	const char *sp = memchr(ng->rx, ' ', n);
	size_t off;

	if (sp == NULL)
		goto bad;
	if ((size_t)(sp - ng->rx) != cookie_len || memcmp(ng->rx, cookie, cookie_len) != 0) {
		ng->ctr[NG_CTR_STALE_REPLIES]++;
		return 1;
	}
	off = (size_t)(sp - ng->rx) + 1;
	if (ng_bencode_parse(&ng->doc, ng->rx + off, n - off, NULL) != 0 ||
	    ng->doc.nodes[0].type != NG_B_DICT || ng_bdict_get(&ng->doc, 0, "result") < 0)
		goto bad;
	return 0;
bad:
	ng->ctr[NG_CTR_BAD_REPLIES]++;
	return -EPROTO;
}

/* Wait for our reply until @p deadline.  @return 0, -ETIMEDOUT, -EPROTO, -errno. */
static int wait_reply(struct ng_client *ng, long deadline, const char *cookie, size_t cookie_len)
{
	for (;;) {
		struct pollfd pfd = { .fd = ng->fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recv(ng->fd, ng->rx, sizeof(ng->rx), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;	/* ECONNREFUSED: nothing listens */
		rc = take_reply(ng, (size_t)n, cookie, cookie_len);
		if (rc <= 0)
			return rc;
	}
}

/*
 * Close the request dict, send it, wait for the reply (one retry).  On
 * result "error" copies error-reason to @p err and returns -EPROTO.
 */
static int transact(struct ng_client *ng, struct ng_benc *e, char *err, size_t err_len)
{
	const char *sp = memchr(ng->tx, ' ', e->len);
	size_t cookie_len = sp != NULL ? (size_t)(sp - ng->tx) : 0;
	char cookie[NG_COOKIE_MAX];
	long len;
	int rc = -ETIMEDOUT, result;

	ng_benc_end(e);
	len = ng_benc_finish(e);
	if (len < 0 || sp == NULL || cookie_len >= sizeof(cookie)) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "NG request too large for one datagram");
		return len < 0 ? (int)len : -EINVAL;
	}
	memcpy(cookie, ng->tx, cookie_len);
	ng->ctr[NG_CTR_REQUESTS]++;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0)
			ng->ctr[NG_CTR_RETRIES]++;
		if (send(ng->fd, ng->tx, (size_t)len, 0) != len)
			return errno != 0 ? -errno : -EIO;
		rc = wait_reply(ng, now_ms() + ng->timeout_ms, cookie, cookie_len);
		if (rc != -ETIMEDOUT)
			break;
	}
	if (rc == -ETIMEDOUT)
		ng->ctr[NG_CTR_TIMEOUTS]++;
	if (rc != 0) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s", rc == -ETIMEDOUT ? "no reply from rtpengine" :
				 rc == -EPROTO ? "malformed NG reply" : strerror(-rc));
		return rc;
	}
	result = ng_bdict_get(&ng->doc, 0, "result");
	if (ng_bstr_eq(&ng->doc, result, "error")) {
		ng->ctr[NG_CTR_ERRORS]++;
		if (err != NULL && err_len > 0 &&
		    ng_bstr_copy(&ng->doc, ng_bdict_get(&ng->doc, 0, "error-reason"),
				 err, err_len) == -EINVAL)
			snprintf(err, err_len, "error without a reason");
		return -EPROTO;
	}
	return 0;
}

int ng_ping(struct ng_client *ng)
{
	struct ng_benc e;
	int rc;

	req_begin(ng, &e, "ping");
	rc = transact(ng, &e, NULL, 0);
	if (rc != 0)
		return rc;
	return ng_bstr_eq(&ng->doc, ng_bdict_get(&ng->doc, 0, "result"), "pong") ? 0 : -EPROTO;
}

/* The "sdp" of an "ok" reply, malloc'd.  @return NULL (EPROTO / ENOMEM). */
static char *reply_sdp(struct ng_client *ng)
{
	int idx = ng_bdict_get(&ng->doc, 0, "sdp");
	char *out;

	if (idx < 0 || ng->doc.nodes[idx].type != NG_B_STR || ng->doc.nodes[idx].len == 0 ||
	    memchr(ng->doc.nodes[idx].str, '\0', ng->doc.nodes[idx].len) != NULL) {
		ng->ctr[NG_CTR_BAD_REPLIES]++;
		errno = EPROTO;
		return NULL;
	}
	out = malloc(ng->doc.nodes[idx].len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, ng->doc.nodes[idx].str, ng->doc.nodes[idx].len);
	out[ng->doc.nodes[idx].len] = '\0';
	return out;
}

static int sdp_msg(struct ng_client *ng, const char *command, const char *call_id,
		   const char *sdp, const struct ng_opt *opts, size_t nb_opts, char **out,
		   char *err, size_t err_len)
{
	struct ng_benc e;
	int rc;

	req_begin(ng, &e, command);
	ng_benc_kv(&e, "call-id", call_id);
	ng_benc_kv(&e, "from-tag", NG_FROM_TAG);
	if (strcmp(command, "answer") == 0)
		ng_benc_kv(&e, "to-tag", NG_TO_TAG);
	ng_benc_kv(&e, "sdp", sdp);
	put_opts(&e, opts, nb_opts);
	if (strcmp(command, "offer") == 0 && ng->direction[0][0] != '\0') {
		ng_benc_str(&e, "direction");
		ng_benc_list(&e);
		ng_benc_str(&e, ng->direction[0]);
		ng_benc_str(&e, ng->direction[1]);
		ng_benc_end(&e);
	}
	rc = transact(ng, &e, err, err_len);
	if (rc != 0)
		return rc;
	*out = reply_sdp(ng);
	if (*out == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s reply without an SDP", command);
		return -errno;
	}
	return 0;
}

int ng_bridge_webrtc(struct ng_client *ng, const char *call_id, const char *webrtc_offer,
		     const char *rtp_peer_ip, uint16_t rtp_peer_port, char **webrtc_answer,
		     char *err, size_t err_len)
{
	char *plain_offer = NULL, answer[512];
	int pt, rc;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	*webrtc_answer = NULL;
	if (call_id == NULL || webrtc_offer == NULL || rtp_peer_ip == NULL) {
		rc = -EINVAL;
		goto err_args;
	}
	rc = sdp_msg(ng, "offer", call_id, webrtc_offer, offer_opts,
		     sizeof(offer_opts) / sizeof(offer_opts[0]), &plain_offer, err, err_len);
	if (rc != 0)
		goto err_offer;
	pt = ng_sdp_pcmu_pt(plain_offer);
	if (pt < 0) {
		rc = -EPROTO;
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "rtpengine's offer has no PCMU/8000");
		goto err_answer;
	}
	rc = ng_rtp_answer_sdp(answer, sizeof(answer), rtp_peer_ip, rtp_peer_port, (unsigned)pt);
	if (rc < 0) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "bad RTP peer address %s", rtp_peer_ip);
		goto err_answer;
	}
	rc = sdp_msg(ng, "answer", call_id, answer, answer_opts,
		     sizeof(answer_opts) / sizeof(answer_opts[0]), webrtc_answer, err, err_len);
	if (rc != 0)
		goto err_answer;
	free(plain_offer);
	return 0;

err_answer:
	(void)ng_delete(ng, call_id);	/* rtpengine would hold the half call until its timeout */
	free(plain_offer);
err_offer:
err_args:
	return rc;
}

int ng_delete(struct ng_client *ng, const char *call_id)
{
	struct ng_benc e;

	req_begin(ng, &e, "delete");
	ng_benc_kv(&e, "call-id", call_id);
	return transact(ng, &e, NULL, 0);
}

/* An integer that rtpengine may send as a bencoded int or as a decimal string. */
static long long dict_num(const struct ng_bdoc *doc, int dict, const char *key)
{
	int idx = ng_bdict_get(doc, dict, key);
	char tmp[32], *end;
	long long v;

	if (idx < 0)
		return -1;
	if (doc->nodes[idx].type == NG_B_INT)
		return doc->nodes[idx].i;
	if (ng_bstr_copy(doc, idx, tmp, sizeof(tmp)) != 0)
		return -1;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	return errno == 0 && end != tmp && *end == '\0' ? v : -1;
}

int ng_statistics(struct ng_client *ng, struct ng_stats *out)
{
	struct ng_benc e;
	int rc, st, cur, tot;

	req_begin(ng, &e, "statistics");
	rc = transact(ng, &e, NULL, 0);
	if (rc != 0)
		return rc;
	st = ng_bdict_get(&ng->doc, 0, "statistics");
	cur = ng_bdict_get(&ng->doc, st, "currentstatistics");
	tot = ng_bdict_get(&ng->doc, st, "totalstatistics");
	if (cur < 0) {
		ng->ctr[NG_CTR_BAD_REPLIES]++;
		return -EPROTO;
	}
	out->sessions_own = (long)dict_num(&ng->doc, cur, "sessionsown");
	out->sessions_total = (long)dict_num(&ng->doc, cur, "sessionstotal");
	out->relayed_packets = dict_num(&ng->doc, tot, "relayedpackets");
	out->relayed_errors = dict_num(&ng->doc, tot, "relayedpacketerrors");
	return 0;
}

long ng_current_sessions(struct ng_client *ng)
{
	struct ng_stats s;
	int rc = ng_statistics(ng, &s);

	if (rc != 0)
		return rc;
	if (s.sessions_own < 0)
		return -EPROTO;
	return s.sessions_own;
}

int ng_rtp_answer_sdp(char *buf, size_t len, const char *ip, uint16_t port, unsigned pt)
{
	const char *fam = strchr(ip, ':') != NULL ? "IP6" : "IP4";
	int n;

	if (ip[0] == '\0' || strpbrk(ip, " \r\n") != NULL || pt > 127)
		return -EINVAL;
	n = snprintf(buf, len,
		     "v=0\r\n"
		     "o=- 1 1 IN %s %s\r\n"
		     "s=-\r\n"
		     "c=IN %s %s\r\n"
		     "t=0 0\r\n"
		     "m=audio %u RTP/AVP %u\r\n"
		     "a=rtpmap:%u PCMU/8000\r\n"
		     "a=ptime:20\r\n"
		     "a=sendrecv\r\n",
		     fam, ip, fam, ip, port, pt, pt);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* Whether the m= line @p m (up to @p end) lists format @p pt. */
static bool m_lists(const char *m, const char *end, unsigned pt)
{
	/* "m=audio <port> <proto> <fmt> <fmt>...": formats from the 4th field */
	unsigned field = 0;

	for (const char *p = m; p < end;) {
		const char *tok;
		char *stop;
		unsigned long v;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		tok = p;
		while (p < end && *p != ' ')
			p++;
		if (++field < 4 || !isdigit((unsigned char)*tok))
			continue;
		v = strtoul(tok, &stop, 10);
		if (stop == p && v == pt)
			return true;
	}
	return false;
}

int ng_sdp_pcmu_pt(const char *sdp)
{
	const char *m = NULL, *m_end, *p;

	for (p = sdp; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "m=audio ", 8) == 0) {
			m = p;
			break;
		}
	}
	if (m == NULL)
		return -ENOENT;
	m_end = m + strcspn(m, "\r\n");
	for (p = strchr(m, '\n'); p != NULL && p[1] != '\0' && strncmp(p + 1, "m=", 2) != 0;
	     p = strchr(p + 1, '\n')) {
		unsigned pt;
		char name[16];

		if (sscanf(p + 1, "a=rtpmap:%u %15[^/]/8000", &pt, name) == 2 &&
		    strcasecmp(name, "PCMU") == 0 && pt <= 127 && m_lists(m, m_end, pt))
			return (int)pt;
	}
	return m_lists(m, m_end, 0) ? 0 : -ENOENT;
}
