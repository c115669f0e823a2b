"""The trusted shell's control socket, from tgetty's side: tsh runs as the
user, so every byte it sends is the user's.  A hostile trusted shell
(the ctltool helper, started by tgetty as tsh, holding the real socket)
sends what a subverted tsh could; tgetty writes a USER_CMD record only for
a well-formed command event, with its own account, auid and terminal and
the values encoded, and refuses every other message whole, saying so
(TRUSTED_APP op=tsh-control res=failed, the first REPORTS of a shell's
refused messages; then syslog says no more are): no other record type, no account,
result or field of the sender's choosing, nothing cut or merged."""
import os
import re
import time
import uuid

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import helper, program
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_tgetty import getty, log_in, shell_user  # noqa: F401 (fixtures)
from test_tsh import register
from test_tgetty import audit_tool

REPORTS = 16        # refused messages recorded per shell (getty/shell.c)


def z(*words):
    """Each word NUL-ended, as tsh sends them."""
    return b"".join(w.encode() + b"\0" for w in words)


def msg_fields(raw):
    body = raw.split(" msg='", 1)[1].rsplit("'", 1)[0]
    return re.findall(r"([\w-]+)=(\"[^\"]*\"|\S+)", body)


def test_a_hostile_trusted_shell_forges_no_record(getty, shell_user,  # noqa: F811,E501
                                                  auditd):  # noqa: F811
    name = shell_user.pw_name
    (getty.pamconf / "tptest").write_text(
        (getty.pamconf / "tptest").read_text() +
        "session  required pam_loginuid.so\n")
    n = uuid.uuid4().hex[:10]
    ctl = helper("ctltool")
    register(getty.confdir, ctl)
    inject = f'/n{n}/k" res=success acct="root\nuid=0\'x'
    good = [
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/0ok"),
        z("audit", "tsh-exec", "failed", "cmd", inject),
        z("audit", "tsh-refuse", "failed", "cmd", f"/n{n}/z", "reason",
          "untrusted", "what", "x=1 'q' \"r\""),
    ]
    bad = [
        z("audit", "login", "success", "acct", "root"),     # another type
        z("audit", "sak", "success", "cmd", f"/n{n}/a"),
        z("audit", "tsh-refuse", "success", "cmd", f"/n{n}/b"),
        z("audit", "tsh-exec", "success", "acct", "root", "cmd",
          f"/n{n}/c"),                                      # its account
        z("audit", "tsh-exec", "failed", "cmd", f"/n{n}/d", "res",
          "success"),                                       # its result
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/h", "cmd",
          "/bin/true"),                                     # twice
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/i", "reason",
          "x res=success"),                                 # not a reason
        z("audit", "tsh-exec", "success", "terminal", "tty1"),
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/e" + "A" * 3000),
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/f" + "A" * 2040,
          "what", "B" * 2040),                              # > 4096
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/g" + "A" * 60000),
        z("audit", "tsh-exec", "success", "cmd")[:-1],      # no value
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/j")[:-1],
        z("audit", "tsh-exec", "success", "cmd", f"/n{n}/l", "x"),
        z("audit", "TSH-EXEC", "success", "cmd", f"/n{n}/m"),
        z("Audit", "tsh-exec", "success", "cmd", f"/n{n}/o"),
        z("audit", "tsh-exec", "yes", "cmd", f"/n{n}/p"),
        b"audit\ntsh-exec\nsuccess\ncmd\n/n" + n.encode() + b"/q\n",
        b"shell\nX",
        b"",                                                # empty
        os.urandom(300) + n.encode(),                       # garbage
    ]
    # the good ones among the bad: the channel still works after each
    packets = [good[0], *bad[:10], good[1], *bad[10:], good[2]]
    (getty.confdir / "hostile").write_text(
        "".join(p.hex() + "\n" for p in packets))
    since = time.strftime("%H:%M:%S")
    p, child, path, _ = getty("default:\n\tlogindelay = 0\n"
                              f"\ttsh = {ctl}\n",
                              users=f"{name}:\n\ttpath = always\n")
    log_in(child, name, PASSWORD)
    child.expect_exact(f"ctltool: sent {len(packets)} of {len(packets)}")

    def ours():
        raw = audit_tool(auditd.ausearch, "-m",
                         "USER_CMD,USER_LOGIN,TRUSTED_APP", "-ts", "today",
                         since, "--raw")
        return [r for r in raw.splitlines() if f" pid={p.pid} " in r]

    # read while the shell runs: it waits, holding the socket open
    deadline = time.monotonic() + 10
    while True:
        recs = ours()
        cmds = [r for r in recs if r.startswith("type=USER_CMD ")]
        refused = [r for r in recs if "op=tsh-control " in r]
        if len(cmds) >= len(good) and len(refused) >= REPORTS:
            break
        assert time.monotonic() < deadline, "\n".join(recs)
        time.sleep(0.1)
    child.sendline("")
    assert p.wait(timeout=10) == 0

    recs = ours()
    uid = shell_user.pw_uid
    cmds = [r for r in recs if r.startswith("type=USER_CMD ")]
    refused = [r for r in recs if "op=tsh-control " in r]
    # the good ones only, in order, each with one account (the user's),
    # one result, the login's auid, tsh's terminal
    assert len(cmds) == len(good), "\n".join(cmds)
    terms = set()
    for rec, (op, res, pairs) in zip(cmds, (
            ("tsh-exec", "success", [("cmd", f"/n{n}/0ok")]),
            ("tsh-exec", "failed", [("cmd", inject)]),
            ("tsh-refuse", "failed", [("cmd", f"/n{n}/z"),
                                      ("reason", "untrusted"),
                                      ("what", "x=1 'q' \"r\"")]))):
        fields = msg_fields(rec)
        keys = [k for k, _ in fields]
        assert keys == ["op", "acct", *(k for k, _ in pairs), "exe",
                        "hostname", "addr", "terminal", "res"], rec
        got = dict(fields)
        assert got["op"] == op and got["res"] == res, rec
        assert got["acct"] == f'"{name}"', rec
        assert f" auid={uid} " in rec, rec
        assert got["exe"] == f'"{os.path.realpath(program("tgetty"))}"'
        for k, v in pairs:
            text = (got[k][1:-1] if got[k].startswith('"') else
                    bytes.fromhex(got[k]).decode())
            assert text == v, rec
        terms.add(got["terminal"])
    # tsh's pty, not the port's
    port = path.removeprefix("/dev/")
    assert len(terms) == 1 and re.fullmatch(r"pts/\d+", term := terms.pop())
    assert term != port
    # every bad one refused, the first REPORTS said, nothing of any
    # believed
    assert len(bad) > REPORTS and len(refused) == REPORTS, \
        "\n".join(refused)
    for rec in refused:
        assert rec.startswith("type=TRUSTED_APP ") and "res=failed" in rec
        assert f'acct="{name}"' in rec and f" terminal={term} " in rec, rec
    logins = [r for r in recs if r.startswith("type=USER_LOGIN ")]
    assert len(logins) == 1 and "res=success" in logins[0], logins
    for rec in recs:
        assert rec.count(" acct=") == 1 and rec.count(" res=") == 1, rec
        assert 'acct="root"' not in rec and "sak" not in rec, rec
        for k in "abcdefghijlmopq":
            for form in (f"/n{n}/{k}", f"/n{n}/{k}".encode().hex().upper()):
                assert form not in rec, (k, rec)


def test_each_tsh_the_key_starts_has_its_own_socket_and_records(
        getty, shell_user, confdir, auditd):  # noqa: F811
    """The real tsh: the key gives a fresh tsh with a control socket of its
    own, and the commands of both, the one killed by the key included, are
    written by tgetty with the user's account and login ID and the pty of
    the tsh that ran them (a tsh without a socket would write its own,
    as the user: to syslog, not the trail)."""
    from test_sak import SAK, TSH_PROMPT, logged_in
    (getty.pamconf / "tptest").write_text(
        (getty.pamconf / "tptest").read_text() +
        "session  required pam_loginuid.so\n")
    since = time.strftime("%H:%M:%S")
    p, child, path = logged_in(getty, shell_user, confdir, "on")
    register(confdir, "/usr/bin/tty")
    ptys = []
    for word in ("first", "second"):
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        child.sendline("tty")
        child.expect(r"/dev/(pts/\d+)")
        ptys.append(child.match.group(1))
        child.expect_exact(TSH_PROMPT)
        child.sendline(f"echo {word}")
        child.expect_exact(f"{word}\r\n")
        child.expect_exact(TSH_PROMPT)
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    echo = os.path.realpath("/usr/bin/echo")
    tty = os.path.realpath("/usr/bin/tty")
    for _ in range(50):
        raw = audit_tool(auditd.ausearch, "-m", "USER_CMD", "-ts", "today",
                         since, "--raw")
        recs = [r for r in raw.splitlines() if f" pid={p.pid} " in r]
        if len(recs) >= 4:
            break
        time.sleep(0.1)
    want = [(tty, ptys[0]), (echo, ptys[0]), (tty, ptys[1]),
            (echo, ptys[1])]
    assert len(recs) == len(want), "\n".join(recs)
    for rec, (cmd, pty) in zip(recs, want):
        assert "op=tsh-exec " in rec and f'acct="{shell_user.pw_name}" ' in rec
        assert f' cmd="{cmd}" ' in rec and f" terminal={pty} " in rec, rec
        assert f" auid={shell_user.pw_uid} " in rec and "res=success" in rec
