/*
 * tcbindex.h - the index of sysck.cfg (confdir/sysck.cdb): where each
 * entry's stanza is in the text, by its path, in a constant database
 * (tinycdb), so that a program that looks one file up reads only that
 * stanza, from the text it opened.
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
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "proof.h"
#include "stanza.h"
#include "tperr.h"

#define TCB_INDEX_FILE	"sysck.cdb"

struct tcb_entry;

struct tcb_index {
	struct cdb cdb;
	int fd;
	int text;		/* the text's descriptor (the caller's), or -1 */
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
 * -1 with err when it is not root's or is damaged.  Set x->text to the
 * text's descriptor (its identity id) before reading stanzas.
 */
int tcb_index_open(struct tcb_index *x, int dirfd, const struct stat *id,
		   struct tp_err *err);
/*
 * path's stanza, preceded by default:'s if there is one, read from the
 * text, as one text to parse (malloc'd): 0; 1 when path has no entry; -1
 * out of memory, or an index whose span is not a stanza's of the text
 * (damaged).  path NULL: default:'s alone ("" when there is none).
 * where (if not NULL): the offset of the last stanza taken in the text,
 * and where in *text it starts.
 */
struct tcb_index_at {
	unsigned long long at;
	size_t start;
};
int tcb_index_text(struct tcb_index *x, const char *path, char **text,
		   size_t *len, struct tcb_index_at *where);
/* How many stanzas the text has (default: included): 0, or -1. */
int tcb_index_count(struct tcb_index *x, unsigned long long *n);
/* Are its proofs of this boot? */
bool tcb_index_this_boot(struct tcb_index *x);
/*
 * A stanza written anew by a writer that changed a few (tcbedit.c): its
 * entry (the key is e->path; its proof is made as tcb_index_write makes
 * it), its text and where it is in the new text, and where it was in the
 * old (TCB_INDEX_NEW: it was not), with what length.
 */
#define TCB_INDEX_NEW	ULLONG_MAX
struct tcb_index_change {
	const struct tcb_entry *e;
	const char *text;
	size_t len;
	unsigned long long at, old_at;
	size_t old_len;
};
/*
 * The index of a text made from old's by replacing or adding the stanzas
 * of ch (sorted by old_at, the new last), which has count stanzas and the
 * identity id: old's records carried (their positions moved, its proofs
 * if of this boot, but the changed ones'), ch's written, into dirfd as
 * tcb_index_write does.
 */
int tcb_index_update(int dirfd, struct tcb_index *old, const struct stat *id,
		     struct tcb_index_change *ch, size_t n,
		     unsigned long long count, struct tp_err *err);
/*
 * Its walk of old (and the fuzz target's): every record but the meta,
 * count and boot, the stanzas of ch and, unless proofs, every proof (and
 * with it those of by, ch sorted by path, and those that no longer hold)
 * added to m, the offsets moved: 0, or -1 on a damaged index.
 */
int tcb_index_carry(struct cdb_make *m, struct tcb_index *old,
		    struct tcb_index_change *ch, size_t n,
		    struct tcb_index_change **by, bool proofs);
/* The proof (proof.h) the index keeps for path, if of this boot: 0, or 1. */
int tcb_index_proof(struct tcb_index *x, const char *path,
		    struct tcb_proof *p);
void tcb_index_close(struct tcb_index *x);
/* Map the index open at fd, whose it is not asked (tcb_index_open, and
 * the fuzz target): 0, or -1. */
int tcb_index_map(struct tcb_index *x, int fd);

#endif
