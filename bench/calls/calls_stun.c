/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN for the load client: Binding requests as the controlling ICE agent
 * and a table-driven reader of the responses (RFC 8489, RFC 8445 §7.1).
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "calls_pvt.h"

static const char *const verdict_names[] = {
#define CALLS_STUN_V_NAME(e, n) n,
	CALLS_STUN_VERDICTS(CALLS_STUN_V_NAME)
#undef CALLS_STUN_V_NAME
};

const char *calls_stun_verdict_name(enum calls_stun_verdict v)
{
	return (unsigned)v < CALLS_STUN_VERDICT_COUNT ? verdict_names[v] : "?";
}

/* FINGERPRINT's CRC-32 is zlib's; a STUN message is < 64 KiB. */
uint32_t calls_crc32(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(0, p, (uInt)n);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int hmac_sha1(const char *key, const uint8_t *msg, size_t n, uint8_t out[20])
{
	unsigned int len = 20;

	return HMAC(EVP_sha1(), key, (int)strlen(key), msg, n, out, &len) != NULL && len == 20 ? 0 : -1;
}

int calls_stun_build(uint8_t *buf, size_t cap, uint16_t type, const uint8_t txid[12],
		     const struct calls_stun_tlv *attrs, unsigned n, uint8_t pad,
		     const char *key)
{
	size_t off = CALLS_STUN_HDR;

	if (cap < CALLS_STUN_HDR)
		return -ENOSPC;
	put16(buf, type);
	put32(buf + 4, CALLS_STUN_MAGIC);
	memcpy(buf + 8, txid, 12);
	for (unsigned i = 0; i < n; i++) {
		size_t padded = ((size_t)attrs[i].len + 3) & ~(size_t)3;

		if (off + 4 + padded > cap)
			return -ENOSPC;
		put16(buf + off, attrs[i].type);
		put16(buf + off + 2, attrs[i].len);
		if (attrs[i].len)
			memcpy(buf + off + 4, attrs[i].val, attrs[i].len);
		memset(buf + off + 4 + attrs[i].len, pad, padded - attrs[i].len);
		off += 4 + padded;
	}
	if (key != NULL) {
		if (off + 24 > cap)
			return -ENOSPC;
		/* the length covers MESSAGE-INTEGRITY itself (RFC 8489 §14.5) */
		put16(buf + 2, (uint16_t)(off + 24 - CALLS_STUN_HDR));
		put16(buf + off, CALLS_STUN_A_MESSAGE_INTEGRITY);
		put16(buf + off + 2, 20);
		if (hmac_sha1(key, buf, off, buf + off + 4) != 0)
			return -EIO;
		off += 24;
	}
	if (off + 8 > cap)
		return -ENOSPC;
	put16(buf + 2, (uint16_t)(off + 8 - CALLS_STUN_HDR));
	put16(buf + off, CALLS_STUN_A_FINGERPRINT);
	put16(buf + off + 2, 4);
	put32(buf + off + 4, calls_crc32(buf, off) ^ 0x5354554Eu);
	off += 8;
	return (int)off;
}

int calls_stun_check_build(uint8_t *buf, size_t cap, const struct calls_stun_check *c)
{
	uint8_t prio[4], tie[8];
	struct calls_stun_tlv a[4] = {
		{ CALLS_STUN_A_USERNAME, (uint16_t)strlen(c->username), c->username },
		{ CALLS_STUN_A_PRIORITY, 4, prio },
		{ CALLS_STUN_A_ICE_CONTROLLING, 8, tie },
		{ CALLS_STUN_A_USE_CANDIDATE, 0, NULL },
	};

	if (strlen(c->username) > 513)
		return -EINVAL;
	put32(prio, c->priority);
	put32(tie, (uint32_t)(c->tiebreaker >> 32));
	put32(tie + 4, (uint32_t)c->tiebreaker);
	return calls_stun_build(buf, cap, 0x0001, c->txid, a, c->use_candidate ? 4 : 3, 0, c->pwd);
}

/* ---- reading responses: one row per attribute the client understands ---- */

struct rd {
	const uint8_t *msg;
	const char *ufrag;	/* requests: the USERNAME must start "<ufrag>:" */
	bool user_ok;
	size_t off;		/* of the attribute header */
	const char *pwd;
	struct calls_stun_resp *r;
	bool integrity_ok;
};

typedef enum calls_stun_verdict (*attr_fn)(struct rd *rd, const uint8_t *v, uint16_t len);

static enum calls_stun_verdict a_xor_mapped(struct rd *rd, const uint8_t *v, uint16_t len)
{
	uint16_t port;

	if (len < 4)
		return CALLS_STUN_MALFORMED;
	port = get16(v + 2) ^ (uint16_t)(CALLS_STUN_MAGIC >> 16);
	memset(&rd->r->mapped, 0, sizeof(rd->r->mapped));
	if (v[1] == 1 && len == 8) {
		struct sockaddr_in *s = (struct sockaddr_in *)&rd->r->mapped;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = htonl(get32(v + 4) ^ CALLS_STUN_MAGIC);
	} else if (v[1] == 2 && len == 20) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&rd->r->mapped;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		for (int i = 0; i < 16; i++)
			s->sin6_addr.s6_addr[i] = v[4 + i] ^ rd->msg[4 + i];	/* cookie | txid */
	} else {
		return CALLS_STUN_MALFORMED;
	}
	rd->r->has_mapped = true;
	return CALLS_STUN_SUCCESS;
}

static enum calls_stun_verdict a_error_code(struct rd *rd, const uint8_t *v, uint16_t len)
{
	if (len < 4)
		return CALLS_STUN_MALFORMED;
	rd->r->error_code = (uint16_t)((v[2] & 7) * 100 + v[3]);
	return CALLS_STUN_SUCCESS;
}

static enum calls_stun_verdict a_integrity(struct rd *rd, const uint8_t *v, uint16_t len)
{
	uint8_t copy[CALLS_STUN_MAX], mac[20];

	if (len != 20 || rd->off > sizeof(copy))
		return CALLS_STUN_MALFORMED;
	rd->r->has_integrity = true;
	if (rd->pwd == NULL)
		return CALLS_STUN_SUCCESS;
	memcpy(copy, rd->msg, rd->off);
	put16(copy + 2, (uint16_t)(rd->off + 24 - CALLS_STUN_HDR));
	if (hmac_sha1(rd->pwd, copy, rd->off, mac) != 0 || CRYPTO_memcmp(mac, v, 20) != 0)
		return CALLS_STUN_BAD_INTEGRITY;
	rd->integrity_ok = true;
	return CALLS_STUN_SUCCESS;
}

static enum calls_stun_verdict a_fingerprint(struct rd *rd, const uint8_t *v, uint16_t len)
{
	if (len != 4)
		return CALLS_STUN_MALFORMED;
	if (get32(v) != (calls_crc32(rd->msg, rd->off) ^ 0x5354554Eu))
		return CALLS_STUN_BAD_FINGERPRINT;
	rd->r->has_fingerprint = true;
	return CALLS_STUN_SUCCESS;
}

static enum calls_stun_verdict a_username(struct rd *rd, const uint8_t *v, uint16_t len)
{
	size_t ul = rd->ufrag != NULL ? strlen(rd->ufrag) : 0;

	if (rd->ufrag != NULL && len > ul && memcmp(v, rd->ufrag, ul) == 0 && v[ul] == ':')
		rd->user_ok = true;
	return CALLS_STUN_SUCCESS;
}

static const struct {
	uint16_t type;
	attr_fn fn;
} attr_table[] = {
	{ CALLS_STUN_A_USERNAME, a_username },
	{ CALLS_STUN_A_XOR_MAPPED_ADDRESS, a_xor_mapped },
	{ CALLS_STUN_A_ERROR_CODE, a_error_code },
	{ CALLS_STUN_A_MESSAGE_INTEGRITY, a_integrity },
	{ CALLS_STUN_A_FINGERPRINT, a_fingerprint },
};

/* Header and attribute walk, common to requests and responses. */
static enum calls_stun_verdict walk(struct rd *rd, const uint8_t *buf, size_t len)
{
	size_t mlen;

	if (len < CALLS_STUN_HDR || (buf[0] & 0xC0) != 0 || get32(buf + 4) != CALLS_STUN_MAGIC)
		return CALLS_STUN_NOT_STUN;
	mlen = get16(buf + 2);
	if ((mlen & 3) != 0 || CALLS_STUN_HDR + mlen != len || len > CALLS_STUN_MAX)
		return CALLS_STUN_MALFORMED;
	rd->r->type = get16(buf);
	memcpy(rd->r->txid, buf + 8, 12);
	while (rd->off < len) {
		uint16_t at, alen;
		enum calls_stun_verdict v = CALLS_STUN_SUCCESS;

		if (len - rd->off < 4)
			return CALLS_STUN_MALFORMED;
		at = get16(buf + rd->off);
		alen = get16(buf + rd->off + 2);
		if (((size_t)alen + 3) / 4 * 4 > len - rd->off - 4)
			return CALLS_STUN_MALFORMED;
		/* after MESSAGE-INTEGRITY only FINGERPRINT counts (RFC 8489 §14.5) */
		if (rd->r->has_integrity && at != CALLS_STUN_A_FINGERPRINT) {
			rd->off += 4 + ((size_t)alen + 3) / 4 * 4;
			continue;
		}
		for (size_t i = 0; i < sizeof(attr_table) / sizeof(attr_table[0]); i++)
			if (attr_table[i].type == at) {
				v = attr_table[i].fn(rd, buf + rd->off + 4, alen);
				break;
			}
		if (v != CALLS_STUN_SUCCESS)
			return v;
		if (at == CALLS_STUN_A_FINGERPRINT && rd->off + 8 != len)
			return CALLS_STUN_MALFORMED;	/* FINGERPRINT is last */
		rd->off += 4 + ((size_t)alen + 3) / 4 * 4;
	}
	return CALLS_STUN_SUCCESS;
}

enum calls_stun_verdict calls_stun_parse_response(const uint8_t *buf, size_t len,
						  const uint8_t *txid, const char *pwd,
						  struct calls_stun_resp *out)
{
	struct calls_stun_resp scratch;
	struct rd rd = { .msg = buf, .off = CALLS_STUN_HDR, .pwd = pwd };
	enum calls_stun_verdict v;

	rd.r = out != NULL ? out : &scratch;
	memset(rd.r, 0, sizeof(*rd.r));
	if (len >= 2 && len >= CALLS_STUN_HDR && (buf[0] & 0xC0) == 0 &&
	    get32(buf + 4) == CALLS_STUN_MAGIC && (buf[0] & 0x01) == 0)
		return CALLS_STUN_NOT_RESPONSE;	/* class bit C1 clear: request/indication */
	v = walk(&rd, buf, len);
	if (v != CALLS_STUN_SUCCESS)
		return v;
	if (pwd != NULL && !rd.integrity_ok)
		return CALLS_STUN_BAD_INTEGRITY;
	if (txid != NULL && memcmp(txid, buf + 8, 12) != 0)
		return CALLS_STUN_TXID;
	if ((rd.r->type & 0x0110) == 0x0110)
		return CALLS_STUN_ERROR;
	return rd.r->type == 0x0101 ? CALLS_STUN_SUCCESS : CALLS_STUN_NOT_RESPONSE;
}

enum calls_stun_verdict calls_stun_parse_request(const uint8_t *buf, size_t len,
						 const char *local_ufrag, const char *local_pwd,
						 uint8_t txid[12])
{
	struct calls_stun_resp r;
	struct rd rd = { .msg = buf, .off = CALLS_STUN_HDR, .pwd = local_pwd, .r = &r,
			 .ufrag = local_ufrag };
	enum calls_stun_verdict v;

	memset(&r, 0, sizeof(r));
	v = walk(&rd, buf, len);
	if (v != CALLS_STUN_SUCCESS)
		return v;
	if (r.type != 0x0001)
		return CALLS_STUN_NOT_RESPONSE;
	if (!rd.user_ok || !rd.integrity_ok)
		return CALLS_STUN_BAD_INTEGRITY;
	memcpy(txid, r.txid, 12);
	return CALLS_STUN_SUCCESS;
}

int calls_stun_success_build(uint8_t *buf, size_t cap, const uint8_t txid[12],
			     const struct sockaddr_storage *from, const char *pwd)
{
	uint8_t xa[20];
	struct calls_stun_tlv a = { CALLS_STUN_A_XOR_MAPPED_ADDRESS, 8, xa };

	xa[0] = 0;
	if (from->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)from;
		uint8_t key[16];

		xa[1] = 2;
		put16(xa + 2, ntohs(s->sin6_port) ^ (uint16_t)(CALLS_STUN_MAGIC >> 16));
		put32(key, CALLS_STUN_MAGIC);
		memcpy(key + 4, txid, 12);
		for (int i = 0; i < 16; i++)
			xa[4 + i] = s->sin6_addr.s6_addr[i] ^ key[i];
		a.len = 20;
	} else {
		const struct sockaddr_in *s = (const struct sockaddr_in *)from;

		xa[1] = 1;
		put16(xa + 2, ntohs(s->sin_port) ^ (uint16_t)(CALLS_STUN_MAGIC >> 16));
		put32(xa + 4, ntohl(s->sin_addr.s_addr) ^ CALLS_STUN_MAGIC);
	}
	return calls_stun_build(buf, cap, 0x0101, txid, &a, 1, 0, pwd);
}
