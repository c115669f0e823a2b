"""tsh end to end: real binaries, a real database, -c, files and a pty."""
import os
import shutil
import stat
import subprocess
import threading
import time
import uuid

import pexpect
import pytest

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import program
from test_tcbck import tcbck

TRUSTED = ["/usr/bin/echo", "/usr/bin/cat", "/usr/bin/env", "/usr/bin/true",
           "/usr/bin/sleep", "/usr/bin/printf"]


def register(confdir, *paths):
    r = tcbck(confdir, "-a", *paths, "mode=TCB,755")
    assert r.returncode == 0, r.stderr


@pytest.fixture
def tshconf(confdir):
    """A configuration directory with a few trusted system programs."""
    register(confdir, *TRUSTED, os.path.realpath("/bin/sh"))
    (confdir / "tsh_profile").write_text(
        "# the test profile\nexport PATH=/usr/bin:/bin\n"
        "alias ll='echo listing'\numask 022\n")
    return confdir


def tsh(confdir, *args, env=None, **kw):
    return subprocess.run([program("tsh"), "-C", str(confdir), *args],
                          capture_output=True, text=True, env=env, **kw)


def test_trusted_program_runs(tshconf):
    r = tsh(tshconf, "-c", "echo hello world")
    assert (r.returncode, r.stdout, r.stderr) == (0, "hello world\n", "")


def test_unregistered_and_missing(tshconf):
    r = tsh(tshconf, "-c", "ls /")
    assert (r.returncode, r.stdout) == (126, "")
    assert r.stderr == "tsh: ls: not a trusted program\n"
    r = tsh(tshconf, "-c", "no-such-command-tpath")
    assert (r.returncode, r.stderr) == \
        (127, "tsh: no-such-command-tpath: not found\n")


@pytest.fixture
def prog(tshconf, scratch):
    """A trusted program of our own in a directory on PATH."""
    d = scratch / "bin"
    d.mkdir()
    p = d / "prog"
    shutil.copy("/usr/bin/true", p)
    p.chmod(0o755)
    register(tshconf, str(p))
    return p


def run_prog(tshconf, prog):
    return tsh(tshconf, "-c", str(prog))


@pytest.mark.parametrize("change,message", [
    ("append", "size is {n1}, should be {n}"),
    ("same-size", "hash is sha256:"),
    ("owner", "owner is {u}, should be root"),
    ("group-writable", "mode is 0775, should be 0755"),
])
def test_modified_program_is_refused(tshconf, prog, testuser, change,
                                     message):
    assert run_prog(tshconf, prog).returncode == 0
    n = prog.stat().st_size
    if change == "append":
        with open(prog, "ab") as f:
            f.write(b"\0")
    elif change == "same-size":
        data = bytearray(prog.read_bytes())
        data[-1] ^= 0xff
        prog.write_bytes(data)
    elif change == "owner":
        os.chown(prog, testuser.pw_uid, -1)
    else:
        prog.chmod(0o775)
    r = run_prog(tshconf, prog)
    assert r.returncode == 126
    want = message.format(n=n, n1=n + 1, u=testuser.pw_name)
    assert r.stderr.startswith(f"tsh: {prog}: integrity check failed: {want}")


def test_symlinked_directory_finds_the_entry(tshconf, scratch):
    real = scratch / "usr-bin"
    real.mkdir()
    shutil.copy("/usr/bin/true", real / "mytool")
    register(tshconf, str(real / "mytool"))
    os.symlink(real, scratch / "bin")
    r = tsh(tshconf, "-c", f"{scratch}/bin/mytool && echo ran")
    assert (r.returncode, r.stdout) == (0, "ran\n"), r.stderr
    if os.path.islink("/bin"):           # merged /usr: /bin -> /usr/bin
        r = tsh(tshconf, "-c", "/bin/echo via-bin")
        assert (r.returncode, r.stdout) == (0, "via-bin\n"), r.stderr


def test_swapped_file_never_runs(tshconf, scratch):
    """Swap the command's file in a loop while tsh runs it."""
    d = scratch / "bin"
    d.mkdir()
    good = b"#!/bin/sh\necho trusted\n"
    evil = b"#!/bin/sh\necho EVIL\n"
    target = d / "swap"
    target.write_bytes(good)
    target.chmod(0o755)
    register(tshconf, str(target))
    stop = threading.Event()

    def swapper():
        tmp = d / ".swap"
        while not stop.is_set():
            for content in (evil, good):
                tmp.write_bytes(content)
                tmp.chmod(0o755)
                os.rename(tmp, target)
                time.sleep(0.001)     # each held a moment: both are met

    t = threading.Thread(target=swapper)
    t.start()
    try:
        outcomes = set()
        for run in range(800):
            if run >= 300 and (0, "trusted\n") in outcomes and \
                    any(rc == 126 for rc, _ in outcomes):
                break
            r = tsh(tshconf, "-c", str(target))
            assert "EVIL" not in r.stdout
            outcomes.add((r.returncode, r.stdout))
    finally:
        stop.set()
        t.join()
    assert (0, "trusted\n") in outcomes
    assert any(rc == 126 for rc, _ in outcomes), outcomes


def test_environment_is_an_allow_list(tshconf):
    env = {"HOME": "/root", "TERM": "xterm", "LANG": "C.UTF-8",
           "LC_TIME": "C", "LD_PRELOAD": "/nonexistent/evil.so",
           "LD_LIBRARY_PATH": "/tmp/evil", "IFS": ":", "ENV": "/tmp/x",
           "BASH_ENV": "/tmp/x", "PYTHONPATH": "/tmp/x", "PATH": "/tmp/evil"}
    r = tsh(tshconf, "-c", "env", env=env)
    assert r.returncode == 0, r.stderr
    got = dict(line.split("=", 1) for line in r.stdout.splitlines())
    assert got == {"HOME": "/root", "TERM": "xterm", "LANG": "C.UTF-8",
                   "LC_TIME": "C", "PATH": "/usr/bin:/bin"}
    for cmd, name in (("export PATH=/tmp", "PATH"), ("unset PATH", "PATH"),
                      ("export IFS=x", "IFS")):
        r = tsh(tshconf, "-c", f"{cmd}; echo after")
        assert r.stderr == f"tsh: {name}: read-only variable\n"
    r = tsh(tshconf, "-c", "export FOO=bar; env")
    assert "FOO=bar\n" in r.stdout
    # hooks stay out even when exported in tsh
    r = tsh(tshconf, "-c", "export LD_PRELOAD=/x.so PYTHONPATH=/x; env")
    assert "tsh: LD_PRELOAD: never passed to trusted programs\n" in r.stderr
    assert "LD_PRELOAD" not in r.stdout and "PYTHONPATH" not in r.stdout


@pytest.mark.parametrize("breakage,message", [
    ("missing", "sysck.cfg: No such file or directory"),
    ("world-writable", "sysck.cfg: writable by group or others (mode 0666)"),
    ("writable-dir", "is writable by group or others (mode 0777)"),
    ("syntax", "sysck.cfg:1: expected \"name:\" to start a stanza"),
    ("profile", "tsh_profile:1: only export, alias and umask belong here"),
])
def test_fails_closed(tshconf, breakage, message):
    db = tshconf / "sysck.cfg"
    if breakage == "missing":
        db.unlink()
    elif breakage == "world-writable":
        db.chmod(0o666)
    elif breakage == "writable-dir":
        tshconf.chmod(0o777)
    elif breakage == "syntax":
        db.write_text("garbage\n")
    else:
        (tshconf / "tsh_profile").write_text("echo hi\n")
    r = tsh(tshconf, "-c", "echo should-not-run; exit 7")
    tshconf.chmod(0o755)
    assert "should-not-run" not in r.stdout
    assert message in r.stderr, r.stderr
    assert "no program will run" in r.stderr
    assert r.returncode == 7            # built-ins still work


def test_syntax_error_runs_nothing(tshconf):
    r = tsh(tshconf, "-c", "echo first; echo $(date)")
    assert (r.returncode, r.stdout) == (2, "")
    assert "command substitution is not supported" in r.stderr


def test_language(tshconf, scratch):
    out = scratch / "out"
    script = (f"echo one two | cat > {out}; cat < {out}\n"
              f"echo more >> {out}; cat {out}\n"
              "false-cmd-x 2>/dev/null || echo or-ran\n"
              "true && echo and-ran\n"
              "export Y=\"$HOME\" Z=3\n"
              "echo \"$Y\" ${Z} $? $$ | cat\n"
              f"cd {scratch} && echo o* && echo 'o*' && ll\n"
              "exit 4\necho not-reached\n")
    f = scratch / "script.tsh"
    f.write_text(script)
    r = subprocess.run([program("tsh"), "-C", str(tshconf), str(f)],
                       capture_output=True, text=True,
                       env={"HOME": "/root"})
    lines = r.stdout.splitlines()
    assert lines[:5] == ["one two", "one two", "more", "or-ran", "and-ran"]
    assert lines[5].startswith("/root 3 0 ")
    assert lines[6:] == ["out", "o*", "listing"]
    assert r.returncode == 4
    # an assignment is outside the language: the whole file runs nothing
    f.write_text("echo first\nX=1\n")
    r = tsh(tshconf, str(f))
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"tsh: {f}:2:1: syntax error: variable assignments " \
        "are not supported (use export)\n"


def test_scripts_need_a_trusted_interpreter(tshconf, scratch):
    d = scratch / "bin"
    d.mkdir()
    ok = d / "ok.sh"
    ok.write_text("#!/bin/sh\necho script $1\n")
    ok.chmod(0o755)
    py = d / "py.sh"
    py.write_text("#!/usr/bin/perl\nprint 1;\n")
    py.chmod(0o755)
    register(tshconf, str(ok), str(py))
    r = tsh(tshconf, "-c", f"{ok} arg")
    assert (r.returncode, r.stdout) == (0, "script arg\n"), r.stderr
    r = tsh(tshconf, "-c", str(py))
    assert r.returncode == 126
    assert r.stderr == f"tsh: {py}: interpreter /usr/bin/perl: not a " \
        "trusted program\n"
    gone = d / "gone.sh"
    gone.write_text("#!/no/such/interpreter\n")
    gone.chmod(0o755)
    register(tshconf, str(gone))
    r = tsh(tshconf, "-c", str(gone))
    assert (r.returncode, r.stderr) == (126, f"tsh: {gone}: interpreter "
                                        "/no/such/interpreter: No such "
                                        "file or directory\n")


def test_shell_needs_the_trusted_path(tshconf):
    r = tsh(tshconf, "-c", "shell")
    assert r.returncode == 1
    assert "not on the trusted path" in r.stderr


def test_trusted_lists_what_may_run(tshconf):
    r = tsh(tshconf, "-c", "trusted")
    names = r.stdout.split()
    assert {"echo", "cat", "env", "true", "sleep", "printf"} <= set(names)
    assert "ls" not in names


def test_interactive_on_a_pty(tshconf):
    child = pexpect.spawn(program("tsh"), ["-C", str(tshconf)],
                          encoding="utf-8", timeout=10)
    prompt = "tsh# " if os.geteuid() == 0 else "tsh$ "
    child.expect_exact(prompt)
    child.sendline("echo 'multi")
    child.expect_exact("> ")
    child.sendline("line'")
    child.expect_exact("multi\r\nline")
    child.expect_exact(prompt)
    child.sendline("ls")
    child.expect_exact("tsh: ls: not a trusted program")
    child.expect_exact(prompt)
    # Ctrl-C interrupts the program, not tsh
    child.sendline("sleep 30")
    time.sleep(0.5)
    child.sendintr()
    child.expect_exact(prompt, timeout=5)
    child.sendline("echo $?")
    child.expect_exact("130")
    # Ctrl-C drops a half-typed quote, not the shell
    child.sendline("echo 'never")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact(prompt)
    child.sendline("echo fresh")
    child.expect_exact("fresh")
    # a special built-in's error does not end an interactive shell
    child.sendline("export 1A=x")
    child.expect_exact("not a valid variable name")
    child.expect_exact(prompt)
    child.sendline("echo still-$?")
    child.expect_exact("still-2")
    child.sendline("exit 5")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 5


def test_runs_and_refusals_are_audited(tshconf, scratch, auditd):  # noqa: F811
    d = scratch / f"bin{uuid.uuid4().hex[:8]}"
    d.mkdir()
    good, bad = d / "good", d / "bad"
    for p in (good, bad):
        shutil.copy("/usr/bin/true", p)
    register(tshconf, str(good), str(bad))
    with open(bad, "ab") as f:
        f.write(b"x")
    assert tsh(tshconf, "-c", f"{good}; {bad}").returncode == 126
    hits = []
    for _ in range(50):                   # the records arrive within ms
        r = subprocess.run([auditd.ausearch, "-m", "USER_CMD", "-ts",
                            "recent", "-i"], capture_output=True, text=True,
                           errors="replace")
        hits = [h for h in r.stdout.splitlines() if d.name in h]
        if len(hits) >= 2:
            break
        time.sleep(0.1)
    # sudo's fields: cmd the program, exe the shell itself
    assert any("op=tsh-exec" in h and f"cmd={good} " in h and
               f"exe={os.path.realpath(program('tsh'))} " in h and
               "res=success" in h for h in hits), hits
    assert any("op=tsh-refuse" in h and f"cmd={bad} " in h and
               "res=failed" in h for h in hits), hits


def test_shell_asks_tgetty_over_the_control_socket(tshconf):
    """On the control socket (a SOCK_SEQPACKET pair, as tgetty's): the
    audit event of each command (control.h), for tgetty to write, then the
    request for the user's shell, one packet each."""
    import socket
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    fd = theirs.fileno()
    env = os.path.realpath("/usr/bin/env")
    r = subprocess.run([program("tsh"), "-C", str(tshconf), "-c",
                        "env; nosuch; shell; echo not-reached"],
                       capture_output=True, text=True, pass_fds=(fd,),
                       env={"TPATH_CONTROL_FD": str(fd), "HOME": "/root"})
    theirs.close()
    assert r.returncode == 0, r.stderr
    assert "TPATH_CONTROL_FD" not in r.stdout     # never passed on
    assert "not-reached" not in r.stdout
    ours.setblocking(False)
    assert ours.recv(8192) == \
        b"audit\0tsh-exec\0success\0cmd\0" + env.encode() + b"\0"
    assert ours.recv(8192) == \
        b"audit\0tsh-refuse\0failed\0reason\0not-found\0"
    assert ours.recv(8192) == b"shell\n"
    assert ours.recv(8192) == b""               # tsh closed it
    ours.close()


def test_a_control_socket_not_a_seqpacket_one_is_not_taken(tshconf):
    """A stream socket would run tsh's messages together: tsh is then not
    on the trusted path, and audits its commands itself."""
    import socket
    ours, theirs = socket.socketpair()
    fd = theirs.fileno()
    r = subprocess.run([program("tsh"), "-C", str(tshconf), "-c", "shell"],
                       capture_output=True, text=True, pass_fds=(fd,),
                       env={"TPATH_CONTROL_FD": str(fd), "HOME": "/root"})
    theirs.close()
    assert r.returncode == 1
    assert "not on the trusted path" in r.stderr
    ours.setblocking(False)
    assert ours.recv(64) == b""
    ours.close()


def test_a_failed_send_to_tgetty_is_audited_by_tsh(tshconf, scratch,  # noqa: F811,E501
                                                   auditd):  # noqa: F811
    """tgetty's end closed: tsh's send fails (EPIPE, and no SIGPIPE ends
    it), and tsh writes the record itself (root here: to the trail)."""
    import socket
    d = scratch / f"bin{uuid.uuid4().hex[:8]}"
    d.mkdir()
    good = d / "good"
    shutil.copy("/usr/bin/true", good)
    register(tshconf, str(good))
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.close()
    fd = theirs.fileno()
    r = subprocess.run([program("tsh"), "-C", str(tshconf), "-c",
                        f"{good}; echo reached"],
                       capture_output=True, text=True, pass_fds=(fd,),
                       env={"TPATH_CONTROL_FD": str(fd), "HOME": "/root"})
    theirs.close()
    assert r.returncode == 0 and "reached" in r.stdout, r.stderr
    hits = []
    for _ in range(50):                   # the records arrive within ms
        a = subprocess.run([auditd.ausearch, "-m", "USER_CMD", "-ts",
                            "recent", "-i"], capture_output=True, text=True,
                           errors="replace")
        hits = [h for h in a.stdout.splitlines() if d.name in h]
        if hits:
            break
        time.sleep(0.1)
    assert any("op=tsh-exec" in h and f"cmd={good} " in h and
               f"exe={os.path.realpath(program('tsh'))} " in h and
               "res=success" in h for h in hits), hits


def test_su_starts_tsh_again(tshconf, testuser):
    su = os.path.realpath("/usr/bin/su")
    if not os.path.exists(su):
        pytest.skip("no su on this machine")
    r = tcbck(tshconf, "-a", su, "mode=TCB,SUID,755")
    assert r.returncode == 0, r.stderr
    child = pexpect.spawn(program("tsh"), ["-C", str(tshconf)],
                          encoding="utf-8", timeout=10)
    child.expect_exact("tsh# ")
    child.sendline(f"su {testuser.pw_name}")
    # the new shell is tsh, as that user (with the default configuration
    # directory, which does not exist here: it says so and runs nothing)
    child.expect_exact("no program will run")
    child.expect_exact("tsh$ ")
    child.sendline("exit 3")
    child.expect_exact("tsh# ")
    child.sendline("echo $?")
    child.expect_exact("3")
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_terminal_modes_restored_after_each_command(tshconf):
    register(tshconf, "/usr/bin/stty")
    child = pexpect.spawn(program("tsh"), ["-C", str(tshconf)],
                          encoding="utf-8", timeout=10)
    prompt = "tsh# " if os.geteuid() == 0 else "tsh$ "
    child.expect_exact(prompt)
    child.sendline("stty -echo -icanon")
    child.expect_exact(prompt)
    # the next command finds the shell's modes again; had they not been
    # put back, stty -a would show -echo and -icanon
    child.sendline("stty -a")
    child.expect(r"\s(-?)icanon\s")
    assert child.match.group(1) == ""
    child.expect(r"\s(-?)echo\s")
    assert child.match.group(1) == ""
    child.expect_exact(prompt)
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_statuses_survive_an_inherited_sigchld_ignore(tshconf):
    import signal
    register(tshconf, "/usr/bin/false")
    r = subprocess.run([program("tsh"), "-C", str(tshconf), "-c",
                        "false; echo $?; false && echo and-ran"],
                       capture_output=True, text=True,
                       preexec_fn=lambda: signal.signal(signal.SIGCHLD,
                                                        signal.SIG_IGN))
    assert (r.returncode, r.stdout) == (1, "1\n"), r.stderr


def test_what_the_kernel_would_refuse_is_refused(tshconf, scratch):
    d = scratch / "bin"
    d.mkdir()
    noexec = d / "noexec.sh"
    noexec.write_text("#!/bin/sh\necho ran\n")
    noexec.chmod(0o644)                   # a script the kernel would not run
    plain = d / "plain"
    plain.write_text("echo no interpreter line\n")
    plain.chmod(0o755)                    # binfmt_misc could take it
    r = tcbck(tshconf, "-a", str(noexec), str(plain), "mode=TCB,644")
    assert r.returncode == 0, r.stderr
    subprocess.run([program("tcbck"), "-C", str(tshconf), "-q", "-a",
                    str(plain), "mode=TCB,755"], check=True)
    r = tsh(tshconf, "-c", str(noexec))
    assert (r.returncode, r.stdout) == (126, "")
    assert r.stderr == f"tsh: {noexec}: Permission denied\n"
    r = tsh(tshconf, "-c", str(plain))
    assert (r.returncode, r.stdout) == (126, "")
    assert r.stderr == f"tsh: {plain}: neither an ELF program nor a #! " \
        "script\n"
