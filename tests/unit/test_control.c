/* test_control.c - the trusted shell's audit messages to tgetty: what tsh
 * sends parses back to the same event, and nothing else parses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control.h"

static ssize_t
encode(char *buf, size_t size, enum tp_event ev, int ok, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, ok);
	n = tp_control_audit_encode(buf, size, ev, ok, ap);
	va_end(ap);
	return n;
}

static int
parse(const char *s, size_t n)
{
	struct tp_control_audit a;

	return tp_control_audit_parse(s, n, &a);
}

#define PARSE(lit) parse(lit, sizeof(lit) - 1)

static void
test_what_tsh_sends_parses_back(void **state)
{
	static const char want[] = "audit\0tsh-refuse\0failed\0cmd\0/bin/x y"
				   "\0reason\0integrity\0what\0a=b \"c\"";
	struct tp_control_audit a;
	char buf[TP_CONTROL_MAX];
	ssize_t n;

	(void)state;
	n = encode(buf, sizeof(buf), TP_EV_CMD_REFUSED, false, "cmd",
		   "/bin/x y", "reason", "integrity", "what", "a=b \"c\"",
		   NULL);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tp_control_audit_parse(buf, (size_t)n, &a), 0);
	assert_int_equal(a.ev, TP_EV_CMD_REFUSED);
	assert_false(a.success);
	assert_string_equal(a.key[0], "cmd");
	assert_string_equal(a.value[0], "/bin/x y");
	assert_string_equal(a.key[2], "what");
	assert_string_equal(a.value[2], "a=b \"c\"");
	assert_null(a.key[3]);

	n = encode(buf, sizeof(buf), TP_EV_CMD, true, NULL);
	assert_int_equal(tp_control_audit_parse(buf, (size_t)n, &a), 0);
	assert_int_equal(a.ev, TP_EV_CMD);
	assert_true(a.success);
	assert_null(a.key[0]);
}

static void
test_tsh_sends_only_its_own(void **state)
{
	char buf[TP_CONTROL_MAX], big[TP_CONTROL_VALUE + 2];

	(void)state;
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(encode(buf, sizeof(buf), TP_EV_LOGIN, true, NULL), -1);
	assert_int_equal(encode(buf, sizeof(buf), TP_EV_CMD_REFUSED, true,
				NULL), -1);
	assert_int_equal(encode(buf, sizeof(buf), TP_EV_CMD, true, "acct",
				"root", NULL), -1);
	assert_int_equal(encode(buf, sizeof(buf), TP_EV_CMD, true, "cmd", "a",
				"cmd", "b", NULL), -1);
	assert_int_equal(encode(buf, sizeof(buf), TP_EV_CMD, true, "reason",
				"x", NULL), -1);
	assert_int_equal(encode(buf, sizeof(buf), TP_EV_CMD, true, "cmd", big,
				NULL), -1);
	big[TP_CONTROL_VALUE] = '\0';		/* the longest value */
	assert_true(encode(buf, sizeof(buf), TP_EV_CMD, true, "cmd", big,
			   NULL) > 0);
	assert_int_equal(encode(buf, 20, TP_EV_CMD, true, "cmd", "/bin/ls",
				NULL), -1);
}

static void
test_nothing_else_parses(void **state)
{
	char buf[TP_CONTROL_MAX + 16];
	size_t n;

	(void)state;
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0cmd\0/x\0"), 0);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0"), 0);
	assert_int_equal(PARSE(""), -1);
	assert_int_equal(PARSE("shell\n"), -1);
	assert_int_equal(PARSE("audit\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success"), -1);
	assert_int_equal(PARSE("audit\0login\0success\0"), -1);
	assert_int_equal(PARSE("audit\0tsh\0success\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-refuse\0success\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0ok\0"), -1);
	assert_int_equal(PARSE("Audit\0tsh-exec\0success\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0cmd\0/x"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0cmd\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0cmd\0/x\0cmd\0/y\0"),
			 -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0acct\0root\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0res\0failed\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0terminal\0x\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0reason\0x\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0\0\0"), -1);
	assert_int_equal(PARSE("audit\0tsh-exec\0success\0cmd\0/x\0\0"), -1);
	/* a value of the longest length, and one byte more */
	n = (size_t)snprintf(buf, sizeof(buf), "audit%ctsh-exec%csuccess%ccmd",
			     0, 0, 0) + 1;
	memset(buf + n, 'A', TP_CONTROL_VALUE);
	buf[n + TP_CONTROL_VALUE] = '\0';
	assert_int_equal(parse(buf, n + TP_CONTROL_VALUE + 1), 0);
	buf[n + TP_CONTROL_VALUE] = 'A';
	buf[n + TP_CONTROL_VALUE + 1] = '\0';
	assert_int_equal(parse(buf, n + TP_CONTROL_VALUE + 2), -1);
	/* a packet longer than any tsh sends, whatever it holds */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "audit\0tsh-exec\0success\0", 23);
	assert_int_equal(parse(buf, TP_CONTROL_MAX + 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_what_tsh_sends_parses_back),
		cmocka_unit_test(test_tsh_sends_only_its_own),
		cmocka_unit_test(test_nothing_else_parses),
	};

	return cmocka_run_group_tests_name("tsh's control messages", tests,
					   NULL, NULL);
}
