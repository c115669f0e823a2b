"""Taking a terminal: revoke its other holders, make it root's, reset it."""
import errno
import fcntl
import os
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
