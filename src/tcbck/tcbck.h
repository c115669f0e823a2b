/*
 * tcbck.h - what the parts of tcbck share.  Not part of the core library.
 *
 *   main.c      options, the commands (-a, -d, -l, -f) and the selection
 *   check.c     each registered entry against its file, in parallel
 *   fix.c       mending a file through the descriptor verified
 *   inodes.c    the registered files with several links, by inode
 *   tree.c      the walk for files that should be registered (a rule table)
 *   findings.c  what was found, and what was fixed
 *   report.c    the findings as text or JSON, and the progress line
 *   package.c   -a --package: the files of installed packages
 *   origin.c    where changed content came from: dpkg, or not
 *   minimal.c   --report: the checks of a minimal system (BSI S 4.95)
 */
#ifndef TPATH_TCBCK_H
#define TPATH_TCBCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

#include "escapes.h"
#include "tcbdb.h"
#include "verify.h"

#define EXIT_MISMATCH	1
#define EXIT_USAGE	2

/* What --json documents say they are: doc/tcbck.schema.json's $id. */
#define TCBCK_JSON_SCHEMA	"urn:tpath:tcbck:1"

enum fixmode { FIX_NONE = 'n', FIX_YES = 'y', FIX_SILENT = 'p', FIX_ASK = 't' };

/* One thing found: about a registered entry or an unregistered file. */
struct finding {
	struct finding *next;
	char *path;
	const char *what;	/* "owner", "missing", "setuid", ... */
	char is[96], should[96];
	char text[512];		/* the message after "PATH: " */
	const char *origin;	/* a changed content's: "package", ... */
	char package[256];	/* "name version" the origin names */
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
	struct tcb_escapes esc;		/* what runs other programs */
	struct inode *inodes;		/* built by check_entries */
	size_t ninodes;
	enum fixmode mode;
	unsigned jobs;
	bool json, quiet;
	FILE *tty;		/* -t: where questions are asked */
	pthread_mutex_t lock;	/* guards tty questions and the counters */
	size_t done;		/* entries checked, for the progress line */
};

/* An "attr=value" argument (of -a), not a path. */
static inline bool
tcbck_is_assign(const char *s)
{
	size_t n = stz_name_len(s);

	return n > 0 && s[n] == '=';
}

/* package.c */
/* Hash files[0..n) on every core, for the recording to find cached (with
 * md5: the MD5 too, as a package's files are checked). */
void prehash_files(const struct tcbck *t, const char **files, size_t n,
		   bool md5);
/* -a --package NAME... [attr=value...] */
int cmd_add_packages(struct tcbck *t, const char *confdir, char **argv,
		     int argc);
/* --sync: the entries of recorded packages in step with dpkg. */
int cmd_sync(struct tcbck *t, const char *confdir);
/* How many entries have a package dpkg has installed at another version
 * than theirs (--sync would record them again); -1 with err when dpkg's
 * status cannot be read. */
long entries_behind(const struct tcb_db *db, struct tp_err *err);

/* origin.c */
/* For each changed content among the findings f[i] of e[i]: dpkg's. */
void explain_changes(struct tcb_entry **e, size_t n, struct findings *f);

/* check.c */
/* Check (and per mode, fix) entries; results in out[i] for e[i]. */
int check_entries(struct tcbck *t, struct tcb_entry **e, size_t n,
		  struct findings *out);

/* tree.c */
/* The system's directories (NULL-terminated). */
extern const char *const system_dirs[];
/* Walk roots (NULL: "/"), reporting files that should be registered. */
int check_tree(struct tcbck *t, char **roots, size_t nroots,
	       struct findings *out);

/* findings.c */
/* Every kind of finding (its what), NULL-terminated: the summary's keys. */
#define FINDING_KINDS	18
extern const char *const finding_kinds[];
struct finding *finding_add(struct findings *f, const char *path,
			    const char *what, bool registered,
			    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The finding among xs[0..n) about w, or NULL. */
struct finding *finding_of(struct finding *const *xs, unsigned n,
			   enum tcb_what w);
void finding_fixed(struct findings *f, struct finding *x);
/* In the byte order of their paths (one path's in the order found). */
void findings_sort(struct findings *f);
void findings_init(struct findings *f);
void findings_free(struct findings *f);

/* fix.c */
/* -y and -p fix; -t fixes what the person at the terminal agrees to. */
bool may_fix(struct tcbck *t, const char *path, const char *text);
void audit_fix(const char *path, const char *what, bool ok);
/* Copy the entry's source over its file; a new empty file for no source. */
int restore_from_source(const struct tcb_entry *e);
int create_empty(const struct tcb_entry *e);
enum link_kind { LINK_HARD, LINK_SYMBOLIC };
/* Offer to make `at` a link of that kind to the open file; x is marked. */
void fix_link(struct tcbck *t, const struct tcb_entry *e, int fd,
	      struct findings *out, struct finding *x, const char *at,
	      enum link_kind kind);
/* Owner, group, mode and ACL, as now found, for the findings xs. */
void fix_attributes(struct tcbck *t, const struct tcb_entry *e, int fd,
		    const struct tcb_report *now, struct finding *const *xs,
		    unsigned nx);

/* inodes.c */
int inodes_build(struct tcbck *t);
const struct inode *inode_find(const struct tcbck *t, const struct stat *sb);
const struct tcb_entry *inode_entry(const struct tcbck *t,
				    const struct stat *sb);

/* minimal.c */
/* --report: what a minimal system (BSI S 4.95) should not have. */
int cmd_report(struct tcbck *t, const char *confdir);

/* report.c */
/* s as a JSON string on stdout. */
void json_str(const char *s);
/* Each finding on stderr (or all as JSON on stdout), then the count. */
unsigned report_findings(const struct tcbck *t, const struct findings *f,
			 size_t nf, size_t checked);
/* The progress line on a terminal while entries are checked. */
struct progress {
	struct tcbck *t;
	size_t total;
	volatile bool stop;
	const char *cr, *el;
	pthread_t tid;
	bool shown;
};
void progress_start(struct progress *p);
void progress_stop(struct progress *p);

#endif
