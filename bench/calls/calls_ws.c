/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load client's WebSocket framing (RFC 6455): masked client frames out,
 * server frames and the 101 upgrade response in.  The socket work lives in
 * calls_engine.c; this file only reads and writes bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "calls_pvt.h"

long calls_ws_frame_parse(const uint8_t *buf, size_t len, size_t max, struct calls_ws_frame *f)
{
	size_t hl = 2;
	uint64_t plen;

	if (len < 2)
		return 0;
	if ((buf[0] & 0x70) != 0 || (buf[1] & 0x80) != 0)
		return -EPROTO;		/* reserved bits, or a masked server frame */
	f->fin = (buf[0] & 0x80) != 0;
	f->op = buf[0] & 0x0F;
	switch (f->op) {
	case CALLS_WS_CONT: case CALLS_WS_TEXT: case CALLS_WS_BINARY:
	case CALLS_WS_CLOSE: case CALLS_WS_PING: case CALLS_WS_PONG:
		break;
	default:
		return -EPROTO;
	}
	plen = buf[1] & 0x7F;
	if (f->op >= CALLS_WS_CLOSE && (plen > 125 || !f->fin))
		return -EPROTO;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		hl = 4;
		if (plen < 126)
			return -EPROTO;	/* not minimal */
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		if (buf[2] & 0x80)
			return -EPROTO;
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | buf[i];
		hl = 10;
		if (plen < 65536)
			return -EPROTO;
	}
	if (plen > max)
		return -EMSGSIZE;
	if (len - hl < plen)
		return 0;
	f->payload = buf + hl;
	f->len = (size_t)plen;
	return (long)(hl + plen);
}

size_t calls_ws_frame_header(uint8_t hdr[14], uint8_t op, size_t len, const uint8_t mask[4])
{
	size_t n;

	hdr[0] = (uint8_t)(0x80 | (op & 0x0F));
	if (len < 126) {
		hdr[1] = (uint8_t)(0x80 | len);
		n = 2;
	} else if (len < 65536) {
		hdr[1] = 0x80 | 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		n = 4;
	} else {
		hdr[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			hdr[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	memcpy(hdr + n, mask, 4);
	return n + 4;
}

/* Value of header @p name in the head [p, end), trimmed; NULL if absent. */
static const char *header(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *v;

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			v = p + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen > 0 && (v[*vlen - 1] == '\r' || v[*vlen - 1] == ' '))
				(*vlen)--;
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

long calls_ws_upgrade_check(const char *buf, size_t len, const char *key, int *status)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	const char *end = NULL, *v;
	char cat[128];
	uint8_t sha[SHA_DIGEST_LENGTH];
	char want[64];
	size_t vl;

	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i + 4;
			break;
		}
	*status = 0;
	if (end == NULL)
		return len > 8192 ? -EPROTO : 0;
	if (len < 12 || memcmp(buf, "HTTP/1.1 ", 9) != 0 ||
	    sscanf(buf + 9, "%3d", status) != 1)
		return -EPROTO;
	if (*status != 101)
		return -EPROTO;
	snprintf(cat, sizeof(cat), "%s%s", key, guid);
	SHA1((const uint8_t *)cat, strlen(cat), sha);
	EVP_EncodeBlock((unsigned char *)want, sha, SHA_DIGEST_LENGTH);
	v = header(buf, end, "Sec-WebSocket-Accept", &vl);
	if (v == NULL || vl != strlen(want) || memcmp(v, want, vl) != 0)
		return -EPROTO;
	v = header(buf, end, "Sec-WebSocket-Protocol", &vl);
	if (v == NULL || vl != strlen("trapeze-jsep.v1") || memcmp(v, "trapeze-jsep.v1", vl) != 0)
		return -EPROTO;
	return (long)(end - buf);
}
