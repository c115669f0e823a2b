/*
 * trusted.c - the record of trusted-path sessions.
 *
 * The record is what pam_tpath believes, so it is written only through
 * the stanza core (atomic, under its lock, in a root-owned directory that
 * nobody else may write) and believed only when the file is safe and a
 * stanza names both the caller's session ID and its controlling terminal
 * by device number: nothing the caller chooses (environment, PAM_TTY, a
 * path) enters into it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <gshadow.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stanza.h"
#include "trusted.h"

static struct stz_doc *
open_record(const char *rundir, unsigned flags, struct tp_err *err)
{
	return stz_load_at(rundir, TP_TRUSTED_FILE,
			   STZ_SAFE | STZ_CREATE | flags, err);
}

int
tp_trusted_set(const char *rundir, const struct tp_trusted *t,
	       struct tp_err *err)
{
	struct stz_doc *doc;
	struct stz_stanza *st;
	int rc = -1;

	if (mkdir(rundir, 0755) == -1 && errno != EEXIST)
		return tp_err_set(err, "%s: %s", rundir, strerror(errno));
	if ((doc = open_record(rundir, STZ_LOCK, err)) == NULL)
		return -1;
	if ((st = stz_find(doc, t->port)) != NULL)
		stz_delete_stanza(doc, st);
	if ((st = stz_add_stanza(doc, t->port, err)) != NULL &&
	    stz_set1(doc, st, "user", t->user, err) == 0 &&
	    stz_set_uint(doc, st, "sid", (unsigned long long)t->sid, err) == 0 &&
	    stz_set1(doc, st, "tty", t->tty, err) == 0 &&
	    stz_set_uint(doc, st, "rdev", (unsigned long long)t->rdev, err) == 0 &&
	    stz_set_uint(doc, st, "tgetty", (unsigned long long)getpid(), err) == 0)
		rc = stz_commit(doc, err);
	stz_free(doc);
	return rc;
}

int
tp_trusted_clear(const char *rundir, const char *port, struct tp_err *err)
{
	struct stz_doc *doc;
	struct stz_stanza *st;
	struct stat sb;
	int rc = 0;

	if (stat(rundir, &sb) == -1 && errno == ENOENT)
		return 0;		/* nothing was ever recorded */
	if ((doc = open_record(rundir, STZ_LOCK, err)) == NULL)
		return -1;
	if ((st = stz_find(doc, port)) != NULL) {
		stz_delete_stanza(doc, st);
		rc = stz_commit(doc, err);
	}
	stz_free(doc);
	return rc;
}

static bool
number_is(const struct stz_doc *doc, const struct stz_stanza *st,
	  const char *name, unsigned long long want)
{
	const struct stz_attr *a = stz_attr(st, name);
	unsigned long long v;

	return a && stz_get_uint(doc, a, 0, ULLONG_MAX, &v, NULL) == 0 &&
	       v == want;
}

int
tp_trusted_check(const char *rundir, pid_t sid, dev_t ctty, bool *on,
		 struct tp_err *err)
{
	struct stz_doc *doc = open_record(rundir, 0, err);

	*on = false;
	if (doc == NULL)
		return -1;
	for (const struct stz_stanza *st = stz_first(doc); st && !*on;
	     st = stz_next(st))
		*on = sid > 0 && ctty != 0 &&
		      number_is(doc, st, "sid", (unsigned long long)sid) &&
		      number_is(doc, st, "rdev", (unsigned long long)ctty);
	stz_free(doc);
	return 0;
}

int
tp_ctty(dev_t *dev)
{
	char buf[1024], *s;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), tty;
	ssize_t n;

	*dev = 0;
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* after the name in parentheses, which may hold anything */
	if ((s = strrchr(buf, ')')) == NULL ||
	    sscanf(s + 1, " %*c %*d %*d %*d %d", &tty) != 1)
		return -1;
	*dev = makedev(major((dev_t)(unsigned)tty),
		       minor((dev_t)(unsigned)tty));
	return 0;
}

int
tp_trusted_caller(const char *rundir, bool *on, struct tp_err *err)
{
	dev_t tty;

	*on = false;
	if (tp_ctty(&tty) == -1)
		return tp_err_set(err, "/proc/self/stat: %s", strerror(errno));
	if (tty == 0)
		return 0;		/* no terminal: not the trusted path */
	return tp_trusted_check(rundir, getsid(0), tty, on, err);
}

/* Can a password let a non-member take the group (newgrp, sg)? */
static bool
locked(const char *pw)
{
	return pw == NULL || pw[0] == '\0' || pw[0] == '!' || pw[0] == '*';
}

int
tp_trusted_group(uid_t uid, gid_t gid, gid_t *group, struct tp_err *err)
{
	struct group gr, *res = NULL;
	struct sgrp sg, *sres = NULL;
	char buf[16384], sbuf[16384];
	int e;

	*group = gid;
	if (uid == 0)
		return 0;
	if ((e = getgrnam_r(TP_TRUSTED_GROUP, &gr, buf, sizeof(buf),
			    &res)) != 0 || res == NULL)
		return tp_err_set(err, "no group %s%s%s", TP_TRUSTED_GROUP,
				  e ? ": " : "", e ? strerror(e) : "");
	if (getsgnam_r(TP_TRUSTED_GROUP, &sg, sbuf, sizeof(sbuf), &sres) != 0)
		sres = NULL;		/* no gshadow entry */
	if ((gr.gr_mem && gr.gr_mem[0]) ||
	    (sres && ((sg.sg_mem && sg.sg_mem[0]) ||
		      (sg.sg_adm && sg.sg_adm[0]))))
		return tp_err_set(err, "group %s has members or "
				  "administrators: they could take it with "
				  "newgrp", TP_TRUSTED_GROUP);
	if ((strcmp(gr.gr_passwd, "x") != 0 && !locked(gr.gr_passwd)) ||
	    (sres && !locked(sg.sg_namp ? sg.sg_passwd : NULL)))
		return tp_err_set(err, "group %s has a password: anyone "
				  "knowing it could take it with newgrp",
				  TP_TRUSTED_GROUP);
	if (gr.gr_gid == 0 || gr.gr_gid == gid)
		return tp_err_set(err, "group %s is %s", TP_TRUSTED_GROUP,
				  gr.gr_gid == 0 ? "root's group" :
				  "the user's own group");
	*group = gr.gr_gid;
	return 0;
}
