/*
 * chtcb - set, clear or report the TCB flag of files in the database.
 *
 *   chtcb [-C dir] [-f] on|off|query file...
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
	fprintf(f, "usage: chtcb [-C dir] [-f] on|off|query file...\n");
	exit(status);
}

/* The mode attribute's items with TCB added or removed. */
static void
set_flag(struct tcb_db *db, struct tcb_entry *e, bool on, const char *file)
{
	struct stz_attr *a = stz_lookup(db->doc, e->st, "mode");
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
	if (stz_set(db->doc, e->st, "mode", items, n, &er) == -1 ||
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confdir = SYSCONFDIR, *op, *why;
	struct tcb_escapes esc;
	struct tcb_db db;
	struct tcb_entry *e;
	struct tp_err er;
	int c, rc = 0;
	bool query, force = false;

	tp_audit_set_program("chtcb");
	while ((c = getopt_long(argc, argv, "C:fh", longopts, NULL)) != -1) {
		if (c == 'h')
			usage(stdout, 0);
		if (c == 'V')
			return puts("chtcb (tpath) " TPATH_VERSION) == EOF;
		if (c == 'f')
			force = true;
		else if (c == 'C')
			confdir = optarg;
		else
			usage(stderr, EXIT_USAGE);
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage(stderr, EXIT_USAGE);
	op = argv[0];
	query = strcmp(op, "query") == 0;
	if (!query && strcmp(op, "on") != 0 && strcmp(op, "off") != 0)
		usage(stderr, EXIT_USAGE);
	if (tcb_db_load(&db, confdir, query ? 0 : STZ_LOCK | STZ_CREATE,
			&er) == -1 || tcb_escapes_load(&esc, confdir, &er) == -1)
		errx(EXIT_USAGE, "%s", er.msg);
	for (int i = 1; i < argc; i++) {
		struct stat sb;

		e = tcb_db_find(&db, argv[i]);
		if (query) {
			if (e == NULL)
				rc = 1;
			printf("%s: %s\n", argv[i], e == NULL ?
			       "not in the database" : e->mode & STZ_MODE_TCB ?
			       "on" : "off");
			continue;
		}
		/* a symbolic link is never executed itself (a glob over /usr/bin
		   meets many): a note, and the others go on */
		if ((e && e->type == TCB_SYMLINK) || (e == NULL &&
		    lstat(argv[i], &sb) == 0 && S_ISLNK(sb.st_mode))) {
			warnx("%s: a symbolic link, skipped: flag the file it "
			      "points to", argv[i]);
			argv[i] = NULL;		/* no record of a change */
			continue;
		}
		if (e == NULL && strcmp(op, "off") == 0)
			errx(EXIT_USAGE, "%s: not in the database", argv[i]);
		why = strcmp(op, "on") == 0 ? escape_reason(&esc, e, argv[i]) :
		      NULL;
		if (why && !force) {
			warnx("%s: runs other programs (%s): not flagged; tsh "
			      "would run anything through it (-f to flag it "
			      "anyway)", argv[i], why);
			argv[i] = NULL;
			rc = 1;
			continue;
		}
		if (why)
			warnx("%s: runs other programs (%s): flagged, as -f "
			      "asks", argv[i], why);
		if (e == NULL && (e = tcb_record(&db, argv[i], NULL, 0,
						 &er)) == NULL)
			errx(EXIT_USAGE, "%s", er.msg);
		set_flag(&db, e, strcmp(op, "on") == 0, argv[i]);
	}
	if (!query) {
		if (tcb_db_commit(&db, &er) == -1)
			errx(EXIT_USAGE, "%s", er.msg);
		for (int i = 1; i < argc; i++)
			if (argv[i] != NULL)
				tp_audit_event(strcmp(op, "on") ? TP_EV_TCB_OFF :
					       TP_EV_TCB_ON, true, "path",
					       argv[i], NULL);
	}
	tcb_escapes_free(&esc);
	tcb_db_free(&db);
	return rc;
}
