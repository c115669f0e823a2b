/*
 * tcbindex.h - the index of sysck.cfg (confdir/sysck.cdb): each entry's
 * stanza, byte for byte, by its path, in a constant database (tinycdb),
 * so that a program that looks one file up reads only that stanza.
 *
 * The text stays the database.  The index names the text it was made from
 * (device, inode, size, modification and change times of the file, as
 * fstat gives them); a reader believes it only when the text it opened has
 * that identity, and otherwise reads the text (doc/INDEX.md).  Writers
 * build a new index after the text is in place and rename it over the old
 * one, so a reader's map is always one whole index.
 */
#ifndef TPATH_TCBINDEX_H
#define TPATH_TCBINDEX_H

#include <cdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "proof.h"
#include "stanza.h"
#include "tperr.h"

#define TCB_INDEX_FILE	"sysck.cdb"

struct tcb_index {
	struct cdb cdb;
	int fd;
	int boot;		/* its proofs: 1 this boot's, -1 not, 0 not asked */
};

/*
 * Write the index of doc (the whole database, loaded and checked) into
 * the directory dirfd: a temporary file, synced, renamed over the index.
 * id: the identity of the text doc is (stz_identity).  With it, the proofs
 * of its trusted programs (proof.h) this process hashed, or the old index
 * had and still hold, and (hash_now) of the others, hashed now.
 */
int tcb_index_write(int dirfd, const struct stz_doc *doc,
		    const struct stat *id, bool hash_now,
		    struct tp_err *err);
/*
 * Open the index in dirfd if it is the index of the text whose identity
 * is id: 0, or 1 when there is none or it is another text's (stale), or
 * -1 with err when it is not root's or is damaged.
 */
int tcb_index_open(struct tcb_index *x, int dirfd, const struct stat *id,
		   struct tp_err *err);
/* path's stanza, preceded by default:'s if there is one, as one text to
 * parse (malloc'd): 0; 1 when path has no entry; -1 out of memory or a
 * damaged index. */
int tcb_index_text(struct tcb_index *x, const char *path, char **text,
		   size_t *len);
/* The proof (proof.h) the index keeps for path, if of this boot: 0, or 1. */
int tcb_index_proof(struct tcb_index *x, const char *path,
		    struct tcb_proof *p);
void tcb_index_close(struct tcb_index *x);
/* Map the index open at fd, whose it is not asked (tcb_index_open, and
 * the fuzz target): 0, or -1. */
int tcb_index_map(struct tcb_index *x, int fd);

#endif
