"""Fixtures shared by the end-to-end tests.

Every process a test starts goes through `procs`, which remembers its PID and
kills it by that PID at teardown.  Nothing is ever killed by name.
"""
import grp
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("TPATH_BUILD", Path(__file__).parents[2] / "build"))


def helper(name):
    path = BUILD / "tests" / "helpers" / name
    if not path.exists():
        pytest.fail(f"{path} is not built (run make check)")
    return str(path)


@pytest.fixture
def confdir():
    """A fresh configuration directory: root-owned, mode 0755."""
    if os.geteuid() != 0:
        pytest.skip("needs root: configuration files must be root-owned")
    d = Path(tempfile.mkdtemp(prefix="tpath-conf."))
    os.chown(d, 0, 0)
    d.chmod(0o755)
    yield d
    shutil.rmtree(d)


class Procs:
    """Start processes and end them by PID."""

    def __init__(self):
        self.started = []

    def popen(self, argv, **kw):
        p = subprocess.Popen(argv, **kw)
        self.started.append(p)
        return p

    def kill(self, p, sig=signal.SIGKILL):
        if p.poll() is None:
            os.kill(p.pid, sig)
        return p.wait()

    def end_all(self):
        for p in self.started:
            self.kill(p)


@pytest.fixture
def procs():
    tracker = Procs()
    yield tracker
    tracker.end_all()


@pytest.fixture(scope="session")
def testuser():
    """A real system user (and its group), created for the session."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a user")
    name = f"tpt{os.getpid() % 100000}"
    subprocess.run(["useradd", "--system", "--no-create-home", "--user-group",
                    "--shell", "/usr/sbin/nologin", name], check=True)
    import pwd
    pw = pwd.getpwnam(name)
    yield pw
    subprocess.run(["userdel", name], check=True)


@pytest.fixture(scope="session", autouse=True)
def tpath_group():
    """The trusted shell's group, as the installation makes it: without
    it tgetty starts no trusted shell."""
    if os.geteuid() != 0:
        yield None
        return
    try:
        yield grp.getgrnam("tpath")
        return
    except KeyError:
        pass
    subprocess.run(["groupadd", "--system", "tpath"], check=True)
    yield grp.getgrnam("tpath")
    subprocess.run(["groupdel", "tpath"], check=True)


@pytest.fixture
def scratch():
    """A root-owned scratch tree for files under test."""
    d = Path(tempfile.mkdtemp(prefix="tpath-tree."))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d)


@pytest.fixture
def vt8():
    """The virtual console tty8, its screen readable at /dev/vcs8 and
    /dev/vcsa8: opened once, which allocates it (a devtmpfs /dev then
    gets its screen devices), and where those are still missing (a /dev
    of a container, a static /dev), made with mknod (char 7, 8 and 128+8)
    and removed afterwards.  A skip where /dev/tty8 itself is missing.
    No test touches tty1 to tty7."""
    vt = "/dev/tty8"
    if os.geteuid() != 0:
        pytest.skip("needs root for the virtual console tty8")
    if not os.path.exists(vt):
        pytest.skip("no virtual console tty8 here")
    try:
        os.close(os.open(vt, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK))
    except OSError as e:
        pytest.skip(f"{vt} cannot be opened here: {e}")
    made = []
    for path, minor in (("/dev/vcs8", 8), ("/dev/vcsa8", 128 + 8)):
        if not os.path.exists(path):
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(7, minor))
            made.append(path)
    try:
        yield vt
    finally:
        for path in made:
            os.unlink(path)


def program(name):
    path = BUILD / name
    if not path.exists():
        pytest.fail(f"{path} is not built (run make check)")
    return str(path)
