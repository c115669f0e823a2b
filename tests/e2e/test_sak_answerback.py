"""What the terminal answers, or what was typed into it, before the key
must not come after it as typed input.

A program in the session asks the terminal for its answer-back message
(ENQ), its attributes (DA) and its cursor position (CPR).  A terminal with
a backlog (a slow line, a busy emulator) answers only after the key is
pressed; here the test is that terminal: it answers once tgetty has begun
what follows the key.  An answer-back message is whatever the terminal was
set up to send, a command line for all tgetty can tell: typed into the
trusted shell it would run there."""
import os
import re
import signal
import subprocess
import time

from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_sak import CLEAR, SAK, TSH_PROMPT, logged_in
from test_tgetty import getty, shell_user  # noqa: F401 (fixtures)

import pytest

TRIALS = 20
# in the order asked: answer-back, attributes, cursor position
ANSWERS = "echo INJECTED-42\r" "\x1b[?1;2c" "\x1b[5;1R"


@pytest.fixture
def session(getty, shell_user, confdir):  # noqa: F811
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    yield p, child
    child.answers = True
    if p.poll() is None:
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        child.sendline("logout")
        assert p.wait(timeout=10) == 0


def test_answers_asked_for_before_the_key_are_not_typed_after_it(session):
    p, child = session
    child.answers = False                   # this terminal is slow
    for _ in range(TRIALS):
        child.sendline("printf '\\005\\033[c\\033[6n'; echo AS''KED")
        child.expect_exact("\x05\x1b[c\x1b[6nASKED")
        child.expect_exact("$ ")
        child.send(SAK)
        # what comes after the key: tgetty asking where the cursor is
        # (after moving it), or without that the reset's clear
        i = child.expect([r"\x1b\[(\d+);(\d+)H\x00*\x1b\[6n",
                          re.escape(CLEAR)])
        os.write(child.child_fd, ANSWERS.encode())
        if i == 0:                          # in order: its answer last
            os.write(child.child_fd, "\x1b[{};{}R".format(
                *child.match.groups()).encode())
        child.expect_exact(TSH_PROMPT)
        after = child.before
        child.sendline("echo SY''NC")
        child.expect_exact("SYNC\r\n")
        after += child.before
        # neither typed (echoed), nor run, nor left on the line
        assert "INJECTED" not in after and "tsh:" not in after, after
        child.expect_exact(TSH_PROMPT)
        child.sendline("shell")
        child.expect_exact("$ ")


def test_keys_injected_until_the_key_kills_them_are_not_typed(session):
    """A root process outside the session that holds the terminal types
    into it (TIOCSTI) as fast as it can, up to the moment it is killed:
    none of it reaches the trusted shell."""
    p, child = session
    code = ("import fcntl, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)\n"
            "print('open', flush=True)\n"
            "while True:\n"
            "    for ch in sys.argv[2].encode():\n"
            "        fcntl.ioctl(fd, 0x5412, bytes([ch]))   # TIOCSTI\n")
    for _ in range(TRIALS):
        spam = subprocess.Popen(["python3", "-c", code, child.path,
                                 "echo INJECTED-42\r"],
                                stdout=subprocess.PIPE,
                                start_new_session=True)
        try:
            assert spam.stdout.readline() == b"open\n"
            time.sleep(0.05)
            child.send(SAK)
            child.expect_exact(TSH_PROMPT)
            after = child.before.split(CLEAR)[-1]
            assert spam.wait(timeout=5) == -signal.SIGKILL
            child.sendline("echo SY''NC")
            child.expect_exact("SYNC\r\n")
            after += child.before
            assert "INJECTED" not in after and "tsh:" not in after, after
            child.expect_exact(TSH_PROMPT)
        finally:
            if spam.poll() is None:
                spam.kill()
                spam.wait()
        child.sendline("shell")
        child.expect_exact("$ ")
