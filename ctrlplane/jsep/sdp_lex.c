/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lexical pieces of SDP shared by the parser and the policy: strict numbers,
 * tokens (RFC 8866 §9 token-char), keyword tables, addresses, base64.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sdp_pvt.h"

const struct sdp_word sdp_dir_words[] = {
	{ "sendrecv", TZ_SDP_SENDRECV }, { "sendonly", TZ_SDP_SENDONLY },
	{ "recvonly", TZ_SDP_RECVONLY }, { "inactive", TZ_SDP_INACTIVE }, { NULL, 0 },
};
const struct sdp_word sdp_setup_words[] = {
	{ "actpass", TZ_SDP_SETUP_ACTPASS }, { "active", TZ_SDP_SETUP_ACTIVE },
	{ "passive", TZ_SDP_SETUP_PASSIVE }, { "holdconn", TZ_SDP_SETUP_HOLDCONN }, { NULL, 0 },
};
const struct sdp_word sdp_hash_words[] = {
	{ "sha-1", TZ_SDP_HASH_SHA1 }, { "sha-256", TZ_SDP_HASH_SHA256 },
	{ "sha-384", TZ_SDP_HASH_SHA384 }, { "sha-512", TZ_SDP_HASH_SHA512 }, { NULL, 0 },
};
const uint8_t sdp_hash_len[] = {
	[TZ_SDP_HASH_SHA1] = 20, [TZ_SDP_HASH_SHA256] = 32,
	[TZ_SDP_HASH_SHA384] = 48, [TZ_SDP_HASH_SHA512] = 64,
};
const struct sdp_word sdp_cand_type_words[] = {
	{ "host", TZ_SDP_CAND_HOST }, { "srflx", TZ_SDP_CAND_SRFLX },
	{ "prflx", TZ_SDP_CAND_PRFLX }, { "relay", TZ_SDP_CAND_RELAY }, { NULL, 0 },
};
const struct sdp_word sdp_tcptype_words[] = {
	{ "active", TZ_SDP_TCP_ACTIVE }, { "passive", TZ_SDP_TCP_PASSIVE },
	{ "so", TZ_SDP_TCP_SO }, { NULL, 0 },
};
const struct sdp_word sdp_media_words[] = {
	{ "audio", TZ_SDP_MEDIA_AUDIO }, { "video", TZ_SDP_MEDIA_VIDEO },
	{ "application", TZ_SDP_MEDIA_APPLICATION }, { NULL, 0 },
};

int sdp_fail(struct sdp_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err == NULL || p->errlen == 0)
		return -EINVAL;
	n = p->line > 0 ? snprintf(p->err, p->errlen, "line %u: ", p->line) : 0;
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void sdp_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int sdp_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int sdp_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc = sdp_u64(s, max, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int sdp_u16(const char *s, uint16_t *out)
{
	uint64_t v;
	int rc = sdp_u64(s, UINT16_MAX, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

/* Split on runs of spaces (RFC 8866 says one; peers differ).  Returns the
 * number of tokens, or max + 1 when there are more than max. */
unsigned sdp_split(char *s, char **tok, unsigned max)
{
	unsigned n = 0;

	while (*s != '\0') {
		while (*s == ' ')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		while (*s != '\0' && *s != ' ')
			s++;
	}
	return n;
}

static bool token_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b ||
	       c == 0x2d || c == 0x2e || (c >= 0x30 && c <= 0x39) ||
	       (c >= 0x41 && c <= 0x5a) || (c >= 0x5e && c <= 0x7e);
}

bool sdp_is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!token_char((unsigned char)*s))
			return false;
	return true;
}

/* proto = token *("/" token) (RFC 8866 §9) */
bool sdp_is_proto(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//") != NULL)
		return false;
	for (; *s != '\0'; s++)
		if (*s != '/' && !token_char((unsigned char)*s))
			return false;
	return true;
}

int sdp_word(const struct sdp_word *tab, const char *word, bool icase)
{
	for (; tab->word != NULL; tab++)
		if (icase ? strcasecmp(tab->word, word) == 0 : strcmp(tab->word, word) == 0)
			return tab->value;
	return -1;
}

const char *sdp_word_name(const struct sdp_word *tab, int value)
{
	for (; tab->word != NULL; tab++)
		if (tab->value == value)
			return tab->word;
	return NULL;
}

/* A DNS name (an mDNS "<uuid>.local" too); at least one letter, so a
 * mistyped IPv4 address such as 300.1.1.1 is not taken for a name. */
static bool hostname(const char *s)
{
	size_t n = strlen(s);
	bool letter = false;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s != '\0'; s++) {
		bool alpha = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');

		letter |= alpha;
		if (!(alpha || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return false;
	}
	return letter;
}

/* AF_INET / AF_INET6 for a literal, 0 for a host name, -1 for neither. */
int sdp_addr_family(const char *addr)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, addr, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, addr, buf) == 1)
		return AF_INET6;
	if (strchr(addr, ':') == NULL && hostname(addr))
		return 0;
	return -1;
}

/* The multicast "/ttl[/n]" after an address (RFC 8866 §5.7), or nothing. */
static bool ttl_suffix(const char *s)
{
	unsigned parts = 0;

	while (*s == '/' && parts < 2) {
		s++;
		parts++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* "IN IP4 addr[/ttl[/n]]" in tok[0..2]. */
int sdp_conn_parse(struct sdp_parser *p, const char *what, char **tok, struct tz_sdp_conn *c)
{
	char host[256];
	int fam, want;
	size_t n;

	if (strcmp(tok[0], "IN") != 0)
		return sdp_fail(p, "%s: network type \"%s\" is not IN", what, tok[0]);
	if (strcmp(tok[1], "IP4") == 0)
		want = AF_INET;
	else if (strcmp(tok[1], "IP6") == 0)
		want = AF_INET6;
	else
		return sdp_fail(p, "%s: address type \"%s\" is not IP4 or IP6", what, tok[1]);
	n = strcspn(tok[2], "/");
	if (n >= sizeof(host))
		return sdp_fail(p, "%s: address is too long", what);
	memcpy(host, tok[2], n);
	host[n] = '\0';
	fam = sdp_addr_family(host);
	if (fam < 0 || (fam != 0 && fam != want) || !ttl_suffix(tok[2] + n))
		return sdp_fail(p, "%s: \"%s\" is not an %s address", what, tok[2], tok[1]);
	c->family = want;
	c->addr = tok[2];
	return 0;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode padded or unpadded base64.  Returns bytes written, or 0 when the
 * text is not base64 or decodes to more than max bytes. */
size_t sdp_b64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	size_t o = 0;
	unsigned bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		const char *c = memchr(b64, in[i], 64);

		if (c == NULL || in[i] == '\0')
			return 0;
		acc = (acc << 6) | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == max)
				return 0;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return bits >= 6 ? 0 : o;
}

/* out holds 4 * ceil(len / 3) + 1 bytes. */
void sdp_b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = b64[in[i] >> 2];
		*out++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = b64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = b64[in[i + 2] & 63];
	}
	if (i < len) {
		*out++ = b64[in[i] >> 2];
		if (i + 1 < len) {
			*out++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = b64[(in[i + 1] & 15) << 2];
		} else {
			*out++ = b64[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}
