"""Taking a terminal: revoke its other holders, make it root's, reset it."""
import errno
import fcntl
import os
import re
import select
import stat
import subprocess
import time

import pytest

from conftest import helper


def read_until(fd, want, timeout=5.0):
    buf = b""
    deadline = time.monotonic() + timeout
    while want not in buf and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf


def test_pty_is_taken_and_reset(procs, testuser):
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.chown(path, testuser.pw_uid, -1)   # as a user's session left it
    os.chmod(path, 0o666)
    os.write(master, b"typed-ahead\n")    # must not reach the new owner
    time.sleep(0.1)
    p = procs.popen([helper("ttytool"), path, "vt100"],
                    stdout=subprocess.PIPE, text=True,
                    start_new_session=True)
    assert p.stdout.readline() == "ok vt=0\n"
    st = os.stat(path)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    # the descriptor we kept from before was revoked
    with pytest.raises(OSError) as e:
        os.write(slave, b"still here?\n")
    assert e.value.errno == errno.EIO
    out = read_until(master, b"\x1b[H\x1b[J")
    assert b"\x1b[H\x1b[J" in out          # terminfo clear for vt100
    os.write(master, b"hello\r")            # sane: ICRNL, canonical
    assert p.stdout.readline() == "read hello\n"
    assert p.wait(timeout=5) == 0
    os.close(master)
    os.close(slave)


def terminfo(term, cap):
    """A string capability of term, without its padding."""
    code = ("import curses, sys\n"
            "curses.setupterm(sys.argv[1], 2)\n"
            "sys.stdout.buffer.write(curses.tigetstr(sys.argv[2]) or b'')\n")
    out = subprocess.run(["python3", "-c", code, term, cap],
                         capture_output=True, check=True).stdout
    return re.sub(rb"\$<[0-9.*/]+>", b"", out)


SCREENS = b"\x1b[?1049;1047;47l"


@pytest.mark.parametrize("term", ["vt100", "vt220", "xterm", "linux",
                                  "screen", "vt52"])
def test_reset_bytes_per_terminal_type(procs, term):
    """The bytes of the reset, as the terminal gets them.  To a terminal
    whose entry is ECMA-48's, the standard resets besides the entry's: out
    of VT52 mode first, then the normal screen before the attributes and
    the character set (leaving an alternate screen by 1049 restores those
    saved with the cursor), the cursor shown, mouse reports and bracketed
    paste off, and clear last.  To a VT52, only its entry's strings."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    p = procs.popen([helper("ttytool"), path, term], stdout=subprocess.PIPE,
                    text=True, start_new_session=True)
    assert p.stdout.readline() == "ok vt=0\n"
    clear = terminfo(term, "clear")
    out = re.sub(rb"\0+", b"", read_until(master, clear))  # padding
    assert out.endswith(clear), out
    if term == "vt52":
        assert b"\x1b[" not in out and b"\x1b<" not in out, out
    else:
        assert out.startswith(b"\x1b<"), out
        last_screen = out.rindex(SCREENS)
        for reset in (b"\x1b[m", b"\x1b(B\x0f", b"\x1b[?7;25h",
                      b"\x1b[?9;1000;1001;1002;1003;1005;1006;1015l",
                      b"\x1b[?1004;2004;2026l", b"\x1b[?1;5;6;69l",
                      b"\x1b[3;4;20l", b"\x1b[r"):
            assert out.rfind(reset) > last_screen, (reset, out)
    os.write(master, b"hello\r")
    assert p.stdout.readline() == "read hello\n"
    assert p.wait(timeout=5) == 0
    os.close(master)
    os.close(slave)


def test_virtual_console_is_reset(procs, vt8):
    vt, vcs = vt8, "/dev/vcs8"
    try:
        fd = os.open(vt, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        fcntl.ioctl(fd, 0x4B3B, b"\0\0\0\0")        # KDGETMODE
    except OSError as e:
        pytest.skip(f"{vt} is not a usable virtual console: {e}")
    os.write(fd, b"\x1b[31mLEFT-BEHIND-BY-SOMEONE\r\n")
    with open(vcs, "rb") as f:
        assert b"LEFT-BEHIND-BY-SOMEONE" in f.read()
    p = procs.popen([helper("ttytool"), vt, "linux"], stdout=subprocess.PIPE,
                    text=True, start_new_session=True)
    assert p.stdout.readline() == "ok vt=1\n"
    with open(vcs, "rb") as f:
        screen = f.read()
    assert b"LEFT-BEHIND-BY-SOMEONE" not in screen
    assert screen.strip(b" ") == b""        # cleared
    st = os.stat(vt)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    # a line typed on the console reaches the new owner (TIOCSTI types it)
    tfd = os.open(vt, os.O_RDWR | os.O_NOCTTY)
    for ch in b"vt-line\r":
        fcntl.ioctl(tfd, 0x5412, bytes([ch]))       # TIOCSTI
    os.close(tfd)
    assert p.stdout.readline() == "read vt-line\n"
    assert p.wait(timeout=5) == 0
    os.close(fd)
