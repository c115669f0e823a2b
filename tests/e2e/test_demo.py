"""make demo: a real login through tgetty on a private pty, bridged to the
caller's terminal, which gets its modes back at logout; an account of its
own unless the caller names one."""
import io
import os
import pwd
import termios
from pathlib import Path

import pexpect

from conftest import BUILD
from test_login import PASSWORD, user  # noqa: F401 (fixtures)
from test_tgetty import shell_user  # noqa: F401 (fixture)

DEMO = Path(__file__).parents[1] / "demo" / "tpath-demo"


def spawn(**env):
    c = pexpect.spawn(str(DEMO), encoding="utf-8", timeout=15,
                      env=dict(os.environ, TERM="vt100",
                               TPATH_BUILD=str(BUILD), **env))
    c.logfile_read = io.StringIO()
    return c


def test_the_demo_makes_its_account_logs_in_and_gives_all_back():
    """make demo alone, on a machine where no account has a password."""
    c = spawn()
    before = termios.tcgetattr(c.child_fd)
    c.expect(r"account (tpdemo\w+), password (\w+); removed at the end")
    name, password = c.match.group(1), c.match.group(2)
    assert pwd.getpwnam(name).pw_shell == "/bin/sh"
    c.expect(r"programs in the demo database, (/run/tpath-demo\.\w+)")
    scratch = c.match.group(1)
    c.expect_exact("tpath demo: a real tgetty")
    c.expect_exact(f"Log in as {name} with the password {password}")
    c.expect_exact("fake-login, a fake login prompt")
    c.expect_exact("login: ")
    assert termios.tcgetattr(c.child_fd) != before, "the bridge is not raw"
    c.sendline(name)
    c.expect_exact("This is the tpath DEMO service")
    c.expect_exact("Password:")
    seen = len(c.logfile_read.getvalue())
    c.sendline(password)
    c.expect_exact("$ ")
    c.sendline("echo DEMO-$((6*7)); tty")
    c.expect_exact("DEMO-42")
    c.expect(r"/dev/pts/\d+")
    # the fake login the banner suggests, then the key: the trusted shell
    c.sendline(f"{scratch}/fake-login")
    c.expect_exact("login: ")
    c.send("\x18\x12")
    c.expect_exact("tsh$ ")
    c.sendline("echo TRUSTED-$((1))")
    c.expect_exact("TRUSTED-$((1))")
    c.sendline("shell")
    c.expect_exact("$ ")
    c.sendline("exit")
    c.expect_exact("tpath-demo: ended (tgetty exit 0)")
    assert termios.tcgetattr(c.child_fd) == before, "modes not restored"
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    assert not os.path.exists(scratch), "the demo left its configuration"
    try:
        pwd.getpwnam(name)
        assert False, f"the demo left its account {name}"
    except KeyError:
        pass
    assert not os.path.exists(f"/home/{name}"), "the demo left a home"
    assert password not in c.logfile_read.getvalue()[seen:], "echoed"


def test_the_demo_logs_in_as_the_account_named(shell_user):  # noqa: F811
    c = spawn(DEMO_USER=shell_user.pw_name)
    c.expect_exact(f"Log in as {shell_user.pw_name}.")
    c.expect_exact("login: ")
    c.sendline(shell_user.pw_name)
    c.expect_exact("Password:")
    c.sendline(PASSWORD)
    c.expect_exact("$ ")
    c.sendline("exit")
    c.expect_exact("tpath-demo: ended (tgetty exit 0)")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    assert "account tpdemo" not in c.logfile_read.getvalue()
    assert PASSWORD not in c.logfile_read.getvalue(), "the password was echoed"
