/*
 * login.h - log a user in through Linux-PAM, on the terminal tgetty owns.
 */
#ifndef TGETTY_LOGIN_H
#define TGETTY_LOGIN_H

#include <security/pam_appl.h>
#include <sys/types.h>

#include "portcfg.h"
#include "tperr.h"

#define LOGIN_TIMEOUT	60	/* seconds for each answer */
#define LOGIN_MAX_INPUT	512	/* bytes of a user name or password */

struct login {
	pam_handle_t *pamh;
	char user[LOGIN_MAX_INPUT];	/* as PAM authenticated it */
	char failed_acct[256];		/* LOGIN_FAILED: the name typed, if
					   an account has it, else "" */
	uid_t uid;
	gid_t gid;
	char home[4096], shell[4096];
};

enum login_result {
	LOGIN_OK,
	LOGIN_FAILED,		/* wrong password, unknown user, refused
				   account: the same to the person typing */
	LOGIN_ABORTED,		/* end of input, hang-up or time-out */
	LOGIN_SAK,		/* the secure attention key (sak_enabled) */
	LOGIN_ERROR,		/* PAM itself could not run */
};

/*
 * Prompt for a user name (echoed per usernameecho) and authenticate it
 * through PAM service (its files in pamconfdir, or the system's when
 * NULL): auth, then account, with an expired password changed.  Nothing
 * typed is ever put in err or a log.  On LOGIN_OK, l holds the user and
 * the PAM handle; end it with login_end().
 */
enum login_result login_authenticate(int tty, const char *ttyname,
				     const struct port_cfg *pc,
				     const char *service,
				     const char *pamconfdir, struct login *l,
				     struct tp_err *err);
/* pam_setcred and pam_open_session for the user's session. */
int login_open_session(struct login *l, struct tp_err *err);
/* Close the session (if opened), delete credentials, end PAM. */
void login_end(struct login *l, int status);

#endif
