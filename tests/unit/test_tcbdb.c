/* test_tcbdb.c - the sysck.cfg model: attributes, errors, lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "files.h"
#include "ids.h"
#include "tmpdir.h"
#include "tcbdb.h"

static char dir[64];

static void
write_db(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sysck.cfg", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_attributes(void **state)
{
	struct tcb_db db;
	struct tcb_entry *e;
	struct tp_err err;
	char buf[32];

	(void)state;
	write_db("* tpath sysck.cfg version 1\n"
		 "default:\n"
		 "\towner = root\n"
		 "\n"
		 "/usr/bin/passwd:\n"
		 "\ttype = FILE\n"
		 "\tgroup = 0\n"
		 "\tmode = TCB,SUID,rwxr-xr-x\n"
		 "\tclass = admin,apply\n"
		 "\tlinks = /usr/bin/chpasswd\n"
		 "\tsymlinks = /bin/passwd\n"
		 "\tsize = 59976\n"
		 "\thash = sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\n"
		 "\tacl = u::rwx,g::r-x,o::r-x\n"
		 "\tprogram = /usr/sbin/pwck,-q\n"
		 "\tsource =\n"
		 "\n"
		 "/var/log/x:\n"
		 "\tsize = VOLATILE\n"
		 "\towner = 4242\n"
		 "\n"
		 "/usr/bin/vi:\n"
		 "\ttype = SYMLINK\n"
		 "\ttarget = /etc/alternatives/vi\n");
	assert_int_equal(tcb_db_load(&db, dir, 0, &err), 0);
	e = tcb_db_find(&db, "/usr/bin/passwd");
	assert_non_null(e);
	assert_int_equal(e->lineno, 5);
	assert_int_equal(e->type, TCB_FILE);
	assert_int_equal(e->owner, 0);	/* from default: */
	assert_int_equal(e->group, 0);
	assert_int_equal(e->mode, STZ_MODE_TCB | S_ISUID | 0755);
	assert_true(tcb_entry_in_class(e, "apply"));
	assert_false(tcb_entry_in_class(e, "app"));
	assert_int_equal(e->nlinks, 1);
	assert_string_equal(e->symlinks[0], "/bin/passwd");
	assert_int_equal(e->size, 59976);
	assert_int_equal(e->hash.alg, TP_HASH_SHA256);
	assert_int_equal(e->hash.md[0], 0xe3);
	assert_string_equal(e->acl, "u::rwx,g::r-x,o::r-x");
	assert_int_equal(e->nprogram, 2);
	assert_string_equal(e->source, "");
	assert_true(e->have & TCB_HAS_SOURCE);
	e = tcb_db_find(&db, "/var/log/x");
	assert_true(e->size_volatile);
	assert_int_equal(e->owner, 4242);
	assert_false(e->have & TCB_HAS_HASH);
	e = tcb_db_find(&db, "/usr/bin/vi");
	assert_string_equal(e->target, "/etc/alternatives/vi");
	/* default: is not an entry; iteration is in file order */
	assert_null(tcb_db_find(&db, "default"));
	e = tcb_db_next(&db, NULL);
	assert_string_equal(e->path, "/usr/bin/passwd");
	e = tcb_db_next(&db, tcb_db_next(&db, e));
	assert_string_equal(e->path, "/usr/bin/vi");
	assert_null(tcb_db_next(&db, e));
	tcb_db_free(&db);
	assert_string_equal(tcb_user_name(0, buf), "root");
	assert_string_equal(tcb_user_name(4242, buf), "4242");
	assert_string_equal(tcb_type_name(TCB_CHAR_DEV), "CHAR_DEV");
}

static const struct {
	const char *text;
	const char *msg;	/* after "DIR/sysck.cfg" */
} bad[] = {
	{ "/x:\n\tcolour = red\n", ":2: unknown attribute \"colour\" in "
	  "stanza \"/x\"" },
	{ "default:\n\tcolour = red\n", ":2: unknown attribute \"colour\" in "
	  "stanza \"default\"" },
	{ "x:\n\towner = root\n", ":1: stanza \"x\": expected an absolute "
	  "path" },
	{ "/x:\n\ttype = PIPE\n", ":2: type: expected FILE, DIRECTORY, FIFO, "
	  "SYMLINK, BLK_DEV or CHAR_DEV" },
	{ "/x:\n\towner = nosuchuser-tpath\n", ":2: owner: no user "
	  "\"nosuchuser-tpath\"" },
	{ "/x:\n\tgroup = nosuchgroup-tpath\n", ":2: group: no group "
	  "\"nosuchgroup-tpath\"" },
	{ "/x:\n\towner = root,bin\n", ":2: owner: expected a single value, "
	  "not a list" },
	{ "/x:\n\tmode = TCB\n", ":2: mode: permissions missing (they come "
	  "last, like TCB,755)" },
	{ "/x:\n\tsize = big\n", ":2: size: expected a size in bytes or "
	  "VOLATILE" },
	{ "/x:\n\thash = md5:abc\n", ":2: hash: expected sha256: or sha512: "
	  "followed by hex digits" },
	{ "/x:\n\tlinks = /a,b\n", ":2: links: expected absolute paths, not "
	  "\"b\"" },
	{ "/x:\n\tsymlinks = rel\n", ":2: symlinks: expected absolute paths, "
	  "not \"rel\"" },
	{ "/x:\n\tacl = u::rwx,bogus\n", ":2: acl: not a valid POSIX ACL" },
	{ "/x:\n\tprogram = check\n", ":2: program: expected the checking "
	  "program's absolute path first" },
	{ "/x:\n\tsource = a,b\n", ":2: source: expected one path or "
	  "nothing" },
	{ "/x:\n\ttarget = /y\n", ":1: stanza \"/x\": target is only for type "
	  "SYMLINK" },
	{ "* tpath sysck.cfg version 2\n", ": format version 2 is newer than "
	  "this program reads (1)" },
};

static void
test_errors(void **state)
{
	struct tcb_db db;
	struct tp_err err;
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_db(bad[i].text);
		snprintf(want, sizeof(want), "%s/sysck.cfg%s", dir, bad[i].msg);
		assert_int_equal(tcb_db_load(&db, dir, 0, &err), -1);
		if (strcmp(err.msg, want) != 0)
			print_error("case %zu\n", i);
		assert_string_equal(err.msg, want);
	}
}

static void
test_canonical(void **state)
{
	struct tcb_db db;
	struct tp_err err;
	char real[128], alias[128], text[512], *c;

	(void)state;
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(alias, sizeof(alias), "%s/alias", dir);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink("real", alias), 0);
	snprintf(text, sizeof(text), "%s/real/tool:\n\tclass = x\n", dir);
	write_db(text);
	assert_int_equal(tcb_db_load(&db, dir, 0, &err), 0);
	/* the directory is resolved, whether or not the file exists */
	snprintf(text, sizeof(text), "%s/tool", alias);
	assert_non_null(tcb_db_find(&db, text));
	/* a final symlink is not: it would be recorded as itself */
	assert_int_equal(symlink("real/tool", strcat(strcpy(text, dir),
						    "/link")), 0);
	assert_null(tcb_db_find(&db, text));
	snprintf(text, sizeof(text), "%s/tool", alias);
	c = tp_path_canonical(text);
	snprintf(text, sizeof(text), "%s/tool", real);
	assert_string_equal(c, text);
	free(c);
	tcb_db_free(&db);
}

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "tpath-db");
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_canonical),
	};

	return cmocka_run_group_tests_name("trusted-file database", tests,
					   setup, teardown);
}
