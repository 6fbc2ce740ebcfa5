/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call detail record as one JSON line.  A tiny writer into a fixed
 * buffer: records are flat (strings, integers, null), field order is fixed
 * so a line can be read by eye or by `cut`, and nothing is allocated.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "tz_cdr.h"

#define STR_MAX 256                /* bytes of one string value kept */

struct jw {
	char *buf;
	size_t len, pos;
	bool full;
	bool first;
};

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->full || w->pos + n >= w->len) {
		w->full = true;
		return;
	}
	memcpy(w->buf + w->pos, s, n);
	w->pos += n;
}

static void puts_(struct jw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void key(struct jw *w, const char *k)
{
	if (!w->first)
		put(w, ",", 1);
	w->first = false;
	put(w, "\"", 1);
	puts_(w, k);
	put(w, "\":", 2);
}

/* RFC 8259 §7: '"', '\\' and U+0000..U+001F escaped; invalid UTF-8 (a SIP
 * display name may carry anything) replaced so the line stays valid JSON. */
static void str_value(struct jw *w, const char *s)
{
	const char *p;
	size_t n;

	if (s == NULL) {
		puts_(w, "null");
		return;
	}
	n = strnlen(s, STR_MAX);
	put(w, "\"", 1);
	for (p = s; p < s + n;) {
		unsigned char ch = (unsigned char)*p;
		char esc[8];

		if (ch < 0x80) {
			if (ch == '"' || ch == '\\') {
				esc[0] = '\\';
				esc[1] = (char)ch;
				put(w, esc, 2);
			} else if (ch == '\n' || ch == '\r' || ch == '\t') {
				esc[0] = '\\';
				esc[1] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
				put(w, esc, 2);
			} else if (ch < 0x20 || ch == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", ch);
				put(w, esc, 6);
			} else {
				put(w, p, 1);
			}
			p++;
			continue;
		}
		if (g_utf8_get_char_validated(p, (gssize)(s + n - p)) >= 0x80000000u) {
			puts_(w, "\\ufffd");
			p++;
			continue;
		}
		put(w, p, (size_t)g_utf8_skip[ch]);       /* one whole UTF-8 character */
		p += g_utf8_skip[ch];
	}
	put(w, "\"", 1);
}

static void kstr(struct jw *w, const char *k, const char *v)
{
	key(w, k);
	str_value(w, v);
}

static void kint(struct jw *w, const char *k, int64_t v)
{
	char num[24];

	key(w, k);
	snprintf(num, sizeof(num), "%lld", (long long)v);
	puts_(w, num);
}

static void kuint(struct jw *w, const char *k, uint64_t v)
{
	char num[24];

	key(w, k);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	puts_(w, num);
}

/* An integer, or null when @p known is false. */
static void kopt(struct jw *w, const char *k, bool known, int64_t v)
{
	if (known) {
		kint(w, k, v);
	} else {
		key(w, k);
		puts_(w, "null");
	}
}

/* lost/expected in percent with two decimals (0.63), or null when the
 * way does not apply or nothing was expected. */
static void kpct(struct jw *w, const char *k, bool known, uint64_t lost, uint64_t expected)
{
	char num[32];

	key(w, k);
	if (!known || expected == 0) {
		puts_(w, "null");
		return;
	}
	snprintf(num, sizeof(num), "%.2f", 100.0 * (double)lost / (double)expected);
	puts_(w, num);
}

static void ktime(struct jw *w, const char *k, int64_t us)
{
	char t[40];

	if (us == 0) {
		kstr(w, k, NULL);
		return;
	}
	tz_cdr_time(us, t, sizeof(t));
	kstr(w, k, t);
}

void tz_cdr_time(int64_t us, char *buf, size_t len)
{
	time_t s = (time_t)(us / G_USEC_PER_SEC);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((us % G_USEC_PER_SEC) / 1000));
}

const char *tz_cdr_direction_name(enum tz_cdr_direction d)
{
	static const char *const names[TZ_CDR_DIRECTION_COUNT] = {
		[TZ_CDR_WEB_TO_SIP] = "web-to-sip",
		[TZ_CDR_SIP_TO_WEB] = "sip-to-web",
		[TZ_CDR_ECHO] = "echo",
	};

	return (unsigned)d < TZ_CDR_DIRECTION_COUNT ? names[d] : "unknown";
}

const char *tz_cdr_party_name(enum tz_cdr_party p)
{
	static const char *const names[TZ_CDR_PARTY_COUNT] = {
		[TZ_CDR_BY_GATEWAY] = "gateway",
		[TZ_CDR_BY_WEB] = "web",
		[TZ_CDR_BY_SIP] = "sip",
	};

	return (unsigned)p < TZ_CDR_PARTY_COUNT ? names[p] : "unknown";
}

/* Milliseconds from @p a to @p b, both known (non-zero). */
static int64_t ms_between(int64_t a, int64_t b)
{
	return (b - a) / 1000;
}

ssize_t tz_cdr_format(const struct tz_cdr *r, char *buf, size_t len)
{
	struct jw w = { .buf = buf, .len = len, .first = true };

	put(&w, "{", 1);
	kuint(&w, "call_id", r->call);
	kstr(&w, "tenant", r->tenant);
	kstr(&w, "user", r->user);
	kstr(&w, "from", r->from);
	kstr(&w, "to", r->to);
	kstr(&w, "direction", tz_cdr_direction_name(r->direction));
	kstr(&w, "trunk", r->trunk);
	kstr(&w, "leg", r->leg);
	ktime(&w, "offer_time", r->t_offer);
	ktime(&w, "answer_time", r->t_answer);
	ktime(&w, "media_time", r->t_media);
	ktime(&w, "end_time", r->t_end);
	kopt(&w, "setup_ms", r->t_answer != 0, ms_between(r->t_offer, r->t_answer));
	kopt(&w, "media_setup_ms", r->t_media != 0, ms_between(r->t_offer, r->t_media));
	kint(&w, "duration_ms", r->t_answer != 0 ? ms_between(r->t_answer, r->t_end) : 0);
	kint(&w, "code", r->code);
	kstr(&w, "reason", r->reason);
	kstr(&w, "ended_by", tz_cdr_party_name(r->ended_by));
	kstr(&w, "codec", r->codec);
	kstr(&w, "srtp", r->srtp);
	kstr(&w, "sip_media", r->sip_media);
	kuint(&w, "pkts_from_web", r->pkts[0]);
	kuint(&w, "pkts_to_web", r->pkts[1]);
	kuint(&w, "drops_from_web", r->drops[0]);
	kuint(&w, "drops_to_web", r->drops[1]);
	kopt(&w, "lost_from_web", r->loss_known[0], (int64_t)r->lost[0]);
	kopt(&w, "lost_from_sip", r->loss_known[1], (int64_t)r->lost[1]);
	kpct(&w, "loss_pct_from_web", r->loss_known[0], r->lost[0], r->expected[0]);
	kpct(&w, "loss_pct_from_sip", r->loss_known[1], r->lost[1], r->expected[1]);
	put(&w, "}\n", 2);
	if (w.full || len == 0)
		return -ENOSPC;
	buf[w.pos] = '\0';
	return (ssize_t)w.pos;
}
