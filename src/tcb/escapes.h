/*
 * escapes.h - the programs that run other programs (confdir/escapes).
 *
 * A trusted shell, interpreter, env, find or editor with a shell escape
 * turns tsh into an ordinary shell.  The file lists them, one stanza each:
 * the name is a glob(7) pattern, matched against a file's last component,
 * or against its whole path when the pattern has a "/"; reason says why,
 * kind what sort of program it is (for tcbck --report).
 * See escapes(5).
 */
#ifndef TPATH_ESCAPES_H
#define TPATH_ESCAPES_H

#include "tperr.h"

#define TCB_ESCAPES_FILE "escapes"

struct tcb_escapes {
	struct stz_doc *doc;	/* NULL: there is no list */
};

/* Read confdir/escapes (root's, not group or world writable).  A missing
 * file is an empty list; an unsafe or unparsable one is an error. */
int tcb_escapes_load(struct tcb_escapes *x, const char *confdir,
		     struct tp_err *err);
/* Why path (a file's name, as recorded) runs other programs, or NULL. */
const char *tcb_escape_reason(const struct tcb_escapes *x, const char *path);
/* The same, and *kind: "shell", "interpreter", "runner", "editor",
 * "hooks", "compiler", or NULL when the stanza has none. */
const char *tcb_escape_kind(const struct tcb_escapes *x, const char *path,
			    const char **kind);
void tcb_escapes_free(struct tcb_escapes *x);

#endif
