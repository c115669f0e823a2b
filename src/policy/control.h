/*
 * control.h - what the trusted shell tells tgetty on its control socket
 * (TP_CONTROL_ENV, a SOCK_SEQPACKET socketpair): one message per packet.
 * Besides the request to leave the trusted path (TP_CONTROL_SHELL), tsh
 * sends each trusted or refused command's audit event, which tsh, running
 * as the user, cannot write to the kernel's trail itself (no
 * CAP_AUDIT_WRITE); tgetty writes the record, as login and sudo do for
 * their users, naming the account and terminal it knows itself.
 *
 * The message, every part ended by a NUL byte:
 *     "audit" OP RES [KEY VALUE]...
 * OP is tsh-exec or tsh-refuse (TP_EV_CMD, TP_EV_CMD_REFUSED); RES is
 * success or failed (always failed for tsh-refuse); KEY one of cmd,
 * reason, what, each at most once; reason one of tsh's fixed words; each
 * VALUE at most TP_CONTROL_VALUE bytes, the packet at most TP_CONTROL_MAX.
 * tgetty believes nothing else: tsh runs as the user.
 */
#ifndef TPATH_CONTROL_H
#define TPATH_CONTROL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "audit.h"

#define TP_CONTROL_AUDIT	"audit"
#define TP_CONTROL_MAX		4096	/* one packet's bytes, at most */
#define TP_CONTROL_VALUE	2048	/* one value's, at most */
#define TP_CONTROL_FIELDS	3	/* cmd, reason, what */

/* One audit message, parsed: its values point into the packet. */
struct tp_control_audit {
	enum tp_event ev;		/* TP_EV_CMD or TP_EV_CMD_REFUSED */
	bool success;
	const char *key[TP_CONTROL_FIELDS + 1];	/* NULL after the last */
	const char *value[TP_CONTROL_FIELDS + 1];
};

/*
 * The message for event ev (TP_EV_CMD or TP_EV_CMD_REFUSED) with the
 * NULL-terminated key, value pairs in ap, into buf; its length, or -1
 * when it cannot be sent so (another event, key or reason, a value too
 * long, no room): the caller then audits the event itself.
 */
ssize_t tp_control_audit_encode(char *buf, size_t size, enum tp_event ev,
				bool success, va_list ap);

/* Parse one packet of len bytes; 0, or -1 when anything in it is not
 * what tsh sends (the message is refused whole). */
int tp_control_audit_parse(const char *buf, size_t len,
			   struct tp_control_audit *a);

#endif
