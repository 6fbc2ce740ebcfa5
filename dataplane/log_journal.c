/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log entries for the systemd journal, native protocol (systemd's "Native
 * Journal Protocol" document): one datagram per entry on
 * /run/systemd/journal/socket, fields as "KEY=value\n", or, for a value
 * with a newline, "KEY\n" + 64-bit little-endian length + value + "\n".
 * The subsystem travels as its own field, so `journalctl SUBSYSTEM=cp.sip`
 * selects it.  rte_log formats each message into the stdio buffer and
 * flushes it once, so the cookie's write sees one whole message per call.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include "tz_log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define ENTRY_MAX 16384   /* rte_log's stdio buffer is smaller; longer is cut */

struct journal {
	int fd;
	struct sockaddr_un sa;
	socklen_t salen;
};

static struct journal journal = { .fd = -1 };

bool tz_log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* syslog(3) numbering, which PRIORITY= and "<N>" use: RTE_LOG_x is LOG_x + 1. */
static int priority(void)
{
	int l = rte_log_cur_msg_loglevel();

	return l >= (int)RTE_LOG_EMERG && l <= (int)RTE_LOG_DEBUG ? l - 1 : 6;
}

static size_t put(char *buf, size_t at, const void *p, size_t n)
{
	if (at + n <= ENTRY_MAX)
		memcpy(buf + at, p, n);
	return at + n;
}

static size_t put_field(char *buf, size_t at, const char *key, const char *val, size_t len)
{
	at = put(buf, at, key, strlen(key));
	if (memchr(val, '\n', len) == NULL) {
		at = put(buf, at, "=", 1);
	} else {
		uint64_t le = htole64((uint64_t)len);

		at = put(buf, at, "\n", 1);
		at = put(buf, at, &le, sizeof(le));
	}
	at = put(buf, at, val, len);
	return put(buf, at, "\n", 1);
}

static ssize_t journal_write(void *cookie, const char *msg, size_t len)
{
	struct journal *j = cookie;
	const char *sub = tz_log_type_sub_name((int)rte_log_cur_msg_logtype());
	char buf[ENTRY_MAX], prio[16];
	size_t body = len, at = 0;

	while (body > 0 && msg[body - 1] == '\n')
		body--;
	snprintf(prio, sizeof(prio), "%d", priority());
	at = put_field(buf, at, "PRIORITY", prio, strlen(prio));
	at = put_field(buf, at, "SYSLOG_IDENTIFIER", "trapezed", 8);
	at = put_field(buf, at, "SYSLOG_FACILITY", "3", 1);
	at = put_field(buf, at, "SUBSYSTEM", sub, strlen(sub));
	at = put_field(buf, at, "MESSAGE", msg, body);
	if (at <= ENTRY_MAX && j->fd >= 0 &&
	    sendto(j->fd, buf, at, MSG_NOSIGNAL, (struct sockaddr *)&j->sa, j->salen) == (ssize_t)at)
		return (ssize_t)len;
	/* no journal (or an entry too long for one datagram): stderr, which
	 * systemd reads with SyslogLevelPrefix= */
	fprintf(stderr, "<%d>%.*s\n", priority(), (int)body, msg);
	return (ssize_t)len;
}

FILE *tz_log_journal_stream(void)
{
	cookie_io_functions_t io = { .write = journal_write };
	const char *path = getenv("TZ_JOURNAL_SOCKET");
	FILE *f;

	if (path == NULL || path[0] == '\0')
		path = JOURNAL_SOCKET;
	if (strlen(path) >= sizeof(journal.sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (journal.fd < 0)
		journal.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	journal.sa.sun_family = AF_UNIX;
	strcpy(journal.sa.sun_path, path);
	journal.salen = (socklen_t)sizeof(journal.sa);
	f = fopencookie(&journal, "w", io);
	if (f == NULL)
		return NULL;
	/* fully buffered: rte_log's fflush() after each message makes one write */
	setvbuf(f, NULL, _IOFBF, ENTRY_MAX);
	return f;
}
