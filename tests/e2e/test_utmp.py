"""Login records: who(1) sees the session, last(1) remembers it."""
import os
import subprocess

import pytest

from conftest import helper


def utmp(*args):
    subprocess.run([helper("utmptool"), *args], check=True)


def who():
    return subprocess.run(["who"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def utmp_file():
    """/run/utmp, made as systemd-tmpfiles makes it at boot if missing."""
    path = "/run/utmp"
    made = not os.path.exists(path)
    if made:
        import grp
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o664)
        os.fchown(fd, 0, grp.getgrnam("utmp").gr_gid)
        os.fchmod(fd, 0o664)
        os.close(fd)
    yield path
    if made:
        os.unlink(path)


def test_waiting_session_ended(testuser, utmp_file):
    master, slave = os.openpty()
    tty = os.ttyname(slave)
    line = tty[len("/dev/"):]
    pid = str(os.getpid())               # alive while the test runs
    name = testuser.pw_name
    try:
        utmp("waiting", tty, pid)
        assert not any(line in w for w in who().splitlines())
        utmp("session", tty, pid, name)
        assert any(w.split()[:2] == [name, line]
                   for w in who().splitlines()), who()
        utmp("ended", tty, pid)
        assert not any(w.split()[:2] == [name, line]
                       for w in who().splitlines())
        last = subprocess.run(["last", "-w", name], capture_output=True,
                              text=True).stdout
        assert any(l.split()[:2] == [name, line] for l in last.splitlines()), \
            last
    finally:
        subprocess.run([helper("utmptool"), "ended", tty, pid])
        os.close(master)
        os.close(slave)
