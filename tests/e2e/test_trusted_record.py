"""The trusted-path record lives exactly as long as its shell.

tgetty ends a session whole on SIGTERM and SIGHUP of its own (what
`systemctl stop` sends), as at logout; a record is believed only while the
tgetty that wrote it and the shell it names are alive as the very
processes recorded, and only for the recorded real user; a starting tgetty
removes the records of gone ones, and keeps those of living ones."""
import ctypes
import os
import pwd
import signal
import subprocess
import sys
import time

import pytest

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import BUILD, helper
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_sak import SAK, TSH_PROMPT, alive, config, record, users
from test_tgetty import getty, log_in, shell_user  # noqa: F401 (fixtures)
from test_utmp import utmp_file  # noqa: F401 (the fixture)

TRIALS = 20
MODULE = BUILD / "pam_tpath.so"


def who(line):
    out = subprocess.run(["who"], capture_output=True, text=True).stdout
    return [w.split()[0] for w in out.splitlines() if w.split()[1:2] == [line]]


@pytest.fixture
def pam_log(getty):  # noqa: F811
    """The test service's PAM sessions, as pam_exec sees them open and
    close: lines "open_session USER", "close_session USER"."""
    log = getty.pamconf / "sessions.log"
    hook = getty.pamconf / "hook"
    hook.write_text(f'#!/bin/sh\necho "$PAM_TYPE $PAM_USER" >> {log}\n')
    hook.chmod(0o755)
    svc = getty.pamconf / "tptest"
    svc.write_text(svc.read_text() + f"session optional pam_exec.so {hook}\n")
    return log


def ausearch_logouts(daemon, since, pid):
    r = subprocess.run([daemon.ausearch, "-m", "USER_LOGOUT", "-ts", "today",
                        since, "-i"], capture_output=True, text=True,
                       errors="replace")
    return [x for x in r.stdout.splitlines() if "op=logout" in x and
            f"pid={pid} " in x]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_tgetty_ends_a_trusted_session_whole(
        getty, shell_user, confdir, pam_log, utmp_file, auditd, sig):  # noqa: F811,E501
    """SIGTERM or SIGHUP to tgetty while a trusted shell runs: the PAM
    session is closed, logout is recorded (utmp, audit), the session's
    detached job is killed and the record removed, at once."""
    since = time.strftime("%H:%M:%S")
    cfg, who_ = config(confdir), users(shell_user.pw_name, "on")
    pids = []
    for i in range(TRIALS):
        p, child, path, _ = getty(cfg, users=who_)
        log_in(child, shell_user.pw_name, PASSWORD)
        child.expect_exact("$ ")
        child.sendline("setsid sleep 1000 </dev/null >/dev/null 2>&1 & "
                       "echo JOB-$!")
        child.expect(r"JOB-(\d+)")
        job = int(child.match.group(1))
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        rec = record(child)
        assert rec is not None
        assert who(path[len("/dev/"):]) == [shell_user.pw_name]
        t = time.monotonic()
        p.send_signal(sig)
        assert p.wait(timeout=10) == 0
        assert time.monotonic() - t < 5        # well within a stop timeout
        assert record(child) is None
        assert not alive(job) and not alive(int(rec["sid"]))
        assert who(path[len("/dev/"):]) == []
        pids.append(p.pid)
        os.close(child.child_fd)
    lines = pam_log.read_text().splitlines()
    assert lines.count(f"open_session {shell_user.pw_name}") == TRIALS
    assert lines.count(f"close_session {shell_user.pw_name}") == TRIALS
    time.sleep(0.5)
    for pid in pids[-3:]:                      # audit: logout recorded
        assert len(ausearch_logouts(auditd, since, pid)) == 1, pid


# Another local user: a process with the recorded session ID, whose
# controlling terminal is a pty of the recorded number, asks PAM to
# authenticate; pam_tpath trusted_only is first.  "PROMPT" means it
# passed: pam_unix asked for the password.
ATTACK = r"""
import fcntl, os, struct, sys, time
want, pamtool, service, pamdir, name = int(sys.argv[1]), *sys.argv[2:]
def pty_numbered(want):
    # ptys opened until one has the number; the others are closed
    held = []
    try:
        while len(held) < 2000:
            m = os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY)
            n = struct.unpack("I", fcntl.ioctl(m, 0x80045430, b"\0" * 4))[0]
            if n == want:
                return m
            held.append(m)
    finally:
        for fd in held:
            os.close(fd)
    return None
for _ in range(50):             # another process may hold it a moment
    m = pty_numbered(want)
    if m is not None:
        break
    time.sleep(0.1)
else:
    print("NO-PTY", flush=True)
    sys.exit(3)
n = want
fcntl.ioctl(m, 0x40045431, struct.pack("i", 0))      # TIOCSPTLCK: unlock
s = os.open(f"/dev/pts/{n}", os.O_RDWR)               # our ctty now
print("SID", os.getsid(0), "PTY", n, flush=True)
if os.fork() == 0:
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.execv(pamtool, [pamtool, service, pamdir, name, "auth"])
os.close(s)
out = b""
while b"RESULT" not in out:
    try:
        chunk = os.read(m, 4096)
    except OSError:
        break
    if not chunk:
        break
    if b"PROMPT" in chunk:
        os.write(m, b"x\n")
    out += chunk
print(out.decode(errors="replace"), flush=True)
"""


def set_last_pid(n):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(n))


def attack_as(attacker, sid, pty, pamdir, name):
    """Start the attack as a process with PID (and session ID) sid."""
    argv = ["setpriv", f"--reuid={attacker.pw_uid}",
            f"--regid={attacker.pw_gid}", "--clear-groups", sys.executable, "-c",
            ATTACK, str(pty), helper("pamtool"), "tp-auth", str(pamdir),
            name]
    for _ in range(1000):               # other forks may take it first
        set_last_pid(sid - 1)
        a = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
        if a.pid == sid:
            out, _ = a.communicate(timeout=30)
            return out
        a.kill()
        a.wait()
    pytest.fail(f"PID {sid} could not be had again")


@pytest.fixture
def subreaper():
    """Orphans of what the test starts come to the test (PID 1 here does
    not reap them), so that their PIDs can be had again once reaped."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(36, 1, 0, 0, 0) == 0      # PR_SET_CHILD_SUBREAPER
    yield
    libc.prctl(36, 0, 0, 0, 0)


def test_a_killed_tgetty_leaves_a_record_nobody_can_use(
        getty, shell_user, confdir, scratch, subreaper):  # noqa: F811
    """tgetty killed (SIGKILL) while a trusted shell runs: its record
    stays, but another local user who gets the recorded session ID and a
    pty of the recorded number is not on the trusted path; and the next
    tgetty to start removes the record."""
    if not os.path.exists("/proc/sys/kernel/ns_last_pid"):
        pytest.skip("no ns_last_pid (CONFIG_CHECKPOINT_RESTORE)")
    attacker = pwd.getpwnam("nobody")
    run, pamdir = scratch / "run", scratch / "pam.d"
    run.mkdir(mode=0o755)
    pamdir.mkdir(mode=0o755)
    (pamdir / "tp-auth").write_text(
        f"auth requisite {MODULE} trusted_only confdir={confdir} "
        f"rundir={run}\nauth required pam_unix.so\n")
    cfg, who_ = config(confdir), users(shell_user.pw_name, "on")
    for _ in range(TRIALS):
        p, child, _, _ = getty(cfg, users=who_, run_dir=run)
        log_in(child, shell_user.pw_name, PASSWORD)
        child.expect_exact("$ ")
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        rec = record(child)
        sid, pty = int(rec["sid"]), int(rec["tty"].rsplit("/", 1)[1])
        p.kill()
        p.wait()
        os.waitpid(sid, 0)                  # tsh: hung up, an orphan
        assert record(child) == rec         # it could not clear it
        out = attack_as(attacker, sid, pty, pamdir, shell_user.pw_name)
        assert f"SID {sid} PTY {pty}" in out, out
        assert "PROMPT" not in out and "RESULT" in out, out
        # the next tgetty to start (on another port) removes it
        p2, child2, _, _ = getty(cfg, users=who_, run_dir=run)
        assert record(child) is None
        p2.kill()
        p2.wait()
        os.close(child.child_fd)


def test_a_starting_tgetty_keeps_a_living_ones_record(getty, shell_user,
                                                      confdir):  # noqa: F811
    """tgettys starting on other ports leave the record of a trusted
    shell that runs: it stays, and stays that shell's."""
    cfg, who_ = config(confdir), users(shell_user.pw_name, "on")
    p, child, _, _ = getty(cfg, users=who_)
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    rec = record(child)
    for _ in range(TRIALS):
        p2, child2, _, _ = getty(cfg, users=who_)
        assert record(child) == rec
        p2.kill()
        p2.wait()
        os.close(child2.child_fd)
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    assert record(child) is None
