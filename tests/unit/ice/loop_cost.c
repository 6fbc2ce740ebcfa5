/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one control-loop iteration costs with N idle calls' ICE agents up,
 * in-process and without the lab: N ICE-lite agents on 127.0.0.1 (as the
 * daemon makes them: tz_ice_new with the default context), the main context
 * polling with the daemon's epoll poll (evpoll.c), and optionally each agent
 * in a context of its own run by the context hub (ctxhub.c).  Then one
 * socket of the main context is made readable K times and each iteration
 * that dispatches it is timed (thread CPU time): the cost of an iteration
 * whose work is O(1), as a function of the agents that are up.
 *
 *   ice_loop_cost N hub|main [K]
 * prints: mode N agents, CPU µs per agent creation, CPU µs per iteration,
 * descriptors in the main context's poll, descriptors open.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <glib-unix.h>
#include <glib.h>

#include "ctxhub_ice.h"
#include "evpoll.h"
#include "tz_ice.h"

static int hits;

static gboolean on_read(gint fd, GIOCondition cond, gpointer data)
{
	char c;

	(void)cond;
	(void)data;
	if (read(fd, &c, 1) == 1)
		hits++;
	return G_SOURCE_CONTINUE;
}

static int open_fds(void)
{
	GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
	int n = 0;

	if (d == NULL)
		return -1;
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	return n;
}

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void use_hub(void)
{
	if (tz_ctxhub_serve_ice() != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	bool hub = argc > 2 && strcmp(argv[2], "hub") == 0;
	int k = argc > 3 ? atoi(argv[3]) : 2000;
	struct tz_ice_conf conf = { .local_ip = "127.0.0.1", .port_min = 20000, .port_max = 60000 };
	struct tz_ice **ices = calloc((size_t)n, sizeof(*ices));
	struct rlimit rl;
	struct tz_evpoll_stats st;
	int sv[2];
	double t0, t1, t2;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (tz_evpoll_install(g_main_context_default()) != 0)
		return 1;
	if (hub)
		use_hub();
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) != 0)
		return 1;
	g_unix_fd_add(sv[0], G_IO_IN, on_read, NULL);
	t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		ices[i] = tz_ice_new(NULL, &conf, NULL, NULL, NULL);
		if (ices[i] == NULL) {
			fprintf(stderr, "agent %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	t1 = cpu_us();
	while (g_main_context_iteration(NULL, FALSE))
		;
	t2 = cpu_us();
	for (int i = 0; i < k; i++) {
		int before = hits;

		if (write(sv[1], "x", 1) != 1)
			return 1;
		while (hits == before)
			g_main_context_iteration(NULL, TRUE);
	}
	t2 = (cpu_us() - t2) / k;
	tz_evpoll_get_stats(&st);
	printf("%s agents=%d create_us=%.1f iteration_us=%.2f main_fds=%u open_fds=%d\n",
	       hub ? "hub" : "main", n, (t1 - t0) / n, t2, st.fds, open_fds());
	for (int i = 0; i < n; i++)
		tz_ice_free(ices[i]);
	while (g_main_context_iteration(NULL, FALSE))
		;
	free(ices);
	return 0;
}
