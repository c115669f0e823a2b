"""tp_audit through the kernel to auditd: real records, read with ausearch."""
import subprocess
import time
import uuid

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import helper

POLL_SECONDS = 5.0


def ausearch(daemon, *args):
    r = subprocess.run([daemon.ausearch, "-m", "TRUSTED_APP", "-ts", "recent",
                        *args], capture_output=True, text=True,
                       errors="replace")  # -i decodes other records' bytes
    # exit 1 with "<no matches>" until the record is there
    return r.stdout.splitlines() if r.returncode == 0 else []


def find(daemon, nonce, *args):
    """The record line holding nonce, polled for up to POLL_SECONDS."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        hits = [line for line in ausearch(daemon, *args) if nonce in line]
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
