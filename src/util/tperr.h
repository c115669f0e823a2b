/*
 * tperr.h - the library's one error convention.
 *
 * A core function that can fail for a reason a person must read returns
 * -1 (or NULL) and fills a struct tp_err: one fixed-size buffer, no
 * allocation, so that reporting an error can never fail itself.  Messages
 * name the file (and line, where there is one) and what was wrong; they
 * never contain a password or other secret input.  Two kinds of function
 * are exempt, and say so in their headers: thin wrappers of system calls
 * (util/files.h, util/proc.h), which set errno as the calls they wrap do,
 * and pure checks, which return a bool and at most a constant phrase for
 * the caller to place in its own message.
 */
#ifndef TPATH_TPERR_H
#define TPATH_TPERR_H

#include <stddef.h>

struct tp_err {
	char msg[1024];
};

/* Set err->msg from a printf format; err may be NULL. Always returns -1. */
int tp_err_set(struct tp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
