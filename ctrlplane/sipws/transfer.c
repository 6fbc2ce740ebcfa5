/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blind transfer asked by a phone (REFER, RFC 3515): accepted at once (202
 * and our NOTIFY "100 Trying"), handed to the call manager (a REFER to the
 * far end of the SIP leg), the far end's progress relayed as NOTIFYs
 * (message/sipfrag) until a final line.  Attended transfer (Replaces): 501.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dialog_pvt.h"

/* A blind transfer the browser asked for (REFER): accepted at once (202),
 * then the far end's progress as NOTIFYs (RFC 3515) until a final sipfrag.
 * The call manager reports nothing after its call ended, and the dialog ends
 * with the call, so the transfer is freed with its dialog at the latest. */
struct xfer {
	struct dlg *d;
	bool trying_sent;                 /* our own "100 Trying" went out */
};

/* A NOTIFY (RFC 3515 implicit subscription) with a sipfrag status line. */
static void notify_browser(struct dlg *d, const char *sipfrag, bool final)
{
	g_autofree char *body = g_strdup_printf("%s\r\n", sipfrag);
	const char *extra = final ? "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n"
				  : "Event: refer\r\nSubscription-State: active;expires=60\r\n";

	sipws_send(d->sc, sipws_dlg_request(d, "NOTIFY", ++d->local_cseq, extra,
					    "message/sipfrag;version=2.0", body));
}

static void xfer_done(struct dlg *d)
{
	g_free(d->xfer);
	d->xfer = NULL;
}

/* The call manager reports: the far end's answer to the REFER (sipfrag NULL),
 * then its sipfrag lines, or (0, NULL) when its reports stopped short. */
static void xfer_cb(int status, const char *sipfrag, void *arg)
{
	struct xfer *x = arg;
	struct dlg *d = x->d;
	char line[64];
	int code = 0;

	if (sipfrag == NULL && status >= 200 && status < 300)
		return;                        /* accepted: its NOTIFYs follow */
	if (sipfrag == NULL) {                 /* refused, or nothing more will come */
		if (status == 0)
			status = 503;
		g_snprintf(line, sizeof(line), "SIP/2.0 %d %s", status, sip_status_phrase(status) != NULL ?
			   sip_status_phrase(status) : "Failed");
		notify_browser(d, line, true);
		xfer_done(d);
		return;
	}
	if (sscanf(sipfrag, "SIP/2.0 %d", &code) != 1 || strpbrk(sipfrag, "\r\n") != NULL)
		return;
	if (code == 100 && x->trying_sent)
		return;                        /* we said so already */
	notify_browser(d, sipfrag, code >= 200);
	if (code >= 200)
		xfer_done(d);
}

void sipws_on_refer(struct sconn *sc, struct dlg *d, struct sipws_msg *m)
{
	static const struct {
		int rc, status;
		const char *phrase;
	} refusals[] = {
		{ -ENOENT, 404, "Not Found (no route for the transfer target)" },
		{ -EINVAL, 484, "Address Incomplete (not a transfer target)" },
		{ -ENOTCONN, 481, NULL },
		{ -EBUSY, 491, NULL },
		{ -EOPNOTSUPP, 405, NULL },
	};
	const sip_t *s = m->sip;
	g_autofree char *target = NULL;
	int rc;

	if (sipws.env.transfer == NULL) {
		sipws_reply(sc, m, 405, NULL, ALLOW);
		return;
	}
	if (d->state != DLG_CONFIRMED || d->xfer != NULL) {
		sipws_reply(sc, m, 491, NULL, NULL);
		return;
	}
	if (s->sip_refer_to == NULL || s->sip_refer_to->r_url->url_type == url_invalid) {
		sipws_reply(sc, m, 400, "Bad Request (no Refer-To)", NULL);
		return;
	}
	if (s->sip_refer_to->r_url->url_headers != NULL) {   /* ?Replaces=...: attended */
		sipws_reply(sc, m, 501, "Not Implemented (attended transfer)", NULL);
		return;
	}
	target = sipws_target(sc, s->sip_refer_to->r_url);
	if (target == NULL) {
		sipws_reply(sc, m, 400, "Bad Request (Refer-To names nobody)", NULL);
		return;
	}
	d->xfer = g_new0(struct xfer, 1);
	d->xfer->d = d;
	rc = sipws.env.transfer(sc->conn, d->call, target, xfer_cb, d->xfer);
	if (rc != 0) {
		int st = 403;
		const char *phrase = NULL;

		for (size_t i = 0; i < G_N_ELEMENTS(refusals); i++)
			if (refusals[i].rc == rc) {
				st = refusals[i].status;
				phrase = refusals[i].phrase;
			}
		sipws_reply(sc, m, st, phrase, st == 405 ? ALLOW : NULL);
		xfer_done(d);
		return;
	}
	TZ_LOG(CP_SESSION, INFO, "SIP-WS call %s: %s transfers the far end to %s", d->call,
	       sipws_aor(sc), target);
	sipws_reply(sc, m, 202, NULL, NULL);
	notify_browser(d, "SIP/2.0 100 Trying", false);
	d->xfer->trying_sent = true;
}
