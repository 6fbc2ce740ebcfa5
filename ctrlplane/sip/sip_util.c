/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers: URIs, bodies, digest credentials, DTMF bodies, TLS files, logs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "sip_pvt.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_log.h>

extern su_log_t nua_log[];
extern su_log_t nta_log[];
extern su_log_t tport_log[];
extern su_log_t soa_log[];
extern su_log_t sresolv_log[];
extern su_log_t iptsec_log[];

char *sip_hostport(const char *host, uint16_t port)
{
	bool v6 = strchr(host, ':') != NULL && host[0] != '[';

	if (port)
		return g_strdup_printf(v6 ? "[%s]:%u" : "%s:%u", host, port);
	return g_strdup_printf(v6 ? "[%s]" : "%s", host);
}

/* The any-address of either family ("0.0.0.0", "::", "0:0::0", "[::]") or "*":
 * a listener on it has no address of its own to put in a Contact. */
bool sip_host_is_wildcard(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = host ? strlen(host) : 0;

	if (!host || !strcmp(host, "*"))
		return host != NULL;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_UNSPECIFIED(&a6);
	return false;
}

const char *sip_transport_name(enum tz_cfg_transport t)
{
	switch (t) {
	case TZ_SIP_TCP:
		return "tcp";
	case TZ_SIP_TLS:
		return "tls";
	default:
		return "udp";
	}
}

/*
 * sip:user@host:port;transport=X, built from the trunk alone (issue 9): the
 * target only supplies @p user, which must be a plain user part (what
 * tz_sip_target_parse() gives).  NULL when it is not.
 */
char *sip_request_uri(const struct tz_cfg_trunk *trunk, const char *user)
{
	uint16_t port = trunk->address.port;
	char *hp, *uri;

	if (!tz_sip_user_valid(user))
		return NULL;
	if (!port)
		port = trunk->transport == TZ_SIP_TLS ? 5061 : 5060;
	hp = sip_hostport(trunk->address.host, port);
	uri = g_strdup_printf("sip:%s@%s;transport=%s", user, hp,
			      sip_transport_name(trunk->transport));
	g_free(hp);
	return uri;
}

char *sip_body_dup(const sip_t *sip)
{
	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data || !sip->sip_payload->pl_len)
		return NULL;
	return g_strndup(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

/* The realm parameter without its quotes; NULL when absent or when it holds a
 * quote, backslash or control character (it goes into a credential string). */
static char *realm_of(const msg_auth_t *au)
{
	const char *v = au->au_params ? msg_params_find(au->au_params, "realm=") : NULL;
	size_t n;

	if (!v)
		return NULL;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		v++, n -= 2;
	for (size_t i = 0; i < n; i++)
		if (v[i] == '"' || v[i] == '\\' || (unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return NULL;
	return g_strndup(v, n);
}

/* Realm of the first challenge, unquoted, or NULL. */
char *sip_challenge_realm(const sip_t *sip)
{
	const msg_auth_t *au = NULL;

	if (sip && sip->sip_www_authenticate)
		au = sip->sip_www_authenticate;
	else if (sip && sip->sip_proxy_authenticate)
		au = sip->sip_proxy_authenticate;
	return au ? realm_of(au) : NULL;
}

/*
 * The Digest challenge to answer and its realm (RFC 3261 22.2), or NULL:
 *  - @p want set (trunks[].realm): a challenge for exactly that realm; a
 *    challenge for any other realm is never answered;
 *  - unset: the first Digest challenge, and when @p pinned (the realm this
 *    leg or registration answered before) is set its realm must equal it, so
 *    a dialog never sends the trunk's credentials to a second realm.
 */
char *sip_challenge_pick(const sip_t *sip, const char *want, const char *pinned)
{
	const msg_auth_t *lists[2] = { sip ? sip->sip_www_authenticate : NULL,
				       sip ? sip->sip_proxy_authenticate : NULL };
	const char *match = want ? want : pinned;

	for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
		for (const msg_auth_t *au = lists[l]; au; au = au->au_next) {
			char *realm;

			if (!au->au_scheme || g_ascii_strcasecmp(au->au_scheme, "Digest") != 0)
				continue;
			realm = realm_of(au);
			if (realm && (!match || strcmp(realm, match) == 0))
				return realm;
			g_free(realm);
			if (!want)
				return NULL;   /* only the first Digest challenge counts */
		}
	}
	return NULL;
}

/*
 * Answer a 401/407 once with "Digest:"realm":user:password".  0, -EACCES (no
 * credentials), -EPERM (no challenge for an acceptable realm: see
 * sip_challenge_pick; counted by the caller).  *pinned keeps the realm answered.
 */
int sip_authenticate(nua_handle_t *nh, const sip_t *sip, const char *cfg_realm, char **pinned,
		     const char *user, const char *pass)
{
	char *realm, *cred;

	if (!user || !pass)
		return -EACCES;
	realm = sip_challenge_pick(sip, cfg_realm, pinned ? *pinned : NULL);
	if (!realm) {
		char *offered = sip_challenge_realm(sip);

		TZ_LOG(CP_SIP, WARNING, "digest challenge for realm \"%s\" not answered: %s",
		       offered ? offered : "?", cfg_realm ? "the trunk's realm is set to another "
		       "(trunks[].realm)" : "another realm was answered before in this dialog");
		g_free(offered);
		return -EPERM;
	}
	cred = g_strdup_printf("Digest:\"%s\":%s:%s", realm, user, pass);
	nua_authenticate(nh, NUTAG_AUTH(cred), TAG_END());
	explicit_bzero(cred, strlen(cred));
	g_free(cred);
	if (pinned && !*pinned)
		*pinned = realm;
	else
		g_free(realm);
	return 0;
}

/* "Signal=5\r\nDuration=160\r\n" (application/dtmf-relay, de-facto format). */
int sip_dtmf_parse(const char *body, char *digit, unsigned *duration_ms)
{
	const char *sig = body ? strstr(body, "Signal=") : NULL;
	const char *dur = body ? strstr(body, "Duration=") : NULL;

	if (!sig)
		return -EINVAL;
	sig += strlen("Signal=");
	while (*sig == ' ')
		sig++;
	if (!strchr("0123456789*#ABCDabcd", *sig) || !*sig)
		return -EINVAL;
	*digit = g_ascii_toupper(*sig);
	*duration_ms = dur ? (unsigned)MIN(strtoul(dur + strlen("Duration="), NULL, 10), 10000UL)
			   : 0;   /* a peer's number: kept to 10 s */
	return 0;
}

/*
 * The status line of a message/sipfrag body (RFC 3420, a REFER's NOTIFY,
 * RFC 3515 2.4.5): its first line must be "SIP/2.0 SP 3DIGIT SP reason"
 * (the version case-insensitive, the status 100..699, the reason may be
 * empty).  @p out gets "SIP/2.0 NNN reason" with the reason cut to fit and
 * every byte outside printable ASCII made '?' (it goes on to a browser).
 * Returns the status, or -EINVAL.  @p body need not be NUL-terminated.
 */
int sip_sipfrag_line(const char *body, size_t len, char *out, size_t outlen)
{
	size_t eol = 0, r, n;
	int status;

	if (!body || !out || outlen < 16)
		return -EINVAL;
	while (eol < len && body[eol] != '\r' && body[eol] != '\n')
		eol++;
	if (eol < 11 || g_ascii_strncasecmp(body, "SIP/2.0 ", 8) ||
	    !g_ascii_isdigit(body[8]) || !g_ascii_isdigit(body[9]) || !g_ascii_isdigit(body[10]) ||
	    (eol > 11 && body[11] != ' '))
		return -EINVAL;
	status = (body[8] - '0') * 100 + (body[9] - '0') * 10 + (body[10] - '0');
	if (status < 100 || status > 699)
		return -EINVAL;
	n = (size_t)g_snprintf(out, outlen, "SIP/2.0 %d", status);
	for (r = 12; r < eol && n + 2 < outlen; r++) {
		unsigned char ch = (unsigned char)body[r];

		if (r == 12)
			out[n++] = ' ';
		out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[n] = '\0';
	return status;
}

/* Wipe and free a file's contents (the private key is in it). */
static void secret_free(gchar *buf, gsize len)
{
	if (buf) {
		explicit_bzero(buf, len);
		g_free(buf);
	}
}

/*
 * sofia's tport takes a directory holding agent.pem (key + certificate) and
 * cafile.pem (the CAs that trunk certificates must chain to).  Build one in
 * a private mode-0700 directory under @p parent (sip.tls_dir, default
 * /run/trapeze: tmpfs, never /tmp), files mode 0600.  sofia reads them once
 * when the TLS transport is created; sip_ua.c removes the directory right
 * after, so the key copy lives only during start-up.  Buffers holding the
 * key are wiped.  @p ca: PEM bundle (sip.tls_ca); each of the @p n_trunks
 * trunks' tls_ca (an enterprise's private CA) is appended to it.  sofia has
 * one TLS context for the agent: every CA listed is then trusted for every
 * TLS trunk (the host name is still checked against the trunk's address).
 */
char *sip_tls_dir_create(const char *parent, const char *cert, const char *key, const char *ca,
			 const struct tz_cfg_trunk *trunks, size_t n_trunks)
{
	gchar *c = NULL, *k = NULL, *agent = NULL, *cas = NULL, *dir = NULL, *p = NULL;
	gsize clen = 0, klen = 0, calen = 0, alen = 0;
	GError *err = NULL;
	int e;

	parent = parent ? parent : "/run/trapeze";
	if (g_mkdir_with_parents(parent, 0755) < 0) {
		e = errno;
		TZ_LOG(CP_SIP, ERR, "sip.tls_dir: cannot create %s: %s", parent, g_strerror(e));
		errno = e;
		return NULL;
	}
	dir = g_build_filename(parent, "sip-tls-XXXXXX", NULL);
	if (!g_mkdtemp_full(dir, 0700)) {
		e = errno;
		TZ_LOG(CP_SIP, ERR, "sip.tls_dir: cannot create a private directory in %s: %s",
		       parent, g_strerror(e));
		g_free(dir);
		errno = e;
		return NULL;
	}
	if (!g_file_get_contents(cert, &c, &clen, &err) ||
	    !g_file_get_contents(key, &k, &klen, &err))
		goto fail_read;
	if (!g_file_get_contents(ca ? ca : "/etc/ssl/certs/ca-certificates.crt", &cas, &calen,
				 &err))
		goto fail_read;
	for (size_t i = 0; i < n_trunks; i++) {
		gchar *t = NULL, *all;
		gsize tlen = 0;

		if (trunks[i].tls_ca == NULL)
			continue;
		if (!g_file_get_contents(trunks[i].tls_ca, &t, &tlen, &err)) {
			TZ_LOG(CP_SIP, ERR, "sip.trunks %s: tls_ca: %s", trunks[i].name, err->message);
			goto fail_read;
		}
		all = g_strconcat(cas, "\n", t, NULL);
		g_free(cas);
		g_free(t);
		cas = all;
		calen = strlen(cas);
		TZ_LOG(CP_SIP, INFO, "sip.trunks %s: CAs of %s trusted for TLS trunks", trunks[i].name,
		       trunks[i].tls_ca);
	}
	agent = g_strconcat(k, "\n", c, NULL);
	alen = strlen(agent);
	p = g_build_filename(dir, "agent.pem", NULL);
	if (!g_file_set_contents_full(p, agent, -1, G_FILE_SET_CONTENTS_NONE, 0600, &err))
		goto fail_write;
	g_free(p);
	p = g_build_filename(dir, "cafile.pem", NULL);
	if (!g_file_set_contents_full(p, cas, (gssize)calen, G_FILE_SET_CONTENTS_NONE, 0600, &err))
		goto fail_write;
	g_free(p);
	secret_free(agent, alen), secret_free(k, klen), g_free(c), g_free(cas);
	return dir;

fail_write:
	g_free(p);
fail_read:
	TZ_LOG(CP_SIP, ERR, "sip.tls: %s; give readable PEM files in sip.tls_cert, sip.tls_key "
	       "and sip.tls_ca", err->message);
	sip_tls_dir_remove(dir);
	secret_free(agent, alen), secret_free(k, klen), g_free(c), g_free(cas);
	g_error_free(err);
	errno = EINVAL;
	return NULL;
}

/* Remove the files (overwritten first: tmpfs pages are not wiped on unlink). */
void sip_tls_dir_remove(char *dir)
{
	static const char *const names[] = { "agent.pem", "cafile.pem" };

	if (!dir)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *p = g_build_filename(dir, names[i], NULL);
		FILE *f = fopen(p, "r+");

		if (f) {
			long n;
			static const char zero[4096];

			fseek(f, 0, SEEK_END);
			n = ftell(f);
			rewind(f);
			for (; n > 0; n -= (long)sizeof(zero))
				fwrite(zero, 1, n < (long)sizeof(zero) ? (size_t)n : sizeof(zero), f);
			fclose(f);
		}
		g_unlink(p);
		g_free(p);
	}
	g_rmdir(dir);
	g_free(dir);
}

/*
 * sofia's logger gets no per-message level, so the level is chosen by
 * threshold: sofia logs at <= 3 (errors, warnings) as NOTICE normally; when
 * cp.sip is at DEBUG, sofia logs up to 7 and they go out as DEBUG.
 * Sofia may write a line in pieces: keep them until the newline.
 */
static GString *log_line;
static bool log_debug;
static uint64_t *log_ctr;       /* the agent's counters: sofia only logs these events */

static bool is_malformed(const char *line)
{
	return strstr(line, "received garbage") || strstr(line, "Bad message") ||
	       (strstr(line, "nta: ") && strstr(line, " has bad "));
}

/* tport's TLS client refused a trunk's certificate (chain or name); sofia then
 * closes the connection without failing the request (it times out). */
static bool is_tls_refusal(const char *line)
{
	return strstr(line, "-Error with certificate") || strstr(line, "Peer Subject Mismatch");
}

/*
 * nta and tport report unparsable messages (answered 400 or dropped) only
 * at level 5, so those two logs always run at 5; their other level-4/5
 * lines are demoted to DEBUG unless cp.sip is at debug.  A line that
 * reports a malformed message counts and is logged at NOTICE.
 */
static void log_sofia(void *stream, const char *fmt, va_list ap)
{
	bool demote = !log_debug && (stream == (void *)nta_log || stream == (void *)tport_log);
	char *nl;

	if (!log_line)
		log_line = g_string_new(NULL);
	g_string_append_vprintf(log_line, fmt, ap);
	while ((nl = strchr(log_line->str, '\n')) != NULL) {
		*nl = '\0';
		if (log_line->str[0] && is_malformed(log_line->str)) {
			if (log_ctr)
				log_ctr[TZ_SIP_CTR_MALFORMED]++;
			TZ_LOG(CP_SIP, NOTICE, "malformed SIP: sofia: %s", log_line->str);
		} else if (log_line->str[0] && is_tls_refusal(log_line->str)) {
			if (log_ctr)
				log_ctr[TZ_SIP_CTR_TLS_VERIFY_FAILED]++;
			TZ_LOG(CP_SIP, WARNING, "trunk TLS certificate refused (sip.tls_ca, "
			       "trunks[].tls_verify): sofia: %s", log_line->str);
		} else if (log_line->str[0] && (log_debug || demote)) {
			TZ_LOG(CP_SIP, DEBUG, "sofia: %s", log_line->str);
		} else if (log_line->str[0]) {
			TZ_LOG(CP_SIP, NOTICE, "sofia: %s", log_line->str);
		}
		g_string_erase(log_line, 0, nl - log_line->str + 1);
	}
}

void sip_log_redirect(bool on, uint64_t *ctr)
{
	su_log_t *logs[] = { su_log_default, nua_log, nta_log, tport_log,
			     soa_log, sresolv_log, iptsec_log };
	unsigned level;

	log_ctr = on ? ctr : NULL;
	log_debug = tz_log_get_level(TZ_LOG_CP_SIP) >= (int)RTE_LOG_DEBUG;
	level = log_debug ? 7 : 3;
	for (size_t i = 0; i < G_N_ELEMENTS(logs); i++) {
		su_log_redirect(logs[i], on ? log_sofia : NULL, logs[i]);
		if (on)
			su_log_soft_set_level(logs[i], logs[i] == nta_log || logs[i] == tport_log
							       ? MAX(level, 5u) : level);
	}
	if (!on && log_line) {
		g_string_free(log_line, TRUE);
		log_line = NULL;
	}
}

/*
 * Try to bind @p host:@p port ourselves first: sofia's tport crashes on some
 * bind failures with a transport list, and cannot tell which one failed.
 * Returns 0 or -errno.
 */
int sip_probe_bind(const char *host, uint16_t port, int socktype)
{
	struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai = NULL;
	char serv[8];
	int fd, rc, one = 1;

	g_snprintf(serv, sizeof(serv), "%u", port);
	if (getaddrinfo(!strcmp(host, "*") ? NULL : host, serv, &hints, &ai) != 0 || !ai)
		return -EADDRNOTAVAIL;
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -errno;
	}
	if (socktype == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ? -errno : 0;
	close(fd);
	freeaddrinfo(ai);
	return rc;
}
