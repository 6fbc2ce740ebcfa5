/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GCM tag fix-up for AAD lengths the cryptodev session was not built for.
 *
 * cryptodev takes the AAD length from the session, but the SRTP AAD is the
 * RTP header, whose length varies with CSRCs and extensions (RFC 7714 §5).
 * GHASH is linear, so we run the engine with 12 zero bytes of AAD and
 * correct the tag in software.  With A = a_1..a_p (padded header blocks),
 * q ciphertext blocks and H the hash key (NIST SP 800-38D):
 *
 *   true GHASH   = sum a_i H^(p+q+2-i) + sum c_j H^(q+2-j) + [|A|,|C|] H
 *   engine GHASH =       0 * H^(q+2)   + sum c_j H^(q+2-j) + [96, |C|] H
 *   tag_true     = tag_engine ^ H^(q+1) * G_A ^ [|A| ^ 96, 0] * H
 *
 * where G_A = sum a_i H^(p+1-i) is GHASH over A alone.  Cost: p + popcount(q+1) + 1
 * carry-less multiplications, only for headers that are not exactly 12 bytes.
 */
#include <string.h>

#include <immintrin.h>

#include "srtp_pvt.h"

#define TARGET __attribute__((target("pclmul,sse4.1,ssse3")))

static TARGET inline __m128i bswap128(__m128i x)
{
	const __m128i mask = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

	return _mm_shuffle_epi8(x, mask);
}

/*
 * a * b in GF(2^128) with the GCM polynomial, operands byte-reflected
 * (Gueron & Kounavis, "Intel Carry-Less Multiplication Instruction and its
 * Usage for Computing the GCM Mode", rev. 2.02, Algorithm 5: Karatsuba-free
 * schoolbook product, shift left by one, then reduction).
 */
static TARGET __m128i gfmul(__m128i a, __m128i b)
{
	__m128i t3, t4, t5, t6, t7, t8, t9, t2;

	t3 = _mm_clmulepi64_si128(a, b, 0x00);
	t4 = _mm_clmulepi64_si128(a, b, 0x10);
	t5 = _mm_clmulepi64_si128(a, b, 0x01);
	t6 = _mm_clmulepi64_si128(a, b, 0x11);
	t4 = _mm_xor_si128(t4, t5);
	t5 = _mm_slli_si128(t4, 8);
	t4 = _mm_srli_si128(t4, 8);
	t3 = _mm_xor_si128(t3, t5);
	t6 = _mm_xor_si128(t6, t4);
	/* shift the 256-bit product <t6:t3> left by one bit */
	t7 = _mm_srli_epi32(t3, 31);
	t8 = _mm_srli_epi32(t6, 31);
	t3 = _mm_slli_epi32(t3, 1);
	t6 = _mm_slli_epi32(t6, 1);
	t9 = _mm_srli_si128(t7, 12);
	t8 = _mm_slli_si128(t8, 4);
	t7 = _mm_slli_si128(t7, 4);
	t3 = _mm_or_si128(t3, t7);
	t6 = _mm_or_si128(t6, t8);
	t6 = _mm_or_si128(t6, t9);
	/* reduce modulo x^128 + x^7 + x^2 + x + 1 */
	t7 = _mm_slli_epi32(t3, 31);
	t8 = _mm_slli_epi32(t3, 30);
	t9 = _mm_slli_epi32(t3, 25);
	t7 = _mm_xor_si128(t7, t8);
	t7 = _mm_xor_si128(t7, t9);
	t8 = _mm_srli_si128(t7, 4);
	t7 = _mm_slli_si128(t7, 12);
	t3 = _mm_xor_si128(t3, t7);
	t2 = _mm_srli_epi32(t3, 1);
	t4 = _mm_srli_epi32(t3, 2);
	t5 = _mm_srli_epi32(t3, 7);
	t2 = _mm_xor_si128(t2, t4);
	t2 = _mm_xor_si128(t2, t5);
	t2 = _mm_xor_si128(t2, t8);
	t3 = _mm_xor_si128(t3, t2);
	return _mm_xor_si128(t6, t3);
}

TARGET void srtp_gcm_hpow_init(const uint8_t h[16], uint8_t hpow[][16], unsigned int n)
{
	__m128i x = bswap128(_mm_loadu_si128((const __m128i *)h));

	for (unsigned int k = 0; k < n; k++) {
		_mm_storeu_si128((__m128i *)hpow[k], x);
		x = gfmul(x, x);
	}
}

/* GHASH over a1||a2 (zero padded to a whole block), from Y = 0. */
static TARGET __m128i ghash2(__m128i h, const uint8_t *a1, size_t l1, const uint8_t *a2,
			     size_t l2)
{
	__m128i y = _mm_setzero_si128();
	uint8_t blk[16];
	size_t fill = 0;

	while (l1 + l2 > 0) {
		const uint8_t **src = l1 > 0 ? &a1 : &a2;
		size_t *left = l1 > 0 ? &l1 : &l2;
		size_t take = RTE_MIN(*left, 16 - fill);

		if (fill == 0 && take == 16) {
			y = gfmul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((const __m128i *)*src))), h);
		} else {
			memcpy(blk + fill, *src, take);
			fill += take;
			if (fill == 16 || l1 + l2 == take) {
				memset(blk + fill, 0, 16 - fill);
				y = gfmul(_mm_xor_si128(y, bswap128(_mm_loadu_si128((__m128i *)blk))), h);
				fill = 0;
			}
		}
		*src += take;
		*left -= take;
	}
	return y;
}

TARGET void srtp_gcm_fix(const uint8_t hpow[][16], const uint8_t *a1, size_t l1,
			 const uint8_t *a2, size_t l2, size_t clen, uint8_t fix[16])
{
	__m128i h = _mm_loadu_si128((const __m128i *)hpow[0]);
	__m128i p = h, acc, d;
	uint64_t e = (clen + 15) / 16 + 1;
	bool first = true;

	for (unsigned int k = 0; k < SRTP_GCM_HPOW && e != 0; k++, e >>= 1) {
		if (!(e & 1))
			continue;
		__m128i hk = _mm_loadu_si128((const __m128i *)hpow[k]);

		p = first ? hk : gfmul(p, hk);
		first = false;
	}
	acc = gfmul(ghash2(h, a1, l1, a2, l2), p);
	/* length block difference [8|A| ^ 96]_64 || 0_64, byte-reflected: high lane */
	d = _mm_set_epi64x((long long)((8 * (uint64_t)(l1 + l2)) ^ 96), 0);
	acc = _mm_xor_si128(acc, gfmul(d, h));
	_mm_storeu_si128((__m128i *)fix, bswap128(acc));
}
