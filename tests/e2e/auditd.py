"""A running audit daemon for the tests that read audit records.

Use it with `from auditd import auditd` in the test module.  When auditd is
already running it is left alone; otherwise the fixture starts `auditd -n`,
remembers its PID, and at the end of the session ends it by that PID (never
by name) and puts the kernel's `enabled` flag back as it found it.  Where the
tools are missing, the kernel has no audit, or the daemon cannot start, the
tests that use it are skipped with the reason.

The kernel takes one daemon at a time.  A test that needs a daemon of its
own (the fleet's node, test_audit_fleet.py) asks `auditd.replaced(argv)`:
only a daemon this session started is ever stopped for it, by PID, and the
plain one is started again when the test is done, so the records of the
tests after it (and of anyone reading the trail meanwhile) still arrive.
"""
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass

import pytest

SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
START_TIMEOUT = 10.0


@dataclass
class Auditd:
    pid: int            # the daemon's PID
    started: bool       # True when this fixture started it
    ausearch: str       # path of ausearch(8)
    paths: dict = None  # auditd, auditctl, ausearch
    proc: subprocess.Popen = None   # the daemon, when this fixture started it

    @contextlib.contextmanager
    def replaced(self, argv):
        """The kernel's daemon is argv's (which must exec auditd itself,
        keeping its PID) for the with block; then the plain one again.
        A skip when the running daemon is not this session's own."""
        if not self.started:
            pytest.skip(f"the kernel's audit daemon (pid {self.pid}) is "
                        f"not this test session's: it is not stopped for "
                        f"a daemon of the test's own")
        stop(self.proc)
        try:
            proc, why = launch(argv, self.paths)
            try:
                if why:
                    pytest.skip(why)
                yield proc
            finally:
                stop(proc)
        finally:
            self.proc, why = launch([self.paths["auditd"], "-n"], self.paths)
            assert why is None, f"the plain auditd again: {why}"
            self.pid = self.proc.pid


def tool(name):
    return shutil.which(name, path=SBIN_PATH)


def status(auditctl):
    """`auditctl -s` as a dict of ints; None when the kernel says no."""
    r = subprocess.run([auditctl, "-s"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, (r.stderr or r.stdout).strip()
    st = {}
    for line in r.stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[1].isdigit():
            st[words[0]] = int(words[1])
    if "pid" not in st or "enabled" not in st:
        return None, f"auditctl -s said: {r.stdout.strip()!r}"
    return st, ""


def wait_for_daemon(proc, auditctl, log):
    """Wait until the kernel names proc as its daemon, with audit on."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            return f"auditd -n exited with {proc.returncode}: " \
                f"{log.read().strip()}"
        st, _ = status(auditctl)
        if st and st["pid"] == proc.pid and st["enabled"] in (1, 2):
            return None
        time.sleep(0.05)
    return f"auditd (pid {proc.pid}) not registered with the kernel " \
        f"after {START_TIMEOUT:.0f} s"


def stop(proc):
    """End our daemon by its PID: SIGTERM, then SIGKILL if it hangs."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def launch(argv, paths):
    """Start an audit daemon; (its Popen, None) once the kernel names it,
    or (the Popen, why not), the daemon ended."""
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)
        why = wait_for_daemon(proc, paths["auditctl"], log)
    if why:
        stop(proc)
    return proc, why


def precheck():
    """(auditctl, ausearch, auditd paths, kernel status) or a skip."""
    paths = {n: tool(n) for n in ("auditd", "auditctl", "ausearch")}
    missing = [n for n, p in paths.items() if p is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian package "
                    f"auditd; make deps)")
    if os.geteuid() != 0:
        pytest.skip("needs root: audit records are written and read as root")
    st, why = status(paths["auditctl"])
    if st is None:
        pytest.skip(f"the kernel has no usable audit: {why}")
    return paths, st


# The daemon this test process started.  Each module that imports the
# fixture has its own instance of it: they share this one.
_ours = None


@pytest.fixture(scope="session")
def auditd():
    global _ours
    paths, st = precheck()
    if _ours is not None and _ours.pid == st["pid"]:
        yield _ours
        return
    if st["pid"] != 0:
        if st["enabled"] not in (1, 2):
            pytest.skip(f"auditd (pid {st['pid']}) runs, but audit is off "
                        f"(enabled {st['enabled']}); not changing it")
        yield Auditd(st["pid"], False, paths["ausearch"])
        return
    proc, why = launch([paths["auditd"], "-n"], paths)
    daemon = Auditd(proc.pid, True, paths["ausearch"], paths, proc)
    try:
        if why:
            pytest.skip(why)
        _ours = daemon
        yield daemon
    finally:
        _ours = None
        stop(daemon.proc)
        # auditd leaves audit on when it ends; put back what we found
        after, _ = status(paths["auditctl"])
        if st["enabled"] == 0 and after and after["enabled"] == 1:
            subprocess.run([paths["auditctl"], "-e", "0"],
                           capture_output=True)
