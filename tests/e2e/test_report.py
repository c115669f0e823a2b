"""tcbck --report: what a minimal system (BSI S 4.95) should not have,
found on this machine's own directories, with files, a listening socket
and a trusted interpreter put there by the test."""
import json
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from test_tcbck import tcbck

SRC = Path(__file__).parents[2]


@pytest.fixture
def planted(confdir):
    """In /usr/local (a system directory): a compiler the list names, a
    set-user-ID program, a world-writable file and directory; a copy of
    the shipped list with a stanza for the compiler."""
    if not os.path.isdir("/usr/local/lib"):
        pytest.skip("no /usr/local/lib")
    d = Path("/usr/local/lib/tpath-test-report")
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "tpath-test-cc").write_bytes(b"#!/bin/sh\n")
    (d / "tpath-test-cc").chmod(0o755)
    shutil.copy("/usr/bin/true", d / "suid")
    (d / "suid").chmod(0o4755)
    (d / "open").write_text("anyone\n")
    (d / "open").chmod(0o666)
    (d / "drop").mkdir()
    (d / "drop").chmod(0o1777)
    text = (SRC / "conf" / "escapes").read_text()
    (confdir / "escapes").write_text(
        text + '\ntpath-test-cc:\n\tkind = compiler\n\treason = "a test '
        'compiler"\n')
    yield confdir, d
    shutil.rmtree(d)


def report(confdir):
    r = tcbck(confdir, "--json", "--report")
    assert r.returncode == 1, r.stderr          # something is always found
    doc = json.loads(r.stdout)
    return doc, {(x["check"], x["path"]): x for x in doc["findings"]}


def test_the_report_finds_what_was_planted(planted):
    conf, d = planted
    python = os.path.realpath(sys.executable)
    assert tcbck(conf, "-a", python, "mode=TCB,755").returncode == 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        doc, found = report(conf)
    assert found[("compiler", f"{d}/tpath-test-cc")]["message"] == \
        "a test compiler"
    suid = found[("setuid", f"{d}/suid")]
    assert suid["message"] == "set-user-ID root" and not suid["recorded"]
    assert found[("world-writable", f"{d}/open")]["message"] == \
        "a file others may write"
    assert found[("world-writable", f"{d}/drop")]["message"] == \
        "a directory others may write (sticky)"
    # the test's interpreter: present, and trusted
    esc = found[("escape", python)]
    assert esc["trusted"] and esc["message"].startswith(
        "flagged TCB, and runs other programs (an interpreter")
    assert found[("interpreter", python)]["trusted"]
    # the test's listening socket, and this process behind it
    ours = [x for x in doc["findings"] if x["check"] == "listening" and
            f"127.0.0.1:{port}" in x["message"]]
    assert [(x["path"], x["message"]) for x in ours] == \
        [(python, f"tcp 127.0.0.1:{port}: pid {os.getpid()}")]
    counts = doc["counts"]
    for check in ("compiler", "setuid", "world-writable", "listening",
                  "escape", "interpreter"):
        assert counts[check] == sum(1 for c, _ in found if c == check)
    assert doc["walked"] > 1000
    # the text form: one line per finding on stdout, and the counts
    r = tcbck(conf, "--report")
    assert f"setuid: {d}/suid: set-user-ID root\n" in r.stdout
    assert r.stdout.splitlines()[-1].startswith("tcbck: ")


def test_the_report_reads_and_changes_nothing(planted):
    conf, d = planted
    before = sorted((p.name, p.stat().st_mode) for p in d.iterdir())
    report(conf)
    assert sorted((p.name, p.stat().st_mode) for p in d.iterdir()) == before
    assert not (conf / "sysck.cfg").exists() or \
        (conf / "sysck.cfg").read_text().count("\n/") == 0
