/* test_stanza.c - the stanza reader: structure, limits and every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stanza.h"

static struct stz_doc *
parse(const char *text, struct tp_err *err)
{
	return stz_parse("t.cfg", text, strlen(text), err);
}

static void
test_structure(void **state)
{
	static const char text[] =
	    "* header comment\n"
	    "default:\n"
	    "\tsak_enabled = false\n"
	    "\tlogindelay = 2\n"
	    "\n"
	    "/dev/tty1:\n"
	    "\t# a comment inside\n"
	    "\tsak_enabled = true\n"
	    "\therald = \"Authorized use only.\\n\\tlogin: \"\n"
	    "\tsynonym = /dev/console, \"/dev/tty 9\",/dev/tty0\n"
	    "\tempty =\n"
	    "\"/dev/with space\":\n"
	    "    mode=TCB,rwxr-xr-x   \n"
	    "    owner = \"J\xc3\xb8rgen \xe2\x82\xac \xf0\x9f\x94\x92\"\n";
	struct tp_err err;
	struct stz_doc *doc = parse(text, &err);
	struct stz_stanza *st;
	struct stz_attr *a;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(stz_count(doc), 3);
	st = stz_first(doc);
	assert_string_equal(st->name, "default");
	assert_int_equal(st->lineno, 2);
	st = stz_next(st);
	assert_string_equal(st->name, "/dev/tty1");
	a = stz_attr(st, "herald");
	assert_non_null(a);
	assert_int_equal(a->nitems, 1);
	assert_string_equal(a->items[0], "Authorized use only.\n\tlogin: ");
	assert_int_equal(a->lineno, 9);
	a = stz_attr(st, "synonym");
	assert_int_equal(a->nitems, 3);
	assert_string_equal(a->items[0], "/dev/console");
	assert_string_equal(a->items[1], "/dev/tty 9");
	assert_string_equal(a->items[2], "/dev/tty0");
	assert_int_equal(stz_attr(st, "empty")->nitems, 0);
	/* own value first, then default:, then nothing */
	assert_string_equal(stz_lookup(doc, st, "sak_enabled")->items[0], "true");
	assert_string_equal(stz_lookup(doc, st, "logindelay")->items[0], "2");
	assert_null(stz_lookup(doc, st, "nosuch"));
	assert_null(stz_attr(st, "logindelay"));
	st = stz_find(doc, "/dev/with space");
	assert_non_null(st);
	assert_ptr_equal(stz_next(st), NULL);
	assert_string_equal(stz_attr(st, "mode")->items[1], "rwxr-xr-x");
	assert_string_equal(stz_attr(st, "owner")->items[0],
			    "J\xc3\xb8rgen \xe2\x82\xac \xf0\x9f\x94\x92");
	assert_null(stz_find(doc, "/dev/tty2"));
	stz_free(doc);
}

static void
test_roundtrip_bytes(void **state)
{
	static const char text[] =
	    "# no trailing newline, odd spacing, comments everywhere\n"
	    "a:   \n"
	    "  x   =    1 ,2\n"
	    "\t* inside\n"
	    "\n\n\n"
	    "b:\n"
	    "\ty = \"q\\\"\"";
	struct tp_err err;
	struct stz_doc *doc = parse(text, &err);
	size_t len;
	char *out;

	(void)state;
	assert_non_null(doc);
	out = stz_text(doc, &len);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(out, text, len);
	free(out);
	/* the bytes as read stay so after an edit: not the text written */
	assert_int_equal(stz_set1(doc, stz_find(doc, "b"), "y", "2", &err), 0);
	out = stz_text(doc, &len);
	assert_true(len != strlen(text) || memcmp(out, text, len) != 0);
	free(out);
	assert_memory_equal(stz_read_text(doc, &len), text, strlen(text));
	assert_int_equal(len, strlen(text));
	stz_free(doc);
}

static void
test_empty_and_comments_only(void **state)
{
	struct tp_err err;
	struct stz_doc *doc;

	(void)state;
	doc = stz_parse("t.cfg", "", 0, &err);
	assert_non_null(doc);
	assert_int_equal(stz_count(doc), 0);
	assert_null(stz_first(doc));
	assert_null(stz_lookup(doc, NULL, "x"));
	stz_free(doc);
	doc = parse("* only\n# comments\n\n", &err);
	assert_non_null(doc);
	assert_int_equal(stz_count(doc), 0);
	stz_free(doc);
}

/* Each malformed input and the exact message it must produce. */
static const struct {
	const char *text;
	size_t len;	/* 0: strlen(text) */
	const char *msg;
} bad[] = {
	{ "  attr = x\n", 0, "t.cfg:1: attribute outside a stanza" },
	{ "s:\nattr = x\n", 0, "t.cfg:2: expected \"name:\" to start a stanza "
	  "(attribute lines are indented)" },
	{ "s\n", 0, "t.cfg:1: expected \"name:\" to start a stanza (attribute "
	  "lines are indented)" },
	{ "s: x\n", 0, "t.cfg:1: expected \"name:\" to start a stanza "
	  "(attribute lines are indented)" },
	{ "s:\n\t= x\n", 0, "t.cfg:2: expected an attribute name" },
	{ "s:\n\t1abc = x\n", 0, "t.cfg:2: invalid attribute name \"1abc\"" },
	{ "s:\n\ta-b = x\n", 0, "t.cfg:2: invalid attribute name \"a-b\"" },
	{ "s:\n\tattr x\n", 0, "t.cfg:2: expected \"=\" after \"attr\"" },
	{ "s:\n\tattr\n", 0, "t.cfg:2: expected \"=\" after \"attr\"" },
	{ "s:\n\ta = \"abc\n", 0, "t.cfg:2: unterminated quoted string" },
	{ "s:\n\ta = \"abc\\\n", 0, "t.cfg:2: unterminated quoted string" },
	{ "s:\n\ta = \"a\\qb\"\n", 0, "t.cfg:2: unknown escape \"\\q\" in "
	  "quoted string" },
	{ "s:\n\ta = \"\\033[2J\"\n", 0, "t.cfg:2: unknown escape \"\\0\" in "
	  "quoted string" },
	{ "s:\n\ta = x y\n", 0, "t.cfg:2: expected \",\" or end of line after "
	  "value (quote values that contain spaces)" },
	{ "s:\n\ta = \"x\"y\n", 0, "t.cfg:2: expected \",\" or end of line "
	  "after value (quote values that contain spaces)" },
	{ "s:\n\ta = x,,y\n", 0, "t.cfg:2: empty list item" },
	{ "s:\n\ta = x,\n", 0, "t.cfg:2: empty list item" },
	{ "s:\n\ta = ,x\n", 0, "t.cfg:2: empty list item" },
	{ "s:\n\ta = x\"y\n", 0, "t.cfg:2: unexpected quote in unquoted value" },
	{ "s:\n\ta = x\\y\n", 0, "t.cfg:2: unexpected backslash outside "
	  "quotes" },
	{ "s:\n\ta = 1\n\tb = 2\n\ta = 3\n", 0, "t.cfg:4: duplicate attribute "
	  "\"a\" (first at line 2)" },
	{ "s:\n\ta = 1\n\ns:\n\tb = 2\n", 0, "t.cfg:4: duplicate stanza \"s\" "
	  "(first at line 1)" },
	{ "default:\n\na:\n\ndefault:\n", 0, "t.cfg:5: duplicate stanza "
	  "\"default\" (first at line 1)" },
	{ "s:\n\ta = 1\n\n\tb = 2\n", 0, "t.cfg:4: attribute outside a stanza" },
	{ ":\n", 0, "t.cfg:1: empty stanza name" },
	{ "\"\":\n", 0, "t.cfg:1: empty stanza name" },
	{ "a b:\n", 0, "t.cfg:1: invalid character in stanza name (quote names "
	  "that contain spaces or quotes)" },
	{ "a\"b:\n", 0, "t.cfg:1: invalid character in stanza name (quote "
	  "names that contain spaces or quotes)" },
	{ "\"s:\n", 0, "t.cfg:1: unterminated quoted string" },
	{ "\"s\" x:\n", 0, "t.cfg:1: expected \":\" after quoted stanza name" },
	{ "\"s\": x\n", 0, "t.cfg:1: unexpected text after stanza name" },
	{ "\"a\\nb\":\n", 0, "t.cfg:1: control character in stanza name" },
	{ "s:\n\ta = x\0y\n", 12, "t.cfg:2: NUL byte" },
	{ "s:\r\n", 0, "t.cfg:1: carriage return (DOS line endings are not "
	  "allowed)" },
	{ "s:\n\ta = \"x\x1b[2Jy\"\n", 0, "t.cfg:2: control character 0x1b" },
	{ "# \x07 bell in a comment\n", 0, "t.cfg:1: control character 0x07" },
	{ "s:\n\ta = x\x7f\n", 0, "t.cfg:2: control character 0x7f" },
	{ "a:\n\n\n\nb:\n\tc = \"x\n", 0, "t.cfg:6: unterminated quoted "
	  "string" },
	{ "s:\n\ta = \"\xc2\x9b" "2J\"\n", 0, "t.cfg:2: control character "
	  "U+009B" },
	{ "s:\n\ta = \xc2\x85\n", 0, "t.cfg:2: control character U+0085" },
	{ "s:\n\ta = \x9b" "2J\n", 0, "t.cfg:2: invalid UTF-8" },
	{ "s:\n\ta = \xff\n", 0, "t.cfg:2: invalid UTF-8" },
	{ "s:\n\ta = \xc0\xaf\n", 0, "t.cfg:2: invalid UTF-8" },
	{ "s:\n\ta = \xed\xa0\x80\n", 0, "t.cfg:2: invalid UTF-8" },
	{ "s:\n\ta = \xe2\x82\n", 0, "t.cfg:2: invalid UTF-8" },
	{ "s:\n\ta = \"\\\xc3\xa9\"\n", 0, "t.cfg:2: unknown escape in "
	  "quoted string (backslash before byte 0xc3)" },
};

static void
test_malformed_table(void **state)
{
	size_t i;

	(void)state;
	assert_true(sizeof(bad) / sizeof(bad[0]) >= 25);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		struct tp_err err = { "" };
		struct stz_doc *doc = stz_parse("t.cfg", bad[i].text, len, &err);

		if (doc != NULL || strcmp(err.msg, bad[i].msg) != 0)
			print_error("case %zu: got \"%s\"\n", i,
				    doc ? "(parsed)" : err.msg);
		assert_null(doc);
		assert_string_equal(err.msg, bad[i].msg);
	}
}

static void
test_line_length_limit(void **state)
{
	char *text = malloc(STZ_MAX_LINE + 16);
	struct tp_err err;
	struct stz_doc *doc;
	size_t n;

	(void)state;
	/* exactly STZ_MAX_LINE bytes is fine ... */
	n = (size_t)sprintf(text, "s:\n\ta = ");
	memset(text + n, 'x', STZ_MAX_LINE - 5);
	n += STZ_MAX_LINE - 5;
	text[n++] = '\n';
	doc = stz_parse("t.cfg", text, n, &err);
	assert_non_null(doc);
	assert_int_equal(strlen(stz_attr(stz_first(doc), "a")->items[0]),
			 STZ_MAX_LINE - 5);
	stz_free(doc);
	/* ... one more is an error, not a crash */
	n = (size_t)sprintf(text, "s:\n\ta = ");
	memset(text + n, 'x', STZ_MAX_LINE - 4);
	n += STZ_MAX_LINE - 4;
	doc = stz_parse("t.cfg", text, n, &err);
	assert_null(doc);
	assert_string_equal(err.msg, "t.cfg:2: line longer than 8192 bytes");
	free(text);
}

static void
test_stanza_count_limit(void **state)
{
	size_t max = (size_t)STZ_MAX_STANZAS + 1, n = 0;
	char *text = malloc(max * 10);
	struct tp_err err;
	struct stz_doc *doc;

	(void)state;
	for (size_t i = 0; i < STZ_MAX_STANZAS; i++)
		n += (size_t)sprintf(text + n, "%zx:\n", i);
	doc = stz_parse("t.cfg", text, n, &err);
	assert_non_null(doc);
	assert_int_equal(stz_count(doc), STZ_MAX_STANZAS);
	assert_non_null(stz_find(doc, "f423f"));
	stz_free(doc);
	n += (size_t)sprintf(text + n, "one-more:\n");
	doc = stz_parse("t.cfg", text, n, &err);
	assert_null(doc);
	assert_string_equal(err.msg, "t.cfg:1000001: more than 1000000 stanzas");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_roundtrip_bytes),
		cmocka_unit_test(test_empty_and_comments_only),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_stanza_count_limit),
	};

	return cmocka_run_group_tests_name("stanza reader", tests, NULL, NULL);
}
