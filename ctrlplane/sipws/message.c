/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MESSAGE (RFC 3428) both ways.  From a registered browser: relayed to the
 * route of its Request-URI with the registered AOR as From and
 * P-Asserted-Identity (never what the browser wrote), the far end's final
 * status returned to the browser.  To a browser: a MESSAGE request on its
 * connection (tz_sipws_send_message), answered upstream at once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sipws_pvt.h"

#define MESSAGE_MAX (64 * 1024)
#define MESSAGES_PENDING_MAX 16          /* per connection, waiting for the far end */

struct pending {
	void *conn;
	uint64_t serial;                 /* the connection it came on, still open? */
	struct sipws_msg req;
};

static void message_cb(int status, const char *reason, void *p)
{
	struct pending *pm = p;
	struct sconn *sc = sipws_conn(pm->conn);

	if (sc != NULL && sc->serial == pm->serial) {
		sc->messages_pending--;
		sipws_send(sc, sipws_response(&pm->req, status, reason, NULL, NULL, NULL, NULL));
	}
	sipws_msg_clear(&pm->req);
	g_free(pm);
}

void sipws_on_message_request(struct sconn *sc, struct sipws_msg *m)
{
	const sip_t *s = m->sip;
	const url_t *ru = s->sip_request->rq_url;
	const struct tz_cfg_trunk *trunk = NULL;
	struct tz_sip_invite_opts o = { 0 };
	g_autofree char *target = NULL, *ctype = NULL;
	char user[128], why[160];
	int status = 404;
	struct pending *pm;

	if (!sipws_registered(sc)) {
		sipws_count(TZ_SIPWS_NOT_REGISTERED);
		sipws_reply(sc, m, 403, "Forbidden (register first)", NULL);
		return;
	}
	if (sipws.env.up.message == NULL) {
		sipws_reply(sc, m, 405, NULL, NULL);
		return;
	}
	if (s->sip_payload == NULL || s->sip_payload->pl_len == 0 || s->sip_content_type == NULL) {
		sipws_reply(sc, m, 400, "Bad Request (no body)", NULL);
		return;
	}
	if (s->sip_payload->pl_len > MESSAGE_MAX) {
		sipws_reply(sc, m, 413, NULL, NULL);
		return;
	}
	if (sc->messages_pending >= MESSAGES_PENDING_MAX) {
		sipws_reply(sc, m, 503, "Service Unavailable (too many MESSAGEs in flight)",
			    "Retry-After: 5\r\n");
		return;
	}
	target = sipws_target(sc, ru);
	if (target == NULL || sipws.env.route(sipws_tenant(sc), target, &trunk, user, sizeof(user), &status, why,
					      sizeof(why)) != 0) {
		sipws_reply(sc, m, target == NULL ? 484 : status, NULL, NULL);
		return;
	}
	o.from_uri = sipws_aor(sc);
	o.pai = sipws_aor(sc);
	ctype = sipws_hdr(s->sip_content_type);
	pm = g_new0(struct pending, 1);
	pm->conn = sc->conn;
	pm->serial = sc->serial;
	if (sipws.env.up.message(sipws.env.up.ctx, trunk, user, &o, ctype, s->sip_payload->pl_data,
				 s->sip_payload->pl_len, message_cb, pm) != 0) {
		g_free(pm);
		sipws_reply(sc, m, 503, NULL, NULL);
		return;
	}
	pm->req = *m;
	memset(m, 0, sizeof(*m));
	sc->messages_pending++;
}

int tz_sipws_send_message(void *conn, const char *from_uri, const char *display,
			  const char *content_type, const char *body, size_t len)
{
	struct sconn *sc = sipws_conn(conn);
	GString *out;
	struct sipws_req r;
	g_autofree char *from = NULL, *call_id = NULL, *tag = NULL, *from_tag = NULL;
	g_autofree char *to = NULL, *ctype = NULL, *text = NULL;

	if (sc == NULL || !sipws_registered(sc))
		return -ENOTCONN;
	if (content_type == NULL || strpbrk(content_type, "\r\n") != NULL || len > MESSAGE_MAX)
		return -EINVAL;
	from = sipws_caller_hdr(from_uri, display);
	call_id = sipws_random("tz-");
	tag = sipws_random("tz");
	to = g_strdup_printf("<%s>", sipws_aor(sc));
	from_tag = g_strdup_printf("%s;tag=%s", from, tag);
	ctype = g_strdup(content_type);
	text = g_strndup(body, len);
	r = (struct sipws_req){ .method = "MESSAGE", .ruri = sipws_contact_url(sc),
				.from = from_tag, .to = to, .call_id = call_id, .cseq = 1,
				.tls = sc->tls };
	out = sipws_request(&r, NULL, ctype, text);
	sipws_count(TZ_SIPWS_MESSAGES_TO_BROWSER);
	sipws_send(sc, out);
	return 0;
}
