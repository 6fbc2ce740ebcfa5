/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * G.711 (ITU-T G.711, 11/1988) mu-law and A-law, written from the
 * recommendation's segment tables: 8 segments of 16 steps, each segment
 * doubling the step.  mu-law works on 14-bit magnitudes with a bias of 33 and
 * inverts all bits; A-law works on 13-bit magnitudes and inverts the even bits
 * (XOR 0x55).  The decoders return the middle of the quantisation step, scaled
 * to 16 bits.
 */
#include "tz_media.h"

static unsigned top_bit(unsigned v)
{
	return 31u - (unsigned)__builtin_clz(v);
}

uint8_t tz_media_ulaw_encode(int16_t pcm)
{
	int x = pcm >> 2;               /* 14-bit */
	uint8_t sign = 0;
	unsigned mag, seg;

	if (x < 0) {
		x = -x;
		sign = 0x80;
	}
	if (x > 8158)
		x = 8158;
	mag = (unsigned)x + 33;         /* 33 .. 8191: segment seg holds [32<<seg, 64<<seg) */
	seg = top_bit(mag >> 5);
	return (uint8_t)~(sign | (seg << 4) | ((mag >> (seg + 1)) & 0x0F));
}

int16_t tz_media_ulaw_decode(uint8_t code)
{
	unsigned u = (uint8_t)~code;
	unsigned seg = (u >> 4) & 7, mant = u & 0x0F;
	int mag = (int)((((mant << 3) + 0x84) << seg) - 0x84);

	return (int16_t)((u & 0x80) ? -mag : mag);
}

uint8_t tz_media_alaw_encode(int16_t pcm)
{
	int x = pcm;
	uint8_t mask = 0xD5;            /* sign bit set for positive, even bits inverted */
	unsigned mag, seg, mant;

	if (x < 0) {
		x = -x - 1;
		mask = 0x55;
	}
	mag = (unsigned)x >> 3;         /* 13-bit: 0 .. 4095 */
	if (mag < 32) {
		seg = 0;
		mant = mag >> 1;
	} else {
		seg = top_bit(mag >> 4);  /* 1 .. 7 */
		mant = (mag >> seg) & 0x0F;
	}
	return (uint8_t)(((seg << 4) | mant) ^ mask);
}

int16_t tz_media_alaw_decode(uint8_t code)
{
	unsigned a = code ^ 0x55u;
	unsigned seg = (a >> 4) & 7, mant = a & 0x0F;
	int mag = seg == 0 ? (int)((mant << 4) + 8) : (int)(((mant << 4) + 0x108) << (seg - 1));

	return (int16_t)((a & 0x80) ? mag : -mag);
}

void tz_media_g711_encode(bool alaw, const int16_t *pcm, uint8_t *out, size_t n)
{
	if (alaw)
		for (size_t i = 0; i < n; i++)
			out[i] = tz_media_alaw_encode(pcm[i]);
	else
		for (size_t i = 0; i < n; i++)
			out[i] = tz_media_ulaw_encode(pcm[i]);
}

void tz_media_g711_decode(bool alaw, const uint8_t *in, int16_t *pcm, size_t n)
{
	if (alaw)
		for (size_t i = 0; i < n; i++)
			pcm[i] = tz_media_alaw_decode(in[i]);
	else
		for (size_t i = 0; i < n; i++)
			pcm[i] = tz_media_ulaw_decode(in[i]);
}
