/* test_stanza_value.c - typed accessors: booleans, numbers, modes, known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "stanza.h"

static void
test_bool_words(void **state)
{
	static const char *const t[] = { "true", "YES", "Always", "yes" };
	static const char *const f[] = { "false", "No", "NEVER", "no" };
	static const char *const bad[] = { "", "1", "0", "on", "y", "truex",
					   " true" };
	bool b;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		b = false;
		assert_int_equal(stz_parse_bool(t[i], &b), 0);
		assert_true(b);
		assert_int_equal(stz_parse_bool(f[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(stz_parse_bool(bad[i], &b), -1);
}

static void
test_uint_bounds(void **state)
{
	unsigned long long v = 0;

	(void)state;
	assert_int_equal(stz_parse_uint("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(stz_parse_uint("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(stz_parse_uint("18446744073709551615", 0,
					 UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(stz_parse_uint("18446744073709551616", 0,
					 UINT64_MAX, &v), -1);
	assert_int_equal(stz_parse_uint("11", 0, 10, &v), -1);
	assert_int_equal(stz_parse_uint("4", 5, 10, &v), -1);
	assert_int_equal(stz_parse_uint("-1", 0, 10, &v), -1);
	assert_int_equal(stz_parse_uint("+1", 0, 10, &v), -1);
	assert_int_equal(stz_parse_uint(" 1", 0, 10, &v), -1);
	assert_int_equal(stz_parse_uint("1 ", 0, 10, &v), -1);
	assert_int_equal(stz_parse_uint("0x1", 0, 10, &v), -1);
	assert_int_equal(stz_parse_uint("", 0, 10, &v), -1);
}

static int
mode_of(const char *list, unsigned long *m, const char **why)
{
	char buf[128], *items[8], *save = NULL;
	size_t n = 0;

	strcpy(buf, list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",",
								 &save))
		items[n++] = t;
	return stz_parse_mode(items, n, m, why);
}

static void
test_modes(void **state)
{
	static const struct {
		const char *in;
		unsigned long want;
	} good[] = {
		{ "755", 0755 },
		{ "0755", 0755 },
		{ "4755", 04755 },
		{ "7777", 07777 },
		{ "0", 0 },
		{ "rwxr-xr-x", 0755 },
		{ "---------", 0 },
		{ "rwsr-sr-t", 07755 },
		{ "rwSr-Sr-T", 07644 },
		{ "TCB,555", STZ_MODE_TCB | 0555 },
		{ "TCB,SUID,rwxr-x---", STZ_MODE_TCB | S_ISUID | 0750 },
		{ "tcb,sgid,svtx,700", STZ_MODE_TCB | S_ISGID | S_ISVTX | 0700 },
	};
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{ "TCB", "permissions missing (they come last, like TCB,755)" },
		{ "TCB,SUID", "permissions missing (they come last, like "
		  "TCB,755)" },
		{ "FOO,755", "unknown flag (expected TCB, SUID, SGID or SVTX "
		  "before the permissions)" },
		{ "755,TCB", "unknown flag (expected TCB, SUID, SGID or SVTX "
		  "before the permissions)" },
		{ "TCB,TCB,755", "flag given twice" },
		{ "789", "bad permissions (expected octal like 755 or nine "
		  "characters like rwxr-xr-x)" },
		{ "17777", "bad permissions (expected octal like 755 or nine "
		  "characters like rwxr-xr-x)" },
		{ "rwxr-xr-", "bad permissions (expected octal like 755 or nine "
		  "characters like rwxr-xr-x)" },
		{ "rwxrwxrwz", "bad permissions (expected nine characters like "
		  "rwxr-xr-x)" },
		{ "xwrr-xr-x", "bad permissions (expected nine characters like "
		  "rwxr-xr-x)" },
		{ "rwtr-xr-x", "bad permissions (expected nine characters like "
		  "rwxr-xr-x)" },
	};
	unsigned long m;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		why = NULL;
		assert_int_equal(mode_of(good[i].in, &m, &why), 0);
		assert_int_equal(m, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = "";
		assert_int_equal(mode_of(bad[i].in, &m, &why), -1);
		assert_string_equal(why, bad[i].why);
	}
	assert_int_equal(stz_parse_mode(NULL, 0, &m, &why), -1);
}

static void
test_accessor_messages(void **state)
{
	static const char text[] =
	    "default:\n"
	    "\tlogindelay = 3\n"
	    "\n"
	    "/dev/tty9:\n"
	    "\tsak_enabled = maybe\n"
	    "\tlogindelay = 99999\n"
	    "\therald = a,b\n"
	    "\tterm =\n"
	    "\tmode = TCB\n"
	    "\tcolour = blue\n"
	    "\tok = yes\n";
	static const char *const known[] = { "sak_enabled", "logindelay",
		"herald", "term", "mode", "ok", NULL };
	struct tp_err err;
	struct stz_doc *doc = stz_parse("login.cfg", text, strlen(text), &err);
	struct stz_stanza *st;
	const char *s;
	unsigned long long n;
	unsigned long m;
	bool b;

	(void)state;
	assert_non_null(doc);
	st = stz_find(doc, "/dev/tty9");
	assert_int_equal(stz_get_bool(doc, stz_attr(st, "sak_enabled"), &b,
				      &err), -1);
	assert_string_equal(err.msg, "login.cfg:5: sak_enabled: expected true, "
			    "false, yes, no, always or never");
	assert_int_equal(stz_get_uint(doc, stz_attr(st, "logindelay"), 0, 30,
				      &n, &err), -1);
	assert_string_equal(err.msg, "login.cfg:6: logindelay: expected a whole "
			    "number from 0 to 30");
	assert_int_equal(stz_get_uint(doc, stz_lookup(doc,
			 stz_find(doc, "default"), "logindelay"), 0, 30, &n,
			 &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(stz_get_string(doc, stz_attr(st, "herald"), &s, &err),
			 -1);
	assert_string_equal(err.msg, "login.cfg:7: herald: expected a single "
			    "value, not a list");
	assert_int_equal(stz_get_string(doc, stz_attr(st, "term"), &s, &err),
			 -1);
	assert_string_equal(err.msg, "login.cfg:8: term: expected a value");
	assert_int_equal(stz_get_mode(doc, stz_attr(st, "mode"), &m, &err), -1);
	assert_string_equal(err.msg, "login.cfg:9: mode: permissions missing "
			    "(they come last, like TCB,755)");
	assert_int_equal(stz_get_bool(doc, stz_attr(st, "ok"), &b, &err), 0);
	assert_true(b);
	assert_int_equal(stz_check_known(doc, st, known, &err), -1);
	assert_string_equal(err.msg, "login.cfg:10: unknown attribute "
			    "\"colour\" in stanza \"/dev/tty9\"");
	assert_int_equal(stz_check_known(doc, stz_find(doc, "default"), known,
					 &err), 0);
	stz_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool_words),
		cmocka_unit_test(test_uint_bounds),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_accessor_messages),
	};

	return cmocka_run_group_tests_name("stanza values", tests, NULL, NULL);
}
