/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge's front door: connections, dispatch by method, counters, and the
 * bad-input rules (RFC 7118 + the house rules): a message that does not
 * parse is answered 400 when it is a request we can still answer, else
 * dropped; both are counted and logged (rate-limited), the connection stays.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sipws_pvt.h"

struct edge sipws;

static const char *const counter_names[TZ_SIPWS_CTR_COUNT] = {
#define CNAME(e, n) [TZ_SIPWS_##e] = n,
	TZ_SIPWS_COUNTERS(CNAME)
#undef CNAME
};

const char *tz_sipws_counter_name(enum tz_sipws_counter c)
{
	return (unsigned)c < TZ_SIPWS_CTR_COUNT ? counter_names[c] : "?";
}

const uint64_t *tz_sipws_counters(void)
{
	return sipws.ctr;
}

static void sconn_free(gpointer p)
{
	struct sconn *sc = p;

	sipws_dialogs_free(sc);
	g_hash_table_destroy(sc->dialogs);
	g_free(sc);
}

int tz_sipws_init(const struct tz_sipws_env *env)
{
	memset(&sipws, 0, sizeof(sipws));
	sipws.env = *env;
	sipws.conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, sconn_free);
	return 0;
}

void tz_sipws_set_config(const struct tz_config *cfg)
{
	sipws.env.cfg = cfg;
}

void tz_sipws_shutdown(void)
{
	GHashTableIter it;
	gpointer v;

	if (sipws.conns == NULL)
		return;
	g_hash_table_iter_init(&it, sipws.conns);
	while (g_hash_table_iter_next(&it, NULL, &v))
		sipws_binding_drop(v);
	g_hash_table_destroy(sipws.conns);
	sipws.conns = NULL;
	sipws_reg_shutdown();
}

struct sconn *sipws_conn(void *conn)
{
	return sipws.conns != NULL ? g_hash_table_lookup(sipws.conns, conn) : NULL;
}

void tz_sipws_on_open(void *conn)
{
	struct sconn *sc;
	const char *peer, *end;

	if (sipws.conns == NULL || sipws_conn(conn) != NULL)
		return;
	sc = g_new0(struct sconn, 1);
	sc->conn = conn;
	sc->serial = ++sipws.next_serial;
	sc->dialogs = g_hash_table_new(g_str_hash, g_str_equal);
	sc->tls = sipws.env.is_tls != NULL && sipws.env.is_tls(conn);
	peer = sipws.env.peer != NULL ? sipws.env.peer(conn) : NULL;
	if (peer != NULL) {
		if (peer[0] == '[') {
			peer++;
			end = strchr(peer, ']');
		} else {
			end = strrchr(peer, ':');
		}
		g_strlcpy(sc->ip, peer, end != NULL ? MIN(sizeof(sc->ip), (size_t)(end - peer) + 1)
						     : sizeof(sc->ip));
	}
	g_hash_table_insert(sipws.conns, conn, sc);
}

void tz_sipws_on_close(void *conn)
{
	struct sconn *sc = sipws_conn(conn);

	if (sc == NULL)
		return;
	/* calls first (the manager ends them on its own close), then the binding */
	sipws_binding_drop(sc);
	g_hash_table_remove(sipws.conns, conn);
}

void sipws_send(struct sconn *sc, GString *text)
{
	if (sipws.env.send(sc->conn, text->str, text->len) == 0)
		sipws_count(TZ_SIPWS_MSG_OUT);
	g_string_free(text, TRUE);
}

void sipws_reply(struct sconn *sc, const struct sipws_msg *req, int status, const char *phrase,
		 const char *extra)
{
	sipws_send(sc, sipws_response(req, status, phrase, NULL, extra, NULL, NULL));
}

/* Peer-triggered warnings: at most 20 per 10 s. */
static bool log_allowed(void)
{
	static int64_t start;
	static unsigned n;
	int64_t now = g_get_monotonic_time();

	if (now - start > 10 * G_USEC_PER_SEC) {
		start = now;
		n = 0;
	}
	return n++ < 20;
}

static void on_bad(struct sconn *sc, struct sipws_msg *m, const char *why)
{
	g_autofree char *phrase = g_strdup_printf("Bad Request (%s)", why);

	sipws_count(TZ_SIPWS_MALFORMED);
	if (log_allowed())
		TZ_LOG(CP_WS, NOTICE, "SIP over WebSocket from %s: %s: %s", sc->ip,
		       m->sip != NULL && m->sip->sip_request != NULL ? "400" : "dropped", why);
	/* Answerable: a request (not ACK) whose Via, From, To, Call-ID and CSeq are there. */
	if (m->sip != NULL && m->sip->sip_request != NULL &&
	    m->sip->sip_request->rq_method != sip_method_ack && m->sip->sip_via != NULL &&
	    m->sip->sip_from != NULL && m->sip->sip_to != NULL && m->sip->sip_call_id != NULL &&
	    m->sip->sip_cseq != NULL)
		sipws_reply(sc, m, 400, phrase, NULL);
}

static const struct {
	sip_method_t method;
	enum tz_sipws_counter ctr;
} method_ctr[] = {
	{ sip_method_register, TZ_SIPWS_REQ_REGISTER },
	{ sip_method_invite, TZ_SIPWS_REQ_INVITE },
	{ sip_method_ack, TZ_SIPWS_REQ_ACK },
	{ sip_method_bye, TZ_SIPWS_REQ_BYE },
	{ sip_method_cancel, TZ_SIPWS_REQ_CANCEL },
	{ sip_method_info, TZ_SIPWS_REQ_INFO },
	{ sip_method_message, TZ_SIPWS_REQ_MESSAGE },
	{ sip_method_options, TZ_SIPWS_REQ_OPTIONS },
	{ sip_method_refer, TZ_SIPWS_REQ_REFER },
};

static void count_request(const struct sipws_msg *m)
{
	for (size_t i = 0; i < G_N_ELEMENTS(method_ctr); i++) {
		if (method_ctr[i].method == m->method) {
			if (m->method == sip_method_invite && m->sip->sip_to->a_tag != NULL)
				sipws_count(TZ_SIPWS_REQ_REINVITE);
			else
				sipws_count(method_ctr[i].ctr);
			return;
		}
	}
	sipws_count(TZ_SIPWS_REQ_OTHER);
}

void tz_sipws_on_message(void *conn, const char *buf, size_t len)
{
	struct sconn *sc = sipws_conn(conn);
	struct sipws_msg m;
	char why[128];

	if (sc == NULL)
		return;
	sipws_count(TZ_SIPWS_MSG_IN);
	if (sipws_parse(buf, len, &m, why, sizeof(why)) != 0) {
		on_bad(sc, &m, why);
		sipws_msg_clear(&m);
		return;
	}
	if (!m.request) {
		sipws_count(TZ_SIPWS_RESPONSES_IN);
		sipws_on_response(sc, &m);
	} else {
		count_request(&m);
		if (m.method == sip_method_register)
			sipws_on_register(sc, &m);
		else
			sipws_on_request(sc, &m);
	}
	sipws_msg_clear(&m);
}

void tz_sipws_deliver(void *conn, const struct tz_jsep_out *out)
{
	struct sconn *sc = sipws_conn(conn);

	if (sc != NULL)
		sipws_dialog_deliver(sc, out);
}
