/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificates and fingerprints: what tz_dtls_cert_generate() makes, PEM
 * loading (files written here with OpenSSL), the SDP fingerprint format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dtls_pvt.h"
#include "dtls_test_util.h"

static void format_digest(X509 *x, char *out, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t pos;

	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	pos = (size_t)snprintf(out, len, "sha-256 ");
	for (unsigned int i = 0; i < n; i++)
		pos += (size_t)snprintf(out + pos, len - pos, i ? ":%02X" : "%02X", md[i]);
}

static void assert_fp_shape(const char *s)
{
	GRegex *re = g_regex_new("^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$", 0, 0, NULL);

	assert_true(g_regex_match(re, s, 0, NULL));
	g_regex_unref(re);
}

static void test_generate(void **state)
{
	struct tz_dtls_cert *a = tz_dtls_cert_generate(), *b = tz_dtls_cert_generate();
	char fa[TZ_DTLS_FP_STR_MAX], fb[TZ_DTLS_FP_STR_MAX], want[TZ_DTLS_FP_STR_MAX];
	char cn[64], group[64];
	BIGNUM *serial;
	int days, secs;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(tz_dtls_cert_fingerprint(a, fa, sizeof(fa)), 0);
	assert_int_equal(tz_dtls_cert_fingerprint(b, fb, sizeof(fb)), 0);
	assert_fp_shape(fa);
	format_digest(a->x509, want, sizeof(want));
	assert_string_equal(fa, want);
	assert_string_not_equal(fa, fb);

	/* CN "trapeze", self-issued, ECDSA P-256 with SHA-256. */
	X509_NAME_get_text_by_NID(X509_get_subject_name(a->x509), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "trapeze");
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(a->x509),
				       X509_get_issuer_name(a->x509)), 0);
	assert_int_equal(X509_get_signature_nid(a->x509), NID_ecdsa_with_SHA256);
	assert_int_equal(EVP_PKEY_get_group_name(a->key, group, sizeof(group), NULL), 1);
	assert_string_equal(group, "prime256v1");
	assert_int_equal(X509_verify(a->x509, a->key), 1);
	assert_int_equal(X509_get_version(a->x509), X509_VERSION_3);

	/* A serial with at least 64 random bits, positive, and not repeated. */
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(a->x509), NULL);
	assert_true(BN_num_bits(serial) >= 64);
	assert_false(BN_is_negative(serial));
	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(a->x509),
					      X509_get0_serialNumber(b->x509)), 0);
	BN_free(serial);

	/* Valid from a day ago for 30 days. */
	assert_int_equal(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(a->x509)), 1);
	assert_true(days == -1 || (days == 0 && secs < -86000));
	assert_int_equal(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(a->x509)), 1);
	assert_true(days == 30 || (days == 29 && secs > 86000));

	assert_int_equal(tz_dtls_cert_fingerprint(a, fa, 20), -ENOSPC);
	assert_int_equal(tz_dtls_cert_fingerprint(NULL, fa, sizeof(fa)), -EINVAL);
	tz_dtls_cert_free(a);
	tz_dtls_cert_free(b);
	tz_dtls_cert_free(NULL);
}

static X509 *read_x509(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static void test_load_pem(void **state)
{
	char *dir = g_dir_make_tmp("tz-dtls-XXXXXX", NULL);
	char *crt_a, *key_a, *crt_b, *key_b, *junk;
	char got[TZ_DTLS_FP_STR_MAX], want[TZ_DTLS_FP_STR_MAX];
	struct tz_dtls_cert *c;
	X509 *x;

	assert_non_null(dir);
	dtls_write_pem(dir, "a", 0, &crt_a, &key_a);
	dtls_write_pem(dir, "b", 0, &crt_b, &key_b);
	c = tz_dtls_cert_load(crt_a, key_a);
	assert_non_null(c);
	assert_int_equal(tz_dtls_cert_fingerprint(c, got, sizeof(got)), 0);
	x = read_x509(crt_a);
	format_digest(x, want, sizeof(want));
	assert_string_equal(got, want);
	X509_free(x);
	tz_dtls_cert_free(c);

	errno = 0;
	assert_null(tz_dtls_cert_load(crt_a, key_b));	/* key of another cert */
	assert_int_equal(errno, EINVAL);
	junk = g_build_filename(dir, "junk.pem", NULL);
	assert_true(g_file_set_contents(junk, "-----BEGIN NOTHING-----\nxx\n", -1, NULL));
	assert_null(tz_dtls_cert_load(junk, key_a));
	assert_int_equal(errno, EINVAL);
	assert_null(tz_dtls_cert_load(crt_a, junk));
	assert_int_equal(errno, EINVAL);
	assert_null(tz_dtls_cert_load("/nonexistent/tz.crt", key_a));
	assert_int_equal(errno, ENOENT);
	assert_null(tz_dtls_cert_load(NULL, key_a));
	assert_int_equal(errno, EINVAL);

	for (const char *const *p = (const char *const[]){ crt_a, key_a, crt_b, key_b, junk, NULL };
	     *p != NULL; p++)
		g_unlink(*p);
	g_rmdir(dir);
	g_free(crt_a);
	g_free(key_a);
	g_free(crt_b);
	g_free(key_b);
	g_free(junk);
	g_free(dir);
}

static void test_fingerprint_parse(void **state)
{
	struct tz_dtls_cert *c = tz_dtls_cert_generate();
	struct tz_dtls_fingerprint fp, want;
	char s[TZ_DTLS_FP_STR_MAX], lower[TZ_DTLS_FP_STR_MAX + 8];

	assert_non_null(c);
	assert_int_equal(tz_dtls_cert_fingerprint(c, s, sizeof(s)), 0);
	assert_int_equal(tz_dtls_cert_digest(c, "sha-256", &want), 0);
	assert_int_equal(tz_dtls_fingerprint_parse(s, &fp), 0);
	assert_string_equal(fp.algorithm, "sha-256");
	assert_int_equal(fp.len, 32);
	assert_memory_equal(fp.value, want.value, 32);

	/* Case-insensitive hash name and hex; trailing CRLF from an SDP line. */
	snprintf(lower, sizeof(lower), "SHA-256  %s\r\n", s + 8);
	for (char *p = lower + 9; *p; p++)
		*p = (char)g_ascii_tolower(*p);
	assert_int_equal(tz_dtls_fingerprint_parse(lower, &fp), 0);
	assert_string_equal(fp.algorithm, "sha-256");
	assert_memory_equal(fp.value, want.value, 32);

	assert_int_equal(tz_dtls_fingerprint_parse("md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
						   &fp), -ENOTSUP);
	assert_int_equal(tz_dtls_fingerprint_parse("sha-256 AB:CD", &fp), -EINVAL);
	assert_int_equal(tz_dtls_fingerprint_parse("sha-256", &fp), -EINVAL);
	assert_int_equal(tz_dtls_fingerprint_parse("sha-256 AB:C", &fp), -EINVAL);
	assert_int_equal(tz_dtls_fingerprint_parse("sha-256 AB::CD", &fp), -EINVAL);
	assert_int_equal(tz_dtls_fingerprint_parse("sha-256 ZZ:CD", &fp), -EINVAL);
	assert_int_equal(tz_dtls_fingerprint_parse("", &fp), -EINVAL);
	assert_int_equal(tz_dtls_fingerprint_parse(NULL, &fp), -EINVAL);

	assert_int_equal(tz_dtls_cert_digest(c, "sha-512", &fp), 0);
	assert_int_equal(fp.len, 64);
	assert_int_equal(tz_dtls_fingerprint_format(&fp, s, sizeof(s)), 0);
	assert_int_equal(strlen(s), 8 + 64 * 3 - 1);
	assert_int_equal(tz_dtls_fingerprint_parse(s, &want), 0);
	assert_memory_equal(fp.value, want.value, 64);
	assert_int_equal(tz_dtls_cert_digest(c, "md5", &fp), -ENOTSUP);
	tz_dtls_cert_free(c);
}

static void test_names(void **state)
{
	assert_string_equal(tz_dtls_counter_name(TZ_DTLS_CNT_BAD_RECORD), "dtls_bad_record");
	assert_string_equal(tz_dtls_counter_name(TZ_DTLS_CNT_FP_MISMATCH),
			    "dtls_fingerprint_mismatch");
	assert_string_equal(tz_dtls_counter_name(TZ_DTLS_CNT_COUNT), "?");
	assert_string_equal(tz_dtls_event_name(TZ_DTLS_CONNECTED), "connected");
	assert_string_equal(tz_dtls_event_name((enum tz_dtls_event)9), "?");
}

/* The framing check: what reaches OpenSSL. */
static void test_record_check(void **state)
{
	static const uint8_t ccs[] = { 20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1 };
	static const uint8_t hs[] = {
		22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12 + 2,
		1, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 2, 0xaa, 0xbb,
	};
	uint8_t two[sizeof(ccs) * 2], bad[sizeof(hs)];

	assert_int_equal(tz_dtls_record_check(ccs, sizeof(ccs)), 0);
	assert_int_equal(tz_dtls_record_check(hs, sizeof(hs)), 0);
	memcpy(two, ccs, sizeof(ccs));
	memcpy(two + sizeof(ccs), ccs, sizeof(ccs));
	assert_int_equal(tz_dtls_record_check(two, sizeof(two)), 0);
	assert_int_equal(tz_dtls_record_check(two, sizeof(two) - 1), -EBADMSG);
	assert_int_equal(tz_dtls_record_check(ccs, 12), -EBADMSG);
	memcpy(bad, hs, sizeof(hs));
	bad[24] = 3;	/* fragment longer than the record */
	assert_int_equal(tz_dtls_record_check(bad, sizeof(bad)), -EBADMSG);
	memcpy(bad, hs, sizeof(hs));
	bad[2] = 0xfc;	/* DTLS 1.3 legacy version is 0xfefd; 0xfefc is not a record */
	assert_int_equal(tz_dtls_record_check(bad, sizeof(bad)), -EBADMSG);
	memcpy(bad, hs, sizeof(hs));
	bad[0] = 23;	/* plaintext application data */
	assert_int_equal(tz_dtls_record_check(bad, sizeof(bad)), -EBADMSG);
	bad[4] = 1;	/* ... encrypted (epoch 1) is for OpenSSL to judge */
	assert_int_equal(tz_dtls_record_check(bad, sizeof(bad)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_load_pem),
		cmocka_unit_test(test_fingerprint_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_record_check),
	};

	return cmocka_run_group_tests_name("dtls_cert", tests, NULL, NULL);
}
