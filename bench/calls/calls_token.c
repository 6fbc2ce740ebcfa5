/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login tokens for the load client's users: HS256 JWTs with the claims
 * ctrlplane/auth checks (sub, iat, exp, optional iss/aud/targets, kid),
 * signed with the lab's secret, read as tools/token-issuer.py reads it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "calls_pvt.h"

static size_t b64url(char *out, const uint8_t *in, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = tab[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
	return o;
}

/* Append a JSON string; the names the client mints never need escapes
 * beyond these, but escape anyway. */
static int json_str(char *buf, size_t cap, size_t *off, const char *s)
{
	if (*off + 1 >= cap)
		return -ENOSPC;
	buf[(*off)++] = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int n;

		if (ch == '"' || ch == '\\')
			n = snprintf(buf + *off, cap - *off, "\\%c", ch);
		else if (ch < 0x20)
			n = snprintf(buf + *off, cap - *off, "\\u%04x", ch);
		else
			n = snprintf(buf + *off, cap - *off, "%c", ch);
		if (n < 0 || (size_t)n >= cap - *off)
			return -ENOSPC;
		*off += (size_t)n;
	}
	if (*off + 1 >= cap)
		return -ENOSPC;
	buf[(*off)++] = '"';
	buf[*off] = '\0';
	return 0;
}

static int lit(char *buf, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (*off + n >= cap)
		return -ENOSPC;
	memcpy(buf + *off, s, n + 1);
	*off += n;
	return 0;
}

int calls_token_mint(char *out, size_t cap, const uint8_t *key, size_t key_len,
		     const struct calls_token_claims *c)
{
	char hdr[256], pl[2048], num[64];
	size_t h = 0, p = 0, o;
	uint8_t mac[32];
	unsigned int mlen = sizeof(mac);
	int rc = 0;

	if (c == NULL || c->sub == NULL || key == NULL)
		return -EINVAL;
	rc |= lit(hdr, sizeof(hdr), &h, "{\"alg\":\"HS256\",\"typ\":\"JWT\"");
	if (c->kid != NULL) {
		rc |= lit(hdr, sizeof(hdr), &h, ",\"kid\":");
		rc |= json_str(hdr, sizeof(hdr), &h, c->kid);
	}
	rc |= lit(hdr, sizeof(hdr), &h, "}");
	rc |= lit(pl, sizeof(pl), &p, "{\"sub\":");
	rc |= json_str(pl, sizeof(pl), &p, c->sub);
	snprintf(num, sizeof(num), ",\"iat\":%" PRId64 ",\"exp\":%" PRId64, c->iat, c->exp);
	rc |= lit(pl, sizeof(pl), &p, num);
	if (c->iss != NULL) {
		rc |= lit(pl, sizeof(pl), &p, ",\"iss\":");
		rc |= json_str(pl, sizeof(pl), &p, c->iss);
	}
	if (c->aud != NULL) {
		rc |= lit(pl, sizeof(pl), &p, ",\"aud\":");
		rc |= json_str(pl, sizeof(pl), &p, c->aud);
	}
	if (c->targets != NULL) {
		rc |= lit(pl, sizeof(pl), &p, ",\"targets\":[");
		for (unsigned i = 0; c->targets[i] != NULL; i++) {
			if (i)
				rc |= lit(pl, sizeof(pl), &p, ",");
			rc |= json_str(pl, sizeof(pl), &p, c->targets[i]);
		}
		rc |= lit(pl, sizeof(pl), &p, "]");
	}
	rc |= lit(pl, sizeof(pl), &p, "}");
	if (rc != 0)
		return -ENOSPC;
	/* base64url grows 4/3: header.payload.sig */
	if ((h + 2) / 3 * 4 + (p + 2) / 3 * 4 + 44 + 3 > cap)
		return -ENOSPC;
	o = b64url(out, (const uint8_t *)hdr, h);
	out[o++] = '.';
	o += b64url(out + o, (const uint8_t *)pl, p);
	if (HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)out, o, mac, &mlen) == NULL)
		return -EIO;
	out[o++] = '.';
	o += b64url(out + o, mac, mlen);
	return (int)o;
}

int calls_token_read_secret(const char *path, uint8_t *key, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	int ch;

	if (f == NULL)
		return -errno;
	while ((ch = fgetc(f)) != EOF && ch != '\n' && n < cap)
		key[n++] = (uint8_t)ch;
	fclose(f);
	while (n > 0 && (key[n - 1] == '\r' || key[n - 1] == ' ' || key[n - 1] == '\t'))
		n--;
	return n < 32 ? -EINVAL : (int)n;
}
