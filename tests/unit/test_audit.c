/* test_audit.c - record text (quoting, hex, truncation) and the fallbacks. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_int.h"

static int
fmt(char *buf, size_t size, const char *op, ...)
{
	va_list ap;
	int n;

	va_start(ap, op);
	n = tp_audit_vformat(buf, size, op, ap);
	va_end(ap);
	if (n != -1)
		assert_int_equal(strlen(buf), n);
	return n;
}

/* Decode upper-case hex; -1 when s is not even-length hex. */
static int
unhex(const char *s, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = strlen(s);

	if (n % 2 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		const char *hi = strchr(digits, s[i]), *lo = strchr(digits,
								   s[i + 1]);

		if (hi == NULL || lo == NULL || s[i] == '\0' || s[i + 1] == '\0')
			return -1;
		out[i / 2] = (char)((hi - digits) << 4 | (lo - digits));
	}
	out[n / 2] = '\0';
	return 0;
}

static void
test_plain_values_are_quoted(void **state)
{
	char buf[TP_AUDIT_TEXT];

	(void)state;
	assert_int_equal(fmt(buf, sizeof(buf), "tcbck-fix", "path",
			     "/usr/bin/ls", "fix", "owner", "uid", "0", NULL),
			 51);
	assert_string_equal(buf, "op=tcbck-fix path=\"/usr/bin/ls\" "
			    "fix=\"owner\" uid=\"0\"");
	/* looks like hex, but is quoted, so nobody decodes it */
	assert_int_not_equal(fmt(buf, sizeof(buf), "PAM:login", "tty", "ABCD",
				 "empty", "", "unknown", NULL, NULL), -1);
	assert_string_equal(buf, "op=PAM:login tty=\"ABCD\" empty=\"\" "
			    "unknown=?");
	assert_int_not_equal(fmt(buf, sizeof(buf), "sak", NULL), -1);
	assert_string_equal(buf, "op=sak");
}

static void
test_awkward_values_are_hex(void **state)
{
	static const char *const awkward[] = {
		"/tmp/a b", "/tmp/\"x\"", "a=b", "it's", "tab\there",
		"new\nline", "\x7f", "caf\xc3\xa9", "\x01", " ",
		"/tmp/x res=success", "x\" res=\"success",
	};
	char buf[TP_AUDIT_TEXT], hex[TP_AUDIT_TEXT], back[TP_AUDIT_TEXT];

	(void)state;
	for (size_t i = 0; i < sizeof(awkward) / sizeof(awkward[0]); i++) {
		size_t n = (size_t)fmt(buf, sizeof(buf), "t", "path",
				       awkward[i], "k", "v", NULL);

		/* "op=t path=HEX k="v"": three fields, whatever the value */
		assert_true(n > 16);
		assert_true(strncmp(buf, "op=t path=", 10) == 0);
		assert_string_equal(buf + n - 6, " k=\"v\"");
		snprintf(hex, sizeof(hex), "%.*s", (int)(n - 16), buf + 10);
		assert_int_equal(unhex(hex, back), 0);
		assert_string_equal(back, awkward[i]);
	}
}

static void
test_bad_op_or_key(void **state)
{
	static const char *const bad[] = {
		"", "a b", "a=b", "a\"", "a\n", "x'", "caf\xc3\xa9", "a:b", "a.b"
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf[0] = 'x';
		assert_int_equal(fmt(buf, sizeof(buf), "op", bad[i], "v", NULL),
				 -1);
		assert_string_equal(buf, "");
		assert_int_equal(fmt(buf, sizeof(buf), "op", "k", "v", bad[i],
				     "v", NULL), -1);
		if (i < 7)
			assert_int_equal(fmt(buf, sizeof(buf), bad[i], "k",
					     "v", NULL), -1);
	}
	assert_int_equal(fmt(buf, sizeof(buf), NULL, NULL), -1);
	assert_int_equal(fmt(buf, 63, "op", NULL), -1);
	assert_int_equal(fmt(buf, 64, "op", NULL), 5);
}

static void
test_truncation(void **state)
{
	static const char end[] = " truncated=yes";
	char *big = malloc(20000), buf[TP_AUDIT_TEXT], small[64];
	size_t n;
	int len;

	(void)state;
	assert_non_null(big);
	/* a plain value: cut, and its quotes still close */
	memset(big, 'a', 19999);
	big[19999] = '\0';
	len = fmt(buf, sizeof(buf), "t", "path", big, "after", "x", NULL);
	assert_int_equal(len, sizeof(buf) - 1);
	n = strlen(buf) - strlen(end);
	assert_string_equal(buf + n, end);
	assert_int_equal(buf[n - 1], '"');
	assert_null(strstr(buf, "after"));
	/* what is cut off decides nothing: the prefix is plain */
	big[19000] = ' ';
	assert_int_equal(fmt(buf, sizeof(buf), "t", "path", big, NULL), len);
	assert_true(strncmp(buf, "op=t path=\"aaa", 14) == 0);

	/* a hex value: cut at a whole byte */
	memset(big, ' ', 19999);
	len = fmt(buf, sizeof(buf), "t", "k", "v", "path", big, "after", "x",
		  NULL);
	assert_true(len > 0 && (size_t)len < sizeof(buf));
	n = strlen(buf) - strlen(end);
	assert_string_equal(buf + n, end);
	buf[n] = '\0';
	assert_int_equal(strlen(strstr(buf, "path=") + 5) % 2, 0);
	assert_true(strncmp(buf, "op=t k=\"v\" path=2020", 20) == 0);

	/* a key that does not fit is dropped whole, with what follows */
	len = fmt(small, sizeof(small), "t", "a", "0123456789012345678901234"
		  "56789", "longerkey", "x", "b", "y", NULL);
	assert_string_equal(small, "op=t a=\"012345678901234567890123456789\" "
			    "truncated=yes");
	assert_int_equal(len, 53);
	/* an op that does not fit is refused */
	memset(big, 'o', 100);
	big[100] = '\0';
	assert_int_equal(fmt(small, sizeof(small), big, NULL), -1);
	free(big);
}

static void
test_tp_audit_never_fails_hard(void **state)
{
	int rv;

	(void)state;
	rv = tp_audit(TP_AUDIT_TRUSTED_APP, true, "unit-test", "path",
		      "/tmp/a \"b\"", "nonce", "test_audit", NULL);
	assert_true(rv == 0 || rv == 1);
	tp_audit_set_program("test_audit");
	rv = tp_audit(TP_AUDIT_USER_CMD, false, "unit-test", "cmd", "\x1b[2J",
		      NULL);
	assert_true(rv == 0 || rv == 1);
	rv = tp_audit(TP_AUDIT_USER_LOGIN, true, "unit-test", NULL);
	assert_true(rv == 0 || rv == 1);
	/* a bad key is a bug: refused, not written half-right */
	assert_int_equal(tp_audit(TP_AUDIT_TRUSTED_APP, true, "unit-test",
				  "bad key", "v", NULL), -1);
	tp_audit_set_program(NULL);
}

static void
test_tp_audit_in_child(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	/* the parent has a socket open by now; the child needs its own */
	(void)tp_audit(TP_AUDIT_TRUSTED_APP, true, "unit-test", NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int rv = tp_audit(TP_AUDIT_TRUSTED_APP, true, "unit-test",
				  "in", "child", NULL);

		_exit(rv == 0 || rv == 1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(tp_audit(TP_AUDIT_TRUSTED_APP, true, "unit-test", NULL)
		    >= 0);
}

static void *
audit_worker(void *arg)
{
	intptr_t bad = 0;

	(void)arg;
	for (int i = 0; i < 20; i++) {
		int rv = tp_audit(TP_AUDIT_TRUSTED_APP, true, "unit-test",
				  "thread", "yes", NULL);

		if (rv != 0 && rv != 1)
			bad++;
	}
	return (void *)bad;
}

static void
test_tp_audit_threads(void **state)
{
	pthread_t t[4];
	void *bad;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, audit_worker,
						NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_values_are_quoted),
		cmocka_unit_test(test_awkward_values_are_hex),
		cmocka_unit_test(test_bad_op_or_key),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_tp_audit_never_fails_hard),
		cmocka_unit_test(test_tp_audit_in_child),
		cmocka_unit_test(test_tp_audit_threads),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
