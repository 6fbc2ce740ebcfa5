/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the SDP unit tests. */
#ifndef SDP_TEST_H
#define SDP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tz_sdp.h"

/* Parse @p text (must succeed) and return the SDP. */
struct tz_sdp *parse_ok(const char *text);

/* Read tests/fixtures/sdp/@p name into a malloc'd string. */
char *fixture(const char *name);

/* Build @p sdp and compare with @p want, printing both on a mismatch. */
void assert_sdp_text(const struct tz_sdp *sdp, const char *want);

extern const struct CMUnitTest sdp_policy_tests[];
extern const size_t sdp_policy_n_tests;
extern const struct CMUnitTest sdp_video_tests[];
extern const size_t sdp_video_n_tests;
extern const struct CMUnitTest sdp_video_in_tests[];
extern const size_t sdp_video_in_n_tests;
extern const struct CMUnitTest sdp_video_sip_tests[];
extern const size_t sdp_video_sip_n_tests;

#endif /* SDP_TEST_H */
