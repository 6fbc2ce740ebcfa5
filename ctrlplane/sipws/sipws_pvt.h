/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the SIP-over-WebSocket edge. */
#ifndef TZ_SIPWS_PVT_H
#define TZ_SIPWS_PVT_H

#include <glib.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#include "tz_log.h"
#include "tz_sipws.h"

/* msg.c: one parsed message from a browser. */
struct sipws_msg {
	msg_t *msg;
	sip_t *sip;
	bool request;
	sip_method_t method;           /* requests, and the CSeq method of responses */
	const char *method_name;
	int status;                    /* responses */
};

/* Parse and check one message: 0, or -EINVAL with @p why. */
int sipws_parse(const char *buf, size_t len, struct sipws_msg *m, char *why, size_t wlen);
void sipws_msg_clear(struct sipws_msg *m);
/* A header's value as text (g_free), "" for NULL. */
char *sipws_hdr(const void *h);
/* The URI of a From/To/Contact as text (g_free). */
char *sipws_url(const url_t *u);
/* "z9hG4bK" + 16 random hex; a tag; a Call-ID. */
char *sipws_random(const char *prefix);

/* A response to request @p req: its Vias, From, To (+ @p to_tag when it has
 * none), Call-ID and CSeq; @p extra: further header lines ("X: y\r\n"), may be
 * NULL; @p body with @p ctype, may be NULL.  g_string_free(, TRUE). */
GString *sipws_response(const struct sipws_msg *req, int status, const char *phrase,
			const char *to_tag, const char *extra, const char *ctype,
			const char *body);

/* A request of ours to a browser: From and To are full values (tags included);
 * @p branch NULL = a new one. */
struct sipws_req {
	const char *method, *ruri, *branch, *from, *to, *call_id;
	uint32_t cseq;
	bool tls;                      /* Via transport WSS, else WS */
};
GString *sipws_request(const struct sipws_req *r, const char *extra, const char *ctype,
		       const char *body);

/* The edge: one per `sip` connection. */
struct binding;
struct sconn {
	void *conn;
	char ip[48];
	bool tls;
	uint64_t serial;               /* which connection (pointers get reused) */
	struct binding *b;             /* its registration, or NULL */
	unsigned messages_pending;     /* MESSAGEs relayed, not yet answered */
	GHashTable *dialogs;           /* Call-ID -> struct dlg */
};

struct edge {
	struct tz_sipws_env env;
	GHashTable *conns;             /* conn -> struct sconn */
	uint64_t ctr[TZ_SIPWS_CTR_COUNT];
	unsigned next_call;
	uint64_t next_serial;
};
extern struct edge sipws;

static inline void sipws_count(enum tz_sipws_counter c)
{
	sipws.ctr[c]++;
}

/* edge.c */
struct sconn *sipws_conn(void *conn);
void sipws_send(struct sconn *sc, GString *text);
void sipws_reply(struct sconn *sc, const struct sipws_msg *req, int status, const char *phrase,
		 const char *extra);

/* reg.c */
void sipws_on_register(struct sconn *sc, struct sipws_msg *m);
void sipws_binding_drop(struct sconn *sc);
bool sipws_registered(const struct sconn *sc);
/* The registered AOR of @p sc ("sip:alice@example.net"), its user and domain. */
const char *sipws_aor(const struct sconn *sc);
const char *sipws_aor_user(const struct sconn *sc);
const char *sipws_aor_domain(const struct sconn *sc);
const char *sipws_contact_url(const struct sconn *sc);   /* the browser's Contact URI */
uint32_t sipws_tenant(const struct sconn *sc);          /* its AOR's tenant (default: 0) */
void sipws_reg_shutdown(void);

/* dialog.c */
void sipws_on_request(struct sconn *sc, struct sipws_msg *m);
void sipws_on_response(struct sconn *sc, struct sipws_msg *m);
void sipws_dialogs_free(struct sconn *sc);
void sipws_dialog_deliver(struct sconn *sc, const struct tz_jsep_out *o);
/* The call manager's target for a Request-URI ("echo", a number in the
 * caller's domain, else "sip:user@host"); NULL when it names nobody. */
char *sipws_target(struct sconn *sc, const url_t *ru);
/* From header value for a caller: "Display" <sip:...> (anonymous if not a plain URI). */
char *sipws_caller_hdr(const char *from, const char *display);

/* message.c */
void sipws_on_message_request(struct sconn *sc, struct sipws_msg *m);

#endif
