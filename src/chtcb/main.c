/*
 * chtcb - set, clear or report the TCB flag of files in the database.
 *
 *   chtcb [-C dir] [-f] [-R] on|off|query file...
 *   chtcb [-C dir] [-f] --package on|off|query package...
 *
 * `on` for a file the database does not know records it first, as
 * `tcbck -a` does.  For a file it knows, only the flag changes: the rest of
 * the entry is what was recorded, and re-recording the file's state now
 * would hide any change made since.  A program that runs other programs
 * (confdir/escapes) is flagged only with -f.  Exit: 0 done, 1 a file is
 * not in the database (query) or was refused (on), 2 usage or database
 * error.  See chtcb(8).
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "audit.h"
#include "escapes.h"
#include "files.h"
#include "tcbdb.h"

#define EXIT_USAGE 2

/* To stderr with status 2, or (asked for: -h, --help) stdout and 0. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: chtcb [-C dir] [-f] [-R] on|off|query file...\n"
		"       chtcb [-C dir] [-f] --package on|off|query package...\n");
	exit(status);
}

/* The mode attribute's items with TCB added or removed. */
static void
set_flag(struct tcb_db *db, struct tcb_entry *e, bool on, const char *file)
{
	struct stz_attr *a = stz_lookup(e->doc, e->st, "mode");
	const char **items;
	struct tp_err er;
	size_t n = 0;

	if (a == NULL)
		errx(EXIT_USAGE, "%s: the entry has no mode to flag; give it "
		     "one with tcbck -a %s mode=...", file, e->path);
	if ((items = calloc(a->nitems + 1, sizeof(*items))) == NULL)
		err(EXIT_USAGE, "out of memory");
	if (on)
		items[n++] = "TCB";
	for (unsigned i = 0; i < a->nitems; i++)
		if (strcasecmp(a->items[i], "TCB") != 0)
			items[n++] = a->items[i];
	if (stz_set(e->doc, e->st, "mode", items, n, &er) == -1 ||
	    tcb_entry_for(db, e->st, &er) == NULL)
		errx(EXIT_USAGE, "%s", er.msg);
	free(items);
}

/* Why the file (its entry's name, or the name it will be recorded by)
 * runs other programs, or NULL. */
static const char *
escape_reason(const struct tcb_escapes *x, const struct tcb_entry *e,
	      const char *file)
{
	char *canon;
	const char *why;

	if (e != NULL)
		return tcb_escape_reason(x, e->path);
	if ((canon = tp_path_canonical(file)) == NULL)
		return tcb_escape_reason(x, file);
	why = tcb_escape_reason(x, canon);
	free(canon);
	return why;
}

/* The files an invocation names, each malloc'd. */
struct names {
	char **v;
	size_t n;
};

static void
add_name(struct names *l, const char *name)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL || (nv[l->n] = strdup(name)) == NULL)
		err(EXIT_USAGE, "out of memory");
	l->v = nv;
	l->n++;
}

static bool
is_program(const struct tcb_entry *e)
{
	return e->type == TCB_FILE && (e->mode & 0111);
}

/* --package: the entries of the package (on, query: its programs). */
static void
package_names(const struct tcb_db *db, const char *pkg, bool on_programs,
	      struct names *l)
{
	size_t before = l->n;

	for (struct tcb_entry *e = tcb_db_next(db, NULL); e;
	     e = tcb_db_next(db, e))
		if (e->package && strcmp(e->package, pkg) == 0 &&
		    (!on_programs || is_program(e)))
			add_name(l, e->path);
	if (l->n == before)
		errx(EXIT_USAGE, "%s: no entry of this package%s (tcbck -a "
		     "--package %s)", pkg, on_programs ? " is a program" : "",
		     pkg);
}

/*
 * -R: for on, the programs (regular files with an execute bit) under the
 * directory, as they are now; for off and query, the entries under it.
 */
static void
tree_names(const struct tcb_db *db, const char *dir, bool on,
	   struct names *l)
{
	char **all = NULL, *canon;
	size_t n = 0, len;
	struct tp_err er;

	if (on) {
		if (tp_tree_names(dir, &all, &n, &er) == -1)
			errx(EXIT_USAGE, "%s", er.msg);
		for (size_t i = 0; i < n; i++) {
			struct stat sb;

			if (lstat(all[i], &sb) == 0 && S_ISREG(sb.st_mode) &&
			    (sb.st_mode & 0111))
				add_name(l, all[i]);
		}
		tp_names_free(all, n);
		return;
	}
	if ((canon = realpath(dir, NULL)) == NULL)
		err(EXIT_USAGE, "%s", dir);
	len = strcmp(canon, "/") ? strlen(canon) : 0;
	for (struct tcb_entry *e = tcb_db_next(db, NULL); e;
	     e = tcb_db_next(db, e))
		if (strncmp(e->path, canon, len) == 0 && e->path[len] == '/')
			add_name(l, e->path);
	free(canon);
}

/* A symbolic link is never executed itself (a glob over /usr/bin meets
 * many): a note, and the others go on. */
static bool
skip_link(const struct tcb_entry *e, const char *file)
{
	struct stat sb;

	if ((e && e->type == TCB_SYMLINK) ||
	    (e == NULL && lstat(file, &sb) == 0 && S_ISLNK(sb.st_mode))) {
		warnx("%s: a symbolic link, skipped: flag the file it points "
		      "to", file);
		return true;
	}
	return false;
}

/* on: the file's flag set (e: its entry, or NULL), unless it runs other
 * programs and there is no -f; 1 refused, 0 done. */
static int
flag_on(struct tcb_db *db, const struct tcb_escapes *esc,
	struct tcb_entry *e, const char *file, bool force)
{
	const char *why;
	struct tp_err er;

	if ((why = escape_reason(esc, e, file)) != NULL && !force) {
		warnx("%s: runs other programs (%s): not flagged; tsh would "
		      "run anything through it (-f to flag it anyway)", file,
		      why);
		return 1;
	}
	if (why)
		warnx("%s: runs other programs (%s): flagged, as -f asks",
		      file, why);
	if (e == NULL && (e = tcb_record(db, file, NULL, 0, &er)) == NULL)
		errx(EXIT_USAGE, "%s", er.msg);
	set_flag(db, e, true, file);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "package", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confdir = SYSCONFDIR, *op;
	struct tcb_escapes esc;
	struct names l = { 0 };
	struct tcb_db db;
	struct tcb_entry *e;
	struct tp_err er;
	int c, rc = 0;
	bool query, on, force = false, tree = false, package = false;

	tp_audit_set_program("chtcb");
	while ((c = getopt_long(argc, argv, "C:fRh", longopts, NULL)) != -1) {
		if (c == 'h')
			usage(stdout, 0);
		if (c == 'V')
			return puts("chtcb (tpath) " TPATH_VERSION) == EOF;
		if (c == 'f')
			force = true;
		else if (c == 'R')
			tree = true;
		else if (c == 'P')
			package = true;
		else if (c == 'C')
			confdir = optarg;
		else
			usage(stderr, EXIT_USAGE);
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || (tree && package))
		usage(stderr, EXIT_USAGE);
	op = argv[0];
	query = strcmp(op, "query") == 0;
	on = strcmp(op, "on") == 0;
	if (!query && !on && strcmp(op, "off") != 0)
		usage(stderr, EXIT_USAGE);
	/* files are looked up (in the index, where it is the text's), and
	   changed without reading the whole text; trees and packages read
	   it all */
	if (tcb_db_load(&db, confdir, (!query ? STZ_LOCK | STZ_CREATE : 0) |
			(tree || package ? 0 : TCB_DB_LOOKUP), &er) == -1 ||
	    tcb_escapes_load(&esc, confdir, &er) == -1)
		errx(EXIT_USAGE, "%s", er.msg);
	for (int i = 1; i < argc; i++) {
		struct stat sb;

		if (package)
			package_names(&db, argv[i], on || query, &l);
		else if (tree && lstat(argv[i], &sb) == 0 &&
			 S_ISDIR(sb.st_mode))
			tree_names(&db, argv[i], on, &l);
		else
			add_name(&l, argv[i]);
	}
	for (size_t i = 0; i < l.n; i++) {
		int r;

		e = tcb_db_find(&db, l.v[i]);
		if (query) {
			if (e == NULL)
				rc = 1;
			printf("%s: %s\n", l.v[i], e == NULL ?
			       "not in the database" : e->mode & STZ_MODE_TCB ?
			       "on" : "off");
			continue;
		}
		if (skip_link(e, l.v[i])) {
			r = -1;
		} else if (on) {
			r = flag_on(&db, &esc, e, l.v[i], force);
		} else if (e == NULL) {
			errx(EXIT_USAGE, "%s: not in the database", l.v[i]);
		} else {
			set_flag(&db, e, false, l.v[i]);
			r = 0;
		}
		if (r == 0)
			continue;
		free(l.v[i]);
		l.v[i] = NULL;		/* no record of a change */
		if (r == 1)
			rc = 1;
	}
	if (!query) {
		if (tcb_db_commit(&db, &er) == -1)
			errx(EXIT_USAGE, "%s", er.msg);
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i] != NULL)
				tp_audit_event(on ? TP_EV_TCB_ON :
					       TP_EV_TCB_OFF, true, "path",
					       l.v[i], NULL);
	}
	tp_names_free(l.v, l.n);
	tcb_escapes_free(&esc);
	tcb_db_free(&db);
	return rc;
}
