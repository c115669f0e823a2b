/*
 * portcfg.h - a port's login policy from login.cfg: the port's stanza
 * (named by its device path), then default:, then the built-in defaults.
 * Every value is checked when it is read (fail closed, file:line).
 */
#ifndef TPATH_PORTCFG_H
#define TPATH_PORTCFG_H

#include <stdbool.h>

#include "logintimes.h"
#include "stanza.h"

#define TP_LOGIN_CFG	"login.cfg"
/* RFC 2196 4.5.4.5: a warning, and nothing about the system. */
#define TP_DEFAULT_HERALD \
	"\nAuthorized use only. Activity may be monitored and recorded.\n\n"

struct port_cfg {
	bool sak_enabled;	/* false: AIX's default */
	const char *herald;	/* before the login prompt */
	const char *herald2;	/* after the user name, or NULL */
	unsigned logindelay;	/* seconds, times the failures so far */
	unsigned logindisable;	/* failures that lock the port; 0: never */
	unsigned logininterval;	/* seconds in which they count */
	unsigned loginreenable;	/* minutes until it unlocks; 0: by hand */
	struct lt_list logintimes;
	char **synonyms;	/* other device paths of this terminal */
	unsigned nsynonyms;
	bool usernameecho;	/* echo the user name as it is typed */
	const char *pwdprompt;
	const char *term;	/* terminfo name, or NULL */
	const char *tsh;	/* the trusted shell to start */
};

/*
 * The policy of port (a device path such as /dev/tty1) from
 * confdir/login.cfg.  The strings point into *docp, which the caller
 * frees with stz_free() when done.  A missing login.cfg gives the
 * built-in defaults (and an empty document); an unsafe or malformed one is
 * an error (and *docp NULL).
 */
int port_cfg_load(const char *confdir, const char *port, struct port_cfg *pc,
		  struct stz_doc **docp, struct tp_err *err);

#endif
