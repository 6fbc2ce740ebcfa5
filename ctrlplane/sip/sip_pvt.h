/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to ctrlplane/sip: the agent, legs and registrations. */
#ifndef TZ_SIP_PVT_H
#define TZ_SIP_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

struct sip_owner;
struct tz_sip;

#define SU_ROOT_MAGIC_T struct tz_sip
#define NUA_MAGIC_T struct tz_sip
#define NUA_HMAGIC_T struct sip_owner

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_glib.h>

#include "tz_log.h"
#include "tz_sip.h"

/* First member of every nua handle magic: tells legs from registrations. */
enum sip_owner_kind {
	SIP_OWNER_LEG,
	SIP_OWNER_REG,
	SIP_OWNER_MSG,          /* struct sip_msg, sip_message.c */
};

struct sip_owner {
	enum sip_owner_kind kind;
};

struct tz_sip {
	const struct tz_cfg_sip *cfg;
	struct tz_sip_handlers h;
	void *user;
	GMainContext *ctx;
	su_root_t *root;
	GSource *src;
	nua_t *nua;
	char *tls_dir;          /* private agent.pem/cafile.pem directory while starting */
	struct sip_guard *guard; /* allow-list and per-source budget (sip_guard.c) */
	char *local_host;       /* host part of our From */
	GList *legs;            /* struct tz_sip_leg *, live dialogs */
	GList *regs;            /* struct tz_sip_reg * */
	GList *msgs;            /* struct sip_msg *, our MESSAGEs in flight */
	char *msg_accept;       /* Accept of a 415 to a MESSAGE, or NULL */
	bool stopping;
	unsigned drain_retry_after;  /* draining: 503 to new INVITEs with this Retry-After */
	bool shutdown_done;
	uint64_t ctr[TZ_SIP_CTR_COUNT];
	GPtrArray *tls_ctx;      /* sofia's SSL_CTXs, referenced (sip_tls_reload.c) */
	unsigned char tls_ca_md[32];  /* SHA-256 of the CA files in force */
};

struct tz_sip_leg {
	struct sip_owner own;
	struct tz_sip *sip;
	nua_handle_t *nh;
	void *user;
	char *call_id;
	char *auth_user, *auth_pass, *auth_realm;
	char *auth_pinned;      /* realm answered in this dialog (trunk realm unset) */
	int refs;               /* owner + stack */
	int auth_tries;
	int end_status;
	char *end_reason;
	guint answer_timer;
	const struct tz_cfg_trunk *trunk;  /* outbound: the trunk; inbound: the one whose
					    * acl/address the INVITE came from, or NULL */
	bool outbound;
	bool answered;          /* 2xx received (outbound) or sent (inbound) */
	bool ended;
	bool released;          /* owner called tz_sip_leg_free() */
	bool hangup_sent;
	bool reinvite_out;      /* our re-INVITE pending */
	bool reinvite_in;       /* far end's re-INVITE or UPDATE offer waiting for our answer */
	char *contact_token;    /* inbound: the tz= parameter of the Request-URI, or NULL */
	char *request_host;     /* inbound: the Request-URI's host, or NULL */
	struct tz_sip_source src;   /* inbound: the INVITE's source (request_host in it) */
	char *contact;          /* our Contact in this dialog (sip_dialog_contact), or NULL */
	bool relay_challenge;   /* 401/407 end the leg; the browser answers them */
	char **challenges;      /* their WWW-/Proxy-Authenticate values, or NULL */
	/* That offer came in an UPDATE: its nua_i_update event, kept so the answer
	 * can name the request (NUTAG_WITH_SAVED) after the callback; else NULL. */
	nua_saved_event_t update_ev[1];
	/* Our REFER (tz_sip_leg_refer): its implied subscription is running
	 * until a final sipfrag, a terminated NOTIFY or a refusal. */
	bool refer_out;
	bool refer_final;       /* a final (>= 200) sipfrag was reported */
	bool refer_auth_tried;  /* a 401/407 to it was answered once */
};

struct tz_sip_reg {
	struct sip_owner own;
	struct tz_sip *sip;
	nua_handle_t *nh;
	tz_sip_reg_cb *cb;
	void *user;
	char *auth_user, *auth_pass, *auth_realm;
	char *contact_token;    /* our Contact's tz= parameter (sip_reg.c) */
	char *auth_pinned;      /* realm answered for this registration */
	int auth_tries;
	bool registered;
	bool unregistering;
	/* Relayed registration (sip_relay.c): the browser answers the challenges. */
	bool relay;
	bool relay_in_flight;   /* one REGISTER transaction on nh */
	bool relay_proxy;       /* last_auth is a Proxy-Authorization */
	tz_sip_relay_cb *relay_cb;
	char *call_id;          /* one for the life of the registration */
	uint32_t cseq;
	uint32_t relay_expires;  /* Expires of the REGISTER in flight */
	char *aor;              /* <sip:USER@DOMAIN> */
	char *ruri;             /* sip:DOMAIN */
	char *proxy;            /* the registrar's address: sip:host:port;transport=X */
	char *contact;          /* our Contact header value, with the browser's parameters */
	char *last_auth;        /* the browser's last credentials, for the un-REGISTER */
};

/* sip_admin.c */
void sip_drain_refuse(struct tz_sip *s, nua_t *nua, nua_handle_t *nh);

/* sip_ua.c */
void sip_count_status(struct tz_sip *s, int status);
/* sip_stats.c: a request received (its method name), a response received */
void sip_stats_request(const char *method);
void sip_stats_response(int status);
void sip_spin(struct tz_sip *s, bool (*done)(struct tz_sip *), unsigned ms);

/* sip_call.c */
void sip_call_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		    nua_handle_t *nh, struct tz_sip_leg *leg, const sip_t *sip, tagi_t tags[]);
void sip_call_incoming(struct tz_sip *s, nua_handle_t *nh, const sip_t *sip);
void sip_call_stop_all(struct tz_sip *s);
void sip_leg_unref(struct tz_sip_leg *leg);
void sip_leg_drop_update(struct tz_sip_leg *leg);
void sip_refer_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		     struct tz_sip_leg *leg, const sip_t *sip, tagi_t tags[]);
void sip_call_free_all(struct tz_sip *s);
char *sip_dialog_contact(const struct tz_sip *s, enum tz_cfg_transport t);
bool sip_uri_ok(const char *uri, bool tel);
int sip_opts_check(const struct tz_sip_invite_opts *o);
char *sip_opts_from(const struct tz_sip *s, const struct tz_sip_invite_opts *o);
char *sip_opts_pai(const struct tz_sip_invite_opts *o);

/* sip_reg.c */
void sip_reg_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		   struct tz_sip_reg *reg, const sip_t *sip);
void sip_reg_stop_all(struct tz_sip *s);
void sip_reg_free_all(struct tz_sip *s);
void sip_reg_free(struct tz_sip_reg *reg);
char *sip_reg_token_new(void);

/* sip_message.c */
struct sip_msg;
void sip_message_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		       struct sip_msg *m, const sip_t *sip);
void sip_message_incoming(struct tz_sip *s, nua_t *nua, nua_handle_t *nh, const sip_t *sip);
/* The source of the request being handled (nua_current_request): its trunks
 * (the first of each tenant's, config order) and the Request-URI host @p ru
 * (borrowed). */
void sip_request_source(struct tz_sip *s, const url_t *ru, struct tz_sip_source *src);
void sip_message_free_all(struct tz_sip *s);

/* sip_relay.c */
void sip_relay_event(struct tz_sip *s, nua_event_t ev, int status, const char *phrase,
		     struct tz_sip_reg *reg, const sip_t *sip);
void sip_relay_unregister(struct tz_sip_reg *reg);
char **sip_challenges_dup(const sip_t *sip, int status);
bool sip_header_value_ok(const char *v, size_t max);

/* sip_guard.c */
enum sip_guard_verdict {
	SIP_GUARD_PASS,
	SIP_GUARD_ACL,          /* not a trunk or peer: 403 */
	SIP_GUARD_LIMIT,        /* over budget: 503 + Retry-After */
	SIP_GUARD_DROP,         /* flooding: 503 here, dropped at the socket from now on */
};
struct sip_guard;
struct sockaddr;
struct sip_guard *sip_guard_new(const struct tz_cfg_sip *cfg, uint64_t *ctr);
void sip_guard_watch(struct sip_guard *g, GMainContext *ctx, uint16_t port);
void sip_guard_free(struct sip_guard *g);
bool sip_guard_allowed(const struct sip_guard *g, const struct tz_cfg_addr *a);
/* The trunks (indexes into sip.trunks, each once, in config order) whose acl
 * or address holds the source @p sa; at most @p max.  */
size_t sip_guard_trunks(const struct sip_guard *g, const struct sockaddr *sa, uint32_t *out,
			size_t max);
enum sip_guard_verdict sip_guard_request(struct sip_guard *g, const struct sockaddr *sa);
unsigned sip_guard_retry_after(void);

/* sip_util.c */
char *sip_hostport(const char *host, uint16_t port);
bool sip_host_is_wildcard(const char *host);
const char *sip_transport_name(enum tz_cfg_transport t);
char *sip_request_uri(const struct tz_cfg_trunk *trunk, const char *user);
char *sip_body_dup(const sip_t *sip);
char *sip_challenge_realm(const sip_t *sip);
char *sip_challenge_pick(const sip_t *sip, const char *want, const char *pinned);
int sip_authenticate(nua_handle_t *nh, const sip_t *sip, const char *cfg_realm, char **pinned,
		     const char *user, const char *pass);
int sip_dtmf_parse(const char *body, char *digit, unsigned *duration_ms);
/* RFC 5168 media_control body: 0 a picture_fast_update, -ENOENT well formed
 * without one, -EINVAL malformed (sip_media_control.c). */
int sip_fast_update_parse(const char *body, size_t len);
int sip_sipfrag_line(const char *body, size_t len, char *out, size_t outlen);
char *sip_tls_dir_create(const char *parent, const char *cert, const char *key, const char *ca,
			 const struct tz_cfg_trunk *trunks, size_t n_trunks);
void sip_tls_dir_remove(char *dir);

/* sip_tls_reload.c: around nua_create(), catch the TLS contexts sofia makes. */
void sip_tls_capture_begin(struct tz_sip *s);
void sip_tls_capture_end(struct tz_sip *s);
void sip_tls_forget(struct tz_sip *s);
int sip_probe_bind(const char *host, uint16_t port, int socktype);
void sip_log_redirect(bool on, uint64_t *ctr);   /* ctr: TZ_SIP_CTR_COUNT counters */

#endif /* TZ_SIP_PVT_H */
