"""make demo: a real login through tgetty on a private pty, bridged to the
caller's terminal, which gets its modes back at logout."""
import io
import os
import termios
from pathlib import Path

import pexpect

from conftest import BUILD
from test_login import PASSWORD, user  # noqa: F401 (fixtures)
from test_tgetty import shell_user  # noqa: F401 (fixture)

DEMO = Path(__file__).parents[1] / "demo" / "tpath-demo"


def test_the_demo_logs_in_and_gives_the_terminal_back(shell_user):  # noqa: F811
    c = pexpect.spawn(str(DEMO), encoding="utf-8", timeout=15,
                      env=dict(os.environ, TERM="vt100",
                               TPATH_BUILD=str(BUILD)))
    c.logfile_read = seen = io.StringIO()
    before = termios.tcgetattr(c.child_fd)
    c.expect(r"programs in the demo database, (/run/tpath-demo\.\w+)")
    scratch = c.match.group(1)
    c.expect_exact("tpath demo: a real tgetty")
    c.expect_exact("fake-login, a fake login prompt")
    c.expect_exact("login: ")
    assert termios.tcgetattr(c.child_fd) != before, "the bridge is not raw"
    c.sendline(shell_user.pw_name)
    c.expect_exact("This is the tpath DEMO service")
    c.expect_exact("Password:")
    c.sendline(PASSWORD)
    c.expect_exact("$ ")
    c.sendline("echo DEMO-$((6*7)); tty")
    c.expect_exact("DEMO-42")
    c.expect(r"/dev/pts/\d+")
    # the fake login the banner suggests, then the key: the trusted shell
    c.sendline(f"{scratch}/fake-login")
    c.expect_exact("login: ")
    c.send("\x18\x12")
    c.expect_exact("tsh# " if shell_user.pw_uid == 0 else "tsh$ ")
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
    assert PASSWORD not in seen.getvalue(), "the password was echoed"
