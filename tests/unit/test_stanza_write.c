/* test_stanza_write.c - edits keep every other byte; commits are atomic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stanza.h"

static char dir[64];

static void
assert_text(const struct stz_doc *doc, const char *want)
{
	size_t len;
	char *got = stz_text(doc, &len);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
}

static void
test_edits_keep_other_bytes(void **state)
{
	static const char text[] =
	    "* sysck.cfg for the tests\n"
	    "/usr/bin/ls:\n"
	    "    owner   =  root     \n"
	    "    * keep me\n"
	    "    mode = TCB,555\n"
	    "\n"
	    "# between\n"
	    "/usr/bin/cat:\n"
	    "\tclass = apply\n"
	    "\n"
	    "/usr/bin/gone:\n"
	    "\tclass = x\n"
	    "* about /usr/bin/last\n"
	    "/usr/bin/last:\n"
	    "\towner = bin";
	static const char want[] =
	    "* sysck.cfg for the tests\n"
	    "/usr/bin/ls:\n"
	    "    owner = bin\n"
	    "    * keep me\n"
	    "    mode = TCB,555\n"
	    "    links = /bin/ls,\"/x y\"\n"
	    "\n"
	    "# between\n"
	    "/usr/bin/cat:\n"
	    "\n"
	    "* about /usr/bin/last\n"
	    "/usr/bin/last:\n"
	    "\towner = bin\n"
	    "\tsize =\n"
	    "\n"
	    "\"/new file\":\n"
	    "\tmode = TCB,rwxr-xr-x\n"
	    "\n";
	static const char *const links[] = { "/bin/ls", "/x y" };
	static const char *const mode[] = { "TCB", "rwxr-xr-x" };
	struct tp_err err;
	struct stz_doc *doc = stz_parse("s.cfg", text, strlen(text), &err);
	struct stz_stanza *st;

	(void)state;
	assert_non_null(doc);
	st = stz_find(doc, "/usr/bin/ls");
	assert_int_equal(stz_set1(doc, st, "owner", "bin", &err), 0);
	assert_int_equal(stz_set(doc, st, "links", links, 2, &err), 0);
	stz_unset(doc, stz_find(doc, "/usr/bin/cat"), "class");
	stz_unset(doc, stz_find(doc, "/usr/bin/cat"), "nosuch");
	stz_delete_stanza(doc, stz_find(doc, "/usr/bin/gone"));
	assert_null(stz_find(doc, "/usr/bin/gone"));
	assert_int_equal(stz_set(doc, stz_find(doc, "/usr/bin/last"), "size",
				 NULL, 0, &err), 0);
	st = stz_add_stanza(doc, "/new file", &err);
	assert_non_null(st);
	assert_int_equal(stz_set(doc, st, "mode", mode, 2, &err), 0);
	assert_text(doc, want);
	assert_int_equal(stz_count(doc), 4);
	assert_null(stz_add_stanza(doc, "/usr/bin/ls", &err));
	assert_string_equal(err.msg, "s.cfg: stanza \"/usr/bin/ls\" exists");
	/* the model answers like the text */
	assert_string_equal(stz_attr(stz_find(doc, "/usr/bin/ls"),
				     "links")->items[1], "/x y");
	assert_string_equal(stz_next(stz_find(doc, "/usr/bin/cat"))->name,
			    "/usr/bin/last");
	stz_free(doc);
}

static void
test_values_read_back(void **state)
{
	static const char *const odd[] = { "", "two words", "quote\"d",
		"back\\slash", "new\nline\ttab\rcr", "a,b", "#hash", "é",
		"=", "*" };
	static const char *const names[] = { "#not a comment", "*star",
		"\"quoted\"", "a,b", "plain" };
	struct tp_err err;
	struct stz_doc *doc = stz_parse("v.cfg", "", 0, &err), *again;
	struct stz_stanza *st;
	size_t len, i;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		st = stz_add_stanza(doc, names[i], &err);
		assert_non_null(st);
		assert_int_equal(stz_set(doc, st, "v", odd,
					 sizeof(odd) / sizeof(odd[0]), &err), 0);
	}
	text = stz_text(doc, &len);
	again = stz_parse("v.cfg", text, len, &err);
	if (again == NULL)
		print_error("%s\n%s\n", err.msg, text);
	assert_non_null(again);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct stz_attr *a;

		st = stz_find(again, names[i]);
		assert_non_null(st);
		a = stz_attr(st, "v");
		assert_int_equal(a->nitems, sizeof(odd) / sizeof(odd[0]));
		for (size_t j = 0; j < a->nitems; j++)
			assert_string_equal(a->items[j], odd[j]);
	}
	free(text);
	stz_free(again);

	st = stz_first(doc);
	assert_int_equal(stz_set1(doc, st, "v", "esc\x1b[2J", &err), -1);
	assert_string_equal(err.msg, "v.cfg: cannot write control character "
			    "0x1b");
	assert_int_equal(stz_set1(doc, st, "v", "csi\xc2\x9b" "2J", &err), -1);
	assert_string_equal(err.msg, "v.cfg: cannot write control character "
			    "U+009B");
	assert_int_equal(stz_set1(doc, st, "v", "\xff", &err), -1);
	assert_string_equal(err.msg, "v.cfg: cannot write invalid UTF-8");
	{
		/* a line the reader would refuse is never written */
		char *big = malloc(STZ_MAX_LINE + 1);

		memset(big, 'x', STZ_MAX_LINE);
		big[STZ_MAX_LINE] = '\0';
		assert_int_equal(stz_set1(doc, st, "v", big, &err), -1);
		assert_string_equal(err.msg, "v.cfg: cannot write a line longer "
				    "than 8192 bytes");
		assert_null(stz_add_stanza(doc, big, &err));
		big[STZ_MAX_LINE - 16] = '\0';
		assert_int_equal(stz_set1(doc, st, "v", big, &err), 0);
		free(big);
	}
	assert_int_equal(stz_set_version(doc, "a b", 1, &err), -1);
	assert_int_equal(stz_set_version(doc, "db\nevil:", 1, &err), -1);
	assert_int_equal(stz_set_version(doc, "v.cfg", 3, &err), 0);
	assert_int_equal(stz_version(doc, "v.cfg"), 3);
	assert_int_equal(stz_set_version(doc, "v.cfg", 4, &err), 0);
	assert_int_equal(stz_version(doc, "v.cfg"), 4);
	assert_int_equal(stz_version(doc, "other"), 0);
	assert_int_equal(stz_set1(doc, st, "bad-name", "x", &err), -1);
	assert_string_equal(err.msg, "v.cfg: invalid attribute name "
			    "\"bad-name\"");
	assert_null(stz_add_stanza(doc, "", &err));
	assert_string_equal(err.msg, "v.cfg: empty stanza name");
	assert_null(stz_add_stanza(doc, "a\nb", &err));
	assert_string_equal(err.msg, "v.cfg: control character in stanza name");
	assert_null(stz_add_stanza(doc, "a\tb", &err));
	assert_string_equal(err.msg, "v.cfg: control character in stanza name");
	/* a value the writer added has no line: the message says so */
	assert_int_equal(stz_set1(doc, st, "flag", "maybe", &err), 0);
	{
		bool b;

		assert_int_equal(stz_get_bool(doc, stz_attr(st, "flag"), &b,
					      &err), -1);
		assert_string_equal(err.msg, "v.cfg: flag: expected true, "
				    "false, yes, no, always or never");
	}
	stz_free(doc);
}

/* Many adds and deletes: lookups stay right across table growth. */
static void
test_many_adds_and_deletes(void **state)
{
	struct tp_err err;
	struct stz_doc *doc = stz_parse("m.cfg", "", 0, &err);
	char name[32];
	size_t len;
	char *text;

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(name, sizeof(name), "/s/%d", i);
			if (stz_find(doc, name) == NULL)
				assert_non_null(stz_add_stanza(doc, name, &err));
		}
		for (int i = round; i < 5000; i += 2) {
			snprintf(name, sizeof(name), "/s/%d", i);
			stz_delete_stanza(doc, stz_find(doc, name));
		}
		for (int i = 0; i < 5000; i++) {
			struct stz_stanza *st;

			snprintf(name, sizeof(name), "/s/%d", i);
			st = stz_find(doc, name);
			if ((i - round) % 2 == 0 && i >= round) {
				assert_null(st);
			} else {
				assert_non_null(st);
				assert_string_equal(st->name, name);
			}
		}
		assert_int_equal(stz_count(doc), 2500 + (round == 2));
	}
	text = stz_text(doc, &len);
	stz_free(doc);
	doc = stz_parse("m.cfg", text, len, &err);
	assert_non_null(doc);
	assert_int_equal(stz_count(doc), 2501);
	free(text);
	stz_free(doc);
}

static const char *
path_in(char *buf, const char *name)
{
	snprintf(buf, 256, "%s/%s", dir, name);
	return buf;
}

static int
count_entries(void)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void
test_commit(void **state)
{
	char fbuf[256], tbuf[256];
	const char *f = path_in(fbuf, "db.cfg");
	struct tp_err err;
	struct stz_doc *doc;
	struct stz_stanza *st;
	struct stat sb;
	int fd;

	(void)state;
	/* a missing file is an error, unless STZ_CREATE */
	assert_null(stz_load(f, STZ_SAFE, &err));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	doc = stz_load(f, STZ_SAFE | STZ_LOCK | STZ_CREATE, &err);
	assert_non_null(doc);
	st = stz_add_stanza(doc, "one", &err);
	assert_int_equal(stz_set1(doc, st, "a", "1", &err), 0);
	/* a stale temporary file of a killed writer is removed */
	fd = open(path_in(tbuf, ".db.cfg.tmp.99999"), O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stz_commit(doc, &err), 0);
	stz_free(doc);
	assert_int_equal(count_entries(), 1);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);

	/* mode is kept across commits; the old content is read back */
	assert_int_equal(chmod(f, 0600), 0);
	doc = stz_load(f, STZ_SAFE | STZ_LOCK, &err);
	assert_non_null(doc);
	assert_non_null(stz_find(doc, "one"));
	st = stz_add_stanza(doc, "two", &err);
	assert_int_equal(stz_set1(doc, st, "b", "2", &err), 0);
	assert_int_equal(stz_commit(doc, &err), 0);
	/* a document stays usable after a commit */
	assert_int_equal(stz_set1(doc, st, "b", "3", &err), 0);
	assert_int_equal(stz_commit(doc, &err), 0);
	stz_free(doc);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	doc = stz_load(f, STZ_SAFE, &err);
	assert_non_null(doc);
	assert_string_equal(stz_attr(stz_find(doc, "two"), "b")->items[0], "3");
	assert_int_equal(stz_commit(doc, &err), -1);
	assert_non_null(strstr(err.msg, "not loaded for writing"));
	stz_free(doc);
	assert_int_equal(count_entries(), 1);
	unlink(f);
}

static void
test_lock_held(void **state)
{
	char fbuf[256];
	const char *f = path_in(fbuf, "lock.cfg");
	struct tp_err err;
	struct stz_doc *doc;
	int dfd;

	(void)state;
	doc = stz_load(f, STZ_LOCK | STZ_CREATE, &err);
	assert_non_null(doc);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(flock(dfd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	stz_free(doc);
	assert_int_equal(flock(dfd, LOCK_EX | LOCK_NB), 0);
	close(dfd);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tpath-unit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edits_keep_other_bytes),
		cmocka_unit_test(test_values_read_back),
		cmocka_unit_test(test_many_adds_and_deletes),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_lock_held),
	};

	return cmocka_run_group_tests_name("stanza writer", tests, setup,
					   teardown);
}
