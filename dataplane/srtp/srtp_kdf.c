/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation and other one-off AES uses at context creation (control
 * thread only).  OpenSSL EVP here is fine: it never runs per packet.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "srtp_pvt.h"

static const EVP_CIPHER *aes_cipher(size_t key_len, bool ecb)
{
	switch (key_len) {
	case 16:
		return ecb ? EVP_aes_128_ecb() : EVP_aes_128_ctr();
	case 32:
		return ecb ? EVP_aes_256_ecb() : EVP_aes_256_ctr();
	default:
		return NULL;
	}
}

/* Encrypt @p len bytes of zeros: the keystream for CTR, E_K(0) for ECB. */
static int aes_zeros(const uint8_t *key, size_t key_len, bool ecb, const uint8_t iv[16],
		     uint8_t *out, size_t len)
{
	const EVP_CIPHER *cipher = aes_cipher(key_len, ecb);
	EVP_CIPHER_CTX *c;
	uint8_t zero[64] = { 0 };
	int ol, rc = -EIO;

	if (cipher == NULL)
		return -EINVAL;
	c = EVP_CIPHER_CTX_new();
	if (c == NULL)
		return -ENOMEM;
	if (EVP_EncryptInit_ex(c, cipher, NULL, key, ecb ? NULL : iv) != 1)
		goto out;
	EVP_CIPHER_CTX_set_padding(c, 0);
	while (len > 0) {
		size_t chunk = len < sizeof(zero) ? len : sizeof(zero);

		if (EVP_EncryptUpdate(c, out, &ol, zero, (int)chunk) != 1 || (size_t)ol != chunk)
			goto out;
		out += chunk;
		len -= chunk;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int srtp_aes_cm(const uint8_t *key, size_t key_len, const uint8_t iv[16], uint8_t *out,
		size_t out_len)
{
	return aes_zeros(key, key_len, false, iv, out, out_len);
}

int srtp_kdf(const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len,
	     uint8_t label, uint8_t *out, size_t out_len)
{
	uint8_t iv[16] = { 0 };

	/*
	 * x = key_id XOR master_salt, key_id = label || r with r = 0 (kdr 0),
	 * as 112-bit numbers; IV = x * 2^16.  A 96-bit GCM master salt is
	 * zero padded on the right (RFC 7714 §11, as libsrtp does).
	 */
	if (salt_len > 14)
		return -EINVAL;
	memcpy(iv, salt, salt_len);
	iv[7] ^= label;
	return aes_zeros(key, key_len, false, iv, out, out_len);
}

int srtp_gcm_hash_key(const uint8_t *key, size_t key_len, uint8_t h[16])
{
	return aes_zeros(key, key_len, true, NULL, h, 16);
}
