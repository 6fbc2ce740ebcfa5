/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "tz_nearest.h"

#define WORD_MAX 64

int tz_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[WORD_MAX];

	if (la >= WORD_MAX || lb >= WORD_MAX)
		return -1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *tz_nearest(const char *word, const char *const *cands, size_t n)
{
	int limit = (int)strlen(word) / 3;
	const char *best = NULL;
	int best_d = 0;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		int d;

		if (cands[i] == NULL)
			continue;
		d = tz_edit_distance(word, cands[i]);
		if (d >= 0 && d <= limit && (best == NULL || d < best_d)) {
			best = cands[i];
			best_d = d;
		}
	}
	return best;
}
