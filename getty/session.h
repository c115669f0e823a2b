/*
 * session.h - start a user's session on a new pty, which tgetty then
 * relays to the terminal (relay.h): the session never holds the terminal.
 */
#ifndef TGETTY_SESSION_H
#define TGETTY_SESSION_H

#include <sys/types.h>

#include "login.h"

struct session {
	pid_t pid;		/* the user's shell */
	int master;		/* the pty's master, cloexec */
	char tty[64];		/* the slave's path: /dev/pts/N */
};

/*
 * A new pty whose slave is the user's (group tty, mode 0620, or 0600 with
 * private set: the trusted path), and in a new session on it the user's
 * login shell (argv[0] "-sh"), in their home, with their groups and ids
 * set and checked, and env (NULL-terminated "NAME=value") as environment.
 * argv, when not NULL, replaces the login shell (tests, tsh).  The child
 * enters the cgroup at cgroup_path (made by cgroup_create; "" for none)
 * before it gives up root.
 */
int session_start(const char *cgroup_path, const struct login *l,
		  char *const env[], char *const argv[], int private,
		  struct session *s, struct tp_err *err);

#endif
