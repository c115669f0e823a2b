/*
 * sakkey.h - recognising the secure attention key, Ctrl-X Ctrl-R, in what
 * is typed.  Pure: no terminal, no I/O (the line editor and the relay
 * both ask it).  What the key then does is sweep.h's.
 */
#ifndef TPATH_SAKKEY_H
#define TPATH_SAKKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TP_SAK_FIRST	('X' & 037)	/* Ctrl-X: passed on at once */
#define TP_SAK_SECOND	('R' & 037)	/* Ctrl-R: completes it, kept back */

/* Where the previous chunk of input left off. */
struct tp_sak {
	bool first_seen;	/* the last byte was Ctrl-X */
};

/*
 * Look for the key in the next len bytes typed.  Returns the offset of
 * the Ctrl-R that completes it (the bytes before it may be passed on),
 * or -1 when buf does not complete it.  A Ctrl-X at the end of one chunk
 * and a Ctrl-R at the start of the next is the key too.
 */
ssize_t tp_sak_find(struct tp_sak *s, const char *buf, size_t len);

#endif
