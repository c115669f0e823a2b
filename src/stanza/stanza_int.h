/*
 * stanza_int.h - what the reader, the accessors and the writer share.
 * Not part of the core's interface: include stanza.h instead.
 */
#ifndef TPATH_STANZA_INT_H
#define TPATH_STANZA_INT_H

#include <stdarg.h>
#include <sys/stat.h>

#include "stanza.h"

struct stz_chunk;

struct stz_slot {
	size_t hash;
	struct stz_stanza *st;
};

struct stz_doc {
	char *path;			/* for messages */
	bool unnumbered;		/* not a file: messages name no line */
	char *buf;			/* the text read, lines point into it */
	size_t buflen;
	struct stz_line *lines, *lines_tail;
	struct stz_stanza *first, *last;
	size_t count;
	struct stz_slot *slots;		/* stanza names, open addressing */
	size_t nslots, nused;		/* nused counts tombstones too */
	struct stz_chunk *arena;	/* everything else the document owns */
	/* set by stz_load(STZ_LOCK), used by stz_commit() */
	int dirfd;
	char *base;
	bool exists;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	/* the file read, or last written by stz_commit (fstat of its fd) */
	bool have_identity;
	struct stat identity;
};

void *stz_alloc(struct stz_doc *doc, size_t size);
/* Unaligned bytes, for strings. */
char *stz_alloc_bytes(struct stz_doc *doc, size_t size);
char *stz_strndup(struct stz_doc *doc, const char *s, size_t len);
struct stz_doc *stz_doc_new(const char *path);
/* Takes buf (malloc'd) whatever happens. */
int stz_parse_into(struct stz_doc *doc, char *buf, size_t len,
		   struct tp_err *err);
const char *stz_bad_text(const char *s, size_t len, bool escapable,
			 char why[32]);
struct stz_stanza *stz_append(struct stz_doc *doc, struct stz_stanza *st,
			       int *nomem);
void stz_hash_del(struct stz_doc *doc, struct stz_stanza *st);

static inline bool
stz_isblank(int c)
{
	return c == ' ' || c == '\t';
}

#endif
