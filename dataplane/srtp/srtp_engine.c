/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto engine: one cryptodev (ipsec_mb PMD first, OpenSSL PMD as the
 * fallback), one queue pair and a fixed set of crypto ops per worker, and
 * the pool the sessions of every context come from.  Set-up is control
 * thread only; srtp_engine_run() is the per-round fast path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cryptodev.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "srtp_pvt.h"
#include "tz_log.h"

static const char *const default_drivers[] = {
	"crypto_aesni_mb",
	"crypto_openssl",
};

/* Ring of each queue pair: one round in flight, power of two. */
#define QP_DESCRIPTORS (2 * TZ_SRTP_BURST_MAX)

static unsigned int engine_seq;
/* Devices owned by a live engine (control thread only). */
static bool dev_in_use[RTE_CRYPTO_MAX_DEVS];

/* An existing device of @p driver (e.g. from --vdev) no engine owns, or -1. */
static int find_device(const char *driver)
{
	uint8_t devs[RTE_CRYPTO_MAX_DEVS];
	uint8_t n = rte_cryptodev_devices_get(driver, devs, RTE_DIM(devs));

	for (uint8_t i = 0; i < n; i++) {
		struct rte_cryptodev_info info;

		rte_cryptodev_info_get(devs[i], &info);
		if (!dev_in_use[devs[i]] && strcmp(info.driver_name, driver) == 0)
			return devs[i];
	}
	return -1;
}

/* Find a device of @p driver or create a vdev for it; fills eng->dev_id. */
static int open_device(struct tz_srtp_engine *eng, const char *driver)
{
	char args[64];
	int dev;

	dev = find_device(driver);
	if (dev >= 0) {
		eng->dev_id = (uint8_t)dev;
		eng->own_vdev = false;
		return 0;
	}
	snprintf(eng->vdev_name, sizeof(eng->vdev_name), "%s_tz%u", driver, engine_seq++);
	snprintf(args, sizeof(args), "max_nb_queue_pairs=%u", eng->nb_qps);
	if (rte_vdev_init(eng->vdev_name, args) != 0)
		return -ENODEV;
	dev = rte_cryptodev_get_dev_id(eng->vdev_name);
	if (dev < 0) {
		rte_vdev_uninit(eng->vdev_name);
		return -ENODEV;
	}
	eng->dev_id = (uint8_t)dev;
	eng->own_vdev = true;
	return 0;
}

static void close_device(struct tz_srtp_engine *eng)
{
	rte_cryptodev_stop(eng->dev_id);
	dev_in_use[eng->dev_id] = false;
	if (eng->own_vdev)
		rte_vdev_uninit(eng->vdev_name);
}

/* Configure queue pairs, take each worker's ops, start the device. */
static int setup_device(struct tz_srtp_engine *eng, int socket)
{
	struct rte_cryptodev_config dconf = {
		.socket_id = socket,
		.nb_queue_pairs = eng->nb_qps,
		.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO | RTE_CRYPTODEV_FF_SECURITY,
	};
	struct rte_cryptodev_qp_conf qconf = {
		.nb_descriptors = QP_DESCRIPTORS,
		.mp_session = eng->sess_pool,
	};
	int rc;

	rc = rte_cryptodev_configure(eng->dev_id, &dconf);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < eng->nb_qps; q++) {
		struct tz_srtp_qp *qp = &eng->qps[q];

		rc = rte_cryptodev_queue_pair_setup(eng->dev_id, q, &qconf, socket);
		if (rc != 0)
			return rc;
		qp->dev_id = eng->dev_id;
		qp->qp_id = q;
		if (rte_crypto_op_bulk_alloc(eng->op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC, qp->ops,
					     TZ_SRTP_BURST_MAX) != TZ_SRTP_BURST_MAX)
			return -ENOMEM;
	}
	return rte_cryptodev_start(eng->dev_id);
}

/* Session (cryptodev only) and op pools sized for the device in eng->dev_id. */
static int make_pools(struct tz_srtp_engine *eng, const struct tz_srtp_engine_conf *conf,
		      int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int id = engine_seq++;

	if (!eng->direct) {
		unsigned int sess_size = rte_cryptodev_sym_get_private_session_size(eng->dev_id);

		snprintf(name, sizeof(name), "tz_srtp_sess%u", id);
		eng->sess_pool = rte_cryptodev_sym_session_pool_create(
			name, 2 * conf->max_ctx, sess_size, 0, 0, socket);
		if (eng->sess_pool == NULL)
			return -ENOMEM;
	}
	snprintf(name, sizeof(name), "tz_srtp_ops%u", id);
	eng->op_pool = rte_crypto_op_pool_create(name, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
						 (unsigned int)eng->nb_qps * TZ_SRTP_BURST_MAX, 0,
						 sizeof(struct srtp_op_priv), socket);
	return eng->op_pool == NULL ? -ENOMEM : 0;
}

static void free_engine(struct tz_srtp_engine *eng)
{
	srtp_imb_engine_fini(eng);
	if (eng->qps != NULL && eng->op_pool != NULL)
		for (uint16_t q = 0; q < eng->nb_qps; q++)
			for (unsigned int i = 0; i < TZ_SRTP_BURST_MAX; i++)
				if (eng->qps[q].ops[i] != NULL)
					rte_crypto_op_free(eng->qps[q].ops[i]);
	rte_mempool_free(eng->op_pool);
	rte_mempool_free(eng->sess_pool);
	rte_free(eng->qps);
	rte_free(eng);
}

/* Try one driver end to end; on failure leave nothing behind. */
static int try_driver(struct tz_srtp_engine *eng, const struct tz_srtp_engine_conf *conf,
		      const char *driver)
{
	int socket = conf->socket_id;
	int rc;

	rc = open_device(eng, driver);
	if (rc != 0)
		return rc;
	rc = make_pools(eng, conf, socket);
	if (rc == 0)
		rc = setup_device(eng, socket);
	if (rc == 0) {
		snprintf(eng->driver, sizeof(eng->driver), "%s", driver);
		dev_in_use[eng->dev_id] = true;
		return 0;
	}
	close_device(eng);
	for (uint16_t q = 0; q < eng->nb_qps; q++)
		for (unsigned int i = 0; i < TZ_SRTP_BURST_MAX; i++) {
			if (eng->qps[q].ops[i] != NULL)
				rte_crypto_op_free(eng->qps[q].ops[i]);
			eng->qps[q].ops[i] = NULL;
		}
	rte_mempool_free(eng->op_pool);
	rte_mempool_free(eng->sess_pool);
	eng->op_pool = NULL;
	eng->sess_pool = NULL;
	return rc;
}

/* Undo a failed try_direct() so that the cryptodev drivers can be tried. */
static void free_direct(struct tz_srtp_engine *eng)
{
	srtp_imb_engine_fini(eng);
	for (uint16_t q = 0; q < eng->nb_qps; q++)
		for (unsigned int i = 0; i < TZ_SRTP_BURST_MAX; i++) {
			if (eng->qps[q].ops[i] != NULL)
				rte_crypto_op_free(eng->qps[q].ops[i]);
			eng->qps[q].ops[i] = NULL;
		}
	rte_mempool_free(eng->op_pool);
	eng->op_pool = NULL;
	eng->direct = false;
	eng->driver[0] = '\0';
}

/* The direct backend: managers and the ops used as job descriptors. */
static int try_direct(struct tz_srtp_engine *eng, const struct tz_srtp_engine_conf *conf)
{
	int rc = srtp_imb_engine_init(eng, conf);

	if (rc != 0)
		return rc;
	rc = make_pools(eng, conf, conf->socket_id);
	for (uint16_t q = 0; rc == 0 && q < eng->nb_qps; q++) {
		eng->qps[q].qp_id = q;
		if (rte_crypto_op_bulk_alloc(eng->op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
					     eng->qps[q].ops,
					     TZ_SRTP_BURST_MAX) != TZ_SRTP_BURST_MAX)
			rc = -ENOMEM;
	}
	return rc;
}

struct tz_srtp_engine *tz_srtp_engine_create(const struct tz_srtp_engine_conf *conf)
{
	const char *const *drivers = default_drivers;
	unsigned int nb = RTE_DIM(default_drivers);
	struct tz_srtp_engine *eng;
	int rc = -ENODEV;

	if (conf == NULL || conf->nb_workers == 0 || conf->max_ctx == 0 ||
	    (unsigned int)conf->backend > TZ_SRTP_BACKEND_CRYPTODEV ||
	    (unsigned int)conf->imb_arch > TZ_SRTP_IMB_AVX512)
		goto err_inval;
	if (conf->drivers != NULL) {
		drivers = conf->drivers;
		nb = conf->nb_drivers;
	}
	eng = rte_zmalloc_socket("tz_srtp_engine", sizeof(*eng), 0, conf->socket_id);
	if (eng == NULL)
		goto err_nomem;
	eng->nb_qps = conf->nb_workers;
	eng->qps = rte_zmalloc_socket("tz_srtp_qps", sizeof(*eng->qps) * eng->nb_qps,
				      RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (eng->qps == NULL)
		goto err_free;
	if (conf->backend == TZ_SRTP_BACKEND_IPSEC_MB ||
	    (conf->backend == TZ_SRTP_BACKEND_AUTO && conf->drivers == NULL)) {
		rc = try_direct(eng, conf);
		if (rc == 0)
			return eng;
		if (conf->backend != TZ_SRTP_BACKEND_AUTO) {
			TZ_LOG(DP_SRTP, ERR, "crypto engine ipsec_mb_direct unavailable: %s",
			       strerror(-rc));
			goto err_free;
		}
		TZ_LOG(DP_SRTP, NOTICE, "crypto engine ipsec_mb_direct unavailable: %s",
		       strerror(-rc));
		/* auto: fall back to the cryptodev PMDs (crypto_openssl needs no AES-NI) */
		free_direct(eng);
	}
	for (unsigned int i = 0; i < nb; i++) {
		rc = try_driver(eng, conf, drivers[i]);
		if (rc == 0) {
			TZ_LOG(DP_SRTP, INFO, "crypto engine %s (cryptodev %u, %u queue pairs)",
			       eng->driver, eng->dev_id, eng->nb_qps);
			return eng;
		}
		TZ_LOG(DP_SRTP, NOTICE, "crypto engine %s unavailable: %s", drivers[i],
		       strerror(-rc));
	}
	TZ_LOG(DP_SRTP, ERR, "no crypto engine could be started");
err_free:
	free_engine(eng);
	errno = rc == -ENOMEM ? ENOMEM : ENODEV;
	return NULL;
err_nomem:
	errno = ENOMEM;
	return NULL;
err_inval:
	errno = EINVAL;
	return NULL;
}

void tz_srtp_engine_destroy(struct tz_srtp_engine *eng)
{
	if (eng == NULL)
		return;
	if (!eng->direct)
		close_device(eng);
	free_engine(eng);
}

const char *tz_srtp_engine_driver(const struct tz_srtp_engine *eng)
{
	return eng->driver;
}

struct tz_srtp_qp *tz_srtp_engine_qp(struct tz_srtp_engine *eng, uint16_t worker)
{
	if (eng == NULL || worker >= eng->nb_qps) {
		errno = EINVAL;
		return NULL;
	}
	return &eng->qps[worker];
}

size_t tz_srtp_engine_suite_footprint(const struct tz_srtp_engine *eng, enum tz_srtp_suite suite)
{
	size_t sess;

	if (eng->direct)
		return srtp_ctx_alloc_size(eng, suite >= TZ_SRTP_AEAD_AES_128_GCM);
	sess = rte_mempool_calc_obj_size(eng->sess_pool->elt_size, eng->sess_pool->flags, NULL);
	return 2 * sess + RTE_ALIGN_CEIL(sizeof(struct tz_srtp_ctx), RTE_CACHE_LINE_SIZE);
}

size_t tz_srtp_engine_pool_footprint(const struct tz_srtp_engine *eng)
{
	if (eng->direct)
		return 0;
	return 2 * rte_mempool_calc_obj_size(eng->sess_pool->elt_size, eng->sess_pool->flags,
					     NULL);
}

size_t tz_srtp_engine_ctx_footprint(const struct tz_srtp_engine *eng)
{
	return tz_srtp_engine_suite_footprint(eng, TZ_SRTP_AEAD_AES_256_GCM);
}

static uint8_t op_status(const struct rte_crypto_op *op)
{
	switch (op->status) {
	case RTE_CRYPTO_OP_STATUS_SUCCESS:
		return TZ_SRTP_OK;
	case RTE_CRYPTO_OP_STATUS_AUTH_FAILED:
		return TZ_SRTP_AUTH_FAIL;
	default:
		return TZ_SRTP_CRYPTO_ERR;
	}
}

void srtp_engine_run(struct tz_srtp_qp *qp, uint16_t nb, uint8_t status[])
{
	uint16_t enq, deq = 0;

	if (qp->mgr != NULL) {
		srtp_imb_run(qp, nb, status);
		return;
	}
	enq = rte_cryptodev_enqueue_burst(qp->dev_id, qp->qp_id, qp->ops, nb);
	for (uint16_t i = enq; i < nb; i++)
		status[srtp_op_priv(qp->ops[i])->pkt] = TZ_SRTP_CRYPTO_ERR;
	/* Software PMDs finish on dequeue; hardware ones need a few polls. */
	while (deq < enq) {
		uint16_t k = rte_cryptodev_dequeue_burst(qp->dev_id, qp->qp_id, qp->done,
							 enq - deq);

		for (uint16_t i = 0; i < k; i++)
			status[srtp_op_priv(qp->done[i])->pkt] = op_status(qp->done[i]);
		deq += k;
	}
}

const char *tz_srtp_status_name(unsigned int status)
{
	static const char *const names[] = {
#define TZ_SRTP_STATUS_NAME(e, n) [TZ_SRTP_##e] = n,
		TZ_SRTP_STATUSES(TZ_SRTP_STATUS_NAME)
#undef TZ_SRTP_STATUS_NAME
	};

	return status < RTE_DIM(names) ? names[status] : "?";
}
