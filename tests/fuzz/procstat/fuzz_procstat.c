/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for /proc/<pid>/task/<tid>/stat lines (tz_procstat_parse, the
 * parser behind `show process`): any bytes, not NUL-terminated.  An accepted
 * line gives a positive thread id and a NUL-terminated name of printable
 * ASCII that fits its buffer.
 *
 * Real fuzzing: tools/fuzz.sh 60 procstat
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	struct tz_procstat st;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);   /* exactly @p size bytes: reads past the end are caught */
	if (tz_procstat_parse(line, size, &st) == 0) {
		size_t n = strnlen(st.comm, sizeof(st.comm));

		if (st.tid <= 0 || n == sizeof(st.comm))
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)st.comm[i] < 0x20 || (unsigned char)st.comm[i] >= 0x7f)
				abort();
	}
	free(line);
	return 0;
}
