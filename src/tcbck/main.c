/*
 * tcbck - keep the trusted-file database (sysck.cfg) and the system in step.
 *
 *   tcbck -n|-p|-t|-y ALL|tree [DIR...]|CLASS...|PATH...   check (and fix)
 *   tcbck -a [-R] PATH... [attr=value...] | -a -f FILE     record
 *   tcbck -a --package PACKAGE... | --sync                 from dpkg
 *   tcbck --report                                         a minimal system?
 *   tcbck -d PATH|CLASS... | -d -f FILE                    delete
 *   tcbck -l DEVICE...                                     record devices
 *
 * Exit status: 0 everything matches (or was fixed), 1 discrepancies remain,
 * 2 usage or database error.  See tcbck(8).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "files.h"
#include "parallel.h"
#include "tcbck.h"

static void __attribute__((noreturn))
usage_to(FILE *f, int status)
{
	fprintf(f,
	    "usage: tcbck [-C dir] [-j n] [-q] [--json] -n|-p|-t|-y "
	    "ALL|tree [dir...]|class...|path...\n"
	    "       tcbck [-C dir] [-j n] -a [-R] path... [attr=value...]\n"
	    "       tcbck [-C dir] [-j n] -a --package package... "
	    "[attr=value...]\n"
	    "       tcbck [-C dir] [-q] --sync\n"
	    "       tcbck [-C dir] [--json] --report\n"
	    "       tcbck [-C dir] -a -f file\n"
	    "       tcbck [-C dir] -d path|class...\n"
	    "       tcbck [-C dir] -d -f file\n"
	    "       tcbck [-C dir] -l device... [attr=value...]\n");
	exit(status);
}

static void __attribute__((noreturn))
usage(void)
{
	usage_to(stderr, EXIT_USAGE);
}

static void
load_db(struct tcbck *t, const char *confdir, unsigned flags)
{
	struct tp_err e;

	if (tcb_db_load(&t->db, confdir, flags, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
}

static void
commit_db(struct tcbck *t)
{
	struct tp_err e;

	if (tcb_db_commit(&t->db, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
}

/*
 * AIX lets -a name attributes without values ("owner group mode") to say
 * they come from the file; tcbck always takes those from the file, so such
 * a word is accepted and changes nothing.
 */
static bool
is_deduced(const char *s)
{
	static const char *const deduced[] = { "type", "owner", "group",
		"mode", "size", "hash", "target", NULL };

	for (const char *const *d = deduced; *d; d++)
		if (strcmp(s, *d) == 0)
			return true;
	return false;
}

enum add_what { ADD_FILES, ADD_DEVICES };

/*
 * -a -R: each directory operand becomes every name under it (itself
 * first), and the regular files among all are hashed on every core.
 * The names are malloc'd, the operands' copies too.
 */
static char **
expand_trees(struct tcbck *t, char **argv, int *argc)
{
	char **names = NULL;
	size_t n = 0;
	struct tp_err e;

	for (int i = 0; i < *argc; i++) {
		struct stat sb;
		char **nn;

		if (!tcbck_is_assign(argv[i]) && lstat(argv[i], &sb) == 0 &&
		    S_ISDIR(sb.st_mode)) {
			if (tp_tree_names(argv[i], &names, &n, &e) == -1)
				errx(EXIT_USAGE, "%s", e.msg);
			continue;
		}
		if ((nn = realloc(names, (n + 1) * sizeof(*nn))) == NULL)
			err(EXIT_USAGE, "out of memory");
		names = nn;
		if ((names[n++] = strdup(argv[i])) == NULL)
			err(EXIT_USAGE, "out of memory");
	}
	/* what cannot be recorded under a tree is said, and passed over */
	for (size_t i = 0, k = 0, all = n; i < all; i++) {
		struct stat sb;

		if (lstat(names[i], &sb) == 0 && S_ISSOCK(sb.st_mode)) {
			warnx("%s: a socket: not recorded", names[i]);
			free(names[i]);
			n--;
		} else {
			names[k++] = names[i];
		}
	}
	if (n > INT_MAX)
		errx(EXIT_USAGE, "-R: too many files");
	prehash_files(t, (const char **)names, n, false);
	*argc = (int)n;
	return names;
}

/* -a [-R] PATH... [attr=value...], and -l DEVICE... */
static int
cmd_add(struct tcbck *t, const char *confdir, char **argv, int argc,
	enum add_what what, bool tree)
{
	char **assigns = calloc((size_t)argc + 1, sizeof(char *));
	const char **done;
	struct tp_err e;
	size_t na = 0;
	int npaths = 0, missing = 0;

	if (assigns == NULL)
		err(EXIT_USAGE, "out of memory");
	for (int i = 0; i < argc; i++)
		if (tcbck_is_assign(argv[i]))
			assigns[na++] = argv[i];
	/* paths: looked up, changed without reading the whole text */
	load_db(t, confdir, STZ_LOCK | STZ_CREATE | (tree ? 0 : TCB_DB_LOOKUP));
	if (tree)
		argv = expand_trees(t, argv, &argc);
	if ((done = calloc((size_t)argc + 1, sizeof(*done))) == NULL)
		err(EXIT_USAGE, "out of memory");
	for (int i = 0; i < argc; i++) {
		struct tcb_entry *en;
		struct stat sb;

		if (tcbck_is_assign(argv[i]) || is_deduced(argv[i]))
			continue;
		bool gone = lstat(argv[i], &sb) == -1;

		/* a path that is gone is reported and the others recorded */
		if (gone && errno == ENOENT) {
			warnx("%s: %s: not recorded", argv[i], strerror(errno));
			missing++;
			continue;
		}
		if (what == ADD_DEVICES && (gone ||
		    !(S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode))))
			errx(EXIT_USAGE, "%s: not a device file", argv[i]);
		if ((en = tcb_record(&t->db, argv[i], assigns, na, &e)) == NULL)
			errx(EXIT_USAGE, "%s", e.msg);
		done[npaths++] = en->path;	/* the name recorded */
	}
	if (npaths == 0 && missing == 0)
		usage();
	if (npaths > 0)
		commit_db(t);
	for (int i = 0; i < npaths; i++)
		tp_audit_event(TP_EV_DB_ADD, true, "path", done[i], NULL);
	if (tree)
		tp_names_free(argv, (size_t)argc);
	free(done);
	free(assigns);
	return missing ? EXIT_MISMATCH : 0;
}

/*
 * -a -f FILE: add the stanzas of FILE, each replacing an entry of the same
 * name; -d -f FILE: delete the entries FILE names.
 */
static int
cmd_file(struct tcbck *t, const char *confdir, const char *file,
	 enum tp_event ev)
{
	struct stz_doc *in;
	struct stz_stanza *st;
	struct tcb_entry *en;
	struct tp_err e;
	int missing = 0;
	size_t n = 0;
	const char **done;

	if ((in = stz_load(file, 0, &e)) == NULL)
		errx(EXIT_USAGE, "%s", e.msg);
	if ((done = calloc(stz_count(in) + 1, sizeof(*done))) == NULL)
		err(EXIT_USAGE, "out of memory");
	load_db(t, confdir, STZ_LOCK | STZ_CREATE);
	for (st = stz_first(in); st; st = stz_next(st)) {
		if (strcmp(st->name, STZ_DEFAULT) == 0)
			continue;
		if (ev == TP_EV_DB_ADD) {
			if ((en = tcb_db_find(&t->db, st->name)) != NULL)
				tcb_delete(&t->db, en);
			if (tcb_copy_stanza(&t->db, in, st, &e) == NULL)
				errx(EXIT_USAGE, "%s", e.msg);
		} else if ((en = tcb_db_find(&t->db, st->name)) != NULL) {
			tcb_delete(&t->db, en);
		} else {
			warnx("%s: not in the database", st->name);
			missing = 1;
			continue;
		}
		done[n++] = st->name;
	}
	commit_db(t);
	for (size_t i = 0; i < n; i++)
		tp_audit_event(ev, true, "path", done[i], NULL);
	free(done);
	stz_free(in);
	return missing ? EXIT_MISMATCH : 0;
}

/* -d PATH|CLASS... */
static int
cmd_delete(struct tcbck *t, const char *confdir, char **argv, int argc)
{
	load_db(t, confdir, STZ_LOCK);
	for (int i = 0; i < argc; i++) {
		struct tcb_entry *en, *next;
		int n = 0;

		if (argv[i][0] == '/') {
			if ((en = tcb_db_find(&t->db, argv[i])) == NULL)
				errx(EXIT_USAGE, "%s: not in the database",
				     argv[i]);
			tcb_delete(&t->db, en);
			continue;
		}
		for (en = tcb_db_next(&t->db, NULL); en; en = next) {
			next = tcb_db_next(&t->db, en);
			if (tcb_entry_in_class(en, argv[i])) {
				tcb_delete(&t->db, en);
				n++;
			}
		}
		if (n == 0)
			errx(EXIT_USAGE, "%s: no entry has this class", argv[i]);
	}
	commit_db(t);
	for (int i = 0; i < argc; i++)
		tp_audit_event(TP_EV_DB_DELETE, true, argv[i][0] == '/' ?
			       "path" : "class", argv[i], NULL);
	return 0;
}

/* Operands: paths, each to its entry, and class names, each of some. */
static struct tcb_entry **
resolve_operands(struct tcbck *t, char **argv, int argc)
{
	struct tcb_entry **named = calloc((size_t)argc + 1, sizeof(*named));
	struct tcb_entry *en;

	if (named == NULL)
		err(EXIT_USAGE, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '/') {
			if ((named[i] = tcb_db_find(&t->db, argv[i])) == NULL)
				errx(EXIT_USAGE, "%s: not in the database",
				     argv[i]);
			continue;
		}
		for (en = tcb_db_next(&t->db, NULL); en &&
		     !tcb_entry_in_class(en, argv[i]); en = tcb_db_next(&t->db, en))
			;
		if (en == NULL)
			errx(EXIT_USAGE, "%s: no entry has this class", argv[i]);
	}
	return named;
}

/* The entries the operands name (none: all), each once, in the database's
   order. */
static struct tcb_entry **
select_entries(struct tcbck *t, char **argv, int argc, size_t *n)
{
	struct tcb_entry **named = resolve_operands(t, argv, argc), **sel, *en;
	size_t cap = 16;

	if (t->db.doc == NULL) {	/* looked up: paths only, as named */
		*n = 0;
		for (int i = 0; i < argc; i++) {
			int k = 0;	/* among those kept */

			while (k < (int)*n && named[k] != named[i])
				k++;
			if (k == (int)*n)
				named[(*n)++] = named[i];
		}
		return named;
	}
	if ((sel = malloc(cap * sizeof(*sel))) == NULL)
		err(EXIT_USAGE, "out of memory");
	*n = 0;
	for (en = tcb_db_next(&t->db, NULL); en; en = tcb_db_next(&t->db, en)) {
		bool want = argc == 0;

		for (int i = 0; !want && i < argc; i++)
			want = named[i] == en || (argv[i][0] != '/' &&
						  tcb_entry_in_class(en, argv[i]));
		if (!want)
			continue;
		if (*n == cap && (sel = realloc(sel, (cap *= 2) *
					       sizeof(*sel))) == NULL)
			err(EXIT_USAGE, "out of memory");
		sel[(*n)++] = en;
	}
	free(named);
	return sel;
}

/*
 * -n of paths alone looks them up in the index (sysck.cfg(5)), unless one
 * is a file of several names: their count needs every entry, so the text
 * is then read whole; and --json's summary is of the whole text.
 */
static void
load_for_check(struct tcbck *t, const char *confdir, char **argv, int argc)
{
	bool paths = t->mode == FIX_NONE && argc > 0 && !t->json;
	struct stat sb;

	for (int i = 0; paths && i < argc; i++)
		paths = argv[i][0] == '/';
	if (!paths) {
		load_db(t, confdir, t->mode == FIX_NONE ? 0 : STZ_LOCK);
		return;
	}
	load_db(t, confdir, TCB_DB_LOOKUP);
	for (int i = 0; t->db.doc == NULL && i < argc; i++) {
		const struct tcb_entry *e = tcb_db_find(&t->db, argv[i]);

		if (e && lstat(e->path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_nlink > 1) {
			tcb_db_free(&t->db);
			load_db(t, confdir, 0);
		}
	}
}

/* -n|-p|-t|-y ALL|tree [DIR...]|CLASS...|PATH... */
static int
cmd_check(struct tcbck *t, const char *confdir, char **argv, int argc)
{
	struct progress prog = { .t = t };
	struct tcb_entry **sel;
	struct tp_err e;
	struct findings *f;
	char **roots = NULL;
	size_t n, nroots = 0;
	unsigned problems;

	if (argc == 0)
		usage();
	if (strcmp(argv[0], "tree") == 0) {
		roots = argv + 1;
		nroots = (size_t)argc - 1;
		argc = 0;
	} else if (strcmp(argv[0], "ALL") == 0) {
		if (argc > 1)
			usage();
		argc = 0;
	}
	if (t->mode == FIX_ASK && (t->tty = fopen("/dev/tty", "r+e")) == NULL)
		errx(EXIT_USAGE, "-t needs a terminal to ask on: %s",
		     strerror(errno));
	load_for_check(t, confdir, argv, argc);
	if (tcb_escapes_load(&t->esc, confdir, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	sel = select_entries(t, argv, argc, &n);
	if ((f = calloc(n + 1, sizeof(*f))) == NULL)
		err(EXIT_USAGE, "out of memory");
	prog.total = n;
	progress_start(&prog);
	check_entries(t, sel, n, f);
	progress_stop(&prog);
	explain_changes(sel, n, f);
	findings_init(&f[n]);
	if (roots && check_tree(t, roots, nroots, &f[n]) == -1)
		warnx("the tree walk was incomplete");
	/* not in the order directories list their names: alike everywhere */
	findings_sort(&f[n]);
	problems = report_findings(t, f, n + 1, n);
	for (size_t i = 0; i <= n; i++)
		findings_free(&f[i]);
	free(f);
	free(sel);
	return problems ? EXIT_MISMATCH : 0;
}

/* What the options say: the command letter, and where. */
struct invocation {
	const char *confdir, *file;
	char cmd;		/* n p t y (check), a d l, or 0 */
	bool package;		/* -a --package */
	bool tree;		/* -a -R */
	bool sync;		/* --sync */
	bool report;		/* --report */
};

/* The options into t and inv; returns how many arguments they took. */
static int
parse_options(int argc, char **argv, struct tcbck *t, struct invocation *inv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "package", no_argument, NULL, 'P' },
		{ "sync", no_argument, NULL, 'S' },
		{ "report", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long jobs;
	int c;

	while ((c = getopt_long(argc, argv, "+C:j:qnptyadlf:Rh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'C':
			inv->confdir = optarg;
			break;
		case 'j':
			if (stz_parse_uint(optarg, 1, 256, &jobs) == -1)
				errx(EXIT_USAGE, "-j: expected 1 to 256 threads");
			t->jobs = (unsigned)jobs;
			break;
		case 'q':
			t->quiet = true;
			break;
		case 'J':
			t->json = true;
			break;
		case 'P':
			inv->package = true;
			break;
		case 'S':
			inv->sync = true;
			break;
		case 'R':
			inv->tree = true;
			break;
		case 'r':
			inv->report = true;
			break;
		case 'n': case 'p': case 't': case 'y':
		case 'a': case 'd': case 'l':
			if (inv->cmd && inv->cmd != c)
				usage();
			inv->cmd = (char)c;
			break;
		case 'f':
			inv->file = optarg;
			break;
		case 'h':
			usage_to(stdout, 0);
		case 'V':
			exit(puts("tcbck (tpath) " TPATH_VERSION) == EOF);
		default:
			usage();
		}
	}
	if ((inv->file && inv->cmd != 'a' && inv->cmd != 'd') ||
	    (inv->package && (inv->cmd != 'a' || inv->file)) ||
	    (inv->tree && (inv->cmd != 'a' || inv->file || inv->package)))
		usage();
	return optind;
}

static int
run_command(struct tcbck *t, const struct invocation *inv, char **argv,
	    int argc)
{
	if (inv->sync || inv->report) {
		if (inv->cmd || inv->package || inv->file || inv->tree ||
		    argc != 0 || (inv->sync && inv->report))
			usage();
		return inv->sync ? cmd_sync(t, inv->confdir) :
		       cmd_report(t, inv->confdir);
	}
	switch (inv->cmd) {
	case 'n': case 'p': case 't': case 'y':
		t->mode = (enum fixmode)inv->cmd;
		return cmd_check(t, inv->confdir, argv, argc);
	case 'a':
	case 'd':
		if (inv->file && argc != 0)
			usage();
		if (inv->file)
			return cmd_file(t, inv->confdir, inv->file, inv->cmd ==
					'a' ? TP_EV_DB_ADD : TP_EV_DB_DELETE);
		if (argc == 0)
			usage();
		if (inv->package)
			return cmd_add_packages(t, inv->confdir, argv, argc);
		return inv->cmd == 'a' ?
		       cmd_add(t, inv->confdir, argv, argc, ADD_FILES,
			       inv->tree) :
		       cmd_delete(t, inv->confdir, argv, argc);
	case 'l':
		if (argc == 0)
			usage();
		return cmd_add(t, inv->confdir, argv, argc, ADD_DEVICES, false);
	default:
		usage();
	}
}

int
main(int argc, char **argv)
{
	struct tcbck t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct invocation inv = { .confdir = SYSCONFDIR };
	int used, rc;

	t.jobs = tp_cpus();
	tp_audit_set_program("tcbck");
	used = parse_options(argc, argv, &t, &inv);
	rc = run_command(&t, &inv, argv + used, argc - used);
	tcb_db_free(&t.db);
	tcb_escapes_free(&t.esc);
	free(t.inodes);
	if (t.tty)
		fclose(t.tty);
	return rc;
}
