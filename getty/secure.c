/*
 * secure.c - the secure attention key, as tgetty carries it out.
 *
 * Defends the next thing the person types: after this, no process but
 * tgetty has a working descriptor for the terminal or the session's pty,
 * the terminal is root's with mode 0600 (nothing can open it again), and
 * its modes, colours and character sets are reset, so nothing left
 * behind can hide or fake the prompt that follows.  The order matters:
 * kill first (so nothing re-opens the terminal after the hang-up), then
 * hang up (for descriptors in flight, which no scan sees), then have the
 * terminal answer a question of ours and discard all that came before
 * the answer (answers to questions a program asked, keys typed in), then
 * reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>
#include <linux/vt.h>

#include "audit.h"
#include "sweep.h"
#include "secure.h"
#include "tty.h"

#define SETTLE_MS 500	/* for the terminal's answer (tp_tty_settle) */

/* /dev/console and /dev/tty0 count as this terminal when they are it. */
static void
add_console(struct tp_sweep *sw, int tty, dev_t self)
{
	char buf[256], *save = NULL;
	struct vt_stat vs;
	int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd == -1 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd != -1)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *name = strtok_r(buf, " \n", &save); name;
	     name = strtok_r(NULL, " \n", &save)) {
		char dev[300];
		struct stat sb;
		bool us;

		if (strcmp(name, "tty0") == 0)	/* the foreground console */
			us = major(self) == 4 && ioctl(tty, VT_GETSTATE, &vs) == 0 &&
			     vs.v_active == minor(self);
		else
			us = snprintf(dev, sizeof(dev), "/dev/%s", name) > 0 &&
			     stat(dev, &sb) == 0 && S_ISCHR(sb.st_mode) &&
			     sb.st_rdev == self;
		if (us) {
			tp_sweep_add(sw, makedev(5, 1));	/* /dev/console */
			if (strcmp(name, "tty0") == 0)
				tp_sweep_add(sw, makedev(4, 0));
		}
	}
}

/*
 * The session's pty by its slave, opened from the master (the pty itself,
 * on its own devpts instance, whatever the mount namespace shows); by its
 * number alone when it cannot be opened: a pty of the same number
 * elsewhere is swept too, rather than a holder of ours missed.
 */
static int
add_pty(struct tp_sweep *sw, int master, dev_t pty)
{
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if ((slave == -1 || tp_sweep_add_fd(sw, slave) == -1) && pty)
		tp_sweep_add(sw, pty);
	return slave;
}

void
secure_finish(struct key_response *s)
{
	tp_sweep_finish(&s->sw);
}

int
secure_terminal(struct key_response *s, struct tp_err *err)
{
	struct tp_sweep *sw = &s->sw;
	struct tp_err serr;
	struct stat sb;
	char killed[16];
	int slave = -1;
	pid_t sid;

	/* type-ahead is nobody's now, nor output not yet sent (what a
	   program asked of the terminal, among it) */
	tcflush(*s->tty, TCIOFLUSH);
	memset(sw, 0, sizeof(*sw));
	sw->cgroup = s->cgroup;
	sw->session = s->sid;
	if (fstat(*s->tty, &sb) == -1)
		return tp_err_set(err, "%s: %s", s->path, strerror(errno));
	if (tp_sweep_add_fd(sw, *s->tty) == -1)	/* fail safe: by number */
		tp_sweep_add(sw, sb.st_rdev);
	tp_sweep_add_session(sw, getsid(0));	/* the terminal's is ours */
	add_console(sw, *s->tty, sb.st_rdev);
	if (s->master != -1)
		slave = add_pty(sw, s->master, s->pty);
	if (s->master != -1 && ioctl(s->master, TIOCGSID, &sid) == 0)
		tp_sweep_add_session(sw, sid);
	for (unsigned i = 0; i < s->pc->nsynonyms; i++) {
		/* O_PATH: the node, not the device, is opened */
		int syn = open(s->pc->synonyms[i], O_PATH | O_CLOEXEC);

		if (syn != -1 && tp_sweep_add_fd(sw, syn) == -1 &&
		    errno == ENOSPC)
			syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: too many "
			       "synonyms: %s is not swept", s->path,
			       s->pc->synonyms[i]);
		if (syn != -1)
			close(syn);
	}
	if (tp_sweep_run(sw, &serr) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: %s (the hang-up revokes "
		       "their descriptors)", s->path, serr.msg);
	if (slave != -1) {		/* the pty's hang-up */
		ioctl(slave, TIOCVHANGUP);
		close(slave);
	}
	if (tp_tty_revoke(s->path, s->tty, err) == -1 ||
	    tp_tty_sane(*s->tty, err) == -1)
		return -1;
	/* what the terminal still answers to what was asked of it before
	   the key (and what was typed until the holders died) is not input
	   for what follows */
	tp_tty_settle(*s->tty, s->term, SETTLE_MS);
	if (tp_tty_reset(*s->tty, s->term, &serr) == -1)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: %s", s->path, serr.msg);
	snprintf(killed, sizeof(killed), "%u", sw->killed);
	tp_audit_event(TP_EV_SAK, true, "acct", s->user ? s->user : "(none)",
		       "killed", killed, NULL);
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: secure attention key%s%s: %u "
	       "processes killed", s->path, s->user ? " in the session of " :
	       "", s->user ? s->user : "", sw->killed);
	return (int)sw->killed;
}
