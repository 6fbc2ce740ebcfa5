/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the config loader: any bytes go through
 * tz_cfg_load_buffer(); a valid result is dumped and loaded again (the dump
 * must always be loadable), and everything is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg, *again;
	char *text;

	cfg = tz_cfg_load_buffer("fuzz.yaml", (const char *)data, size, &errs);
	tz_cfg_errors_free(&errs);
	if (cfg == NULL)
		return 0;
	text = tz_cfg_dump(cfg);
	if (text != NULL) {
		again = tz_cfg_load_buffer("dump.yaml", text, strlen(text), &errs);
		if (again == NULL)
			abort();   /* a valid config must dump to a valid config */
		tz_cfg_errors_free(&errs);
		tz_cfg_free(again);
	}
	free(text);
	tz_cfg_free(cfg);
	return 0;
}
