/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP module's side of SIP over WebSocket (issue 10): relayed
 * registrations, INVITE with the caller's identity and credentials, MESSAGE
 * both ways.  tz_sip listens on 127.0.0.1:TZ_PORT (udp, tcp); the far end is a
 * raw SIP peer written here on 127.0.0.1:PEER_PORT (it reads every header and
 * computes digests), or the lab's Kamailio config moved to 127.0.0.1:KAM_PORT
 * (all three found free at start).
 * Fixed ports: run it alone (is_parallel: false) and under /tmp/tz-test.lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "tz_sip.h"
#include "sip_test_loop.h"

/* Found free at group set-up: our listener, the raw peer's and Kamailio's. */
static uint16_t ports[3];
#define TZ_PORT ports[0]
#define PEER_PORT ports[1]
#define KAM_PORT ports[2]

static const char offer[] =
	"v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 17000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n";

struct world {
	struct tz_sip *sip;
	struct tz_sip_leg *leg;
	int ended, end_status;
	bool keep_leg;          /* on_ended leaves the leg to the test */
	int msg_calls, msg_status;
	char msg_to[64], msg_token[64], msg_from[128], msg_display[64], msg_ct[64], msg_body[64];
	size_t msg_len;
	size_t msg_src_trunks;  /* the MESSAGE's source (tenants: whose users it reaches) */
	const struct tz_cfg_trunk *msg_src_trunk, *msg_src_trunk2;
	char msg_src_host[64];
};

static struct world w;

static void on_ended(struct tz_sip_leg *leg, int status, const char *reason, void *user)
{
	w.ended++;
	w.end_status = status;
	if (w.keep_leg)
		return; /* the test reads the leg (tz_sip_leg_challenges) and frees it */
	tz_sip_leg_free(leg);
	w.leg = NULL;
}

static int on_message(const char *to_user, const char *token, const char *from_uri,
		      const char *display, const char *ct, const char *body, size_t len,
		      const struct tz_sip_source *src, void *user)
{
	w.msg_calls++;
	g_strlcpy(w.msg_to, to_user, sizeof(w.msg_to));
	g_strlcpy(w.msg_token, token ? token : "", sizeof(w.msg_token));
	g_strlcpy(w.msg_from, from_uri, sizeof(w.msg_from));
	g_strlcpy(w.msg_display, display ? display : "", sizeof(w.msg_display));
	g_strlcpy(w.msg_ct, ct, sizeof(w.msg_ct));
	w.msg_len = len;
	memcpy(w.msg_body, body, MIN(len, sizeof(w.msg_body)));
	w.msg_src_trunks = src != NULL ? src->n_trunks : 99;
	w.msg_src_trunk = src != NULL && src->n_trunks > 0 ? src->trunks[0] : NULL;
	w.msg_src_trunk2 = src != NULL && src->n_trunks > 1 ? src->trunks[1] : NULL;
	g_strlcpy(w.msg_src_host, src != NULL && src->request_host != NULL ? src->request_host : "",
		  sizeof(w.msg_src_host));
	return w.msg_status;
}

static const struct tz_sip_handlers handlers = {
	.on_ended = on_ended,
	.on_message = on_message,
};

static struct tz_cfg_hostport listen_on = { .host = "127.0.0.1" }; /* .port: set-up */
/* "peer" and more trunks at its address than a source holds
 * (TZ_SIP_SOURCE_TRUNKS_MAX): eight of the default tenant, then one of
 * tenant 1 (an SBC in front of several tenants' PBXs). */
#define PEER_TRUNK(n, t) { .name = n, .address = { .host = "127.0.0.1" }, /* .port: set-up */ \
			   .transport = TZ_SIP_UDP, .tenant = t }
static struct tz_cfg_trunk cfg_trunks[] = {
	PEER_TRUNK("peer", 0), PEER_TRUNK("peer-2", 0), PEER_TRUNK("peer-3", 0),
	PEER_TRUNK("peer-4", 0), PEER_TRUNK("peer-5", 0), PEER_TRUNK("peer-6", 0),
	PEER_TRUNK("peer-7", 0), PEER_TRUNK("peer-8", 0), PEER_TRUNK("acme-sbc", 1),
};
static struct tz_cfg_sip cfg = {
	.listen = &listen_on,
	.n_listen = 1,
	.transports = TZ_SIP_UDP | TZ_SIP_TCP,
	.trunks = cfg_trunks,
	.n_trunks = G_N_ELEMENTS(cfg_trunks),
};

static struct tz_cfg_trunk trunk(void)
{
	struct tz_cfg_trunk t = {
		.name = "peer",
		.address = { .host = "127.0.0.1", .port = PEER_PORT },
		.transport = TZ_SIP_UDP,
		.answer_timeout_s = 10,
		.register_expires = 600,
	};
	return t;
}

static int group_setup(void **state)
{
	if (!sip_test_free_ports(ports, 3))
		return -1;
	listen_on.port = TZ_PORT;
	for (size_t i = 0; i < G_N_ELEMENTS(cfg_trunks); i++)
		cfg_trunks[i].address.port = PEER_PORT;
	w.sip = tz_sip_start(&cfg, &handlers, NULL);
	return w.sip ? 0 : -1;
}

static int group_teardown(void **state)
{
	tz_sip_stop(w.sip);
	return 0;
}

static void raw_stop(void);
static void kam_stop(void);

/* After each test, also a failed one: nothing of it keeps a port or runs on. */
static int cleanup(void **state)
{
	raw_stop();
	kam_stop();
	return 0;
}

static int reset(void **state)
{
	struct tz_sip *sip = w.sip;

	memset(&w, 0, sizeof(w));
	w.sip = sip;
	return 0;
}

/*
 * A raw SIP peer on 127.0.0.1:PEER_PORT (UDP) written here rather than in sipp:
 * the tests read every header the agent sent (Authorization verbatim,
 * Expires, Contact) and compute digest answers.  It keeps each request and
 * answers through raw.respond().
 */
#define RAW_MAX 16
struct raw_peer {
	int fd;
	guint watch;
	int n;                          /* requests received (ACKs not counted) */
	int resp_status;                /* last final response received */
	char *req[RAW_MAX];
	char *(*respond)(const char *req, int n);
};
static struct raw_peer raw;

/* Value of header @p name (first occurrence, case-insensitive), g_free() it, or NULL. */
static char *hdr(const char *msg, const char *name)
{
	g_auto(GStrv) lines = g_strsplit(msg, "\r\n", -1);
	size_t n = strlen(name);

	for (size_t i = 1; lines[i] && *lines[i]; i++)
		if (!g_ascii_strncasecmp(lines[i], name, n) && lines[i][n] == ':')
			return g_strstrip(g_strdup(lines[i] + n + 1));
	return NULL;
}

/* All header lines @p name, verbatim ("Via: ...\r\n" ...). */
static GString *hdr_lines(const char *msg, const char *name, GString *out)
{
	g_auto(GStrv) lines = g_strsplit(msg, "\r\n", -1);
	size_t n = strlen(name);

	for (size_t i = 1; lines[i] && *lines[i]; i++)
		if (!g_ascii_strncasecmp(lines[i], name, n) && lines[i][n] == ':')
			g_string_append_printf(out, "%s\r\n", lines[i]);
	return out;
}

/* A digest parameter's value (quotes removed), g_free() it, or NULL. */
static char *dparam(const char *h, const char *name)
{
	g_autofree char *pat = g_strdup_printf("%s=", name);
	const char *p = h;

	while ((p = strstr(p, pat)) != NULL) {
		if (p == h || p[-1] == ' ' || p[-1] == ',')
			break;
		p++;
	}
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"')
		return g_strndup(p + 1, strcspn(p + 1, "\""));
	return g_strndup(p, strcspn(p, ", "));
}

static char *md5(const char *s)
{
	return g_compute_checksum_for_string(G_CHECKSUM_MD5, s, -1);
}

/* RFC 2617 without qop: MD5(MD5(user:realm:pass):nonce:MD5(method:uri)). */
static char *digest(const char *user, const char *realm, const char *pass, const char *nonce,
		    const char *method, const char *uri)
{
	g_autofree char *a1 = g_strdup_printf("%s:%s:%s", user, realm, pass);
	g_autofree char *a2 = g_strdup_printf("%s:%s", method, uri);
	g_autofree char *h1 = md5(a1), *h2 = md5(a2);
	g_autofree char *all = g_strdup_printf("%s:%s:%s", h1, nonce, h2);

	return md5(all);
}

/* The browser's side: an Authorization value for @p challenge. */
static char *browser_auth(const char *challenge, const char *method, const char *uri,
			  const char *pass)
{
	g_autofree char *realm = dparam(challenge, "realm"), *nonce = dparam(challenge, "nonce");
	g_autofree char *resp = digest("alice", realm, pass, nonce, method, uri);

	return g_strdup_printf("Digest username=\"alice\", realm=\"%s\", nonce=\"%s\", "
			       "uri=\"%s\", response=\"%s\", algorithm=MD5", realm, nonce, uri, resp);
}

/* Whether the request's Authorization (or Proxy-) is right for password "secret". */
static bool auth_valid(const char *req, const char *hname)
{
	g_autofree char *a = hdr(req, hname);
	g_autofree char *user = a ? dparam(a, "username") : NULL;
	g_autofree char *realm = a ? dparam(a, "realm") : NULL;
	g_autofree char *nonce = a ? dparam(a, "nonce") : NULL;
	g_autofree char *uri = a ? dparam(a, "uri") : NULL;
	g_autofree char *resp = a ? dparam(a, "response") : NULL;
	g_autofree char *method = g_strndup(req, strcspn(req, " "));
	g_autofree char *want = NULL;

	if (!user || !realm || !nonce || !uri || !resp)
		return false;
	want = digest(user, realm, "secret", nonce, method, uri);
	return !strcmp(want, resp);
}

/* A response to @p req: its Via, From, To (with a tag), Call-ID and CSeq. */
static char *reply(const char *req, int status, const char *reason, const char *extra,
		   const char *body)
{
	GString *r = g_string_new(NULL);
	g_autofree char *from = hdr(req, "From"), *to = hdr(req, "To");
	g_autofree char *cid = hdr(req, "Call-ID"), *cseq = hdr(req, "CSeq");

	g_string_append_printf(r, "SIP/2.0 %d %s\r\n", status, reason);
	hdr_lines(req, "Via", r);
	g_string_append_printf(r, "From: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n",
			       from, to, strstr(to, "tag=") ? "" : ";tag=raw1", cid, cseq);
	g_string_append(r, extra ? extra : "");
	g_string_append_printf(r, "Content-Length: %zu\r\n\r\n%s", body ? strlen(body) : 0,
			       body ? body : "");
	return g_string_free(r, FALSE);
}

static gboolean raw_readable(gint fd, GIOCondition cond, gpointer data)
{
	char buf[8192];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
	char *resp;

	if (n <= 0)
		return G_SOURCE_CONTINUE;
	buf[n] = '\0';
	if (!strncmp(buf, "SIP/2.0 ", 8) && atoi(buf + 8) >= 200)
		raw.resp_status = atoi(buf + 8);
	if (!strncmp(buf, "ACK ", 4) || !strncmp(buf, "SIP/2.0", 7))
		return G_SOURCE_CONTINUE;
	if (raw.n < RAW_MAX)
		raw.req[raw.n] = g_strdup(buf);
	raw.n++;
	resp = raw.respond ? raw.respond(buf, raw.n) : NULL;
	if (resp)
		sendto(fd, resp, strlen(resp), 0, (struct sockaddr *)&from, fl);
	g_free(resp);
	return G_SOURCE_CONTINUE;
}

static void raw_start(char *(*respond)(const char *, int))
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };

	memset(&raw, 0, sizeof(raw));
	raw.respond = respond;
	raw.fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(raw.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	raw.watch = g_unix_fd_add(raw.fd, G_IO_IN, raw_readable, NULL);
}

static void raw_stop(void)
{
	if (!raw.watch)
		return;
	g_source_remove(raw.watch);
	close(raw.fd);
	for (int i = 0; i < RAW_MAX; i++)
		g_free(raw.req[i]);
	memset(&raw, 0, sizeof(raw));
}

static const char challenge1[] =
	"Digest realm=\"example.test\", nonce=\"n0nce-4711\", algorithm=MD5";
static const char challenge2[] = "Digest realm=\"example.test\", nonce=\"other-1\", "
				 "algorithm=SHA-256, qop=\"auth\"";
static bool registrar_refuses_unregister;

/* A registrar for domain example.test: 401 with two challenges without credentials,
 * 403 for wrong ones, 200 with another device's binding and ours (at most 120 s). */
static char *registrar(const char *req, int n)
{
	g_autofree char *auth = hdr(req, "Authorization"), *exp = hdr(req, "Expires");
	g_autofree char *contact = hdr(req, "Contact"), *extra = NULL;
	unsigned e = exp ? (unsigned)atoi(exp) : 3600;

	if (!auth || (e == 0 && registrar_refuses_unregister)) {
		extra = g_strdup_printf("WWW-Authenticate: %s\r\nWWW-Authenticate: %s\r\n",
					challenge1, challenge2);
		return reply(req, 401, "Unauthorized", extra, NULL);
	}
	if (!auth_valid(req, "Authorization"))
		return reply(req, 403, "Forbidden", NULL, NULL);
	if (e == 0)
		return reply(req, 200, "OK",
			     "Contact: <sip:alice@198.51.100.9:5060;transport=udp>;expires=3000\r\n",
			     NULL);
	extra = g_strdup_printf("Contact: <sip:alice@198.51.100.9:5060;transport=udp>;expires=3000, "
				"%s;expires=%u\r\n", contact, MIN(e, 120u));
	return reply(req, 200, "OK", extra, NULL);
}

struct relay_seen {
	int calls, status;
	uint32_t expires;
	char *challenges[4];
	bool unregister_in_cb;
};
static struct relay_seen rs;

static void relay_cb(struct tz_sip_reg *reg, const struct tz_sip_reg_result *r, void *user)
{
	for (int i = 0; i < 4; i++)
		g_clear_pointer(&rs.challenges[i], g_free);
	rs.calls++;
	rs.status = r->status;
	rs.expires = r->expires;
	for (int i = 0; r->challenges && r->challenges[i] && i < 3; i++)
		rs.challenges[i] = g_strdup(r->challenges[i]);
	assert_true(r->status != 401 || r->challenges);
	assert_true(r->status == 401 || r->status == 407 || !r->challenges);
}

static uint64_t ctr(enum tz_sip_counter c)
{
	uint64_t v[TZ_SIP_CTR_COUNT];

	tz_sip_counters(w.sip, v);
	return v[c];
}

static void rs_reset(void)
{
	for (int i = 0; i < 4; i++)
		g_free(rs.challenges[i]);
	memset(&rs, 0, sizeof(rs));
}

/* Digest passthrough: 401 values reach the browser verbatim, its answer goes out
 * verbatim, 200 gives OUR contact's expiry only, the un-REGISTER carries the last
 * credentials with Expires: 0. */
static void test_relay_register_digest(void **state)
{
	struct tz_cfg_trunk t = trunk();
	uint64_t sent = ctr(TZ_SIP_CTR_RELAY_REGISTERS), ch = ctr(TZ_SIP_CTR_RELAY_REG_CHALLENGES);
	uint64_t ok = ctr(TZ_SIP_CTR_RELAY_REG_OK), bad = ctr(TZ_SIP_CTR_RELAY_REG_FAILED);
	struct tz_sip_reg *reg;
	g_autofree char *good = NULL, *wrong = NULL, *cid1 = NULL, *cid3 = NULL;
	g_autofree char *contact = NULL, *cseq = NULL, *auth = NULL, *exp = NULL, *contact0 = NULL;

	rs_reset();
	registrar_refuses_unregister = false;
	raw_start(registrar);
	reg = tz_sip_register_relay(w.sip, &t, "alice", "example.test",
				    "+sip.instance=\"<urn:uuid:0c5e-1>\";reg-id=1", relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(raw.n, 0); /* nothing sent yet */
	assert_int_equal(tz_sip_register_relay_send(reg, 600, NULL, false), 0);
	assert_int_equal(tz_sip_register_relay_send(reg, 600, NULL, false), -EBUSY);
	WAIT_FOR(rs.calls == 1, 5);
	assert_int_equal(rs.status, 401);
	assert_string_equal(rs.challenges[0], challenge1);
	assert_string_equal(rs.challenges[1], challenge2);
	assert_null(rs.challenges[2]);
	assert_true(!strncmp(raw.req[0], "REGISTER sip:example.test SIP/2.0\r\n", 35));
	contact = hdr(raw.req[0], "Contact");
	g_autofree char *want = g_strdup_printf("<sip:alice@127.0.0.1:%u;tz=", TZ_PORT);
	assert_non_null(strstr(contact, want));
	assert_non_null(strstr(contact, tz_sip_reg_contact_token(reg)));
	assert_non_null(strstr(contact, ";+sip.instance=\"<urn:uuid:0c5e-1>\";reg-id=1"));
	cid1 = hdr(raw.req[0], "Call-ID");

	wrong = browser_auth(rs.challenges[0], "REGISTER", "sip:example.test", "guess");
	assert_int_equal(tz_sip_register_relay_send(reg, 600, wrong, false), 0);
	WAIT_FOR(rs.calls == 2, 5);
	assert_int_equal(rs.status, 403);

	good = browser_auth(challenge1, "REGISTER", "sip:example.test", "secret");
	assert_int_equal(tz_sip_register_relay_send(reg, 600, good, false), 0);
	WAIT_FOR(rs.calls == 3, 5);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.expires, 120);   /* ours, not the other device's 3000 */
	auth = hdr(raw.req[2], "Authorization");
	assert_string_equal(auth, good);     /* verbatim */
	cid3 = hdr(raw.req[2], "Call-ID");
	assert_string_equal(cid1, cid3);
	cseq = hdr(raw.req[2], "CSeq");
	assert_string_equal(cseq, "3 REGISTER");

	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REGISTERS) - sent, 3);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REG_CHALLENGES) - ch, 1);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REG_OK) - ok, 1);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REG_FAILED) - bad, 1);

	tz_sip_unregister(reg);
	WAIT_FOR(raw.n == 4, 5);
	assert_int_equal(raw.n, 4);
	exp = hdr(raw.req[3], "Expires");
	assert_string_equal(exp, "0");
	g_free(auth);
	auth = hdr(raw.req[3], "Authorization");
	assert_string_equal(auth, good);
	contact0 = hdr(raw.req[3], "Contact");
	assert_string_equal(contact0, contact);  /* our binding only, not '*' */
	assert_int_equal(rs.calls, 3);           /* the callback is gone */
	raw_stop();
	rs_reset();
}

/* A stale nonce at un-REGISTER: one try, counted, never a loop. */
static void test_relay_unregister_refused(void **state)
{
	struct tz_cfg_trunk t = trunk();
	uint64_t refused = ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED);
	struct tz_sip_reg *reg;
	g_autofree char *good = browser_auth(challenge1, "REGISTER", "sip:example.test", "secret");

	rs_reset();
	registrar_refuses_unregister = true;
	raw_start(registrar);
	reg = tz_sip_register_relay(w.sip, &t, "alice", "example.test", NULL, relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(tz_sip_register_relay_send(reg, 300, good, false), 0);
	WAIT_FOR(rs.calls == 1, 5);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.expires, 120);
	tz_sip_unregister(reg);
	WAIT_FOR(ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED) > refused, 5);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED) - refused, 1);
	WAIT_FOR(raw.n > 2, 1);                  /* a retry would come now */
	assert_int_equal(raw.n, 2);
	registrar_refuses_unregister = false;
	raw_stop();
	rs_reset();
}

/*
 * The lab's Kamailio (tests/sip/kamailio/kamailio.cfg, moved to 127.0.0.1:KAM_PORT)
 * as the registrar of a relayed registration: its real 401, the digest the
 * "browser" computes for it, its 200 with the binding, and the un-REGISTER with
 * the reused credentials removing the binding.  Skipped without kamailio.
 */
static const char kam_bin[] = "/usr/sbin/kamailio";

static GPid kam_pid;
static char *kam_dir;
static guint kam_tick;

/* End the Kamailio we started (by its PID) and remove its directory. */
static void kam_stop(void)
{
	int status;

	if (kam_tick)
		g_source_remove(kam_tick);
	kam_tick = 0;
	if (kam_pid) {
		kill(kam_pid, SIGTERM);
		for (int i = 0; i < 250 && waitpid(kam_pid, &status, WNOHANG) == 0; i++)
			g_usleep(20000);
		g_spawn_close_pid(kam_pid);
		kam_pid = 0;
	}
	if (kam_dir) {
		GDir *d = g_dir_open(kam_dir, 0, NULL);
		const char *name;

		while (d && (name = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(kam_dir, name, NULL);

			g_unlink(p);
		}
		if (d)
			g_dir_close(d);
		g_rmdir(kam_dir);
		g_clear_pointer(&kam_dir, g_free);
	}
}

static gboolean tick(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

static char *kam_log(const char *dir)
{
	g_autofree char *p = g_build_filename(dir, "kam.log", NULL);
	char *text = NULL;

	g_file_get_contents(p, &text, NULL, NULL);
	return text ? text : g_strdup("");
}

static bool kam_logged(const char *dir, const char *what)
{
	g_autofree char *log = kam_log(dir);

	return strstr(log, what) != NULL;
}

static void test_relay_register_kamailio(void **state)
{
	struct tz_cfg_trunk t = trunk();
	g_autofree char *cfg = NULL, *dir = NULL, *cfgp = NULL;
	g_autofree char *cmd = NULL, *good = NULL, *bye = NULL;
	g_autoptr(GError) err = NULL;
	uint64_t refused = ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED);
	struct tz_sip_reg *reg;
	GString *c;
	int status;

	if (access(kam_bin, X_OK) != 0)
		skip();
	assert_false(port_bound(KAM_PORT));     /* no stale Kamailio answers for ours */
	kam_dir = g_dir_make_tmp("tz-kam-XXXXXX", NULL);
	dir = g_strdup(kam_dir);
	cfgp = g_build_filename(dir, "kamailio.cfg", NULL);
	assert_true(g_file_get_contents(KAMAILIO_CFG, &cfg, NULL, NULL));
	c = g_string_new(cfg);
	g_autofree char *kam_listen = g_strdup_printf("listen=udp:127.0.0.1:%u", KAM_PORT);
	g_autofree char *kam_alias = g_strdup_printf("alias=\"127.0.0.1:%u\"", KAM_PORT);
	g_string_replace(c, "listen=udp:203.0.113.3:5060", kam_listen, 0);
	g_string_replace(c, "alias=\"203.0.113.3:5060\"", kam_alias, 0);
	assert_true(g_file_set_contents(cfgp, c->str, -1, NULL));
	g_string_free(c, TRUE);
	cmd = g_strdup_printf("exec %s -f %s -DD -E -Y %s -P %s/kam.pid -m 32 -M 4 -w %s "
			      "-A 'CTL_SOCKET=\"unix:%s/ctl\"' 2>%s/kam.log", kam_bin, cfgp, dir,
			      dir, dir, dir, dir);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	assert_true(g_spawn_async(dir, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
				  &kam_pid, &err));
	for (int i = 0; i < 250 && !port_bound(KAM_PORT); i++)
		g_usleep(20000);
	assert_true(port_bound(KAM_PORT));
	assert_int_equal(waitpid(kam_pid, &status, WNOHANG), 0);   /* ours holds it */
	kam_tick = g_timeout_add(50, tick, NULL);   /* wake the loop to poll Kamailio's log */

	rs_reset();
	t.address.port = KAM_PORT;
	reg = tz_sip_register_relay(w.sip, &t, "alice", "203.0.113.3",
				    "+sip.instance=\"<urn:uuid:kam-1>\"", relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(tz_sip_register_relay_send(reg, 600, NULL, false), 0);
	WAIT_FOR(rs.calls == 1, 5);
	assert_int_equal(rs.status, 401);
	assert_non_null(rs.challenges[0]);
	assert_non_null(strstr(rs.challenges[0], "realm=\"203.0.113.3\""));
	good = browser_auth(rs.challenges[0], "REGISTER", "sip:203.0.113.3", "secret");
	assert_int_equal(tz_sip_register_relay_send(reg, 600, good, false), 0);
	WAIT_FOR(rs.calls == 2, 5);
	assert_int_equal(rs.status, 200);
	assert_true(rs.expires > 0 && rs.expires <= 600);
	WAIT_FOR(kam_logged(dir, "expires 600: saved"), 5);
	assert_true(kam_logged(dir, tz_sip_reg_contact_token(reg)));

	tz_sip_unregister(reg);
	WAIT_FOR(kam_logged(dir, "expires 0: saved"), 5);
	assert_true(kam_logged(dir, "expires 0: saved"));
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED), refused);

	rs_reset();
	kam_stop();
}

static void test_relay_bad_input(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_reg *reg;

	assert_null(tz_sip_register_relay(w.sip, &t, "alice", "exa mple", NULL, relay_cb, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(tz_sip_register_relay(w.sip, &t, "alice", "example.test",
					  "x=1\r\nVia: evil", relay_cb, NULL));
	assert_null(tz_sip_register_relay(w.sip, &t, "alice", "example.test",
					  "x=1>,<sip:evil@x", relay_cb, NULL));
	assert_null(tz_sip_register_relay(w.sip, &t, "al ice", "example.test", NULL, relay_cb, NULL));
	reg = tz_sip_register_relay(w.sip, &t, "alice", "[2001:db8::1]:5060", NULL, relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(tz_sip_register_relay_send(reg, 60, "Digest x\r\nVia: evil", false),
			 -EINVAL);
	tz_sip_unregister(reg); /* never registered: nothing sent */
}

static const char proxy_challenge[] =
	"Digest realm=\"203.0.113.3\", nonce=\"inv-n0nce\", algorithm=MD5";

/* A proxy that wants the caller's own credentials: 407 without them, 403 for
 * wrong ones, 486 (busy: no dialog to tear down) for right ones. */
static char *auth_proxy(const char *req, int n)
{
	g_autofree char *extra = NULL, *pa = hdr(req, "Proxy-Authorization");

	if (!strncmp(req, "CANCEL ", 7) || !strncmp(req, "BYE ", 4))
		return reply(req, 200, "OK", NULL, NULL);
	if (!pa) {
		extra = g_strdup_printf("Proxy-Authenticate: %s\r\n", proxy_challenge);
		return reply(req, 407, "Proxy Authentication Required", extra, NULL);
	}
	if (!auth_valid(req, "Proxy-Authorization"))
		return reply(req, 403, "Forbidden", NULL, NULL);
	return reply(req, 486, "Busy Here", NULL, NULL);
}

/* A SIP-over-WS caller's INVITE: its From and P-Asserted-Identity; the 407 goes
 * back to the browser (not answered with the trunk's credentials); its answer
 * is carried verbatim. */
static void test_invite_opts_relay_challenge(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_invite_opts o = {
		.from_uri = "sip:alice@203.0.113.3", .from_display = "Alice \"A\"",
		.pai = "sip:alice@203.0.113.3", .relay_challenge = true,
	};
	struct tz_sip_leg *leg;
	g_autofree char *from = NULL, *pai = NULL, *pa = NULL, *cred = NULL;

	t.username = "trunkuser";
	t.password = "trunkpass";
	raw_start(auth_proxy);
	leg = tz_sip_invite_opts(w.sip, &t, "15551234", &o, offer, &w);
	assert_non_null(leg);
	w.leg = leg;
	w.keep_leg = true;
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 407);
	assert_non_null(tz_sip_leg_challenges(leg));
	assert_string_equal(tz_sip_leg_challenges(leg)[0], proxy_challenge);
	assert_null(tz_sip_leg_challenges(leg)[1]);
	assert_int_equal(raw.n, 1);          /* not answered with the trunk's password */
	from = hdr(raw.req[0], "From");
	assert_true(g_str_has_prefix(from, "\"Alice 'A'\" <sip:alice@203.0.113.3>;tag="));
	pai = hdr(raw.req[0], "P-Asserted-Identity");
	assert_string_equal(pai, "<sip:alice@203.0.113.3>");
	g_autofree char *ruri = g_strdup_printf("sip:15551234@127.0.0.1:%u;transport=udp",
						PEER_PORT);
	cred = browser_auth(tz_sip_leg_challenges(leg)[0], "INVITE", ruri, "secret");
	tz_sip_leg_free(leg);

	memset(&w.ended, 0, sizeof(w.ended));
	w.end_status = 0;
	w.keep_leg = false;
	o.authorization = cred;
	o.proxy_auth = true;
	leg = tz_sip_invite_opts(w.sip, &t, "15551234", &o, offer, &w);
	assert_non_null(leg);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 486);  /* the proxy took the browser's answer */
	pa = hdr(raw.req[1], "Proxy-Authorization");
	assert_string_equal(pa, cred);
	raw_stop();
}

static void test_invite_opts_bad_from(void **state)
{
	struct tz_cfg_trunk t = trunk();
	static const char *const bad[] = {
		"http://alice@x", "sip:alice@x\r\nVia: evil", "alice@x", "sip:a b@x",
		"sip:<alice@x>", "sip:", "",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct tz_sip_invite_opts o = { .from_uri = bad[i] };

		errno = 0;
		assert_null(tz_sip_invite_opts(w.sip, &t, "15551234", &o, offer, &w));
		assert_int_equal(errno, EINVAL);
	}
	struct tz_sip_invite_opts o2 = { .from_uri = "sip:alice@x", .authorization = "a\nb" };
	assert_null(tz_sip_invite_opts(w.sip, &t, "15551234", &o2, offer, &w));
	assert_int_equal(errno, EINVAL);
}

static char *msg_peer(const char *req, int n)
{
	return reply(req, 202, "Accepted", NULL, NULL);
}

static int msg_status;
static char msg_reason[64];
static void msg_cb(int status, const char *reason, void *user)
{
	msg_status = status;
	g_strlcpy(msg_reason, reason, sizeof(msg_reason));
	*(int *)user += 1;
}

/* Our MESSAGE: the browser's From, its text and type; the trunk's 202 reaches cb. */
static void test_message_out(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_invite_opts o = { .from_uri = "sip:alice@203.0.113.3", .from_display = "Alice" };
	static const char text[] = "hello \xc3\xa9 bob";
	uint64_t out = ctr(TZ_SIP_CTR_MESSAGE_OUT);
	int calls = 0;
	g_autofree char *ct = NULL, *from = NULL;
	g_autofree char *big = g_malloc0(TZ_SIP_MESSAGE_MAX + 1);

	raw_start(msg_peer);
	msg_status = 0;
	assert_int_equal(tz_sip_message(w.sip, &t, "bob", &o, "text/plain;charset=UTF-8", text,
					strlen(text), msg_cb, &calls), 0);
	assert_int_equal(calls, 0);
	WAIT_FOR(calls, 5);
	assert_int_equal(calls, 1);
	assert_int_equal(msg_status, 202);
	g_autofree char *line = g_strdup_printf("MESSAGE sip:bob@127.0.0.1:%u;transport=udp SIP/2.0\r\n",
						PEER_PORT);
	assert_true(g_str_has_prefix(raw.req[0], line));
	ct = hdr(raw.req[0], "Content-Type");
	assert_string_equal(ct, "text/plain;charset=UTF-8");
	from = hdr(raw.req[0], "From");
	assert_true(g_str_has_prefix(from, "\"Alice\" <sip:alice@203.0.113.3>"));
	assert_true(g_str_has_suffix(raw.req[0], "\r\n\r\nhello \xc3\xa9 bob"));
	assert_int_equal(ctr(TZ_SIP_CTR_MESSAGE_OUT) - out, 1);

	assert_int_equal(tz_sip_message(w.sip, &t, "bob", &o, "text/plain", big,
					TZ_SIP_MESSAGE_MAX + 1, msg_cb, &calls), -EINVAL);
	assert_int_equal(tz_sip_message(w.sip, &t, "bob", &o, "text/plain\r\nX: y", "a", 1,
					msg_cb, &calls), -EINVAL);
	o.from_uri = "tel:+1555";
	assert_int_equal(tz_sip_message(w.sip, &t, "bob", &o, "text/plain", "a", 1, msg_cb,
					&calls), -EINVAL);
	raw_stop();
}

/* A MESSAGE from the trunk reaches on_message with the registration's token; its
 * status is the answer.  Over 64 KiB: 413, the handler is not called. */
static void test_message_in(void **state)
{
	uint64_t in = ctr(TZ_SIP_CTR_MESSAGE_IN);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(TZ_PORT) };
	g_autofree char *m = g_strdup_printf(
		"MESSAGE sip:alice@127.0.0.1:%d;tz=0123abcd SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-msg-1\r\nMax-Forwards: 70\r\n"
		"From: \"Bob\" <sip:bob@203.0.113.3>;tag=b1\r\nTo: <sip:alice@203.0.113.3>\r\n"
		"Call-ID: msg-in-1@127.0.0.1\r\nCSeq: 1 MESSAGE\r\n"
		"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhi_yo", TZ_PORT, PEER_PORT);
	size_t mlen = strlen(m);
	GString *big = g_string_new(NULL);
	char buf[2048];
	size_t off = 0;
	ssize_t n;
	int tcp;

	raw_start(NULL);
	w.msg_status = 202;
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	m[mlen - 3] = '\0';            /* the body holds a NUL */
	sendto(raw.fd, m, mlen, 0, (struct sockaddr *)&to, sizeof(to));
	WAIT_FOR(raw.resp_status, 5);
	assert_int_equal(raw.resp_status, 202);
	assert_int_equal(w.msg_calls, 1);
	assert_string_equal(w.msg_to, "alice");
	assert_string_equal(w.msg_token, "0123abcd");
	assert_string_equal(w.msg_from, "sip:bob@203.0.113.3");
	assert_string_equal(w.msg_display, "Bob");
	assert_string_equal(w.msg_ct, "text/plain");
	assert_int_equal(w.msg_len, 5);
	assert_memory_equal(w.msg_body, "hi\0yo", 5);
	/* its source, 127.0.0.1, is nine trunks of two tenants: the source names
	 * both tenants (the first trunk of each), however many trunks the first
	 * tenant has there; its Request-URI host is 127.0.0.1 */
	assert_int_equal(w.msg_src_trunks, 2);
	assert_ptr_equal(w.msg_src_trunk, &cfg_trunks[0]);
	assert_ptr_equal(w.msg_src_trunk2, &cfg_trunks[8]);
	assert_string_equal(w.msg_src_host, "127.0.0.1");
	assert_int_equal(ctr(TZ_SIP_CTR_MESSAGE_IN) - in, 1);
	raw_stop();

	/* Over TCP (too large for a datagram). */
	g_string_append_printf(big, "MESSAGE sip:alice@127.0.0.1:%d SIP/2.0\r\n"
			       "Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-msg-2\r\n"
			       "Max-Forwards: 70\r\nFrom: <sip:bob@203.0.113.3>;tag=b2\r\n"
			       "To: <sip:alice@203.0.113.3>\r\nCall-ID: msg-in-2@127.0.0.1\r\n"
			       "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
			       "Content-Length: %d\r\n\r\n", TZ_PORT, TZ_SIP_MESSAGE_MAX + 1);
	for (int i = 0; i <= TZ_SIP_MESSAGE_MAX; i++)
		g_string_append_c(big, 'x');
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(tcp, (struct sockaddr *)&to, sizeof(to)), 0);
	while (off < big->len) {
		n = send(tcp, big->str + off, big->len - off, MSG_DONTWAIT);
		if (n > 0)
			off += (size_t)n;
		else
			g_main_context_iteration(NULL, FALSE);
	}
	n = 0;
	WAIT_FOR((n = recv(tcp, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0 ||
		 (g_main_context_iteration(NULL, FALSE), false), 5);
	assert_true(n > 12);
	buf[n] = '\0';
	assert_true(g_str_has_prefix(buf, "SIP/2.0 413 "));
	assert_int_equal(w.msg_calls, 1);
	close(tcp);
	g_string_free(big, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_register_digest, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_relay_unregister_refused, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_relay_register_kamailio, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_relay_bad_input, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_invite_opts_relay_challenge, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_invite_opts_bad_from, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_message_out, reset, cleanup),
		cmocka_unit_test_setup_teardown(test_message_in, reset, cleanup),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TZ_TEST_FILTER"))   /* run some tests only: TZ_TEST_FILTER='test_relay*' */
		cmocka_set_test_filter(getenv("TZ_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
