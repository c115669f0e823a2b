/*
 * userpol.h - a user's trusted-path policy from the user file: the user's
 * stanza, then default:, then AIX's defaults.  tgetty and pam_tpath read
 * it through this one function.
 */
#ifndef TPATH_USERPOL_H
#define TPATH_USERPOL_H

#include <stdbool.h>
#include <sys/types.h>

#include "stanza.h"

#define TP_USER_FILE	"user"

enum tp_tpath {
	TP_TPATH_NOSAK,		/* the key is passed through (the default) */
	TP_TPATH_ON,		/* the key gives a trusted shell */
	TP_TPATH_NOTSH,		/* the key ends the session */
	TP_TPATH_ALWAYS,	/* only ever the trusted shell */
};

struct user_pol {
	enum tp_tpath tpath;
	char **ttys;		/* the ttys list as written, or NULL: ALL */
	unsigned nttys;
};

/*
 * The policy of user from confdir/user.  The strings point into *docp,
 * which the caller frees with stz_free().  A missing file gives the
 * defaults; an unsafe or malformed one (any value of the user's stanza or
 * of default:) is an error, and *docp is NULL.
 */
int user_pol_load(const char *confdir, const char *user, struct user_pol *up,
		  struct stz_doc **docp, struct tp_err *err);

/*
 * May the account be used from the terminal with device number tty (0:
 * none)?  ttys is evaluated by device number, whatever the order of its
 * entries: an entry with "!" that matches denies; otherwise an entry that
 * matches (ALL and * match any terminal, and no terminal) allows;
 * otherwise denied.  A listed path that does not exist matches nothing.
 */
bool user_pol_tty_allowed(const struct user_pol *up, dev_t tty);

/* The word for a tpath value ("on", ...). */
const char *tp_tpath_name(enum tp_tpath t);

#endif
