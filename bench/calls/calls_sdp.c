/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the load client reads from the gateway's (or rtpengine's) SDP
 * answer: ICE credentials, the DTLS fingerprint and role, the first UDP
 * candidate.  One table row per attribute, every line bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "calls_pvt.h"

struct sdp_rd {
	struct calls_sdp_answer *a;
	int family;
	bool in_audio;
};

static void copy_tok(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static void l_ufrag(struct sdp_rd *rd, const char *v, size_t n)
{
	if (rd->a->ufrag[0] == '\0')
		copy_tok(rd->a->ufrag, sizeof(rd->a->ufrag), v, n);
}

static void l_pwd(struct sdp_rd *rd, const char *v, size_t n)
{
	if (rd->a->pwd[0] == '\0')
		copy_tok(rd->a->pwd, sizeof(rd->a->pwd), v, n);
}

static void l_setup(struct sdp_rd *rd, const char *v, size_t n)
{
	copy_tok(rd->a->setup, sizeof(rd->a->setup), v, n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void l_fingerprint(struct sdp_rd *rd, const char *v, size_t n)
{
	uint8_t fp[32];
	size_t i = 8;

	if (rd->a->has_fingerprint || n != 8 + 32 * 3 - 1 || strncasecmp(v, "sha-256 ", 8) != 0)
		return;
	for (int k = 0; k < 32; k++, i += 3) {
		int hi = hexval(v[i]), lo = hexval(v[i + 1]);

		if (hi < 0 || lo < 0 || (k < 31 && v[i + 2] != ':'))
			return;
		fp[k] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(rd->a->fingerprint, fp, 32);
	rd->a->has_fingerprint = true;
}

/* candidate:<foundation> <component> <transport> <priority> <ip> <port> typ <type> ... */
static void l_candidate(struct sdp_rd *rd, const char *v, size_t n)
{
	char line[256], comp[16], tr[16], prio[16], ip[64], port[16];
	char *end;
	long p;

	if (rd->a->has_cand || n >= sizeof(line))
		return;
	memcpy(line, v, n);
	line[n] = '\0';
	if (sscanf(line, "%*63s %15s %15s %15s %63s %15s", comp, tr, prio, ip, port) != 5)
		return;
	if (strcmp(comp, "1") != 0 || strcasecmp(tr, "udp") != 0)
		return;
	p = strtol(port, &end, 10);
	if (*end != '\0' || p <= 0 || p > 65535)
		return;
	memset(&rd->a->cand, 0, sizeof(rd->a->cand));
	if (rd->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&rd->a->cand;

		if (inet_pton(AF_INET, ip, &s->sin_addr) != 1)
			return;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)p);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&rd->a->cand;

		if (inet_pton(AF_INET6, ip, &s->sin6_addr) != 1)
			return;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)p);
	}
	rd->a->has_cand = true;
}

static const struct {
	const char *prefix;
	void (*fn)(struct sdp_rd *rd, const char *v, size_t n);
} sdp_lines[] = {
	{ "a=ice-ufrag:", l_ufrag },
	{ "a=ice-pwd:", l_pwd },
	{ "a=setup:", l_setup },
	{ "a=fingerprint:", l_fingerprint },
	{ "a=candidate:", l_candidate },
};

int calls_sdp_answer_parse(const char *sdp, size_t len, int family, struct calls_sdp_answer *a,
			   char *err, size_t err_len)
{
	struct sdp_rd rd = { .a = a, .family = family };
	size_t off = 0;

	memset(a, 0, sizeof(*a));
	a->pt = -1;
	while (off < len) {
		const char *line = sdp + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;

		off += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > 8 && strncmp(line, "m=audio ", 8) == 0 && a->pt < 0) {
			char m[128];
			int pt;

			copy_tok(m, sizeof(m), line, n);
			if (sscanf(m, "m=audio %*d %*s %d", &pt) == 1 && pt >= 0 && pt < 128)
				a->pt = pt;
			continue;
		}
		for (size_t i = 0; i < sizeof(sdp_lines) / sizeof(sdp_lines[0]); i++) {
			size_t pl = strlen(sdp_lines[i].prefix);

			if (n >= pl && memcmp(line, sdp_lines[i].prefix, pl) == 0) {
				sdp_lines[i].fn(&rd, line + pl, n - pl);
				break;
			}
		}
	}
	if (a->ufrag[0] == '\0' || a->pwd[0] == '\0') {
		snprintf(err, err_len, "answer has no a=ice-ufrag / a=ice-pwd");
		return -EINVAL;
	}
	if (!a->has_fingerprint) {
		snprintf(err, err_len, "answer has no a=fingerprint:sha-256");
		return -EINVAL;
	}
	if (!a->has_cand) {
		snprintf(err, err_len, "answer has no UDP candidate of the client's address family");
		return -EINVAL;
	}
	return 0;
}
