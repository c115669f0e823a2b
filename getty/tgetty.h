/*
 * tgetty.h - what tgetty's own files share (main.c, shell.c): the port it
 * owns for its whole life.
 */
#ifndef TGETTY_TGETTY_H
#define TGETTY_TGETTY_H

#include <sys/resource.h>

#include "login.h"
#include "portcfg.h"
#include "userpol.h"

struct port {
	const char *path, *confdir, *term, *rundir;
	int tty;
	int ends;		/* in a session: SIGTERM, SIGHUP (signalfd) */
	int self;		/* our own program, to start afresh */
	char **argv;
	struct port_cfg pc;
	struct rlimit nofile;	/* as started: the sessions' */
};

extern struct port port;

/* Log, pause (so that init does not restart us in a tight loop), exit 1. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* A fresh login prompt: this program again, with the same PID. */
void restart(void) __attribute__((noreturn));
/* The login's session, from the first shell to logout (shell.c). */
void run_session(struct login *l, const struct user_pol *up)
	__attribute__((noreturn));

#endif
