/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One SIP message per WebSocket message (RFC 7118 section 5): parsed with
 * sofia-sip's message parser, then checked against a table of what every
 * message needs before any of it is used.  Responses are built as text from
 * the request's own header fields (printed back by sofia), so what the
 * browser's transaction layer matches on (Via branch, tags, Call-ID, CSeq)
 * is exactly what it sent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sipws_pvt.h"

#include <sofia-sip/msg_header.h>

/* Longest header value we copy into a response (a Via, a From ...). */
#define HDR_MAX 2048

struct check {
	const char *what;               /* named in the 400's reason and the log */
	bool (*ok)(const sip_t *sip);
	bool requests_only;
};

static bool has_via(const sip_t *s) { return s->sip_via != NULL; }
static bool has_from(const sip_t *s) { return s->sip_from != NULL && s->sip_from->a_url->url_type != url_invalid; }
static bool has_to(const sip_t *s) { return s->sip_to != NULL && s->sip_to->a_url->url_type != url_invalid; }
static bool has_call_id(const sip_t *s) { return s->sip_call_id != NULL && s->sip_call_id->i_id[0] != '\0'; }
static bool has_cseq(const sip_t *s) { return s->sip_cseq != NULL; }
static bool from_tag(const sip_t *s) { return s->sip_from->a_tag != NULL; }

static bool cseq_matches(const sip_t *s)
{
	const sip_request_t *rq = s->sip_request;

	if (rq->rq_method != s->sip_cseq->cs_method)
		return false;
	return rq->rq_method != sip_method_unknown ||
	       g_strcmp0(rq->rq_method_name, s->sip_cseq->cs_method_name) == 0;
}

static bool sip_uri(const sip_t *s)
{
	enum url_type_e t = s->sip_request->rq_url->url_type;

	return t == url_sip || t == url_sips;
}

static bool single_message(const sip_t *s)
{
	/* a body needs its type */
	return s->sip_payload == NULL || s->sip_payload->pl_len == 0 || s->sip_content_type != NULL;
}

static bool length_matches(const sip_t *s)
{
	/* One WebSocket message is one SIP message (RFC 7118 section 5): a
	 * Content-Length that promises more than the frame holds is an error
	 * (RFC 3261 section 18.3).  The parser flags a body cut short, not a
	 * missing one (Content-Length: 99 and nothing after the blank line). */
	size_t have = s->sip_payload != NULL ? s->sip_payload->pl_len : 0;

	return s->sip_content_length == NULL || s->sip_content_length->l_length <= have;
}

static const struct check checks[] = {
	{ "Via", has_via, false },
	{ "From", has_from, false },
	{ "To", has_to, false },
	{ "Call-ID", has_call_id, false },
	{ "CSeq", has_cseq, false },
	{ "From tag", from_tag, true },
	{ "CSeq method", cseq_matches, true },
	{ "Request-URI (sip: or sips:)", sip_uri, true },
	{ "Content-Type of the body", single_message, false },
	{ "Content-Length", length_matches, false },
};

void sipws_msg_clear(struct sipws_msg *m)
{
	if (m->msg != NULL)
		msg_destroy(m->msg);
	memset(m, 0, sizeof(*m));
}

int sipws_parse(const char *buf, size_t len, struct sipws_msg *m, char *why, size_t wlen)
{
	memset(m, 0, sizeof(*m));
	if (len == 0) {
		snprintf(why, wlen, "empty message");
		return -EINVAL;
	}
	m->msg = msg_make(sip_default_mclass(), 0, buf, (ssize_t)len);
	if (m->msg == NULL) {
		snprintf(why, wlen, "out of memory");
		return -ENOMEM;
	}
	m->sip = sip_object(m->msg);
	if (msg_has_error(m->msg) || !msg_is_complete(m->msg) || m->sip == NULL ||
	    (m->sip->sip_request == NULL) == (m->sip->sip_status == NULL)) {
		snprintf(why, wlen, "not a SIP message (bad start line, header or Content-Length)");
		goto err;
	}
	m->request = m->sip->sip_request != NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(checks); i++) {
		if (checks[i].requests_only && !m->request)
			continue;
		if (!checks[i].ok(m->sip)) {
			snprintf(why, wlen, "missing or bad %s", checks[i].what);
			goto err;
		}
	}
	if (m->request) {
		m->method = m->sip->sip_request->rq_method;
		m->method_name = m->sip->sip_request->rq_method_name;
	} else {
		m->method = m->sip->sip_cseq->cs_method;
		m->method_name = m->sip->sip_cseq->cs_method_name;
		m->status = m->sip->sip_status->st_status;
	}
	return 0;
err:
	/* keep the message: enough of it may be there to answer 400 */
	return -EINVAL;
}

/*
 * A header field's value printed back by sofia.  Not sip_header_as_string():
 * in sofia-sip 1.12 it drops the last parameter of some headers (the nc= of
 * an Authorization, the last ;param of a Contact), which breaks digest
 * passthrough; msg_header_field_e() into a buffer of our own does not.
 */
char *sipws_hdr(const void *h)
{
	char buf[HDR_MAX + 1];
	issize_t n;

	if (h == NULL)
		return g_strdup("");
	n = msg_header_field_e(buf, sizeof(buf), (const msg_header_t *)h, 0);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return g_strdup("");
	buf[n] = '\0';
	return g_strdup(buf);
}

char *sipws_url(const url_t *u)
{
	char *s = u != NULL ? url_as_string(NULL, u) : NULL;
	char *copy = g_strdup(s != NULL ? s : "");

	su_free(NULL, s);
	return copy;
}

char *sipws_random(const char *prefix)
{
	uint8_t raw[8];
	GString *s = g_string_new(prefix);

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		uint64_t r = (uint64_t)g_get_monotonic_time() ^ ((uint64_t)g_random_int() << 32);

		memcpy(raw, &r, sizeof(raw));
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		g_string_append_printf(s, "%02x", raw[i]);
	return g_string_free(s, FALSE);
}

/* Extra header lines, Content-Type and Content-Length, the body. */
static void finish(GString *out, const char *extra, const char *ctype, const char *body)
{
	size_t blen = body != NULL ? strlen(body) : 0;

	if (extra != NULL)
		g_string_append(out, extra);
	if (blen > 0)
		g_string_append_printf(out, "Content-Type: %s\r\n", ctype);
	g_string_append_printf(out, "Content-Length: %zu\r\n\r\n", blen);
	if (blen > 0)
		g_string_append_len(out, body, (gssize)blen);
}

GString *sipws_response(const struct sipws_msg *req, int status, const char *phrase,
			const char *to_tag, const char *extra, const char *ctype,
			const char *body)
{
	const sip_t *s = req->sip;
	GString *out = g_string_sized_new(512);
	g_autofree char *from = sipws_hdr(s->sip_from);
	g_autofree char *to = sipws_hdr(s->sip_to);

	g_string_append_printf(out, "SIP/2.0 %d %s\r\n", status,
			       phrase != NULL ? phrase : sip_status_phrase(status));
	for (const sip_via_t *v = s->sip_via; v != NULL; v = v->v_next) {
		g_autofree char *t = sipws_hdr(v);

		g_string_append_printf(out, "Via: %s\r\n", t);
	}
	g_string_append_printf(out, "From: %s\r\n", from);
	if (s->sip_to != NULL && s->sip_to->a_tag == NULL && to_tag != NULL && status > 100)
		g_string_append_printf(out, "To: %s;tag=%s\r\n", to, to_tag);
	else
		g_string_append_printf(out, "To: %s\r\n", to);
	g_string_append_printf(out, "Call-ID: %s\r\n", s->sip_call_id->i_id);
	g_string_append_printf(out, "CSeq: %u %s\r\n", s->sip_cseq->cs_seq,
			       s->sip_cseq->cs_method_name);
	g_string_append(out, "Server: Trapeze\r\n");
	finish(out, extra, ctype, body);
	return out;
}

GString *sipws_request(const struct sipws_req *r, const char *extra, const char *ctype,
		       const char *body)
{
	GString *out = g_string_sized_new(512 + (body != NULL ? strlen(body) : 0));
	g_autofree char *branch = r->branch != NULL ? NULL : sipws_random("z9hG4bK");

	g_string_append_printf(out, "%s %s SIP/2.0\r\n", r->method, r->ruri);
	g_string_append_printf(out, "Via: SIP/2.0/%s trapeze.invalid;branch=%s\r\n",
			       r->tls ? "WSS" : "WS", r->branch != NULL ? r->branch : branch);
	g_string_append(out, "Max-Forwards: 70\r\n");
	g_string_append_printf(out, "From: %s\r\nTo: %s\r\n", r->from, r->to);
	g_string_append_printf(out, "Call-ID: %s\r\nCSeq: %u %s\r\n", r->call_id, r->cseq,
			       r->method);
	finish(out, extra, ctype, body);
	return out;
}
