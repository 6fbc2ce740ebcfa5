/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the tz_media unit tests: tone checks with a Goertzel detector. */
#ifndef TZ_MEDIA_TEST_H
#define TZ_MEDIA_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include <cmocka.h>

#include "tz_media.h"

/* Assert that the dominant frequency of pcm (skipping the first skip samples,
 * a codec's or filter's start-up) is freq within tol Hz, and that freq holds
 * at least min_share of the signal's power (a clean tone, nothing aliased). */
static inline void assert_tone(const int16_t *pcm, size_t n, size_t stride, uint32_t rate,
			       double freq, double tol, double min_share)
{
	double f = tz_media_dominant_freq(pcm, n, stride, rate);
	double share = tz_media_tone_power(pcm, n, stride, rate, freq);

	if (f < freq - tol || f > freq + tol || share < min_share)
		print_error("tone: dominant %.1f Hz (want %.1f), share of %.1f Hz = %.3f (want >= %.3f)\n",
			    f, freq, freq, share, min_share);
	assert_true(f >= freq - tol && f <= freq + tol);
	assert_true(share >= min_share);
}

/* RMS level of n samples in dB relative to a full-scale sine. */
static inline double level_dbfs(const int16_t *pcm, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)pcm[i] * pcm[i];
	return 10 * log10(e / (double)n / (32768.0 * 32768.0 / 2) + 1e-12);
}

#endif
