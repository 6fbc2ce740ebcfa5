/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate fingerprints as SDP carries them (RFC 8122 §5):
 * "sha-256 AB:CD:...", hash function names from the IANA "Hash Function
 * Textual Names" registry, digest in upper-case hex pairs joined by ':'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dtls_pvt.h"

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} hashes[] = {
	{ "sha-1", EVP_sha1 },
	{ "sha-224", EVP_sha224 },
	{ "sha-256", EVP_sha256 },
	{ "sha-384", EVP_sha384 },
	{ "sha-512", EVP_sha512 },
};

const EVP_MD *tz_dtls_md_by_name(const char *algorithm, const char **canon)
{
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		if (strcasecmp(algorithm, hashes[i].name) == 0) {
			if (canon != NULL)
				*canon = hashes[i].name;
			return hashes[i].md();
		}
	}
	return NULL;
}

int tz_dtls_cert_digest(const struct tz_dtls_cert *cert, const char *algorithm,
			struct tz_dtls_fingerprint *fp)
{
	const char *canon;
	const EVP_MD *md;
	unsigned int n = 0;

	if (cert == NULL || algorithm == NULL || fp == NULL)
		return -EINVAL;
	md = tz_dtls_md_by_name(algorithm, &canon);
	if (md == NULL)
		return -ENOTSUP;
	if (X509_digest(cert->x509, md, fp->value, &n) != 1)
		return -EIO;
	snprintf(fp->algorithm, sizeof(fp->algorithm), "%s", canon);
	fp->len = n;
	return 0;
}

int tz_dtls_fingerprint_format(const struct tz_dtls_fingerprint *fp, char *out, size_t len)
{
	size_t need, pos;

	if (fp == NULL || out == NULL || fp->len == 0 || fp->len > TZ_DTLS_FP_MAX)
		return -EINVAL;
	need = strlen(fp->algorithm) + 1 + fp->len * 3;	/* last ':' becomes the NUL */
	if (len < need)
		return -ENOSPC;
	pos = (size_t)snprintf(out, len, "%s ", fp->algorithm);
	for (size_t i = 0; i < fp->len; i++)
		pos += (size_t)snprintf(out + pos, len - pos, i ? ":%02X" : "%02X", fp->value[i]);
	return 0;
}

int tz_dtls_cert_fingerprint(const struct tz_dtls_cert *cert, char *out, size_t len)
{
	struct tz_dtls_fingerprint fp;
	int rc;

	if (cert == NULL || out == NULL)
		return -EINVAL;
	rc = tz_dtls_cert_digest(cert, "sha-256", &fp);
	if (rc < 0)
		return rc;
	return tz_dtls_fingerprint_format(&fp, out, len);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 8122 §5: fingerprint = 2UHEX *(":" 2UHEX); lower case accepted too. */
static int parse_hex_pairs(const char *p, struct tz_dtls_fingerprint *fp)
{
	size_t n = 0;

	for (;;) {
		int hi = hex_val(p[0]), lo = hi < 0 ? -1 : hex_val(p[1]);

		if (hi < 0 || lo < 0 || n == TZ_DTLS_FP_MAX)
			return -EINVAL;
		fp->value[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (*p == '\0' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			break;
		if (*p++ != ':')
			return -EINVAL;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '\0')
		return -EINVAL;
	fp->len = n;
	return 0;
}

int tz_dtls_fingerprint_parse(const char *s, struct tz_dtls_fingerprint *fp)
{
	char alg[sizeof(fp->algorithm)];
	const char *canon;
	const EVP_MD *md;
	size_t alen;
	int rc;

	if (s == NULL || fp == NULL)
		return -EINVAL;
	alen = strcspn(s, " \t");
	if (alen == 0 || alen >= sizeof(alg) || s[alen] == '\0')
		return -EINVAL;
	memcpy(alg, s, alen);
	alg[alen] = '\0';
	md = tz_dtls_md_by_name(alg, &canon);
	s += alen;
	while (*s == ' ' || *s == '\t')
		s++;
	rc = parse_hex_pairs(s, fp);
	if (rc < 0)
		return rc;
	if (md == NULL)
		return -ENOTSUP;
	if (fp->len != (size_t)EVP_MD_get_size(md))
		return -EINVAL;
	snprintf(fp->algorithm, sizeof(fp->algorithm), "%s", canon);
	return 0;
}
