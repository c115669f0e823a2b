"""tpath's whole life under a real systemd: the package built by
dpkg-buildpackage (make deb) installed into a Debian 12 container booted
with systemd-nspawn -b, tgetty@console started by systemd on the
container's console (a pty of this machine, through nspawn), and driven as
an administrator and a user would.

The checks run in order, on one container: each needs what the one before
it left.  Where this machine cannot boot a container, they are skipped
with the reason.
"""
import errno
import fcntl
import io
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import time

import pexpect
import pytest

from container import Container, cgroup2_mount
from rootfs import cached_root

SRC = os.environ.get("TPATH_SRC",
                     os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                  "../..")))
SAK = "\x18\x12"
ROOT_PASSWORD = "Sys-Check-7731"
TSH_PROMPT = "tsh# "
SHELL_PROMPT = re.compile(r"root@tpath-check:[^\r\n]*# ")
LOGIN = "login: "
STOP_TIMEOUT = 90           # systemd's DefaultTimeoutStopSec
TIOCGPTN, TIOCSPTLCK = 0x80045430, 0x40045431   # <asm-generic/ioctls.h>


def precheck():
    missing = [t for t in ("debootstrap", "systemd-nspawn", "nsenter",
                           "dpkg-buildpackage", "lintian")
               if shutil.which(t, path=os.environ.get("PATH", "") +
                               ":/usr/sbin:/sbin") is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (make "
                    f"check-system installs them: make deps-system)")
    if os.geteuid() != 0:
        pytest.skip("booting a container needs root")
    if cgroup2_mount() is None:
        pytest.skip("no cgroup v2 hierarchy to give the container")


def build_deb(version=None):
    """make deb (at version, if given): the .deb's path."""
    argv = ["make", "-s", "-C", SRC, "deb"]
    if version:
        argv.append(f"DEB_VERSION={version}")
    r = subprocess.run(argv, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    m = re.search(r"^deb: (\S+\.deb)$", r.stdout, re.M)
    assert m, r.stdout[-2000:]
    return os.path.join(SRC, m.group(1)), r.stdout


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    precheck()
    first, out = build_deb()
    version = subprocess.run(["dpkg-deb", "-f", first, "Version"],
                             capture_output=True, text=True,
                             check=True).stdout.strip()
    second, _ = build_deb(f"{version}+check1")
    d = tmp_path_factory.mktemp("debs")
    shutil.copy(first, d / "tpath-a.deb")
    shutil.copy(second, d / "tpath-b.deb")
    lint = [line for line in out.splitlines()
            if re.match(r"^[EWIPX]: ", line)]
    print("lintian:", "\n".join(lint) or "(nothing)")
    return {"dir": str(d), "a": version, "b": f"{version}+check1"}


@pytest.fixture(scope="module")
def box(debs):
    try:
        root = cached_root(log=lambda m: print(m, file=sys.stderr))
    except (RuntimeError, subprocess.CalledProcessError) as e:
        pytest.skip(f"no Debian 12 root: {e}")
    log = io.StringIO()
    try:
        c = Container(root, binds=[(debs["dir"], "/tpath-debs")], log=log)
    except RuntimeError as e:
        pytest.skip(f"this machine cannot boot a container: {e}")
    c.debs = debs
    try:
        try:
            c.wait_booted()
        except AssertionError as e:
            pytest.skip(f"the container does not boot here: {e}")
        yield c
    finally:
        c.end()
        # the whole console, for a failure's reader
        with open(os.path.join(SRC, "build", "check-system-console.log"),
                  "w") as f:
            f.write(log.getvalue())


def expect(box, pattern, timeout=30):
    """Read the console until pattern (a string, exactly, or a regex); on
    a time-out, what the console and tgetty's unit say."""
    try:
        if isinstance(pattern, str):
            box.console.expect_exact(pattern, timeout=timeout)
        else:
            box.console.expect(pattern, timeout=timeout)
    except pexpect.TIMEOUT:
        status = box.sh("systemctl status --no-pager -n 30 tgetty@console",
                        check=False).stdout
        raise AssertionError(f"{pattern!r} not on the console in {timeout}"
                             f" s; it shows {box.console.before[-300:]!r}\n"
                             f"{status}") from None


def log_in(box, name="root", password=ROOT_PASSWORD):
    box.console.sendline(name)
    expect(box, "Password: ")
    box.console.sendline(password)
    expect(box, SHELL_PROMPT)


def main_pid(box, unit):
    return int(box.sh(f"systemctl show -p MainPID --value {unit}")
               .stdout.strip())


def cgroup_of(box, pid):
    """A process's cgroup v2 path (the host's v1 hierarchies are listed
    too: the 0:: line is the one)."""
    lines = box.sh(f"cat /proc/{pid}/cgroup").stdout.splitlines()
    return next((x[3:] for x in lines if x.startswith("0::")), None)


def session_left(box):
    """What a session can leave behind: (scopes, tpath cgroups, utmp)."""
    scopes = box.sh("systemctl list-units --no-legend --plain --all "
                    "'session-*.scope' | grep -v ' inactive ' || true"
                    ).stdout.strip()
    cgroups = box.sh("find /sys/fs/cgroup -type d -name 'tpath-session-*'"
                     ).stdout.strip()
    utmp = box.sh("who").stdout.strip()
    return scopes, cgroups, utmp


def test_the_package_installs_and_enables_nothing(box):
    r = box.sh("dpkg -i /tpath-debs/tpath-a.deb")
    print(r.stdout)
    for path in ("/usr/sbin/tgetty", "/usr/bin/tsh", "/usr/sbin/tcbck",
                 "/usr/sbin/chtcb",
                 "/lib/x86_64-linux-gnu/security/pam_tpath.so",
                 "/lib/systemd/system/tgetty@.service",
                 "/lib/systemd/system/container-tgetty@.service",
                 "/etc/tpath/login.cfg", "/etc/pam.d/tgetty"):
        box.sh(f"test -e {path}")
    # the initial database: tsh recorded, trusted, and as on disk
    assert box.sh("chtcb query /usr/bin/tsh").stdout == "/usr/bin/tsh: on\n"
    box.sh("tcbck -n /usr/bin/tsh")
    box.sh("getent group tpath")
    # nothing enabled, nothing started
    enabled = box.sh("ls /etc/systemd/system/getty.target.wants/").stdout
    assert "tgetty" not in enabled, enabled
    assert box.sh("pgrep -x tgetty", check=False).returncode == 1
    # the units are sound as systemd reads them (an instance each)
    r = box.sh("systemd-analyze verify --man=no tgetty@tty9.service "
               "serial-tgetty@ttyS9.service container-tgetty@9.service "
               "tgetty@console.service", check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_enable_now_puts_tgetty_on_the_console(box):
    box.sh(f"echo root:{ROOT_PASSWORD} | chpasswd")
    assert box.sh("systemctl is-active console-getty").stdout.strip() == \
        "active"
    box.sh("systemctl enable --now tgetty@console")
    expect(box, LOGIN, timeout=30)
    # the swap is whole: console-getty stopped by Conflicts=
    assert box.sh("systemctl is-active console-getty",
                  check=False).stdout.strip() == "inactive"
    pid = main_pid(box, "tgetty@console")
    cmd = box.sh(f"tr '\\0' ' ' < /proc/{pid}/cmdline").stdout
    assert cmd == "/usr/sbin/tgetty console ", cmd


def test_a_login_is_a_logind_session(box):
    log_in(box)
    box.console.sendline("echo SESSION-$((6*7))")
    expect(box, "SESSION-42")
    expect(box, SHELL_PROMPT)
    r = box.sh("loginctl list-sessions --no-legend")
    rows = [line.split() for line in r.stdout.splitlines() if line.strip()]
    assert len(rows) == 1 and rows[0][2] == "root", r.stdout
    show = box.sh(f"loginctl show-session {rows[0][0]} -p Type -p Class "
                  "-p Service -p TTY").stdout
    print(show)
    assert "Type=tty" in show and "Class=user" in show, show
    assert "Service=tgetty" in show, show
    assert box.sh("who").stdout.split()[:2] == ["root", "console"]
    # tgetty is its unit's (for systemd, and for the journal, which files
    # a message under the sender's cgroup); the session's processes are in
    # the login's scope, below it in tgetty's session cgroup
    unit = "/system.slice/system-tgetty.slice/tgetty@console.service"
    pid = main_pid(box, "tgetty@console")
    assert cgroup_of(box, pid) == unit
    shell = box.sh("pgrep -x -u root bash").stdout.split()
    assert len(shell) == 1, shell
    assert cgroup_of(box, shell[0]) == \
        f"/user.slice/user-0.slice/session-{rows[0][0]}.scope/" \
        f"tpath-session-{pid}/shell-1"


def test_the_key_gives_tsh_and_kills_the_holders(box):
    box.console.sendline("sleep 7101 & sleep 7102 & echo HOLDING-$((1+1))")
    expect(box, "HOLDING-2")
    expect(box, SHELL_PROMPT)
    box.console.send(SAK)
    expect(box, TSH_PROMPT)
    r = box.sh("pgrep -f 'sleep 710[12]'", check=False)
    assert r.returncode == 1, r.stdout
    box.console.sendline("echo TRUSTED-$((1))")
    expect(box, "TRUSTED-$((1))")         # tsh: no arithmetic expansion
    expect(box, TSH_PROMPT)


def test_shell_then_logout_leaves_nothing(box):
    box.console.sendline("shell")
    expect(box, SHELL_PROMPT)
    first = main_pid(box, "tgetty@console")
    box.console.sendline("exit")
    expect(box, LOGIN)                      # Restart=always
    box.wait_until("test -z \"$(loginctl list-sessions --no-legend)\"",
                   what="the logind session's end")
    assert session_left(box) == ("", "", "")
    assert main_pid(box, "tgetty@console") != first


def test_stop_in_a_session_ends_it_whole(box):
    log_in(box)
    box.console.sendline("setsid -f sleep 7201; echo DETACHED-$((3))")
    expect(box, "DETACHED-3")
    expect(box, SHELL_PROMPT)
    started = time.monotonic()
    box.sh("systemctl stop tgetty@console", timeout=STOP_TIMEOUT + 30)
    took = time.monotonic() - started
    assert took < STOP_TIMEOUT, took
    box.wait_until("test -z \"$(loginctl list-sessions --no-legend)\"",
                   what="the logind session's end")
    r = box.sh("pgrep -af 'sleep 720[1]'", check=False)
    assert r.returncode == 1, r.stdout + box.sh(
        "systemd-cgls --no-pager; for p in $(pgrep -f 'sleep 720[1]'); do "
        "cat /proc/$p/cgroup /proc/$p/status; done", check=False).stdout
    assert session_left(box) == ("", "", "")
    # no trusted-path record left (a stanza is a line "name:")
    r = box.sh("grep -c ':$' /run/tpath/trusted", check=False)
    assert r.stdout.strip() in ("", "0"), box.sh("cat /run/tpath/trusted"
                                                 ).stdout
    # the PAM session was closed (pam_unix says so), by tgetty
    r = box.sh("journalctl -b --no-pager -o cat -t tgetty")
    assert "session closed for user root" in r.stdout, r.stdout[-2000:]
    # and logind released it (it does so only for a caller in the session)
    assert "Failed to release session" not in r.stdout, r.stdout[-2000:]
    print(f"systemctl stop in a session: {took:.2f} s")


def test_the_journal_has_every_tgetty_message_under_its_unit(box):
    r = box.sh("journalctl -b --no-pager -o cat -u tgetty@console")
    print(r.stdout[-3000:])
    for line in ("/dev/console: root logged in",
                 "/dev/console: session of root ended",
                 "secure attention key in the session of root"):
        assert line in r.stdout, line
    # and none of tgetty's own lines is filed under the session's scope
    r = box.sh("journalctl -b --no-pager -o cat _SYSTEMD_UNIT=session-1.scope "
               "SYSLOG_IDENTIFIER=tgetty", check=False)
    assert "/dev/console:" not in r.stdout, r.stdout


def test_terminate_session_logs_the_user_out(box):
    box.sh("systemctl start tgetty@console")
    expect(box, LOGIN)
    log_in(box)
    sid = box.sh("loginctl list-sessions --no-legend").stdout.split()[0]
    box.sh(f"loginctl terminate-session {sid}")
    expect(box, LOGIN)                      # logged out, a fresh login
    box.wait_until("test -z \"$(loginctl list-sessions --no-legend)\"",
                   what="the logind session's end")
    assert session_left(box) == ("", "", "")


def test_restart_in_a_session_ends_it_whole(box):
    box.sh("systemctl reset-failed tgetty@console")
    log_in(box)
    box.console.sendline("setsid -f sleep 7301; echo DETACHED-$((4))")
    expect(box, "DETACHED-4")
    expect(box, SHELL_PROMPT)
    box.sh("systemctl restart tgetty@console", timeout=STOP_TIMEOUT + 30)
    expect(box, LOGIN)                      # the new tgetty's
    box.wait_until("test -z \"$(loginctl list-sessions --no-legend)\"",
                   what="the logind session's end")
    assert box.sh("pgrep -f 'sleep 730[1]'", check=False).returncode == 1
    assert session_left(box) == ("", "", "")


def test_restart_always_after_a_kill(box):
    box.sh("systemctl reset-failed tgetty@console")
    first = main_pid(box, "tgetty@console")
    box.sh(f"kill -KILL {first}")
    box.wait_until(f"p=$(systemctl show -p MainPID --value tgetty@console);"
                   f" [ \"$p\" != 0 ] && [ \"$p\" != {first} ]",
                   what="a new tgetty")
    expect(box, LOGIN)


def open_container_pty(box):
    """A pty of the container's own devpts instance: (master, N)."""
    master = os.open(f"/proc/{box.leader}/root/dev/ptmx",
                     os.O_RDWR | os.O_NOCTTY)
    fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
    n = struct.unpack("i", fcntl.ioctl(master, TIOCGPTN,
                                       struct.pack("i", 0)))[0]
    return master, n


def read_until(master, want, timeout=30):
    """Read a pty's master until want; EIO while the slave is not open (or
    tgetty revokes it) is no end."""
    buf, deadline = b"", time.monotonic() + timeout
    while want not in buf:
        assert time.monotonic() < deadline, buf[-500:]
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                buf += os.read(master, 4096)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                time.sleep(0.05)
    return buf


def test_container_tgetty_takes_pts_n(box):
    master, n = open_container_pty(box)
    try:
        box.sh(f"test -c /dev/pts/{n}")
        box.sh(f"systemctl start container-tgetty@{n}")
        read_until(master, LOGIN.encode())
        pid = main_pid(box, f"container-tgetty@{n}")
        cmd = box.sh(f"tr '\\0' ' ' < /proc/{pid}/cmdline").stdout
        assert cmd == f"/usr/sbin/tgetty pts/{n} ", cmd
        st = box.sh(f"stat -c '%U %a' /dev/pts/{n}").stdout.split()
        assert st == ["root", "600"], st      # tgetty took /dev/pts/N
        box.sh(f"systemctl stop container-tgetty@{n}")
    finally:
        os.close(master)


def test_an_upgrade_keeps_the_database_and_follows_tsh(box):
    box.sh("tcbck -a /usr/bin/true && chtcb on /usr/bin/true")
    before = box.sh("grep -A8 '^/usr/bin/tsh:' /etc/tpath/sysck.cfg").stdout
    box.sh("dpkg -i /tpath-debs/tpath-b.deb")
    assert box.sh("tsh --version").stdout == \
        f"tsh (tpath) {box.debs['b']}\n"
    after = box.sh("grep -A8 '^/usr/bin/tsh:' /etc/tpath/sysck.cfg").stdout
    assert before != after                  # a new hash: the new tsh
    box.sh("tcbck -n /usr/bin/tsh")
    assert box.sh("chtcb query /usr/bin/tsh /usr/bin/true").stdout == \
        "/usr/bin/tsh: on\n/usr/bin/true: on\n"
    # and the key gives the new tsh at once (tgetty@console is running)
    expect_fresh_login(box)
    log_in(box)
    box.console.send(SAK)
    expect(box, TSH_PROMPT)
    box.console.sendline("logout")
    expect(box, LOGIN)


def expect_fresh_login(box):
    """A login prompt now: the port restarted, so its greeting again.  The
    checks before started the unit more often than a person logs in (as
    getty@, it has systemd's start limit, 5 in 10 s): that count first
    starts again."""
    box.sh("systemctl reset-failed tgetty@console; "
           "systemctl restart tgetty@console")
    expect(box, LOGIN)


def test_purge_leaves_nothing(box):
    files = subprocess.run(["dpkg-deb", "-c",
                            os.path.join(box.debs["dir"], "tpath-b.deb")],
                           capture_output=True, text=True,
                           check=True).stdout
    box.sh("systemctl disable --now tgetty@console")
    box.sh("dpkg --purge tpath")
    left = []
    for line in files.splitlines():
        path = line.split()[5].lstrip(".")
        if not line.startswith("d") and \
                box.sh(f"test -e '{path}'", check=False).returncode == 0:
            left.append(path)
    assert left == []
    for path in ("/etc/tpath", "/var/lib/tpath", "/run/tpath"):
        assert box.sh(f"test -e {path}", check=False).returncode == 1, path
    assert box.sh("getent group tpath", check=False).returncode == 2
    r = box.sh("find / -xdev \\( -path /tpath-debs -o -path /proc \\) "
               "-prune -o \\( -name '*tpath*' -o -name '*tgetty*' \\) "
               "-print")
    assert r.stdout.strip() == "", r.stdout
    # and the console has its getty back as before
    box.sh("systemctl start console-getty")
    expect(box, LOGIN)
