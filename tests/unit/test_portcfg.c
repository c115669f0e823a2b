/* test_portcfg.c - login.cfg: a port's stanza, default:, built-in values. */
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
#include "portcfg.h"

static char dir[64];

static void
write_cfg(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/login.cfg", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_missing_file_gives_defaults(void **state)
{
	struct port_cfg pc;
	struct stz_doc *doc;
	struct tp_err err;

	(void)state;
	assert_int_equal(port_cfg_load(dir, "/dev/tty1", &pc, &doc, &err), 0);
	assert_false(pc.sak_enabled);
	assert_string_equal(pc.herald, TP_DEFAULT_HERALD);
	assert_null(strstr(pc.herald, "Linux"));	/* RFC 2196 4.5.4.5 */
	assert_int_equal(pc.logindelay, 2);
	assert_int_equal(pc.logindisable, 0);
	assert_true(pc.usernameecho);
	assert_string_equal(pc.pwdprompt, "Password: ");
	assert_string_equal(pc.tsh, BINDIR "/tsh");
	assert_int_equal(pc.logintimes.n, 0);
	stz_free(doc);
}

static void
test_port_then_default(void **state)
{
	struct port_cfg pc;
	struct stz_doc *doc;
	struct tp_err err;

	(void)state;
	write_cfg("default:\n"
		  "\tsak_enabled = false\n"
		  "\tlogindisable = 3\n"
		  "\tlogininterval = 60\n"
		  "\therald = \"Demo system\\nlogin: \"\n"
		  "\n"
		  "/dev/tty8:\n"
		  "\tsak_enabled = true\n"
		  "\tloginreenable = 5\n"
		  "\tsynonym = /dev/console\n"
		  "\tlogintimes = 1-5:0800-1800, !1124\n"
		  "\tterm = linux\n");
	assert_int_equal(port_cfg_load(dir, "/dev/tty8", &pc, &doc, &err), 0);
	assert_true(pc.sak_enabled);
	assert_int_equal(pc.logindisable, 3);
	assert_int_equal(pc.logininterval, 60);
	assert_int_equal(pc.loginreenable, 5);
	assert_string_equal(pc.herald, "Demo system\nlogin: ");
	assert_int_equal(pc.nsynonyms, 1);
	assert_string_equal(pc.synonyms[0], "/dev/console");
	assert_int_equal(pc.logintimes.n, 2);
	assert_string_equal(pc.term, "linux");
	stz_free(doc);
	/* a port without a stanza: default: only */
	assert_int_equal(port_cfg_load(dir, "/dev/tty9", &pc, &doc, &err), 0);
	assert_false(pc.sak_enabled);
	assert_int_equal(pc.logindisable, 3);
	assert_null(pc.term);
	stz_free(doc);
}

static const struct {
	const char *text, *msg;
} bad[] = {
	{ "/dev/tty8:\n\tsak_enabled = maybe\n", ":2: sak_enabled: expected "
	  "true, false, yes, no, always or never" },
	{ "/dev/tty8:\n\tlogindelay = 600\n", ":2: logindelay: expected a "
	  "whole number from 0 to 60" },
	{ "/dev/tty8:\n\tcolour = red\n", ":2: unknown attribute \"colour\" in "
	  "stanza \"/dev/tty8\"" },
	{ "default:\n\tlogindisable = -1\n", ":2: logindisable: expected a "
	  "whole number from 0 to 1000" },
	{ "/dev/tty8:\n\tsynonym = console\n", ":2: synonym: expected device "
	  "paths, not \"console\"" },
	{ "/dev/tty8:\n\tterm = \"x y\"\n", ":2: term: expected a terminfo "
	  "name, like linux or vt100" },
	{ "/dev/tty8:\n\ttsh = tsh\n", ":2: tsh: expected an absolute path" },
	{ "/dev/tty8:\n\therald = a,b\n", ":2: herald: expected a single "
	  "value, not a list" },
	{ "/dev/tty8:\n\tlogintimes = 1-5, 7\n", ":2: logintimes: \"7\": "
	  "expected a weekday from 0 to 6" },
};

static void
test_errors(void **state)
{
	struct port_cfg pc;
	struct stz_doc *doc;
	struct tp_err err;
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_cfg(bad[i].text);
		snprintf(want, sizeof(want), "%s/login.cfg%s", dir, bad[i].msg);
		assert_int_equal(port_cfg_load(dir, "/dev/tty8", &pc, &doc,
					       &err), -1);
		assert_null(doc);
		assert_string_equal(err.msg, want);
		assert_false(pc.sak_enabled);	/* defaults after an error */
	}
	/* a bad default: is refused even where the port overrides it */
	write_cfg("default:\n\tlogindelay = x\n\n/dev/tty8:\n"
		  "\tlogindelay = 1\n");
	assert_int_equal(port_cfg_load(dir, "/dev/tty8", &pc, &doc, &err), -1);
	/* and an unsafe file is refused */
	write_cfg("default:\n\tsak_enabled = true\n");
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/login.cfg", dir);
		assert_int_equal(chmod(path, 0666), 0);
	}
	assert_int_equal(port_cfg_load(dir, "/dev/tty8", &pc, &doc, &err), -1);
	assert_non_null(strstr(err.msg, "writable by group or others"));
	assert_false(pc.sak_enabled);
}

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "tpath-cfg");
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

/* The example make install puts in place reads as it says. */
static void
test_shipped_example(void **state)
{
	char cmd[256];
	struct port_cfg pc;
	struct stz_doc *doc;
	struct tp_err err;

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -f %s/login.cfg && cp conf/login.cfg "
		 "%s/login.cfg", dir, dir);
	assert_int_equal(system(cmd), 0);
	if (port_cfg_load(dir, "/dev/tty1", &pc, &doc, &err) == -1)
		print_error("%s\n", err.msg);
	assert_non_null(doc);
	assert_true(pc.sak_enabled);	/* tgetty is only where it is put */
	assert_int_equal(pc.logindisable, 5);
	assert_int_equal(pc.logininterval, 300);
	assert_int_equal(pc.loginreenable, 15);
	stz_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file_gives_defaults),
		cmocka_unit_test(test_port_then_default),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_shipped_example),
	};

	return cmocka_run_group_tests_name("port policy", tests, setup,
					   teardown);
}
