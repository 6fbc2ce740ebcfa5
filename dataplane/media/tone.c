/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tones for tests and tools: a sine generator and a Goertzel detector (the
 * power of one DFT bin, any frequency, O(n) per frequency).
 */
#include <math.h>

#include "tz_media.h"

#define SILENCE_RMS (32768.0 * 0.001)   /* -60 dBFS */
#define SCAN_STEP 10.0                  /* Hz, coarse scan; then 1 Hz around the peak */

void tz_media_tone(int16_t *pcm, size_t n, uint32_t rate, double freq, int16_t amp,
		   uint64_t start)
{
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)lrint(amp * sin(2.0 * M_PI * freq * (double)(start + i) / rate));
}

static double goertzel(const int16_t *pcm, size_t n, size_t stride, uint32_t rate, double freq)
{
	double w = 2.0 * M_PI * freq / rate, c = 2.0 * cos(w);
	double s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = pcm[i * stride] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static double energy(const int16_t *pcm, size_t n, size_t stride)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)pcm[i * stride] * pcm[i * stride];
	return e;
}

double tz_media_tone_power(const int16_t *pcm, size_t n, size_t stride, uint32_t rate,
			   double freq)
{
	double e = energy(pcm, n, stride);

	/* A pure tone's bin power is (A n / 2)^2 against an energy of A^2 n / 2:
	 * scaled by 2 / n it is 1 for a pure tone on the bin. */
	if (n == 0 || e <= 0)
		return 0;
	return goertzel(pcm, n, stride, rate, freq) * 2.0 / ((double)n * e);
}

double tz_media_dominant_freq(const int16_t *pcm, size_t n, size_t stride, uint32_t rate)
{
	double best = 0, best_p = -1, lo, hi;

	if (n == 0 || rate == 0 || sqrt(energy(pcm, n, stride) / n) < SILENCE_RMS)
		return 0;
	for (double f = 20; f < rate / 2.0; f += SCAN_STEP) {
		double p = goertzel(pcm, n, stride, rate, f);

		if (p > best_p) {
			best_p = p;
			best = f;
		}
	}
	lo = best - SCAN_STEP;
	hi = best + SCAN_STEP;
	for (double f = lo < 1 ? 1 : lo; f <= hi; f += 1.0) {
		double p = goertzel(pcm, n, stride, rate, f);

		if (p > best_p) {
			best_p = p;
			best = f;
		}
	}
	return best;
}
