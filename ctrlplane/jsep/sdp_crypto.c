/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * a=fingerprint (RFC 8122 §5) and a=crypto (RFC 4568 §9.1).
 */
#include <errno.h>
#include <string.h>

#include "sdp_pvt.h"

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* a=fingerprint:<hash-func> XX:XX:...  The hash name is case-insensitive
 * (RFC 8122 §5: "sha-256" and "SHA-256" are both seen). */
int sdp_fingerprint_parse(struct sdp_parser *p, char *value, struct tz_sdp_fingerprint *fp)
{
	char *tok[2];
	const char *s;
	int h;
	size_t n = 0;

	if (sdp_split(value, tok, 2) != 2)
		return sdp_fail(p, "a=fingerprint: expected <hash function> <fingerprint>");
	h = sdp_word(sdp_hash_words, tok[0], true);
	if (h < 0)
		return sdp_fail(p, "a=fingerprint: hash \"%s\" is not sha-1, sha-256, sha-384 "
				"or sha-512", tok[0]);
	fp->hash = (enum tz_sdp_hash)h;
	for (s = tok[1];; s += 3) {
		if (hex(s[0]) < 0 || hex(s[1]) < 0 || (s[2] != ':' && s[2] != '\0'))
			return sdp_fail(p, "a=fingerprint: \"%s\" is not colon-separated hex bytes",
					tok[1]);
		if (n == sdp_hash_len[h])
			return sdp_fail(p, "a=fingerprint: %s needs %u bytes", tok[0],
					sdp_hash_len[h]);
		fp->digest[n++] = (uint8_t)(hex(s[0]) << 4 | hex(s[1]));
		if (s[2] == '\0')
			break;
	}
	if (n != sdp_hash_len[h])
		return sdp_fail(p, "a=fingerprint: %s needs %u bytes", tok[0], sdp_hash_len[h]);
	fp->len = (uint8_t)n;
	return 0;
}

/* 2^n or a decimal number of packets (RFC 4568 §9.2). */
static int lifetime(const char *s, uint64_t *out)
{
	uint32_t e;

	if (strncmp(s, "2^", 2) == 0) {
		if (sdp_u32(s + 2, 63, &e) != 0)
			return -EINVAL;
		*out = (uint64_t)1 << e;
		return 0;
	}
	return sdp_u64(s, UINT64_MAX, out) == 0 && *out > 0 ? 0 : -EINVAL;
}

/* inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>] */
static int key_params(struct sdp_parser *p, char *kp, struct tz_sdp_crypto *c)
{
	char *field[3], *colon;
	unsigned n = 0;
	uint32_t len;

	if (strncmp(kp, "inline:", 7) != 0)
		return sdp_fail(p, "a=crypto: key method is not \"inline:\"");
	if (strchr(kp, ';') != NULL)
		return sdp_fail(p, "a=crypto: more than one key is not supported");
	for (char *s = kp + 7; s != NULL && n < 3; n++) {
		field[n] = s;
		s = strchr(s, '|');
		if (s != NULL)
			*s++ = '\0';
		if (n == 2 && s != NULL)
			return sdp_fail(p, "a=crypto: too many '|' fields in the key");
	}
	c->key_len = (uint8_t)sdp_b64_decode(field[0], strlen(field[0]), c->key, TZ_SDP_MAX_KEY);
	if (c->key_len == 0)
		return sdp_fail(p, "a=crypto: key is not base64 of 1..%d bytes", TZ_SDP_MAX_KEY);
	if (n >= 2 && strchr(field[n - 1], ':') != NULL) {
		colon = strchr(field[--n], ':');
		*colon++ = '\0';
		if (sdp_u32(field[n], UINT32_MAX, &c->mki) != 0 ||
		    sdp_u32(colon, 128, &len) != 0 || len == 0)
			return sdp_fail(p, "a=crypto: MKI \"%s:%s\" is not <value>:<1..128>",
					field[n], colon);
		c->mki_len = (uint8_t)len;
	}
	if (n == 2 && lifetime(field[1], &c->lifetime) != 0)
		return sdp_fail(p, "a=crypto: lifetime \"%s\" is not a number or 2^n", field[1]);
	if (n == 3)
		return sdp_fail(p, "a=crypto: too many '|' fields in the key");
	return 0;
}

/* a=crypto:<tag> <crypto-suite> <key-params> [<session-params>] */
int sdp_crypto_parse(struct sdp_parser *p, char *value, struct tz_sdp_crypto *c)
{
	char *tok[3], *params = NULL, *sp;

	sp = strchr(value, ' ');
	if (sp != NULL && (sp = strchr(sp + 1, ' ')) != NULL &&
	    (params = strchr(sp + 1, ' ')) != NULL) {
		*params++ = '\0';
		while (*params == ' ')
			params++;
	}
	if (sdp_split(value, tok, 3) != 3)
		return sdp_fail(p, "a=crypto: expected <tag> <crypto-suite> <key-params>");
	if (sdp_u32(tok[0], 999999999, &c->tag) != 0)
		return sdp_fail(p, "a=crypto: tag \"%s\" is not 0..999999999", tok[0]);
	if (!sdp_is_token(tok[1]))
		return sdp_fail(p, "a=crypto: suite \"%s\" is not a token", tok[1]);
	c->suite = tok[1];
	c->params = params != NULL && *params != '\0' ? params : NULL;
	return key_params(p, tok[2], c);
}
