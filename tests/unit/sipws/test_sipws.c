/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP-over-WebSocket edge (issue 10) against fakes of its whole
 * environment (sipws_fakes.h), fed with real JsSIP and SIP.js messages
 * (fixtures/).  Every case asserts what the phone sees on its WebSocket
 * (status, To tag, Via, CSeq, body: parsed back with sofia), what the call
 * manager and the registrar are told, and the counters.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

#include "sipws_fakes.h"

static int the_conn;
#define C ((void *)&the_conn)

#define JSSIP_CONTACT "sip:4u1auo4n@bt1rmel9akla.invalid;transport=ws"
#define CHALLENGE "Digest realm=\"127.0.0.1\", nonce=\"5f1b9c\", algorithm=MD5, qop=\"auth\""
/* As JsSIP writes it: nc last. */
#define JSSIP_AUTH "Digest algorithm=MD5, username=\"alice\", realm=\"127.0.0.1\", " \
	"nonce=\"5f1b9c\", uri=\"sip:127.0.0.1\", response=\"0a4f113b8e8a6f3c9a2c2b4b8f1d2e3c\", " \
	"qop=auth, cnonce=\"8u2mfuetcksg\", nc=00000001"

static const char answer_sdp[] =
	"v=0\r\n"
	"o=- 42 7 IN IP4 203.0.113.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"m=audio 40000 UDP/TLS/RTP/SAVPF 0\r\n"
	"c=IN IP4 203.0.113.1\r\n"
	"a=sendrecv\r\n";

/* ---- text helpers ---- */

static char *fixture(const char *name)
{
	g_autofree char *path = g_build_filename(FIXTURE_DIR, name, NULL);
	char *text = NULL;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* @p text with the first @p from replaced by @p to. */
static char *subst(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);

	assert_non_null(p);
	return g_strdup_printf("%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
}

/* Header block of @p msg (up to, not including, Content-Length) + @p extra
 * header lines, then Content-Length and @p body. */
static char *rebuild(const char *msg, const char *extra, const char *body)
{
	const char *cl = strstr(msg, "Content-Length:");

	assert_non_null(cl);
	return g_strdup_printf("%.*s%sContent-Length: %zu\r\n\r\n%s", (int)(cl - msg), msg,
			       extra != NULL ? extra : "", strlen(body), body);
}

static const char *body_of(const char *msg)
{
	const char *b = strstr(msg, "\r\n\r\n");

	assert_non_null(b);
	return b + 4;
}

static void feed(const char *text)
{
	tz_sipws_on_message(C, text, strlen(text));
}

static void feed_free(char *text)
{
	feed(text);
	g_free(text);
}

static uint64_t ctr(enum tz_sipws_counter c)
{
	return tz_sipws_counters()[c];
}

/* ---- what the phone got ---- */

static unsigned n_sent(void)
{
	return fake_sent->len;
}

static const char *sent(unsigned i)
{
	assert_true(i < fake_sent->len);
	return g_ptr_array_index(fake_sent, i);
}

struct parsed {
	msg_t *msg;
	sip_t *sip;
};

static struct parsed parse(const char *text)
{
	struct parsed p;

	p.msg = msg_make(sip_default_mclass(), 0, text, (ssize_t)strlen(text));
	assert_non_null(p.msg);
	assert_false(msg_has_error(p.msg));
	p.sip = sip_object(p.msg);
	assert_non_null(p.sip);
	return p;
}

static void done(struct parsed *p)
{
	msg_destroy(p->msg);
}

static char *url_text(const url_t *u)
{
	char *s = url_as_string(NULL, u);
	char *copy = g_strdup(s);

	su_free(NULL, s);
	return copy;
}

static char *payload(const sip_t *s)
{
	return s->sip_payload != NULL ? g_strndup(s->sip_payload->pl_data, s->sip_payload->pl_len)
				      : g_strdup("");
}

/* Sent message @p i is a response @p status to CSeq @p cseq @p method. */
static struct parsed response(unsigned i, int status, uint32_t cseq, const char *method)
{
	struct parsed p = parse(sent(i));

	assert_non_null(p.sip->sip_status);
	assert_int_equal(p.sip->sip_status->st_status, status);
	assert_non_null(p.sip->sip_cseq);
	assert_int_equal(p.sip->sip_cseq->cs_seq, cseq);
	assert_string_equal(p.sip->sip_cseq->cs_method_name, method);
	return p;
}

static const struct fake_call_msg *call_msg(unsigned i)
{
	assert_true(i < fake_calls->len);
	return &g_array_index(fake_calls, struct fake_call_msg, i);
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	fakes_start();
	tz_sipws_on_open(C);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tz_sipws_on_close(C);
	fakes_stop();
	return 0;
}

/* JsSIP's REGISTER with its credentials (as its second REGISTER is). */
static char *jssip_register_with_auth(void)
{
	g_autofree char *reg = fixture("jssip-msg-1.txt");
	g_autofree char *r2 = subst(reg, "CSeq: 1 REGISTER", "CSeq: 2 REGISTER");
	g_autofree char *r3 = subst(r2, "z9hG4bK6943299", "z9hG4bK6943300");

	return rebuild(r3, "Authorization: " JSSIP_AUTH "\r\n", "");
}

/* JsSIP registers alice: 401, then 200 with 300 s. */
static void register_alice(void)
{
	unsigned n0 = n_sent();

	feed_free(fixture("jssip-msg-1.txt"));
	fake_reg_reply(401, "Unauthorized", CHALLENGE, 0);
	feed_free(jssip_register_with_auth());
	fake_reg_reply(200, "OK", NULL, 300);
	assert_int_equal(n_sent(), n0 + 2);
	assert_int_equal(fake_logins, 1);
}

/* ---- REGISTER ---- */

static void test_register_digest_passthrough(void **state)
{
	struct parsed p;
	g_autofree char *contact = NULL;
	const char *txt;

	(void)state;
	feed_free(fixture("jssip-msg-1.txt"));
	assert_int_equal(fake_reg_news, 1);
	assert_non_null(fake_reg);
	assert_string_equal(fake_reg->user, "alice");
	assert_string_equal(fake_reg->domain, "127.0.0.1");
	/* the device's instance goes upstream on the gateway's Contact */
	assert_non_null(strstr(fake_reg->params,
			       "+sip.instance=\"<urn:uuid:f750a212-8687-427b-9f2a-01bdee4c65f0>\""));
	assert_int_equal(fake_reg_sends, 1);
	assert_int_equal(fake_reg_expires, 600);
	assert_null(fake_reg_auth);
	assert_int_equal(n_sent(), 0);                 /* answered when the registrar answers */

	fake_reg_reply(401, "Unauthorized", CHALLENGE, 0);
	assert_int_equal(n_sent(), 1);
	p = response(0, 401, 1, "REGISTER");
	txt = sent(0);
	assert_non_null(strstr(txt, "\r\nWWW-Authenticate: " CHALLENGE "\r\n"));
	assert_non_null(strstr(txt, "\r\nVia: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK6943299\r\n"));
	assert_string_equal(p.sip->sip_from->a_tag, "l5p7m70dd2");
	done(&p);
	assert_int_equal(ctr(TZ_SIPWS_REG_FAILED), 0);  /* a challenge is no failure */
	assert_int_equal(fake_logins, 0);

	feed_free(jssip_register_with_auth());
	assert_int_equal(fake_reg_news, 1);             /* the same registration */
	assert_int_equal(fake_reg_sends, 2);
	assert_non_null(fake_reg_auth);
	assert_string_equal(fake_reg_auth, JSSIP_AUTH); /* byte for byte, nc= included */
	assert_false(fake_reg_proxy);

	fake_reg_reply(200, "OK", NULL, 300);
	assert_int_equal(n_sent(), 2);
	p = response(1, 200, 2, "REGISTER");
	assert_non_null(p.sip->sip_contact);
	contact = url_text(p.sip->sip_contact->m_url);
	assert_string_equal(contact, JSSIP_CONTACT);    /* its own Contact, not ours */
	assert_non_null(p.sip->sip_contact->m_expires);
	assert_string_equal(p.sip->sip_contact->m_expires, "300");
	assert_null(p.sip->sip_contact->m_next);
	assert_non_null(strstr(sent(1), "z9hG4bK6943300"));
	done(&p);
	assert_int_equal(fake_logins, 1);
	assert_string_equal(fake_login_id.user, "alice");
	assert_string_equal(fake_login_id.uri, "sip:alice@127.0.0.1");
	assert_string_equal(fake_login_id.how, "sip-ws");
	assert_int_equal(ctr(TZ_SIPWS_REG_OK), 1);
	assert_int_equal(ctr(TZ_SIPWS_REQ_REGISTER), 2);
}

static void test_register_sipjs(void **state)
{
	struct parsed p;

	(void)state;
	feed_free(fixture("sipjs-msg-1.txt"));
	assert_string_equal(fake_reg->user, "bob");
	assert_null(fake_reg->params);                 /* no +sip.instance */
	fake_reg_reply(200, "OK", NULL, 0);            /* no expiry from the registrar */
	p = response(0, 200, 2, "REGISTER");
	assert_string_equal(p.sip->sip_contact->m_expires, "600");   /* what was asked */
	done(&p);
	assert_int_equal(fake_logins, 1);
	assert_string_equal(fake_login_id.uri, "sip:bob@127.0.0.1");
}

static void test_register_refused_backs_off(void **state)
{
	struct parsed p;
	int frees;

	(void)state;
	feed_free(fixture("jssip-msg-1.txt"));
	fake_reg_reply(401, "Unauthorized", CHALLENGE, 0);
	feed_free(jssip_register_with_auth());
	fake_reg_reply(403, "Forbidden", NULL, 0);
	p = response(1, 403, 2, "REGISTER");
	done(&p);
	assert_int_equal(ctr(TZ_SIPWS_REG_FAILED), 1);
	assert_int_equal(fake_reg_frees, 1);            /* the binding is gone */
	assert_null(fake_reg);
	assert_int_equal(fake_logins, 0);
	assert_int_equal(fake_logouts, 0);              /* never logged in */

	/* fail_limit 1: the next try is refused here, not relayed */
	frees = fake_reg_frees;
	feed_free(fixture("jssip-msg-1.txt"));
	assert_int_equal(fake_reg_news, 1);
	p = response(2, 403, 1, "REGISTER");
	done(&p);
	assert_non_null(strstr(sent(2), "\r\nRetry-After: "));
	assert_int_equal(ctr(TZ_SIPWS_THROTTLED), 1);
	assert_int_equal(fake_reg_frees, frees);
	assert_true(tz_auth_counters()[TZ_AUTH_THROTTLED] >= 1);
}

static void test_register_second_aor_and_busy(void **state)
{
	g_autofree char *reg = fixture("jssip-msg-1.txt");
	g_autofree char *r1 = NULL, *r2 = NULL, *carol = NULL;
	struct parsed p;

	(void)state;
	feed(reg);                                     /* in flight */
	r1 = subst(reg, "CSeq: 1 REGISTER", "CSeq: 2 REGISTER");
	feed(r1);
	p = response(0, 500, 2, "REGISTER");
	done(&p);
	assert_non_null(strstr(sent(0), "\r\nRetry-After: 1\r\n"));
	assert_int_equal(fake_reg_sends, 1);
	fake_reg_reply(200, "OK", NULL, 300);
	p = response(1, 200, 1, "REGISTER");
	done(&p);
	/* another AOR on the same WebSocket: refused, alice stays registered */
	r2 = subst(reg, "To: <sip:alice@127.0.0.1>", "To: <sip:carol@127.0.0.1>");
	carol = subst(r2, "CSeq: 1 REGISTER", "CSeq: 3 REGISTER");
	feed(carol);
	p = response(2, 403, 3, "REGISTER");
	done(&p);
	assert_int_equal(fake_reg_news, 1);
	assert_int_equal(fake_logouts, 0);
}

static void test_register_query(void **state)
{
	g_autofree char *reg = fixture("sipjs-msg-1.txt");
	g_autofree char *q1 = NULL, *query = NULL, *contact = NULL;
	struct parsed p;

	(void)state;
	feed(reg);
	fake_reg_reply(200, "OK", NULL, 600);
	q1 = subst(reg, "Contact: <sip:c6fc7ju2@5vi6l73havab.invalid;transport=ws>;expires=600\r\n", "");
	query = subst(q1, "CSeq: 2 REGISTER", "CSeq: 3 REGISTER");
	feed(query);
	assert_int_equal(fake_reg_sends, 1);           /* answered here */
	p = response(1, 200, 3, "REGISTER");
	assert_non_null(p.sip->sip_contact);
	contact = url_text(p.sip->sip_contact->m_url);
	assert_string_equal(contact, "sip:c6fc7ju2@5vi6l73havab.invalid;transport=ws");
	done(&p);
}

static void test_same_device_new_connection(void **state)
{
	static int other;
	struct tz_sip_reg *first;

	(void)state;
	register_alice();
	first = fake_reg;
	tz_sipws_on_open(&other);
	{
		g_autofree char *reg = fixture("jssip-msg-1.txt");

		tz_sipws_on_message(&other, reg, strlen(reg));
	}
	assert_true(fake_reg != first);
	fake_reg_reply(200, "OK", NULL, 300);
	/* the old WebSocket's binding is gone: un-REGISTERed, logged out */
	assert_int_equal(fake_reg_frees, 1);
	assert_int_equal(fake_logouts, 1);
	assert_int_equal(fake_logins, 2);
	/* a call on the old connection is refused now */
	feed_free(fixture("jssip-msg-2.txt"));
	assert_int_equal(fake_calls->len, 0);
	tz_sipws_on_close(&other);
	assert_int_equal(fake_reg_frees, 2);
}

static void test_binding_expires(void **state)
{
	g_autofree char *reg = fixture("sipjs-msg-1.txt");
	g_autofree char *short_reg = subst(reg, ";expires=600", ";expires=1");
	int64_t deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	(void)state;
	feed(short_reg);
	assert_int_equal(fake_reg_expires, 1);
	fake_reg_reply(200, "OK", NULL, 0);            /* what was asked: 1 s */
	assert_int_equal(fake_logins, 1);
	while (ctr(TZ_SIPWS_BINDINGS_EXPIRED) == 0 && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	assert_int_equal(ctr(TZ_SIPWS_BINDINGS_EXPIRED), 1);
	assert_int_equal(fake_logouts, 1);
	assert_int_equal(fake_reg_frees, 1);
	feed_free(fixture("sipjs-msg-2.txt"));
	assert_int_equal(fake_calls->len, 0);          /* 403: register first */
}

static void test_unregister_expires_0(void **state)
{
	struct parsed p;

	(void)state;
	register_alice();
	feed_free(fixture("jssip-msg-4.txt"));
	assert_int_equal(fake_reg_sends, 3);
	assert_int_equal(fake_reg_expires, 0);
	fake_reg_reply(200, "OK", NULL, 0);
	p = response(2, 200, 2, "REGISTER");
	done(&p);
	assert_int_equal(ctr(TZ_SIPWS_UNREG), 1);
	assert_int_equal(fake_reg_frees, 1);
	assert_int_equal(fake_logouts, 1);
	/* no longer registered: a call is refused */
	feed_free(fixture("jssip-msg-2.txt"));
	p = response(3, 403, 7269, "INVITE");
	done(&p);
}

static void test_unregister_contact_star(void **state)
{
	g_autofree char *reg = fixture("sipjs-msg-4.txt");
	g_autofree char *star = NULL;
	struct parsed p;

	(void)state;
	feed_free(fixture("sipjs-msg-1.txt"));
	fake_reg_reply(200, "OK", NULL, 600);
	star = subst(reg, "Contact: <sip:c6fc7ju2@5vi6l73havab.invalid;transport=ws>;expires=0",
		     "Contact: *\r\nExpires: 0");
	feed(star);
	assert_int_equal(fake_reg_expires, 0);
	fake_reg_reply(200, "OK", NULL, 0);
	p = response(1, 200, 3, "REGISTER");
	done(&p);
	assert_int_equal(ctr(TZ_SIPWS_UNREG), 1);
	assert_int_equal(fake_reg_frees, 1);
	assert_int_equal(fake_logouts, 1);
}

static void test_close_unregisters(void **state)
{
	(void)state;
	register_alice();
	tz_sipws_on_close(C);
	assert_int_equal(fake_reg_frees, 1);
	assert_int_equal(fake_logouts, 1);
	tz_sipws_on_open(C);                           /* for teardown */
}

/* ---- the browser calls ---- */

static void test_invite_before_register(void **state)
{
	struct parsed p;

	(void)state;
	feed_free(fixture("jssip-msg-2.txt"));
	p = response(0, 403, 7269, "INVITE");
	done(&p);
	assert_int_equal(fake_calls->len, 0);
	assert_int_equal(ctr(TZ_SIPWS_NOT_REGISTERED), 1);
}

/* JsSIP's INVITE to @p ruri_user@@p host. */
static char *jssip_invite(const char *ruri)
{
	g_autofree char *inv = fixture("jssip-msg-2.txt");

	return subst(inv, "INVITE sip:echo@127.0.0.1 ", ruri);
}

static void test_invite_targets(void **state)
{
	static const struct {
		const char *ruri, *target;
	} rows[] = {
		{ "INVITE sip:echo@127.0.0.1 ", "echo" },
		{ "INVITE sip:+442071234567@127.0.0.1 ", "+442071234567" },
		{ "INVITE sip:1001@127.0.0.1;user=phone ", "1001" },
		{ "INVITE sip:bob@other.example ", "sip:bob@other.example" },
		{ "INVITE sip:4711@other.example ", "sip:4711@other.example" },
	};
	unsigned n0;

	(void)state;
	register_alice();
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *inv = jssip_invite(rows[i].ruri);
		g_autofree char *cid = g_strdup_printf("Call-ID: target-%zu", i);
		g_autofree char *inv2 = subst(inv, "Call-ID: 9hirr6v1111hb6hj4rif", cid);
		struct parsed p;

		n0 = n_sent();
		feed(inv2);
		assert_int_equal(n_sent(), n0 + 1);
		p = response(n0, 100, 7269, "INVITE");
		assert_null(p.sip->sip_to->a_tag);     /* 100 carries no tag */
		done(&p);
		assert_int_equal(fake_calls->len, i + 1);
		assert_int_equal(call_msg(i)->type, TZ_JSEP_CALL);
		assert_string_equal(call_msg(i)->target, rows[i].target);
		assert_string_equal(call_msg(i)->sdp, body_of(inv2));
	}
	assert_int_equal(ctr(TZ_SIPWS_CALLS_OUT), G_N_ELEMENTS(rows));
}

static const char *last_call(void)
{
	assert_true(fake_calls->len > 0);
	return call_msg(fake_calls->len - 1)->call;
}

static void deliver(enum tz_jsep_out_type type, const char *call, const char *sdp, int code)
{
	struct tz_jsep_out o = { .type = type, .id = TZ_JSEP_NO_ID, .call = call, .sdp = sdp,
				 .code = code, .sdp_mline_index = -1 };

	tz_sipws_deliver(C, &o);
}

/* Registered, JsSIP calls a number (not echo: the gateway answers echo at
 * once); the manager answers and it rings: 100 and 180 sent (indexes 2, 3).
 * Returns the To tag (g_free). */
static char *call_ringing(void)
{
	struct parsed p;
	g_autofree char *body = NULL;
	char *tag;

	register_alice();
	feed_free(jssip_invite("INVITE sip:+15550001111@127.0.0.1 "));
	assert_int_equal(n_sent(), 3);
	deliver(TZ_JSEP_OUT_ANSWER, last_call(), answer_sdp, 0);
	assert_int_equal(n_sent(), 3);                 /* kept for 18x / 200 */
	deliver(TZ_JSEP_OUT_RINGING, last_call(), NULL, 0);
	assert_int_equal(n_sent(), 4);
	p = response(3, 180, 7269, "INVITE");
	assert_non_null(p.sip->sip_to->a_tag);
	tag = g_strdup(p.sip->sip_to->a_tag);
	body = payload(p.sip);
	assert_string_equal(body, answer_sdp);
	assert_string_equal(p.sip->sip_content_type->c_type, "application/sdp");
	assert_non_null(strstr(sent(3),
			       "\r\nVia: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK2371037\r\n"));
	assert_string_equal(p.sip->sip_from->a_tag, "mb8c5lff51");
	done(&p);
	return tag;
}

static char *call_answered(void)
{
	char *tag = call_ringing();
	struct parsed p;
	g_autofree char *body = NULL;

	deliver(TZ_JSEP_OUT_ANSWERED, last_call(), NULL, 0);
	assert_int_equal(n_sent(), 5);
	p = response(4, 200, 7269, "INVITE");
	assert_string_equal(p.sip->sip_to->a_tag, tag);
	body = payload(p.sip);
	assert_string_equal(body, answer_sdp);
	assert_non_null(p.sip->sip_contact);
	done(&p);
	/* JsSIP's ACK: nothing to answer, nothing for the manager */
	{
		g_autofree char *ack = fixture("jssip-msg-3.txt");

		feed_free(subst(ack, "tag=harness2", tag));
	}
	assert_int_equal(n_sent(), 5);
	return tag;
}

static void test_invite_ringing_answered(void **state)
{
	g_autofree char *tag = NULL;

	(void)state;
	tag = call_answered();
	assert_int_equal(fake_calls->len, 1);
	assert_int_equal(ctr(TZ_SIPWS_REQ_ACK), 1);
}

static void test_invite_progress_183(void **state)
{
	struct parsed p;

	(void)state;
	register_alice();
	{
		g_autofree char *inv = fixture("sipjs-msg-2.txt");

		/* SIP.js's INVITE (its From is bob: the call is the registered
		 * AOR's anyway), to a number: echo is answered at once */
		feed_free(subst(inv, "INVITE sip:echo@127.0.0.1 ", "INVITE sip:+15550002222@127.0.0.1 "));
	}
	assert_string_equal(call_msg(0)->target, "+15550002222");
	assert_non_null(strstr(call_msg(0)->sdp, "a=ice-ufrag:t41g\r\n"));
	deliver(TZ_JSEP_OUT_ANSWER, last_call(), answer_sdp, 0);
	deliver(TZ_JSEP_OUT_PROGRESS, last_call(), NULL, 0);
	p = response(3, 183, 1, "INVITE");
	assert_non_null(p.sip->sip_to->a_tag);
	assert_non_null(p.sip->sip_payload);
	done(&p);
}

/* The echo service has nobody to ring: our answer goes out in a 200 at once. */
static void test_invite_echo_answered(void **state)
{
	struct parsed p;

	(void)state;
	register_alice();
	feed_free(fixture("jssip-msg-2.txt"));
	assert_string_equal(call_msg(0)->target, "echo");
	deliver(TZ_JSEP_OUT_ANSWER, last_call(), answer_sdp, 0);
	p = response(3, 200, 7269, "INVITE");
	assert_non_null(p.sip->sip_to->a_tag);
	assert_non_null(p.sip->sip_payload);
	done(&p);
}

static void error_now(void *conn, const struct fake_call_msg *m)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ERROR, .id = TZ_JSEP_NO_ID, .call = m->call,
				 .err = TZ_JSEP_ERR_NO_ROUTE, .message = "no route",
				 .sdp_mline_index = -1 };

	if (m->type == TZ_JSEP_CALL)
		tz_sipws_deliver(conn, &o);
}

static void test_invite_no_route_404(void **state)
{
	struct parsed p;

	(void)state;
	register_alice();
	fake_calls_hook = error_now;                   /* the manager refuses at once */
	feed_free(jssip_invite("INVITE sip:nobody@other.example "));
	assert_int_equal(n_sent(), 4);
	p = response(2, 100, 7269, "INVITE");
	done(&p);
	p = response(3, 404, 7269, "INVITE");
	assert_non_null(p.sip->sip_to->a_tag);
	done(&p);
	/* the dialog is gone: a later event for the call sends nothing */
	deliver(TZ_JSEP_OUT_RINGING, "ws-1", NULL, 0);
	assert_int_equal(n_sent(), 4);
}

static void draining_now(void *conn, const struct fake_call_msg *m)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ERROR, .id = TZ_JSEP_NO_ID, .call = m->call,
				 .err = TZ_JSEP_ERR_DRAINING, .message = "draining",
				 .sdp_mline_index = -1 };

	if (m->type == TZ_JSEP_CALL)
		tz_sipws_deliver(conn, &o);
}

/* A draining gateway (issue 13): the phone's INVITE gets 503 with
 * Retry-After, so a phone with another gateway configured tries it. */
static void test_invite_draining_503(void **state)
{
	struct parsed p;

	(void)state;
	register_alice();
	fake_calls_hook = draining_now;
	feed_free(jssip_invite("INVITE sip:+15550002222@127.0.0.1 "));
	p = response(3, 503, 7269, "INVITE");
	assert_non_null(p.sip->sip_retry_after);
	assert_int_equal(p.sip->sip_retry_after->af_delta, 60);
	assert_non_null(strstr(p.sip->sip_status->st_phrase, "draining"));
	done(&p);
}

static void test_hangup_before_answer(void **state)
{
	static const struct {
		int code, status;
	} rows[] = { { 486, 486 }, { 0, 480 }, { 200, 487 }, { 603, 603 } };

	(void)state;
	register_alice();
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *inv = fixture("jssip-msg-2.txt");
		g_autofree char *cid = g_strdup_printf("Call-ID: hup-%zu", i);
		g_autofree char *inv2 = subst(inv, "Call-ID: 9hirr6v1111hb6hj4rif", cid);
		unsigned n0 = n_sent();
		struct parsed p;

		feed(inv2);
		deliver(TZ_JSEP_OUT_HANGUP, last_call(), NULL, rows[i].code);
		assert_int_equal(n_sent(), n0 + 2);
		p = response(n0 + 1, rows[i].status, 7269, "INVITE");
		assert_non_null(p.sip->sip_to->a_tag);
		done(&p);
	}
}

static void test_browser_cancel(void **state)
{
	g_autofree char *tag = NULL;
	g_autofree char *inv = NULL, *c1 = NULL, *c2 = NULL, *cancel = NULL;
	struct parsed p;

	(void)state;
	tag = call_ringing();
	inv = fixture("jssip-msg-2.txt");
	c1 = subst(inv, "INVITE sip:echo@127.0.0.1 SIP/2.0", "CANCEL sip:echo@127.0.0.1 SIP/2.0");
	c2 = subst(c1, "CSeq: 7269 INVITE", "CSeq: 7269 CANCEL");
	cancel = rebuild(c2, NULL, "");
	feed_free(subst(cancel, "Content-Type: application/sdp\r\n", ""));
	assert_int_equal(n_sent(), 6);
	p = response(4, 200, 7269, "CANCEL");
	done(&p);
	p = response(5, 487, 7269, "INVITE");
	assert_string_equal(p.sip->sip_to->a_tag, tag);
	done(&p);
	assert_int_equal(fake_calls->len, 2);
	assert_int_equal(call_msg(1)->type, TZ_JSEP_HANGUP);
	assert_string_equal(call_msg(1)->call, call_msg(0)->call);
	assert_int_equal(ctr(TZ_SIPWS_REQ_CANCEL), 1);
}

/* An in-dialog request from JsSIP: @p method, CSeq @p cseq, @p extra header
 * lines, @p body. */
static char *in_dialog(const char *method, uint32_t cseq, const char *tag, const char *extra,
		       const char *body)
{
	return g_strdup_printf("%s sip:gw@trapeze.invalid;transport=ws SIP/2.0\r\n"
			       "Via: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK%u\r\n"
			       "Max-Forwards: 69\r\n"
			       "To: <sip:echo@127.0.0.1>;tag=%s\r\n"
			       "From: <sip:alice@127.0.0.1>;tag=mb8c5lff51\r\n"
			       "Call-ID: 9hirr6v1111hb6hj4rif\r\n"
			       "CSeq: %u %s\r\n"
			       "%s"
			       "Content-Length: %zu\r\n\r\n%s",
			       method, 9000 + cseq, tag, cseq, method, extra != NULL ? extra : "",
			       strlen(body), body);
}

static void test_browser_bye(void **state)
{
	g_autofree char *tag = NULL;
	struct parsed p;

	(void)state;
	tag = call_answered();
	feed_free(in_dialog("BYE", 7270, tag, NULL, ""));
	assert_int_equal(n_sent(), 6);
	p = response(5, 200, 7270, "BYE");
	assert_string_equal(p.sip->sip_to->a_tag, tag);
	done(&p);
	assert_int_equal(fake_calls->len, 2);
	assert_int_equal(call_msg(1)->type, TZ_JSEP_HANGUP);
	/* the manager's own hangup afterwards finds nothing */
	deliver(TZ_JSEP_OUT_HANGUP, call_msg(0)->call, NULL, 200);
	assert_int_equal(n_sent(), 6);
}

static void test_manager_hangup_sends_bye(void **state)
{
	g_autofree char *tag = NULL;
	struct parsed p;

	(void)state;
	tag = call_answered();
	deliver(TZ_JSEP_OUT_HANGUP, last_call(), NULL, 200);
	assert_int_equal(n_sent(), 6);
	p = parse(sent(5));
	assert_non_null(p.sip->sip_request);
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_bye);
	assert_string_equal(p.sip->sip_to->a_tag, "mb8c5lff51");
	assert_string_equal(p.sip->sip_from->a_tag, tag);
	assert_string_equal(p.sip->sip_call_id->i_id, "9hirr6v1111hb6hj4rif");
	done(&p);
	assert_non_null(strstr(sent(5), "BYE sip:4u1auo4n@bt1rmel9akla.invalid;transport=ws;ob "));
}

static void test_reinvite_hold(void **state)
{
	g_autofree char *tag = NULL, *sdp = NULL, *body = NULL, *extra = NULL;
	struct parsed p;

	(void)state;
	tag = call_answered();
	{
		g_autofree char *inv = fixture("jssip-msg-2.txt");

		sdp = subst(body_of(inv), "a=sendrecv", "a=sendonly");
	}
	extra = g_strdup("Contact: <sip:4u1auo4n@bt1rmel9akla.invalid;transport=ws;ob>\r\n"
			 "Content-Type: application/sdp\r\n");
	feed_free(in_dialog("INVITE", 7270, tag, extra, sdp));
	assert_int_equal(ctr(TZ_SIPWS_REQ_REINVITE), 1);
	assert_int_equal(n_sent(), 6);
	p = response(5, 100, 7270, "INVITE");
	done(&p);
	assert_int_equal(fake_calls->len, 2);
	assert_int_equal(call_msg(1)->type, TZ_JSEP_HOLD);

	{
		struct tz_jsep_out o = { .type = TZ_JSEP_OUT_HELD, .id = TZ_JSEP_NO_ID,
					 .call = call_msg(0)->call, .by = TZ_JSEP_BY_LOCAL,
					 .sdp_mline_index = -1 };

		tz_sipws_deliver(C, &o);
	}
	assert_int_equal(n_sent(), 7);
	p = response(6, 200, 7270, "INVITE");
	assert_string_equal(p.sip->sip_to->a_tag, tag);
	body = payload(p.sip);
	assert_non_null(strstr(body, "\r\na=recvonly\r\n"));
	assert_null(strstr(body, "a=sendrecv"));
	assert_non_null(strstr(body, "\r\no=- 42 8 IN IP4 203.0.113.1\r\n"));   /* 7 + 1 */
	done(&p);
}

/* The trunk challenges the phone's call (407): the challenge reaches the phone
 * unchanged; its new INVITE's credentials reach the manager verbatim. */
static void test_invite_challenge_relayed(void **state)
{
	static const char *const ch[] = {
		"Digest realm=\"203.0.113.3\", nonce=\"abc\", qop=\"auth\"", NULL,
	};
	static const char cred[] = "Digest username=\"alice\", realm=\"203.0.113.3\", "
				   "nonce=\"abc\", uri=\"sip:+15550001111@127.0.0.1\", "
				   "response=\"0123456789abcdef0123456789abcdef\", qop=auth, "
				   "cnonce=\"xyz\", nc=00000001";
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_HANGUP, .id = TZ_JSEP_NO_ID, .code = 407,
				 .reason = "Proxy Authentication Required", .sdp_mline_index = -1,
				 .challenges = ch };
	g_autofree char *inv = NULL, *inv2 = NULL, *hdr = NULL;
	struct parsed p;

	(void)state;
	register_alice();
	feed_free(jssip_invite("INVITE sip:+15550001111@127.0.0.1 "));
	assert_null(call_msg(0)->sip_auth);
	o.call = call_msg(0)->call;
	tz_sipws_deliver(C, &o);
	p = response(3, 407, 7269, "INVITE");
	assert_non_null(p.sip->sip_to->a_tag);
	done(&p);
	hdr = g_strdup_printf("Proxy-Authenticate: %s\r\n", ch[0]);
	assert_non_null(strstr(sent(3), hdr));
	assert_int_equal(ctr(TZ_SIPWS_CHALLENGES_RELAYED), 1);
	/* JsSIP's second INVITE: same Call-ID, next CSeq, its credentials */
	inv = jssip_invite("INVITE sip:+15550001111@127.0.0.1 ");
	inv2 = g_strdup_printf("%s", inv);
	{
		g_autofree char *a = subst(inv2, "CSeq: 7269 INVITE\r\n", "CSeq: 7270 INVITE\r\n");
		g_autofree char *line = g_strdup_printf("CSeq: 7270 INVITE\r\nProxy-Authorization: %s\r\n",
							cred);

		feed_free(subst(a, "CSeq: 7270 INVITE\r\n", line));
	}
	assert_int_equal(fake_calls->len, 2);
	assert_int_equal(call_msg(1)->type, TZ_JSEP_CALL);
	assert_string_equal(call_msg(1)->sip_auth, cred);        /* nc= and all */
	assert_true(call_msg(1)->sip_proxy_auth);
}

/* The far end's hold or resume, delivered by the manager. */
static void remote(enum tz_jsep_out_type type, const char *call)
{
	struct tz_jsep_out o = { .type = type, .id = TZ_JSEP_NO_ID, .call = call,
				 .by = TZ_JSEP_BY_REMOTE, .sdp_mline_index = -1 };

	tz_sipws_deliver(C, &o);
}

/* The browser's 200 to our request sent as message @p i (same Via, From, To
 * with its tag, Call-ID, CSeq). */
static char *hdr_line(const char *text, const char *name)
{
	g_autofree char *key = g_strdup_printf("\r\n%s: ", name);
	const char *v = strstr(text, key), *end;

	assert_non_null(v);
	v += strlen(key);
	end = strstr(v, "\r\n");
	return g_strndup(v, (gsize)(end - v));
}

static char *ok_to(unsigned i, const char *tag)
{
	g_autofree char *via = hdr_line(sent(i), "Via");
	g_autofree char *from = hdr_line(sent(i), "From");
	g_autofree char *to = hdr_line(sent(i), "To");
	g_autofree char *cid = hdr_line(sent(i), "Call-ID");
	g_autofree char *cseq = hdr_line(sent(i), "CSeq");
	char *semi = strstr(to, ";tag=");

	if (semi != NULL)
		*semi = '\0';               /* ours carries the browser's tag already */
	return g_strdup_printf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=%s\r\n"
			       "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n", via, from,
			       to, tag, cid, cseq);
}

/* The far end holds and resumes while our first re-INVITE is out: one at a
 * time, then the browser hears where the far end is now. */
static void test_remote_hold_resume_quickly(void **state)
{
	g_autofree char *tag = NULL;
	struct parsed p;
	g_autofree char *body = NULL, *body2 = NULL;

	(void)state;
	tag = call_answered();
	remote(TZ_JSEP_OUT_HELD, call_msg(0)->call);
	assert_int_equal(n_sent(), 6);
	p = parse(sent(5));
	assert_string_equal(p.sip->sip_request->rq_method_name, "INVITE");
	body = payload(p.sip);
	assert_non_null(strstr(body, "\r\na=sendonly\r\n"));
	done(&p);
	remote(TZ_JSEP_OUT_UNHELD, call_msg(0)->call);
	assert_int_equal(n_sent(), 6);                 /* not while the first is out */
	feed_free(ok_to(5, "mb8c5lff51"));
	assert_int_equal(n_sent(), 8);
	p = parse(sent(6));
	assert_string_equal(p.sip->sip_request->rq_method_name, "ACK");
	done(&p);
	p = parse(sent(7));
	assert_string_equal(p.sip->sip_request->rq_method_name, "INVITE");
	body2 = payload(p.sip);
	assert_non_null(strstr(body2, "\r\na=sendrecv\r\n"));
	done(&p);
	feed_free(ok_to(7, "mb8c5lff51"));
	assert_int_equal(n_sent(), 9);                 /* its ACK, nothing more */
}

static void test_info_dtmf(void **state)
{
	g_autofree char *tag = NULL;
	struct parsed p;

	(void)state;
	tag = call_answered();
	feed_free(in_dialog("INFO", 7270, tag, "Content-Type: application/dtmf-relay\r\n",
			    "Signal=5\r\nDuration=160\r\n"));
	p = response(5, 200, 7270, "INFO");
	done(&p);
	assert_int_equal(fake_calls->len, 2);
	assert_int_equal(call_msg(1)->type, TZ_JSEP_DTMF);
	assert_string_equal(call_msg(1)->digits, "5");
	assert_int_equal(call_msg(1)->duration_ms, 160);

	feed_free(in_dialog("INFO", 7271, tag, "Content-Type: application/dtmf-relay\r\n",
			    "Signal= #\r\nDuration=100\r\n"));
	p = response(6, 200, 7271, "INFO");
	done(&p);
	assert_string_equal(call_msg(2)->digits, "#");

	feed_free(in_dialog("INFO", 7272, tag, "Content-Type: application/dtmf-relay\r\n",
			    "Signal=x\r\nDuration=160\r\n"));
	p = response(7, 400, 7272, "INFO");
	done(&p);
	feed_free(in_dialog("INFO", 7273, tag, "Content-Type: application/dtmf-relay\r\n",
			    "Duration=160\r\n"));
	p = response(8, 400, 7273, "INFO");
	done(&p);
	feed_free(in_dialog("INFO", 7274, tag, "Content-Type: text/plain\r\n", "5"));
	p = response(9, 415, 7274, "INFO");
	done(&p);
	assert_int_equal(fake_calls->len, 3);          /* none of those reached the manager */
}

static void test_options_and_unknown(void **state)
{
	g_autofree char *opt = NULL;
	struct parsed p;

	(void)state;
	opt = g_strdup("OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
		       "Via: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		       "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\n"
		       "Call-ID: opt1\r\nCSeq: 5 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	feed(opt);
	p = response(0, 200, 5, "OPTIONS");
	assert_non_null(strstr(sent(0), "\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"));
	assert_non_null(p.sip->sip_allow);
	assert_true(sip_is_allowed(p.sip->sip_allow, sip_method_invite, "INVITE"));
	assert_true(sip_is_allowed(p.sip->sip_allow, sip_method_message, "MESSAGE"));
	done(&p);

	/* two Vias (a proxy's first), both back in order */
	feed_free(g_strdup("PUBLISH sip:alice@127.0.0.1 SIP/2.0\r\n"
			   "Via: SIP/2.0/WSS proxy.example;branch=z9hG4bKp1;rport=5061;received=192.0.2.1\r\n"
			   "Via: SIP/2.0/WS h.invalid;branch=z9hG4bK2\r\n"
			   "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:alice@127.0.0.1>\r\n"
			   "Call-ID: pub1\r\nCSeq: 6 PUBLISH\r\nContent-Length: 0\r\n\r\n"));
	p = response(1, 405, 6, "PUBLISH");
	assert_non_null(p.sip->sip_allow);
	assert_non_null(strstr(sent(1), "\r\nVia: SIP/2.0/WSS proxy.example;branch=z9hG4bKp1;rport=5061;"
			       "received=192.0.2.1\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK2\r\n"));
	done(&p);
	feed_free(g_strdup("FROB sip:alice@127.0.0.1 SIP/2.0\r\n"
			   "Via: SIP/2.0/WS h.invalid;branch=z9hG4bK3\r\n"
			   "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:alice@127.0.0.1>\r\n"
			   "Call-ID: frob1\r\nCSeq: 7 FROB\r\nContent-Length: 0\r\n\r\n"));
	p = response(2, 405, 7, "FROB");
	done(&p);
	assert_int_equal(ctr(TZ_SIPWS_REQ_OTHER), 2);
	assert_int_equal(ctr(TZ_SIPWS_MALFORMED), 0);
}

/* ---- we call the browser ---- */

static const char offer_sdp[] =
	"v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\ns=-\r\nt=0 0\r\n"
	"m=audio 40002 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 203.0.113.1\r\na=sendrecv\r\n";

/* Registered, the manager's incoming call "in-1": our INVITE is sent(2). */
static void incoming(void)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_INCOMING, .id = TZ_JSEP_NO_ID,
				 .call = "in-1", .sdp = offer_sdp, .from = "sip:carol@127.0.0.1",
				 .display = "Carol", .sdp_mline_index = -1 };
	struct parsed p;
	g_autofree char *body = NULL;

	register_alice();
	tz_sipws_deliver(C, &o);
	assert_int_equal(n_sent(), 3);
	p = parse(sent(2));
	assert_non_null(p.sip->sip_request);
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_invite);
	assert_non_null(strstr(sent(2), "INVITE " JSSIP_CONTACT " SIP/2.0\r\n"));
	assert_string_equal(p.sip->sip_from->a_url->url_user, "carol");
	assert_string_equal(p.sip->sip_from->a_display, "\"Carol\"");
	assert_string_equal(p.sip->sip_to->a_url->url_user, "alice");
	assert_null(p.sip->sip_to->a_tag);
	body = payload(p.sip);
	assert_string_equal(body, offer_sdp);
	done(&p);
	assert_int_equal(ctr(TZ_SIPWS_CALLS_IN), 1);
}

/* The browser's response @p status to our request sent(@p i). */
static char *browser_response(unsigned i, int status, const char *extra, const char *body)
{
	g_auto(GStrv) lines = g_strsplit(sent(i), "\r\n", -1);
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "SIP/2.0 %d Whatever\r\n", status);
	for (char **l = lines; *l != NULL && **l != '\0'; l++) {
		if (g_str_has_prefix(*l, "To:"))
			g_string_append_printf(out, "%s;tag=brw1\r\n", *l);
		else if (g_str_has_prefix(*l, "Via:") || g_str_has_prefix(*l, "From:") ||
			 g_str_has_prefix(*l, "Call-ID:") || g_str_has_prefix(*l, "CSeq:"))
			g_string_append_printf(out, "%s\r\n", *l);
	}
	g_string_append(out, "Contact: <sip:4u1auo4n@bt1rmel9akla.invalid;transport=ws>\r\n");
	if (extra != NULL)
		g_string_append(out, extra);
	g_string_append_printf(out, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	return g_string_free(out, FALSE);
}

static void test_incoming_answered(void **state)
{
	struct parsed p;

	(void)state;
	incoming();
	feed_free(browser_response(2, 180, NULL, ""));
	assert_int_equal(n_sent(), 3);                 /* ringing: nothing to do */
	assert_int_equal(fake_calls->len, 0);
	feed_free(browser_response(2, 200, "Content-Type: application/sdp\r\n", answer_sdp));
	assert_int_equal(n_sent(), 4);
	p = parse(sent(3));
	assert_non_null(p.sip->sip_request);
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_ack);
	assert_string_equal(p.sip->sip_to->a_tag, "brw1");
	assert_int_equal(p.sip->sip_cseq->cs_seq, 1);
	done(&p);
	assert_int_equal(fake_calls->len, 1);
	assert_int_equal(call_msg(0)->type, TZ_JSEP_ACCEPT);
	assert_string_equal(call_msg(0)->call, "in-1");
	assert_string_equal(call_msg(0)->sdp, answer_sdp);
}

static void test_incoming_busy(void **state)
{
	struct parsed p;
	g_autofree char *inv_branch = NULL;

	(void)state;
	incoming();
	feed_free(browser_response(2, 486, NULL, ""));
	assert_int_equal(n_sent(), 4);
	p = parse(sent(3));
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_ack);
	assert_string_equal(p.sip->sip_to->a_tag, "brw1");
	done(&p);
	p = parse(sent(2));
	inv_branch = g_strdup(p.sip->sip_via->v_branch);
	done(&p);
	assert_non_null(strstr(sent(3), inv_branch));  /* same transaction */
	assert_int_equal(fake_calls->len, 1);
	assert_int_equal(call_msg(0)->type, TZ_JSEP_REJECT);
	assert_int_equal(call_msg(0)->code, 486);
}

static void test_incoming_cancelled(void **state)
{
	struct parsed p, inv;

	(void)state;
	incoming();
	feed_free(browser_response(2, 180, NULL, ""));
	deliver(TZ_JSEP_OUT_HANGUP, "in-1", NULL, 0);
	assert_int_equal(n_sent(), 4);
	p = parse(sent(3));
	inv = parse(sent(2));
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_cancel);
	assert_string_equal(p.sip->sip_via->v_branch, inv.sip->sip_via->v_branch);
	assert_int_equal(p.sip->sip_cseq->cs_seq, inv.sip->sip_cseq->cs_seq);
	assert_string_equal(p.sip->sip_call_id->i_id, inv.sip->sip_call_id->i_id);
	done(&p);
	done(&inv);
	/* the browser: 200 to the CANCEL, 487 to the INVITE -> ACK, no reject */
	feed_free(browser_response(2, 487, NULL, ""));
	assert_int_equal(n_sent(), 5);
	p = parse(sent(4));
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_ack);
	done(&p);
	assert_int_equal(fake_calls->len, 0);
}

static void test_incoming_not_registered(void **state)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_INCOMING, .id = TZ_JSEP_NO_ID,
				 .call = "in-2", .sdp = offer_sdp, .from = "sip:carol@127.0.0.1",
				 .sdp_mline_index = -1 };

	(void)state;
	tz_sipws_deliver(C, &o);
	assert_int_equal(n_sent(), 0);
	assert_int_equal(call_msg(0)->type, TZ_JSEP_REJECT);
	assert_int_equal(call_msg(0)->code, 480);
}

/* ---- MESSAGE ---- */

static void test_message_relayed(void **state)
{
	struct parsed p;

	(void)state;
	register_alice();
	feed_free(g_strdup("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
			   "Via: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK77\r\n"
			   "Max-Forwards: 69\r\n"
			   "To: <sip:bob@127.0.0.1>\r\n"
			   "From: \"Not Alice\" <sip:mallory@127.0.0.1>;tag=m1\r\n"
			   "Call-ID: msg1\r\nCSeq: 1 MESSAGE\r\n"
			   "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"));
	assert_int_equal(fake_messages, 1);
	assert_string_equal(fake_msg_to_user, "bob");
	assert_string_equal(fake_msg_from, "sip:alice@127.0.0.1");    /* the AOR, never From */
	assert_string_equal(fake_msg_pai, "sip:alice@127.0.0.1");
	assert_string_equal(fake_msg_ctype, "text/plain");
	assert_string_equal(fake_msg_body, "hello");
	assert_int_equal(n_sent(), 2);                 /* answered when the far end answers */
	fake_message_reply(202, "Accepted");
	p = response(2, 202, 1, "MESSAGE");
	assert_string_equal(p.sip->sip_from->a_tag, "m1");
	done(&p);

	/* no route: the router's status */
	feed_free(g_strdup("MESSAGE sip:nobody@other.example SIP/2.0\r\n"
			   "Via: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK78\r\n"
			   "To: <sip:nobody@other.example>\r\n"
			   "From: <sip:alice@127.0.0.1>;tag=m2\r\n"
			   "Call-ID: msg2\r\nCSeq: 1 MESSAGE\r\n"
			   "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"));
	p = response(3, 404, 1, "MESSAGE");
	done(&p);
	assert_int_equal(fake_messages, 1);
}

static void test_message_to_browser(void **state)
{
	struct parsed p;
	g_autofree char *body = NULL;

	(void)state;
	assert_int_equal(tz_sipws_send_message(C, "sip:carol@127.0.0.1", NULL, "text/plain", "x", 1),
			 -ENOTCONN);
	register_alice();
	assert_int_equal(tz_sipws_send_message(C, "sip:carol@127.0.0.1", "Carol", "text/plain",
					       "hi alice", 8), 0);
	p = parse(sent(2));
	assert_int_equal(p.sip->sip_request->rq_method, sip_method_message);
	assert_string_equal(p.sip->sip_from->a_url->url_user, "carol");
	body = payload(p.sip);
	assert_string_equal(body, "hi alice");
	done(&p);
	assert_int_equal(tz_sipws_send_message(C, "sip:c@x", NULL, "text/plain\r\nX: y", "x", 1),
			 -EINVAL);
}

/* ---- blind transfer (REFER) ---- */

/* Sent message @p i is a NOTIFY (Event: refer) whose sipfrag is @p line, the
 * subscription @p state ("active", "terminated"). */
static void assert_notify(unsigned i, const char *line, const char *state)
{
	struct parsed p = parse(sent(i));
	g_autofree char *body = payload(p.sip);
	g_autofree char *want = g_strdup_printf("%s\r\n", line);
	g_autofree char *sub = g_strdup_printf("Subscription-State: %s", state);

	assert_non_null(p.sip->sip_request);
	assert_string_equal(p.sip->sip_request->rq_method_name, "NOTIFY");
	assert_non_null(strstr(sent(i), "Event: refer\r\n"));
	assert_non_null(strstr(sent(i), sub));
	assert_string_equal(body, want);
	done(&p);
}

static void test_refer_relayed(void **state)
{
	g_autofree char *tag = NULL;
	struct parsed p;

	(void)state;
	fake_xfer.enabled = true;
	tag = call_answered();
	feed_free(in_dialog("REFER", 7270, tag,
			    "Refer-To: <sip:+442079460001@127.0.0.1>\r\n"
			    "Referred-By: <sip:alice@127.0.0.1>\r\n", ""));
	assert_int_equal(fake_xfer.n, 1);
	assert_string_equal(fake_xfer.target, "+442079460001");
	assert_string_equal(fake_xfer.call, call_msg(0)->call);
	/* accepted at once, with our own 100 Trying */
	p = response(5, 202, 7270, "REFER");
	done(&p);
	assert_notify(6, "SIP/2.0 100 Trying", "active");
	fake_xfer.cb(202, NULL, fake_xfer.arg);           /* the far end's 202: nothing */
	fake_xfer.cb(0, "SIP/2.0 100 Trying", fake_xfer.arg);   /* said already */
	assert_int_equal(n_sent(), 7);
	fake_xfer.cb(0, "SIP/2.0 180 Ringing", fake_xfer.arg);
	assert_notify(7, "SIP/2.0 180 Ringing", "active");
	fake_xfer.cb(0, "SIP/2.0 200 OK", fake_xfer.arg);
	assert_notify(8, "SIP/2.0 200 OK", "terminated");
	fake_xfer.cb = NULL;                           /* the transfer is over */
	assert_int_equal(ctr(TZ_SIPWS_REQ_REFER), 1);
}

static void test_refer_refused(void **state)
{
	g_autofree char *tag = NULL;
	struct parsed p;

	(void)state;
	tag = call_answered();
	/* no transfer in this gateway: 405 */
	feed_free(in_dialog("REFER", 7270, tag, "Refer-To: <sip:+1@127.0.0.1>\r\n", ""));
	p = response(5, 405, 7270, "REFER");
	done(&p);
	fake_xfer.enabled = true;
	/* no Refer-To, then attended transfer: 400, 501 */
	feed_free(in_dialog("REFER", 7271, tag, "", ""));
	p = response(6, 400, 7271, "REFER");
	done(&p);
	feed_free(in_dialog("REFER", 7272, tag,
			    "Refer-To: <sip:bob@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\n",
			    ""));
	p = response(7, 501, 7272, "REFER");
	done(&p);
	/* the far end refuses the REFER: a final NOTIFY with its status */
	feed_free(in_dialog("REFER", 7273, tag, "Refer-To: <sip:+1@127.0.0.1>\r\n", ""));
	p = response(8, 202, 7273, "REFER");
	done(&p);
	assert_notify(9, "SIP/2.0 100 Trying", "active");
	fake_xfer.cb(403, NULL, fake_xfer.arg);
	fake_xfer.cb = NULL;
	assert_notify(10, "SIP/2.0 403 Forbidden", "terminated");
	/* no route for the target: 404 at once */
	fake_xfer.rc = -ENOENT;
	feed_free(in_dialog("REFER", 7274, tag, "Refer-To: <sip:+2@127.0.0.1>\r\n", ""));
	p = response(11, 404, 7274, "REFER");
	done(&p);
	assert_int_equal(n_sent(), 12);
}

/* ---- bad input ---- */

static void test_malformed(void **state)
{
	static const char *const dropped[] = {
		"hello world",
		"\r\n\r\n",
		/* no Call-ID: cannot be answered */
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n",
		/* a response without CSeq */
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: x\r\n"
		"Content-Length: 0\r\n\r\n",
		/* ACK is never answered */
		"ACK sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>\r\nTo: <sip:127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n",
	};
	static const char *const answered[] = {
		/* no From tag */
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>\r\nTo: <sip:127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n",
		/* Content-Length larger than the body */
		"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: x\r\n"
		"CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 50\r\n\r\nhello",
		/* Content-Length and no body at all */
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: x\r\n"
		"CSeq: 1 OPTIONS\r\nContent-Length: 99\r\n\r\n",
		/* CSeq method not the request's */
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: x\r\n"
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		/* tel: Request-URI */
		"OPTIONS tel:+1234 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n"
		"From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: x\r\n"
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	};
	uint64_t bad = 0;

	(void)state;
	register_alice();
	tz_sipws_on_message(C, "", 0);
	bad++;
	assert_int_equal(ctr(TZ_SIPWS_MALFORMED), bad);
	assert_int_equal(n_sent(), 2);
	for (size_t i = 0; i < G_N_ELEMENTS(dropped); i++) {
		feed(dropped[i]);
		bad++;
		assert_int_equal(ctr(TZ_SIPWS_MALFORMED), bad);
		assert_int_equal(n_sent(), 2);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(answered); i++) {
		struct parsed p;

		feed(answered[i]);
		bad++;
		assert_int_equal(ctr(TZ_SIPWS_MALFORMED), bad);
		assert_int_equal(n_sent(), 3 + i);
		p = parse(sent(2 + i));
		assert_int_equal(p.sip->sip_status->st_status, 400);
		done(&p);
	}
	assert_int_equal(fake_calls->len, 0);
	assert_int_equal(fake_messages, 0);
	/* still registered and working */
	feed_free(fixture("jssip-msg-2.txt"));
	assert_int_equal(fake_calls->len, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_register_digest_passthrough),
		T(test_register_sipjs),
		T(test_register_refused_backs_off),
		T(test_register_second_aor_and_busy),
		T(test_register_query),
		T(test_same_device_new_connection),
		T(test_binding_expires),
		T(test_unregister_expires_0),
		T(test_unregister_contact_star),
		T(test_close_unregisters),
		T(test_invite_before_register),
		T(test_invite_targets),
		T(test_invite_ringing_answered),
		T(test_invite_progress_183),
		T(test_invite_echo_answered),
		T(test_invite_no_route_404),
		T(test_invite_draining_503),
		T(test_hangup_before_answer),
		T(test_browser_cancel),
		T(test_browser_bye),
		T(test_manager_hangup_sends_bye),
		T(test_reinvite_hold),
		T(test_invite_challenge_relayed),
		T(test_remote_hold_resume_quickly),
		T(test_info_dtmf),
		T(test_options_and_unknown),
		T(test_incoming_answered),
		T(test_incoming_busy),
		T(test_incoming_cancelled),
		T(test_incoming_not_registered),
		T(test_message_relayed),
		T(test_message_to_browser),
		T(test_refer_relayed),
		T(test_refer_refused),
		T(test_malformed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
