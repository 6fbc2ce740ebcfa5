/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2) and the
 * SRTP key export (RFC 5764 §4.2).
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>

#include "dtls_pvt.h"
#include "tz_log.h"

#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

static const struct {
	enum tz_srtp_suite suite;
	unsigned long id;
	const char *openssl_name;
} profiles[] = {
	{ TZ_SRTP_AES_CM_128_HMAC_SHA1_80, SRTP_AES128_CM_SHA1_80, "SRTP_AES128_CM_SHA1_80" },
	{ TZ_SRTP_AES_CM_128_HMAC_SHA1_32, SRTP_AES128_CM_SHA1_32, "SRTP_AES128_CM_SHA1_32" },
	{ TZ_SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM" },
	{ TZ_SRTP_AEAD_AES_256_GCM, SRTP_AEAD_AES_256_GCM, "SRTP_AEAD_AES_256_GCM" },
};

#define NB_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

const char *tz_dtls_suite_name(enum tz_srtp_suite suite)
{
	for (size_t i = 0; i < NB_PROFILES; i++)
		if (profiles[i].suite == suite)
			return profiles[i].openssl_name;
	return NULL;
}

int tz_dtls_suite_of_profile(unsigned long id, enum tz_srtp_suite *suite)
{
	for (size_t i = 0; i < NB_PROFILES; i++) {
		if (profiles[i].id == id) {
			*suite = profiles[i].suite;
			return 0;
		}
	}
	return -ENOTSUP;
}

/* "SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80" for SSL_set_tlsext_use_srtp(). */
int tz_dtls_profile_list(const enum tz_srtp_suite *suites, unsigned int n, char *out,
			 size_t len)
{
	size_t pos = 0;

	if (len == 0)
		return -ENOSPC;
	out[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		const char *name = tz_dtls_suite_name(suites[i]);
		size_t nlen;

		if (name == NULL)
			return -EINVAL;
		nlen = strlen(name);
		if (pos + nlen + 2 > len)
			return -ENOSPC;
		if (pos > 0)
			out[pos++] = ':';
		memcpy(out + pos, name, nlen + 1);
		pos += nlen;
	}
	return 0;
}

void tz_dtls_keys_wipe(struct tz_dtls_keys *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}

static void fill(struct tz_dtls_keys *k, const uint8_t *key, size_t key_len,
		 const uint8_t *salt, size_t salt_len)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->key, key, key_len);
	k->key_len = key_len;
	memcpy(k->salt, salt, salt_len);
	k->salt_len = salt_len;
}

int tz_dtls_srtp_keys(struct tz_dtls *d, enum tz_srtp_suite *suite, struct tz_dtls_keys *local,
		      struct tz_dtls_keys *remote)
{
	uint8_t km[2 * (TZ_SRTP_MASTER_KEY_MAX + TZ_SRTP_MASTER_SALT_MAX)];
	const SRTP_PROTECTION_PROFILE *prof;
	struct tz_dtls_keys *client, *server;
	size_t kl, sl;
	int rc = -EIO;

	if (d == NULL || suite == NULL || local == NULL || remote == NULL)
		return -EINVAL;
	if (d->state != DTLS_ST_CONNECTED || d->ssl == NULL)
		return -ENOTCONN;
	prof = SSL_get_selected_srtp_profile(d->ssl);
	if (prof == NULL || tz_dtls_suite_of_profile(prof->id, suite) < 0)
		return -ENOTCONN;
	kl = tz_srtp_suite_key_len(*suite);
	sl = tz_srtp_suite_salt_len(*suite);
	if (kl == 0 || sl == 0 || kl > TZ_SRTP_MASTER_KEY_MAX || sl > TZ_SRTP_MASTER_SALT_MAX)
		return -EIO;
	if (SSL_export_keying_material(d->ssl, km, 2 * (kl + sl), EXPORTER_LABEL,
				       strlen(EXPORTER_LABEL), NULL, 0, 0) != 1)
		goto out;
	/* RFC 5764 §4.2: client_write_key | server_write_key | client_write_salt
	 * | server_write_salt. */
	client = d->role == TZ_DTLS_CLIENT ? local : remote;
	server = d->role == TZ_DTLS_CLIENT ? remote : local;
	fill(client, km, kl, km + 2 * kl, sl);
	fill(server, km + kl, kl, km + 2 * kl + sl, sl);
	rc = 0;
out:
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}
