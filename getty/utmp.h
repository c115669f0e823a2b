/*
 * utmp.h - the login records of a port: LOGIN_PROCESS while tgetty waits
 * for a user, USER_PROCESS for the session, DEAD_PROCESS at its end, in
 * utmp (who) and wtmp (last).
 */
#ifndef TGETTY_UTMP_H
#define TGETTY_UTMP_H

#include <sys/types.h>

/* tty: the terminal's path (/dev/tty8, /dev/pts/3); user NULL but for
 * USER_PROCESS.  Failures are not fatal to a login: -1 and errno. */
int utmp_waiting(const char *tty, pid_t pid);
int utmp_session(const char *tty, pid_t pid, const char *user);
int utmp_ended(const char *tty, pid_t pid);

#endif
