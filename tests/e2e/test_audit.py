"""tp_audit through the kernel to auditd: real records, read with ausearch."""
import os
import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import helper

POLL_SECONDS = 5.0


def ausearch(daemon, *args, types="TRUSTED_APP"):
    r = subprocess.run([daemon.ausearch, "-m", types, "-ts", "recent",
                        *args], capture_output=True, text=True,
                       errors="replace")  # -i decodes other records' bytes
    # exit 1 with "<no matches>" until the record is there
    return r.stdout.splitlines() if r.returncode == 0 else []


def find(daemon, nonce, *args, types="TRUSTED_APP"):
    """The record lines of types holding nonce, polled for up to
    POLL_SECONDS."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        hits = [line for line in ausearch(daemon, *args, types=types)
                if nonce in line]
        if hits or time.monotonic() > deadline:
            return hits
        time.sleep(0.1)


def msg_fields(line):
    """The fields of msg='...' in a raw record, as (key, value) pairs."""
    start = line.index("msg='") + len("msg='")
    body = line[start:line.index("'", start)]
    return [tuple(w.split("=", 1)) for w in body.split(" ")]


def test_record_reaches_auditd_with_encoded_values(auditd):  # noqa: F811
    nonce = f"tpath-{uuid.uuid4().hex}"
    # a blank, a double quote, and an attempt to forge a result field
    path = f'/tmp/tpath e2e/"{nonce}" res=failed'
    r = subprocess.run([helper("audittool"), "e2e-audit", "nonce", nonce,
                        "path", path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0\n", "tp_audit fell back to syslog"

    raw = find(auditd, nonce, "--raw")
    assert len(raw) == 1, f"no single record with {nonce} in {POLL_SECONDS} s"
    fields = msg_fields(raw[0])
    keys = [k for k, _ in fields]
    assert keys == ["op", "nonce", "path", "exe", "hostname", "addr",
                    "terminal", "res"], raw[0]
    values = dict(fields)
    assert values["op"] == "e2e-audit"
    assert values["nonce"] == f'"{nonce}"'
    assert bytes.fromhex(values["path"]).decode() == path
    assert values["res"] == "success"

    # ausearch -i decodes the hex back to the exact path
    text = find(auditd, nonce, "-i")
    assert len(text) == 1, f"ausearch -i does not show {nonce}"
    assert f"op=e2e-audit nonce={nonce} path={path} exe=" in text[0]
    assert text[0].rstrip().split("res=")[-1].startswith("success")


# The syslog fallback, caught on a /dev/log of the test's own: a mount
# namespace whose /dev is a tmpfs holding the host's null, pts and ptmx and,
# as log, a socket the test reads.  The user namespace it is made in is
# what makes the kernel refuse the record (audit takes records from the
# initial user namespace only), so tp_audit falls back, as where the
# kernel has no audit, and nothing outside the test is touched.
PRIVATE_DEV_LOG = """
set -e
mount --rbind /dev "$1/olddev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for n in null zero urandom ptmx tty; do
    touch "/dev/$n"; mount --bind "$1/olddev/$n" "/dev/$n"
done
mkdir /dev/pts; mount --bind "$1/olddev/pts" /dev/pts
touch /dev/log; mount --bind "$1/log" /dev/log
shift; exec "$@"
"""


def fallback_line(tmp_path, argv, **kw):
    """The syslog message of argv run where audit refuses its record:
    (the program's output, the message after "ident[pid]: ")."""
    import socket
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) not installed")
    (tmp_path / "olddev").mkdir()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "log"))
    sock.settimeout(5)
    try:
        r = subprocess.run([unshare, "--user", "--map-root-user", "--mount",
                            "sh", "-c", PRIVATE_DEV_LOG, "sh", str(tmp_path),
                            *argv], capture_output=True, text=True, **kw)
        if "Operation not permitted" in r.stderr and r.returncode != 0:
            pytest.skip(f"no user and mount namespace here: {r.stderr}")
        assert r.returncode == 0, r.stderr
        msg = sock.recv(65536).decode()
    finally:
        sock.close()
    # <PRI>Mmm dd hh:mm:ss ident[pid]: message
    m = re.match(r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+)\[(\d+)\]: (.*)\Z",
                 msg, re.S)
    assert m, msg
    assert int(m.group(1)) & ~7 == 10 << 3, msg     # LOG_AUTHPRIV
    return r.stdout, m.group(4)


def record_pairs(line):
    """A record's pairs: type, the kernel's (pid uid auid ses) and those of
    msg='...', in order; from an audit log line or a fallback message."""
    line = re.sub(r"^(node=\S+ )?(type=\S+) msg=audit\([\d.:]+\): ", r"\2 ",
                  line.split("\x1d")[0])
    assert " msg='" in line, f"not in the record's form: {line!r}"
    head, body = line.split(" msg='", 1)
    assert body.endswith("'") and "'" not in body[:-1], line
    return [tuple(w.split("=", 1)) for w in head.split(" ")] + \
        msg_fields("msg='" + body)


def test_the_syslog_fallback_is_the_audit_record(auditd, tmp_path):  # noqa: F811,E501
    """The same event, on a terminal, once to the audit trail and once
    where audit refuses it: the syslog line has the record's pairs, in its
    order, with its names and encoding (the kernel's pid, uid, auid, ses;
    libaudit's exe, hostname, addr, terminal, res), but for the pid, and
    is one line however hostile the values."""
    nonce = f"tpath-{uuid.uuid4().hex}"
    path = f"/tmp/tpath e2e/'{nonce}'\nres=success"
    argv = [helper("audittool"), "e2e-fallback", "nonce", nonce,
            "path", path]
    master, slave = os.openpty()
    try:
        r = subprocess.run(argv, stdin=slave, capture_output=True, text=True)
        assert r.stdout == "0\n", r.stderr
        out, line = fallback_line(tmp_path, argv, stdin=slave)
        term = os.ttyname(slave).removeprefix("/dev/")
    finally:
        os.close(master)
        os.close(slave)
    assert out == "1\n", "the record was not refused: no fallback"
    raw = find(auditd, nonce, "--raw")
    assert len(raw) == 1, raw
    audit, syslog = record_pairs(raw[0]), record_pairs(line)
    assert "\n" not in line and line.count("'") == 2, line
    assert [k for k, _ in syslog] == [k for k, _ in audit] == [
        "type", "pid", "uid", "auid", "ses", "op", "nonce", "path", "exe",
        "hostname", "addr", "terminal", "res"], (raw[0], line)
    a, s = dict(audit), dict(syslog)
    assert a.pop("pid") != s.pop("pid")         # two processes
    assert s == a, (raw[0], line)
    assert a["terminal"] == term and a["hostname"] == socket.gethostname()
    assert bytes.fromhex(s["path"]).decode() == path
