/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: arbitrary datagrams into a fresh DTLS server context
 * (tz_dtls_input(), the bytes a remote peer controls).  Input = a sequence
 * of datagrams, each a 2-byte big-endian length and that many bytes (a
 * short tail is one last datagram).  The seed corpus holds real
 * ClientHellos, so the fuzzer starts inside the handshake.
 * Any crash or sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_dtls.h"

static struct tz_dtls_cert *cert;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_send(const uint8_t *data, size_t len, void *user)
{
	/* What we would send must be sane: non-empty, within the MTU. */
	if (len == 0 || len > TZ_DTLS_MTU_DEFAULT)
		abort();
}

static void on_event(struct tz_dtls *d, enum tz_dtls_event ev, void *user)
{
	if (ev == TZ_DTLS_FAILED && tz_dtls_error(d)[0] == '\0')
		abort();	/* every failure carries a reason */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cert = tz_dtls_cert_generate();
	if (cert == NULL) {
		fprintf(stderr, "fuzz_dtls_input: cannot generate a certificate\n");
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_dtls_fingerprint fp = { .algorithm = "sha-256", .len = 32 };
	struct tz_dtls *d;

	if (cert == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	memset(fp.value, 0xab, sizeof(fp.value));
	d = tz_dtls_new(cert, TZ_DTLS_SERVER, &fp, on_send, on_event, NULL);
	if (d == NULL)
		abort();
	while (size > 0) {
		size_t n = size >= 2 ? (size_t)data[0] << 8 | data[1] : size;

		if (size >= 2) {
			data += 2;
			size -= 2;
		}
		if (n > size)
			n = size;
		if (n > 0)
			tz_dtls_input(d, data, n);
		data += n;
		size -= n;
	}
	tz_dtls_free(d);
	return 0;
}
