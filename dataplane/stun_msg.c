/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE consent checks answered in the dataplane (tz_stun.h): the message
 * walk, the checks and the response, on plain buffers.  The worker needs no
 * library state per call: the HMAC key is kept as the two SHA-1 states
 * after the padded key block (RFC 2104 §4), 40 bytes in the flow entry, and
 * each block goes through OpenSSL's SHA1_Transform (SHA-NI where the CPU
 * has it; the low-level call is deprecated in OpenSSL 3 but the only one
 * that starts from a saved state).  CRC-32 is a table here.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/sha.h>
#include <zlib.h>

#include "tz_stun.h"

#define HDR 20
#define COOKIE 0x2112A442u
#define BINDING_REQUEST 0x0001
#define BINDING_SUCCESS 0x0101
#define A_USERNAME 0x0006
#define A_MI 0x0008
#define A_XOR_MAPPED 0x0020
#define A_PRIORITY 0x0024
#define A_USE_CANDIDATE 0x0025
#define A_FINGERPRINT 0x8028
#define A_ICE_CONTROLLED 0x8029
#define A_ICE_CONTROLLING 0x802A
#define MI_LEN 20
#define FP_XOR 0x5354554eu

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
	SHA_CTX c = { .h0 = h[0], .h1 = h[1], .h2 = h[2], .h3 = h[3], .h4 = h[4] };

	SHA1_Transform(&c, p);
	h[0] = c.h0;
	h[1] = c.h1;
	h[2] = c.h2;
	h[3] = c.h3;
	h[4] = c.h4;
}

/* SHA-1 of one 64-byte block already folded into @p mid, then @p len bytes. */
static void sha1_from(const uint32_t mid[5], const uint8_t *m, size_t len, uint8_t out[20])
{
	uint32_t h[5];
	uint8_t blk[64];
	uint64_t bits = ((uint64_t)len + 64) * 8;
	size_t n = len;

	memcpy(h, mid, sizeof(h));
	for (; n >= 64; n -= 64, m += 64)
		sha1_block(h, m);
	memcpy(blk, m, n);
	blk[n++] = 0x80;
	if (n > 56) {
		memset(blk + n, 0, 64 - n);
		sha1_block(h, blk);
		n = 0;
	}
	memset(blk + n, 0, 56 - n);
	put32(blk + 56, (uint32_t)(bits >> 32));
	put32(blk + 60, (uint32_t)bits);
	sha1_block(h, blk);
	for (int i = 0; i < 5; i++)
		put32(out + 4 * i, h[i]);
}

void tz_dp_stun_hmac(const struct tz_dp_stun_cred *c, const uint8_t *msg, size_t len,
		     uint8_t mac[20])
{
	uint8_t inner[20];

	sha1_from(c->hmac_in, msg, len, inner);
	sha1_from(c->hmac_out, inner, sizeof(inner), mac);
}

/* STUN FINGERPRINT (RFC 5389 15.5) is the CRC-32 of zlib / IEEE 802.3. */
uint32_t tz_dp_stun_crc32(const uint8_t *p, size_t len)
{
	return (uint32_t)crc32(0, p, (uInt)len);   /* len: a UDP payload, < 64 KiB */
}

int tz_dp_stun_cred_set(struct tz_dp_stun_cred *c, const char *lufrag, const char *rufrag,
			const char *pwd)
{
	static const uint32_t iv[5] = {
		0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u,
	};
	uint8_t ki[64], ko[64];
	size_t l, r, p;

	memset(c, 0, sizeof(*c));
	if (lufrag == NULL || rufrag == NULL || pwd == NULL)
		return -EINVAL;
	l = strlen(lufrag);
	r = strlen(rufrag);
	p = strlen(pwd);
	if (l == 0 || r == 0 || p == 0)
		return -EINVAL;
	if (l + 1 + r > TZ_DP_STUN_USER_MAX || p > 64)
		return -E2BIG;
	memcpy(c->user, lufrag, l);
	c->user[l] = ':';
	memcpy(c->user + l + 1, rufrag, r);
	c->user_len = (uint8_t)(l + 1 + r);
	memset(ki, 0x36, sizeof(ki));
	memset(ko, 0x5c, sizeof(ko));
	for (size_t i = 0; i < p; i++) {
		ki[i] ^= (uint8_t)pwd[i];
		ko[i] ^= (uint8_t)pwd[i];
	}
	memcpy(c->hmac_in, iv, sizeof(iv));
	memcpy(c->hmac_out, iv, sizeof(iv));
	sha1_block(c->hmac_in, ki);
	sha1_block(c->hmac_out, ko);
	memset(ki, 0, sizeof(ki));
	memset(ko, 0, sizeof(ko));
	c->on = 1;
	return 0;
}

/* Where the attributes we look at are (offsets from the message start). */
struct walk {
	size_t user, user_len, mi, fp;
};

/* One attribute at @p off; TZ_STUN_ANSWER to go on. */
static enum tz_stun_verdict attr_one(struct walk *w, uint16_t type, size_t alen, size_t off)
{
	if (w->fp != 0)
		return TZ_STUN_PUNT_MALFORMED;          /* FINGERPRINT is the last */
	if (w->mi != 0 && type != A_FINGERPRINT)
		return TZ_STUN_PUNT;                    /* not covered by the MAC */
	switch (type) {
	case A_USERNAME:
		if (w->user != 0)
			return TZ_STUN_PUNT_MALFORMED;
		w->user = off + 4;
		w->user_len = alen;
		return TZ_STUN_ANSWER;
	case A_MI:
		w->mi = off;
		return alen == MI_LEN ? TZ_STUN_ANSWER : TZ_STUN_PUNT_MALFORMED;
	case A_FINGERPRINT:
		w->fp = off;
		return alen == 4 ? TZ_STUN_ANSWER : TZ_STUN_PUNT_MALFORMED;
	case A_PRIORITY:
		return alen == 4 ? TZ_STUN_ANSWER : TZ_STUN_PUNT_MALFORMED;
	case A_ICE_CONTROLLING:
		return alen == 8 ? TZ_STUN_ANSWER : TZ_STUN_PUNT_MALFORMED;
	case A_USE_CANDIDATE:
		/* Chromium's checks of the selected pair all carry it against a
		 * lite agent (semi-aggressive nomination); on the flow's own
		 * 5-tuple -- the pair selected already -- it changes nothing
		 * (RFC 8445 §7.3.1.5); another pair has no credentials */
		return alen == 0 ? TZ_STUN_ANSWER : TZ_STUN_PUNT_MALFORMED;
	case A_ICE_CONTROLLED:  /* a role conflict (we are controlled): libnice's */
		return TZ_STUN_PUNT;
	default:
		/* comprehension-required ones we do not know: libnice's (it
		 * answers 420); optional ones (GOOG-NETWORK-INFO) are skipped */
		return type < 0x8000 ? TZ_STUN_PUNT : TZ_STUN_ANSWER;
	}
}

static enum tz_stun_verdict walk_attrs(const uint8_t *req, size_t len, struct walk *w)
{
	size_t off = HDR;

	memset(w, 0, sizeof(*w));
	while (off < len) {
		uint16_t type, alen;
		size_t padded;
		enum tz_stun_verdict v;

		if (len - off < 4)
			return TZ_STUN_PUNT_MALFORMED;
		type = be16(req + off);
		alen = be16(req + off + 2);
		padded = ((size_t)alen + 3) & ~(size_t)3;
		if (padded > len - off - 4)
			return TZ_STUN_PUNT_MALFORMED;
		v = attr_one(w, type, alen, off);
		if (v != TZ_STUN_ANSWER)
			return v;
		off += 4 + padded;
	}
	if (w->user == 0 || w->mi == 0 || w->fp == 0)
		return TZ_STUN_PUNT;    /* not an ICE check as RFC 8445 §7.1.2 sends it */
	return TZ_STUN_ANSWER;
}

/* MESSAGE-INTEGRITY at @p mi of @p req: the MAC over the message before it,
 * with the header's length ending at it (RFC 8489 §14.5). */
static int mac_ok(const struct tz_dp_stun_cred *c, const uint8_t *req, size_t mi)
{
	uint8_t buf[TZ_STUN_REQ_MAX], mac[20], diff = 0;

	memcpy(buf, req, mi);
	put16(buf + 2, (uint32_t)(mi + 4 + MI_LEN - HDR));
	tz_dp_stun_hmac(c, buf, mi, mac);
	for (int i = 0; i < MI_LEN; i++)
		diff |= (uint8_t)(mac[i] ^ req[mi + 4 + i]);
	return diff == 0;
}

static size_t put_xor_mapped(uint8_t *p, const uint8_t *txid, const uint8_t src[16],
			     uint16_t sport)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool v4 = memcmp(src, v4mapped, sizeof(v4mapped)) == 0;
	uint8_t x[16];

	put32(x, COOKIE);
	memcpy(x + 4, txid, 12);
	put16(p, A_XOR_MAPPED);
	put16(p + 2, v4 ? 8 : 20);
	p[4] = 0;
	p[5] = v4 ? 1 : 2;
	put16(p + 6, sport ^ (COOKIE >> 16));
	if (v4) {
		for (int i = 0; i < 4; i++)
			p[8 + i] = src[12 + i] ^ x[i];
		return 12;
	}
	for (int i = 0; i < 16; i++)
		p[8 + i] = src[i] ^ x[i];
	return 24;
}

static size_t build(const struct tz_dp_stun_cred *c, const uint8_t *req, const uint8_t src[16],
		    uint16_t sport, uint8_t *out)
{
	size_t n;

	put16(out, BINDING_SUCCESS);
	memcpy(out + 4, req + 4, 16);           /* cookie, transaction ID */
	n = HDR + put_xor_mapped(out + HDR, req + 8, src, sport);
	put16(out + 2, (uint32_t)(n + 4 + MI_LEN - HDR));
	put16(out + n, A_MI);
	put16(out + n + 2, MI_LEN);
	tz_dp_stun_hmac(c, out, n, out + n + 4);
	n += 4 + MI_LEN;
	put16(out + 2, (uint32_t)(n + 8 - HDR));
	put16(out + n, A_FINGERPRINT);
	put16(out + n + 2, 4);
	put32(out + n + 4, tz_dp_stun_crc32(out, n) ^ FP_XOR);
	return n + 8;
}

enum tz_stun_verdict tz_dp_stun_answer_buf(const struct tz_dp_stun_cred *c, const uint8_t *req,
					   size_t len, const uint8_t src[16], uint16_t sport,
					   uint8_t *out, size_t *out_len)
{
	struct walk w;
	enum tz_stun_verdict v;

	if (c == NULL || !c->on || req == NULL)
		return TZ_STUN_PUNT;
	if (len < HDR || (req[0] & 0xc0) != 0 || be32(req + 4) != COOKIE ||
	    (len & 3) != 0 || (size_t)be16(req + 2) != len - HDR)
		return TZ_STUN_PUNT_MALFORMED;
	if (be16(req) != BINDING_REQUEST || len > TZ_STUN_REQ_MAX)
		return TZ_STUN_PUNT;
	v = walk_attrs(req, len, &w);
	if (v != TZ_STUN_ANSWER)
		return v;
	if (be32(req + w.fp + 4) != (tz_dp_stun_crc32(req, w.fp) ^ FP_XOR))
		return TZ_STUN_PUNT_MALFORMED;
	if (w.user_len != c->user_len || memcmp(req + w.user, c->user, c->user_len) != 0)
		return TZ_STUN_PUNT_USER;
	if (!mac_ok(c, req, w.mi))
		return TZ_STUN_BAD_AUTH;
	*out_len = build(c, req, src, sport, out);
	return TZ_STUN_ANSWER;
}
