"""sysck.cdb, the index of sysck.cfg: believed only when it is the text's,
under writers killed at any point and writers at once."""
import json
import os
import random
import shutil
import struct
import subprocess

from conftest import program
from test_tcbck import chtcb, tcbck
from test_tsh import tsh


def records(path):
    """Every (key, value) of a cdb file (the format: 256 table pointers,
    then records of key length, value length, key, value)."""
    data = path.read_bytes()
    end = min(struct.unpack_from("<II", data, 8 * i)[0] for i in range(256))
    at, out = 2048, {}
    while at < end:
        klen, vlen = struct.unpack_from("<II", data, at)
        key = data[at + 8:at + 8 + klen]
        out[key] = data[at + 8 + klen:at + 8 + klen + vlen]
        at += 8 + klen + vlen
    return out


def identity(path):
    s = os.stat(path)
    return (f"tpath-index 1 {s.st_dev} {s.st_ino} {s.st_size} "
            f"{s.st_mtime_ns // 10**9}.{s.st_mtime_ns % 10**9:09d} "
            f"{s.st_ctime_ns // 10**9}.{s.st_ctime_ns % 10**9:09d}").encode()


def stanzas(text):
    """name -> the stanza's text, as the index keeps it."""
    out, name = {}, None
    for line in text.splitlines(keepends=True):
        if line[:1] not in ("", " ", "\t", "*", "#", "\n") and \
                line.rstrip().endswith(":"):
            name = line.rstrip()[:-1]
            out[name] = line
        elif name is not None:
            out[name] += line
    return out


def fresh(confdir):
    """Is the index the text's?  If it is, it must hold the text's every
    stanza, byte for byte."""
    db, idx = confdir / "sysck.cfg", confdir / "sysck.cdb"
    if not idx.exists():
        return False
    r = records(idx)
    if r.get(b"\0meta") != identity(db):
        return False
    want = stanzas(db.read_text())
    got = {k.decode(): v.decode() for k, v in r.items() if k[:1] != b"\0"}
    if "default" in want:
        assert r[b"\0default"].decode() == want.pop("default")
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].rstrip("\n") == want[name].rstrip("\n"), name
    return True


def setup_db(confdir):
    assert tcbck(confdir, "-a", "/usr/bin/true", "/usr/bin/echo",
                 "mode=TCB,755").returncode == 0
    (confdir / "tsh_profile").write_text("export PATH=/usr/bin:/bin\n")


def test_every_commit_writes_the_index(confdir):
    setup_db(confdir)
    idx = confdir / "sysck.cdb"
    st = idx.stat()
    assert (st.st_uid, st.st_mode & 0o7777) == (0, 0o644)
    assert fresh(confdir)
    assert tsh(confdir, "-c", "echo indexed").stdout == "indexed\n"
    assert chtcb(confdir, "off", "/usr/bin/echo").returncode == 0
    assert fresh(confdir)
    r = tsh(confdir, "-c", "echo x")
    assert r.returncode == 126 and "not a trusted program" in r.stderr


def test_an_old_index_is_never_believed(confdir):
    """The index of an earlier text put back in place of the current one
    (what a writer killed between its two renames leaves, or a restore of
    a backup that kept the old index): it says echo is trusted, the text
    no longer does, and the text is what counts."""
    setup_db(confdir)
    old = confdir / "old.cdb"
    shutil.copy(confdir / "sysck.cdb", old)
    assert chtcb(confdir, "off", "/usr/bin/echo").returncode == 0
    os.replace(old, confdir / "sysck.cdb")
    assert not fresh(confdir)
    r = tsh(confdir, "-c", "echo believed")
    assert (r.returncode, r.stdout) == (126, "")
    r = chtcb(confdir, "query", "/usr/bin/echo")
    assert r.stdout == "/usr/bin/echo: off\n"
    assert fresh(confdir)          # root read the text: the index again


def test_a_hand_edit_is_believed(confdir):
    setup_db(confdir)
    db = confdir / "sysck.cfg"
    db.write_text(db.read_text().replace("TCB,755", "755"))
    r = tsh(confdir, "-c", "true")
    assert r.returncode == 126 and "not a trusted program" in r.stderr


def test_a_damaged_or_missing_index_is_not_used(confdir):
    setup_db(confdir)
    idx = confdir / "sysck.cdb"
    idx.write_bytes(os.urandom(5000))
    assert tsh(confdir, "-c", "echo from-text").stdout == "from-text\n"
    idx.unlink()
    assert tsh(confdir, "-c", "echo from-text").stdout == "from-text\n"
    assert fresh(confdir)


def test_an_index_others_could_write_is_refused(confdir, testuser):
    setup_db(confdir)
    idx = confdir / "sysck.cdb"
    os.chown(idx, testuser.pw_uid, -1)
    r = tsh(confdir, "-c", "true")
    assert r.returncode == 126 and "sysck.cdb" in r.stderr, r.stderr
    os.chown(idx, 0, -1)
    idx.chmod(0o666)
    r = tsh(confdir, "-c", "true")
    assert r.returncode == 126 and "sysck.cdb" in r.stderr, r.stderr


def test_sigkill_leaves_the_index_the_texts_or_stale(confdir, procs):
    """tcbck -a killed at random points of 150 runs on a database of 3,000
    entries: after each, the index is either the text's, whole, or another
    text's (and then not used); both must have been seen."""
    lines = "".join(f"/usr/lib/tpath-index-test/f{i}:\n\towner = root\n"
                    f"\tmode = 644\n\n" for i in range(3000))
    assert tcbck(confdir, "-a", "/usr/bin/true").returncode == 0
    db = confdir / "sysck.cfg"
    db.write_text(db.read_text() + lines)
    assert tcbck(confdir, "-a", "/usr/bin/true").returncode == 0
    rng = random.Random(2196)
    seen = {True: 0, False: 0}
    for i in range(150):
        p = procs.popen([program("tcbck"), "-C", str(confdir), "-q", "-a",
                         "/usr/bin/true", f"class=c{i}"])
        try:
            p.wait(timeout=rng.uniform(0.0, 0.05))
        except subprocess.TimeoutExpired:
            pass
        procs.kill(p)
        seen[fresh(confdir)] += 1
    assert seen[True] > 5 and seen[False] > 0, seen
    assert tcbck(confdir, "-a", "/usr/bin/true").returncode == 0
    assert fresh(confdir)
    left = [n for n in os.listdir(confdir) if ".tmp" in n]
    assert left == [], left         # the killed writers' files removed


def test_concurrent_writers_leave_the_index_the_texts(confdir, procs):
    assert tcbck(confdir, "-a", "/usr/bin/true").returncode == 0
    ps = [procs.popen([program("chtcb"), "-C", str(confdir), "on",
                       *[f"/usr/bin/{n}" for n in names]])
          for names in (("ls", "cat", "cp"), ("mv", "rm", "ln"))]
    for p in ps:
        assert p.wait(timeout=60) == 0
    assert fresh(confdir)
    r = chtcb(confdir, "query", "/usr/bin/ls", "/usr/bin/ln")
    assert r.stdout == "/usr/bin/ls: on\n/usr/bin/ln: on\n"


def test_tcbck_n_of_paths_looks_them_up(confdir, tmp_path):
    """tcbck -n PATH reads the entries it names from the index: what it
    finds is the text's (an old index put back is not believed), a change
    of the file is found, and a file of several names is still counted
    against every entry (the text read whole for it)."""
    setup_db(confdir)
    f = tmp_path / "one"
    f.write_text("one\n")
    assert tcbck(confdir, "-a", str(f)).returncode == 0
    old = confdir / "old.cdb"
    shutil.copy(confdir / "sysck.cdb", old)
    r = tcbck(confdir, "--json", "-n", str(f), "/usr/bin/true", str(f))
    assert r.returncode == 0 and json.loads(r.stdout)["checked"] == 2
    f.write_text("two\n")
    r = tcbck(confdir, "-n", str(f))
    assert r.returncode == 1 and "hash" in r.stdout + r.stderr
    assert tcbck(confdir, "-d", str(f)).returncode == 0
    os.replace(old, confdir / "sysck.cdb")      # it still names f
    r = tcbck(confdir, "-n", str(f))
    assert r.returncode == 2 and "not in the database" in r.stderr
    assert fresh(confdir)
    os.link(f, tmp_path / "other")
    assert tcbck(confdir, "-a", str(f)).returncode == 0
    r = tcbck(confdir, "-n", str(f))
    assert r.returncode == 1 and "1 hard link not recorded" in r.stderr
    assert tcbck(confdir, "-a", str(tmp_path / "other")).returncode == 0
    assert tcbck(confdir, "-n", str(f)).returncode == 0   # named by both
