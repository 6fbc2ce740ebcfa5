/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 4733 generator of the media-services stage, on a simulated
 * clock: per digit a start packet with the marker, updates every packet
 * interval with the duration growing, three end packets with the full
 * duration, one timestamp for the whole event (the stream's at its start),
 * the gap before the next digit; bad commands refused; a stream that never
 * starts ends the command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dtmf_gen_pvt.h"

struct clock {
	uint64_t now_us;
	uint32_t ts0;                 /* the stream's timestamp at t = 0 */
	uint32_t rate;
	bool started;
};

static bool ts_at(void *arg, uint32_t *ts)
{
	const struct clock *c = arg;

	if (!c->started)
		return false;
	*ts = c->ts0 + (uint32_t)(c->now_us * c->rate / 1000000);
	return true;
}

static struct tz_svc_dtmf_cmd cmd_of(const char *digits, uint16_t ms)
{
	struct tz_svc_dtmf_cmd c = { .clock = 8000, .duration_ms = ms, .gap_ms = 80,
				     .ptime_ms = 50, .pt = 101, .n = (uint8_t)strlen(digits) };

	memcpy(c.digits, digits, c.n);
	return c;
}

struct pkt {
	uint64_t at;
	uint8_t b[TZ_DTMF_PKT_LEN];
};

/* Run the generator to its end on a 1 ms tick; the packets and their times. */
static unsigned run(struct tz_dtmf_gen *g, struct clock *c, struct pkt *out, unsigned max)
{
	uint8_t img[8][TZ_DTMF_PKT_LEN];
	unsigned n = 0;

	for (int guard = 0; guard < 60000 && g->phase != TZ_DTMF_DONE; guard++, c->now_us += 1000) {
		uint64_t next;
		bool no_stream;
		unsigned k = tz_dtmf_gen_step(g, c->now_us, ts_at, c, img, 8, &next, &no_stream);

		for (unsigned i = 0; i < k && n < max; i++, n++) {
			out[n].at = c->now_us;
			memcpy(out[n].b, img[i], TZ_DTMF_PKT_LEN);
		}
	}
	return n;
}

static uint32_t ts_of(const uint8_t *p)
{
	return (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
}

static void test_codes(void **state)
{
	const char *s = "0123456789*#ABCD";

	for (int i = 0; s[i] != '\0'; i++)
		assert_int_equal(tz_dtmf_code(s[i]), i);
	assert_int_equal(tz_dtmf_code('a'), 12);
	assert_int_equal(tz_dtmf_code('E'), -1);
	assert_int_equal(tz_dtmf_code(' '), -1);
}

static void test_refuses_bad_commands(void **state)
{
	struct tz_dtmf_gen g;
	struct tz_svc_dtmf_cmd c = cmd_of("12", 100);

	assert_int_equal(tz_dtmf_gen_init(&g, &c, 0), 0);
	c = cmd_of("1x", 100);
	assert_int_equal(tz_dtmf_gen_init(&g, &c, 0), -EINVAL);
	c = cmd_of("", 100);
	assert_int_equal(tz_dtmf_gen_init(&g, &c, 0), -EINVAL);
	c = cmd_of("1", 10);                        /* too short */
	assert_int_equal(tz_dtmf_gen_init(&g, &c, 0), -EINVAL);
	c = cmd_of("1", 100);
	c.pt = 8;                                   /* not a dynamic PT */
	assert_int_equal(tz_dtmf_gen_init(&g, &c, 0), -EINVAL);
	c = cmd_of("1", 100);
	c.clock = 0;
	assert_int_equal(tz_dtmf_gen_init(&g, &c, 0), -EINVAL);
}

/* "1234#", 100 ms each at 8 kHz, every 50 ms: per digit start (marker,
 * duration 400), end x3 (duration 800), the event's timestamp throughout;
 * the next digit 180 ms later with a later timestamp. */
static void test_digit_string(void **state)
{
	struct clock c = { .ts0 = 0xfffff000, .rate = 8000, .started = true };  /* wraps */
	struct tz_svc_dtmf_cmd cmd = cmd_of("1234#", 100);
	static const uint8_t codes[] = { 1, 2, 3, 4, 11 };
	struct tz_dtmf_gen g;
	struct pkt p[64];
	unsigned n, i = 0;

	assert_int_equal(tz_dtmf_gen_init(&g, &cmd, 0), 0);
	n = run(&g, &c, p, 64);
	assert_int_equal(n, 5 * 4);
	for (unsigned d = 0; d < 5; d++, i += 4) {
		uint32_t ts = ts_of(p[i].b);

		/* start: marker, not end, duration one interval */
		assert_int_equal(p[i].b[1], 0x80 | 101);
		assert_int_equal(p[i].b[12], codes[d]);
		assert_int_equal(p[i].b[13], TZ_DTMF_VOLUME);
		assert_int_equal(p[i].b[14] << 8 | p[i].b[15], 400);
		assert_int_equal((uint32_t)(ts - c.ts0), (uint32_t)(p[i].at * 8 / 1000));
		assert_int_equal(p[i].at, d * 180000ull);
		for (unsigned e = 1; e <= 3; e++) {
			assert_int_equal(p[i + e].b[1], 101);        /* no marker */
			assert_int_equal(p[i + e].b[12], codes[d]);
			assert_int_equal(p[i + e].b[13], 0x80 | TZ_DTMF_VOLUME);
			assert_int_equal(p[i + e].b[14] << 8 | p[i + e].b[15], 800);
			assert_int_equal(ts_of(p[i + e].b), ts);
			assert_int_equal(p[i + e].at, p[i].at + 50000);
		}
		if (d > 0)      /* after the previous event's end */
			assert_true((int32_t)(ts - (ts_of(p[i - 4].b) + 800)) > 0);
	}
}

/* A long digit: the duration grows by one interval per packet. */
static void test_duration_grows(void **state)
{
	struct clock c = { .ts0 = 1000, .rate = 48000, .started = true };
	struct tz_svc_dtmf_cmd cmd = cmd_of("5", 300);
	struct tz_dtmf_gen g;
	struct pkt p[32];
	unsigned n;

	cmd.clock = 48000;
	assert_int_equal(tz_dtmf_gen_init(&g, &cmd, 0), 0);
	n = run(&g, &c, p, 32);
	assert_int_equal(n, 5 + 3);         /* 50..250 ms, then 300 ms x3 */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(p[i].b[14] << 8 | p[i].b[15], (i + 1) * 2400);
		assert_int_equal(p[i].b[13] & 0x80, 0);
		assert_int_equal(ts_of(p[i].b), 1000);
	}
	for (unsigned i = 5; i < 8; i++)
		assert_int_equal(p[i].b[14] << 8 | p[i].b[15], 14400);
}

/* No stream to take the timestamp from: the command ends after the wait. */
static void test_no_stream(void **state)
{
	struct clock c = { .rate = 8000, .started = false };
	struct tz_svc_dtmf_cmd cmd = cmd_of("1", 100);
	uint8_t img[4][TZ_DTMF_PKT_LEN];
	struct tz_dtmf_gen g;
	bool no_stream = false;
	uint64_t next;

	assert_int_equal(tz_dtmf_gen_init(&g, &cmd, 0), 0);
	for (c.now_us = 0; c.now_us <= TZ_DTMF_START_WAIT_US && !no_stream; c.now_us += 1000)
		assert_int_equal(tz_dtmf_gen_step(&g, c.now_us, ts_at, &c, img, 4, &next,
						  &no_stream), 0);
	assert_true(no_stream);
	assert_int_equal(g.phase, TZ_DTMF_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_refuses_bad_commands),
		cmocka_unit_test(test_digit_string),
		cmocka_unit_test(test_duration_grows),
		cmocka_unit_test(test_no_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
