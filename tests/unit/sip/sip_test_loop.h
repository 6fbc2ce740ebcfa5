/* SPDX-License-Identifier: BSD-3-Clause */
/* The SIP unit tests' main-loop helpers: wait for a condition with a
 * deadline, run the loop for a while, see whether a UDP port is taken. */
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

#endif
