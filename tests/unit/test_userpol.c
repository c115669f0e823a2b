/* test_userpol.c - the user file's tpath and ttys, and the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "userpol.h"

static char dir[64];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static enum tp_tpath
tpath_of(const char *user)
{
	struct user_pol up;
	struct stz_doc *doc;
	struct tp_err err;

	assert_int_equal(user_pol_load(dir, user, &up, &doc, &err), 0);
	stz_free(doc);
	return up.tpath;
}

static void
test_user_then_default_then_nosak(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/user", dir);
	unlink(path);
	assert_int_equal(tpath_of("alice"), TP_TPATH_NOSAK);	/* no file */
	write_file("user", "alice:\n\ttpath = on\n\nbob:\n\tttys = ALL\n");
	assert_int_equal(tpath_of("alice"), TP_TPATH_ON);
	assert_int_equal(tpath_of("bob"), TP_TPATH_NOSAK);	/* AIX's */
	write_file("user", "default:\n\ttpath = notsh\n\n"
		   "root:\n\ttpath = always\n\tttys = /dev/tty1, !/dev/ttyS0\n");
	assert_int_equal(tpath_of("carol"), TP_TPATH_NOTSH);
	assert_int_equal(tpath_of("root"), TP_TPATH_ALWAYS);
	assert_string_equal(tp_tpath_name(TP_TPATH_ALWAYS), "always");
}

/* The example make install puts in place reads as it says. */
static void
test_shipped_example(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -f %s/user && cp conf/user %s/user",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tpath_of("root"), TP_TPATH_ON);
	assert_int_equal(tpath_of("alice"), TP_TPATH_NOSAK);
}

static void
test_malformed_fails_closed(void **state)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "alice:\n\ttpath = yes\n",
		  "user:2: tpath: expected on, nosak, notsh or always" },
		{ "alice:\n\tttys = tty1\n", "user:2: ttys: \"tty1\": expected "
		  "ALL, * or a device path, each maybe after !" },
		{ "alice:\n\tttys =\n", "user:2: ttys: expected ALL, * or "
		  "device paths" },
		{ "alice:\n\tsak = on\n", "user:2: unknown attribute" },
		/* a bad default: is refused even for a user who overrides it */
		{ "default:\n\ttpath = maybe\n\nalice:\n\ttpath = on\n",
		  "user:2: tpath: expected" },
	};
	struct user_pol up;
	struct stz_doc *doc;
	struct tp_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file("user", bad[i].text);
		assert_int_equal(user_pol_load(dir, "alice", &up, &doc, &err),
				 -1);
		assert_null(doc);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("%zu: \"%s\" lacks \"%s\"", i, err.msg,
				 bad[i].msg);
	}
	write_file("user", "alice:\n\ttpath = on\n");
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/user", dir);
		chmod(path, 0664);	/* group-writable: not believed */
		assert_int_equal(user_pol_load(dir, "alice", &up, &doc, &err),
				 -1);
		chmod(path, 0644);
	}
}

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "tpath-user");
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
		cmocka_unit_test(test_user_then_default_then_nosak),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_malformed_fails_closed),
	};

	return cmocka_run_group_tests_name("user policy",
					   tests, setup, teardown);
}
