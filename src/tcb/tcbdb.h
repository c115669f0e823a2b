/*
 * tcbdb.h - the trusted-file database, sysck.cfg: one stanza per path.
 *
 * Loading checks every entry (fail closed: one malformed value makes the
 * whole database unusable, with file:line and the reason).  The format is
 * described in sysck.cfg(5).
 */
#ifndef TPATH_TCBDB_H
#define TPATH_TCBDB_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "hash.h"
#include "proof.h"
#include "stanza.h"
#include "tperr.h"

#define TCB_DB_FILE	"sysck.cfg"
#define TCB_DB_VERSION	1	/* "* tpath sysck.cfg version 1" */

enum tcb_type {
	TCB_FILE = 1, TCB_DIRECTORY, TCB_FIFO, TCB_SYMLINK, TCB_BLK_DEV,
	TCB_CHAR_DEV,
};

/* Which attributes an entry has; AIX: a check is made only for those. */
enum {
	TCB_HAS_TYPE	 = 1 << 0,
	TCB_HAS_OWNER	 = 1 << 1,
	TCB_HAS_GROUP	 = 1 << 2,
	TCB_HAS_MODE	 = 1 << 3,
	TCB_HAS_SIZE	 = 1 << 4,
	TCB_HAS_HASH	 = 1 << 5,
	TCB_HAS_ACL	 = 1 << 6,
	TCB_HAS_TARGET	 = 1 << 7,
	TCB_HAS_SOURCE	 = 1 << 8,
};

struct tcb_entry {
	const char *path;		/* the stanza name: an absolute path */
	unsigned lineno;
	unsigned have;			/* TCB_HAS_* */
	enum tcb_type type;
	uid_t owner;
	gid_t group;
	unsigned long mode;		/* 07777 bits | STZ_MODE_TCB */
	bool size_volatile;
	unsigned long long size;
	struct tp_digest hash;
	const char *acl;		/* POSIX ACL text */
	const char *target;		/* of a SYMLINK */
	const char *source;		/* "" for a blank source */
	const char *package, *version;	/* the dpkg package it came from */
	char **classes, **links, **symlinks, **program;
	unsigned nclasses, nlinks, nsymlinks, nprogram;
	struct stz_stanza *st;
	struct stz_doc *doc;		/* the document st is in */
	/* from the index: the content as hashed, its digest the entry's */
	const struct tcb_proof *proof;
};

/*
 * Entries are reached through the stanzas, in file order: st->data is the
 * entry of every stanza but default:.  Iterate with tcb_db_next().
 */
struct tcb_db {
	/* NULL when looked up in the index; when changed through it (edit),
	   the new entries' document */
	struct stz_doc *doc;
	char *path;			/* confdir/sysck.cfg */
	struct tcb_entry *entries;	/* the block loaded with the file */
	struct tcb_added *added;	/* entries recorded since */
	struct tcb_index *index;	/* TCB_DB_LOOKUP, when it is the text's */
	struct tcb_looked *looked;	/* the entries looked up in it */
	struct tcb_edit *edit;		/* STZ_LOCK | TCB_DB_LOOKUP: tcbedit.c */
};

/*
 * flags: STZ_LOCK to change the database, STZ_CREATE if it may be missing,
 * TCB_DB_LOOKUP to look files up one by one (tcb_db_find) through the
 * index where it is the text's (tcbindex.h), and tcb_db_next then not
 * used.  Otherwise the text is read whole; root then writes the index of
 * what it read.  Every commit writes the index of the new text.  Both
 * STZ_LOCK and TCB_DB_LOOKUP: a few entries changed or added (tcb_record,
 * tcb_entry_for), the text then written without being read whole where
 * the index allows it (tcbedit.c); not for tcb_copy_stanza, tcb_delete.
 */
#define TCB_DB_LOOKUP	(1u << 8)
int tcb_db_load(struct tcb_db *db, const char *confdir, unsigned flags,
		struct tp_err *err);
void tcb_db_free(struct tcb_db *db);
/* The entry for path as written, or else for its canonical path. */
struct tcb_entry *tcb_db_find(const struct tcb_db *db, const char *path);
/* The entry named exactly path (already canonical): no lookup by path. */
struct tcb_entry *tcb_db_find_exact(const struct tcb_db *db, const char *path);
/* How many entries the text read has (default: not one); 0 when looked up. */
size_t tcb_db_count(const struct tcb_db *db);
/* The sha256 digest of the text's bytes as read (before any change made
 * since): 0, or -1 with err (looked up in the index: no text was read). */
int tcb_db_digest(const struct tcb_db *db, struct tp_digest *out,
		  struct tp_err *err);
bool tcb_entry_in_class(const struct tcb_entry *e, const char *class);
/*
 * Is e (NULL: no entry) a program tsh may run: the TCB flag, and its
 * content pinned (a hash, a size that is not VOLATILE)?  When not, *why
 * (if why is not NULL) says so in words for the user.
 */
bool tcb_entry_trusted(const struct tcb_entry *e, const char **why);
/* Read (and check) one stanza of doc; used by load and by tcbck -a -f. */
int tcb_entry_parse(struct stz_doc *doc, struct stz_stanza *st,
		    struct tcb_entry *e, struct tp_err *err);
/* First or next entry in file order (NULL to start), NULL at the end
 * (and at once when the database was loaded through its index). */
struct tcb_entry *tcb_db_next(const struct tcb_db *db,
			      const struct tcb_entry *e);

/*
 * Record path from its current state (tcbck -a, chtcb on): type, owner,
 * group, mode, size and hash (sha256) of a FILE, target of a SYMLINK, under
 * its canonical name (the directory resolved, the last component not).
 * Then assigns ("attr=value", the value in stanza syntax) replace or add
 * attributes.  An entry that exists keeps its other attributes and its TCB
 * flag.  The database must be loaded with STZ_LOCK; commit afterwards.
 */
struct tcb_entry *tcb_record(struct tcb_db *db, const char *path,
			     char *const *assigns, size_t nassigns,
			     struct tp_err *err);
/* What dpkg says of a file being recorded (tcbck -a --package). */
struct tcb_evidence {
	const char *package, *version;
	bool have_md5;			/* dpkg's md5sums has the file */
	unsigned char md5[TP_MD5_LEN];
	bool conffile;			/* configuration: no content pinned */
	bool trust;			/* a new entry gets the TCB flag */
	bool refused;			/* out: the content is not dpkg's,
					   or dpkg has no digest of it */
	struct tp_digest digest;	/* internal: the checked content's */
};
/*
 * tcb_record, for a file of a package: package and version recorded, a
 * regular file's content checked against dpkg's MD5 in the same read as
 * its trusted digest and refused (ev->refused, the entry untouched) when
 * it differs or dpkg has no digest of it.
 */
struct tcb_entry *tcb_record_from(struct tcb_db *db, const char *path,
				  char *const *assigns, size_t nassigns,
				  struct tcb_evidence *ev, struct tp_err *err);
/* Replace or add stanza name with the attributes of st from another file. */
struct tcb_entry *tcb_copy_stanza(struct tcb_db *db, struct stz_doc *from,
				  struct stz_stanza *st, struct tp_err *err);
/* Remove e's stanza; e is no longer reachable afterwards. */
void tcb_delete(struct tcb_db *db, struct tcb_entry *e);
/* (Re-)read the entry of st after a change; NULL on a bad value. */
struct tcb_entry *tcb_entry_for(struct tcb_db *db, struct stz_stanza *st,
				struct tp_err *err);

/* Write the database back (version line first), under its lock. */
int tcb_db_commit(struct tcb_db *db, struct tp_err *err);

/* Names and numbers. */
const char *tcb_type_name(enum tcb_type t);
enum tcb_type tcb_type_of(mode_t st_mode);	/* 0 for a socket */

#endif
