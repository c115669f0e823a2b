/*
 * login.c - log a user in through Linux-PAM on the terminal tgetty owns.
 *
 * Defends the password and the person typing it:
 *  - a password is read with echo off, handed to PAM and wiped from our
 *    buffers at once; nothing typed is ever logged or put in a message
 *    (an unknown user name may be a password typed one line early);
 *  - PAM's own failure delay is replaced by ours (tgetty's logindelay),
 *    so a wrong password, an unknown user and a refused account take the
 *    same time and produce the same words;
 *  - every answer has a time limit, and end of input or a hang-up ends
 *    the attempt instead of blocking forever.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "login.h"
#include "files.h"
#include "lineedit.h"

struct conv_ctx {
	int tty;
	bool sak_enabled;	/* watch for the secure attention key */
	bool aborted;
	bool sak;		/* it was pressed */
	const char *pwdprompt;	/* for the next echo-off prompt, if set */
};

static void
say(int tty, const char *s)
{
	(void)tp_write_all(tty, s, strlen(s));
}

enum line { LINE_OK, LINE_ABORTED, LINE_SAK };

/* The terminal's modes when the login began: its editing characters. */
static struct termios modes;

/*
 * One line from the terminal, echoed or not, edited as tp_line_feed()
 * says; the line ending is dropped.  The terminal is read byte by byte
 * (not canonical mode), so that the secure attention key is seen before
 * the line is complete, and what follows the line (type-ahead) stays for
 * the next one: LINE_SAK when sak is set and Ctrl-X Ctrl-R was typed.
 * LINE_ABORTED at end of input (Ctrl-D on an empty line), on a hang-up,
 * after LOGIN_TIMEOUT seconds, or for a line too long.
 */
static enum line
read_line(int tty, bool echo, bool sak, char *buf, size_t size)
{
	char out[TP_LINE_ECHO_MAX(LOGIN_MAX_INPUT)];
	struct tp_line l;
	time_t deadline = time(NULL) + LOGIN_TIMEOUT;
	enum tp_line_step step = TP_LINE_MORE;

	if (size > LOGIN_MAX_INPUT)
		size = LOGIN_MAX_INPUT;
	tp_line_init(&l, buf, size, echo, sak, modes.c_cc);
	while (step == TP_LINE_MORE) {
		struct pollfd p = { tty, POLLIN, 0 };
		time_t left = deadline - time(NULL);
		size_t outlen;
		unsigned char c;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left * 1000) != 1 ||
		    !(p.revents & POLLIN))
			break;
		n = read(tty, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		step = tp_line_feed(&l, c, out, &outlen);
		explicit_bzero(&c, sizeof(c));	/* may be a password */
		if (outlen)
			(void)!write(tty, out, outlen);
	}
	if (step == TP_LINE_MORE)	/* ended by the terminal */
		explicit_bzero(buf, size);
	say(tty, "\n");
	return step == TP_LINE_DONE ? LINE_OK :
	       step == TP_LINE_SAK ? LINE_SAK : LINE_ABORTED;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *data)
{
	struct conv_ctx *c = data;
	struct pam_response *r;
	char buf[LOGIN_MAX_INPUT];

	if (n <= 0 || n > PAM_MAX_NUM_MSG ||
	    (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		switch (style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (style == PAM_PROMPT_ECHO_OFF && c->pwdprompt) {
				say(c->tty, c->pwdprompt);
				c->pwdprompt = NULL;	/* once */
			} else {
				say(c->tty, msg[i]->msg);
			}
			switch (read_line(c->tty, style == PAM_PROMPT_ECHO_ON,
					  c->sak_enabled, buf, sizeof(buf))) {
			case LINE_OK:
				break;
			case LINE_SAK:
				c->sak = true;
				/* fall through */
			case LINE_ABORTED:
				c->aborted = true;
				goto fail;
			}
			r[i].resp = strdup(buf);
			explicit_bzero(buf, sizeof(buf));
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			say(c->tty, msg[i]->msg);
			say(c->tty, "\n");
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++) {
		if (r[i].resp) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

/* PAM asks for a delay after a failure: tgetty makes its own, the same
 * for every kind of failure. */
static void
no_delay(int retval, unsigned usec, void *data)
{
	(void)retval, (void)usec, (void)data;
}

static struct conv_ctx ctx;
static const struct pam_conv pconv = { conv, &ctx };

static enum login_result
fail(struct login *l, int rc, enum login_result why, struct tp_err *err)
{
	struct passwd pw, *res = NULL;
	char pwbuf[8192];

	if (l->pamh)
		pam_end(l->pamh, rc);
	l->pamh = NULL;
	/* a name no account has may be a password: it is never kept */
	l->failed_acct[0] = '\0';
	if (why == LOGIN_FAILED && strlen(l->user) < sizeof(l->failed_acct) &&
	    getpwnam_r(l->user, &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res != NULL)
		snprintf(l->failed_acct, sizeof(l->failed_acct), "%s", l->user);
	explicit_bzero(l->user, sizeof(l->user));
	if (why == LOGIN_ERROR)
		tp_err_set(err, "PAM: %s", pam_strerror(NULL, rc));
	else
		tp_err_set(err, "login failed");	/* no name: it may be a
							   password */
	return why;
}

static enum login_result
authenticate(int tty, const char *ttyname, const struct port_cfg *pc,
	     const char *service, const char *pamconfdir, struct login *l,
	     struct tp_err *err)
{
	const void *item = NULL;
	struct passwd pw, *res = NULL;
	char pwbuf[8192];
	int rc;

	ctx.tty = tty;
	ctx.sak_enabled = pc->sak_enabled;
	ctx.aborted = ctx.sak = false;
	say(tty, pc->herald);
	do {
		enum line r;

		say(tty, "login: ");
		r = read_line(tty, pc->usernameecho, pc->sak_enabled, l->user,
			      sizeof(l->user));
		if (r != LINE_OK)
			return fail(l, PAM_SUCCESS, r == LINE_SAK ? LOGIN_SAK :
				    LOGIN_ABORTED, err);
	} while (l->user[0] == '\0');
	if (pc->herald2)
		say(tty, pc->herald2);
	rc = pamconfdir ? pam_start_confdir(service, l->user, &pconv,
					     pamconfdir, &l->pamh) :
	     pam_start(service, l->user, &pconv, &l->pamh);
	if (rc != PAM_SUCCESS)
		return fail(l, rc, LOGIN_ERROR, err);
	if ((rc = pam_set_item(l->pamh, PAM_TTY, ttyname)) != PAM_SUCCESS ||
	    (rc = pam_set_item(l->pamh, PAM_FAIL_DELAY,
			       (const void *)no_delay)) != PAM_SUCCESS)
		return fail(l, rc, LOGIN_ERROR, err);
	/* login.cfg's pwdprompt for the password; a second factor's prompt
	   or a password change's are PAM's own */
	ctx.pwdprompt = pc->pwdprompt;
	rc = pam_authenticate(l->pamh, 0);
	ctx.pwdprompt = NULL;
	if (rc == PAM_SUCCESS) {
		rc = pam_acct_mgmt(l->pamh, 0);
		if (rc == PAM_NEW_AUTHTOK_REQD)
			rc = pam_chauthtok(l->pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
	}
	if (ctx.aborted)
		return fail(l, rc, ctx.sak ? LOGIN_SAK : LOGIN_ABORTED, err);
	if (rc != PAM_SUCCESS)
		return fail(l, rc, LOGIN_FAILED, err);
	/* the name PAM settled on, and its account */
	if (pam_get_item(l->pamh, PAM_USER, &item) != PAM_SUCCESS ||
	    item == NULL || strlen(item) >= sizeof(l->user))
		return fail(l, PAM_USER_UNKNOWN, LOGIN_FAILED, err);
	snprintf(l->user, sizeof(l->user), "%s", (const char *)item);
	if (getpwnam_r(l->user, &pw, pwbuf, sizeof(pwbuf), &res) != 0 ||
	    res == NULL)
		return fail(l, PAM_USER_UNKNOWN, LOGIN_FAILED, err);
	l->uid = pw.pw_uid;
	l->gid = pw.pw_gid;
	snprintf(l->home, sizeof(l->home), "%s", pw.pw_dir);
	snprintf(l->shell, sizeof(l->shell), "%s", *pw.pw_shell ?
		 pw.pw_shell : "/bin/sh");
	return LOGIN_OK;
}

int
login_open_session(struct login *l, struct tp_err *err)
{
	int rc = pam_setcred(l->pamh, PAM_ESTABLISH_CRED);

	if (rc == PAM_SUCCESS && (rc = pam_open_session(l->pamh, 0)) !=
	    PAM_SUCCESS)
		pam_setcred(l->pamh, PAM_DELETE_CRED);
	if (rc != PAM_SUCCESS)
		return tp_err_set(err, "PAM session: %s",
				  pam_strerror(l->pamh, rc));
	return 0;
}

void
login_end(struct login *l, int status)
{
	if (l->pamh == NULL)
		return;
	if (status == PAM_SUCCESS) {
		pam_close_session(l->pamh, 0);
		pam_setcred(l->pamh, PAM_DELETE_CRED);
	}
	pam_end(l->pamh, status);
	l->pamh = NULL;
}

/*
 * The whole dialogue runs with the terminal's own echo and line editing
 * off (read_line does both): a password typed ahead of its prompt is
 * never echoed by the terminal while it waits.
 */
enum login_result
login_authenticate(int tty, const char *ttyname, const struct port_cfg *pc,
		   const char *service, const char *pamconfdir,
		   struct login *l, struct tp_err *err)
{
	struct termios t;
	enum login_result r;

	memset(l, 0, sizeof(*l));
	if (tcgetattr(tty, &modes) == -1)
		return LOGIN_ABORTED;
	t = modes;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHOE | ECHOK | ECHONL |
				 ECHOCTL | ECHOKE);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(tty, TCSANOW, &t) == -1)
		return LOGIN_ABORTED;
	r = authenticate(tty, ttyname, pc, service, pamconfdir, l, err);
	tcsetattr(tty, TCSANOW, &modes);
	return r;
}
