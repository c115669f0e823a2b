/*
 * fuzz.h - what the libFuzzer targets share.  Define FUZZ_TARGET (the
 * target's name, for messages) before including it.
 */
#ifndef TPATH_FUZZ_H
#define TPATH_FUZZ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Report a broken property and abort, so that libFuzzer keeps the input. */
static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs(FUZZ_TARGET ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The model's own idea of a name: [A-Za-z_][A-Za-z0-9_]*, not the code's. */
static inline bool
is_name(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

#endif
