/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server in its own thread with its own GMainContext
 * (as trapezed's control thread runs it), and small blocking test clients.
 */
#ifndef CLI_TEST_SERVER_H
#define CLI_TEST_SERVER_H

#include <stddef.h>

struct cli_test_server;

/**
 * Start serving at @p path (NULL: a fresh path under /tmp, in a directory
 * that does not exist yet).  Returns NULL, errno = the start error.
 */
struct cli_test_server *cli_test_server_start(const char *path, unsigned mode,
					      const char *group);
const char *cli_test_server_path(const struct cli_test_server *s);
/** Stop, join, remove the temporary directory. */
void cli_test_server_stop(struct cli_test_server *s);

/** A blocking client connected to @p path, or -1. */
int cli_test_connect(const char *path);
/** Write all of @p s; 0 or -errno (no SIGPIPE). */
int cli_test_send(int fd, const char *s, size_t len);
/** Read one line (newline removed) within 5 s; NULL at EOF or timeout. */
char *cli_test_read_line(int fd);
/** Send one request line, return the reply line. */
char *cli_test_call(int fd, const char *request);
/** Assert the server closes the connection (EOF) within 5 s. */
void cli_test_assert_eof(int fd);

#endif /* CLI_TEST_SERVER_H */
