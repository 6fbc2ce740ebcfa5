/* SPDX-License-Identifier: BSD-3-Clause */
/* The SIP unit tests' main-loop helpers: wait for a condition with a
 * deadline, run the loop for a while, see whether a UDP port is taken, find
 * free ports. */
#ifndef TZ_SIP_TEST_LOOP_H
#define TZ_SIP_TEST_LOOP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

static inline gboolean deadline_hit(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Run the loop until @p expr holds or @p secs elapse. */
#define WAIT_FOR(expr, secs)                                                    \
	do {                                                                    \
		bool late_ = false;                                             \
		guint t_ = g_timeout_add_seconds((secs), deadline_hit, &late_); \
		while (!(expr) && !late_)                                       \
			g_main_context_iteration(NULL, TRUE);                   \
		if (!late_)                                                     \
			g_source_remove(t_);                                    \
	} while (0)

/* Run the loop for @p ms (let the peer go on). */
static inline void run_for(unsigned ms)
{
	bool later = false;

	g_timeout_add(ms, deadline_hit, &later);
	WAIT_FOR(later, ms / 1000 + 2);
}

/* Whether UDP port @p port on 127.0.0.1 is bound by someone (a peer is up). */
static inline bool port_bound(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return rc < 0 && errno == EADDRINUSE;
}

/* A port free on 127.0.0.1 for both TCP and UDP now (the kernel's pick), or 0:
 * each test run finds its own ports, never a fixed one another run may hold. */
static inline uint16_t sip_test_free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
		uint16_t port = 0;

		if (t >= 0 && u >= 0 && bind(t, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(t, (struct sockaddr *)&a, &len) == 0 &&
		    bind(u, (struct sockaddr *)&a, sizeof(a)) == 0)
			port = ntohs(a.sin_port);
		if (t >= 0)
			close(t);
		if (u >= 0)
			close(u);
		if (port != 0)
			return port;
	}
	return 0;
}

/* Ports for @p n parties, all different and free now; false if none found. */
static inline bool sip_test_free_ports(uint16_t *ports, int n)
{
	for (int i = 0; i < n; i++) {
		bool again;

		do {
			ports[i] = sip_test_free_port();
			if (ports[i] == 0)
				return false;
			again = false;
			for (int j = 0; j < i; j++)
				again |= ports[j] == ports[i];
		} while (again);
	}
	return true;
}

#endif
