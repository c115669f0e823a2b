/*
 * tcbck.h - what tcbck.c (options, output) and tcbck_check.c (checking,
 * fixing, the tree walk) share.  Not part of the core library.
 */
#ifndef TPATH_TCBCK_H
#define TPATH_TCBCK_H

#include <pthread.h>
#include <stdbool.h>

#include "tcbdb.h"

enum fixmode { FIX_NONE = 'n', FIX_YES = 'y', FIX_SILENT = 'p', FIX_ASK = 't' };

/* One thing found: about a registered entry or an unregistered file. */
struct finding {
	struct finding *next;
	char *path;
	const char *what;	/* "owner", "missing", "setuid", ... */
	char is[96], should[96];
	char text[256];		/* the message after "PATH: " */
	bool fixed;
	bool registered;
};

struct findings {
	struct finding *head, **tail;
	unsigned n, unfixed;
};

/* Registered regular files with several links, by inode. */
struct inode {
	dev_t dev;
	ino_t ino;
	const struct tcb_entry *e;	/* the first entry for it */
	unsigned count;			/* entries naming it */
};

struct tcbck {
	struct tcb_db db;
	struct inode *inodes;		/* built by check_entries */
	size_t ninodes;
	enum fixmode mode;
	unsigned jobs;
	bool json, quiet;
	FILE *tty;		/* -t: where questions are asked */
	pthread_mutex_t lock;	/* guards tty questions and the counters */
	size_t done;		/* entries checked, for the progress line */
};

/* Check (and per mode, fix) entries; results in out[i] for e[i]. */
int check_entries(struct tcbck *t, struct tcb_entry **e, size_t n,
		  struct findings *out);
/* Walk roots (NULL: "/"), reporting files that should be registered. */
int check_tree(struct tcbck *t, char **roots, size_t nroots,
	       struct findings *out);

struct finding *finding_add(struct findings *f, const char *path,
			    const char *what, bool registered,
			    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void findings_init(struct findings *f);
void findings_free(struct findings *f);

#endif
