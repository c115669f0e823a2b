/*
 * permit.h - whether a user PAM has authenticated may log in on the port
 * now: a decision over facts gathered elsewhere, nothing read here.
 */
#ifndef TGETTY_PERMIT_H
#define TGETTY_PERMIT_H

#include <stdbool.h>

struct login_facts {
	bool locked;		/* the port is locked (portlog) */
	bool in_time;		/* logintimes allows the moment */
	bool policy;		/* the user's policy (user file) was read */
	bool tty_allowed;	/* its ttys allows this terminal */
};

/*
 * NULL when the login may go on; else why not, as the audit record says
 * it: the first of "port-locked", "logintimes", "user-policy" (fail
 * closed: no login whose policy is unknown) and "ttys" that applies.
 */
const char *login_refusal(const struct login_facts *f);

#endif
