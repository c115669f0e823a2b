"""tgetty on a real pty, with real Linux-PAM (pam_unix) and a real user."""
import errno
import glob
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest
from pexpect import EOF, fdpexpect

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import program
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)


@pytest.fixture
def shell_user(user):  # noqa: F811
    subprocess.run(["usermod", "-s", "/bin/sh", user.pw_name], check=True)
    yield user
    subprocess.run(["usermod", "-s", "/usr/sbin/nologin", user.pw_name],
                   check=True)


def wait_for(master, want, timeout=10):
    """Read until want; EIO while tgetty revokes the terminal is no end."""
    buf, deadline = b"", time.monotonic() + timeout
    while want not in buf and time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                buf += os.read(master, 4096)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                time.sleep(0.05)
    assert want in buf, buf
    return buf


def end_session_cgroup(pid):
    """Kill and remove the session cgroup of a tgetty that was killed."""
    for d in glob.glob(f"/sys/fs/cgroup/**/tpath-session-{pid}",
                       recursive=True):
        with open(f"{d}/cgroup.kill", "w") as f:
            f.write("1")
        for _ in range(100):
            with open(f"{d}/cgroup.events") as f:
                if "populated 0" in f.read():
                    break
            time.sleep(0.02)
        for leaf in glob.glob(f"{d}/shell-*"):
            os.rmdir(leaf)
        os.rmdir(d)


CURSOR_TO = re.compile(r"\x1b\[(\d+);(\d+)H")
ASK_CURSOR = "\x1b[6n"


class Terminal(fdpexpect.fdspawn):
    """The master side of tgetty's terminal.  While tgetty hangs the terminal
    up (at start, and for the secure attention key) no slave is open and the
    master reads EIO for a moment: that is the end only once tgetty is.
    Like a terminal, it answers where its cursor is when asked (tgetty asks
    after the key), unless answers is False."""
    answers = True
    _tail, _at = "", (1, 1)

    def read_nonblocking(self, size=1, timeout=-1):
        try:
            s = super().read_nonblocking(size, timeout)
        except EOF:
            if self.getty.poll() is not None:
                raise
            self.flag_eof = False
            time.sleep(0.02)
            return ""
        if self.answers:
            self._answer(s)
        return s

    def _answer(self, s):
        """Answer each request for the cursor position in s (one begun in
        the last read included) with where the last move put it."""
        text, start = self._tail + s, len(self._tail)
        at = 0
        while (i := text.find(ASK_CURSOR, at)) != -1:
            for m in CURSOR_TO.finditer(text, at, i):
                self._at = (int(m.group(1)), int(m.group(2)))
            if i + len(ASK_CURSOR) > start:
                os.write(self.child_fd, "\x1b[{};{}R".format(*self._at)
                         .encode())
            at = i + len(ASK_CURSOR)
        for m in CURSOR_TO.finditer(text, at):
            self._at = (int(m.group(1)), int(m.group(2)))
        self._tail = text[-(len(ASK_CURSOR) - 1):]


@pytest.fixture
def getty(confdir, pamconf, procs, tmp_path):  # noqa: F811
    state, run = tmp_path / "state", tmp_path / "run"
    state.mkdir()
    state.chmod(0o755)
    started = []

    def start(cfg="default:\n\tlogindelay = 0\n", again=None, users=None,
              wrap=(), run_dir=None, dev_name=False):
        """A tgetty on a new pty, or again on the port of an earlier one.
        users: the text of the user file; wrap: a command that execs it;
        run_dir: the run directory, if not the test's own; dev_name: the
        port named under /dev (pts/N), as systemd's units name it."""
        rundir = run_dir or run
        (confdir / "login.cfg").write_text(cfg)
        if users is not None:
            (confdir / "user").write_text(users)
        if again is None:
            master, slave = os.openpty()
            path = os.ttyname(slave)
            os.close(slave)
            started.append(master)
        else:
            master, path = again.child_fd, again.path
        p = procs.popen([*wrap, program("tgetty"), "-C", str(confdir),
                         "--pam-service", "tptest", "--pam-confdir",
                         str(pamconf), "--state-dir", str(state),
                         "--run-dir", str(rundir),
                         path.removeprefix("/dev/") if dev_name else path,
                         "vt100"], start_new_session=True,
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
        wait_for(master, b"login: ")
        child = Terminal(master, encoding="utf-8", timeout=15)
        child.getty, child.path, child.run = p, path, rundir
        if os.environ.get("TPATH_TEST_LOG"):    # the screen, for debugging
            child.logfile_read = sys.stdout
        return p, child, path, state

    start.confdir, start.pamconf = confdir, pamconf
    start.state, start.run = state, run
    yield start
    procs.end_all()
    # a tgetty killed mid-session leaves its session's cgroup: end it too
    for p in procs.started:
        end_session_cgroup(p.pid)
    for fd in started:
        try:
            os.close(fd)
        except OSError:
            pass


def log_in(child, name, password):
    child.sendline(name)
    child.expect_exact("Password: ")
    child.sendline(password)


def test_login_runs_a_relayed_session(getty, shell_user):
    p, child, path, _ = getty()
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("echo SESSION-$((6*7)); tty")
    child.expect_exact("SESSION-42")
    child.expect(r"(/dev/pts/\d+)")
    assert child.match.group(1) != path     # the session has its own pty
    st = os.stat(path)                      # the terminal stays root's
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_a_port_named_under_dev_is_that_device(getty, shell_user):
    """tgetty pts/N is /dev/pts/N, as for agetty (container-tgetty@pts/N),
    not a path relative to the working directory."""
    p, child, path, _ = getty(dev_name=True)
    st = os.stat(path)                      # taken: root's, 0600
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_a_missing_state_directory_is_made_and_the_login_works(getty,
                                                               shell_user):
    """A fresh install: tgetty makes its state directory (root's, 0755,
    whatever the umask) instead of counting every port as locked."""
    old = os.umask(0o077)
    try:
        for _ in range(20):
            shutil.rmtree(getty.state, ignore_errors=True)
            p, child, _, state = getty()
            st = os.stat(state)
            assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == \
                (0, 0, 0o755)
            log_in(child, shell_user.pw_name, PASSWORD)
            child.expect_exact("$ ")
            child.sendline("exit")
            assert p.wait(timeout=10) == 0
    finally:
        os.umask(old)


def test_failures_look_the_same_and_three_disconnect(getty, shell_user):
    p, child, _, _ = getty()
    outs = []
    for name in (shell_user.pw_name, "no-such-user-tpath",
                 shell_user.pw_name):
        log_in(child, name, "wrong-Password-1")
        child.expect_exact("Login incorrect\r\n")
        outs.append(child.before)
        if len(outs) < 3:
            child.expect_exact("login: ")
    assert outs[0] == outs[1] == outs[2] == "\r\n"
    assert p.wait(timeout=10) == 1          # disconnected after three
    child.expect(EOF)


def test_the_delay_grows_with_each_failure_whoever_failed(getty,
                                                        shell_user):
    """logindelay = 1: the next prompt comes 1 s after the first failure, 2 s
    after the second, a wrong password and an unknown name alike.  The
    lower bound allows 0.1 s for the message to reach the test after
    tgetty wrote it (the wait began then); the upper bound only shows that
    PAM's own delay is not added on top."""
    p, child, _, _ = getty("default:\n\tlogindelay = 1\n")
    for n, name in ((1, shell_user.pw_name), (2, "no-such-user-tpath")):
        log_in(child, name, "wrong-Password-1")
        child.expect_exact("Login incorrect\r\n")
        t = time.monotonic()
        child.expect_exact("login: ")
        waited = time.monotonic() - t
        assert n - 0.1 <= waited < n + 1.5, (name, waited)


def test_pwdprompt_asks_for_the_password(getty, shell_user):
    """login.cfg's pwdprompt replaces PAM's, for an unknown name too."""
    p, child, _, _ = getty('default:\n\tlogindelay = 0\n'
                           '\tpwdprompt = "Pass phrase: "\n')
    child.sendline("no-such-user-tpath")
    child.expect_exact("Pass phrase: ")
    child.sendline("wrong-Password-1")
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    child.sendline(shell_user.pw_name)
    child.expect_exact("Pass phrase: ")
    assert "Password" not in child.before
    child.sendline(PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_a_locked_port_refuses_without_saying_so(getty, shell_user,
                                                 auditd):  # noqa: F811
    cfg = ("default:\n\tlogindelay = 0\n\tlogindisable = 2\n"
           "\tlogininterval = 60\n\tloginreenable = 0\n")
    since = time.strftime("%H:%M:%S")
    p, child, path, state = getty(cfg)
    for _ in range(2):
        log_in(child, shell_user.pw_name, "wrong-Password-1")
        child.expect_exact("Login incorrect\r\n")
        child.expect_exact("login: ")
    assert "\tlocked = " in (state / "portlog").read_text()
    log_in(child, shell_user.pw_name, PASSWORD)     # right, but locked
    child.expect_exact("Login incorrect\r\n")
    assert p.wait(timeout=10) == 1
    # the lock's record, found by the port's name
    for _ in range(50):
        locks = [r for r in audit_tool(
            auditd.ausearch, "-m", "TRUSTED_APP", "--terminal",
            path.removeprefix("/dev/"), "-ts", "today", since).splitlines()
            if "op=port-lock" in r and f"pid={p.pid} " in r]
        if locks:
            break
        time.sleep(0.1)
    assert len(locks) == 1 and "res=success" in locks[0], locks
    # an administrator unlocks it: the port's stanza goes
    (state / "portlog").unlink()
    p, child, path, state = getty(cfg)
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_loginreenable_unlocks_the_port_when_its_time_is_up(getty,
                                                          shell_user):
    """A lock of loginreenable = 1 minute: refused while it holds, a login
    once the minute is over.  The lock's time in the real portlog is set a
    minute back rather than waiting for it."""
    cfg = ("default:\n\tlogindelay = 0\n\tlogindisable = 1\n"
           "\tlogininterval = 60\n\tloginreenable = 1\n")
    p, child, path, state = getty(cfg)
    log_in(child, shell_user.pw_name, "wrong-Password-1")
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    log_in(child, shell_user.pw_name, PASSWORD)     # right, but locked
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("Login incorrect\r\n")
    assert p.wait(timeout=10) == 1
    log = state / "portlog"
    text = log.read_text()
    m = re.search(r"\tlocked = (\d+)\n", text)
    assert m, text
    log.write_text(text.replace(m.group(0),
                                f"\tlocked = {int(m.group(1)) - 61}\n"))
    p, child, path, state = getty(cfg, again=child)     # the same port
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0
    assert path + ":" not in log.read_text(), "the expired lock stayed"


def test_ttys_keeps_a_user_off_other_consoles(getty, shell_user, auditd):  # noqa: F811,E501
    """user's ttys is tgetty's to enforce: the right password on a port
    ttys denies gets what any failure gets, in words and delay (here 0),
    and the audit record says why; a port it allows logs in."""
    since = time.strftime("%H:%M:%S")
    name, users = shell_user.pw_name, getty.confdir / "user"
    for _ in range(7):                      # 3 tries each, then it hangs up
        p, child, path, _ = getty()
        users.write_text(f"{name}:\n\tttys = !{path}, ALL\n")
        for i in range(3):
            log_in(child, name, PASSWORD)
            child.expect_exact("Login incorrect\r\n")
            assert child.before == "\r\n"   # as for a wrong password
            if i < 2:
                child.expect_exact("login: ")
        assert p.wait(timeout=10) == 1
    time.sleep(0.5)
    r = subprocess.run([auditd.ausearch, "-ts", "today", since, "-i"],
                       capture_output=True, text=True, errors="replace")
    refused = [x for x in r.stdout.splitlines() if "op=login" in x and
               f"acct={name}" in x and re.search(r"reason=\"?ttys\b", x) and
               "res=failed" in x]
    assert len(refused) == 21, r.stdout[-2000:]
    p, child, path, _ = getty()
    users.write_text(f"{name}:\n\tttys = /dev/tty1, {path}\n")
    log_in(child, name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def audit_tool(*argv):
    """An audit tool's output (ausearch and aureport exit 1 on no match)."""
    r = subprocess.run(argv, capture_output=True, text=True, errors="replace")
    assert r.returncode in (0, 1), r.stderr
    return r.stdout


def test_the_audit_tools_show_logins_by_terminal_and_no_password(
        getty, shell_user, auditd):  # noqa: F811
    """The records have login(1)'s fields: ausearch --terminal finds a
    port's logins, aureport -l shows user, terminal, program and result,
    the login's auid is the user's (pam_loginuid), and no password or
    name that no account has is anywhere in the trail."""
    (getty.pamconf / "tptest").write_text(
        (getty.pamconf / "tptest").read_text() +
        "session  required pam_loginuid.so\n")
    since = time.strftime("%H:%M:%S")
    p, child, path, _ = getty()
    term = path.removeprefix("/dev/")
    log_in(child, shell_user.pw_name, "Typo-Secret-4411")
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    log_in(child, "Typo-Secret-Name-9", PASSWORD)
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0
    name, uid = shell_user.pw_name, shell_user.pw_uid
    tgetty = os.path.realpath(program("tgetty"))
    for _ in range(50):                 # the records arrive within ms
        raw = audit_tool(auditd.ausearch, "-m", "USER_LOGIN,USER_LOGOUT",
                         "--terminal", term, "-ts", "today", since, "--raw")
        if raw.count("op=logout") == 1:
            break
        time.sleep(0.1)
    recs = [r for r in raw.splitlines() if f"pid={p.pid} " in r]
    logins = [r for r in recs if "op=login " in r]
    assert len(logins) == 3 and len(recs) == 4, raw
    for r in recs:
        assert f' exe="{tgetty}" ' in r and f" terminal={term} " in r, r
    assert f'acct="{name}"' in logins[0] and "res=failed" in logins[0]
    assert 'acct="(unknown)"' in logins[1] and "res=failed" in logins[1]
    assert f'acct="{name}"' in logins[2] and "res=success" in logins[2]
    assert f" auid={uid} " in logins[2], logins[2]      # pam_loginuid's

    report = audit_tool(os.path.join(os.path.dirname(auditd.ausearch),
                                     "aureport"), "-l", "-i", "-ts", "today",
                        since)
    rows = [r.split() for r in report.splitlines() if f" {term} " in r]
    # N. date time auid host term exe success event
    assert [(r[3], r[5], r[6], r[7]) for r in rows] == [
        (name, term, tgetty, "no"), ("(unknown)", term, tgetty, "no"),
        (name, term, tgetty, "yes")], report
    with open("/var/log/audit/audit.log", errors="replace") as f:
        log = f.read()
    for secret in (PASSWORD, "Typo-Secret-4411", "Typo-Secret-Name-9"):
        assert secret not in log


def type_on(vt, text):
    """Keystrokes on a virtual console, as a short-lived helper would."""
    import fcntl
    fd = os.open(vt, os.O_RDWR | os.O_NOCTTY)
    try:
        for ch in text.encode():
            fcntl.ioctl(fd, 0x5412, bytes([ch]))        # TIOCSTI
    finally:
        os.close(fd)


def screen(vcs):
    with open(vcs, "rb") as f:
        return f.read().decode("latin-1")


def wait_screen(vcs, want, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if want in screen(vcs):
            return
        time.sleep(0.1)
    raise AssertionError(f"{want!r} not on {vcs}: {screen(vcs).split()}")


def test_a_whole_login_on_a_virtual_console(confdir, pamconf, procs,  # noqa: F811
                                            tmp_path, shell_user, vt8):
    vt, vcs = vt8, "/dev/vcs8"
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o755)
    (confdir / "login.cfg").write_text("default:\n\tlogindelay = 0\n")
    # a blank screen first: "login:" can then only be this tgetty's, whose
    # flush of type-ahead is over by the time it shows it
    fd = os.open(vt, os.O_WRONLY | os.O_NOCTTY)
    os.write(fd, b"\x1b[H\x1b[2J")
    os.close(fd)
    assert "login:" not in screen(vcs)
    p = procs.popen([program("tgetty"), "-C", str(confdir), "--pam-service",
                     "tptest", "--pam-confdir", str(pamconf), "--state-dir",
                     str(state), "tty8"], start_new_session=True,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
    wait_screen(vcs, "login:")
    type_on(vt, shell_user.pw_name + "\r")
    wait_screen(vcs, "Password:")
    type_on(vt, PASSWORD + "\r")
    wait_screen(vcs, "$ ")
    assert PASSWORD not in screen(vcs)
    st = os.stat(vt)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    type_on(vt, "echo VT-SESSION-$((40+2))\r")
    wait_screen(vcs, "VT-SESSION-42")
    type_on(vt, "exit\r")
    assert p.wait(timeout=10) == 0


def test_who_shows_the_session(getty, shell_user):
    made = not os.path.exists("/run/utmp")
    if made:                              # as systemd-tmpfiles would
        import grp
        fd = os.open("/run/utmp", os.O_CREAT | os.O_WRONLY, 0o664)
        os.fchown(fd, 0, grp.getgrnam("utmp").gr_gid)
        os.close(fd)
    try:
        p, child, path, _ = getty()
        log_in(child, shell_user.pw_name, PASSWORD)
        child.expect_exact("$ ")
        line = path[len("/dev/"):]
        who = subprocess.run(["who"], capture_output=True, text=True).stdout
        assert any(w.split()[:2] == [shell_user.pw_name, line]
                   for w in who.splitlines()), who
        child.sendline("exit")
        assert p.wait(timeout=10) == 0
        who = subprocess.run(["who"], capture_output=True, text=True).stdout
        assert not any(w.split()[:2] == [shell_user.pw_name, line]
                       for w in who.splitlines())
    finally:
        if made:
            os.unlink("/run/utmp")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])        # utime + stime


def test_a_stopped_terminal_is_waited_for_after_the_shell_exits(getty,
                                                               shell_user):
    """The shell exits while a job it left floods a terminal nobody reads:
    tgetty waits for the terminal instead of spinning, then passes on what
    it holds."""
    p, child, path, _ = getty()
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    # nobody reads: the job fills every buffer before the shell exits
    child.sendline("setsid head -c 2000000 /dev/zero & sleep 1; exit")
    time.sleep(2)
    before = cpu_ticks(p.pid)
    time.sleep(1)
    spent = cpu_ticks(p.pid) - before
    assert p.poll() is None, "tgetty did not wait for the terminal"
    assert spent < os.sysconf("SC_CLK_TCK") // 4, f"{spent} ticks in 1 s"
    got = 0
    while p.poll() is None or select.select([child.child_fd], [], [], 0)[0]:
        try:
            got += len(os.read(child.child_fd, 1 << 16))
        except OSError:
            break
    assert p.wait(timeout=10) == 0
    assert got >= 65536             # at least the relay's full buffer


def alive(pid):
    """True while pid runs; a zombie (killed, not yet reaped by PID 1) is dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_logout_ends_the_whole_session(getty, shell_user):
    """A daemon the user detached is gone with the session (cgroup.kill)."""
    if not any(os.path.exists(f"{m}/cgroup.controllers")
               for m in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")):
        pytest.skip("no cgroup v2 hierarchy here")
    p, child, path, _ = getty()
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("python3 -c 'import os,sys,time\nif os.fork(): sys.exit()\n"
                   "os.setsid(); print(\"DAEMON\", os.getpid(), flush=True); "
                   "time.sleep(300)'")
    child.expect(r"DAEMON (\d+)")
    daemon = int(child.match.group(1))
    try:
        with open(f"/proc/{daemon}/cgroup") as f:
            assert f"tpath-session-{p.pid}" in f.read()
        # the shell's prompt may come before or after DAEMON: no wait for it
        child.sendline("exit")
        assert p.wait(timeout=10) == 0
        assert not alive(daemon), "the daemon survived"
    finally:        # a failure here must not leave the user a process
        if alive(daemon):
            os.kill(daemon, signal.SIGKILL)


def test_type_ahead_of_the_password_prompt_is_kept(getty, shell_user):
    """Name and password typed (or pasted) in one go: the password waits
    in the terminal for its prompt, as with login(1)."""
    p, child, _, _ = getty()
    child.send(f"{shell_user.pw_name}\r{PASSWORD}\r")
    child.expect_exact("$ ")
    assert PASSWORD not in child.before      # never echoed
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_the_session_inherits_no_descriptor_but_its_pty(getty, shell_user):
    """With the secure attention key on (tgetty then holds the sweep's
    BPF descriptors) the user's shell has only its pty open: nothing of
    tgetty's or of a PAM module's is passed on."""
    p, child, _, _ = getty("default:\n\tlogindelay = 0\n"
                           "\tsak_enabled = true\n")
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("tty; ls -l /proc/$$/fd | sed -n 's/.*-> //p'; "
                   "echo FDS-$((6*7))")
    child.expect(r"(/dev/pts/\d+)\r\n")
    pty = child.match.group(1)
    child.expect_exact("FDS-42")
    targets = [t.strip() for t in child.before.splitlines() if t.strip()]
    # the shell's own /dev/tty (dash's job control) is the pty too
    assert pty in targets and set(targets) <= {pty, "/dev/tty"}, targets
    child.sendline("exit")
    assert p.wait(timeout=10) == 0
