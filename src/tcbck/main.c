/*
 * tcbck - keep the trusted-file database (sysck.cfg) and the system in step.
 *
 *   tcbck -n|-p|-t|-y ALL|tree [DIR...]|CLASS...|PATH...   check (and fix)
 *   tcbck -a PATH... [attr=value...] | -a -f FILE          record
 *   tcbck -d PATH|CLASS... | -d -f FILE                    delete
 *   tcbck -l DEVICE...                                     record devices
 *
 * Exit status: 0 everything matches (or was fixed), 1 discrepancies remain,
 * 2 usage or database error.  See tcbck(8).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <curses.h>
#include <term.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "tcbck.h"

#define EXIT_MISMATCH	1
#define EXIT_USAGE	2

static void __attribute__((noreturn))
usage_to(FILE *f, int status)
{
	fprintf(f,
	    "usage: tcbck [-C dir] [-j n] [-q] [--json] -n|-p|-t|-y "
	    "ALL|tree [dir...]|class...|path...\n"
	    "       tcbck [-C dir] -a path... [attr=value...]\n"
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

static bool
is_assign(const char *s)
{
	size_t n = stz_name_len(s);

	return n > 0 && s[n] == '=';
}

/* -a PATH... [attr=value...], and -l DEVICE... */
static int
cmd_add(struct tcbck *t, const char *confdir, char **argv, int argc,
	bool devices)
{
	char **assigns = calloc((size_t)argc + 1, sizeof(char *));
	struct tp_err e;
	size_t na = 0;
	int npaths = 0;

	if (assigns == NULL)
		err(EXIT_USAGE, "out of memory");
	for (int i = 0; i < argc; i++)
		if (is_assign(argv[i]))
			assigns[na++] = argv[i];
	load_db(t, confdir, STZ_LOCK | STZ_CREATE);
	for (int i = 0; i < argc; i++) {
		struct tcb_entry *en;
		struct stat sb;

		if (is_assign(argv[i]) || is_deduced(argv[i]))
			continue;
		if (devices && (lstat(argv[i], &sb) == -1 ||
				!(S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode))))
			errx(EXIT_USAGE, "%s: not a device file", argv[i]);
		if ((en = tcb_record(&t->db, argv[i], assigns, na, &e)) == NULL)
			errx(EXIT_USAGE, "%s", e.msg);
		argv[npaths++] = (char *)en->path;	/* the name recorded */
	}
	if (npaths == 0)
		usage();
	commit_db(t);
	for (int i = 0; i < npaths; i++)
		tp_audit(TP_AUDIT_TRUSTED_APP, true, "tcbck-add", "path",
			 argv[i], NULL);
	free(assigns);
	return 0;
}

/*
 * -a -f FILE: add the stanzas of FILE, each replacing an entry of the same
 * name; -d -f FILE: delete the entries FILE names.
 */
static int
cmd_file(struct tcbck *t, const char *confdir, const char *file, bool add)
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
		if (add) {
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
		tp_audit(TP_AUDIT_TRUSTED_APP, true, add ? "tcbck-add" :
			 "tcbck-delete", "path", done[i], NULL);
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
		tp_audit(TP_AUDIT_TRUSTED_APP, true, "tcbck-delete",
			 argv[i][0] == '/' ? "path" : "class", argv[i], NULL);
	return 0;
}

/* JSON strings: escapes, and each byte of invalid UTF-8 as \u00XX. */
static void
json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;

	putchar('"');
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			printf("\\u%04x", p[i]);
		else if (p[i] < 0x80)
			putchar(p[i]);
		else if ((n = stz_utf8_len(p + i, len - i)) == 0)
			printf("\\u%04x", p[i]);
		else {
			fwrite(p + i, 1, n, stdout);
			i += n - 1;
		}
	}
	putchar('"');
}

static void
print_json(const struct tcbck *t, const struct findings *f, size_t nf,
	   size_t checked, unsigned problems, unsigned fixed)
{
	const char *sep = "";

	printf("{\"database\": ");
	json_str(t->db.path);
	printf(", \"mode\": \"%c\", \"checked\": %zu, \"problems\": %u, "
	       "\"fixed\": %u, \"findings\": [", (char)t->mode, checked,
	       problems, fixed);
	for (size_t i = 0; i < nf; i++) {
		for (struct finding *x = f[i].head; x; x = x->next) {
			printf("%s\n  {\"path\": ", sep);
			json_str(x->path);
			printf(", \"what\": \"%s\", \"registered\": %s, "
			       "\"fixed\": %s, \"message\": ", x->what,
			       x->registered ? "true" : "false",
			       x->fixed ? "true" : "false");
			json_str(x->text);
			if (*x->should) {
				printf(", \"is\": ");
				json_str(x->is);
				printf(", \"should\": ");
				json_str(x->should);
			}
			putchar('}');
			sep = ",";
		}
	}
	printf("\n]}\n");
}

/* The progress line: on a terminal only, redrawn with terminfo cr and el. */
struct progress {
	struct tcbck *t;
	size_t total;
	volatile bool stop;
	const char *cr, *el;
};

static void *
progress_thread(void *arg)
{
	struct progress *p = arg;
	struct timespec tick = { 0, 200 * 1000 * 1000 };

	do {	/* drawn at once, then every tick until the check ends */
		size_t done;

		pthread_mutex_lock(&p->t->lock);
		done = p->t->done;
		pthread_mutex_unlock(&p->t->lock);
		fprintf(stderr, "%stcbck: checked %zu of %zu%s", p->cr, done,
			p->total, p->el);
		fflush(stderr);
		nanosleep(&tick, NULL);
	} while (!p->stop);
	fprintf(stderr, "%s%s", p->cr, p->el);
	return NULL;
}

static bool
progress_start(struct progress *p, pthread_t *tid)
{
	const char *cr, *el;
	int e;

	if (p->t->quiet || p->t->mode == FIX_ASK || !isatty(STDERR_FILENO) ||
	    setupterm(NULL, STDERR_FILENO, &e) != OK)
		return false;
	cr = tigetstr("cr");
	el = tigetstr("el");
	if (cr == NULL || cr == (char *)-1 || el == NULL || el == (char *)-1)
		return false;
	p->cr = cr;
	p->el = el;
	p->stop = false;
	return pthread_create(tid, NULL, progress_thread, p) == 0;
}

/* -n|-p|-t|-y ALL|tree [DIR...]|CLASS...|PATH... */
static int
cmd_check(struct tcbck *t, const char *confdir, char **argv, int argc)
{
	struct tcb_entry **sel, **named, *en;
	struct findings *f;
	struct progress prog = { .t = t };
	pthread_t ptid;
	bool all = false, tree = false, shown;
	size_t n = 0, cap = 16;
	unsigned problems = 0, fixed = 0;
	int first_root = argc;

	if (argc == 0)
		usage();
	if (strcmp(argv[0], "tree") == 0) {
		tree = all = true;
		first_root = 1;
	} else if (strcmp(argv[0], "ALL") == 0) {
		if (argc > 1)
			usage();
		all = true;
	}
	if (t->mode == FIX_ASK && (t->tty = fopen("/dev/tty", "r+e")) == NULL)
		errx(EXIT_USAGE, "-t needs a terminal to ask on: %s",
		     strerror(errno));
	load_db(t, confdir, t->mode == FIX_NONE ? 0 : STZ_LOCK);
	/* operands: paths (to their entries) and class names */
	if ((named = calloc((size_t)argc + 1, sizeof(*named))) == NULL)
		err(EXIT_USAGE, "out of memory");
	for (int i = 0; !all && i < argc; i++) {
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
	/* each selected entry once, in the database's order */
	if ((sel = malloc(cap * sizeof(*sel))) == NULL)
		err(EXIT_USAGE, "out of memory");
	for (en = tcb_db_next(&t->db, NULL); en; en = tcb_db_next(&t->db, en)) {
		bool want = all;

		for (int i = 0; !want && i < argc; i++)
			want = named[i] == en || (argv[i][0] != '/' &&
						  tcb_entry_in_class(en, argv[i]));
		if (!want)
			continue;
		if (n == cap && (sel = realloc(sel, (cap *= 2) *
					       sizeof(*sel))) == NULL)
			err(EXIT_USAGE, "out of memory");
		sel[n++] = en;
	}
	free(named);
	if ((f = calloc(n + 1, sizeof(*f))) == NULL)
		err(EXIT_USAGE, "out of memory");
	prog.total = n;
	shown = progress_start(&prog, &ptid);
	check_entries(t, sel, n, f);
	if (shown) {
		prog.stop = true;
		pthread_join(ptid, NULL);
	}
	findings_init(&f[n]);
	if (tree && check_tree(t, argv + first_root,
			       (size_t)(argc - first_root), &f[n]) == -1)
		warnx("the tree walk was incomplete");
	for (size_t i = 0; i <= n; i++) {
		for (struct finding *x = f[i].head; x; x = x->next) {
			x->fixed ? fixed++ : problems++;
			if (t->json || (x->fixed && t->mode == FIX_SILENT))
				continue;
			fprintf(stderr, "%s: %s%s\n", x->path, x->text,
				x->fixed ? " (fixed)" : "");
		}
	}
	if (t->json)
		print_json(t, f, n + 1, n, problems, fixed);
	else if (!t->quiet && t->mode != FIX_SILENT)
		fprintf(stderr, "tcbck: %zu checked, %u %s, %u fixed\n", n,
			problems, problems == 1 ? "problem" : "problems", fixed);
	for (size_t i = 0; i <= n; i++)
		findings_free(&f[i]);
	free(f);
	free(sel);
	return problems ? EXIT_MISMATCH : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tcbck t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *confdir = SYSCONFDIR, *file = NULL;
	unsigned long long jobs;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char cmd = 0;
	int c, rc;

	t.jobs = cpus > 0 ? (unsigned)cpus : 1;
	tp_audit_set_program("tcbck");
	while ((c = getopt_long(argc, argv, "+C:j:qnptyadlf:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'C':
			confdir = optarg;
			break;
		case 'j':
			if (stz_parse_uint(optarg, 1, 256, &jobs) == -1)
				errx(EXIT_USAGE, "-j: expected 1 to 256 threads");
			t.jobs = (unsigned)jobs;
			break;
		case 'q':
			t.quiet = true;
			break;
		case 'J':
			t.json = true;
			break;
		case 'n': case 'p': case 't': case 'y':
		case 'a': case 'd': case 'l':
			if (cmd && cmd != c)
				usage();
			cmd = (char)c;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage_to(stdout, 0);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (file && cmd != 'a' && cmd != 'd')
		usage();
	switch (cmd) {
	case 'n': case 'p': case 't': case 'y':
		t.mode = (enum fixmode)cmd;
		rc = cmd_check(&t, confdir, argv, argc);
		break;
	case 'a':
	case 'd':
		if (file) {
			if (argc != 0)
				usage();
			rc = cmd_file(&t, confdir, file, cmd == 'a');
		} else if (argc == 0) {
			usage();
		} else {
			rc = cmd == 'a' ? cmd_add(&t, confdir, argv, argc, false) :
			     cmd_delete(&t, confdir, argv, argc);
		}
		break;
	case 'l':
		if (argc == 0)
			usage();
		rc = cmd_add(&t, confdir, argv, argc, true);
		break;
	default:
		usage();
	}
	tcb_db_free(&t.db);
	free(t.inodes);
	if (t.tty)
		fclose(t.tty);
	return rc;
}
