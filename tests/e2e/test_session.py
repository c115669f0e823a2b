"""A user's session on its own pty: ids, the pty's owner and mode, home."""
import pexpect

from conftest import helper


def test_session_runs_as_the_user_on_their_own_pty(testuser):
    child = pexpect.spawn(helper("sessiontool"), [testuser.pw_name],
                          encoding="utf-8", timeout=15)
    # the test user has no home directory: the login goes on in /
    child.expect_exact("No directory, logging in with HOME=/")
    child.sendline("echo ids=$(id -u):$(id -g):$(id -G | wc -w); "
                   "stat -c 'pty=%U:%G:%a' $(tty); pwd; exit 7")
    child.expect(r"ids=(\d+):(\d+):(\d+)")
    uid, gid, ngroups = (int(x) for x in child.match.groups())
    assert (uid, gid) == (testuser.pw_uid, testuser.pw_gid)
    child.expect(r"pty=(\S+):(\S+):(\d+)")
    assert child.match.groups() == (testuser.pw_name, "tty", "620")
    child.expect_exact("\r\n/\r\n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 7


def test_root_cannot_be_regained(testuser):
    child = pexpect.spawn(helper("sessiontool"),
                          [testuser.pw_name, "/usr/bin/python3", "-c",
                           "import os\ntry:\n os.setuid(0); print('ROOT')\n"
                           "except PermissionError: print('no-root')"],
                          encoding="utf-8", timeout=15)
    child.expect_exact("no-root")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
