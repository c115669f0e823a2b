"""The trusted shell against the user's own processes that survive the key.

A process of the same user that holds no terminal lives on through the
secure attention key (as on AIX): a job detached from the session, or a
process started from another login.  While a trusted shell runs, none of
them may trace it or a program it runs, read or write their memory, take
their descriptors or reach the trusted pty; signals may at worst stop
them, and the key then recovers.

Two intruders (tests/helpers/intruder.c) of the same user are in place
before the key: one detached from the session on the port (setsid), one
started from a second, separate login on another port.  Each trial asks
both to try every route into tsh and into a trusted program it runs."""
import os
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import helper
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_sak import (SAK, TSH_PROMPT, alive, config, logged_in, record,
                      users)
from test_tgetty import getty, log_in, shell_user  # noqa: F401 (fixtures)
from test_tsh import register

TRIALS = 20
ROUTES = ("ptrace", "vm_read", "vm_write", "mem", "environ", "getfd",
          "fd_link", "fd_open", "pty", "prlimit")


def ask(sock, line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock)
    s.sendall(line.encode() + b"\n")
    out = b""
    while not out.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    s.close()
    return out.decode().strip()


def probe(sock, pid, pty):
    """{route: 'refused' | 'open'} from the intruder at sock."""
    answer = ask(sock, f"probe {pid} {pty}")
    got = dict(kv.split("=") for kv in answer.split())
    assert set(got) == set(ROUTES), answer
    return got


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def wait_until(cond, timeout=5):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline
        time.sleep(0.01)


class Intruders:
    def __init__(self, getty, user, confdir):  # noqa: F811
        self.user = user
        self.dir = tempfile.mkdtemp(prefix="tpath-intruder.")
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        os.chmod(self.dir, 0o700)
        self.detached = f"{self.dir}/detached"
        self.second = f"{self.dir}/second"
        cfg = config(confdir)
        register(confdir, "/usr/bin/cat")
        who = users(user.pw_name, "on")
        # the port under attack: a session, a job detached from it
        self.p, self.child, self.path, _ = getty(cfg, users=who)
        log_in(self.child, user.pw_name, PASSWORD)
        self.child.expect_exact("$ ")
        self.child.sendline(f"setsid -f {helper('intruder')} "
                            f"{self.detached} </dev/null "
                            f">{self.detached}.out 2>&1")
        self.child.expect_exact("$ ")
        out = f"{self.detached}.out"
        wait_until(lambda: os.path.exists(out) and
                   "READY" in open(out).read())
        self.detached_pid = int(open(out).read().split()[1])
        # a second, separate login of the same user on another port
        self.p2, self.child2, _, _ = getty(cfg, users=who)
        log_in(self.child2, user.pw_name, PASSWORD)
        self.child2.expect_exact("$ ")
        self.child2.sendline(f"{helper('intruder')} {self.second}")
        self.child2.expect(r"READY (\d+)")
        self.second_pid = int(self.child2.match.group(1))

    def socks(self):
        return (self.detached, self.second)

    def trusted(self):
        """The key: the trusted prompt; (tsh's PID, its pty)."""
        self.child.send(SAK)
        self.child.expect_exact(TSH_PROMPT)
        rec = record(self.child)
        assert alive(self.detached_pid)         # it survived the key
        return int(rec["sid"]), rec["tty"]

    def end(self):
        for pid in (self.detached_pid, self.second_pid):
            if alive(pid):
                os.kill(pid, 9)
        if self.p.poll() is None:
            self.child.send(SAK)
            self.child.expect_exact(TSH_PROMPT)
            self.child.sendline("logout")
            self.p.wait(timeout=10)
        if self.p2.poll() is None:
            self.child2.expect_exact("$ ")
            self.child2.sendline("exit")
            self.p2.wait(timeout=10)
        subprocess.run(["rm", "-rf", self.dir])


@pytest.fixture
def intruders(getty, shell_user, confdir, tpath_group):  # noqa: F811
    i = Intruders(getty, shell_user, confdir)
    yield i
    i.end()


def assert_refused(intruders, pid, pty):
    for sock in intruders.socks():
        got = probe(sock, pid, pty)
        opened = [r for r in ROUTES if got[r] != "refused"]
        assert opened == [], (sock, pid, opened)


def test_no_route_into_tsh_or_what_it_runs(intruders):
    """Every route, into tsh and into a trusted program reading the
    terminal (cat), from the detached job and from the second login."""
    child = intruders.child
    for _ in range(TRIALS):
        tsh, pty = intruders.trusted()
        assert_refused(intruders, tsh, pty)
        child.sendline("cat")
        wait_until(lambda: children(tsh))
        cat = children(tsh)[0]
        wait_until(lambda: state(cat) == "S")
        assert_refused(intruders, cat, pty)
        child.sendline("typed-to-cat")
        child.expect_exact("typed-to-cat\r\n")
        child.send("\x04")                  # end of input
        child.expect_exact(TSH_PROMPT)
        assert "INTRUDER" not in child.before
        child.sendline("shell")
        child.expect_exact("$ ")


def test_stopped_tsh_is_read_by_nobody_and_the_key_recovers(intruders):
    """SIGSTOP from the user's own process stops tsh (or the program it
    runs); what is typed then waits for it, nobody else can read it, and
    the key gives a fresh trusted shell."""
    child = intruders.child
    tsh, pty = intruders.trusted()
    for i in range(TRIALS):
        sock = intruders.socks()[i % 2]
        target = tsh
        if i % 4 >= 2:                       # the program tsh runs
            child.sendline("cat")
            wait_until(lambda: children(tsh))
            target = children(tsh)[0]
        assert ask(sock, f"stop {target}") == "sent"
        wait_until(lambda: state(target) == "T")
        child.sendline("secret-typed-while-stopped")
        assert_refused(intruders, target, pty)
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        assert "INTRUDER" not in child.before
        new, pty = int(record(child)["sid"]), record(child)["tty"]
        assert new != tsh
        tsh = new


def test_killed_tsh_ends_the_session(intruders):
    """SIGKILL of tsh from the user's own process: the session ends as
    at logout, and its record with it."""
    tsh, _ = intruders.trusted()
    assert ask(intruders.detached, f"kill {tsh}") == "sent"
    assert intruders.p.wait(timeout=10) == 0
    assert record(intruders.child) is None


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":\t", 1) for line in f.read().splitlines()
                    if ":\t" in line)


def test_the_trusted_shell_has_a_group_nobody_else_has(getty, shell_user,
                                                       confdir, tpath_group):  # noqa: F811,E501
    """How: tsh and what it runs have the group tpath as real, effective
    and saved group (the user's own groups stay supplementary) and may
    dump no core; the user's own shell has the user's group."""
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    child.sendline("echo PID-$$")
    child.expect(r"PID-(\d+)")
    sh = status(int(child.match.group(1)))
    assert sh["Gid"].split() == [str(shell_user.pw_gid)] * 4
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    tsh = int(record(child)["sid"])
    st = status(tsh)
    assert st["Uid"].split() == [str(shell_user.pw_uid)] * 4
    assert st["Gid"].split() == [str(tpath_group.gr_gid)] * 4
    assert str(shell_user.pw_gid) in st["Groups"].split()
    with open(f"/proc/{tsh}/limits") as f:
        core = next(line for line in f if line.startswith("Max core"))
    assert core.split()[4:6] == ["0", "0"], core
    child.sendline("logout")
    assert p.wait(timeout=10) == 0


def test_a_group_with_a_member_gives_no_trusted_shell(getty, shell_user,
                                                      confdir, tpath_group):  # noqa: F811,E501
    """A member could take the group with newgrp: fail closed."""
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    subprocess.run(["gpasswd", "-a", shell_user.pw_name, "tpath"],
                   check=True, capture_output=True)
    try:
        child.send(SAK)
        child.expect_exact("the trusted shell cannot be protected")
        assert p.wait(timeout=10) == 0
    finally:
        subprocess.run(["gpasswd", "-d", shell_user.pw_name, "tpath"],
                       check=True)
    assert record(child) is None
