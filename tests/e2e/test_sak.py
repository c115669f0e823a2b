"""The secure attention key through a real tgetty on a real pty, with real
Linux-PAM and a real user: where it is recognised, and what each tpath
value does with it."""
import glob
import os
import re
import signal
import stat
import subprocess
import time

import pytest
from pexpect import EOF

from auditd import auditd  # noqa: F401 (the fixture)
from conftest import program
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_tgetty import getty, log_in, shell_user  # noqa: F401 (fixtures)
from test_tsh import register

SAK = "\x18\x12"                        # Ctrl-X Ctrl-R
CLEAR = "\x1b[H\x1b[J"                  # terminfo clear for vt100
HERALD = "Authorized use only"
TSH_PROMPT = "tsh$ "
ON = "default:\n\tlogindelay = 0\n\tsak_enabled = true\n"


def config(confdir, sak=True):
    """login.cfg text with the trusted shell, and a database for it."""
    register(confdir, "/usr/bin/echo", "/usr/bin/sleep", "/usr/bin/true",
             os.path.realpath("/bin/sh"), program("tsh"))
    (confdir / "tsh_profile").write_text("export PATH=/usr/bin:/bin\n")
    return (f"default:\n\tlogindelay = 0\n\tsak_enabled = "
            f"{'true' if sak else 'false'}\n\ttsh = {program('tsh')}\n")


def users(name, tpath):
    return f"{name}:\n\ttpath = {tpath}\n"


def logged_in(getty, user, confdir, tpath, sak=True, prompt="$ ", wrap=()):
    """tgetty with the trusted shell set up, and user logged in."""
    p, child, path, _ = getty(config(confdir, sak),
                              users=users(user.pw_name, tpath), wrap=wrap)
    log_in(child, user.pw_name, PASSWORD)
    child.expect_exact(prompt)
    return p, child, path


def record(child):
    """The trusted-path record of the port, as {attr: value}, or None."""
    f = child.run / "trusted"
    if not f.exists():
        return None
    text = f.read_text()
    m = re.search(rf"^{re.escape(child.path)}:\n((?:\t.*\n)*)", text, re.M)
    if m is None:
        return None
    return dict(re.findall(r"\t(\w+) = (.*)", m.group(1)))


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except FileNotFoundError:
        return False


def gone(*pids):
    """tgetty does not wait for what it killed to finish exiting (that
    happens behind the trusted prompt): give them a moment."""
    deadline = time.monotonic() + 3
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not any(alive(p) for p in pids)


def shell_pid(child, prompt="$ "):
    child.sendline("echo PID-$$")
    child.expect(r"PID-(\d+)")
    pid = int(child.match.group(1))
    child.expect_exact(prompt)
    return pid


def fresh_login(child):
    child.expect_exact(CLEAR)
    child.expect_exact(HERALD)
    child.expect_exact("login: ")


def test_sak_at_the_login_prompt(getty, shell_user):
    p, child, _, _ = getty(ON)
    child.send("half-typed" + SAK)
    fresh_login(child)
    assert p.poll() is None                 # the same tgetty, started anew
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_sak_during_password_entry(getty, shell_user):
    p, child, _, _ = getty(ON)
    child.sendline(shell_user.pw_name)
    child.expect_exact("Password: ")
    child.send("part-of-a-pass" + SAK)
    fresh_login(child)
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


# A program that shows the bytes it reads: the key passed through.
SHOW = "stty raw -echo; dd bs=1 count=2 2>/dev/null | od -An -tx1; stty sane"


@pytest.mark.parametrize("sak, tpath", [(False, "on"), (True, "nosak")])
def test_the_key_passes_through_when_not_enabled(getty, shell_user, confdir,
                                                  sak, tpath):
    p, child, _ = logged_in(getty, shell_user, confdir, tpath, sak=sak)
    child.sendline(SHOW)
    time.sleep(0.5)
    child.send(SAK)
    child.expect_exact(" 18 12")
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_on_gives_a_trusted_shell_and_shell_leaves_it(getty, shell_user,
                                                      confdir):
    # a soft descriptor limit below the hard one, as on most systems
    p, child, path = logged_in(getty, shell_user, confdir, "on",
                               wrap=["prlimit", "--nofile=512:"])
    sh = shell_pid(child)
    assert record(child) is None
    child.send(SAK)
    child.expect_exact(CLEAR)
    child.expect_exact(TSH_PROMPT)
    assert gone(sh)
    child.sendline("echo ON-THE-$((1)) TRUSTED-PATH")
    child.expect_exact("ON-THE-$((1)) TRUSTED-PATH")
    child.expect_exact(TSH_PROMPT)
    rec = record(child)
    assert rec is not None and rec["user"] == shell_user.pw_name
    pty = rec["tty"]
    st = os.stat(pty)       # private: nobody, the user's own processes
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o600)
    # ... included, can open it: only tsh has it
    r = subprocess.run(["setpriv", f"--reuid={shell_user.pw_uid}",
                        f"--regid={shell_user.pw_gid}", "--clear-groups",
                        "sh", "-c", f"echo x > {pty}"], capture_output=True)
    assert r.returncode != 0 and b"Permission denied" in r.stderr
    assert int(rec["rdev"]) == st.st_rdev
    assert os.getsid(int(rec["sid"])) == int(rec["sid"])
    # the descriptor limit tgetty raises for its sweep is not passed on
    with open(f"/proc/{rec['sid']}/limits") as f:
        soft = next(line for line in f if line.startswith("Max open files"))
    assert int(soft.split()[3]) == 512
    # "shell": the user's own shell again, untrusted, the record gone
    child.sendline("shell")
    child.expect_exact("$ ")
    assert record(child) is None
    st = os.stat(path)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_on_logout_in_tsh_ends_the_session(getty, shell_user, confdir):
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    assert record(child) is not None
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    assert record(child) is None


def test_a_hang_up_in_tsh_ends_the_session_and_its_record(getty, shell_user,
                                                          confdir):
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    sid = int(record(child)["sid"])
    os.close(child.child_fd)                # the line drops
    assert p.wait(timeout=10) == 0
    assert record(child) is None
    assert gone(sid)


def test_notsh_ends_the_session_and_gives_a_login(getty, shell_user,
                                                  confdir):
    p, child, _ = logged_in(getty, shell_user, confdir, "notsh")
    sh = shell_pid(child)
    child.send(SAK)
    fresh_login(child)
    assert gone(sh) and p.poll() is None
    assert record(child) is None
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline("exit")
    assert p.wait(timeout=10) == 0


def test_always_is_only_ever_tsh(getty, shell_user, confdir):
    p, child, _ = logged_in(getty, shell_user, confdir, "always",
                            prompt=TSH_PROMPT)
    sid = int(record(child)["sid"])
    child.sendline("shell")
    child.expect_exact("only use the trusted shell")
    child.expect_exact(TSH_PROMPT)
    assert int(record(child)["sid"]) != sid   # a fresh tsh
    child.send(SAK)
    child.expect_exact(CLEAR)
    child.expect_exact(TSH_PROMPT)
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    assert record(child) is None


def test_sak_in_tsh_kills_a_hung_program(getty, shell_user, confdir):
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    first = int(record(child)["sid"])
    child.sendline("sleep 1000")
    time.sleep(0.5)
    hung = [int(d) for d in os.listdir("/proc") if d.isdigit()
            and alive(int(d)) and os.getsid(int(d)) == first
            and int(d) != first]
    assert hung                             # sleep, in tsh's session
    child.send(SAK)
    child.expect_exact(CLEAR)
    child.expect_exact(TSH_PROMPT)
    assert gone(*hung, first)
    assert int(record(child)["sid"]) != first
    child.sendline("logout")
    assert p.wait(timeout=10) == 0


def test_a_session_survivor_without_the_terminal_lives_on(getty, shell_user,
                                                          confdir):
    """A job that holds none of the terminals survives the key (as on AIX);
    logout ends it with the rest of the session."""
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    child.sendline("setsid sh -c 'echo BG-$$; exec sleep 1000' </dev/null "
                   "2>&1 | cat &")
    child.expect(r"BG-(\d+)")
    bg = int(child.match.group(1))
    child.sendline("echo SY''NC")
    child.expect_exact("SYNC")
    time.sleep(0.3)
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    assert alive(bg)
    with open(f"/proc/{bg}/stat") as f:     # thawed, not left frozen
        assert f.read().rsplit(")", 1)[1].split()[0] in "SR"
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    deadline = time.monotonic() + 5
    while alive(bg) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(bg):
        os.kill(bg, signal.SIGKILL)
        pytest.fail("the session's job outlived the logout")


def test_an_unverified_tsh_is_never_started(getty, shell_user, confdir):
    """tgetty verifies the trusted shell like tsh verifies its programs:
    one that is not in the database, trusted, ends the session instead."""
    cfg = config(confdir).replace(program("tsh"), "/usr/bin/yes")
    p, child, _, _ = getty(cfg, users=users(shell_user.pw_name, "on"))
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.send(SAK)
    child.expect_exact("the trusted shell cannot be verified")
    assert p.wait(timeout=10) == 0
    assert record(child) is None


def test_sak_without_a_login_kills_holders_of_the_terminal(getty, procs):
    """A process outside any session that opened the terminal before tgetty
    took it (as root) is killed by the key at the login prompt."""
    p, child, path, _ = getty(ON)
    holder = procs.popen(["python3", "-c",
                          "import os, signal, time\n"
                          "for s in (signal.SIGTERM, signal.SIGHUP, "
                          "signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
                          f"fd = os.open({path!r}, os.O_RDWR | os.O_NOCTTY)\n"
                          "print('open', flush=True)\n"
                          "time.sleep(1000)\n"], stdout=-1,
                         start_new_session=True)
    assert holder.stdout.readline() == b"open\n"
    child.send(SAK)
    fresh_login(child)
    assert holder.wait(timeout=5) == -signal.SIGKILL
    child.sendline("")
    child.expect_exact("login: ")
    assert p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    child.expect([EOF, "login: ", ""], timeout=1)


def test_a_shell_that_ignores_the_hang_up_does_not_delay_tsh(getty,
                                                            shell_user,
                                                            confdir):
    """The login shell itself ignoring SIGHUP: the trusted shell still
    comes at once (the shell is killed, not waited for: waiting for it took
    tgetty's 2 s grace, which is what the bound tells apart)."""
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    child.sendline("trap '' HUP")
    child.expect_exact("$ ")
    sh = shell_pid(child)
    t = time.monotonic()
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    assert time.monotonic() - t < 1.5
    assert gone(sh)
    child.sendline("logout")
    assert p.wait(timeout=10) == 0


def test_the_key_is_audited_with_the_port_user_and_count(getty, shell_user,
                                                         confdir, auditd):  # noqa: F811,E501
    since = time.strftime("%H:%M:%S")
    p, child, path = logged_in(getty, shell_user, confdir, "on")
    child.sendline("sleep 1000 & sleep 1000 & echo STARTED-$((2))")
    child.expect_exact("STARTED-2")
    child.expect_exact("$ ")
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    time.sleep(0.5)
    term = path.removeprefix("/dev/")      # found by the port's name
    r = subprocess.run([auditd.ausearch, "-m", "TRUSTED_APP", "--terminal",
                        term, "-ts", "today", since, "-i"],
                       capture_output=True, text=True, errors="replace")
    sak = [x for x in r.stdout.splitlines() if "op=sak" in x
           and f"pid={p.pid} " in x]           # ptys are reused: this one
    assert len(sak) == 1, r.stdout[-2000:]
    assert shell_user.pw_name in sak[0]
    # the shell and its two jobs, at least
    killed = int(re.search(r"killed=(\d+)", sak[0]).group(1))
    assert killed >= 3, sak[0]


def test_shells_cgroups_do_not_pile_up(getty, shell_user, confdir):
    """Each shell of a session has a cgroup of its own; many keys and
    "shell"s later, the ones that ended are gone."""
    p, child, _ = logged_in(getty, shell_user, confdir, "on")
    for _ in range(40):
        child.send(SAK)
        child.expect_exact(TSH_PROMPT)
        child.sendline("shell")
        child.expect_exact("$ ")
    leaves = glob.glob(f"/sys/fs/cgroup/**/tpath-session-{p.pid}/shell-*",
                       recursive=True)
    if not glob.glob(f"/sys/fs/cgroup/**/tpath-session-{p.pid}",
                     recursive=True):
        pytest.skip("no cgroup v2 for sessions here")
    assert 1 <= len(leaves) <= 3, leaves
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
