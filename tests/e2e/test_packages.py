"""tcbck -a --package with real dpkg: small packages built here with
dpkg-deb, installed with dpkg -i and purged at the end, no network."""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import program
from test_tcbck import chtcb, lines, tcbck
from test_tsh import tsh, tshconf  # noqa: F401 (fixture)

NAME = "tpath-test-tool"


def build_deb(where, name, version, files, conffiles=(), links=(),
              mode=None):
    """A .deb of files ({path: bytes}), conffiles among them, and
    symbolic links ({path: target}); files in bin directories are
    programs (or all, given their mode)."""
    root = where / f"{name}-{version}"
    for path, data in files.items():
        p = root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        p.chmod(mode or (0o755 if path.startswith(("/usr/bin/", "/bin/"))
                         else 0o644))
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


def tool_v11(where):
    """1.1: the program changed, the /bin one gone, a new program."""
    return build_deb(where, NAME, "1.1", {
        f"/usr/bin/{NAME}": b"#!/bin/sh\necho tool 1.1\n",
        "/usr/bin/tpath-test-new": b"#!/bin/sh\necho new in 1.1\n",
        f"/etc/{NAME}.conf": b"setting = 1\n",
    }, conffiles=[f"/etc/{NAME}.conf"],
        links={"/usr/bin/tpath-test-link": NAME})


def test_an_upgrade_is_followed_and_tsh_runs_the_new_program(tshconf,
                                                             installed):
    """After dpkg -i of 1.1 and tcbck --sync (what the dpkg hook runs),
    tsh runs the new program with no other step: its TCB flag kept, the
    entry of the file 1.1 dropped deleted, the new program recorded and,
    the package's programs being all trusted, trusted too."""
    conf = tshconf
    assert tcbck(conf, "-a", "--package", NAME).returncode == 0
    merged = os.path.realpath("/bin/tpath-test-merged")
    assert chtcb(conf, "on", f"/usr/bin/{NAME}", merged).returncode == 0
    assert tsh(conf, "-c", NAME).stdout == "tool 1.0\n"
    dpkg("-i", str(tool_v11(installed)))
    r = tsh(conf, "-c", NAME)                 # not yet in step: refused
    assert r.returncode == 126 and "integrity" in r.stderr, r.stderr
    r = tcbck(conf, "--sync")
    assert (r.returncode, lines(r)) == (0, []), r.stderr
    assert tsh(conf, "-c", NAME).stdout == "tool 1.1\n"
    assert entry(conf, f"/usr/bin/{NAME}")["version"] == "1.1"
    assert "\n" + merged + ":\n" not in (conf / "sysck.cfg").read_text()
    assert chtcb(conf, "query", "/usr/bin/tpath-test-new").stdout == \
        "/usr/bin/tpath-test-new: on\n"
    assert tsh(conf, "-c", "tpath-test-new").stdout == "new in 1.1\n"
    # a second run has nothing to do
    r = tcbck(conf, "--sync")
    assert (r.returncode, lines(r)) == (0, [])


def test_an_upgrade_with_a_tampered_file_is_refused(tshconf, installed):
    confdir = tshconf
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    assert chtcb(confdir, "on", f"/usr/bin/{NAME}").returncode == 0
    before = entry(confdir, f"/usr/bin/{NAME}")
    dpkg("-i", str(tool_v11(installed)))
    with open(f"/usr/bin/{NAME}", "ab") as f:      # after dpkg wrote it
        f.write(b"echo PWNED\n")
    r = tcbck(confdir, "--sync")
    assert r.returncode == 1
    assert f"tcbck: /usr/bin/{NAME}: does not match package {NAME} 1.1: " \
        "not recorded" in lines(r)
    assert entry(confdir, f"/usr/bin/{NAME}") == before   # not accepted
    r = tsh(confdir, "-c", NAME)
    assert (r.returncode, r.stdout) == (126, "") and "integrity" in r.stderr
    r = tcbck(confdir, "-n", f"/usr/bin/{NAME}")
    assert f"does not match package {NAME} 1.1: not what dpkg wrote" in \
        r.stderr


def test_a_purged_package_leaves_no_entry(confdir, installed):
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    dpkg("--purge", NAME)
    r = tcbck(confdir, "--sync")
    assert r.returncode == 0, r.stderr
    assert f"package = {NAME}" not in (confdir / "sysck.cfg").read_text()
    dpkg("-i", str(next(installed.glob(f"{NAME}_1.0_all.deb"))))


def hook_command(confdir):
    """The shipped hook's command, pointed at this test's database and
    build."""
    hook = Path(__file__).parents[2] / "conf" / "dpkg" / "tpath.in"
    line = next(x for x in hook.read_text().splitlines()
                if x.startswith("post-invoke="))
    cmd = line.split("=", 1)[1].strip('"')
    sbin = os.path.dirname(os.path.realpath(program("tcbck")))
    cmd = cmd.replace("@SBINDIR@", sbin).replace("@CONFDIR@", str(confdir))
    return cmd.replace("/tcbck -q --sync", f"/tcbck -C {confdir} -q --sync")


def test_the_dpkg_hook_brings_the_database_in_step(confdir, installed):
    """The hook's command, run by dpkg itself after the upgrade."""
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    dpkg(f"--post-invoke={hook_command(confdir)}", "-i",
         str(tool_v11(installed)))
    assert entry(confdir, f"/usr/bin/{NAME}")["version"] == "1.1"
    assert entry(confdir, f"/usr/bin/{NAME}")["hash"] == \
        sha256(f"/usr/bin/{NAME}")


def apt_get(*args):
    r = subprocess.run(["apt-get", "-y", "-q", *args],
                       capture_output=True, text=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_apt_get_upgrade_and_downgrade_are_followed(tshconf, installed):
    """The hook as dpkg.cfg.d configuration (what the package installs),
    so that apt-get's own runs of dpkg run it: an upgrade, then a
    downgrade, each followed with no other step, tsh running each
    version's program."""
    if shutil.which("apt-get") is None:
        pytest.skip("needs apt-get")
    conf = tshconf
    assert tcbck(conf, "-a", "--package", NAME).returncode == 0
    assert chtcb(conf, "on", f"/usr/bin/{NAME}").returncode == 0
    cfg = Path(f"/etc/dpkg/dpkg.cfg.d/tpath-test-{os.getpid()}")
    # the hook does nothing once the test's database is gone
    cfg.write_text(f'post-invoke="{hook_command(conf)}"\n')
    try:
        apt_get("install", str(tool_v11(installed)))
        assert tsh(conf, "-c", NAME).stdout == "tool 1.1\n"
        assert entry(conf, f"/usr/bin/{NAME}")["version"] == "1.1"
        old = next(installed.glob(f"{NAME}_1.0_all.deb"))
        apt_get("install", "--allow-downgrades", str(old))
        assert tsh(conf, "-c", NAME).stdout == "tool 1.0\n"
        tool = entry(conf, f"/usr/bin/{NAME}")
        assert (tool["version"], tool["mode"]) == ("1.0", "TCB,755")
        assert "tpath-test-new" not in (conf / "sysck.cfg").read_text()
    finally:
        cfg.unlink()


def test_held_and_half_done_packages_keep_their_entries(confdir, installed):
    """A held package is installed; one dpkg has unpacked but not yet
    configured (apt's --unpack, then --configure) is left as it is until
    it is configured: neither loses its entries."""
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    assert chtcb(confdir, "on", f"/usr/bin/{NAME}").returncode == 0
    subprocess.run(["apt-mark", "hold", NAME], check=True,
                   capture_output=True)
    try:
        r = tcbck(confdir, "--sync")
        assert (r.returncode, lines(r)) == (0, [])
        assert entry(confdir, f"/usr/bin/{NAME}")["package"] == NAME
    finally:
        subprocess.run(["apt-mark", "unhold", NAME], check=True,
                       capture_output=True)
    dpkg("--unpack", str(tool_v11(installed)))
    r = tcbck(confdir, "--sync")
    assert (r.returncode, lines(r)) == (0, [])
    tool = entry(confdir, f"/usr/bin/{NAME}")
    assert (tool["version"], tool["mode"]) == ("1.0", "TCB,755")
    dpkg("--configure", NAME)
    assert tcbck(confdir, "--sync").returncode == 0
    tool = entry(confdir, f"/usr/bin/{NAME}")
    assert (tool["version"], tool["mode"]) == ("1.1", "TCB,755")


def findings(r):
    """tcbck --json's findings, by path."""
    import json
    return {x["path"]: x for x in json.loads(r.stdout)["findings"]}


def test_check_tells_an_upgrade_from_tampering_and_no_package(confdir,
                                                               installed):
    """A changed content, explained from dpkg's md5sums: dpkg wrote it
    (not yet in step), it matches no record (tampered), or the file is of
    no package; a file recorded without package= finds its owner."""
    other = installed / "own-tool"
    other.write_bytes(b"#!/bin/sh\necho mine\n")
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    assert tcbck(confdir, "-a", str(other)).returncode == 0
    dpkg("-i", str(tool_v11(installed)))
    assert tcbck(confdir, "-a", "/usr/bin/tpath-test-new").returncode == 0
    other.write_bytes(b"#!/bin/sh\necho changed\n")
    with open("/usr/bin/tpath-test-new", "ab") as f:
        f.write(b"echo PWNED\n")
    r = tcbck(confdir, "--json", "-n", "ALL")
    assert r.returncode == 1
    got = {p: (x["origin"], x.get("package")) for p, x in
           findings(r).items() if x["what"] == "hash"}
    assert got == {
        f"/usr/bin/{NAME}": ("package", f"{NAME} 1.1"),
        "/usr/bin/tpath-test-new": ("tampered", f"{NAME} 1.1"),
        str(other): ("no-package", None),
    }
    # behind their package: every entry recorded with 1.0, 1.1 installed
    import json
    recorded = (confdir / "sysck.cfg").read_text().count(
        f"\tversion = 1.0\n")
    assert recorded >= 3
    assert json.loads(r.stdout)["summary"]["behind"] == recorded
    r = tcbck(confdir, "-n", f"/usr/bin/{NAME}")
    assert f"dpkg wrote it (package {NAME} 1.1): not yet in step " \
        "(tcbck --sync)" in r.stderr
    r = tcbck(confdir, "-n", "/usr/bin/tpath-test-new")
    assert f"does not match package {NAME} 1.1: not what dpkg wrote" in \
        r.stderr
    # in step: none behind (the tampered new file refused, its own kept)
    assert tcbck(confdir, "--sync").returncode == 1      # the tampered one
    r = tcbck(confdir, "--json", "-n", "ALL")
    assert json.loads(r.stdout)["summary"]["behind"] == 0


SHELL_PKG = "tpath-test-shell"
SHELL_DIR = f"/usr/lib/{SHELL_PKG}"


@pytest.fixture
def shellpkg(tshconf):
    """tpath-test-shell 1.0 (a program, hello) installed and recorded in
    a configuration with the shipped list of programs that run others, and
    tsh's PATH through the package's directory."""
    if shutil.which("dpkg-deb") is None:
        pytest.skip("needs dpkg-deb")
    shutil.copy(Path(__file__).parents[2] / "conf" / "escapes",
                tshconf / "escapes")
    (tshconf / "tsh_profile").write_text(f"export PATH={SHELL_DIR}:/usr/bin"
                                         ":/bin\n")
    where = Path(tempfile.mkdtemp(prefix="tpath-debs."))
    hello = Path("/usr/bin/true").read_bytes()
    dpkg("-i", str(build_deb(where, SHELL_PKG, "1.0",
                             {f"{SHELL_DIR}/hello": hello}, mode=0o755)))
    assert tcbck(tshconf, "-a", "--package", SHELL_PKG).returncode == 0
    yield tshconf, where
    dpkg("--purge", SHELL_PKG)
    shutil.rmtree(where)


def shell_v11(where):
    """1.1 brings a shell (dash, named sh)."""
    return build_deb(where, SHELL_PKG, "1.1", {
        f"{SHELL_DIR}/hello": Path("/usr/bin/true").read_bytes(),
        f"{SHELL_DIR}/sh": Path(os.path.realpath("/bin/sh")).read_bytes(),
    }, mode=0o755)


def test_a_shell_is_trusted_only_when_forced(shellpkg):
    conf, where = shellpkg
    assert chtcb(conf, "on", f"{SHELL_DIR}/hello").returncode == 0
    dpkg("-i", str(shell_v11(where)))
    # the upgrade records the new shell, and does not trust it
    r = tcbck(conf, "--sync")
    assert r.returncode == 0
    assert f"tcbck: {SHELL_DIR}/sh: runs other programs (a shell: runs " \
        "any command it is given): recorded, not flagged TCB (chtcb -f on " \
        "to trust it)" in lines(r)
    assert chtcb(conf, "query", f"{SHELL_DIR}/sh", f"{SHELL_DIR}/hello"
                 ).stdout == f"{SHELL_DIR}/sh: off\n{SHELL_DIR}/hello: on\n"
    r = tsh(conf, "-c", "sh -c 'echo escaped'")
    assert (r.returncode, r.stdout) == (126, "")
    # chtcb on refuses it, and says why; the others in the batch go on
    r = chtcb(conf, "on", f"{SHELL_DIR}/sh", "/usr/bin/true")
    assert r.returncode == 1
    assert lines(r) == [f"chtcb: {SHELL_DIR}/sh: runs other programs (a "
                        "shell: runs any command it is given): not "
                        "flagged; tsh would run anything through it (-f "
                        "to flag it anyway)"]
    assert chtcb(conf, "query", f"{SHELL_DIR}/sh").stdout.endswith("off\n")
    # (the test's configuration trusts dash and env: reported)
    found = findings(tcbck(conf, "--json", "-n", "ALL"))
    assert os.path.realpath("/bin/sh") in found
    assert f"{SHELL_DIR}/sh" not in found
    # -f trusts it; tcbck -n reports it, and tsh's trusted marks it
    r = chtcb(conf, "-f", "on", f"{SHELL_DIR}/sh")
    assert r.returncode == 0 and "flagged, as -f asks" in r.stderr
    r = tcbck(conf, "--json", "-n", "ALL")
    assert r.returncode == 1
    assert findings(r)[f"{SHELL_DIR}/sh"]["what"] == "escape"
    out = tsh(conf, "-c", "trusted").stdout.splitlines()
    assert "hello" in out
    assert "sh\t(runs other programs: a shell: runs any command it is " \
        "given)" in out
    assert tsh(conf, "-c", "sh -c 'echo escaped'").stdout == "escaped\n"


def test_chtcb_takes_packages(confdir, installed):
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    merged = os.path.realpath("/bin/tpath-test-merged")
    r = chtcb(confdir, "--package", "on", NAME)
    assert (r.returncode, r.stderr) == (0, "")
    # its programs, not its conffile or its link
    r = chtcb(confdir, "--package", "query", NAME)
    assert sorted(r.stdout.splitlines()) == sorted(
        [f"/usr/bin/{NAME}: on", f"{merged}: on"])
    assert "TCB" not in entry(confdir, f"/etc/{NAME}.conf").get("mode", "")
    assert chtcb(confdir, "--package", "off", NAME).returncode == 0
    assert entry(confdir, f"/usr/bin/{NAME}")["mode"] == "755"
    r = chtcb(confdir, "--package", "on", "tpath-no-such-package")
    assert r.returncode == 2 and "no entry of this package" in r.stderr


def test_a_pinned_conffile_is_kept(confdir, installed):
    """A conffile recorded as an ordinary file (its content pinned) is
    left as it is by --package and --sync, and a change is a finding."""
    conf = f"/etc/{NAME}.conf"
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    assert tcbck(confdir, "-d", conf).returncode == 0
    assert tcbck(confdir, "-a", conf).returncode == 0
    pinned = entry(confdir, conf)
    assert pinned["hash"] == sha256(conf)
    assert tcbck(confdir, "-a", "--package", NAME).returncode == 0
    dpkg("-i", str(tool_v11(installed)))
    assert tcbck(confdir, "--sync").returncode == 0
    assert entry(confdir, conf) == pinned
    assert entry(confdir, f"/usr/bin/{NAME}")["version"] == "1.1"
    Path(conf).write_text("setting = 3\n")
    r = tcbck(confdir, "-n", conf)
    assert r.returncode == 1 and "hash is" in r.stderr


def test_a_package_trusted_but_its_shell_trusts_its_new_programs(shellpkg):
    """chtcb --package on flags every program but the shell; that is
    'all trusted' for --sync, which then flags a new program of the
    package (and never the shell)."""
    conf, where = shellpkg
    dpkg("-i", str(shell_v11(where)))
    assert tcbck(conf, "--sync").returncode == 0
    r = chtcb(conf, "--package", "on", SHELL_PKG)
    assert r.returncode == 1 and "runs other programs" in r.stderr
    true = Path("/usr/bin/true").read_bytes()
    dpkg("-i", str(build_deb(where, SHELL_PKG, "1.2", {
        f"{SHELL_DIR}/hello": true,
        f"{SHELL_DIR}/hello2": true + b"\0",
        f"{SHELL_DIR}/sh": Path(os.path.realpath("/bin/sh")).read_bytes(),
    }, mode=0o755)))
    assert tcbck(conf, "--sync").returncode == 0
    r = chtcb(conf, "query", f"{SHELL_DIR}/hello", f"{SHELL_DIR}/hello2",
              f"{SHELL_DIR}/sh")
    assert r.stdout == (f"{SHELL_DIR}/hello: on\n{SHELL_DIR}/hello2: on\n"
                        f"{SHELL_DIR}/sh: off\n")
