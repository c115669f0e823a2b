/*
 * tperr.h - the error report a core function that can fail for a reason
 * worth telling fills on failure (others set errno, or return false).
 *
 * One fixed-size buffer, no allocation, so that reporting an error can never
 * fail itself.  Messages name the file (and line, where there is one) and
 * what was wrong; they never contain a password or other secret input.
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
