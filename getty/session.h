/*
 * session.h - start a user's session on a new pty, which tgetty then
 * relays to the terminal (relay.h): the session never holds the terminal.
 */
#ifndef TGETTY_SESSION_H
#define TGETTY_SESSION_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "login.h"

struct session {
	pid_t pid;		/* the user's shell */
	int master;		/* the pty's master, cloexec */
	char tty[64];		/* the slave's path: /dev/pts/N */
	dev_t rdev;		/* the slave's device number */
};

/* How a session starts. */
struct session_opts {
	const char *cgroup;	/* from cgroup_create; "" for none */
	char *const *env;	/* NULL-terminated "NAME=value" */
	char *const *argv;	/* NULL: the user's login shell */
	int exec_fd;		/* argv[0], opened and verified, or -1 */
	bool private;		/* the trusted path: the slave root's, 0600;
				   gid the shell's group; no core dumps */
	gid_t gid;		/* with private: tp_trusted_group's */
	int control;		/* passed on as SESSION_CONTROL_FD, or -1 */
	const struct rlimit *nofile;	/* the shell's RLIMIT_NOFILE, or NULL */
};

#define SESSION_CONTROL_FD 3

/*
 * A new pty whose slave is the user's (group tty, mode 0620), or root's
 * with mode 0600 when private, and in a new session on it the user's login shell (argv[0]
 * "-sh"), in their home, with their groups and ids set and checked, and
 * o->env as environment.  o->argv, when not NULL, replaces the login
 * shell (tests, tsh); with o->exec_fd the child executes that descriptor
 * (execveat), not a path.  The child enters o->cgroup before it gives up
 * root.
 */
int session_start(const struct login *l, const struct session_opts *o,
		  struct session *s, struct tp_err *err);

#endif
