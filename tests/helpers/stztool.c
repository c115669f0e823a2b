/*
 * stztool - drive the stanza core from end-to-end tests (not installed).
 *
 *   stztool names FILE            print the stanza names, or the error
 *   stztool add FILE PREFIX N     N separate locked read-modify-write cycles,
 *                                 each adding stanza PREFIX<i>; prints i after
 *                                 each commit (N = 0: until killed)
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stanza.h"

static int
names(const char *path)
{
	struct tp_err e;
	struct stz_doc *doc = stz_load(path, STZ_SAFE, &e);

	if (doc == NULL)
		errx(1, "%s", e.msg);
	for (struct stz_stanza *st = stz_first(doc); st; st = stz_next(st))
		puts(st->name);
	stz_free(doc);
	return 0;
}

static int
add(const char *path, const char *prefix, unsigned long long n)
{
	static const char *const links[] = { "/usr/bin/a", "/usr/bin/b" };
	char name[256];
	struct tp_err e;

	for (unsigned long long i = 0; n == 0 || i < n; i++) {
		struct stz_doc *doc;
		struct stz_stanza *st;

		doc = stz_load(path, STZ_SAFE | STZ_LOCK | STZ_CREATE, &e);
		if (doc == NULL)
			errx(1, "%s", e.msg);
		/* the first free index, so a restarted run goes on from there */
		snprintf(name, sizeof(name), "%s%llu", prefix, i);
		if (n == 0)
			while (stz_find(doc, name))
				snprintf(name, sizeof(name), "%s%llu", prefix, ++i);
		if ((st = stz_add_stanza(doc, name, &e)) == NULL ||
		    stz_set1(doc, st, "owner", "root", &e) == -1 ||
		    stz_set1(doc, st, "hash", "sha256:e3b0c44298fc1c149afbf4c"
			     "8996fb92427ae41e4649b934ca495991b7852b855",
			     &e) == -1 ||
		    stz_set(doc, st, "links", links, 2, &e) == -1 ||
		    stz_commit(doc, &e) == -1)
			errx(1, "%s", e.msg);
		stz_free(doc);
		printf("%llu\n", i);
		fflush(stdout);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long long n;

	if (argc == 3 && strcmp(argv[1], "names") == 0)
		return names(argv[2]);
	if (argc == 5 && strcmp(argv[1], "add") == 0 &&
	    stz_parse_uint(argv[4], 0, 1000000, &n) == 0)
		return add(argv[2], argv[3], n);
	fprintf(stderr, "usage: stztool names FILE | add FILE PREFIX N\n");
	return 2;
}
