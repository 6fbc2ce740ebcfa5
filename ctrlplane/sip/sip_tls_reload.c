/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A renewed SIP TLS certificate without a restart (issue 13).
 *
 * sofia-sip 1.12 makes one OpenSSL SSL_CTX per TLS primary transport when
 * nua_create() binds it (tport_tls.c, tls_init_master) and makes the SSL of
 * every connection from it, accepted and connected alike (tls_init_secondary);
 * it has no API to reach or replace that context, and replacing the primary
 * transport would close every connection it owns.  OpenSSL runs the "new"
 * callback of each SSL_CTX ex_data index whenever a context is made, so the
 * index registered here sees sofia's contexts being made while nua_create()
 * runs on this thread (nua has no thread of its own, sip_ua.c) and keeps a
 * reference to each.
 *
 * A reload loads the files into a scratch context first (a broken or
 * mismatched pair, an unreadable CA file change nothing: -EINVAL and the
 * reason), then puts the certificate, its chain and the key, and a new CA
 * store, into the live contexts.  SSL_new() copies the context's
 * certificate into the connection, so TLS connections already open keep
 * theirs until they close; new ones, inbound and outbound, present the new
 * certificate and check trunks against the new CAs.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sip_pvt.h"

#define SYSTEM_CAS "/etc/ssl/certs/ca-certificates.crt"

static __thread GPtrArray *capturing;   /* contexts made on this thread, or NULL */
static GOnce index_once = G_ONCE_INIT;

static void on_ctx_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		       void *argp)
{
	(void)ptr, (void)ad, (void)idx, (void)argl, (void)argp;
	if (capturing != NULL && parent != NULL && SSL_CTX_up_ref(parent) == 1)
		g_ptr_array_add(capturing, parent);
}

static gpointer register_index(gpointer unused)
{
	(void)unused;
	return GINT_TO_POINTER(SSL_CTX_get_ex_new_index(0, NULL, on_ctx_new, NULL, NULL));
}

/* The SHA-256 of the CA files in the order sofia got them (sip_tls_dir_create). */
static int ca_digest(const struct tz_cfg_sip *cfg, unsigned char md[32], char *err, size_t errlen)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len = 32;
	int rc = 0;

	for (size_t i = 0; i <= cfg->n_trunks && rc == 0; i++) {
		const char *path = i == 0 ? (cfg->tls_ca ? cfg->tls_ca : SYSTEM_CAS)
					  : cfg->trunks[i - 1].tls_ca;
		g_autofree gchar *text = NULL;
		g_autoptr(GError) e = NULL;
		gsize n = 0;

		if (path == NULL)
			continue;
		if (!g_file_get_contents(path, &text, &n, &e)) {
			snprintf(err, errlen, "%s%s%s: %s", i == 0 ? "sip.tls_ca" : "sip.trunks ",
				 i == 0 ? "" : cfg->trunks[i - 1].name, i == 0 ? "" : ": tls_ca",
				 e->message);
			rc = -EINVAL;
			break;
		}
		g_checksum_update(sum, (const guchar *)text, (gssize)n);
	}
	if (rc == 0)
		g_checksum_get_digest(sum, md, &len);
	g_checksum_free(sum);
	return rc;
}

static int load_pair(SSL_CTX *tmp, const struct tz_cfg_sip *cfg, char *err, size_t errlen);
static int apply_all(struct tz_sip *s, SSL_CTX *tmp, X509_STORE *store, int what);

/* sofia reads agent.pem with SSL_CTX_use_certificate_file(): the first
 * certificate only.  Peers that check the chain need the intermediates of
 * sip.tls_cert (an ACME fullchain.pem) too: put the whole chain in. */
static int send_chain(struct tz_sip *s, char *err, size_t errlen)
{
	SSL_CTX *tmp = SSL_CTX_new(TLS_method());
	int rc = -ENOMEM;

	if (tmp == NULL)
		return rc;
	ERR_clear_error();
	rc = load_pair(tmp, s->cfg, err, errlen);
	if (rc == 0 && apply_all(s, tmp, NULL, TZ_SIP_TLS_CERT_RENEWED) != 0) {
		snprintf(err, errlen, "the chain of %s does not go in", s->cfg->tls_cert);
		rc = -EIO;
	}
	ERR_clear_error();
	SSL_CTX_free(tmp);
	return rc;
}

void sip_tls_capture_begin(struct tz_sip *s)
{
	g_once(&index_once, register_index, NULL);
	if (GPOINTER_TO_INT(index_once.retval) < 0)
		return;
	if (s->tls_ctx == NULL)
		s->tls_ctx = g_ptr_array_new_with_free_func((GDestroyNotify)SSL_CTX_free);
	capturing = s->tls_ctx;
}

void sip_tls_capture_end(struct tz_sip *s)
{
	char err[256];

	capturing = NULL;
	if (s->tls_ctx == NULL)
		return;
	/* Only the contexts sofia put a certificate in are its TLS transports'. */
	for (guint i = s->tls_ctx->len; i-- > 0;)
		if (SSL_CTX_get0_certificate(s->tls_ctx->pdata[i]) == NULL)
			g_ptr_array_remove_index_fast(s->tls_ctx, i);
	if (s->tls_ctx->len == 0)
		TZ_LOG(CP_SIP, WARNING, "sip: sofia's TLS context is out of reach: a new "
		       "sip.tls_cert needs a restart");
	else if (send_chain(s, err, sizeof(err)) != 0)
		TZ_LOG(CP_SIP, WARNING, "sip.tls_cert: only the first certificate is sent: %s",
		       err);
	if (ca_digest(s->cfg, s->tls_ca_md, err, sizeof(err)) != 0)
		memset(s->tls_ca_md, 0, sizeof(s->tls_ca_md));
}

void sip_tls_forget(struct tz_sip *s)
{
	if (s->tls_ctx != NULL)
		g_ptr_array_free(s->tls_ctx, TRUE);
	s->tls_ctx = NULL;
}

static const char *ssl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_error());   /* the cause, not "PEM lib" */

	return r != NULL ? r : "does not load";
}

static int load_pair(SSL_CTX *tmp, const struct tz_cfg_sip *cfg, char *err, size_t errlen)
{
	if (cfg->tls_cert == NULL || cfg->tls_key == NULL) {
		snprintf(err, errlen, "sip.tls_cert and sip.tls_key are needed");
		return -EINVAL;
	}
	if (SSL_CTX_use_certificate_chain_file(tmp, cfg->tls_cert) != 1) {
		snprintf(err, errlen, "sip.tls_cert %s: %s", cfg->tls_cert, ssl_reason());
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(tmp, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tmp) != 1) {
		snprintf(err, errlen, "sip.tls_key %s: %s (for sip.tls_cert %s)", cfg->tls_key,
			 ssl_reason(), cfg->tls_cert);
		return -EINVAL;
	}
	return 0;
}

static X509_STORE *load_cas(const struct tz_cfg_sip *cfg, char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	const char *ca = cfg->tls_ca ? cfg->tls_ca : SYSTEM_CAS;

	if (store == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (X509_STORE_load_file(store, ca) != 1) {
		snprintf(err, errlen, "sip.tls_ca %s: %s", ca, ssl_reason());
		goto fail;
	}
	for (size_t i = 0; i < cfg->n_trunks; i++)
		if (cfg->trunks[i].tls_ca != NULL &&
		    X509_STORE_load_file(store, cfg->trunks[i].tls_ca) != 1) {
			snprintf(err, errlen, "sip.trunks %s: tls_ca %s: %s", cfg->trunks[i].name,
				 cfg->trunks[i].tls_ca, ssl_reason());
			goto fail;
		}
	return store;
fail:
	X509_STORE_free(store);
	return NULL;
}

/* OpenSSL keeps one certificate per key type: a new type would leave the old
 * certificate in the context next to the new one, and clients preferring its
 * type would still get it. */
static int same_key_type(SSL_CTX *live, SSL_CTX *tmp, char *err, size_t errlen)
{
	EVP_PKEY *a = SSL_CTX_get0_privatekey(live), *b = SSL_CTX_get0_privatekey(tmp);

	if (a == NULL || b == NULL || EVP_PKEY_get_base_id(a) == EVP_PKEY_get_base_id(b))
		return 0;
	snprintf(err, errlen, "sip.tls_key: the key type changed (%s to %s): restart to apply",
		 EVP_PKEY_get0_type_name(a), EVP_PKEY_get0_type_name(b));
	return -EINVAL;
}

static int apply_all(struct tz_sip *s, SSL_CTX *tmp, X509_STORE *store, int what)
{
	STACK_OF(X509) *chain = NULL;

	SSL_CTX_get0_chain_certs(tmp, &chain);
	for (guint i = 0; i < s->tls_ctx->len; i++) {
		SSL_CTX *live = s->tls_ctx->pdata[i];

		if ((what & TZ_SIP_TLS_CERT_RENEWED) &&
		    SSL_CTX_use_cert_and_key(live, SSL_CTX_get0_certificate(tmp),
					     SSL_CTX_get0_privatekey(tmp), chain, 1) != 1)
			return -EIO;
		if (what & TZ_SIP_TLS_CAS_RELOADED) {
			/* Looked up at each handshake: connections open never use it again. */
			if (X509_STORE_up_ref(store) != 1)
				return -ENOMEM;
			SSL_CTX_set_cert_store(live, store);
		}
	}
	return 0;
}

int tz_sip_tls_reload(struct tz_sip *s, const struct tz_cfg_sip *cfg, bool apply, char *err,
		      size_t errlen)
{
	unsigned char md[32];
	X509_STORE *store = NULL;
	SSL_CTX *tmp = NULL, *live;
	int rc, what = 0;

	/* No files: TLS is being turned off, which waits for the restart that
	 * sip.transports needs; the running pair stays until then. */
	if (s == NULL || cfg == NULL || !(s->cfg->transports & TZ_SIP_TLS) ||
	    cfg->tls_cert == NULL || cfg->tls_key == NULL)
		return -ENOENT;
	ERR_clear_error();
	tmp = SSL_CTX_new(TLS_method());
	if (tmp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = load_pair(tmp, cfg, err, errlen);
	if (rc != 0)
		goto out;
	rc = ca_digest(cfg, md, err, errlen);      /* names a file that does not read */
	if (rc != 0)
		goto out;
	/* The system bundle takes ~100 ms to parse: only when the CA files changed. */
	if (memcmp(md, s->tls_ca_md, sizeof(md)) != 0) {
		store = load_cas(cfg, err, errlen);
		if (store == NULL) {
			rc = -EINVAL;
			goto out;
		}
		what |= TZ_SIP_TLS_CAS_RELOADED;
	}
	if (s->tls_ctx == NULL || s->tls_ctx->len == 0) {
		snprintf(err, errlen, "sip.tls_cert: sofia's TLS context is out of reach: restart "
			 "to apply");
		rc = -ENOTSUP;
		goto out;
	}
	live = s->tls_ctx->pdata[0];
	rc = same_key_type(live, tmp, err, errlen);
	if (rc != 0)
		goto out;
	if (X509_cmp(SSL_CTX_get0_certificate(tmp), SSL_CTX_get0_certificate(live)) != 0)
		what |= TZ_SIP_TLS_CERT_RENEWED;
	rc = what;
	if (apply && what != 0) {
		rc = apply_all(s, tmp, store, what);
		if (rc != 0) {
			snprintf(err, errlen, "sip.tls_cert %s: %s", cfg->tls_cert, ssl_reason());
			goto out;
		}
		memcpy(s->tls_ca_md, md, sizeof(md));
		rc = what;
		TZ_LOG(CP_SIP, NOTICE, "sip: TLS %s%s%s for new connections (%u context%s); open "
		       "ones keep theirs",
		       what & TZ_SIP_TLS_CERT_RENEWED ? "certificate renewed" : "",
		       what == (TZ_SIP_TLS_CERT_RENEWED | TZ_SIP_TLS_CAS_RELOADED) ? " and " : "",
		       what & TZ_SIP_TLS_CAS_RELOADED ? "CAs reloaded" : "", s->tls_ctx->len,
		       s->tls_ctx->len == 1 ? "" : "s");
	}
out:
	ERR_clear_error();
	X509_STORE_free(store);
	SSL_CTX_free(tmp);
	return rc;
}
