"""The session relay: both directions, volume, window size, both ends."""
import time

import pexpect

from conftest import helper


def spawn(*args, **kw):
    return pexpect.spawn(helper("relaytool"), list(args), encoding="utf-8",
                         timeout=20, **kw)


def test_round_trip_and_session_end():
    child = spawn("cat")
    child.sendline("hello through the relay")
    child.expect_exact("hello through the relay\r\n" * 2)  # echo and cat
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_output_arrives_whole_and_in_order():
    child = spawn("seq", "1", "300000")
    child.expect_exact("299999\r\n300000\r\n")
    before = child.before
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    lines = (before + "299999\r\n300000\r\n").split("\r\n")
    assert lines[:3] == ["1", "2", "3"]
    assert [int(x) for x in lines if x] == list(range(1, 300001))


def test_window_size_follows_the_terminal():
    child = spawn("sh", "-c", "stty size; sleep 1; stty size",
                  dimensions=(40, 100))
    child.expect_exact("40 100")
    child.setwinsize(50, 120)
    child.expect_exact("50 120")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_hangup_ends_the_session(procs):
    """The terminal goes away: the relay sees it and ends the session."""
    import os
    import pty
    master, slave = pty.openpty()
    p = procs.popen([helper("relaytool"), "sleep", "30"], stdin=slave,
                    stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    time.sleep(0.3)
    os.close(master)                    # hang up the terminal
    assert p.wait(timeout=5) == 129     # seen by the relay, not a signal


def test_a_stopped_terminal_loses_nothing_and_input_still_flows():
    """Output backs up while nobody reads; typed input still gets through."""
    child = spawn("sh", "-c", "seq 1 200000 & cat; wait")
    child.sendline("ping-while-blocked")     # cat gets it, output or not
    time.sleep(1.5)                         # read nothing: output backs up
    child.sendeof()
    child.expect(pexpect.EOF, timeout=30)
    out = child.before
    child.close()
    assert child.exitstatus == 0
    # the pty's echo and cat's copy of the line, wherever they landed
    # (the echo can fall in the middle of a number seq was writing)
    assert out.count("ping-while-blocked\r\n") == 2
    out = out.replace("ping-while-blocked\r\n", "")
    numbers = [int(x) for x in out.split("\r\n") if x.isdigit()]
    assert numbers == list(range(1, 200001))
