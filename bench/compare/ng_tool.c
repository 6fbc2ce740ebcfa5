/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ng-tool: rtpengine's NG protocol by hand, for bench/compare/run.sh and for
 * checking a launched rtpengine (docs/bench.md, "compare").
 *   ng-tool IP:PORT ping [WAIT_S]     pong (retrying up to WAIT_S seconds)
 *   ng-tool IP:PORT stats             sessions and relayed packets, one line
 *   ng-tool IP:PORT bridge CALL_ID OFFER.sdp PEER_IP PEER_PORT
 *                                     offer + answer; prints the WebRTC answer
 *   ng-tool IP:PORT delete CALL_ID
 * Exit status 0 on success, 1 on an NG failure (the reason on stderr), 2 on usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ng.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static int ping(struct ng_client *ng, double wait_s)
{
	struct timespec t0, t;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = ng_ping(ng);
		if (rc == 0) {
			puts("pong");
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= wait_s)
			break;
		if (rc == -ECONNREFUSED) {	/* not listening yet: the timeout paces the retry */
			struct timespec d = { 0, 100 * 1000 * 1000 };

			nanosleep(&d, NULL);
		}
	}
	fprintf(stderr, "ng-tool: ping: %s\n", strerror(-rc));
	return 1;
}

int main(int argc, char **argv)
{
	struct ng_client *ng;
	int rc = 2;

	if (argc < 3)
		goto usage;
	ng = ng_open(argv[1], 1000);
	if (ng == NULL) {
		fprintf(stderr, "ng-tool: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (strcmp(argv[2], "ping") == 0) {
		rc = ping(ng, argc > 3 ? atof(argv[3]) : 0);
	} else if (strcmp(argv[2], "stats") == 0) {
		struct ng_stats s;

		rc = ng_statistics(ng, &s);
		if (rc == 0)
			printf("sessions_own %ld sessions_total %ld relayed_packets %lld relayed_errors %lld\n",
			       s.sessions_own, s.sessions_total, s.relayed_packets, s.relayed_errors);
		else
			fprintf(stderr, "ng-tool: statistics: %s\n", strerror(-rc));
		rc = rc == 0 ? 0 : 1;
	} else if (strcmp(argv[2], "bridge") == 0 && argc == 7) {
		char *offer = slurp(argv[4]), *answer = NULL, err[256];

		if (offer == NULL) {
			fprintf(stderr, "ng-tool: %s: %s\n", argv[4], strerror(errno));
			rc = 2;
		} else {
			rc = ng_bridge_webrtc(ng, argv[3], offer, argv[5], (uint16_t)atoi(argv[6]),
					      &answer, err, sizeof(err));
			if (rc == 0)
				fputs(answer, stdout);
			else
				fprintf(stderr, "ng-tool: bridge: %s (%s)\n", strerror(-rc), err);
			rc = rc == 0 ? 0 : 1;
		}
		free(answer);
		free(offer);
	} else if (strcmp(argv[2], "delete") == 0 && argc == 4) {
		rc = ng_delete(ng, argv[3]);
		if (rc != 0)
			fprintf(stderr, "ng-tool: delete: %s\n", strerror(-rc));
		rc = rc == 0 ? 0 : 1;
	}
	for (int c = 0; c < NG_CTR_COUNT; c++)
		if (ng_counter(ng, c) != 0 && c != NG_CTR_REQUESTS)
			fprintf(stderr, "ng-tool: %s %llu\n", ng_counter_name(c),
				(unsigned long long)ng_counter(ng, c));
	ng_close(ng);
	if (rc != 2)
		return rc;
usage:
	fputs("usage: ng-tool IP:PORT ping [WAIT_S] | stats | bridge CALL_ID OFFER.sdp PEER_IP PEER_PORT"
	      " | delete CALL_ID\n", stderr);
	return 2;
}
