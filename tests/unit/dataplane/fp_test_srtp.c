/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>

#include "fp_test_srtp.h"

int fp_test_dp_setup(const char *tag, struct rte_mempool **mp, struct rte_ring **rx,
		     struct rte_ring **tx, uint16_t *pid, struct tz_dp_sessions **sess,
		     struct tz_srtp_engine **eng)
{
	struct tz_srtp_engine_conf ec = { .nb_workers = 1, .max_ctx = 16, .socket_id = 0 };
	char name[64];

	snprintf(name, sizeof(name), "tz_test_%s", tag);
	*mp = fp_test_eal(name);
	if (*mp == NULL || fp_test_ring_ports(*mp, tag, FP_NPORTS, rx, tx, pid) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s_sessions", tag);
	*sess = tz_dp_sessions_create(name, 64, 1, 0);
	*eng = tz_srtp_engine_create(&ec);
	if (*sess == NULL || *eng == NULL)
		return -1;
	return srtp_init() == srtp_err_status_ok ? 0 : -1;
}

void fp_test_dp_teardown(struct tz_dp_sessions *sess, struct tz_srtp_engine *eng)
{
	tz_dp_sessions_free(sess);
	tz_srtp_engine_destroy(eng);
	rte_eal_cleanup();
}

struct tz_srtp_ctx *fp_test_aes_cm_ctx(struct tz_srtp_engine *eng, enum tz_srtp_dir dir,
				       const uint8_t master[30])
{
	return tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, dir, master, 16,
				  master + 16, 14);
}

int fp_test_browser_srtp(srtp_t *s, const uint8_t master[30], srtp_ssrc_type_t t)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_rtp_default(&p.rtp);
	srtp_crypto_policy_set_rtp_default(&p.rtcp);
	p.ssrc.type = t;
	p.key = (unsigned char *)master;
	p.window_size = 128;
	return srtp_create(s, &p) == srtp_err_status_ok ? 0 : -1;
}
