/*
 * trusted.c - the record of trusted-path sessions.
 *
 * The record is what pam_tpath believes, so it is written only through
 * the stanza core (atomic, under its lock, in a root-owned directory that
 * nobody else may write) and believed only when the file is safe and a
 * stanza names the caller's session ID, its controlling terminal by
 * device number and its real user, and the trusted shell and the tgetty
 * it names are alive as the very processes recorded (PID, start time,
 * boot): nothing the caller chooses (environment, PAM_TTY, a path)
 * enters into it, and a record left by a killed tgetty is worth nothing
 * to a process that gets the same session ID and pty number later.
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

#include "proc.h"
#include "safeopen.h"
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
	struct tp_proc shell, self;
	char boot[TP_BOOT_ID_LEN + 1];
	struct stz_doc *doc;
	struct stz_stanza *st;
	int rc = -1;

	if (tp_proc_read(t->sid, &shell) == -1 || tp_proc_read(0, &self) == -1 ||
	    tp_boot_id(boot) == -1)
		return tp_err_set(err, "%s: the processes to record: %s",
				  t->port, strerror(errno));
	if (tp_make_state_dir(rundir, err) == -1)
		return -1;
	if ((doc = open_record(rundir, STZ_LOCK, err)) == NULL)
		return -1;
	if ((st = stz_find(doc, t->port)) != NULL)
		stz_delete_stanza(doc, st);
	if ((st = stz_add_stanza(doc, t->port, err)) != NULL &&
	    stz_set1(doc, st, "user", t->user, err) == 0 &&
	    stz_set_uint(doc, st, "uid", t->uid, err) == 0 &&
	    stz_set_uint(doc, st, "sid", (unsigned long long)t->sid, err) == 0 &&
	    stz_set_uint(doc, st, "start", shell.start, err) == 0 &&
	    stz_set1(doc, st, "tty", t->tty, err) == 0 &&
	    stz_set_uint(doc, st, "rdev", (unsigned long long)t->rdev, err) == 0 &&
	    stz_set_uint(doc, st, "tgetty", (unsigned long long)getpid(),
			 err) == 0 &&
	    stz_set_uint(doc, st, "tgetty_start", self.start, err) == 0 &&
	    stz_set1(doc, st, "boot", boot, err) == 0)
		rc = stz_commit(doc, err);
	stz_free(doc);
	return rc;
}

/* Remove the stanzas for which gone() is true; commit if there were. */
static int
remove_if(const char *rundir, bool (*gone)(const struct stz_doc *,
					   const struct stz_stanza *,
					   const void *),
	  const void *arg, struct tp_err *err)
{
	struct stz_doc *doc;
	struct stz_stanza *st, *next;
	struct stat sb;
	bool changed = false;
	int rc = 0;

	if (stat(rundir, &sb) == -1 && errno == ENOENT)
		return 0;		/* nothing was ever recorded */
	if ((doc = open_record(rundir, STZ_LOCK, err)) == NULL)
		return -1;
	for (st = stz_first(doc); st; st = next) {
		next = stz_next(st);
		if (gone(doc, st, arg)) {
			stz_delete_stanza(doc, st);
			changed = true;
		}
	}
	if (changed)
		rc = stz_commit(doc, err);
	stz_free(doc);
	return rc;
}

static bool
is_port(const struct stz_doc *doc, const struct stz_stanza *st,
	const void *port)
{
	(void)doc;
	return strcmp(st->name, port) == 0;
}

int
tp_trusted_clear(const char *rundir, const char *port, struct tp_err *err)
{
	return remove_if(rundir, is_port, port, err);
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

static bool
number(const struct stz_doc *doc, const struct stz_stanza *st,
       const char *name, unsigned long long max, unsigned long long *v)
{
	const struct stz_attr *a = stz_attr(st, name);

	return a && stz_get_uint(doc, a, 0, max, v, NULL) == 0;
}

/* Is the process recorded under name (PID) and name_start alive as it? */
static bool
lives(const struct stz_doc *doc, const struct stz_stanza *st,
      const char *name, const char *start)
{
	unsigned long long pid, t;

	return number(doc, st, name, INT_MAX, &pid) &&
	       number(doc, st, start, ULLONG_MAX, &t) &&
	       tp_proc_is((pid_t)pid, t);
}

/* Was the record written in this boot (boot: this one's ID)? */
static bool
this_boot(const struct stz_doc *doc, const struct stz_stanza *st,
	  const char *boot)
{
	const struct stz_attr *a = stz_attr(st, "boot");
	const char *v;

	return a && stz_get_string(doc, a, &v, NULL) == 0 && strcmp(v, boot) == 0;
}

static bool
tgetty_gone(const struct stz_doc *doc, const struct stz_stanza *st,
	    const void *boot)
{
	return !this_boot(doc, st, boot) ||
	       !lives(doc, st, "tgetty", "tgetty_start");
}

int
tp_trusted_prune(const char *rundir, struct tp_err *err)
{
	char boot[TP_BOOT_ID_LEN + 1];

	if (tp_boot_id(boot) == -1)
		return tp_err_set(err, "boot_id: %s", strerror(errno));
	return remove_if(rundir, tgetty_gone, boot, err);
}

int
tp_trusted_check(const char *rundir, pid_t sid, dev_t ctty, uid_t uid,
		 bool *on, struct tp_err *err)
{
	char boot[TP_BOOT_ID_LEN + 1];
	struct stz_doc *doc;

	*on = false;
	if (tp_boot_id(boot) == -1)
		return tp_err_set(err, "boot_id: %s", strerror(errno));
	if ((doc = open_record(rundir, 0, err)) == NULL)
		return -1;
	for (const struct stz_stanza *st = stz_first(doc); st && !*on;
	     st = stz_next(st))
		*on = sid > 0 && ctty != 0 &&
		      number_is(doc, st, "sid", (unsigned long long)sid) &&
		      number_is(doc, st, "rdev", (unsigned long long)ctty) &&
		      number_is(doc, st, "uid", uid) &&
		      this_boot(doc, st, boot) &&
		      lives(doc, st, "sid", "start") &&
		      lives(doc, st, "tgetty", "tgetty_start");
	stz_free(doc);
	return 0;
}

int
tp_trusted_caller(const char *rundir, bool *on, struct tp_err *err)
{
	struct tp_proc self;

	*on = false;
	if (tp_proc_read(0, &self) == -1)
		return tp_err_set(err, "/proc/self/stat: %s", strerror(errno));
	if (self.tty_nr == 0)
		return 0;		/* no terminal: not the trusted path */
	return tp_trusted_check(rundir, self.sid, tp_proc_tty(&self), getuid(),
				on, err);
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
