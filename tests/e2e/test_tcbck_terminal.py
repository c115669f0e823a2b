"""tcbck where a person is: audit records of its fixes, the progress line
on a terminal (and never off one), and -t asking before each fix."""
import os
import stat
import subprocess
import uuid

import pexpect

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import program
from test_audit import find
from test_tcbck import tcbck


def test_fix_and_hash_mismatch_are_audited(confdir, scratch, auditd):  # noqa: F811
    f = scratch / f"audited-{uuid.uuid4().hex}"
    f.write_text("content\n")
    assert tcbck(confdir, "-a", str(f)).returncode == 0
    f.chmod(0o777)
    assert tcbck(confdir, "-y", str(f)).returncode == 0
    hits = find(auditd, f.name, "-i", types="USYS_CONFIG")
    # USYS_CONFIG: fields the tools do not know are shown as written
    assert any("op=tcbck-fix" in h and 'fix="mode"' in h and
               "res=success" in h for h in hits), hits
    assert any("op=tcbck-add" in h for h in hits), hits
    f.write_text("changed\n")
    assert tcbck(confdir, "-n", str(f)).returncode == 1
    hits = find(auditd, f.name, "-i", types="USYS_CONFIG")
    assert any("op=tcbck-hash-mismatch" in h and "res=failed" in h
               for h in hits), hits


def many_entries(confdir, scratch, n=3000):
    for i in range(n):
        (scratch / f"f{i}").write_bytes(os.urandom(4096))
    files = [str(scratch / f"f{i}") for i in range(n)]
    for i in range(0, n, 1000):
        assert tcbck(confdir, "-a", *files[i:i + 1000]).returncode == 0


def test_progress_line_only_on_a_terminal(confdir, scratch, procs):
    many_entries(confdir, scratch)
    # on a pty: a carriage-return redrawn line, then the summary
    child = pexpect.spawn(program("tcbck"), ["-C", str(confdir), "-j", "1",
                                             "-n", "ALL"],
                          env={**os.environ, "TERM": "xterm"},
                          encoding="utf-8", timeout=60)
    child.expect(r"\rtcbck: checked \d+ of 3000")
    child.expect(r"tcbck: 3000 checked, 0 problems, 0 fixed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    # not on a terminal: no progress line at all
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-j", "1",
                        "-n", "ALL"], capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stderr == "tcbck: 3000 checked, 0 problems, 0 fixed\n"


def test_t_asks_before_each_fix(confdir, scratch):
    a, b = scratch / "a", scratch / "b"
    for f in (a, b):
        f.write_text("x\n")
    assert tcbck(confdir, "-a", str(a), str(b)).returncode == 0
    a.chmod(0o700)
    b.chmod(0o700)
    child = pexpect.spawn(program("tcbck"), ["-C", str(confdir), "-t", "ALL"],
                          encoding="utf-8", timeout=20)
    child.expect_exact(f"{a}: mode is 0700, should be 0644. Fix it? (y/n) ")
    child.sendline("y")
    child.expect_exact(f"{b}: mode is 0700, should be 0644. Fix it? (y/n) ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert stat.S_IMODE(a.stat().st_mode) == 0o644
    assert stat.S_IMODE(b.stat().st_mode) == 0o700


def test_t_tree_clears_setuid_only_when_told(confdir, scratch):
    (scratch / "reg").write_text("r")
    assert tcbck(confdir, "-a", str(scratch / "reg")).returncode == 0
    suid = scratch / "suid"
    suid.write_text("#!/bin/sh\n")
    suid.chmod(0o4755)
    child = pexpect.spawn(program("tcbck"), ["-C", str(confdir), "-t", "tree",
                                             str(scratch)],
                          encoding="utf-8", timeout=20)
    child.expect_exact(f"{suid}: setuid program not in the database. "
                       "Fix it? (y/n) ")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stat.S_IMODE(suid.stat().st_mode) == 0o755


def test_t_needs_a_terminal(confdir):
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-t", "ALL"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       start_new_session=True)
    assert r.returncode == 2
    assert "-t needs a terminal" in r.stderr
