/*
 * test_sweep.c - which open files are the terminals a sweep clears: a pty
 * by its number and devpts instance, any other device by number alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "sweep.h"

/* A pty's slave: its node on the devpts instance the system shows. */
static int
open_pty(int *master)
{
	int slave;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*master >= 0);
	assert_int_equal(unlockpt(*master), 0);
	slave = open(ptsname(*master), O_PATH | O_CLOEXEC);
	assert_true(slave >= 0);
	return slave;
}

static void
test_a_pty_is_its_number_on_its_instance(void **state)
{
	struct tp_sweep sw = { .ndevs = 0 };
	struct stat sb;
	int master, slave = open_pty(&master);

	(void)state;
	assert_int_equal(fstat(slave, &sb), 0);
	assert_int_equal(tp_sweep_add_fd(&sw, slave), 0);
	assert_int_equal(sw.ndevs, 1);
	assert_true(sw.devs[0].rdev == sb.st_rdev);
	assert_true(sw.devs[0].fs == sb.st_dev);
	assert_true(tp_sweep_has(&sw, sb.st_rdev, sb.st_dev));
	/* the same number on another instance (a container's) is not it */
	assert_false(tp_sweep_has(&sw, sb.st_rdev, makedev(0, 9999)));
	assert_false(tp_sweep_has(&sw, sb.st_rdev + 1, sb.st_dev));
	close(slave);
	close(master);
}

static void
test_another_device_is_its_number_anywhere(void **state)
{
	struct tp_sweep sw = { .ndevs = 0 };
	struct stat sb;
	int fd = open("/dev/null", O_PATH | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(tp_sweep_add_fd(&sw, fd), 0);
	assert_true(sw.devs[0].fs == 0);
	/* a node made with mknod on any file system is the same device */
	assert_true(tp_sweep_has(&sw, sb.st_rdev, sb.st_dev));
	assert_true(tp_sweep_has(&sw, sb.st_rdev, makedev(8, 1)));
	assert_false(tp_sweep_has(&sw, makedev(1, 5), sb.st_dev));
	close(fd);
	/* by number alone, as /dev/console is added */
	assert_int_equal(tp_sweep_add(&sw, makedev(5, 1)), 0);
	assert_true(tp_sweep_has(&sw, makedev(5, 1), makedev(0, 42)));
}

static void
test_a_pty_and_its_number_alone_are_two(void **state)
{
	struct tp_sweep sw = { .ndevs = 0 };
	struct stat sb;
	int master, slave = open_pty(&master);

	(void)state;
	assert_int_equal(fstat(slave, &sb), 0);
	assert_int_equal(tp_sweep_add_fd(&sw, slave), 0);
	assert_int_equal(tp_sweep_add_fd(&sw, slave), 0);	/* dropped */
	assert_int_equal(sw.ndevs, 1);
	assert_int_equal(tp_sweep_add(&sw, sb.st_rdev), 0);	/* wider */
	assert_int_equal(sw.ndevs, 2);
	assert_true(tp_sweep_has(&sw, sb.st_rdev, makedev(0, 9999)));
	close(slave);
	close(master);
}

static void
test_only_character_devices_and_only_so_many(void **state)
{
	struct tp_sweep sw = { .ndevs = 0 };
	int fd = open("/", O_PATH | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(tp_sweep_add_fd(&sw, fd), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(sw.ndevs, 0);
	close(fd);
	for (unsigned i = 0; i < TP_SWEEP_MAX_DEVS; i++)
		assert_int_equal(tp_sweep_add(&sw, makedev(4, 64 + i)), 0);
	assert_int_equal(tp_sweep_add(&sw, makedev(4, 64)), 0);  /* there */
	errno = 0;
	assert_int_equal(tp_sweep_add(&sw, makedev(4, 63)), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(sw.ndevs, TP_SWEEP_MAX_DEVS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_pty_is_its_number_on_its_instance),
		cmocka_unit_test(test_another_device_is_its_number_anywhere),
		cmocka_unit_test(test_a_pty_and_its_number_alone_are_two),
		cmocka_unit_test(test_only_character_devices_and_only_so_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
