"""pam_tpath.so with real Linux-PAM: pam_start_confdir (pamtool) and
pamtester, a real user and pam_unix.  "On the trusted path" is made the
way tgetty makes it: a process in a session of its own whose controlling
terminal is a pty, and a record of that session and pty."""
import ctypes
import os
import subprocess
from pathlib import Path

import pytest
from pexpect import EOF, fdpexpect

from conftest import BUILD, helper, program
from test_login import PASSWORD, pamconf, user  # noqa: F401 (fixtures)
from test_sak import SAK, TSH_PROMPT, config
from test_tgetty import Terminal, getty, log_in, shell_user  # noqa: F401

MODULE = BUILD / "pam_tpath.so"
SANITIZE = os.environ.get("TPATH_SANITIZE") == "1"


@pytest.fixture
def pamenv(confdir, tmp_path):
    """confdir (the user file), a run directory for records, and PAM
    service files naming the module by path."""
    run, pamd = tmp_path / "run", tmp_path / "pam.d"
    run.mkdir(mode=0o755)
    pamd.mkdir()
    opts = f"confdir={confdir} rundir={run}"
    services = {
        "tp-auth": f"auth requisite {MODULE} trusted_only {opts}\n"
                   "auth required pam_unix.so\n",
        "tp-acct": f"account required {MODULE} {opts}\n",
        "tp-passwd": f"password requisite {MODULE} trusted_only {opts}\n"
                     "password required pam_unix.so\n",
        "tp-unknown": f"auth requisite {MODULE} trusted_only frobnicate "
                      f"{opts}\nauth required pam_permit.so\n"
                      f"account required {MODULE} frobnicate {opts}\n",
    }
    for name, text in services.items():
        (pamd / name).write_text(text)

    class Env:
        pass
    env = Env()
    env.confdir, env.run, env.pamd = confdir, run, pamd
    return env


def users(env, text):
    (env.confdir / "user").write_text(text)


def start_time(pid):
    """A process's start time (/proc/PID/stat field 22), 0 if none."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except FileNotFoundError:
        return 0


def boot_id():
    with open("/proc/sys/kernel/random/boot_id") as f:
        return f.read().strip()


def record(env, sid, rdev, mode=0o644, uid=None, keeper=None):
    """A record as tgetty writes it, of the shell sid, kept by keeper (a
    living process standing in for tgetty: this one) for the real user
    uid (pamtool's: root)."""
    keeper = keeper or os.getpid()
    uid = os.getuid() if uid is None else uid
    f = env.run / "trusted"
    f.write_text(f"/dev/tty8:\n\tuser = someone\n\tuid = {uid}\n"
                 f"\tsid = {sid}\n\tstart = {start_time(sid)}\n"
                 f"\ttty = /dev/pts/x\n\trdev = {rdev}\n"
                 f"\ttgetty = {keeper}\n\ttgetty_start = "
                 f"{start_time(keeper)}\n\tboot = {boot_id()}\n")
    f.chmod(mode)


class Session:
    """pamtool in a session of its own whose controlling terminal is a new
    pty (setsid -c): it waits for go() before the PAM call."""

    def __init__(self, env, *args, extra_env=None):
        m, s = os.openpty()
        self.path, self.rdev = os.ttyname(s), os.fstat(s).st_rdev
        self.p = subprocess.Popen(
            ["setsid", "-c", "sh", "-c", 'echo "SID $$"; read go; '
             'exec "$@"', "sh", helper("pamtool"), args[0], str(env.pamd),
             *args[1:]], stdin=s, stdout=s, stderr=s,
            env=dict(os.environ, **(extra_env or {})))
        os.close(s)
        self.t = fdpexpect.fdspawn(m, encoding="utf-8", timeout=15)
        self.t.expect(r"SID (\d+)")
        self.sid = int(self.t.match.group(1))

    def go(self):
        self.t.sendline("go")

    def result(self):
        self.t.expect(r"RESULT ([^\r\n]*)")
        text = self.t.before
        rc = self.p.wait(timeout=10)
        self.t.expect(EOF)
        os.close(self.t.child_fd)
        return rc, text


def run(env, *args, record_it=False, answer=None, extra_env=None):
    """One PAM call in a fresh session; (return code, what it printed)."""
    s = Session(env, *args, extra_env=extra_env)
    if record_it:
        record(env, s.sid, s.rdev)
    s.go()
    if answer is not None:
        s.t.expect_exact("PROMPT ")
        s.t.sendline(answer)
    return s.result()


PAM_SUCCESS, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_SERVICE_ERR = 0, 7, 6, 3
PAM_AUTHTOK_ERR = 20


def test_trusted_only_fails_off_the_path_before_any_password(pamenv, user):  # noqa: F811,E501
    rc, out = run(pamenv, "tp-auth", user.pw_name, "auth")
    assert rc == PAM_AUTH_ERR
    assert "press Ctrl-X Ctrl-R" in out and "PROMPT" not in out


def test_trusted_only_on_the_path_asks_and_passes(pamenv, user):  # noqa: F811,E501
    rc, out = run(pamenv, "tp-auth", user.pw_name, "auth", record_it=True,
                  answer=PASSWORD)
    assert rc == PAM_SUCCESS, out
    # a wrong password still fails: the rest of the stack decides
    rc, _ = run(pamenv, "tp-auth", user.pw_name, "auth", record_it=True,
                answer="wrong-Password-1")
    assert rc == PAM_AUTH_ERR


def test_password_change_only_on_the_path(pamenv, user):  # noqa: F811
    rc, out = run(pamenv, "tp-passwd", user.pw_name, "chauthtok")
    assert rc == PAM_AUTHTOK_ERR and "PROMPT" not in out


def test_forged_tty_and_environment_do_not_pass(pamenv, user):  # noqa: F811
    """A record of another session's pty: naming that pty as PAM_TTY, or
    setting variables, from a session of one's own does not pass."""
    trusted = Session(pamenv, "tp-auth", user.pw_name, "auth")
    record(pamenv, trusted.sid, trusted.rdev)
    rc, out = run(pamenv, "tp-auth", user.pw_name, "auth", trusted.path,
                  extra_env={"TPATH_CONTROL_FD": "3", "PAM_TTY": trusted.path,
                             "TPATH_TRUSTED": "1"})
    assert rc == PAM_AUTH_ERR and "PROMPT" not in out
    # no terminal at all, the pty named: no
    r = subprocess.run([helper("pamtool"), "tp-auth", str(pamenv.pamd),
                        user.pw_name, "auth", trusted.path],
                       capture_output=True, text=True, start_new_session=True,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == PAM_AUTH_ERR and "PROMPT" not in r.stdout
    trusted.go()
    trusted.t.expect_exact("PROMPT ")       # while the real one passes
    trusted.t.sendline(PASSWORD)
    assert trusted.result()[0] == PAM_SUCCESS


@pytest.mark.parametrize("breakage", ["group-writable", "other session",
                                      "other pty", "other real user",
                                      "tgetty gone"])
def test_a_record_that_does_not_fit_does_not_pass(pamenv, user, breakage):  # noqa: F811,E501
    s = Session(pamenv, "tp-auth", user.pw_name, "auth")
    if breakage == "group-writable":
        record(pamenv, s.sid, s.rdev, mode=0o664)
    elif breakage == "other session":
        record(pamenv, s.sid + 1, s.rdev)
    elif breakage == "other pty":
        record(pamenv, s.sid, s.rdev + 1)
    elif breakage == "other real user":     # pamtool runs as root
        record(pamenv, s.sid, s.rdev, uid=user.pw_uid)
    else:                                   # a keeper that has exited
        gone = subprocess.Popen(["true"])
        gone.wait()
        record(pamenv, s.sid, s.rdev, keeper=gone.pid)
    s.go()
    rc, out = s.result()
    assert rc == PAM_AUTH_ERR and "PROMPT" not in out


def test_always_only_on_the_path(pamenv, user):  # noqa: F811
    users(pamenv, f"{user.pw_name}:\n\ttpath = always\n")
    rc, out = run(pamenv, "tp-acct", user.pw_name, "acct")
    assert rc == PAM_PERM_DENIED
    assert "restricted to the trusted path" in out
    rc, out = run(pamenv, "tp-acct", user.pw_name, "acct", record_it=True)
    assert rc == PAM_SUCCESS, out
    users(pamenv, "default:\n\ttpath = on\n")
    rc, out = run(pamenv, "tp-acct", user.pw_name, "acct")
    assert rc == PAM_SUCCESS, out


def test_ttys_allow_and_deny(pamenv, user):  # noqa: F811
    def acct(ttys):
        s = Session(pamenv, "tp-acct", user.pw_name, "acct")
        users(pamenv, f"{user.pw_name}:\n\tttys = "
                      f"{ttys.replace('PTY', s.path)}\n")
        s.go()
        return s.result()[0]

    assert acct("PTY") == PAM_SUCCESS
    assert acct("/dev/tty8, PTY") == PAM_SUCCESS
    assert acct("ALL") == PAM_SUCCESS
    assert acct("*") == PAM_SUCCESS
    assert acct("/dev/tty8") == PAM_PERM_DENIED
    assert acct("!PTY, ALL") == PAM_PERM_DENIED
    assert acct("ALL, !PTY") == PAM_PERM_DENIED     # wherever it stands
    assert acct("!/dev/tty8, ALL") == PAM_SUCCESS
    assert acct("/dev/no-such-tty") == PAM_PERM_DENIED


def test_fails_closed(pamenv, user):  # noqa: F811
    users(pamenv, f"{user.pw_name}:\n\ttpath = sometimes\n")
    rc, _ = run(pamenv, "tp-acct", user.pw_name, "acct")
    assert rc == PAM_PERM_DENIED
    users(pamenv, f"{user.pw_name}:\n\tttys = tty1\n")
    rc, _ = run(pamenv, "tp-acct", user.pw_name, "acct")
    assert rc == PAM_PERM_DENIED
    (pamenv.confdir / "user").write_text("default:\n\ttpath = on\n")
    (pamenv.confdir / "user").chmod(0o666)   # anyone may write it
    rc, _ = run(pamenv, "tp-acct", user.pw_name, "acct")
    assert rc == PAM_PERM_DENIED
    (pamenv.confdir / "user").chmod(0o644)
    # an unknown option: auth and account refuse, on the path too
    rc, _ = run(pamenv, "tp-unknown", user.pw_name, "auth", record_it=True)
    assert rc == PAM_SERVICE_ERR
    rc, _ = run(pamenv, "tp-unknown", user.pw_name, "acct", record_it=True)
    assert rc == PAM_SERVICE_ERR


def test_exports_only_the_entry_points():
    out = subprocess.run(["nm", "-D", "--defined-only", str(MODULE)],
                         capture_output=True, text=True, check=True).stdout
    names = sorted(line.split()[-1] for line in out.splitlines())
    assert names == ["pam_sm_acct_mgmt", "pam_sm_authenticate",
                     "pam_sm_chauthtok", "pam_sm_setcred"]
    if SANITIZE:
        pytest.skip("dlopen: the module needs the sanitizer runtime loaded "
                    "first (SANITIZE=1)")
    lib = ctypes.CDLL(str(MODULE))
    for name in names:
        assert getattr(lib, name)
    with pytest.raises(AttributeError):
        lib.user_pol_load                   # the core stays inside


@pytest.fixture
def system_service(pamenv):
    """A service in /etc/pam.d for pamtester (which reads no other
    directory), removed afterwards."""
    name = f"tpath-test-{os.getpid()}"
    path = Path("/etc/pam.d") / name
    path.write_text((pamenv.pamd / "tp-acct").read_text())
    yield name
    path.unlink()


@pytest.mark.skipif(SANITIZE, reason="pamtester cannot load a module built "
                    "with the sanitizers (SANITIZE=1)")
def test_pamtester(pamenv, user, system_service):  # noqa: F811
    def pamtester():
        return subprocess.run(["pamtester", system_service, user.pw_name,
                               "acct_mgmt"], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL,
                              start_new_session=True)

    users(pamenv, f"{user.pw_name}:\n\ttpath = always\n")
    r = pamtester()
    assert r.returncode != 0 and "restricted to the trusted path" in \
        r.stdout + r.stderr
    users(pamenv, f"{user.pw_name}:\n\ttpath = on\n")
    r = pamtester()
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(SANITIZE, reason="su cannot load a module built with "
                    "the sanitizers (SANITIZE=1)")
def test_su_asks_only_on_the_trusted_path(getty, shell_user, procs):  # noqa: F811,E501
    """End to end: tgetty in a mount namespace of its own where
    /etc/pam.d/su has pam_tpath trusted_only.  From the user's own shell,
    su is refused before any password is asked; after the key, su in tsh
    asks for the password and succeeds."""
    confdir, run = getty.confdir, getty.run
    (confdir / "login.cfg").write_text(config(confdir))
    register_setuid(confdir, os.path.realpath("/usr/bin/su"))
    (confdir / "user").write_text(f"{shell_user.pw_name}:\n\ttpath = on\n")
    su_stack = getty.pamconf / "su-test"
    su_stack.write_text(
        f"auth requisite {MODULE} trusted_only confdir={confdir} "
        f"rundir={run}\n"
        "auth required pam_unix.so\naccount required pam_unix.so\n"
        "session required pam_unix.so\npassword required pam_unix.so\n")
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)
    p = procs.popen(["unshare", "-m", "--propagation", "private", "sh",
                     "-c", 'mount --bind "$0" /etc/pam.d/su && exec "$@"',
                     str(su_stack), program("tgetty"), "-C", str(confdir),
                     "--pam-service", "tptest", "--pam-confdir",
                     str(getty.pamconf), "--state-dir", str(getty.state),
                     "--run-dir", str(run), path, "vt100"],
                    start_new_session=True, stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child = Terminal(master, encoding="utf-8", timeout=15)
    child.getty, child.path, child.run = p, path, run
    child.expect_exact("login: ")
    log_in(child, shell_user.pw_name, PASSWORD)
    child.expect_exact("$ ")
    child.sendline(f"su {shell_user.pw_name}; echo SU-$((1))-DONE")
    child.expect_exact("SU-1-DONE")
    assert "press Ctrl-X Ctrl-R" in child.before
    assert "Password:" not in child.before    # never asked
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    child.sendline(f"su {shell_user.pw_name}")
    child.expect_exact("Password: ")
    child.sendline(PASSWORD)
    child.expect_exact(TSH_PROMPT)          # su started tsh again
    child.sendline("exit")
    child.expect_exact(TSH_PROMPT)          # back in the first tsh
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    os.close(master)


def register_setuid(confdir, path):
    """A set-user-ID program as it is, marked trusted."""
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-a", path],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([program("chtcb"), "-C", str(confdir), "on", path],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_install_leaves_the_systems_pam_files_alone(tmp_path):
    """make install puts the module and the examples in place and never
    writes over a PAM file that is there already."""
    dest = tmp_path / "dest"
    su = dest / "etc" / "pam.d" / "su"
    su.parent.mkdir(parents=True)
    su.write_text("# the administrator's own\n")
    src = os.environ.get("TPATH_SRC", str(Path(__file__).parents[2]))
    r = subprocess.run(["make", "-s", "-C", src, "install",
                        f"DESTDIR={dest}", "SYSCONFDIR=/etc",
                        f"SANITIZE={'1' if SANITIZE else ''}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert su.read_text() == "# the administrator's own\n"
    assert sorted(p.name for p in su.parent.iterdir()) == ["su", "tgetty"]
    # in the directory Linux-PAM searches (libpam names it), so that the
    # examples name the module by name alone
    libdir = subprocess.run(["pkg-config", "--variable=libdir", "pam"],
                            capture_output=True, text=True,
                            check=True).stdout.strip()
    secdir = f"{libdir}/security"
    assert (dest / secdir.lstrip("/") / "pam_tpath.so").exists()
    assert f"{secdir}/".encode() in Path(libdir, "libpam.so.0").read_bytes()
    assert " pam_tpath.so" in (dest / "usr/local/share/doc/tpath/"
                               "pam-examples/su").read_text()
    assert (dest / "usr/local/share/doc/tpath/pam-examples/su").exists()
