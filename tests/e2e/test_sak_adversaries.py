"""Programs that try to keep the terminal through the secure attention key.

Each adversary is run 20 times in one logged-in session (tpath = on): it
is started in the user's shell, the key is pressed, and then no process of
the user may be alive outside the new trusted shell, nothing the adversary
writes may reach the terminal, and the trusted prompt must be there.
`shell` then leaves the trusted path for the next trial."""
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import helper, program
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_sak import (SAK, TSH_PROMPT, alive, config, gone, logged_in,
                      record, users)
from test_tgetty import end_session_cgroup, getty, shell_user  # noqa: F401

TRIALS = 20


def untrusted(uid, tsh_sid):
    """Live processes of uid outside the trusted shell's session."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as f:
                status = f.read()
            sid = os.getsid(int(d))
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines()
                      if ":\t" in line)
        if int(fields["Uid"].split()[0]) == uid and sid != tsh_sid and \
                fields["State"][0] not in "ZX":
            found.append((int(d), fields["Name"].strip(), fields["State"]))
    return found


@pytest.fixture
def session(getty, shell_user, confdir):  # noqa: F811
    """A logged-in shell on tgetty, tpath = on."""
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    yield child, shell_user
    if p.poll() is None:
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        child.sendline("logout")
        assert p.wait(timeout=10) == 0


def run(child, command):
    """Start an adversary in the shell; its PID once it is in place."""
    child.sendline(command)
    child.expect(r"READY (\d+)")
    return int(child.match.group(1))


def press_sak(child, uid, settle=0.1):
    """The key; then the trusted prompt and no untrusted survivor."""
    time.sleep(settle)
    t0 = time.monotonic()
    child.send(SAK)
    child.expect_exact(TSH_PROMPT, timeout=20)
    print("SAK-TIME", time.monotonic() - t0)
    sid, screen = int(record(child)["sid"]), child.before
    # killed processes finish exiting behind the prompt: a moment for them
    deadline = time.monotonic() + 3
    while untrusted(uid, sid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert untrusted(uid, sid) == []
    return screen


def back_to_shell(child):
    child.sendline("shell")
    child.expect(r"(?<!tsh)\$ ")             # the login shell's prompt


@pytest.mark.parametrize("command", [
    "{adv} ignore",                     # ignores or blocks every signal
    "{adv} stopped",                    # a stopped process
    "{adv} setsid",                     # a new session, the pty re-opened
    "{adv} reopen",                     # re-opens it as fast as it can
    "{adv} forkbomb 200",               # bounded by the test
    "{adv} clonebomb 200",              # no SIGCHLD: children nobody reaps
    "{adv} vfork 100",                  # a growing chain of vfork parents (D)
])
def test_adversary_in_the_session(session, command):
    child, u = session
    for _ in range(TRIALS):
        pid = run(child, command.format(adv=helper("adversary")))
        press_sak(child, u.pw_uid, settle=0.3 if "bomb" in command
                  else 0.05)
        assert gone(pid)
        back_to_shell(child)


def holder_outside(path, wrap=()):
    """A root process in no session of the user's that opened the
    terminal itself and ignores every signal it can (run by wrap: a
    command that runs the rest)."""
    code = ("import os, signal, sys, time\n"
            "for s in signal.valid_signals():\n"
            "    try: signal.signal(s, signal.SIG_IGN)\n"
            "    except (OSError, ValueError): pass\n"
            f"fd = os.open({path!r}, os.O_RDWR | os.O_NOCTTY)\n"
            "print('open', flush=True)\n"
            "while True:\n"
            "    time.sleep(0.01)\n"
            "    try: os.write(fd, b'')\n"
            "    except OSError: pass\n")
    return subprocess.Popen([*wrap, "python3", "-c", code],
                            stdout=subprocess.PIPE, start_new_session=True)


def test_root_holder_of_the_terminal_outside_the_session(session):
    child, u = session
    for _ in range(TRIALS):
        holder = holder_outside(child.path)
        try:
            assert holder.stdout.readline() == b"open\n"
            press_sak(child, u.pw_uid, settle=0)
            assert holder.wait(timeout=5) == -signal.SIGKILL
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        back_to_shell(child)


RECEIVER = """
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
if sys.argv[2] == "after":          # leave it in flight until told
    sys.stdin.readline()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
fds.frombytes(anc[0][2][:fds.itemsize])
print("got", flush=True)
if sys.argv[2] == "after":
    try:
        os.write(fds[0], b"PWNED-AFTER-SAK\\r\\n")
        print("wrote", flush=True)
    except OSError as e:
        print("refused", e.errno, flush=True)
else:
    while True:
        os.write(fds[0], b"")
        __import__("time").sleep(0.01)
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_descriptor_passed_out_of_the_session(session, scratch, when):
    """The pty passed over a Unix socket to a process outside the session:
    received before the key, the receiver holds it and is killed; still in
    flight at the key, it arrives revoked and nothing reaches the
    terminal."""
    child, u = session
    for i in range(TRIALS):
        sock = str(scratch / f"s{i}")     # where the user can reach it
        rx = subprocess.Popen(["python3", "-c", RECEIVER, sock, when],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
        try:
            assert rx.stdout.readline() == "listening\n"
            run(child, f"{helper('adversary')} send {sock}")
            if when == "before":
                assert rx.stdout.readline() == "got\n"
            screen = press_sak(child, u.pw_uid)
            if when == "before":
                assert rx.wait(timeout=5) == -signal.SIGKILL
            else:
                rx.stdin.write("go\n")
                rx.stdin.flush()
                assert rx.stdout.readline() == "got\n"
                assert rx.stdout.readline().startswith("refused")
                child.sendline("echo SY''NC")
                child.expect_exact("SYNC")
                assert "PWNED" not in screen + child.before
        finally:
            if rx.poll() is None:
                rx.kill()
                rx.wait()
        back_to_shell(child)


def test_fake_login_leaves_nothing_that_hides_the_prompt(session):
    """After a program that leaves invisible text, line-drawing characters
    and a scroll region, the key sends the resets before the prompt (the
    screen itself is read in test_sak_screen)."""
    child, u = session
    for _ in range(TRIALS):
        run(child, f"{helper('adversary')} fakelogin")
        child.expect_exact("login: ")
        after = press_sak(child, u.pw_uid)
        for reset in ("\x1b[m", "\x0f", "\x1b[1;24r", "\x1b[H\x1b[J"):
            assert reset in after, reset
        back_to_shell(child)


INJECT = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
for ch in sys.argv[2].encode():
    fcntl.ioctl(fd, 0x5412, bytes([ch]))        # TIOCSTI: typed
"""


def vt_screen(n):
    with open(f"/dev/vcsa{n}", "rb") as f:
        rows, cols = f.read(2)
    with open(f"/dev/vcs{n}", "rb") as f:
        text = f.read().decode("latin-1")
    return [text[i:i + cols] for i in range(0, rows * cols, cols)]


def test_on_a_virtual_console(getty, procs, vt8):
    """tgetty on the real virtual console tty8, keys typed with TIOCSTI and
    the screen read from /dev/vcs8: a root holder of the console that
    ignores every signal is killed by the key, and the real prompt is on
    the screen."""
    vt = vt8
    confdir = getty.confdir
    (confdir / "login.cfg").write_text("default:\n\tlogindelay = 0\n"
                                       "\tsak_enabled = true\n")
    p = procs.popen([program("tgetty"), "-C", str(confdir), "--state-dir",
                     str(getty.state), "--run-dir", str(getty.run), vt],
                    start_new_session=True, stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not any("login:" in row for row in vt_screen(8)):
            assert time.monotonic() < deadline, vt_screen(8)
            time.sleep(0.05)
        for _ in range(3):
            holder = holder_outside(vt)
            assert holder.stdout.readline() == b"open\n"
            # a fake prompt, and the console left with the line-drawing
            # character set (SO) and a scroll region
            with open(vt, "wb", buffering=0) as f:
                f.write(b"\x1b[2J\x1b[Hfake login: \x0e\x1b[5;10r")
            subprocess.run(["python3", "-c", INJECT, vt, "\x18\x12"])
            assert holder.wait(timeout=5) == -signal.SIGKILL
            deadline = time.monotonic() + 10
            while True:
                screen = vt_screen(8)
                text = "\n".join(screen)
                if "fake login" not in text and "login:" in text and \
                        "Authorized use only" in "".join(screen[:3]):
                    break
                assert time.monotonic() < deadline, text
                time.sleep(0.05)
            assert p.poll() is None
            st = os.stat(vt)
            assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    finally:
        procs.kill(p)


HIDDEN = r"\x1b\[(?:[0-9;]*;)?8(?:;[0-9;]*)?m"     # SGR 8: invisible


class Tmux:
    """A terminal emulator (tmux) whose screen can be read, running
    relaytool, which bridges it to a pty of its own: tgetty's terminal."""

    def __init__(self, procs, argv):
        self.name = f"tpath-test-{os.getpid()}"
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"]
        subprocess.run(self.tmux + ["new-session", "-d", "-x", "80", "-y",
                                    "24", *argv], check=True)

    def keys(self, *keys):
        subprocess.run(self.tmux + ["send-keys", "-t", "0", *keys],
                       check=True)

    def screen(self, escapes=False):
        return subprocess.run(self.tmux + ["capture-pane", "-p", "-t", "0"] +
                              (["-e"] if escapes else []),
                              capture_output=True, text=True,
                              check=True).stdout

    def wait_for(self, pattern, timeout=15):
        """A regular expression, line by line (tmux drops trailing
        blanks)."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.screen(), re.M):
            assert time.monotonic() < deadline, self.screen()
            time.sleep(0.05)

    def display(self, fmt):
        return subprocess.run(self.tmux + ["display", "-p", "-t", "0", fmt],
                              capture_output=True, text=True,
                              check=True).stdout.rstrip("\n")

    def modes(self):
        """The pane's modes, as tmux keeps them: {name: value}."""
        names = list(PANE_DEFAULTS)
        values = self.display(" ".join(f"#{{{n}}}" for n in names)).split()
        return dict(zip(names, values))

    def paste(self, text):
        """Pasted as the emulator pastes: bracketed if the program asked
        for bracketed paste."""
        subprocess.run(self.tmux + ["set-buffer", "--", text], check=True)
        subprocess.run(self.tmux + ["paste-buffer", "-p", "-d", "-t", "0"],
                       check=True)

    def end(self):
        """relaytool ignores the hang-up: it and the tgetty it runs are
        ended by PID, and the session's cgroup with them."""
        pane = subprocess.run(self.tmux + ["display", "-p", "-t", "0",
                                           "#{pane_pid}"],
                              capture_output=True, text=True).stdout.strip()
        pids = [int(pane)] if pane.isdigit() else []
        if pids:
            with open(f"/proc/{pids[0]}/task/{pids[0]}/children") as f:
                pids += [int(c) for c in f.read().split()]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        subprocess.run(self.tmux + ["kill-server"], capture_output=True)
        for pid in pids:
            end_session_cgroup(pid)


@pytest.mark.skipif(not shutil.which("tmux"), reason="no tmux (Debian tmux)")
def test_fake_login_on_a_terminal_emulator(getty, shell_user, procs):
    """On a real terminal emulator, after a program that fakes a login
    prompt and leaves invisible text, the line-drawing character set and a
    scroll region, the key (tpath = notsh: the session ends) gives a real
    prompt that is readable: plain characters, visible, at the top."""
    confdir = getty.confdir
    (confdir / "login.cfg").write_text(config(confdir))
    (confdir / "user").write_text(users(shell_user.pw_name, "notsh"))
    cmd = (f"exec {program('tgetty')} -C {confdir} --pam-service tptest "
           f"--pam-confdir {getty.pamconf} --state-dir {getty.state} "
           f"--run-dir {getty.run} \"$(tty)\" vt100")
    term = Tmux(procs, [helper("relaytool"), "/bin/sh", "-c", cmd])
    try:
        term.wait_for("login:")
        term.keys(shell_user.pw_name, "Enter")
        term.wait_for("Password:")
        term.keys(PASSWORD, "Enter")
        term.wait_for(r"^\$$")
        term.keys(f"{helper('adversary')} fakelogin", "Enter")
        term.wait_for(r"^login:$")          # the fake, alone on the screen
        term.keys("abc")                    # what a victim types: hidden
        time.sleep(0.3)
        before = term.screen(escapes=True)
        assert re.search(HIDDEN, before), before
        assert "\x0e" in before             # line-drawing characters (SO)
        term.keys("C-x", "C-r")
        deadline = time.monotonic() + 15
        while "Authorized use only" not in term.screen():
            assert time.monotonic() < deadline, term.screen()
            time.sleep(0.05)
        term.wait_for("^login:")
        rows = term.screen().splitlines()
        assert "Authorized use only" in "".join(rows[:3])   # at the top
        assert rows[-1].startswith("login:") or \
            any(r.startswith("login:") for r in rows[:6])
        shown = term.screen(escapes=True)
        assert not re.search(HIDDEN, shown) and "\x0e" not in shown, shown
        assert "READY" not in term.screen()
    finally:
        term.end()


# A pane's modes in tmux 3.3a's formats (tmux(1) FORMATS), at their
# defaults on an 80x24 pane.  Bracketed paste has no format: it is seen by
# pasting (Tmux.paste).
PANE_DEFAULTS = {
    "alternate_on": "0", "cursor_flag": "1", "origin_flag": "0",
    "insert_flag": "0", "wrap_flag": "1", "keypad_flag": "0",
    "keypad_cursor_flag": "0", "mouse_any_flag": "0",
    "mouse_standard_flag": "0", "mouse_button_flag": "0",
    "mouse_all_flag": "0", "mouse_utf8_flag": "0", "mouse_sgr_flag": "0",
    "scroll_region_upper": "0", "scroll_region_lower": "23",
}
ESCAPE = re.compile(r"\x1b\[[0-9;]*m|\x1b\(B|[\x0e\x0f]")


@pytest.mark.skipif(not shutil.which("tmux"), reason="no tmux (Debian tmux)")
@pytest.mark.parametrize("termtype", ["vt100", "vt220", "xterm", "linux",
                                      "screen"])
def test_modes_that_hide_the_prompt_on_a_terminal_emulator(
        getty, shell_user, procs, termtype):
    """On a real terminal emulator, whatever the port's terminal type, a
    program that leaves an alternate screen, the cursor hidden, mouse
    reports, bracketed paste, origin and insert mode, no autowrap,
    application keys, a scroll region and invisible line-drawing text
    (saved with the cursor, too): after the key (tpath = on) every one of
    them is back to its default, and what the trusted shell writes is
    plain text.  TRIALS times, through each alternate screen and mouse
    mode."""
    confdir = getty.confdir
    (confdir / "login.cfg").write_text(config(confdir))
    (confdir / "user").write_text(users(shell_user.pw_name, "on"))
    cmd = (f"exec {program('tgetty')} -C {confdir} --pam-service tptest "
           f"--pam-confdir {getty.pamconf} --state-dir {getty.state} "
           f"--run-dir {getty.run} \"$(tty)\" {termtype}")
    term = Tmux(procs, [helper("relaytool"), "/bin/sh", "-c", cmd])
    try:
        term.wait_for("login:")
        term.keys(shell_user.pw_name, "Enter")
        term.wait_for("Password:")
        term.keys(PASSWORD, "Enter")
        term.wait_for(r"^\$$")
        for i in range(TRIALS):
            alt, mouse = ("1049", "1047", "47")[i % 3], \
                ("1000", "1002", "1003")[i % 3]
            term.keys(f"{helper('adversary')} hidemodes {alt} {mouse}",
                      "Enter")
            term.wait_for(r"READY \d+")
            pid = int(re.search(r"READY (\d+)", term.screen()).group(1))
            term.keys("Enter")              # now it leaves the modes
            deadline = time.monotonic() + 10
            while term.modes()["scroll_region_upper"] != "4":
                assert time.monotonic() < deadline, term.modes()
                time.sleep(0.02)
            left = term.modes()
            assert all(left[n] != v for n, v in PANE_DEFAULTS.items()
                       if n != "mouse_standard_flag" and
                       n != "mouse_button_flag" and
                       n != "mouse_all_flag"), left
            term.keys("C-x", "C-r")
            term.wait_for(r"^tsh\$$")
            assert gone(pid)
            now = term.modes()
            left = {n: v for n, v in now.items() if PANE_DEFAULTS[n] != v}
            shown = term.screen(escapes=True)
            if ESCAPE.search(shown.replace("\x1b[0m", "")):
                left["attributes or character set"] = shown
            # a paste reaches the shell as typed, without brackets
            term.paste("echo PA''STE-OK; echo SY''NC")
            term.keys("Enter")
            term.wait_for("^SYNC$")
            if not re.search("^PASTE-OK$", term.screen(), re.M):
                left["bracketed paste"] = term.screen()
            if left:
                pytest.fail(f"{termtype}, trial {i} (?{alt}h, ?{mouse}h): "
                            f"not reset: {', '.join(left)}\n{left!r}")
            term.keys("shell", "Enter")
            term.wait_for(r"^\$$")
    finally:
        term.end()


WALKS = ["kernel", "proc"]


def sweeptool(walk, *args):
    """The sweep alone, with the walk asked for (-P: /proc).  The kernel
    walk must load wherever the kernel has BTF; elsewhere it is a skip."""
    r = subprocess.run([helper("sweeptool")] + (["-P"] if walk == "proc"
                                                else []) + list(args),
                       capture_output=True, text=True)
    if walk == "kernel" and "walk proc" in r.stdout and \
            not os.path.exists("/sys/kernel/btf/vmlinux"):
        pytest.skip("no kernel BTF here: the sweep walks /proc only")
    assert f"walk {walk}" in r.stdout, (r.stdout, r.stderr)
    return r


@pytest.fixture
def on_a_pty(procs):
    """Start an adversary on a new pty, in a session of its own without a
    controlling terminal; (its process, the pty's path) once it is READY."""
    masters = []

    def start(mode):
        master, slave = os.openpty()
        masters.append(master)
        p = procs.popen([helper("adversary"), mode], stdin=slave,
                        stdout=slave, stderr=slave, start_new_session=True)
        path = os.ttyname(slave)
        os.close(slave)
        out = b""
        while b"READY" not in out:
            out += os.read(master, 256)
        return p, path
    yield start
    for m in masters:
        os.close(m)


@pytest.mark.parametrize("walk", WALKS)
def test_sweep_finds_a_thread_with_a_table_of_its_own(on_a_pty, walk):
    """A process whose only descriptor for the terminal is in a thread
    that unshared its descriptor table, with no controlling terminal and
    in no session of the terminal's: found and killed by either walk."""
    p, path = on_a_pty("thread")
    with open(f"/proc/{p.pid}/stat") as f:    # no controlling tty
        assert f.read().rsplit(")", 1)[1].split()[4] == "0"
    assert not any(os.stat(f"/proc/{p.pid}/fd/{fd}").st_rdev ==
                   os.stat(path).st_rdev
                   for fd in os.listdir(f"/proc/{p.pid}/fd"))
    r = sweeptool(walk, path)
    assert r.returncode == 0 and r.stdout.startswith("killed 1 "), \
        (r.stdout, r.stderr)
    assert p.wait(timeout=5) == -signal.SIGKILL


@pytest.mark.parametrize("walk", WALKS)
def test_sweep_and_a_controlling_terminal_outside_the_sessions(on_a_pty,
                                                               walk):
    """A session leader whose controlling terminal is the pty, with no
    descriptor for it, in a session the sweep was not told of (a synonym
    port's, say): the kernel walk finds it by the terminal itself; /proc
    shows a controlling terminal only by session, and it survives there
    (tgetty.8)."""
    p, path = on_a_pty("ctty")
    deadline = time.monotonic() + 5
    while os.listdir(f"/proc/{p.pid}/fd"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with open(f"/proc/{p.pid}/stat") as f:
        tty_nr = int(f.read().rsplit(")", 1)[1].split()[4])
    assert tty_nr == os.stat(path).st_rdev
    r = sweeptool(walk, path)
    assert r.returncode == 0, r.stderr
    if walk == "kernel":
        assert r.stdout.startswith("killed 1 "), r.stdout
        assert p.wait(timeout=5) == -signal.SIGKILL
    else:
        assert r.stdout.startswith("killed 0 "), r.stdout
        assert p.poll() is None


def owned(uid):
    """Every process of uid, zombies included."""
    found = []
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and os.stat(f"/proc/{d}").st_uid == uid:
                found.append(int(d))
        except FileNotFoundError:
            pass
    return found


@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize("bomb", ["forkbomb", "clonebomb", "vfork"])
def test_sweep_without_a_cgroup(testuser, procs, walk, bomb):
    """Where the session has no cgroup, its processes are stopped first
    (SIGSTOP, pass after pass), holders killed, the rest continued: a fork
    bomb holding a pty (fork, clone without SIGCHLD, a chain of vfork
    parents waiting in D) leaves no survivor, and a process of the same
    session that holds nothing runs on.  Either walk finds the holders."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    uid = testuser.pw_uid
    user = ["setpriv", f"--reuid={uid}", f"--regid={testuser.pw_gid}",
            "--clear-groups"]
    # the user's processes still exiting from before count against the
    # fork bomb's bound (RLIMIT_NPROC)
    deadline = time.monotonic() + 10
    while owned(uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        leader = procs.popen(user + ["sh", "-c",
                                     "sleep 1000 </dev/null >/dev/null 2>&1 &"
                                     f" exec {helper('adversary')} {bomb} "
                                     "300"],
                             stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
        os.close(slave)
        sid = leader.pid
        time.sleep(1)
        assert len([p for p in owned(uid) if alive(p)]) > 100
        r = sweeptool(walk, "-s", str(sid), path)
        assert r.returncode == 0, r.stderr
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            left = [p for p in owned(uid) if alive(p)]
            if len(left) <= 1:
                break
            time.sleep(0.05)
        assert len(left) == 1, left             # the sleep, and only it
        with open(f"/proc/{left[0]}/stat") as f:
            name, rest = f.read().rsplit(")", 1)
        assert name.endswith("(sleep") and rest.split()[0] == "S"  # not "T"
    finally:
        os.close(master)
        # whatever of the user's is left, at once (fork bomb or not)
        subprocess.run(user + ["kill", "-KILL", "-1"])
        deadline = time.monotonic() + 10
        while owned(uid) and time.monotonic() < deadline:
            time.sleep(0.05)


# A second devpts instance, as a container (Docker, Podman,
# systemd-nspawn) mounts one: its ptys are numbered from 0 too, so their
# device numbers are the host's.  Run in a mount namespace of its own;
# each line read asks for pts N there, held by two processes (adversary
# ignore: descriptors; adversary ctty: its controlling terminal, no
# descriptor); it answers with their PIDs.  At the end of its input it
# kills them by PID.
OTHER_DEVPTS = r"""
import fcntl, os, struct, subprocess, sys
adversary, where = sys.argv[1], sys.argv[2]
subprocess.run(["mount", "-t", "devpts", "-o", "newinstance,ptmxmode=0666",
                "devpts", where], check=True)
print("mounted", os.stat(where).st_dev, flush=True)
masters, holders = {}, {}


def start(n, mode):
    s = os.open(f"{where}/{n}", os.O_RDWR | os.O_NOCTTY)
    p = subprocess.Popen([adversary, mode], stdin=s, stdout=s, stderr=s,
                         start_new_session=True)
    os.close(s)
    out = b""
    try:
        while b"READY" not in out:
            out += os.read(masters[n], 256)
    except OSError:                     # EIO: it died, no slave is open
        p.kill()
        p.wait()
        return None
    return p


for line in sys.stdin:
    n = int(line)
    while n not in masters:     # numbered from 0, lowest free first
        m = os.open(f"{where}/ptmx", os.O_RDWR | os.O_NOCTTY)
        fcntl.ioctl(m, 0x40045431, struct.pack("i", 0))        # TIOCSPTLCK
        got = fcntl.ioctl(m, 0x80045430, bytes(4))              # TIOCGPTN
        masters[struct.unpack("i", got)[0]] = m
    # again when they died (a sweep elsewhere on the machine that matches
    # by number alone kills them too)
    for _ in range(10):
        ps = holders.get(n, [])
        if len(ps) == 2 and all(p.poll() is None for p in ps):
            break
        for p in ps:
            p.kill()
            p.wait()
        holders[n] = [p for p in (start(n, m) for m in ("ignore", "ctty"))
                      if p]
    print("held", *(p.pid for p in holders[n]), flush=True)
for ps in holders.values():
    for p in ps:
        p.kill()
        p.wait()
"""


def pts_number(path):
    return int(path.rsplit("/", 1)[1])


@pytest.fixture
def other_devpts(procs):
    """hold(n): the PIDs of two root processes holding pts n of another
    devpts instance (by descriptor, as controlling terminal)."""
    # a short path: the adversary's ttyname() has room for 64 bytes
    where = tempfile.mkdtemp(prefix="tpath-pts.")
    p = procs.popen(["unshare", "--mount", "--propagation", "private",
                     "python3", "-c", OTHER_DEVPTS, helper("adversary"),
                     where], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    if line[:1] != ["mounted"]:
        p.wait()
        os.rmdir(where)
        pytest.skip("no devpts instance of its own in a mount namespace "
                    "here (unshare --mount, mount -t devpts -o newinstance)")
    assert int(line[1]) != os.stat("/dev/pts").st_dev
    started = []

    def hold(n):
        p.stdin.write(f"{n}\n")
        p.stdin.flush()
        words = p.stdout.readline().split()
        assert words[:1] == ["held"], words
        pids = [int(w) for w in words[1:]]
        started.extend(pids)
        return pids
    yield hold
    p.stdin.close()
    p.wait(timeout=10)
    for pid in started:             # what it could not end, by PID
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    os.rmdir(where)


def same_number_elsewhere(pids, path):
    """The two holders of another instance's pty really hold one with the
    number of path: the descriptor's st_rdev is path's, its st_dev (the
    devpts instance) another; the controlling terminal's number too."""
    fd_holder, ctty_holder = pids
    st, theirs = os.stat(path), os.stat(f"/proc/{fd_holder}/fd/0")
    assert theirs.st_rdev == st.st_rdev and theirs.st_dev != st.st_dev
    with open(f"/proc/{ctty_holder}/stat") as f:
        assert int(f.read().rsplit(")", 1)[1].split()[4]) == st.st_rdev
    deadline = time.monotonic() + 5     # it closes them after READY
    while os.listdir(f"/proc/{ctty_holder}/fd"):
        assert time.monotonic() < deadline
        time.sleep(0.01)


def wait_ready(master, n):
    out = b""
    while out.count(b"READY") < n:
        out += os.read(master, 256)


@pytest.mark.parametrize("walk", WALKS)
def test_sweep_spares_the_same_pty_of_another_devpts(other_devpts, procs,
                                                     walk):
    """A pty of another devpts instance (a container's) with the number of
    the pty swept, held by descriptor and as controlling terminal: either
    walk kills the pty's own holders (one by descriptor, one whose
    controlling terminal it is: the kernel walk finds it by the terminal
    itself, /proc by its session, given) and spares the container's, 20
    times."""
    for _ in range(TRIALS):
        master, slave = os.openpty()
        try:
            path = os.ttyname(slave)
            theirs = other_devpts(pts_number(path))
            same_number_elsewhere(theirs, path)
            ours = [procs.popen([helper("adversary"), mode], stdin=slave,
                                stdout=slave, stderr=slave,
                                start_new_session=True)
                    for mode in ("ignore", "ctty")]
            os.close(slave)         # (a holder too)
            slave = -1
            wait_ready(master, 2)
            sessions = ["-S", str(ours[1].pid)] if walk == "proc" else []
            r = sweeptool(walk, *sessions, path)
            assert r.returncode == 0, r.stderr
            for p in ours:
                assert p.wait(timeout=5) == -signal.SIGKILL
            assert [p for p in theirs if not alive(p)] == [], r.stdout
            assert r.stdout.startswith("killed 2 "), r.stdout
        finally:
            if slave != -1:
                os.close(slave)
            os.close(master)


def test_the_key_spares_the_same_ptys_of_another_devpts(session,
                                                        other_devpts):
    """A container's ptys numbered as the port's terminal and as the
    session's pty, each held by a root process by descriptor and by one as
    its controlling terminal: the key kills the session and a root holder
    of the session's pty, and leaves them alone, 20 times."""
    child, u = session
    for _ in range(TRIALS):
        child.sendline("tty")
        child.expect(r"(/dev/pts/\d+)\r\n")
        pty = child.match.group(1)
        child.expect_exact("$ ")
        theirs = []
        for path in (child.path, pty):
            pids = other_devpts(pts_number(path))
            same_number_elsewhere(pids, path)
            theirs += pids
        holder = holder_outside(pty)
        try:
            assert holder.stdout.readline() == b"open\n"
            press_sak(child, u.pw_uid)
            assert holder.wait(timeout=5) == -signal.SIGKILL
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        assert [p for p in theirs if not alive(p)] == []
        back_to_shell(child)


@pytest.mark.parametrize("walk", WALKS)
def test_sweep_finds_a_holder_of_a_node_made_elsewhere(procs, scratch, walk):
    """A terminal that is no pty is the same device under every node: a
    root process holding a node of the virtual console tty23 made with
    mknod elsewhere is killed by either walk, as one holding /dev/tty23
    itself (only a pty is matched by its devpts instance too)."""
    vt = "/dev/tty23"                   # no test or getty uses it
    if not os.path.exists(vt):
        pytest.skip("no virtual console tty23 here")
    alias = str(scratch / "tty")
    os.mknod(alias, 0o600 | stat.S_IFCHR, os.stat(vt).st_rdev)
    holders = [procs.popen(["python3", "-c",
                            "import os, sys, time\n"
                            "fd = os.open(sys.argv[1], os.O_RDWR | "
                            "os.O_NOCTTY)\n"
                            "print('open', flush=True)\n"
                            "time.sleep(1000)\n", path],
                           stdout=subprocess.PIPE, start_new_session=True)
               for path in (alias, vt)]
    for h in holders:
        assert h.stdout.readline() == b"open\n"
    r = sweeptool(walk, vt)
    assert r.returncode == 0 and r.stdout.startswith("killed 2 "), \
        (r.stdout, r.stderr)
    for h in holders:
        assert h.wait(timeout=5) == -signal.SIGKILL
