/*
 * portlog.c - failed logins and locked ports.
 *
 * logininterval 0 means no window: failures count until a login succeeds.
 * Every change is a read-modify-write under the stanza core's lock, so two
 * gettys failing at once do not lose a failure, and a crash leaves the old
 * state or the new one.  The file is root's (safe open), as it decides who
 * may log in.  Values that do not parse fail closed: the port counts as
 * locked.
 *
 *   /dev/tty1:
 *           failures = 2            failures in the current window
 *           since = 1795190000      when that window started
 *           locked = 1795190400     when the port was locked (if it is)
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "portlog.h"

static struct stz_doc *
open_log(const char *statedir, unsigned flags, struct tp_err *err)
{
	return stz_load_at(statedir, TP_PORTLOG, STZ_SAFE | STZ_CREATE | flags,
			   err);
}

/* A time or count attribute; absent is 0. */
static int
value(const struct stz_doc *doc, const struct stz_stanza *st,
      const char *name, unsigned long long *out, struct tp_err *err)
{
	const struct stz_attr *a = st ? stz_attr(st, name) : NULL;

	*out = 0;
	return a ? stz_get_uint(doc, a, 0, LLONG_MAX, out, err) : 0;
}

static struct stz_stanza *
port_stanza(struct stz_doc *doc, const char *port, struct tp_err *err)
{
	struct stz_stanza *st = stz_find(doc, port);

	return st ? st : stz_add_stanza(doc, port, err);
}

/* Is the lock of st in force at now?  (Malformed: yes.) */
static int
lock_in_force(const struct stz_doc *doc, const struct stz_stanza *st,
	      const struct port_cfg *pc, time_t now, bool *locked,
	      struct tp_err *err)
{
	unsigned long long at;

	*locked = false;
	if (value(doc, st, "locked", &at, err) == -1) {
		*locked = true;		/* fail closed */
		return -1;
	}
	if (at == 0)
		return 0;
	*locked = pc->loginreenable == 0 ||
		  (unsigned long long)now < at + 60ULL * pc->loginreenable;
	return 0;
}

int
portlog_fail(const char *statedir, const char *port,
	     const struct port_cfg *pc, time_t now, bool *locked,
	     struct tp_err *err)
{
	struct stz_doc *doc = open_log(statedir, STZ_LOCK, err);
	struct stz_stanza *st;
	unsigned long long n, since;
	bool already;
	int rc = -1;

	*locked = false;
	if (doc == NULL)
		return -1;
	if ((st = port_stanza(doc, port, err)) == NULL ||
	    lock_in_force(doc, st, pc, now, &already, err) == -1 ||
	    value(doc, st, "locked", &n, err) == -1)
		goto out;
	if (!already && n != 0) {
		/* a lock that expired: its failures went with it */
		stz_unset(doc, st, "locked");
		stz_unset(doc, st, "failures");
		stz_unset(doc, st, "since");
	}
	if (value(doc, st, "failures", &n, err) == -1 ||
	    value(doc, st, "since", &since, err) == -1)
		goto out;
	/* a failure outside the window starts a new one (logininterval 0:
	   no window, failures count until a login succeeds) */
	if (n == 0 || (pc->logininterval &&
		       (unsigned long long)now >= since + pc->logininterval)) {
		n = 0;
		since = (unsigned long long)now;
	}
	n++;
	if (stz_set_uint(doc, st, "failures", n, err) == -1 ||
	    stz_set_uint(doc, st, "since", since, err) == -1)
		goto out;
	if (!already && pc->logindisable && n >= pc->logindisable) {
		if (stz_set_uint(doc, st, "locked", (unsigned long long)now,
			    err) == -1)
			goto out;
		*locked = true;
	}
	rc = stz_commit(doc, err);
out:
	stz_free(doc);
	return rc;
}

enum forget { FAILURES, ALL };	/* a success; an administrator's unlock */

/* Drop port's failures (ALL: its lock too, the whole stanza). */
static int
forget(const char *statedir, const char *port, enum forget what,
       struct tp_err *err)
{
	struct stz_doc *doc = open_log(statedir, STZ_LOCK, err);
	struct stz_stanza *st;
	int rc = 0;

	if (doc == NULL)
		return -1;
	if ((st = stz_find(doc, port)) != NULL) {
		if (what == ALL) {
			stz_delete_stanza(doc, st);
		} else {
			stz_unset(doc, st, "failures");
			stz_unset(doc, st, "since");
		}
		rc = stz_commit(doc, err);
	}
	stz_free(doc);
	return rc;
}

int
portlog_success(const char *statedir, const char *port, struct tp_err *err)
{
	return forget(statedir, port, FAILURES, err);
}

int
portlog_locked(const char *statedir, const char *port,
	       const struct port_cfg *pc, time_t now, bool *locked,
	       struct tp_err *err)
{
	struct stz_doc *doc = open_log(statedir, STZ_LOCK, err);
	struct stz_stanza *st;
	unsigned long long at;
	int rc = 0;

	*locked = true;			/* fail closed */
	if (doc == NULL)
		return -1;
	if ((st = stz_find(doc, port)) == NULL) {
		*locked = false;
	} else if ((rc = lock_in_force(doc, st, pc, now, locked, err)) == 0 &&
		   !*locked && value(doc, st, "locked", &at, err) == 0 &&
		   at != 0) {
		/* the lock expired: lift it, with its failures */
		stz_delete_stanza(doc, st);
		rc = stz_commit(doc, err);
	}
	stz_free(doc);
	return rc;
}

int
portlog_unlock(const char *statedir, const char *port, struct tp_err *err)
{
	return forget(statedir, port, ALL, err);
}
