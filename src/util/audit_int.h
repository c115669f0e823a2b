/*
 * audit_int.h - audit.c's record formatter, shared with the unit tests.
 * Not part of the core's interface: include audit.h instead.
 */
#ifndef TPATH_AUDIT_INT_H
#define TPATH_AUDIT_INT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Bytes of record text, NUL included: libaudit appends exe, hostname, addr,
 * terminal and res to it inside its own MAX_AUDIT_MESSAGE_LENGTH (8970).
 */
#define TP_AUDIT_TEXT	6144

/*
 * Write "op=OP key=value ..." into buf from the NULL-terminated key, value
 * pairs in ap.  OP and the keys must be words (letters, digits, '_', '-',
 * and ':' or '.' in OP); a value is written as key="value" when it is
 * printable ASCII without blanks, quotes or '=', and as key=HEX (libaudit's
 * encoding) otherwise; a NULL value is written key=?.  When the text does not
 * fit, the value that overflows is cut (hex at a whole byte, quotes closed),
 * the pairs after it are dropped (a key is never cut) and " truncated=yes"
 * ends the text.  Returns the length, or -1 (buf empty) when OP or a key is
 * not a word, OP alone does not fit, or size is below 64.
 */
int tp_audit_vformat(char *buf, size_t size, const char *op, va_list ap);

#endif
