/*
 * tcbdb_int.h - what tcbdb.c and tcbedit.c share.  Not part of the core's
 * interface: include tcbdb.h instead.
 */
#ifndef TPATH_TCBDB_INT_H
#define TPATH_TCBDB_INT_H

#include "tcbdb.h"
#include "tcbindex.h"

/* An entry looked up in the index: its stanza, parsed alone. */
struct tcb_looked {
	struct tcb_looked *next;
	struct stz_doc *doc;
	struct tcb_entry e;
	struct tcb_proof proof;
	char *text;			/* default:'s and its, as looked up */
	size_t len;
	struct tcb_index_at at;		/* where its own starts, there and
					   in the text of sysck.cfg */
};

/*
 * STZ_LOCK | TCB_DB_LOOKUP: the text's descriptor and its index, the
 * directory locked: 0, or 1 when the text must be read whole, or -1.
 */
int tcb_edit_open(struct tcb_db *db, struct tp_err *err);
int tcb_edit_commit(struct tcb_db *db, struct tp_err *err);
void tcb_edit_free(struct tcb_db *db);

#endif
