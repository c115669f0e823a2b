"""Logging in through real Linux-PAM (pam_unix) with a real user."""
import subprocess
import time

import pexpect
import pytest

from conftest import helper

PASSWORD = "Correct-Horse-7394"


@pytest.fixture
def pamconf(tmp_path):
    d = tmp_path / "pam.d"
    d.mkdir()
    (d / "tptest").write_text(
        "auth     required pam_unix.so\n"
        "account  required pam_unix.so\n"
        "password required pam_unix.so yescrypt\n"
        "session  required pam_unix.so\n")
    return d


def set_password(user):
    subprocess.run(["chpasswd"], input=f"{user.pw_name}:{PASSWORD}\n",
                   text=True, check=True)
    subprocess.run(["chage", "-d", time.strftime("%Y-%m-%d"), user.pw_name],
                   check=True)


@pytest.fixture
def user(testuser):
    """The session's test user with a known, current password: put back
    after each test, whatever it changed (other tests su to this user)."""
    set_password(testuser)
    yield testuser
    set_password(testuser)


def login(pamconf):
    return pexpect.spawn(helper("logintool"), ["tptest", str(pamconf)],
                         encoding="utf-8", timeout=15)


def attempt(pamconf, name, password):
    child = login(pamconf)
    child.expect_exact("TEST HERALD\r\nlogin: ")
    child.sendline(name)
    child.expect_exact("Password: ")
    child.sendline(password)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_a_good_password_logs_in(pamconf, user):
    child = login(pamconf)
    child.expect_exact("login: ")
    child.sendline(user.pw_name)
    child.expect_exact(user.pw_name)        # the name is echoed
    child.expect_exact("Password: ")
    child.sendline(PASSWORD)
    child.expect_exact(f"LOGIN OK {user.pw_name} {user.pw_uid} "
                       f"{user.pw_shell}")
    child.expect(pexpect.EOF)
    assert PASSWORD not in child.before      # never echoed
    child.close()
    assert child.exitstatus == 0


def test_wrong_password_and_unknown_user_look_the_same(pamconf, user):
    status1, out1 = attempt(pamconf, user.pw_name, "wrong-password")
    status2, out2 = attempt(pamconf, "no-such-user-tpath", "wrong-password")
    assert status1 == status2 == 1
    assert out1 == out2 == "\r\nLogin incorrect\r\n"
    assert "wrong-password" not in out1 + out2


def test_end_of_input_aborts(pamconf, user):
    child = login(pamconf)
    child.expect_exact("login: ")
    child.sendeof()
    child.expect_exact("ABORTED")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_an_expired_password_is_changed(pamconf, user):
    subprocess.run(["chage", "-d", "0", user.pw_name], check=True)
    new = "Battery-Staple-5528x"
    child = login(pamconf)
    child.expect_exact("login: ")
    child.sendline(user.pw_name)
    child.expect_exact("Password: ")
    child.sendline(PASSWORD)
    child.expect("change your password")
    i = child.expect(["Current password: ", "New password: "])
    if i == 0:
        child.sendline(PASSWORD)
        child.expect_exact("New password: ")
    child.sendline(new)
    child.expect("Retype new password: ")
    child.sendline(new)
    child.expect_exact(f"LOGIN OK {user.pw_name}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    # the new password is in force now
    status, out = attempt(pamconf, user.pw_name, new)
    assert status == 0, out
