/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench reflect: a UDP reflector.  Every datagram goes back to its
 * sender unchanged, in batches (recvmmsg/sendmmsg).  It is the far end of
 * `trapeze-bench calls` in SELF mode (the client's own ceiling) and the
 * plain-RTP peer for rtpengine in bench/compare.  Counters on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "calls.h"

#define RBATCH 64

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	quit = 1;
}

static const char reflect_usage[] =
"Usage: trapeze-bench reflect --listen IP:PORT [--cpu N]\n"
"Send every UDP datagram back to its sender unchanged (PORT 0: any free\n"
"port).  Prints 'reflect: listening on IP:PORT', then its counters when\n"
"it gets SIGINT or SIGTERM.\n";

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

int bench_reflect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t bufs[RBATCH][2048];
	struct sockaddr_storage ss, from[RBATCH];
	struct mmsghdr mh[RBATCH];
	struct iovec iov[RBATCH];
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t rx = 0, tx = 0, tx_err = 0, bytes = 0;
	const char *listen = NULL;
	char ip[INET6_ADDRSTRLEN];
	socklen_t sl = 0;
	int cpu = -1, fd, o, buf = 8 << 20;

	optind = 1;
	while ((o = getopt_long(argc, argv, "l:c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'h':
			fputs(reflect_usage, stdout);
			return 0;
		default:
			fputs(reflect_usage, stderr);
			return 2;
		}
	}
	if (listen == NULL || parse_listen(listen, &ss, &sl) != 0) {
		fprintf(stderr, "reflect: --listen IP:PORT is required (got '%s')\n",
			listen ? listen : "");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			fprintf(stderr, "reflect: --cpu %d: %s (running unpinned)\n", cpu,
				strerror(errno));
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		fprintf(stderr, "reflect: %s: %s\n", listen, strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6)
		printf("reflect: listening on [%s]:%u\n",
		       inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip)),
		       ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	else
		printf("reflect: listening on %s:%u\n",
		       inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip)),
		       ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!quit) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n, sent = 0;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		for (int i = 0; i < RBATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&mh[i], 0, sizeof(mh[i]));
			mh[i].msg_hdr.msg_name = &from[i];
			mh[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mh, RBATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		rx += (uint64_t)n;
		for (int i = 0; i < n; i++) {
			iov[i].iov_len = mh[i].msg_len;
			bytes += mh[i].msg_len;
		}
		while (sent < n) {
			int r = sendmmsg(fd, mh + sent, (unsigned)(n - sent), 0);

			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				tx_err += (uint64_t)(n - sent);
				break;
			}
			sent += r;
		}
		tx += (uint64_t)sent;
	}
	printf("reflect: received %llu, sent %llu, send errors %llu, bytes %llu\n",
	       (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)tx_err,
	       (unsigned long long)bytes);
	close(fd);
	return 0;
}
