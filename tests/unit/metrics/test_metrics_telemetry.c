/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands /trapeze/...: parameters they do not take are
 * refused (EINVAL) and counted, and the count is exported in /metrics
 * (trapeze_telemetry_refused_total{reason="bad_params"}).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gw_pvt.h"

static void params_refused_and_counted(void **state)
{
	static const struct {
		const char *params;
		bool takes_worker;
		int rc;
		unsigned worker;
	} table[] = {
		{ NULL, false, 0, UINT32_MAX },
		{ "", false, 0, UINT32_MAX },
		{ NULL, true, 0, UINT32_MAX },
		{ "1", true, 0, 1 },
		{ "0", true, 0, 0 },
		{ "2", true, -EINVAL, UINT32_MAX },	/* no such worker (2 of them) */
		{ "x", true, -EINVAL, UINT32_MAX },
		{ "-1", true, -EINVAL, UINT32_MAX },
		{ " 1", true, -EINVAL, UINT32_MAX },
		{ "1x", true, -EINVAL, UINT32_MAX },
		{ "99999999999999999999", true, -EINVAL, UINT32_MAX },
		{ "0", false, -EINVAL, UINT32_MAX },	/* a command without parameters */
	};
	uint64_t before = tz_metrics_telemetry_bad_params(), refused = 0;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		unsigned w = 7;

		assert_int_equal(tz_metrics_telemetry_params(table[i].params, table[i].takes_worker,
							     2, &w),
				 table[i].rc);
		assert_int_equal(w, table[i].worker);
		refused += table[i].rc != 0;
		assert_int_equal(tz_metrics_telemetry_bad_params(), before + refused);
	}
}

static void exported_in_metrics(void **state)
{
	GString *o = g_string_new(NULL);
	unsigned w;
	char want[96];

	(void)tz_metrics_telemetry_params("nope", false, 0, &w);
	tz_metrics_collect_telemetry(o, NULL);
	snprintf(want, sizeof(want), "trapeze_telemetry_refused_total{reason=\"bad_params\"} %llu\n",
		 (unsigned long long)tz_metrics_telemetry_bad_params());
	assert_non_null(strstr(o->str, "# TYPE trapeze_telemetry_refused_total counter\n"));
	assert_non_null(strstr(o->str, want));
	g_string_free(o, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(params_refused_and_counted),
		cmocka_unit_test(exported_in_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
