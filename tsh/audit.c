/*
 * audit.c - the audit events of the trusted shell's commands.
 *
 * tsh runs as the user, and the kernel takes a user-space audit record
 * only from a process with CAP_AUDIT_WRITE: on the trusted path each event
 * goes to tgetty over the control socket (control.h), and tgetty writes
 * the record.  Off the trusted path, or when tgetty cannot be told (the
 * socket gone, full for a second, the event not one it takes), tsh writes
 * it itself (tp_audit_event: the trail, or syslog): none is lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>

#include "control.h"
#include "shell.h"

#define SEND_WAIT_MS 1000	/* for room on a full socket */

static bool
told_tgetty(int fd, const char *buf, size_t len)
{
	struct pollfd p = { fd, POLLOUT, 0 };

	for (int tries = 0; tries < 2; tries++) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n == (ssize_t)len)
			return true;
		if (n != -1 || (errno != EAGAIN && errno != EINTR) ||
		    (errno == EAGAIN && poll(&p, 1, SEND_WAIT_MS) != 1))
			return false;
	}
	return false;
}

void
sh_audit(const struct shell *sh, enum tp_event ev, int success, ...)
{
	const char *k[TP_CONTROL_FIELDS + 1] = { NULL },
		   *v[TP_CONTROL_FIELDS + 1] = { NULL };
	char buf[TP_CONTROL_MAX];
	ssize_t len = -1;
	va_list ap;

	if (sh->control_fd != -1) {
		va_start(ap, success);
		len = tp_control_audit_encode(buf, sizeof(buf), ev, success,
					      ap);
		va_end(ap);
		if (len > 0 && told_tgetty(sh->control_fd, buf, (size_t)len))
			return;
	}
	/* ourselves: the pairs as given (tsh passes at most three) */
	va_start(ap, success);
	for (int i = 0; i < TP_CONTROL_FIELDS &&
	     (k[i] = va_arg(ap, const char *)) != NULL; i++)
		v[i] = va_arg(ap, const char *);
	va_end(ap);
	tp_audit_event(ev, success, k[0], v[0], k[1], v[1], k[2], v[2], NULL);
}
