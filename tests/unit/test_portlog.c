/* test_portlog.c - failures lock a port; time or an administrator unlocks. */
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
#include "portlog.h"

static char dir[64];
static const char port[] = "/dev/tty8";

static struct port_cfg
policy(unsigned disable, unsigned interval, unsigned reenable)
{
	struct port_cfg pc;

	memset(&pc, 0, sizeof(pc));
	pc.logindisable = disable;
	pc.logininterval = interval;
	pc.loginreenable = reenable;
	return pc;
}

static bool
fail_at(const struct port_cfg *pc, time_t t)
{
	struct tp_err err;
	bool locked;

	assert_int_equal(portlog_fail(dir, port, pc, t, &locked, &err), 0);
	return locked;
}

static bool
locked_at(const struct port_cfg *pc, time_t t)
{
	struct tp_err err;
	bool locked;

	assert_int_equal(portlog_locked(dir, port, pc, t, &locked, &err), 0);
	return locked;
}

static void
test_lock_within_interval(void **state)
{
	struct port_cfg pc = policy(3, 60, 10);
	struct tp_err err;

	(void)state;
	assert_false(locked_at(&pc, 1000));
	assert_false(fail_at(&pc, 1000));
	assert_false(fail_at(&pc, 1010));
	assert_true(fail_at(&pc, 1020));	/* the third within 60 s */
	assert_true(locked_at(&pc, 1021));
	assert_true(locked_at(&pc, 1020 + 599));
	assert_false(locked_at(&pc, 1020 + 600));	/* 10 minutes on */
	/* the expired lock was lifted with its failures */
	assert_false(fail_at(&pc, 2000));
	assert_int_equal(portlog_unlock(dir, port, &err), 0);
}

/* After a lock expires, one failure does not lock again. */
static void
test_expired_lock_starts_afresh(void **state)
{
	struct port_cfg pc = policy(3, 0, 1);
	struct tp_err err;

	(void)state;
	assert_false(fail_at(&pc, 1000));
	assert_false(fail_at(&pc, 1001));
	assert_true(fail_at(&pc, 1002));
	assert_false(fail_at(&pc, 1002 + 120));	/* no locked check between */
	assert_false(locked_at(&pc, 1002 + 121));
	assert_int_equal(portlog_unlock(dir, port, &err), 0);
}

static void
test_spread_failures_do_not_lock(void **state)
{
	struct port_cfg pc = policy(3, 60, 10);
	struct tp_err err;

	(void)state;
	assert_false(fail_at(&pc, 1000));
	assert_false(fail_at(&pc, 1050));
	assert_false(fail_at(&pc, 1100));	/* a new window from 1100 */
	assert_false(fail_at(&pc, 1120));
	assert_true(fail_at(&pc, 1130));
	assert_int_equal(portlog_unlock(dir, port, &err), 0);
	assert_false(locked_at(&pc, 1131));
}

static void
test_success_resets_and_zero_never_unlocks(void **state)
{
	struct port_cfg pc = policy(2, 0, 0);	/* no window, by hand only */
	struct tp_err err;

	(void)state;
	assert_false(fail_at(&pc, 1000));
	assert_int_equal(portlog_success(dir, port, &err), 0);
	assert_false(fail_at(&pc, 99999));	/* the success reset it */
	assert_true(fail_at(&pc, 999999));	/* no window: still counts */
	assert_true(locked_at(&pc, 999999 + 365 * 86400));
	assert_int_equal(portlog_unlock(dir, port, &err), 0);
	assert_false(locked_at(&pc, 999999 + 365 * 86400));
	/* logindisable 0: never locked */
	pc = policy(0, 60, 0);
	for (int i = 0; i < 10; i++)
		assert_false(fail_at(&pc, 5000 + i));
	assert_false(locked_at(&pc, 5010));
	assert_int_equal(portlog_unlock(dir, port, &err), 0);
}

static void
test_malformed_state_is_locked(void **state)
{
	struct port_cfg pc = policy(3, 60, 10);
	struct tp_err err;
	char path[128];
	bool locked;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/portlog", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s:\n\tlocked = yesterday\n", port);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(portlog_locked(dir, port, &pc, 1000, &locked, &err),
			 -1);
	assert_true(locked);
	assert_non_null(strstr(err.msg, "portlog:2: locked: expected"));
	assert_int_equal(portlog_unlock(dir, port, &err), 0);
	assert_false(locked_at(&pc, 1000));
	assert_int_equal(chmod(path, 0666), 0);	/* someone could write it */
	assert_int_equal(portlog_locked(dir, port, &pc, 1000, &locked, &err),
			 -1);
	assert_true(locked);
	assert_int_equal(unlink(path), 0);
}

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "tpath-state");
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
		cmocka_unit_test(test_lock_within_interval),
		cmocka_unit_test(test_expired_lock_starts_afresh),
		cmocka_unit_test(test_spread_failures_do_not_lock),
		cmocka_unit_test(test_success_resets_and_zero_never_unlocks),
		cmocka_unit_test(test_malformed_state_is_locked),
	};

	if (geteuid() != 0) {
		printf("[  SKIPPED ] port log: needs root (the state is root's)\n");
		return 0;
	}
	return cmocka_run_group_tests_name("port log", tests, setup, teardown);
}
