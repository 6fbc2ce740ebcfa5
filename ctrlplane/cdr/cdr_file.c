/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CDR file: records appended to a buffer and written by a short timer
 * (FLUSH_MS) or once the buffer holds FLUSH_BYTES, with O_APPEND so a
 * rotated-away file and other writers never interleave inside a line.
 *
 * A local file write is fast, but a disk can be full or a file system
 * hung: the buffer is capped (BUFFER_MAX; beyond it records are dropped
 * and counted), a failed write drops what was buffered (counted, logged
 * once until a write succeeds again), and nothing here exits or blocks
 * longer than one write(2) of at most BUFFER_MAX bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "cdr_pvt.h"
#include "tz_log.h"

#define FLUSH_MS 200
#define FLUSH_BYTES (64 * 1024)
#define BUFFER_MAX (1024 * 1024)

static struct {
	char *path;
	int fd;
	GString *buf;
	unsigned buf_records;
	guint timer;
	bool failing;                /* logged a failure; quiet until a success */
	bool mid_line;               /* a partial line is in the file */
} f = { .fd = -1 };

struct tz_cdr_stats tz_cdr_ctr;

static void fail(const char *what, int err)
{
	tz_cdr_ctr.write_errors++;
	if (f.failing)
		return;
	f.failing = true;
	TZ_LOG(CP, WARNING, "cdr: %s %s: %s; records are dropped and counted (show cdr stats) "
	       "until it works again", what, f.path, g_strerror(err));
}

static int open_file(void)
{
	f.fd = open(f.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (f.fd < 0) {
		int err = errno;

		fail("cannot open", err);
		return -err;
	}
	return 0;
}

/* Forget what is buffered: those records are lost. */
static void drop_buffered(void)
{
	tz_cdr_ctr.dropped += f.buf_records;
	g_string_truncate(f.buf, 0);
	f.buf_records = 0;
}

int tz_cdr_flush(void)
{
	size_t done = 0;
	int rc = 0;

	if (f.buf == NULL || f.buf->len == 0)
		return 0;
	if (f.fd < 0 && open_file() != 0) {
		drop_buffered();
		return -EBADF;
	}
	/* the rest of a line cut short by an earlier failure ends here */
	if (f.mid_line && write(f.fd, "\n", 1) == 1)
		f.mid_line = false;
	while (done < f.buf->len) {
		ssize_t n = write(f.fd, f.buf->str + done, f.buf->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (rc != 0) {
		fail("cannot write", -rc);
		f.mid_line = done > 0 && f.buf->str[done - 1] != '\n';
		drop_buffered();      /* a full disk: these are lost, later ones may fit */
		return rc;
	}
	if (f.failing)
		TZ_LOG(CP, NOTICE, "cdr: writing %s again", f.path);
	f.failing = false;
	tz_cdr_ctr.written += f.buf_records;
	g_string_truncate(f.buf, 0);
	f.buf_records = 0;
	return 0;
}

static gboolean on_timer(gpointer unused)
{
	f.timer = 0;
	tz_cdr_flush();
	return G_SOURCE_REMOVE;
}

void tz_cdr_file_append(const char *line, size_t len)
{
	if (f.path == NULL)
		return;
	if (f.buf->len + len > BUFFER_MAX) {
		tz_cdr_ctr.dropped++;        /* the file does not keep up */
		return;
	}
	g_string_append_len(f.buf, line, (gssize)len);
	f.buf_records++;
	if (f.buf->len >= FLUSH_BYTES)
		tz_cdr_flush();
	else if (f.timer == 0)
		f.timer = g_timeout_add(FLUSH_MS, on_timer, NULL);
}

unsigned tz_cdr_file_buffered(void)
{
	return f.buf_records;
}

int tz_cdr_file_open(const char *path)
{
	if (path == NULL)
		return 0;
	f.path = g_strdup(path);
	f.buf = g_string_sized_new(4096);
	f.failing = false;
	return open_file();
}

int tz_cdr_reopen(void)
{
	if (f.path == NULL)
		return -ENOTCONN;
	tz_cdr_flush();               /* the last records go to the old file */
	if (f.fd >= 0)
		close(f.fd);
	f.fd = -1;
	f.mid_line = false;
	tz_cdr_ctr.reopens++;
	f.failing = false;            /* a new file: say again if it fails */
	return open_file();
}

void tz_cdr_file_close(void)
{
	if (f.path == NULL)
		return;
	tz_cdr_flush();
	if (f.timer != 0)
		g_source_remove(f.timer);
	if (f.fd >= 0)
		close(f.fd);
	g_string_free(f.buf, TRUE);
	g_free(f.path);
	f.path = NULL;
	f.buf = NULL;
	f.buf_records = 0;
	f.timer = 0;
	f.fd = -1;
}
