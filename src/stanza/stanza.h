/*
 * stanza.h - AIX attribute ("stanza") files: reader, typed accessors, writer.
 *
 * Every tpath configuration file and the trusted-file database use this
 * format; see tpath-stanza(5).  A document keeps the original text line by
 * line, so that the writer changes only what it is asked to change and keeps
 * comments, order and unrelated text byte for byte.
 */
#ifndef TPATH_STANZA_H
#define TPATH_STANZA_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tperr.h"

#define STZ_MAX_LINE	 8192	   /* bytes, without the newline */
#define STZ_MAX_STANZAS	 1000000
#define STZ_MAX_FILE	 (1UL << 30) /* bytes */
#define STZ_DEFAULT	 "default" /* the stanza that supplies defaults */

struct stz_doc;

/* Private: one line of the file, kept byte for byte (with its newline). */
struct stz_line {
	struct stz_line *next, *prev;
	const char *text;
	size_t len;
};

struct stz_attr {
	const char *name;
	char **items;		/* decoded values; a list has several */
	unsigned nitems;	/* 0 for "attr =" */
	unsigned lineno;	/* 1-based; 0 when added by the writer */
	struct stz_attr *next;	/* in file order */
	/* private to stanza*.c */
	char *one;		/* items, for a single value */
	struct stz_line line;
};

struct stz_stanza {
	const char *name;
	unsigned lineno;
	struct stz_attr *attrs;
	void *data;		/* free for the program's own model */
	/* private to stanza*.c */
	struct stz_line head;	/* the "name:" line */
	struct stz_line *last;	/* the stanza's last line */
	struct stz_stanza *next, *prev;
	size_t hash;
};

/* Flags for stz_load(). */
enum {
	STZ_SAFE   = 1 << 0, /* file and directories root-owned, not g/o writable */
	STZ_LOCK   = 1 << 1, /* lock for a later stz_commit() (read-modify-write) */
	STZ_CREATE = 1 << 2, /* a missing file is an empty document */
};

/* Reading. Errors are "file:line: what was wrong". */
struct stz_doc *stz_parse(const char *name, const char *buf, size_t len,
			  struct tp_err *err);
/* Text that is not a file (a command line's attr=value, made a stanza):
 * errors are "label: what", with no line. */
struct stz_doc *stz_parse_snippet(const char *label, const char *buf,
				  size_t len, struct tp_err *err);
struct stz_doc *stz_load(const char *path, unsigned flags, struct tp_err *err);
/* The same for dir/name (a file in a configuration or state directory). */
struct stz_doc *stz_load_at(const char *dir, const char *name, unsigned flags,
			    struct tp_err *err);
void stz_free(struct stz_doc *doc);

const char *stz_path(const struct stz_doc *doc);
/* The fstat of the file read (or last written by stz_commit), or NULL:
 * which text the document is, for what is derived from it. */
struct stat;
const struct stat *stz_identity(const struct stz_doc *doc);
/* Lock the directory dfd as STZ_LOCK does (for a read-modify-write: the
 * last commit is seen); held until the descriptor is closed.  path: for
 * messages. */
int stz_lock_dir(int dfd, const char *path, struct tp_err *err);
/* The bytes read (or parsed), as they were: not the edits made since. */
const char *stz_read_text(const struct stz_doc *doc, size_t *len);
/* The directory of a document loaded with STZ_LOCK (held locked), or -1. */
int stz_dirfd(const struct stz_doc *doc);
/* One stanza's lines, byte for byte (a newline ending the last), malloc'd
 * and NUL-terminated; NULL when out of memory. */
char *stz_stanza_text(const struct stz_stanza *st, size_t *len);
size_t stz_count(const struct stz_doc *doc);	/* default: included */
struct stz_stanza *stz_first(const struct stz_doc *doc);
struct stz_stanza *stz_next(const struct stz_stanza *st);
struct stz_stanza *stz_find(const struct stz_doc *doc, const char *name);
struct stz_attr *stz_attr(const struct stz_stanza *st, const char *name);
/* The stanza's own attribute, or else the default: stanza's, or NULL. */
struct stz_attr *stz_lookup(const struct stz_doc *doc,
			    const struct stz_stanza *st, const char *name);

/*
 * Typed accessors.  Each returns 0 and stores the value, or -1 with
 * "file:line: attr: expected ..." in err.  A missing attribute is the
 * caller's business: look it up first, then convert.
 */
int stz_get_string(const struct stz_doc *doc, const struct stz_attr *a,
		   const char **out, struct tp_err *err);
int stz_get_bool(const struct stz_doc *doc, const struct stz_attr *a,
		 bool *out, struct tp_err *err);
int stz_get_uint(const struct stz_doc *doc, const struct stz_attr *a,
		 unsigned long long min, unsigned long long max,
		 unsigned long long *out, struct tp_err *err);

#define STZ_MODE_TCB 010000000 /* outside the st_mode bits */
/* "TCB,SUID,755" or "rwsr-xr-x": permission bits | S_ISUID... | STZ_MODE_TCB */
int stz_get_mode(const struct stz_doc *doc, const struct stz_attr *a,
		 unsigned long *out, struct tp_err *err);
/* "file:line: what", or "file: what" for line 0 (text added by a program). */
int stz_lerr(const struct stz_doc *doc, unsigned lineno, struct tp_err *err,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "file:line: attr: what", as the typed accessors report. */
int stz_lerr_attr(const struct stz_doc *doc, const struct stz_attr *a,
		  struct tp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The items joined with sep, owned by the document; NULL if out of memory. */
const char *stz_join(struct stz_doc *doc, const struct stz_attr *a, char sep);
/* Refuse any attribute of st not in the NULL-terminated list known[]. */
int stz_check_known(const struct stz_doc *doc, const struct stz_stanza *st,
		    const char *const known[], struct tp_err *err);

/*
 * The name rule, [A-Za-z_][A-Za-z0-9_]*: an attribute's name, and a tsh
 * variable's.  stz_name_start: may begin one; stz_name_char: may be in
 * one; stz_name_len: the length of the name s begins with (0: none).
 */
bool stz_name_start(int c);
bool stz_name_char(int c);
size_t stz_name_len(const char *s);
/* Is s all one name? */
bool stz_valid_name(const char *s);
/* Length of the well-formed UTF-8 sequence at p (n bytes left), or 0. */
size_t stz_utf8_len(const unsigned char *p, size_t n);

/* The same conversions on plain strings, for command-line values. */
int stz_parse_bool(const char *s, bool *out);
int stz_parse_uint(const char *s, unsigned long long min,
		   unsigned long long max, unsigned long long *out);
/* items[0..n-1] as in a mode attribute; why gets a reason on failure. */
int stz_parse_mode(char *const *items, size_t n, unsigned long *out,
		   const char **why);

/* Writing: edit in memory, then stz_commit() a document loaded with STZ_LOCK. */
struct stz_stanza *stz_add_stanza(struct stz_doc *doc, const char *name,
				  struct tp_err *err);
int stz_set(struct stz_doc *doc, struct stz_stanza *st, const char *name,
	    const char *const *items, size_t nitems, struct tp_err *err);
int stz_set1(struct stz_doc *doc, struct stz_stanza *st, const char *name,
	     const char *value, struct tp_err *err);
int stz_set_uint(struct stz_doc *doc, struct stz_stanza *st, const char *name,
		 unsigned long long value, struct tp_err *err);
void stz_unset(struct stz_doc *doc, struct stz_stanza *st, const char *name);
void stz_delete_stanza(struct stz_doc *doc, struct stz_stanza *st);

/*
 * The format version line, the file's first line: "* tpath NAME version N".
 * stz_version() gives N (0 when there is no such line); stz_set_version()
 * replaces the line or inserts it at the top.
 */
unsigned stz_version(const struct stz_doc *doc, const char *name);
int stz_set_version(struct stz_doc *doc, const char *name, unsigned version,
		    struct tp_err *err);

/* The document's text as it would be written; malloc'd, caller frees. */
char *stz_text(const struct stz_doc *doc, size_t *len);
/* Where in that text each stanza's lines are (stz_stanza_text's, but for
 * a newline it adds), in stz_first() order, into span[stz_count(doc)]:
 * 0, or -1 if the lines do not hold them. */
struct stz_span {
	unsigned long long at, len;
};
int stz_spans(const struct stz_doc *doc, struct stz_span *span);
/* Replace the file atomically and durably; the lock is kept until stz_free. */
int stz_commit(struct stz_doc *doc, struct tp_err *err);
/*
 * What stz_commit does, for a writer that makes the text itself: fill
 * writes the whole new text into fd (a temporary file in dirfd), which
 * then gets the owner (when exists) and mode, is synced and renamed over
 * base.  written: its fstat after the rename; *renamed: whether it was.
 * The caller holds the directory's lock.
 */
struct stz_file {
	int dirfd;
	const char *base, *path;	/* its name in dirfd; for messages */
	bool exists;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};
int stz_replace(const struct stz_file *f, int (*fill)(int fd, void *arg),
		void *arg, struct stat *written, bool *renamed,
		struct tp_err *err);

#endif
