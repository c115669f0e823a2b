/*
 * logintool - a login through PAM on this terminal, as tgetty does it; for
 * the end-to-end tests (not installed).  logintool SERVICE PAMCONFDIR
 * Prints "LOGIN OK user uid shell" and opens and closes the PAM session,
 * or "Login incorrect"; exit 0, 1, 2 (aborted), 3 (PAM error).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "login.h"

int
main(int argc, char **argv)
{
	struct port_cfg pc;
	struct stz_doc *doc;
	struct tp_err e;
	struct login l;
	enum login_result r;

	if (argc != 3) {
		fprintf(stderr, "usage: logintool service pamconfdir\n");
		return 2;
	}
	/* the built-in policy (an error leaves it): no /nonexistent/login.cfg */
	(void)port_cfg_load("/nonexistent", "/dev/pts/0", &pc, &doc, &e);
	pc.herald = "TEST HERALD\n";
	r = login_authenticate(STDIN_FILENO, ttyname(STDIN_FILENO), &pc,
			       argv[1], argv[2], &l, &e);
	stz_free(doc);
	switch (r) {
	case LOGIN_OK:
		if (login_open_session(&l, &e) == -1) {
			printf("SESSION FAILED\n");
			login_end(&l, PAM_SESSION_ERR);
			return 3;
		}
		printf("LOGIN OK %s %u %s\n", l.user, (unsigned)l.uid, l.shell);
		login_end(&l, PAM_SUCCESS);
		return 0;
	case LOGIN_FAILED:
		printf("Login incorrect\n");
		return 1;
	case LOGIN_ABORTED:
		printf("ABORTED\n");
		return 2;
	default:
		printf("ERROR %s\n", e.msg);
		return 3;
	}
}
