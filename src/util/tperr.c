/* tperr.c - fill a struct tp_err. */
#include <stdarg.h>
#include <stdio.h>

#include "tperr.h"

int
tp_err_set(struct tp_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
