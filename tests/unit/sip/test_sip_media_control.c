/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP INFO application/media_control+xml bodies (RFC 5168): the RFC's
 * picture_fast_update as phones write it (declaration, whitespace,
 * stream_id, comments, one line), other requests, and bodies that are not
 * well formed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sip_pvt.h"

static const struct {
	const char *body;
	int want;
} cases[] = {
	/* RFC 5168 §4 (and what tz_sip_leg_info_fast_update sends) */
	{ "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<media_control>\r\n <vc_primitive>\r\n"
	  "  <to_encoder>\r\n   <picture_fast_update/>\r\n  </to_encoder>\r\n </vc_primitive>\r\n"
	  "</media_control>\r\n", 0 },
	{ "<media_control><vc_primitive><to_encoder><picture_fast_update></picture_fast_update>"
	  "</to_encoder></vc_primitive></media_control>", 0 },
	{ "<media_control><vc_primitive><stream_id>1</stream_id><to_encoder>"
	  "<picture_fast_update /></to_encoder></vc_primitive></media_control>", 0 },
	{ "<!-- a phone --><media_control><vc_primitive><to_encoder><!-- <x> -->"
	  "<picture_fast_update/></to_encoder></vc_primitive></media_control>", 0 },
	/* other requests, or the element out of place */
	{ "<media_control><general_error>oops</general_error></media_control>", -ENOENT },
	{ "<media_control><picture_fast_update/></media_control>", -ENOENT },
	{ "<picture_fast_update/>", -ENOENT },
	{ "", -ENOENT },
	{ "picture_fast_update", -ENOENT },
	/* not well formed */
	{ "<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder>",
	  -EINVAL },
	{ "<media_control><vc_primitive></to_encoder></vc_primitive></media_control>", -EINVAL },
	{ "<media_control", -EINVAL },
	{ "<!-- never closed <media_control>", -EINVAL },
	{ "<></>", -EINVAL },
	{ "<a><b><c><d><e><f><g><h><i></i></h></g></f></e></d></c></b></a>", -EINVAL },
	{ "<media_control_with_a_name_far_too_long_for_us/>", -EINVAL },
	{ "</media_control/>", -EINVAL },
};

static void test_bodies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = sip_fast_update_parse(cases[i].body, strlen(cases[i].body));

		if (got != cases[i].want)
			fail_msg("case %zu (%s): %d, want %d", i, cases[i].body, got, cases[i].want);
	}
	assert_int_equal(sip_fast_update_parse(NULL, 0), -EINVAL);
	/* the length counts, not a NUL */
	assert_int_equal(sip_fast_update_parse("<media_control><vc_primitive><to_encoder>"
					       "<picture_fast_update/></to_encoder></vc_primitive>"
					       "</media_control>", 40), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodies),
	};

	return cmocka_run_group_tests_name("sip_media_control", tests, NULL, NULL);
}
