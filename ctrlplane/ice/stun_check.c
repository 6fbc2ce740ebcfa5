/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recognising the browser's consent checks (RFC 7675) in a datagram that
 * reaches the ICE socket: a STUN Binding request (RFC 8489 §5) whose
 * USERNAME starts with our ufrag (RFC 8445 §7.2.2) and whose
 * MESSAGE-INTEGRITY is the HMAC-SHA1 keyed with our password (RFC 8489
 * §14.5, short-term credentials).  Table of the attributes we look at;
 * every other attribute is skipped by its length.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>

#include "tz_ice.h"

#define STUN_HDR 20
#define STUN_COOKIE 0x2112A442u
#define STUN_BINDING_REQUEST 0x0001
#define ATTR_USERNAME 0x0006
#define ATTR_MESSAGE_INTEGRITY 0x0008
#define MI_LEN 20

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* USERNAME is "<our ufrag>:<their ufrag>" on a request to us. */
static bool username_ok(const uint8_t *v, size_t len, const char *ufrag)
{
	size_t n = strlen(ufrag);

	return n > 0 && len > n && memcmp(v, ufrag, n) == 0 && v[n] == ':';
}

/* HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header's
 * length counting up to the end of that attribute (RFC 8489 §14.5). */
static bool integrity_ok(const uint8_t *msg, size_t mi_off, const uint8_t *mac, const char *pwd)
{
	uint8_t hdr[STUN_HDR], out[EVP_MAX_MD_SIZE];
	size_t adj = mi_off + 4 + MI_LEN - STUN_HDR;
	bool ok = false;
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA1", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t olen = 0;

	memcpy(hdr, msg, STUN_HDR);
	hdr[2] = (uint8_t)(adj >> 8);
	hdr[3] = (uint8_t)adj;
	if (ctx != NULL && EVP_MAC_init(ctx, (const unsigned char *)pwd, strlen(pwd), params) == 1 &&
	    EVP_MAC_update(ctx, hdr, STUN_HDR) == 1 &&
	    EVP_MAC_update(ctx, msg + STUN_HDR, mi_off - STUN_HDR) == 1 &&
	    EVP_MAC_final(ctx, out, &olen, sizeof(out)) == 1 && olen == MI_LEN)
		ok = CRYPTO_memcmp(out, mac, MI_LEN) == 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok;
}

int tz_ice_stun_consent_check(const uint8_t *buf, size_t len, const char *ufrag, const char *pwd)
{
	size_t body, off = STUN_HDR;
	bool user = false;

	if (buf == NULL || len < STUN_HDR || (buf[0] & 0xc0) != 0 || be32(buf + 4) != STUN_COOKIE)
		return -EINVAL;
	body = be16(buf + 2);
	if ((body & 3) != 0 || STUN_HDR + body > len)
		return -EINVAL;
	if (be16(buf) != STUN_BINDING_REQUEST)
		return -ENOMSG;
	while (off + 4 <= STUN_HDR + body) {
		uint16_t type = be16(buf + off), alen = be16(buf + off + 2);
		size_t padded = ((size_t)alen + 3) & ~(size_t)3;

		if (off + 4 + padded > STUN_HDR + body)
			return -EINVAL;
		switch (type) {
		case ATTR_USERNAME:
			user = username_ok(buf + off + 4, alen, ufrag);
			break;
		case ATTR_MESSAGE_INTEGRITY:
			/* Attributes after it (FINGERPRINT) are not covered. */
			if (alen != MI_LEN || !user || pwd == NULL || *pwd == '\0')
				return -EACCES;
			return integrity_ok(buf, off, buf + off + 4, pwd) ? 0 : -EACCES;
		default:
			break;
		}
		off += 4 + padded;
	}
	return -EACCES;         /* no MESSAGE-INTEGRITY: not a check from our peer */
}
