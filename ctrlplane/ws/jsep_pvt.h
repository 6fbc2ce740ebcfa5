/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the trapeze-jsep.v1 codec: the member table. */
#ifndef TZ_JSEP_PVT_H
#define TZ_JSEP_PVT_H

#include "tz_jsep_msg.h"

/* Members of client messages: X(enum suffix). Order = the order they are checked. */
#define JSEP_MEMBERS(X) \
	X(ID)           \
	X(CALL)         \
	X(TARGET)       \
	X(SDP)          \
	X(CANDIDATE)    \
	X(SDP_MID)      \
	X(SDP_MLINE_INDEX) \
	X(USER)         \
	X(PASSWORD)     \
	X(SIP)          \
	X(TOKEN)        \
	X(DIGITS)       \
	X(DURATION)     \
	X(CODE)         \
	X(REASON)       \
	X(TO)           \
	X(CONTENT_TYPE) \
	X(BODY)

enum jsep_member {
#define JSEP_M_ENUM(e) M_##e,
	JSEP_MEMBERS(JSEP_M_ENUM)
#undef JSEP_M_ENUM
	M_COUNT
};

enum jsep_kind {
	K_STR,
	K_INT,
	K_OBJ,
};

/* Checks a string's characters; writes the complaint and returns -1. */
typedef int (*jsep_check_fn)(const char *label, const char *s, char *why, size_t wsz);

struct jsep_member_def {
	const char *key;          /* JSON member name */
	const char *label;        /* name in messages ("sip.username") */
	enum jsep_kind kind;
	int64_t min, max;         /* K_STR: length in bytes; K_INT: value */
	jsep_check_fn check;      /* K_STR only, or NULL */
	size_t offset;            /* into struct tz_jsep_msg */
	size_t size;              /* K_INT: 4 or 8 */
	const struct jsep_member_def *sub;  /* K_OBJ: its members */
	size_t n_sub;
};

extern const struct jsep_member_def tz_jsep_members[M_COUNT];

/*
 * Read one member into msg.  Absent and JSON null are the same: fine when
 * optional, "LABEL: missing" when required.
 * @return 0, or -1 with the complaint in why
 */
int tz_jsep_member_read(JsonObject *obj, const struct jsep_member_def *def,
			struct tz_jsep_msg *msg, bool required, char *why, size_t wsz);

/* Copy s for showing inside quotes: at most wsz-1 bytes, non-printables as '?'. */
void tz_jsep_shown(const char *s, char *out, size_t osz);

#endif /* TZ_JSEP_PVT_H */
