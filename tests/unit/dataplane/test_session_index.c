/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session table's direct index by (port, local UDP port) in front of
 * the hash (dataplane/session.c): the workers' bulk lookup must give what
 * the hash alone gives (tz_dp_flow_find), for every key, after every add,
 * replace and delete -- keys sharing a local port, a port reused by
 * another remote after its call ended, shadow keys, entries freed and
 * their memory reused.  The test thread plays no worker: every grace
 * period ends at once, so a stale slot would name freed (reused) memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "fp_test.h"
#include "tz_session.h"

/* The key space: 4 ports (one a BUNDLE shadow), 6 local ports, 3 remote
 * addresses, 2 remote ports = 144 keys. */
#define N_PORTS 4
#define N_LOCAL 6
#define N_REMOTE 3
#define N_RPORT 2
#define N_KEYS (N_PORTS * N_LOCAL * N_REMOTE * N_RPORT)

static const uint16_t port_of[N_PORTS] = { 0, 1, 15, TZ_DP_BUNDLE_PORT };

static void key_of(unsigned i, struct tz_dp_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->remote[10] = 0xff;
	k->remote[11] = 0xff;
	k->remote[12] = 192;
	k->remote[13] = 0;
	k->remote[14] = 2;
	k->remote[15] = (uint8_t)(1 + i % N_REMOTE);
	i /= N_REMOTE;
	k->remote_port = (uint16_t)(40000 + i % N_RPORT);
	i /= N_RPORT;
	k->local_port = (uint16_t)(20000 + 700 * (i % N_LOCAL));   /* across index chunks */
	i /= N_LOCAL;
	k->port_idx = port_of[i % N_PORTS];
}

static struct tz_dp_flow flow_with_id(uint32_t id)
{
	struct tz_dp_flow f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.xform = TZ_XF_FORWARD;
	return f;
}

/* Every key, in bursts of 32 with the keys shuffled across the burst:
 * the bulk lookup agrees with the hash and with what the test published. */
static void check_all(const struct tz_dp_sessions *s, const uint32_t *id)
{
	struct tz_dp_flow_key keys[N_KEYS];
	const struct tz_dp_flow_key *kp[32];
	const struct tz_dp_flow *out[32];
	unsigned order[N_KEYS];

	for (unsigned i = 0; i < N_KEYS; i++) {
		key_of(i, &keys[i]);
		order[i] = i;
	}
	for (unsigned i = N_KEYS - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned b = 0; b < N_KEYS; b += 32) {
		unsigned n = N_KEYS - b < 32 ? N_KEYS - b : 32, hits = 0;

		for (unsigned i = 0; i < n; i++) {
			kp[i] = &keys[order[b + i]];
			hits += id[order[b + i]] != 0;
		}
		assert_int_equal(tz_dp_flow_lookup_bulk(s, kp, n, out), hits);
		for (unsigned i = 0; i < n; i++) {
			unsigned k = order[b + i];

			assert_ptr_equal(out[i], tz_dp_flow_find(s, &keys[k]));
			if (id[k] == 0)
				assert_null(out[i]);
			else
				assert_int_equal(out[i]->id, id[k]);
		}
	}
}

/* Two remotes on one local port, the first call ending, the port reused. */
static void test_shared_and_reused_port(void **state)
{
	struct tz_dp_sessions *s = tz_dp_sessions_create("idx_shared", 64, 1, 0);
	uint32_t id[N_KEYS] = { 0 };
	struct tz_dp_flow_key a, b, c;
	struct tz_dp_flow f;

	(void)state;
	assert_non_null(s);
	key_of(0, &a);          /* port 0, local 20000, remote .1 */
	key_of(1, &b);          /* the same local port, remote .2 */
	key_of(2, &c);          /* the same local port, remote .3 */
	f = flow_with_id(1);
	assert_true(tz_dp_flow_add(s, &a, &f) >= 0);
	id[0] = 1;
	check_all(s, id);
	f = flow_with_id(2);
	assert_true(tz_dp_flow_add(s, &b, &f) >= 0);       /* the slot now names b */
	id[1] = 2;
	check_all(s, id);
	assert_int_equal(tz_dp_flow_del(s, &b), 0);         /* a: the hash's again */
	id[1] = 0;
	check_all(s, id);
	assert_int_equal(tz_dp_flow_del(s, &a), 0);         /* the call ends */
	id[0] = 0;
	check_all(s, id);
	f = flow_with_id(3);
	assert_true(tz_dp_flow_add(s, &c, &f) >= 0);       /* its port reused */
	id[2] = 3;
	check_all(s, id);
	f = flow_with_id(4);                                /* latched to a new remote */
	assert_true(tz_dp_flow_replace(s, &c, &a, &f) >= 0);
	id[2] = 0;
	id[0] = 4;
	check_all(s, id);
	f = flow_with_id(5);                                /* re-keyed in place */
	assert_true(tz_dp_flow_replace(s, &a, &a, &f) >= 0);
	id[0] = 5;
	check_all(s, id);
	tz_dp_sessions_free(s);
}

/* Random adds, deletes and replaces over the whole key space. */
static void test_random_ops(void **state)
{
	struct tz_dp_sessions *s = tz_dp_sessions_create("idx_random", 256, 1, 0);
	uint32_t id[N_KEYS] = { 0 }, next = 1;

	(void)state;
	assert_non_null(s);
	srand(12);
	for (unsigned round = 0; round < 3000; round++) {
		unsigned k = (unsigned)rand() % N_KEYS, k2 = (unsigned)rand() % N_KEYS;
		struct tz_dp_flow_key key, key2;
		struct tz_dp_flow f = flow_with_id(next);

		key_of(k, &key);
		key_of(k2, &key2);
		if (id[k] == 0) {
			assert_true(tz_dp_flow_add(s, &key, &f) >= 0);
			id[k] = next++;
		} else if (rand() % 3 == 0) {
			assert_int_equal(tz_dp_flow_del(s, &key), 0);
			id[k] = 0;
		} else if (k2 == k || id[k2] == 0) {
			assert_true(tz_dp_flow_replace(s, &key, &key2, &f) >= 0);
			id[k] = 0;
			id[k2] = next++;
		}
		if (round % 7 == 0)
			check_all(s, id);
	}
	check_all(s, id);
	tz_dp_sessions_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_and_reused_port),
		cmocka_unit_test(test_random_ops),
	};
	int rc;

	if (fp_test_eal("tz_test_index") == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("session_index", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
