"""Holders that hide from the sweep's walks, or try to outlive their kill.

A ptrace stop (and a tracer that stops its tracee in its exit), sleep the
kernel cannot interrupt (a read from a file system that never answers), a
descriptor kept only in an SCM_RIGHTS message queued on a socket, one kept
only as an io_uring's fixed file, and a holder in another PID namespace.
Each is run TRIALS times in a logged-in session (tpath = on) as in
test_sak_adversaries, and where it makes sense against the sweep alone
(sweeptool) with both walks.  What each comes to is in tgetty.8 (the
secure attention key, BUGS)."""
import errno
import fcntl
import os
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import helper
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_sak import TSH_PROMPT, SAK, alive, gone, record
from test_sak_adversaries import (TRIALS, WALKS, back_to_shell,
                                  holder_outside, press_sak, run, session,
                                  sweeptool, untrusted)  # noqa: F401
from test_tgetty import getty, shell_user  # noqa: F401 (fixtures)


TIOCVHANGUP = 0x5437


def state(pid):
    """The state letter in /proc/PID/stat ("" when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return ""


def kill_pending(pid):
    """Is SIGKILL pending for the process (its own or its group's)?"""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":\t", 1) for line in f.read().splitlines()
                      if ":\t" in line)
    return any(int(fields[k], 16) & (1 << (signal.SIGKILL - 1))
               for k in ("SigPnd", "ShdPnd"))


def sync(child, screen):
    """Everything written before now is on the screen: nothing there is
    an adversary's."""
    child.sendline("echo SY''NC")
    child.expect_exact("SYNC")
    assert "PWNED" not in screen + child.before
    child.expect_exact(TSH_PROMPT)


class Pidfds:
    """Processes an adversary started (its READY line names them), held by
    pidfds and killed through them at the end, whatever a test left."""

    def __init__(self):
        self.fds = []

    def track(self, *pids):
        for pid in pids:
            try:
                self.fds.append(os.pidfd_open(pid))
            except ProcessLookupError:
                pass

    def kill_all(self):
        for fd in self.fds:
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(fd)


@pytest.fixture
def pidfds():
    tracker = Pidfds()
    yield tracker
    tracker.kill_all()


@pytest.fixture
def pty_adversary(procs, pidfds):
    """start(*args): an adversary on a new pty, in a session of its own
    without a controlling terminal; (its process, the pty's path, its
    READY line's numbers) once it is READY."""
    masters = []

    def start(*args):
        master, slave = os.openpty()
        masters.append(master)
        p = procs.popen([helper("adversary"), *args], stdin=slave,
                        stdout=slave, stderr=slave, start_new_session=True)
        path = os.ttyname(slave)
        os.close(slave)
        out = b""
        while b"READY" not in out or not out.endswith(b"\n"):
            out += os.read(master, 256)
        line = out[out.index(b"READY"):].split(b"\n")[0].split()
        pids = [int(w) for w in line[1:]]
        pidfds.track(*pids)
        return p, path, pids
    yield start
    for m in masters:
        os.close(m)


# -- ptrace ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["traced", "traced exit"])
def test_a_traced_holder(session, mode):
    """A holder in a session of its own held in a ptrace stop by a
    process of a session of its own too, which holds nothing;
    with PTRACE_O_TRACEEXIT the tracer would also keep it stopped in its
    exit, its descriptors still open, for as long as it likes: the key
    kills the holder and its tracer."""
    child, u = session
    for _ in range(TRIALS):
        child.sendline(f"{helper('adversary')} {mode}")
        child.expect(r"READY (\d+) (\d+)")
        holder, tracer = int(child.match.group(1)), int(child.match.group(2))
        assert state(holder) == "t"
        press_sak(child, u.pw_uid)
        assert gone(holder, tracer)
        back_to_shell(child)


@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize("mode", ["traced", "traced exit"])
def test_sweep_kills_a_traced_holder_and_its_tracer(pty_adversary, walk,
                                                    mode):
    """The sweep alone, either walk: the holder in a ptrace stop is
    killed, and the tracer that holds nothing and would keep it stopped in
    its exit is killed too (two); a tracer that cannot (no
    PTRACE_O_TRACEEXIT) may find its tracee dead first, and then it ends
    by itself (this one does)."""
    for _ in range(TRIALS):
        p, path, (holder, tracer) = pty_adversary(*mode.split())
        assert p.wait(timeout=5) == 0
        assert state(holder) == "t"
        r = sweeptool(walk, path)
        killed = ["killed 2 "] if mode == "traced exit" else \
            ["killed 1 ", "killed 2 "]
        assert r.returncode == 0 and r.stdout.startswith(tuple(killed)), \
            (r.stdout, r.stderr)
        assert gone(holder, tracer), (state(holder), state(tracer))


# -- uninterruptible sleep -----------------------------------------------


@pytest.fixture
def stallfs(procs):
    """A FUSE file system whose reads are answered only when told:
    (its process, the file on it)."""
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse here: no file system that stalls")
    where = tempfile.mkdtemp(prefix="tpath-stall.")
    os.chmod(where, 0o755)
    fs = procs.popen([helper("stallfs"), where], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True)
    if fs.stdout.readline() != "mounted\n":
        fs.wait()
        os.rmdir(where)
        pytest.skip("stallfs cannot mount a FUSE file system here")
    yield fs, f"{where}/f"
    fs.stdin.close()                # it exits: what it held ends
    fs.wait(timeout=10)
    subprocess.run(["umount", "--lazy", where], check=True)
    os.rmdir(where)


def answer(fs):
    fs.stdin.write("answer\n")
    fs.stdin.flush()


def test_a_holder_in_uninterruptible_sleep(session, stallfs, scratch):
    """A holder blocked in a read the file system has taken and never
    answers: SIGKILL cannot end it (D) until the file system answers, so
    the key leaves it killed but alive, its descriptors revoked by the
    hang-up; when the read returns it dies before it runs again (it never
    logs that it woke, nothing it would write reaches the screen)."""
    child, u = session
    fs, path = stallfs
    for i in range(TRIALS):
        log = scratch / f"log{i}"
        log.touch()
        os.chown(log, u.pw_uid, -1)
        pid = run(child, f"{helper('adversary')} read {path} {log}")
        assert fs.stdout.readline() == "reading\n"
        time.sleep(0.05)
        child.send(SAK)
        child.expect_exact(TSH_PROMPT, timeout=20)
        screen = child.before
        assert state(pid) == "D" and kill_pending(pid)
        answer(fs)
        assert gone(pid)
        assert log.read_text() == ""
        sync(child, screen)
        assert untrusted(u.pw_uid, int(record(child)["sid"])) == []
        back_to_shell(child)


@pytest.mark.parametrize("walk", WALKS)
def test_sweep_and_a_holder_in_uninterruptible_sleep(pty_adversary, stallfs,
                                                     walk):
    """The sweep alone does not wait for a holder it cannot end: it kills
    it (SIGKILL pending, D) and returns at once; the holder dies when its
    read returns."""
    fs, path = stallfs
    for _ in range(TRIALS):
        p, pty, _ = pty_adversary("read", path)
        assert fs.stdout.readline() == "reading\n"
        t0 = time.monotonic()
        r = sweeptool(walk, pty)
        assert time.monotonic() - t0 < 2
        assert r.returncode == 0 and r.stdout.startswith("killed 1 "), \
            (r.stdout, r.stderr)
        deadline = time.monotonic() + 2     # on its way back to the wait
        while state(p.pid) != "D" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert state(p.pid) == "D" and kill_pending(p.pid)
        answer(fs)
        assert p.wait(timeout=5) == -signal.SIGKILL


# -- descriptors no walk sees ---------------------------------------------


def user_file(scratch, name, uid):
    f = scratch / name
    f.touch()
    os.chown(f, uid, -1)
    return f


def test_a_descriptor_only_in_a_queued_message(session, scratch):
    """The pty only in an SCM_RIGHTS message queued on a socket pair whose
    other end a child in a session of its own keeps unread (the sender
    closed its copies and exited): no walk sees it; received after the
    key, it is revoked (EIO) and nothing reaches the screen."""
    child, u = session
    for i in range(TRIALS):
        result = user_file(scratch, f"r{i}", u.pw_uid)
        run(child, f"{helper('adversary')} queue {result}")
        screen = press_sak(child, u.pw_uid)
        assert result.read_text() == f"refused {errno.EIO}\n"
        sync(child, screen)
        back_to_shell(child)


def ring_results(result):
    """What the io_uring adversary found after the key, once it is done."""
    deadline = time.monotonic() + 5
    while not result.read_text().endswith("done\n"):
        assert time.monotonic() < deadline, result.read_text()
        time.sleep(0.02)
    return dict(line.split(" ", 1) for line in
                result.read_text().splitlines() if " " in line)


def assert_revoked(got, early):
    """Writes fail with EIO; reads, also one queued before the key, end
    with nothing (0) or EIO."""
    eio = f"-{errno.EIO}"
    assert got["revoked"] == eio and got["write"] == eio, got
    assert got["read"].split()[0] in ("0", eio), got
    if early:
        assert got["pending"].split()[0] in ("0", eio), got


def test_an_io_uring_with_the_pty(session, scratch):
    """The pty only as a fixed file of an io_uring, in a child in a session
    of its own, with a read queued: no walk sees it, and it is not killed;
    after the key its writes fail (EIO), its reads get nothing, and nothing
    reaches the screen."""
    child, u = session
    for i in range(TRIALS):
        result = user_file(scratch, f"r{i}", u.pw_uid)
        run(child, f"{helper('adversary')} uring {result} early")
        screen = press_sak(child, u.pw_uid)
        assert_revoked(ring_results(result), early=True)
        sync(child, screen)
        back_to_shell(child)


def test_an_io_uring_with_the_terminal(session, scratch, pidfds):
    """A root process outside the session with the terminal only as a
    fixed file of an io_uring: not killed, revoked; what is typed after
    the key goes to the trusted shell, not to its reads."""
    child, u = session
    for i in range(TRIALS):
        result = scratch / f"r{i}"
        tty = os.open(child.path, os.O_RDWR | os.O_NOCTTY)
        try:
            subprocess.run([helper("adversary"), "uring", str(result)],
                           stdin=tty, stdout=tty, stderr=tty, check=True,
                           start_new_session=True)
        finally:
            os.close(tty)
        child.expect(r"READY (\d+)")
        ring = int(child.match.group(1))
        pidfds.track(ring)
        screen = press_sak(child, u.pw_uid)
        sync(child, screen)
        got = ring_results(result)
        assert_revoked(got, early=False)
        assert "SYNC" not in got["read"]
        assert gone(ring)
        back_to_shell(child)


@pytest.mark.parametrize("walk", WALKS)
def test_no_walk_sees_an_io_uring_and_the_hang_up_revokes_it(pty_adversary,
                                                            scratch, walk):
    """The sweep alone, either walk: a process that keeps a pty only as an
    io_uring's fixed file is not found (killed 0, it lives on); the
    pty's hang-up revokes what it keeps."""
    result = scratch / "r"
    p, path, (ring,) = pty_adversary("uring", str(result), "early")
    assert p.wait(timeout=5) == 0
    r = sweeptool(walk, path)
    assert r.returncode == 0 and r.stdout.startswith("killed 0 "), \
        (r.stdout, r.stderr)
    assert alive(ring) and result.read_text() == ""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        fcntl.ioctl(fd, TIOCVHANGUP)
    finally:
        os.close(fd)
    assert_revoked(ring_results(result), early=True)
    assert gone(ring)


# -- PID namespaces ---------------------------------------------------


def inner(p):
    """The process unshare --fork started (PID 1 of its namespace)."""
    deadline = time.monotonic() + 5
    while True:
        with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
            kids = [int(c) for c in f.read().split()]
        if kids:
            return kids[0]
        assert time.monotonic() < deadline
        time.sleep(0.01)


UNSHARE_PID = ["unshare", "--pid", "--fork"]


def test_root_holder_in_another_pid_namespace(session):
    """A root process in a PID namespace of its own (it is PID 1 there),
    in no session of the user's, holding the terminal: killed."""
    child, u = session
    for _ in range(TRIALS):
        holder = holder_outside(child.path, wrap=UNSHARE_PID)
        try:
            assert holder.stdout.readline() == b"open\n"
            ns_init = inner(holder)
            press_sak(child, u.pw_uid, settle=0)
            assert gone(ns_init)
            holder.wait(timeout=5)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        back_to_shell(child)


@pytest.mark.parametrize("walk", WALKS)
def test_sweep_kills_a_holder_in_another_pid_namespace(procs, walk):
    """The sweep alone, either walk: a root holder of a pty that is PID 1
    of a PID namespace of its own (unshare itself holds nothing)."""
    for _ in range(TRIALS):
        master, slave = os.openpty()
        path = os.ttyname(slave)
        try:
            p = procs.popen(UNSHARE_PID + [
                "sh", "-c", f'exec {helper("adversary")} ignore '
                f'<{path} >{path} 2>&1'], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            out = b""
            while b"READY" not in out or not out.endswith(b"\n"):
                out += os.read(master, 256)
            os.close(slave)                     # (the sweep would kill us)
            slave = -1
            assert out.split()[1] == b"1"       # its own PID there
            ns_init = inner(p)
            r = sweeptool(walk, path)
            assert r.returncode == 0 and r.stdout.startswith("killed 1 "), \
                (r.stdout, r.stderr)
            assert gone(ns_init)
            p.wait(timeout=5)
        finally:
            if slave != -1:
                os.close(slave)
            os.close(master)
