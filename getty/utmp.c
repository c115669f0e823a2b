/*
 * utmp.c - login records for who(1) and last(1), as agetty and login write
 * them: one utmp entry per line, keyed on the line's id, and every change
 * appended to wtmp.  The user name is only ever the authenticated one.
 */
#include <errno.h>
#include <paths.h>
#include <string.h>
#include <sys/time.h>
#include <utmpx.h>

#include "utmp.h"

static int
record(short type, const char *tty, pid_t pid, const char *user)
{
	const char *line = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
	size_t len = strlen(line);
	struct utmpx ut, *ok;
	struct timeval tv;

	memset(&ut, 0, sizeof(ut));
	ut.ut_type = type;
	ut.ut_pid = pid;
	/* the id: the line's last four characters, as agetty makes it */
	strncpy(ut.ut_id, line + (len > sizeof(ut.ut_id) ?
				  len - sizeof(ut.ut_id) : 0),
		sizeof(ut.ut_id));
	strncpy(ut.ut_line, line, sizeof(ut.ut_line));
	strncpy(ut.ut_user, type == USER_PROCESS && user ? user :
		type == LOGIN_PROCESS ? "LOGIN" : "", sizeof(ut.ut_user));
	gettimeofday(&tv, NULL);
	ut.ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut.ut_tv.tv_usec = (int32_t)tv.tv_usec;
	setutxent();
	ok = pututxline(&ut);
	endutxent();
	updwtmpx(_PATH_WTMP, &ut);
	if (ok == NULL) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int
utmp_waiting(const char *tty, pid_t pid)
{
	return record(LOGIN_PROCESS, tty, pid, NULL);
}

int
utmp_session(const char *tty, pid_t pid, const char *user)
{
	return record(USER_PROCESS, tty, pid, user);
}

int
utmp_ended(const char *tty, pid_t pid)
{
	return record(DEAD_PROCESS, tty, pid, NULL);
}
