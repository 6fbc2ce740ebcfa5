/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the SIP-over-WebSocket edge (issue 10): arbitrary bytes
 * as WebSocket messages from a browser, on a connection that has not
 * registered and on one that has (JsSIP's REGISTER, 200 from the fake
 * registrar), with fakes of the transport, call manager, registrar and
 * router (tests/unit/sipws/sipws_fakes.h).  The input is split at NUL bytes
 * into up to 8 messages fed in order, so dialogs get state (INVITE, then
 * CANCEL/BYE/re-INVITE/INFO...); the fake manager answers every call at
 * once (answer + ringing) and every hold; after each message the registrar
 * answers what is in flight (status picked from the input) and a pending
 * MESSAGE gets its final status.  Then an incoming call is offered, and
 * everything is closed: no crash, no leak (the ASan build runs the corpus).
 *
 * Real fuzzing: tools/fuzz.sh 60 sipws
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipws_fakes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int conn_a, conn_b;

static const char jssip_register[] =
	"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK6943299\r\n"
	"Max-Forwards: 69\r\n"
	"To: <sip:alice@127.0.0.1>\r\n"
	"From: <sip:alice@127.0.0.1>;tag=l5p7m70dd2\r\n"
	"Call-ID: 3npegjlee069nsshsljjeg\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Expires: 600\r\n"
	"Contact: <sip:4u1auo4n@bt1rmel9akla.invalid;transport=ws>;+sip.ice;reg-id=1;"
	"+sip.instance=\"<urn:uuid:f750a212-8687-427b-9f2a-01bdee4c65f0>\";expires=600\r\n"
	"Content-Length: 0\r\n\r\n";

static const char our_sdp[] =
	"v=0\r\no=- 42 7 IN IP4 203.0.113.1\r\ns=-\r\nt=0 0\r\n"
	"m=audio 40000 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 203.0.113.1\r\na=sendrecv\r\n";

static void manager(void *conn, const struct fake_call_msg *m)
{
	struct tz_jsep_out o = { .id = TZ_JSEP_NO_ID, .call = m->call, .sdp_mline_index = -1 };

	switch (m->type) {
	case TZ_JSEP_CALL:
		o.type = TZ_JSEP_OUT_ANSWER;
		o.sdp = our_sdp;
		tz_sipws_deliver(conn, &o);
		o.type = TZ_JSEP_OUT_RINGING;
		o.sdp = NULL;
		tz_sipws_deliver(conn, &o);
		break;
	case TZ_JSEP_HOLD:
	case TZ_JSEP_UNHOLD:
		o.type = m->type == TZ_JSEP_HOLD ? TZ_JSEP_OUT_HELD : TZ_JSEP_OUT_UNHELD;
		o.by = TZ_JSEP_BY_LOCAL;
		tz_sipws_deliver(conn, &o);
		break;
	default:
		break;
	}
}

static void registrar_answers(uint8_t pick)
{
	static const int status[] = { 200, 401, 403, 407, 500 };
	GList *regs = g_list_copy(fake_regs);

	/* an answer may free any registration (a refusal its own, a device's
	 * re-registration the other connection's): each one still alive */
	for (GList *l = regs; l != NULL; l = l->next)
		if (g_list_find(fake_regs, l->data) != NULL)
			fake_reg_reply_to(l->data, status[pick % G_N_ELEMENTS(status)], NULL,
					  pick & 0x80 ? "Digest realm=\"x\", nonce=\"y\"" : NULL,
					  pick & 0x40 ? 0 : 60);
	g_list_free(regs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct tz_jsep_out inc = { .type = TZ_JSEP_OUT_INCOMING, .id = TZ_JSEP_NO_ID,
				   .call = "in-1", .sdp = our_sdp, .from = "sip:carol@127.0.0.1",
				   .sdp_mline_index = -1 };
	struct tz_jsep_out hup = { .type = TZ_JSEP_OUT_HANGUP, .id = TZ_JSEP_NO_ID, .call = "in-1",
				   .sdp_mline_index = -1 };

	fakes_start();
	fake_calls_hook = manager;
	tz_sipws_on_open(&conn_a);
	tz_sipws_on_open(&conn_b);
	tz_sipws_on_message(&conn_b, jssip_register, sizeof(jssip_register) - 1);
	fake_reg_reply(200, "OK", NULL, 600);

	for (int n = 0; n < 8 && p <= end; n++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);

		tz_sipws_on_message(&conn_a, p, len);
		tz_sipws_on_message(&conn_b, p, len);
		registrar_answers(len > 0 ? (uint8_t)p[len - 1] : 0);
		fake_message_reply(len & 1 ? 200 : 404, NULL);
		if (n == 0)
			tz_sipws_deliver(&conn_b, &inc);
		if (nul == NULL)
			break;
		p = nul + 1;
	}
	tz_sipws_deliver(&conn_b, &hup);
	tz_sipws_on_close(&conn_a);
	fakes_stop();                          /* conn_b: closed by the shutdown */
	return 0;
}
