/*
 * control.c - the trusted shell's audit messages to tgetty (control.h).
 *
 * Threat: the other end is the user's (tsh runs as the user, and may be
 * subverted); tgetty writes, as root, a record of what it says.  So the
 * parser takes only the two events tsh has, only its keys, once each,
 * only its reasons, bounded lengths, one exact layout; the values go on
 * to tp_audit_event, which quotes or hex-encodes them (no field forged),
 * and the account and terminal are tgetty's, never the message's.
 */
#include <string.h>

#include "control.h"

static const char *const keys[TP_CONTROL_FIELDS] = { "cmd", "reason", "what" };
static const char *const reasons[] = { "not-found", "integrity", "untrusted",
				       "error" };

static const char *
op_of(enum tp_event ev)
{
	return ev == TP_EV_CMD ? "tsh-exec" :
	       ev == TP_EV_CMD_REFUSED ? "tsh-refuse" : NULL;
}

static int
key_index(const char *k)
{
	for (int i = 0; i < TP_CONTROL_FIELDS; i++)
		if (strcmp(k, keys[i]) == 0)
			return i;
	return -1;
}

static bool
known_reason(const char *v)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(v, reasons[i]) == 0)
			return true;
	return false;
}

/* Append s and its NUL; false when it does not fit. */
static bool
put(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > size - *len)
		return false;
	memcpy(buf + *len, s, n);
	*len += n;
	return true;
}

ssize_t
tp_control_audit_encode(char *buf, size_t size, enum tp_event ev,
			bool success, va_list ap)
{
	const char *op = op_of(ev), *k, *v;
	unsigned seen = 0;
	size_t len = 0;
	int i;

	if (size > TP_CONTROL_MAX)
		size = TP_CONTROL_MAX;
	if (op == NULL || (ev == TP_EV_CMD_REFUSED && success) ||
	    !put(buf, size, &len, TP_CONTROL_AUDIT) ||
	    !put(buf, size, &len, op) ||
	    !put(buf, size, &len, success ? "success" : "failed"))
		return -1;
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL || (i = key_index(k)) == -1 ||
		    (seen & (1u << i)) || strlen(v) > TP_CONTROL_VALUE ||
		    (i == 1 && !known_reason(v)) ||
		    !put(buf, size, &len, k) || !put(buf, size, &len, v))
			return -1;
		seen |= 1u << i;
	}
	return (ssize_t)len;
}

/* The next NUL-ended part of buf[*off..len), at most max bytes; NULL
 * when there is none that fits. */
static const char *
part(const char *buf, size_t len, size_t *off, size_t max)
{
	const char *s = buf + *off, *nul;
	size_t room = len - *off;

	if (room == 0 ||
	    (nul = memchr(s, '\0', room < max + 1 ? room : max + 1)) == NULL)
		return NULL;
	*off += (size_t)(nul - s) + 1;
	return s;
}

int
tp_control_audit_parse(const char *buf, size_t len,
		       struct tp_control_audit *a)
{
	const char *s, *k, *v;
	unsigned seen = 0;
	size_t off = 0, n = 0;
	int i;

	memset(a, 0, sizeof(*a));
	if (len > TP_CONTROL_MAX)
		return -1;
	if ((s = part(buf, len, &off, 16)) == NULL ||
	    strcmp(s, TP_CONTROL_AUDIT) != 0 ||
	    (s = part(buf, len, &off, 16)) == NULL)
		return -1;
	if (strcmp(s, "tsh-exec") == 0)
		a->ev = TP_EV_CMD;
	else if (strcmp(s, "tsh-refuse") == 0)
		a->ev = TP_EV_CMD_REFUSED;
	else
		return -1;
	if ((s = part(buf, len, &off, 16)) == NULL)
		return -1;
	if (strcmp(s, "success") == 0)
		a->success = true;
	else if (strcmp(s, "failed") != 0)
		return -1;
	if (a->ev == TP_EV_CMD_REFUSED && a->success)
		return -1;
	while (off < len) {
		if ((k = part(buf, len, &off, 16)) == NULL ||
		    (i = key_index(k)) == -1 || (seen & (1u << i)) ||
		    (v = part(buf, len, &off, TP_CONTROL_VALUE)) == NULL ||
		    (i == 1 && !known_reason(v)))
			return -1;
		seen |= 1u << i;
		a->key[n] = keys[i];	/* ours, not the packet's */
		a->value[n++] = v;
	}
	return 0;
}
