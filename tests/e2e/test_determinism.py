"""Two machines installed from the same packages record the same database,
byte for byte: nothing in sysck.cfg is of the host (no time, inode or
order of creation), and one machine's database checks the other clean.

A machine is a root of its own on a tmpfs (whose directories list names
newest first, so the order files were made in shows): packages built here
with dpkg-deb, installed there with dpkg --root, and a tree of files.  Each
command runs in a mount namespace of its own where that root's files are
at MOUNT and its dpkg database at /var/lib/dpkg, so both record the same
names.  What could leak differs between the two: the order packages are
installed and files made, inode numbers, modification times, the umask."""
import difflib
import grp
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import tcbck_json
from conftest import program
from test_packages import build_deb

MOUNT = Path(f"/opt/tpath-det.{os.getpid()}")
TOOLS, MORE = "tpath-det-tools", "tpath-det-more"
# the tree recorded with -a -R: name, content (None: a directory), mode
TREE = [("tree", None, 0o755), ("tree/b", b"b\n", 0o644),
        ("tree/a", b"#!/bin/sh\n", 0o755), ("tree/sub", None, 0o750),
        ("tree/sub/z", b"z\n", 0o600), ("tree/sub/y", b"y\n", 0o4755),
        ("tree/c-d", b"cd\n", 0o640), ("tree/c", None, 0o755),
        ("tree/c/e", b"e\n", 0o644)]


def debs(where):
    """Two packages of programs, data, a symbolic link and a conffile."""
    m = str(MOUNT)
    return [build_deb(where, TOOLS, "1.0", {
        f"{m}/bin/zeta": b"#!/bin/sh\necho zeta\n",
        f"{m}/bin/alpha": b"#!/bin/sh\necho alpha\n",
        f"{m}/lib/data": b"data\n" * 100,
        f"{m}/etc/det.conf": b"setting = 1\n",
    }, conffiles=[f"{m}/etc/det.conf"], links={f"{m}/bin/link": "alpha"}),
        build_deb(where, MORE, "2:0.1-1", {
            f"{m}/share/b": b"b\n", f"{m}/share/a": b"a\n",
        })]


def run_on(root, *argv, check=True):
    """argv on the machine root: its files at MOUNT, its dpkg database
    at /var/lib/dpkg, in a mount namespace of its own."""
    script = ('mount --bind "$1" "$2" && mount --bind "$3" /var/lib/dpkg '
              '&& shift 3 && exec "$@"')
    r = subprocess.run(["unshare", "--mount", "--propagation", "private",
                        "sh", "-c", script, "sh",
                        str(root / MOUNT.relative_to("/")), str(MOUNT),
                        str(root / "var/lib/dpkg"), *argv],
                       capture_output=True, text=True)
    if check:
        assert r.returncode == 0, (argv, r.stdout, r.stderr)
    return r


def make_machine(root, packages, order, umask, when, shift):
    """A root with the packages installed in that order, then the tree
    made in that order under that umask (modes set after), with that
    modification time; shift files made first move the inode numbers."""
    admin = root / "var/lib/dpkg"
    for d in ("info", "updates", "triggers"):
        (admin / d).mkdir(parents=True)
    (admin / "status").write_text("")
    (root / MOUNT.relative_to("/")).mkdir(parents=True)
    junk = root / "junk"
    junk.mkdir()
    for i in range(shift):
        (junk / str(i)).write_text("")
    for deb in packages:
        subprocess.run(["dpkg", f"--root={root}", "-i", str(deb)],
                       check=True, capture_output=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    old = os.umask(umask)
    try:
        base = root / MOUNT.relative_to("/")
        for name, data, mode in sorted(TREE, key=lambda t: order(t[0])):
            p = base / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if data is None:
                p.mkdir(exist_ok=True)
            else:
                p.write_bytes(data)
            (junk / f"after-{name.replace('/', '-')}").write_text("")
        for name, data, mode in TREE:
            os.chmod(base / name, mode)
        for name, _, _ in TREE:
            os.utime(base / name, (when, when), follow_symlinks=False)
    finally:
        os.umask(old)


def record(root, conf, packages):
    """What an administrator does on each machine: the same commands but
    for the order the packages are named in."""
    tcbck = program("tcbck")
    run_on(root, tcbck, "-C", str(conf), "-q", "-a", "--package", *packages)
    run_on(root, tcbck, "-C", str(conf), "-q", "-a", "-R", str(MOUNT /
                                                               "tree"))
    run_on(root, program("chtcb"), "-C", str(conf), "on",
           str(MOUNT / "bin/alpha"))


def check(root, conf):
    r = run_on(root, program("tcbck"), "-C", str(conf), "-q", "--json",
               "-n", "ALL", check=False)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, tcbck_json.check(r.stdout, conf)


@pytest.fixture
def machines():
    if os.geteuid() != 0 or shutil.which("dpkg-deb") is None or \
            shutil.which("unshare") is None:
        pytest.skip("needs root, dpkg-deb and unshare")
    probe = subprocess.run(["unshare", "--mount", "--propagation",
                            "private", "true"], capture_output=True,
                           text=True)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr.strip()}")
    shm = Path("/dev/shm")
    where = Path(tempfile.mkdtemp(prefix="tpath-det.",
                                  dir=shm if shm.is_dir() else None))
    where.chmod(0o755)
    confs = []
    for name in ("a", "b", "c"):
        c = Path(tempfile.mkdtemp(prefix=f"tpath-det-conf-{name}."))
        c.chmod(0o755)
        confs.append(c)
    MOUNT.mkdir()
    try:
        pkgs = debs(where)
        a, b = where / "a", where / "b"
        make_machine(a, pkgs, order=lambda n: n, umask=0o022,
                     when=1_000_000_000, shift=0)
        make_machine(b, pkgs[::-1], order=lambda n: [-ord(c) for c in n],
                     umask=0o077, when=1_700_000_000, shift=37)
        yield (a, confs[0]), (b, confs[1]), confs[2]
    finally:
        MOUNT.rmdir()
        shutil.rmtree(where)
        for c in confs:
            shutil.rmtree(c)


def test_two_machines_record_the_same_database(machines):
    (a, conf_a), (b, conf_b), conf_c = machines
    # the two roots do differ where a host leaks: order, inodes, times
    ia = os.lstat(a / MOUNT.relative_to("/") / "tree/b")
    ib = os.lstat(b / MOUNT.relative_to("/") / "tree/b")
    assert ia.st_ino != ib.st_ino and ia.st_mtime != ib.st_mtime
    assert os.listdir(a / MOUNT.relative_to("/") / "tree") != \
        os.listdir(b / MOUNT.relative_to("/") / "tree")
    record(a, conf_a, [TOOLS, MORE])
    record(b, conf_b, [MORE, TOOLS])
    text_a = (conf_a / "sysck.cfg").read_bytes()
    text_b = (conf_b / "sysck.cfg").read_bytes()
    assert text_a == text_b, "".join(difflib.unified_diff(
        text_a.decode().splitlines(True), text_b.decode().splitlines(True)))
    # what was recorded: every file of both packages and of the tree
    names = [line[:-1] for line in text_a.decode().splitlines()
             if line.startswith("/")]
    assert len(names) == 6 + 1 + len(TREE)
    assert f"{MOUNT}/etc/det.conf" in names and f"{MOUNT}/tree" in names
    # each checks clean on its own machine, and says the same digest
    rc_a, doc_a = check(a, conf_a)
    rc_b, doc_b = check(b, conf_b)
    assert (rc_a, rc_b, doc_a["problems"], doc_b["problems"]) == (0, 0, 0, 0)
    assert doc_a["summary"]["digest"] == doc_b["summary"]["digest"]
    assert doc_a["summary"]["entries"] == len(names)
    # a's database, copied, checks b clean
    shutil.copy(conf_a / "sysck.cfg", conf_c / "sysck.cfg")
    rc, doc = check(b, conf_c)
    assert (rc, doc["problems"]) == (0, 0), doc["findings"]
    assert doc["summary"]["digest"] == doc_a["summary"]["digest"]
    # and finds a file changed on b, not on a
    with open(b / MOUNT.relative_to("/") / "tree/sub/z", "ab") as f:
        f.write(b"changed on b\n")
    rc, doc = check(b, conf_c)
    assert rc == 1
    assert {(x["path"], x["what"]) for x in doc["findings"]} == \
        {(f"{MOUNT}/tree/sub/z", "size"), (f"{MOUNT}/tree/sub/z", "hash")}
    assert check(a, conf_c)[0] == 0


def test_two_machines_report_a_tree_walk_alike(machines):
    """tcbck -n tree: what the walk finds is reported in the byte order of
    the paths, not the order the directories list names in."""
    (a, conf_a), (b, _), _ = machines
    record(a, conf_a, [TOOLS, MORE])
    names = ["walk/z", "walk/a", "walk/m", "walk/a-b", "walk/a/c"]
    for root, order in ((a, names), (b, names[::-1])):
        base = root / MOUNT.relative_to("/")
        (base / "walk/a").mkdir(parents=True)
        for n in order:
            if n != "walk/a":
                (base / n).write_text(n)
                (base / n).chmod(0o4755)
    assert os.listdir(a / MOUNT.relative_to("/") / "walk") != \
        os.listdir(b / MOUNT.relative_to("/") / "walk")
    found = []
    for root in (a, b):
        r = run_on(root, program("tcbck"), "-C", str(conf_a), "-q",
                   "--json", "-n", "tree", str(MOUNT / "walk"), check=False)
        assert r.returncode == 1, r.stderr
        doc = tcbck_json.check(r.stdout, conf_a)
        found.append([(x["path"], x["what"]) for x in doc["findings"]])
    want = sorted(f"{MOUNT}/{n}" for n in names if n != "walk/a")
    assert found[0] == found[1] == [(p, "setuid") for p in want]


@pytest.fixture
def twin_groups():
    """Two groups of one number (groupadd -o): the first is what NSS names
    that number."""
    names = [f"tpd{os.getpid() % 10000}{c}" for c in "ab"]
    subprocess.run(["groupadd", "--system", names[0]], check=True)
    gid = grp.getgrnam(names[0]).gr_gid
    subprocess.run(["groupadd", "-o", "-g", str(gid), names[1]], check=True)
    yield names, gid
    for n in reversed(names):
        subprocess.run(["groupdel", n], check=False)


def test_a_number_is_written_by_its_name_whatever_was_read(confdir, scratch,
                                                           twin_groups):
    """The adversary of a cache of names: the database names a group of
    the same number by its other name first.  A file of that number is
    recorded by the name NSS gives the number, however the database got
    to name it."""
    (a, b), gid = twin_groups
    assert grp.getgrgid(gid).gr_name == a
    one, two = scratch / "one", scratch / "two"
    for f in (one, two):
        f.write_text("x\n")
        os.chown(f, 0, gid)
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-a", str(one),
                        f"group={b}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (confdir / "sysck.cdb").unlink()     # the text read whole: b parsed
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-a", str(two)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = (confdir / "sysck.cfg").read_text()
    assert f"{two}:\n\ttype = FILE\n\towner = root\n\tgroup = {a}\n" in text, \
        text
