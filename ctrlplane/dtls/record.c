/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing check of a received datagram before OpenSSL sees it.  DTLS
 * (RFC 6347 §4.1.2.7) discards invalid records silently; checking the
 * framing here lets us count them, and keeps structurally broken plaintext
 * handshake records (epoch 0, unauthenticated) from failing a handshake
 * that a real peer is completing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "dtls_pvt.h"

#define REC_HDR_LEN 13		/* type, version, epoch, sequence_number, length */
#define HS_HDR_LEN 12		/* msg_type, length, message_seq, fragment_offset/length */
#define REC_MAX_LEN (16384 + 2048)	/* RFC 6347 §4.1: 2^14 + 2048 */

enum {
	CT_CHANGE_CIPHER_SPEC = 20,
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APPLICATION_DATA = 23,
};

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int hs_type_ok(uint8_t t)
{
	/* RFC 5246 §7.4 and RFC 6347 §4.2.1 (hello_verify_request). */
	static const uint8_t known[] = { 0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20 };

	for (size_t i = 0; i < sizeof(known); i++)
		if (known[i] == t)
			return 1;
	return 0;
}

/* A plaintext handshake record may carry several messages or fragments. */
static int check_handshake(const uint8_t *p, size_t len)
{
	while (len > 0) {
		uint32_t msg_len, frag_off, frag_len;

		if (len < HS_HDR_LEN || !hs_type_ok(p[0]))
			return -EBADMSG;
		msg_len = be24(p + 1);
		frag_off = be24(p + 6);
		frag_len = be24(p + 9);
		if (frag_off > msg_len || frag_len > msg_len - frag_off ||
		    frag_len > len - HS_HDR_LEN)
			return -EBADMSG;
		p += HS_HDR_LEN + frag_len;
		len -= HS_HDR_LEN + frag_len;
	}
	return 0;
}

static int check_body(const uint8_t *hdr, const uint8_t *body, size_t len)
{
	int epoch0 = hdr[3] == 0 && hdr[4] == 0;

	switch (hdr[0]) {
	case CT_CHANGE_CIPHER_SPEC:
		return epoch0 && (len != 1 || body[0] != 1) ? -EBADMSG : 0;
	case CT_ALERT:
		return epoch0 && len != 2 ? -EBADMSG : 0;
	case CT_HANDSHAKE:
		return epoch0 ? check_handshake(body, len) : 0;
	case CT_APPLICATION_DATA:
		return epoch0 ? -EBADMSG : 0;	/* never plaintext */
	default:
		return -EBADMSG;
	}
}

int tz_dtls_record_check(const uint8_t *p, size_t len)
{
	if (len == 0)
		return -EBADMSG;
#ifdef DTLS1_3_VERSION
	/* RFC 9147 §4: a DTLS 1.3 ciphertext header (001xxxxx) is OpenSSL's. */
	if ((p[0] & 0xe0) == 0x20)
		return 0;
#endif
	while (len > 0) {
		size_t rlen;

		if (len < REC_HDR_LEN)
			return -EBADMSG;
		/* DTLS 1.0 (0xfeff, ClientHello records) or 1.2 (0xfefd). */
		if (p[1] != 0xfe || (p[2] != 0xff && p[2] != 0xfd))
			return -EBADMSG;
		rlen = (size_t)p[11] << 8 | p[12];
		if (rlen > REC_MAX_LEN || rlen > len - REC_HDR_LEN)
			return -EBADMSG;
		if (check_body(p, p + REC_HDR_LEN, rlen) < 0)
			return -EBADMSG;
		p += REC_HDR_LEN + rlen;
		len -= REC_HDR_LEN + rlen;
	}
	return 0;
}
