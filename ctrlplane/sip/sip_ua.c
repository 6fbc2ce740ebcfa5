/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The agent: su_root on the thread-default GMainContext (su_glib, no thread
 * of its own), one nua, its listeners, the event dispatch and the counters.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sip_pvt.h"

#include <sofia-sip/nta_tag.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>

static const char *const counter_names[] = {
#define TZ_SIP_CTR_NAME(e, n) n,
	TZ_SIP_COUNTERS(TZ_SIP_CTR_NAME)
#undef TZ_SIP_CTR_NAME
};

const char *tz_sip_counter_name(enum tz_sip_counter c)
{
	return (unsigned)c < TZ_SIP_CTR_COUNT ? counter_names[c] : NULL;
}

void tz_sip_counters(const struct tz_sip *sip, uint64_t out[TZ_SIP_CTR_COUNT])
{
	memcpy(out, sip->ctr, sizeof(sip->ctr));
}

void tz_sip_count(struct tz_sip *sip, enum tz_sip_counter c)
{
	if (sip != NULL && (unsigned)c < TZ_SIP_CTR_COUNT)
		sip->ctr[c]++;
}

void sip_count_status(struct tz_sip *s, int status)
{
	if (status >= 100 && status < 700)
		s->ctr[TZ_SIP_CTR_RESP_1XX + status / 100 - 1]++;
	sip_stats_response(status);
	if (status == 401 || status == 407)
		s->ctr[TZ_SIP_CTR_AUTH_CHALLENGE]++;
}

static gboolean spin_tick(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

/* Run our context until done() or @p ms elapse; stop() needs sofia's answers. */
void sip_spin(struct tz_sip *s, bool (*done)(struct tz_sip *), unsigned ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	GSource *tick = g_timeout_source_new(20);

	g_source_set_callback(tick, spin_tick, NULL, NULL);
	g_source_attach(tick, s->ctx);
	while (!done(s) && g_get_monotonic_time() < deadline)
		g_main_context_iteration(s->ctx, TRUE);
	g_source_destroy(tick);
	g_source_unref(tick);
}

static bool is_response(nua_event_t ev)
{
	switch (ev) {
	case nua_r_invite:
	case nua_r_bye:
	case nua_r_cancel:
	case nua_r_info:
	case nua_r_register:
	case nua_r_unregister:
	case nua_r_options:
	case nua_r_method:
	case nua_r_message:
		return true;
	default:
		return false;
	}
}

/* Requests outside a dialog that reach us with a new handle (sip_guard.c checks them). */
static bool opens_transaction(nua_event_t ev)
{
	switch (ev) {
	case nua_i_invite:
	case nua_i_options:
	case nua_i_message:
	case nua_i_register:
	case nua_i_publish:
	case nua_i_subscribe:
	case nua_i_info:
	case nua_i_refer:
	case nua_i_notify:
	case nua_i_method:
		return true;
	default:
		return false;
	}
}

/* Methods the application answers (NUTAG_APPL_METHOD and nua's defaults). */
static bool answered_by_us(nua_event_t ev)
{
	return ev == nua_i_invite || ev == nua_i_options || ev == nua_i_message ||
	       ev == nua_i_register || ev == nua_i_publish || ev == nua_i_subscribe;
}

/*
 * Check the request's source (allow-list and budget).  Refused: 403 (not a
 * trunk or peer) or 503 + Retry-After (over budget), handle released; a
 * request nua answered itself is only counted.  True when refused.
 */
static bool guard_refused(struct tz_sip *s, nua_t *nua, nua_event_t ev, nua_handle_t *nh)
{
	msg_t *m = nua_current_request(nua);
	su_addrinfo_t *ai = m ? msg_addrinfo(m) : NULL;
	enum sip_guard_verdict v = sip_guard_request(s->guard, ai ? ai->ai_addr : NULL);
	char ra[12];

	if (v == SIP_GUARD_PASS)
		return false;
	if (answered_by_us(ev) && v == SIP_GUARD_ACL) {
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
	} else if (answered_by_us(ev)) {
		g_snprintf(ra, sizeof(ra), "%u", sip_guard_retry_after());
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR(ra),
			    NUTAG_WITH_THIS(nua), TAG_END());
	}
	nua_handle_destroy(nh);
	return true;
}

/* OPTIONS (keep-alive pings from the trunk): 200; other methods we do not serve: 405. */
static void answer_other(struct tz_sip *s, nua_t *nua, nua_event_t ev, nua_handle_t *nh)
{
	(void)s;
	if (ev == nua_i_options)
		nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
	else if (answered_by_us(ev))
		nua_respond(nh, SIP_405_METHOD_NOT_ALLOWED, NUTAG_WITH_THIS(nua), TAG_END());
	nua_handle_destroy(nh);
}

static void ua_event(nua_event_t ev, int status, char const *phrase, nua_t *nua,
		     struct tz_sip *s, nua_handle_t *nh, struct sip_owner *own,
		     sip_t const *sip, tagi_t tags[])
{
	(void)nua;
	if (is_response(ev))
		sip_count_status(s, status);
	else if (sip != NULL && sip->sip_request != NULL)
		sip_stats_request(sip->sip_request->rq_method_name);
	if (ev == nua_r_shutdown) {
		if (status >= 200)
			s->shutdown_done = true;
		return;
	}
	if (!own && opens_transaction(ev)) {
		if (guard_refused(s, nua, ev, nh))
			return;
		if (ev == nua_i_invite && s->drain_retry_after > 0) {
			sip_drain_refuse(s, nua, nh);
		} else if (ev == nua_i_invite) {
			s->ctr[TZ_SIP_CTR_INVITE_IN]++;
			sip_call_incoming(s, nh, sip);
		} else if (ev == nua_i_message) {
			sip_message_incoming(s, nua, nh, sip);
			nua_handle_destroy(nh);
		} else {
			answer_other(s, nua, ev, nh);
		}
		return;
	}
	if (own && (ev == nua_i_options || ev == nua_i_message)) {
		/* In a dialog (keep-alive OPTIONS from the trunk): ours to answer, as
		 * NUTAG_APPL_METHOD; the dialog's peer was checked when it began. */
		nua_respond(nh, ev == nua_i_options ? 200 : 405,
			    ev == nua_i_options ? sip_200_OK : sip_405_Method_not_allowed,
			    NUTAG_WITH_THIS(nua), TAG_END());
		return;
	}
	if (!own) {
		if (ev == nua_i_error)
			TZ_LOG(CP_SIP, WARNING, "sofia: error %d %s", status, phrase);
		return;
	}
	if (own->kind == SIP_OWNER_MSG)
		sip_message_event(s, ev, status, phrase, (struct sip_msg *)own, sip);
	else if (own->kind == SIP_OWNER_LEG)
		sip_call_event(s, ev, status, phrase, nh, (struct tz_sip_leg *)own, sip, tags);
	else
		sip_reg_event(s, ev, status, phrase, (struct tz_sip_reg *)own, sip);
}

/* The plain-transport URL of listen[0]: "sip:host:port" (UDP and TCP) or with one transport. */
static char *plain_url(const struct tz_cfg_sip *cfg)
{
	const struct tz_cfg_hostport *l = &cfg->listen[0];
	char *hp = sip_hostport(l->host, l->port ? l->port : 5060), *url;
	bool udp = cfg->transports & TZ_SIP_UDP, tcp = cfg->transports & TZ_SIP_TCP;

	if (!udp && !tcp) {
		g_free(hp);
		return NULL;
	}
	/* Both: no transport parameter (sofia then binds UDP and TCP); a
	 * "transport=udp,tcp" list crashes sofia-sip 1.12 in tport_tbind(). */
	url = udp && tcp ? g_strdup_printf("sip:%s", hp)
			 : g_strdup_printf("sip:%s;transport=%s", hp, udp ? "udp" : "tcp");
	g_free(hp);
	return url;
}

static char *tls_url(const struct tz_cfg_sip *cfg)
{
	const struct tz_cfg_hostport *l = &cfg->listen[0];
	char *hp, *url;

	if (!(cfg->transports & TZ_SIP_TLS))
		return NULL;
	/* TLS runs over TCP: next to a TCP listener on the same port it would
	 * not bind, so it takes the port above (5061 for 5060) */
	hp = sip_hostport(l->host, !l->port ? 5061 : (cfg->transports & TZ_SIP_TCP) ? l->port + 1
										 : l->port);
	url = g_strdup_printf("sips:%s;transport=tls", hp);
	g_free(hp);
	return url;
}

static bool wildcard(const char *host)
{
	return sip_host_is_wildcard(host);
}

/*
 * Outgoing TLS (to trunks): the certificate must chain to sip.tls_ca or to
 * one of the trunks' tls_ca (one bundle: each is trusted for every TLS trunk) and
 * name the host we connected to (TPTLS_VERIFY_SUBJECTS_OUT: subjectAltName
 * DNS or CN equal to the trunk's host).  sofia has one TLS context per agent,
 * so this holds for every TLS trunk unless all of them say tls_verify: false.
 * Incoming TLS connections are not asked for a client certificate.
 */
static unsigned tls_policy(const struct tz_cfg_sip *cfg)
{
	bool any = false, off = false;

	for (size_t i = 0; i < cfg->n_trunks; i++) {
		if (cfg->trunks[i].transport != TZ_SIP_TLS)
			continue;
		any = true;
		off |= !cfg->trunks[i].tls_verify;
		if (!cfg->trunks[i].tls_verify)
			TZ_LOG(CP_SIP, WARNING, "sip.trunks %s: tls_verify: false: the trunk's "
			       "certificate is not checked", cfg->trunks[i].name);
	}
	if (any && off) {
		for (size_t i = 0; i < cfg->n_trunks; i++)
			if (cfg->trunks[i].transport == TZ_SIP_TLS && cfg->trunks[i].tls_verify) {
				TZ_LOG(CP_SIP, WARNING, "sip.trunks: tls_verify is on for %s: "
				       "sofia checks every TLS trunk alike, so all are verified",
				       cfg->trunks[i].name);
				return TPTLS_VERIFY_SUBJECTS_OUT;
			}
		return TPTLS_VERIFY_NONE;
	}
	return TPTLS_VERIFY_SUBJECTS_OUT;
}

static int create_nua(struct tz_sip *s, const char *url, const char *sips_url)
{
	s->nua = nua_create(s->root, ua_event, s,
			    TAG_IF(url, NUTAG_URL(url)),
			    TAG_IF(sips_url, NUTAG_SIPS_URL(sips_url)),
			    TAG_IF(s->tls_dir, NUTAG_CERTIFICATE_DIR(s->tls_dir)),
			    TAG_IF(s->tls_dir, TPTAG_TLS_VERIFY_POLICY(tls_policy(s->cfg))),
			    TAG_IF(s->tls_dir, TPTAG_TLS_VERIFY_DEPTH(8)),
			    NUTAG_MEDIA_ENABLE(0),
			    NUTAG_AUTOALERT(0),
			    NUTAG_AUTOANSWER(0),
			    NUTAG_AUTOACK(1),
			    NUTAG_ENABLEINVITE(1),
			    /* Added to nua's defaults (Allow: INVITE, ACK, BYE, CANCEL,
			     * OPTIONS, PRACK, MESSAGE, SUBSCRIBE, NOTIFY, REFER, UPDATE;
			     * application methods INVITE, REGISTER, PUBLISH, SUBSCRIBE).
			     * UPDATE is ours to answer: without soa nua would send a 2xx
			     * without the SDP answer (sip_call.c on_i_update). */
			    NUTAG_ALLOW("INFO"),
			    NUTAG_APPL_METHOD("UPDATE"),
			    /* Answered in ua_event() after the source check (sip_guard.c). */
			    NUTAG_APPL_METHOD("OPTIONS"),
			    NUTAG_APPL_METHOD("MESSAGE"),
			    NUTAG_SESSION_TIMER(1800),
			    NUTAG_MIN_SE(90),
			    NUTAG_SESSION_REFRESHER(nua_any_refresher),
			    NUTAG_UPDATE_REFRESH(0),
			    SIPTAG_USER_AGENT_STR("Trapeze"),
			    /* One gateway holds many registrations' Contacts: a registrar
			     * forking a call to two devices of one AOR sends us two INVITEs
			     * with the same From tag, Call-ID and CSeq but different
			     * Request-URIs.  Each is its own call, not a merged request
			     * (RFC 3261 8.2.2.2 would answer the second 482). */
			    NTATAG_MERGE_482(0),
			    TAG_END());
	if (s->nua)
		return 0;
	TZ_LOG(CP_SIP, ERR, "sip.listen: cannot bind %s%s%s: %s; check that the address is "
	       "local and the port free", url ? url : "", url && sips_url ? " and " : "",
	       sips_url ? sips_url : "", g_strerror(errno ? errno : EADDRINUSE));
	return -(errno ? errno : EADDRINUSE);
}

static int probe_listeners(const struct tz_cfg_sip *cfg)
{
	static const struct {
		enum tz_cfg_transport t;
		int type;
		uint16_t dflt;
	} probes[] = {
		{ TZ_SIP_UDP, SOCK_DGRAM, 5060 },
		{ TZ_SIP_TCP, SOCK_STREAM, 5060 },
		{ TZ_SIP_TLS, SOCK_STREAM, 5061 },
	};
	const struct tz_cfg_hostport *l = &cfg->listen[0];
	int rc;

	for (size_t i = 0; i < G_N_ELEMENTS(probes); i++) {
		uint16_t port = l->port ? l->port : probes[i].dflt;

		if (!(cfg->transports & probes[i].t))
			continue;
		rc = sip_probe_bind(l->host, port, probes[i].type);
		if (rc < 0) {
			TZ_LOG(CP_SIP, ERR, "sip.listen[0]: cannot bind %s %s:%u: %s; check that the "
			       "address is local and the port free", sip_transport_name(probes[i].t),
			       l->host, port, g_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int open_transports(struct tz_sip *s)
{
	const struct tz_cfg_sip *cfg = s->cfg;
	char *url = plain_url(cfg), *surl = tls_url(cfg);
	int rc = 0;

	for (size_t i = 1; i < cfg->n_listen; i++)
		TZ_LOG(CP_SIP, WARNING, "sip.listen[%zu]: %s:%u ignored: only the first listener "
		       "is bound", i, cfg->listen[i].host, cfg->listen[i].port);
	if (surl && !(cfg->tls_cert && cfg->tls_key)) {
		TZ_LOG(CP_SIP, ERR, "sip.transports: tls needs sip.tls_cert and sip.tls_key");
		rc = -EINVAL;
		goto out;
	}
	rc = probe_listeners(cfg);
	if (rc < 0)
		goto out;
	if (surl) {
		s->tls_dir = sip_tls_dir_create(cfg->tls_dir, cfg->tls_cert, cfg->tls_key,
						cfg->tls_ca, cfg->trunks, cfg->n_trunks);
		if (!s->tls_dir) {
			rc = -errno;
			goto out;
		}
	}
	if (surl)
		sip_tls_capture_begin(s);
	rc = create_nua(s, url, surl);
	if (surl)
		sip_tls_capture_end(s);
	/* sofia has read the key and CAs into its TLS context: no copy stays on disk. */
	sip_tls_dir_remove(s->tls_dir);
	s->tls_dir = NULL;
	if (rc == 0)
		TZ_LOG(CP_SIP, INFO, "listening on %s%s%s", url ? url : "", url && surl ? ", " : "",
		       surl ? surl : "");
out:
	g_free(url);
	g_free(surl);
	return rc;
}

static int setup_root(struct tz_sip *s)
{
	s->ctx = g_main_context_ref_thread_default();
	s->root = su_glib_root_create(s);
	if (!s->root)
		return -ENOMEM;
	/* nua's stack runs in this thread, on this root: no clone thread. */
	su_root_threading(s->root, 0);
	s->src = su_root_gsource(s->root);
	g_source_attach(s->src, s->ctx);
	return 0;
}

struct tz_sip *tz_sip_start(const struct tz_cfg_sip *cfg, const struct tz_sip_handlers *h,
			    void *user)
{
	struct tz_sip *s;
	int rc;

	if (!cfg || !h || !cfg->n_listen || !cfg->listen[0].host) {
		TZ_LOG(CP_SIP, ERR, "sip.listen: no listener configured");
		errno = EINVAL;
		return NULL;
	}
	s = g_new0(struct tz_sip, 1);
	s->cfg = cfg;
	s->h = *h;
	s->user = user;
	su_init();
	sip_log_redirect(true, s->ctr);
	rc = setup_root(s);
	if (rc < 0)
		goto fail;
	s->guard = sip_guard_new(cfg, s->ctr);
	rc = open_transports(s);
	if (rc < 0)
		goto fail;
	if (cfg->transports & TZ_SIP_UDP)
		sip_guard_watch(s->guard, s->ctx, cfg->listen[0].port ? cfg->listen[0].port : 5060);
	s->local_host = wildcard(cfg->listen[0].host) ? g_strdup(g_get_host_name())
						      : sip_hostport(cfg->listen[0].host, 0);
	return s;
fail:
	tz_sip_stop(s);
	errno = -rc;
	return NULL;
}

static bool calls_gone(struct tz_sip *s)
{
	return s->legs == NULL && s->regs == NULL;
}

static bool shutdown_done(struct tz_sip *s)
{
	return s->shutdown_done;
}

void tz_sip_stop(struct tz_sip *s)
{
	if (!s)
		return;
	s->stopping = true;
	if (s->nua) {
		sip_call_stop_all(s);
		sip_reg_stop_all(s);
		sip_spin(s, calls_gone, 2000);
		nua_shutdown(s->nua);
		sip_spin(s, shutdown_done, 3000);
		if (!s->shutdown_done)
			TZ_LOG(CP_SIP, WARNING, "shutdown: sofia did not finish in time");
		sip_call_free_all(s);
		sip_reg_free_all(s);
		sip_message_free_all(s);
		nua_destroy(s->nua);
	}
	/* The GSource is the root's port: the root drops its reference, then
	 * detaching from the context drops the last one. */
	if (s->root)
		su_root_destroy(s->root);
	if (s->src)
		g_source_destroy(s->src);
	if (s->ctx)
		g_main_context_unref(s->ctx);
	sip_tls_dir_remove(s->tls_dir);
	sip_tls_forget(s);
	sip_guard_free(s->guard);
	sip_log_redirect(false, NULL);
	su_deinit();
	g_free(s->local_host);
	g_free(s->msg_accept);
	g_free(s);
}
