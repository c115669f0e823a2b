/*
 * report.c - what tcbck found, for a person (one line each on stderr, and
 * a count) or for a program (one JSON document on stdout: strings escaped,
 * and each byte of invalid UTF-8 as \u00XX, so any file name is valid
 * JSON); and the progress line while entries are checked.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>
#include <term.h>
#include <time.h>
#include <unistd.h>

#include "stanza.h"
#include "tcbck.h"

/* JSON strings: escapes, and each byte of invalid UTF-8 as \u00XX. */
void
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

/* The summary's counts: [k][0] problems, [k][1] fixed, per finding_kinds. */
static void
print_counts(const char *name, unsigned (*count)[2], int which)
{
	printf("\"%s\": {", name);
	for (size_t k = 0; finding_kinds[k]; k++)
		printf("%s\"%s\": %u", k ? ", " : "", finding_kinds[k],
		       count[k][which]);
	putchar('}');
}

/*
 * The database as read (its entries and the digest of its bytes, for a
 * fleet to compare), the entries of packages dpkg has upgraded since they
 * were recorded, and each kind of finding counted.  What cannot be known
 * is null, and said.
 */
static void
print_summary(const struct tcbck *t, const struct findings *f, size_t nf)
{
	unsigned count[FINDING_KINDS][2] = { { 0 } };
	char text[TP_HASH_TEXT];
	struct tp_digest d;
	struct tp_err e;
	long behind;

	for (size_t i = 0; i < nf; i++)
		for (struct finding *x = f[i].head; x; x = x->next)
			for (size_t k = 0; finding_kinds[k]; k++)
				if (strcmp(x->what, finding_kinds[k]) == 0)
					count[k][x->fixed]++;
	printf(",\n \"summary\": {\"entries\": %zu, \"digest\": ",
	       tcb_db_count(&t->db));
	if (tcb_db_digest(&t->db, &d, &e) == 0) {
		tp_hash_format(&d, text);
		printf("\"%s\"", text);
	} else {	/* said, and null: better no digest than a wrong one */
		warnx("%s", e.msg);
		printf("null");
	}
	if ((behind = entries_behind(&t->db, &e)) == -1) {
		warnx("%s", e.msg);
		printf(", \"behind\": null,\n  ");
	} else {
		printf(", \"behind\": %ld,\n  ", behind);
	}
	print_counts("problems", count, 0);
	printf(",\n  ");
	print_counts("fixed", count, 1);
	printf("},\n ");
}

static void
print_json(const struct tcbck *t, const struct findings *f, size_t nf,
	   size_t checked, unsigned problems, unsigned fixed)
{
	const char *sep = "";

	printf("{\"schema\": \"%s\", \"database\": ", TCBCK_JSON_SCHEMA);
	json_str(t->db.path);
	printf(", \"mode\": \"%c\", \"checked\": %zu, \"problems\": %u, "
	       "\"fixed\": %u", (char)t->mode, checked, problems, fixed);
	print_summary(t, f, nf);
	printf("\"findings\": [");
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
			if (x->origin)
				printf(", \"origin\": \"%s\"", x->origin);
			if (*x->package) {
				printf(", \"package\": ");
				json_str(x->package);
			}
			putchar('}');
			sep = ",";
		}
	}
	printf("\n]}\n");
}

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

/* On a terminal only, redrawn with terminfo cr and el. */
void
progress_start(struct progress *p)
{
	const char *cr, *el;
	int e;

	p->shown = false;
	if (p->t->quiet || p->t->mode == FIX_ASK || !isatty(STDERR_FILENO) ||
	    setupterm(NULL, STDERR_FILENO, &e) != OK)
		return;
	cr = tigetstr("cr");
	el = tigetstr("el");
	if (cr == NULL || cr == (char *)-1 || el == NULL || el == (char *)-1)
		return;
	p->cr = cr;
	p->el = el;
	p->stop = false;
	p->shown = pthread_create(&p->tid, NULL, progress_thread, p) == 0;
}

void
progress_stop(struct progress *p)
{
	if (p->shown) {
		p->stop = true;
		pthread_join(p->tid, NULL);
		p->shown = false;
	}
}

/*
 * Each finding on stderr ("PATH: TEXT", "(fixed)" after what was fixed,
 * but not under -p), or all of them as JSON on stdout, then the count.
 * Returns the number of problems left.
 */
unsigned
report_findings(const struct tcbck *t, const struct findings *f, size_t nf,
		size_t checked)
{
	unsigned problems = 0, fixed = 0;

	for (size_t i = 0; i < nf; i++) {
		for (struct finding *x = f[i].head; x; x = x->next) {
			x->fixed ? fixed++ : problems++;
			if (t->json || (x->fixed && t->mode == FIX_SILENT))
				continue;
			fprintf(stderr, "%s: %s%s\n", x->path, x->text,
				x->fixed ? " (fixed)" : "");
		}
	}
	if (t->json)
		print_json(t, f, nf, checked, problems, fixed);
	else if (!t->quiet && t->mode != FIX_SILENT)
		fprintf(stderr, "tcbck: %zu checked, %u %s, %u fixed\n",
			checked, problems, problems == 1 ? "problem" :
			"problems", fixed);
	return problems;
}
