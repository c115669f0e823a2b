/*
 * pam_tpath - the trusted-path policy for every PAM service.  See
 * pam_tpath(8).
 *
 *   account   the user's tpath (always: only on the trusted path) and
 *             ttys, from the user file
 *   auth, password   with trusted_only: PAM_IGNORE on the trusted path,
 *             failure elsewhere (before any password is asked)
 *
 * Defends the password against being typed where a program could read it:
 * "on the trusted path" is decided from what the kernel says of the
 * calling process (its session ID and controlling terminal) against the
 * record tgetty keeps, never from PAM_TTY, the environment or arguments.
 * Fails closed: an unknown option, an unsafe or malformed user file or
 * record, or any error refuses.  Never calls exit; one cleanup path per
 * entry point.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "proc.h"
#include "trusted.h"
#include "userpol.h"

struct opts {
	const char *confdir;
	const char *rundir;
	bool debug;
	bool trusted_only;
};

/* PAM_SUCCESS, or PAM_SERVICE_ERR for an option it does not know. */
static int
parse(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	o->confdir = SYSCONFDIR;
	o->rundir = TP_RUNDIR;
	o->debug = o->trusted_only = false;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "confdir=", 8) == 0 && argv[i][8] == '/')
			o->confdir = argv[i] + 8;
		else if (strncmp(argv[i], "rundir=", 7) == 0 &&
			 argv[i][7] == '/')
			o->rundir = argv[i] + 7;
		else if (strcmp(argv[i], "debug") == 0)
			o->debug = true;
		else if (strcmp(argv[i], "trusted_only") == 0)
			o->trusted_only = true;
		else {
			pam_syslog(pamh, LOG_ERR, "unknown option \"%s\": "
				   "refusing", argv[i]);
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* Is the caller on the trusted path?  An error counts as no. */
static bool
on_trusted_path(pam_handle_t *pamh, const struct opts *o)
{
	struct tp_err err;
	bool on;

	if (tp_trusted_caller(o->rundir, &on, &err) == -1) {
		pam_syslog(pamh, LOG_ERR, "%s (not on the trusted path)",
			   err.msg);
		return false;
	}
	if (o->debug)
		pam_syslog(pamh, LOG_DEBUG, "caller %s on the trusted path",
			   on ? "is" : "is not");
	return on;
}

/* auth and password: with trusted_only, only on the trusted path. */
static int
trusted_only(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct opts o;
	int rc = parse(pamh, argc, argv, &o);

	if (rc != PAM_SUCCESS || !o.trusted_only)
		goto out;
	if (on_trusted_path(pamh, &o)) {
		rc = PAM_IGNORE;	/* the rest of the stack decides */
		goto out;
	}
	if (!(flags & PAM_SILENT))
		pam_error(pamh, "Passwords are asked for only on the trusted "
			  "path: press Ctrl-X Ctrl-R (the secure attention "
			  "key) and try again.");
	pam_syslog(pamh, LOG_NOTICE, "refused off the trusted path");
	rc = PAM_AUTH_ERR;
out:
	return rc == PAM_SUCCESS ? PAM_IGNORE : rc;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
		    const char **argv)
{
	return trusted_only(pamh, flags, argc, argv);
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct opts o;

	(void)flags;
	return parse(pamh, argc, argv, &o) == PAM_SUCCESS ? PAM_IGNORE :
	       PAM_SERVICE_ERR;
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	int rc = trusted_only(pamh, flags, argc, argv);

	/* a refusal is for the password change, not the authentication */
	return rc == PAM_AUTH_ERR ? PAM_AUTHTOK_ERR : rc;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct stz_doc *doc = NULL;
	struct user_pol up;
	struct tp_err err;
	const char *user = NULL;
	struct opts o;
	struct tp_proc self;
	int rc = parse(pamh, argc, argv, &o);

	if (rc != PAM_SUCCESS)
		goto out;
	rc = PAM_PERM_DENIED;		/* fail closed from here on */
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) !=
	    PAM_SUCCESS || user == NULL || *user == '\0') {
		pam_syslog(pamh, LOG_ERR, "no user");
		rc = PAM_USER_UNKNOWN;
		goto out;
	}
	if (user_pol_load(o.confdir, user, &up, &doc, &err) == -1) {
		pam_syslog(pamh, LOG_ERR, "%s: refusing", err.msg);
		goto out;
	}
	if (tp_proc_read(0, &self) == -1) {
		pam_syslog(pamh, LOG_ERR, "no controlling terminal to check: "
			   "refusing");
		goto out;
	}
	if (!user_pol_tty_allowed(&up, tp_proc_tty(&self))) {
		if (!(flags & PAM_SILENT))
			pam_error(pamh, "This account may not be used from "
				  "this terminal.");
		pam_syslog(pamh, LOG_NOTICE, "%s refused by ttys", user);
		goto out;
	}
	if (up.tpath == TP_TPATH_ALWAYS && !on_trusted_path(pamh, &o)) {
		if (!(flags & PAM_SILENT))
			pam_error(pamh, "This account is restricted to the "
				  "trusted path: press Ctrl-X Ctrl-R (the "
				  "secure attention key) and try again.");
		pam_syslog(pamh, LOG_NOTICE, "%s refused off the trusted path",
			   user);
		goto out;
	}
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "%s allowed (tpath %s)", user,
			   tp_tpath_name(up.tpath));
	rc = PAM_SUCCESS;
out:
	stz_free(doc);
	return rc;
}
