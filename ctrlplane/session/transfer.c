/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blind transfer by the web user (issue 10: a phone's REFER).  The gateway
 * passes it to the far end of the SIP leg: a REFER on the SIP dialog whose
 * Refer-To is the target routed like a call target (its trunk's host, the
 * Request-URI user part a call would get), Referred-By the phone's AOR.  The
 * far end's answer and its NOTIFY sipfrag lines go back to the caller of
 * tz_calls_transfer(); when the far end completed the transfer it hangs up
 * (BYE) and the call ends as any other.
 *
 * The callback is never called once the call ended (tz_call_end(): the web
 * user's or the far end's hangup, a failure): the SIP leg's handlers check the
 * call's state, and the leg is released with the call.
 */
#include <errno.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

struct find_arg {
	void *conn;
	const char *name;
	struct call *found;
};

static void match(struct call *c, void *p)
{
	struct find_arg *f = p;

	if (f->found == NULL && c->conn == f->conn && strcmp(c->name, f->name) == 0 &&
	    c->state != CALL_ENDED)
		f->found = c;
}

/* sip:USER@HOST[:PORT] at @p t (sips: for a TLS trunk, IPv6 in brackets). */
static char *refer_to_uri(const struct tz_cfg_trunk *t, const char *user)
{
	const char *host = t->address.host;
	bool v6 = strchr(host, ':') != NULL && host[0] != '[';
	const char *scheme = t->transport == TZ_SIP_TLS ? "sips" : "sip";

	if (t->address.port != 0)
		return g_strdup_printf("%s:%s@%s%s%s:%u", scheme, user, v6 ? "[" : "", host,
				       v6 ? "]" : "", t->address.port);
	return g_strdup_printf("%s:%s@%s%s%s", scheme, user, v6 ? "[" : "", host, v6 ? "]" : "");
}

static int refused(struct call *c, int rc, const char *why)
{
	tz_calls_ctr[TZ_CC_TRANSFER_FAILED]++;
	TZ_LOG(CP_SESSION, NOTICE, "call %u (%s -> %s): transfer refused: %s",
	       c != NULL ? c->id : 0, c != NULL ? c->user : "-", c != NULL ? c->target : "-", why);
	return rc;
}

int tz_calls_transfer(void *conn, const char *call_name, const char *target,
		      tz_calls_transfer_cb *cb, void *arg)
{
	struct find_arg f = { .conn = conn, .name = call_name };
	const struct tz_cfg_trunk *trunk = NULL;
	enum tz_jsep_err code = TZ_JSEP_ERR_BAD_TARGET;
	char user[TZ_SIP_TARGET_MAX + 1], why[160] = "";
	g_autofree char *uri = NULL;
	int rc;

	tz_calls_ctr[TZ_CC_TRANSFER_REQUESTED]++;
	if (call_name == NULL || target == NULL || cb == NULL)
		return refused(NULL, -EINVAL, "missing argument");
	tz_calls_foreach(match, &f);
	if (f.found == NULL)
		return refused(NULL, -ENOTCONN, "no such call");
	if (f.found->sip.leg == NULL)
		return refused(f.found, -ENOTCONN, "the call has no SIP leg");
	if (f.found->xfer_cb != NULL)
		return refused(f.found, -EBUSY, "a transfer is in progress");
	if (tz_calls_env.sip == NULL)
		return refused(f.found, -ENOENT, "no SIP side");
	rc = tz_route_target(f.found->tenant, target, strlen(target), &trunk, user, sizeof(user),
			     &code, why, sizeof(why));
	if (rc != 0)
		return refused(f.found, rc == -ENOENT ? -ENOENT : -EINVAL, why);
	uri = refer_to_uri(trunk, user);
	rc = tz_sip_leg_refer(f.found->sip.leg, uri, f.found->from_uri[0] != '\0' ?
			      f.found->from_uri : NULL);
	if (rc != 0)
		return refused(f.found, rc, rc == -ENOTCONN ? "the call is not answered" :
			       rc == -EBUSY ? "a transfer is in progress" : "bad Refer-To");
	f.found->xfer_cb = cb;
	f.found->xfer_arg = arg;
	TZ_LOG(CP_SESSION, INFO, "call %u (%s -> %s): transfer to %s (REFER via trunk %s)",
	       f.found->id, f.found->user, f.found->target, uri, trunk->name);
	return 0;
}

/* SIP leg handler: see on_refer in tz_sip.h. */
void tz_transfer_on_refer(struct tz_sip_leg *leg, int status, const char *sipfrag, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);
	tz_calls_transfer_cb *cb;
	void *arg;
	int frag = sipfrag != NULL ? (int)g_ascii_strtoll(sipfrag + strlen("SIP/2.0 "), NULL, 10)
				   : 0;
	bool final = status >= 300 || frag >= 200 || (status == 0 && sipfrag == NULL);

	(void)user;
	if (c == NULL || c->state == CALL_ENDED || c->xfer_cb == NULL)
		return;
	cb = c->xfer_cb;
	arg = c->xfer_arg;
	if (final) {
		c->xfer_cb = NULL;
		c->xfer_arg = NULL;
		tz_calls_ctr[frag >= 200 && frag < 300 ? TZ_CC_TRANSFER_OK : TZ_CC_TRANSFER_FAILED]++;
		TZ_LOG(CP_SESSION, INFO, "call %u (%s -> %s): transfer %s: %d %s", c->id, c->user,
		       c->target, frag >= 200 && frag < 300 ? "done" : "failed", status,
		       sipfrag != NULL ? sipfrag : "");
	}
	cb(status, sipfrag, arg);
}
