/* SPDX-License-Identifier: BSD-3-Clause */
/* Sample commands the CLI tests register, and helpers to run them. */
#ifndef CLI_TEST_CMDS_H
#define CLI_TEST_CMDS_H

#include <json-glib/json-glib.h>

/** Register the sample commands once; 0 or -errno. */
int cli_test_register(void);

/** Parse a reply line; asserts it is a JSON object. Unref the result. */
JsonObject *cli_test_parse_reply(const char *reply);

/** Run @p line in-process; the reply's object (unref it). */
JsonObject *cli_test_exec(const char *line);

/** The "error" member of a failed reply to @p line (g_free it); asserts ok=false. */
char *cli_test_exec_error(const char *line);

#endif /* CLI_TEST_CMDS_H */
