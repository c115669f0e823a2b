"""tcbck -a --package with real dpkg: small packages built here with
dpkg-deb, installed with dpkg -i and purged at the end, no network."""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from test_tcbck import chtcb, lines, tcbck

NAME = "tpath-test-tool"


def build_deb(where, name, version, files, conffiles=(), links=()):
    """A .deb of files ({path: bytes}), conffiles among them, and
    symbolic links ({path: target})."""
    root = where / f"{name}-{version}"
    for path, data in files.items():
        p = root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        p.chmod(0o755 if path.startswith(("/usr/bin/", "/bin/")) else 0o644)
    for path, target in dict(links).items():
        p = root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: tpath tests <tests@tpath.invalid>\n"
        "Description: a package made by tpath's tests\n")
    if conffiles:
        (root / "DEBIAN" / "conffiles").write_text(
            "".join(f"{c}\n" for c in conffiles))
    deb = where / f"{name}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(root),
                    str(deb)], check=True, capture_output=True)
    return deb


def dpkg(*args):
    r = subprocess.run(["dpkg", *args], capture_output=True, text=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture
def installed():
    """tpath-test-tool 1.0 installed: a program, one under /bin (merged
    /usr puts it in /usr/bin), a symbolic link and a conffile."""
    if os.geteuid() != 0 or shutil.which("dpkg-deb") is None:
        pytest.skip("needs root and dpkg-deb")
    where = Path(tempfile.mkdtemp(prefix="tpath-debs."))
    deb = build_deb(where, NAME, "1.0", {
        f"/usr/bin/{NAME}": b"#!/bin/sh\necho tool 1.0\n",
        "/bin/tpath-test-merged": b"#!/bin/sh\necho merged\n",
        f"/etc/{NAME}.conf": b"setting = 1\n",
    }, conffiles=[f"/etc/{NAME}.conf"],
        links={"/usr/bin/tpath-test-link": NAME})
    dpkg("-i", str(deb))
    yield where
    dpkg("--purge", NAME)
    shutil.rmtree(where)


def entry(confdir, path):
    """The attributes of path's stanza in sysck.cfg, as a dict."""
    text = (confdir / "sysck.cfg").read_text()
    start = text.index(f"\n{path}:\n") + len(path) + 3
    block = text[start:].split("\n\n", 1)[0]
    return dict(line.strip().split(" = ", 1) for line in block.splitlines())


def sha256(path):
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_a_package_is_recorded_with_its_version(confdir, installed):
    r = tcbck(confdir, "-a", "--package", NAME)
    assert (r.returncode, lines(r)) == (0, [])
    tool = entry(confdir, f"/usr/bin/{NAME}")
    assert (tool["package"], tool["version"]) == (NAME, "1.0")
    assert tool["hash"] == sha256(f"/usr/bin/{NAME}")
    # dpkg says /bin/...: recorded where the file is (merged /usr)
    real = os.path.realpath("/bin/tpath-test-merged")
    assert entry(confdir, real)["hash"] == sha256(real)
    link = entry(confdir, "/usr/bin/tpath-test-link")
    assert (link["type"], link["target"]) == ("SYMLINK", NAME)
    # a conffile is configuration: its content is not pinned
    conf = entry(confdir, f"/etc/{NAME}.conf")
    assert conf["size"] == "VOLATILE" and "hash" not in conf
    assert tcbck(confdir, "-n", "ALL").returncode == 0
    # and the directories are not the package's to record
    assert "\n/usr/bin:\n" not in (confdir / "sysck.cfg").read_text()


def test_content_dpkg_did_not_write_is_refused(confdir, installed):
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    before = entry(confdir, f"/usr/bin/{NAME}")
    with open(f"/usr/bin/{NAME}", "ab") as f:      # replaced after install
        f.write(b"echo PWNED\n")
    (Path(f"/etc/{NAME}.conf")).write_text("setting = 2\n")  # its own
    r = tcbck(confdir, "-a", "--package", NAME)
    assert r.returncode == 1
    assert lines(r) == [f"tcbck: /usr/bin/{NAME}: does not match package "
                        f"{NAME} 1.0: not recorded"]
    # the old entry stands, the others were recorded again
    assert entry(confdir, f"/usr/bin/{NAME}") == before
    assert tcbck(confdir, "-n", f"/usr/bin/{NAME}").returncode == 1
    assert entry(confdir, f"/etc/{NAME}.conf")["size"] == "VOLATILE"


def test_a_package_not_installed_is_reported(confdir, installed):
    r = tcbck(confdir, "-a", "--package", "tpath-no-such-package", NAME)
    assert r.returncode == 1
    assert lines(r) == ["tcbck: tpath-no-such-package: not an installed "
                        "package"]
    assert entry(confdir, f"/usr/bin/{NAME}")["package"] == NAME
    r = chtcb(confdir, "on", f"/usr/bin/{NAME}", "/usr/bin/tpath-test-link")
    assert r.returncode == 0 and "symbolic link, skipped" in r.stderr
