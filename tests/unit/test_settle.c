/* test_settle.c - tp_tty_settle on a real pty: a terminal that answers
 * where its cursor is ends the wait (not the time limit), with the answers to older
 * questions discarded; one that does not answer is waited for, then the
 * input is discarded all the same. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "tty.h"

struct terminal {
	int master;
	bool answer;		/* answer the cursor position request */
	char asked[256];	/* what it was sent */
};

/* The terminal: old answers first (a program asked before), then, if it
 * answers, where the last cursor move put it. */
static void *
terminal(void *arg)
{
	struct terminal *t = arg;
	size_t len = 0;
	char reply[32];
	int row, col;

	/* the move is padded with NULs: not a string */
	while (len < sizeof(t->asked) - 1 &&
	       !memmem(t->asked, len, "\033[6n", 4)) {
		ssize_t n = read(t->master, t->asked + len,
				 sizeof(t->asked) - 1 - len);

		if (n <= 0)
			return NULL;
		len += (size_t)n;
		t->asked[len] = '\0';
	}
	(void)!write(t->master, "echo OLD\r\033[?1;2c", 16);
	if (t->answer && sscanf(t->asked, "\033[%d;%dH", &row, &col) == 2) {
		snprintf(reply, sizeof(reply), "\033[%d;%dR", row, col);
		(void)!write(t->master, reply, strlen(reply));
	}
	return NULL;
}

static void
settle(bool answer, int *rc, char *asked, size_t len)
{
	struct terminal t = { .answer = answer };
	struct termios tio;
	pthread_t th;
	char junk[64];
	int slave;

	assert_true((t.master = posix_openpt(O_RDWR | O_NOCTTY)) >= 0);
	assert_int_equal(grantpt(t.master), 0);
	assert_int_equal(unlockpt(t.master), 0);
	assert_true((slave = open(ptsname(t.master), O_RDWR | O_NOCTTY)) >= 0);
	tcgetattr(slave, &tio);
	cfmakeraw(&tio);
	tcsetattr(slave, TCSANOW, &tio);
	assert_int_equal(pthread_create(&th, NULL, terminal, &t), 0);
	*rc = tp_tty_settle(slave, "vt100", 2000);
	pthread_join(th, NULL);
	/* nothing that came before is left to read */
	fcntl(slave, F_SETFL, O_NONBLOCK);
	assert_int_equal(read(slave, junk, sizeof(junk)), -1);
	assert_int_equal(errno, EAGAIN);
	snprintf(asked, len, "%s", t.asked);
	close(slave);
	close(t.master);
}

static void
test_an_answer_ends_the_wait(void **state)
{
	char asked[256];
	int rc;

	(void)state;
	/* the answer is what ends it, not the time limit */
	settle(true, &rc, asked, sizeof(asked));
	assert_int_equal(rc, 0);
	assert_int_equal(strncmp(asked, "\033[", 2), 0);	/* a move first */
}

static void
test_no_answer_is_waited_for_then_discarded(void **state)
{
	char asked[256];
	int rc;

	(void)state;
	settle(false, &rc, asked, sizeof(asked));
	assert_int_equal(rc, -1);
}

static void
test_the_place_asked_about_varies(void **state)
{
	char first[256], again[256];
	int rc, same = 0;

	(void)state;
	settle(true, &rc, first, sizeof(first));
	for (int i = 0; i < 5; i++) {
		settle(true, &rc, again, sizeof(again));
		same += strncmp(first, again, 12) == 0;
	}
	assert_true(same < 5);	/* 1 in 1,920 per try to repeat */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_answer_ends_the_wait),
		cmocka_unit_test(test_no_answer_is_waited_for_then_discarded),
		cmocka_unit_test(test_the_place_asked_about_varies),
	};

	return cmocka_run_group_tests_name("settle", tests, NULL, NULL);
}
