/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forking an incoming call to every SIP-over-WebSocket device of an AOR
 * (ctrlplane/session/fork.c) with the rest of the call manager stubbed (fake
 * legs, fake connections): who rings, who takes the SIP leg when a device
 * answers, who is told "answered elsewhere", what happens when a device
 * declines or goes away, and that the caller's CANCEL ends every branch.
 * End to end: sipws_scenarios.mjs "a second device of alice rings too".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

/* ---- stubs of the call manager ---- */
struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

#define MAX_CALLS 8
static struct call calls[MAX_CALLS];
static unsigned n_calls;
static void *conns_of_aor[4];
static unsigned n_conns;
static void *busy_conn;
static bool full;
static unsigned offers, ring_timers;
static struct {
	struct call *c;
	int code;
	char reason[32];
	bool notify;
} ends[MAX_CALLS];
static unsigned n_ends;
static struct tz_sip_leg *leg_user_of;   /* the leg ... */
static struct call *leg_user;            /* ... and whose it is now */
static struct tz_auth_identity alice = { .user = "alice", .how = "sip-ws",
					 .uri = "sip:alice@203.0.113.3" };
static int fake_leg;
#define LEG ((struct tz_sip_leg *)&fake_leg)
#define CONN(n) ((void *)(uintptr_t)(0x100 + (n)))

const struct tz_auth_identity *tz_login_identity(void *conn)
{
	(void)conn;
	return &alice;
}

GSList *tz_login_conns_of_aor(const char *uri, void *except)
{
	GSList *l = NULL;

	assert_string_equal(uri, alice.uri);
	for (unsigned i = 0; i < n_conns; i++)
		if (conns_of_aor[i] != except)
			l = g_slist_append(l, conns_of_aor[i]);
	return l;
}

bool tz_calls_conn_busy(void *conn)
{
	return conn == busy_conn;
}

bool tz_calls_admit_inbound(void)
{
	return !full;
}

struct call *tz_call_new(void *conn, const char *name, const char *user, const char *target)
{
	struct call *c = &calls[n_calls];

	assert_true(n_calls < MAX_CALLS);
	memset(c, 0, sizeof(*c));
	c->id = ++n_calls;
	c->conn = conn;
	g_snprintf(c->name, sizeof(c->name), "%s", name != NULL ? name : "in");
	g_strlcpy(c->user, user, sizeof(c->user));
	g_strlcpy(c->target, target, sizeof(c->target));
	return c;
}

void tz_calls_tenant_move(struct call *from, struct call *to)
{
	to->tl = from->tl;
	from->tl.admitted = false;
}

void tz_call_register(struct call *c)
{
	(void)c;
}

int tz_sip_side_offer(struct call *c, const char *display)
{
	(void)display;
	assert_null(c->sip.leg);                /* a sibling never owns the leg */
	assert_non_null(c->fork_primary);
	assert_string_equal(c->sip.offer_text, "v=0 (the caller's SDP)");
	offers++;
	return 0;
}

void tz_sip_side_ring_timer(struct call *c)
{
	assert_ptr_equal(c->sip.leg, LEG);
	ring_timers++;
}

void tz_sip_leg_set_user(struct tz_sip_leg *leg, void *user)
{
	leg_user_of = leg;
	leg_user = user;
}

/* As calls.c: an ended call leaves its fork (a primary takes its siblings along). */
void tz_call_end(struct call *c, int code, const char *reason, bool notify)
{
	if (c->state == CALL_ENDED)
		return;
	c->state = CALL_ENDED;
	tz_fork_end(c, code, reason);
	ends[n_ends].c = c;
	ends[n_ends].code = code;
	g_strlcpy(ends[n_ends].reason, reason, sizeof(ends[0].reason));
	ends[n_ends].notify = notify;
	n_ends++;
}

/* ---- helpers ---- */

static int setup(void **state)
{
	(void)state;
	memset(calls, 0, sizeof(calls));
	memset(ends, 0, sizeof(ends));
	n_calls = n_conns = n_ends = offers = ring_timers = 0;
	busy_conn = NULL;
	full = false;
	leg_user = NULL;
	leg_user_of = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < n_calls; i++) {
		g_slist_free(calls[i].forks);
		g_free(calls[i].sip.offer_text);
	}
	return 0;
}

/* The call the registrar reached: alice's device 0 rings, devices 1..n-1 too. */
static struct call *incoming(unsigned devices)
{
	struct call *p;

	for (unsigned i = 0; i < devices; i++)
		conns_of_aor[i] = CONN(i);
	n_conns = devices;
	p = tz_call_new(CONN(0), NULL, "alice", "sip:carol@203.0.113.2");
	p->inbound = true;
	p->kind = TZ_WEB_SIPWS;
	p->sip.leg = LEG;
	g_strlcpy(p->sip.from, "sip:carol@203.0.113.2", sizeof(p->sip.from));
	p->sip.offer_text = g_strdup("v=0 (the caller's SDP)");
	tz_fork_ring_siblings(p, "Carol");
	return p;
}

static unsigned ended(const struct call *c)
{
	for (unsigned i = 0; i < n_ends; i++)
		if (ends[i].c == c)
			return i + 1;
	return 0;
}

/* ---- tests ---- */

static void test_every_free_device_rings(void **state)
{
	struct call *p;

	(void)state;
	busy_conn = CONN(2);                   /* in a call: 486 is its answer, not ours */
	p = incoming(4);
	assert_int_equal(offers, 2);           /* devices 1 and 3 */
	assert_int_equal(g_slist_length(p->forks), 2);
	for (GSList *l = p->forks; l != NULL; l = l->next) {
		struct call *s = l->data;

		assert_ptr_equal(s->fork_primary, p);
		assert_true(s->inbound);
		assert_null(s->sip.leg);
		assert_string_equal(s->sip.from, "sip:carol@203.0.113.2");
		assert_true(s->conn == CONN(1) || s->conn == CONN(3));
	}
	assert_int_equal(n_ends, 0);
}

static void test_no_room_no_sibling(void **state)
{
	struct call *p;

	(void)state;
	full = true;                           /* limits.max_calls reached */
	p = incoming(3);
	assert_int_equal(offers, 0);
	assert_null(p->forks);
}

static void test_sibling_answers_takes_the_leg(void **state)
{
	struct call *p, *s1, *s2;

	(void)state;
	p = incoming(3);
	s1 = p->forks->data;
	s2 = p->forks->next->data;
	tz_fork_won(s1);
	/* s1 owns the leg now, the others are told "answered elsewhere" */
	assert_ptr_equal(s1->sip.leg, LEG);
	assert_null(p->sip.leg);
	assert_ptr_equal(leg_user_of, LEG);
	assert_ptr_equal(leg_user, s1);
	assert_null(s1->fork_primary);
	assert_null(s1->forks);
	assert_true(ended(p) && ends[ended(p) - 1].notify);
	assert_string_equal(ends[ended(p) - 1].reason, "answered elsewhere");
	assert_true(ended(s2) && ends[ended(s2) - 1].notify);
	assert_string_equal(ends[ended(s2) - 1].reason, "answered elsewhere");
	assert_false(ended(s1));
	assert_int_equal(n_ends, 2);
}

static void test_primary_answers(void **state)
{
	struct call *p, *s1;

	(void)state;
	p = incoming(2);
	s1 = p->forks->data;
	tz_fork_won(p);
	assert_ptr_equal(p->sip.leg, LEG);
	assert_null(p->forks);
	assert_true(ended(s1));
	assert_string_equal(ends[0].reason, "answered elsewhere");
	assert_int_equal(n_ends, 1);
}

static void test_primary_declines_hands_over(void **state)
{
	struct call *p, *s1, *s2;

	(void)state;
	p = incoming(3);
	s1 = p->forks->data;
	s2 = p->forks->next->data;
	assert_true(tz_fork_handover(p));      /* the leg is not rejected */
	assert_ptr_equal(s1->sip.leg, LEG);
	assert_null(p->sip.leg);
	assert_ptr_equal(leg_user, s1);
	assert_int_equal(ring_timers, 1);      /* the caller's ringing goes on, bounded */
	assert_ptr_equal(s2->fork_primary, s1);
	assert_int_equal(g_slist_length(s1->forks), 1);
	tz_call_end(p, 486, "rejected", false);
	assert_false(ended(s1) || ended(s2));  /* they still ring */
	/* the last one declines too: nobody to hand over to */
	assert_true(tz_fork_handover(s2));     /* a sibling never owns the leg */
	tz_call_end(s2, 486, "rejected", false);
	assert_null(s1->forks);
	assert_false(tz_fork_handover(s1));    /* reject the leg now */
}

static void test_sibling_goes_away(void **state)
{
	struct call *p, *s1;

	(void)state;
	p = incoming(2);
	s1 = p->forks->data;
	tz_call_end(s1, 0, "disconnected", false);
	assert_null(p->forks);
	assert_ptr_equal(p->sip.leg, LEG);
	assert_false(ended(p));
}

static void test_caller_cancels_every_branch(void **state)
{
	struct call *p, *s1, *s2;

	(void)state;
	p = incoming(3);
	s1 = p->forks->data;
	s2 = p->forks->next->data;
	tz_call_end(p, 487, "Request Terminated", true);   /* on_ended of the leg */
	assert_true(ended(s1) && ended(s2));
	assert_int_equal(ends[ended(s1) - 1].code, 487);
	assert_true(ends[ended(s2) - 1].notify);           /* CANCEL to their browsers */
	assert_null(p->forks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_every_free_device_rings),
		T(test_no_room_no_sibling),
		T(test_sibling_answers_takes_the_leg),
		T(test_primary_answers),
		T(test_primary_declines_hands_over),
		T(test_sibling_goes_away),
		T(test_caller_cancels_every_branch),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
