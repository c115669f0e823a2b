"""sysck.cdb, the index of sysck.cfg: believed only when it is the text's,
under writers killed at any point and writers at once."""
import os
import random
import shutil
import struct
import subprocess
import time

import pytest

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
    return identity_of(os.stat(path))


def identity_of(s):
    return (f"tpath-index 2 {s.st_dev} {s.st_ino} {s.st_size} "
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
        elif not line.strip():
            name = None                 # a blank line ends a stanza
        elif name is not None:
            out[name] += line
    return out


def fresh(confdir):
    """Is the index the text's?  If it is, it must say where each of the
    text's stanzas is, exactly, and their count."""
    db, idx = confdir / "sysck.cfg", confdir / "sysck.cdb"
    if not idx.exists():
        return False
    r = records(idx)
    if r.get(b"\0meta") != identity(db):
        return False
    data = db.read_bytes()
    want = stanzas(data.decode())
    got = {}
    for k, v in r.items():
        if k[:1] == b"\0" and k != b"\0default":
            continue
        at, n = struct.unpack("<QQ", v)
        got["default" if k == b"\0default" else k.decode()] = \
            data[at:at + n].decode()
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].rstrip("\n") == want[name].rstrip("\n"), name
    assert int(r[b"\0count"]) == len(want)
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
    # kills spread over a whole write, however long one takes here: the
    # full writer's (after a stale index), the spliced one's shorter
    (confdir / "sysck.cdb").unlink()
    t0 = time.monotonic()
    assert tcbck(confdir, "-a", "/usr/bin/true", "class=c").returncode == 0
    span = 1.2 * (time.monotonic() - t0)
    for i in range(150):
        p = procs.popen([program("tcbck"), "-C", str(confdir), "-q", "-a",
                         "/usr/bin/true", f"class=c{i}"])
        try:
            p.wait(timeout=rng.uniform(0.0, span))
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
    # (without --json, which reads the text whole for its summary)
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-n", str(f),
                        "/usr/bin/true", str(f)], capture_output=True,
                       text=True)
    assert (r.returncode, r.stderr) == \
        (0, "tcbck: 2 checked, 0 problems, 0 fixed\n")
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


# --- proofs: what a root writer saw of a trusted program it hashed ---------

def djb(key):
    h = 5381
    for c in key:
        h = ((h << 5) + h ^ c) & 0xffffffff
    return h


def write_cdb(path, recs):
    """A cdb file of recs ({key: value}), as tinycdb makes them."""
    body, at, tables = b"", 2048, [[] for _ in range(256)]
    for k, v in recs.items():
        tables[djb(k) & 255].append((djb(k), at))
        body += struct.pack("<II", len(k), len(v)) + k + v
        at += 8 + len(k) + len(v)
    head, tail = b"", b""
    for t in tables:
        n = 2 * len(t)
        slots = [(0, 0)] * n
        for h, pos in t:
            i = (h >> 8) % n
            while slots[i][1]:
                i = (i + 1) % n
            slots[i] = (h, pos)
        head += struct.pack("<II", at + len(tail), n)
        tail += b"".join(struct.pack("<II", h, p) for h, p in slots)
    tmp = path.with_name(".forged")
    tmp.write_bytes(head + body + tail)
    os.replace(tmp, path)


@pytest.fixture
def proven(confdir):
    """A trusted program of the test's own (a copy of true) in a root-owned
    directory, recorded: its proof in the index, or a visible skip."""
    d = confdir / "bin"
    d.mkdir(mode=0o755)
    prog = d / "prog"
    t0 = time.monotonic()
    shutil.copy("/usr/bin/true", prog)
    assert tcbck(confdir, "-a", str(prog), "mode=TCB,755").returncode == 0
    if time.monotonic() - t0 < 0.05:
        # changed within 50 ms of its hashing: no proof (times are coarse)
        assert proof_of(confdir, prog) is None
    time.sleep(0.1)
    # recorded again, unchanged: only the index is written, with its proof
    text = (confdir / "sysck.cfg").stat()
    assert tcbck(confdir, "-a", str(prog)).returncode == 0
    assert identity(confdir / "sysck.cfg") == identity_of(text)
    (confdir / "tsh_profile").write_text("export PATH=/usr/bin:/bin\n")
    r = records(confdir / "sysck.cdb")
    if b"\0boot" not in r:
        pytest.skip("no proofs here: the kernel gives no unique mount IDs "
                    "(statx STATX_MNT_ID_UNIQUE, Linux 6.8)")
    return prog


def proof_of(confdir, prog):
    return records(confdir / "sysck.cdb").get(b"\0hash" + str(prog).encode())


def test_a_recorded_program_has_its_proof(confdir, proven):
    p = proof_of(confdir, proven)
    assert p is not None
    mnt, dev, ino, size, mtime, ctime, digest = p.decode().split(" ")
    s = os.stat(proven)
    assert (int(dev), int(ino), int(size)) == (s.st_dev, s.st_ino, s.st_size)
    ns = lambda t: f"{t // 10**9}.{t % 10**9:09d}"
    assert (mtime, ctime) == (ns(s.st_mtime_ns), ns(s.st_ctime_ns))
    assert digest in (confdir / "sysck.cfg").read_text()
    assert records(confdir / "sysck.cdb")[b"\0boot"].decode() == \
        open("/proc/sys/kernel/random/boot_id").read().strip()
    # kept by a commit that did not hash it; an entry not trusted has none
    assert tcbck(confdir, "-a", "/usr/bin/echo").returncode == 0
    assert proof_of(confdir, proven) == p
    assert proof_of(confdir, "/usr/bin/echo") is None
    assert tsh(confdir, "-c", str(proven)).returncode == 0


def test_a_program_changed_after_its_proof_is_hashed(confdir, proven):
    """The adversary: the trusted program rewritten in place, same size,
    after its proof was made.  Its change time is new: the proof does not
    hold, the program is hashed, and refused."""
    data = bytearray(proven.read_bytes())
    data[-1] ^= 0xff
    with open(proven, "r+b") as f:
        f.write(data)
    time.sleep(0.1)              # not racy: a commit would prove it
    r = tsh(confdir, "-c", str(proven))
    assert r.returncode == 126 and "hash" in r.stderr, r.stderr
    # the next commit hashes it again: the content is not the entry's
    assert tcbck(confdir, "-a", "/usr/bin/echo").returncode == 0
    assert proof_of(confdir, proven) is None


def test_a_proof_is_used_only_where_it_holds(confdir, proven):
    """Proofs are believed, not re-derived: an index (root's) that proves
    a changed program as it is now makes tsh run it unhashed.  The same
    proof for another boot, another mount, or another change time is not
    used, and the program is hashed and refused."""
    old = proof_of(confdir, proven).decode().split(" ")
    data = bytearray(proven.read_bytes())
    data[-1] ^= 0xff
    with open(proven, "r+b") as f:
        f.write(data)
    s = os.stat(proven)
    ns = lambda t: f"{t // 10**9}.{t % 10**9:09d}"
    now = [old[0], str(s.st_dev), str(s.st_ino), str(s.st_size),
           ns(s.st_mtime_ns), ns(s.st_ctime_ns), old[6]]
    idx = confdir / "sysck.cdb"
    recs = records(idx)
    key = b"\0hash" + str(proven).encode()

    def run_with(proof, boot=recs[b"\0boot"]):
        recs[key], recs[b"\0boot"] = " ".join(proof).encode(), boot
        write_cdb(idx, recs)
        assert fresh(confdir)
        return tsh(confdir, "-c", str(proven)).returncode

    assert run_with(now) == 0                   # believed: not hashed
    other = b"00000000-0000-4000-8000-000000000000"
    assert run_with(now, boot=other) == 126
    assert run_with([str(int(now[0]) + 1)] + now[1:]) == 126
    assert run_with(now[:5] + [ns(s.st_ctime_ns - 1)] + now[6:]) == 126
    assert run_with(now[:6] + ["sha256:" + "0" * 64]) == 126  # not the entry's
    assert run_with(now) == 0


# --- the writer of a few entries: the text spliced, not read whole --------

def twin_dirs(tmp_path):
    """Two root-owned configuration directories holding the same database:
    a default: stanza, comments inside and between stanzas, and a last
    stanza with no blank line after it."""
    dirs = []
    for name in ("splice", "full"):
        d = tmp_path / name
        d.mkdir(mode=0o755)
        os.chown(d, 0, 0)
        dirs.append(d)
    assert tcbck(dirs[0], "-a", "/usr/bin/true", "/usr/bin/echo",
                 "/usr/bin/cat", "mode=TCB,755").returncode == 0
    db = dirs[0] / "sysck.cfg"
    text = db.read_text().replace("/usr/bin/echo:\n",
                                  "/usr/bin/echo:\n\t# kept\n")
    head, rest = text.split("\n", 1)
    db.write_text(head + "\ndefault:\n\tclass = tpath-test\n\n"
                  "# between stanzas\n" + rest.rstrip("\n") + "\n")
    assert tcbck(dirs[0], "-a", "/usr/bin/true").returncode == 0
    shutil.copy(db, dirs[1] / "sysck.cfg")
    return dirs


def traced(args):
    """args run under strace, if there is one: (the result, whether it
    copied the text with copy_file_range, or None without strace)."""
    strace = shutil.which("strace")
    if strace is None:
        return subprocess.run(args, capture_output=True, text=True), None
    # LeakSanitizer cannot run under ptrace (a sanitized build's)
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "")
               + ":detect_leaks=0")
    r = subprocess.run([strace, "-f", "-qq", "-e", "trace=copy_file_range",
                        *args], capture_output=True, text=True, env=env)
    return r, "copy_file_range(" in r.stderr


@pytest.mark.parametrize("steps", [
    [("chtcb", "on", "/usr/bin/ls"), ("chtcb", "off", "/usr/bin/echo"),
     ("chtcb", "on", "/usr/bin/echo", "/usr/bin/cp", "/usr/bin/true")],
    [("tcbck", "-a", "/usr/bin/cp", "/usr/bin/mv", "owner=bin"),
     ("tcbck", "-a", "/usr/bin/echo", "class=a,b"),
     ("tcbck", "-a", "/usr/bin/cat", "mode=644"),
     ("tcbck", "-a", "/usr/bin/mv")],
])
def test_a_spliced_text_is_the_full_writers(tmp_path, steps):
    """Each change made twice: once by the writer that splices the text
    (its index the text's), once by the full writer (its index removed, so
    it reads the text whole).  The two texts must be the same, byte for
    byte, and the spliced one's index the text's."""
    splice, full = twin_dirs(tmp_path)
    for step in steps:
        (full / "sysck.cdb").unlink(missing_ok=True)
        r = subprocess.run([program(step[0]), "-C", str(full), *step[1:]],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        before = (splice / "sysck.cfg").read_bytes()
        r, spliced = traced([program(step[0]), "-C", str(splice), *step[1:]])
        assert r.returncode == 0, r.stderr
        after = (splice / "sysck.cfg").read_bytes()
        assert after == (full / "sysck.cfg").read_bytes(), step
        assert after != before, step
        assert spliced in (True, None), f"{step}: the text was read whole"
        assert fresh(splice)
    assert tcbck(splice, "-n", "ALL").returncode in (0, 1)


def test_an_unchanged_entry_is_not_written_again(tmp_path):
    splice, _ = twin_dirs(tmp_path)
    before = os.stat(splice / "sysck.cfg")
    assert chtcb(splice, "on", "/usr/bin/true").returncode == 0
    assert tcbck(splice, "-a", "/usr/bin/echo").returncode == 0
    after = os.stat(splice / "sysck.cfg")
    assert (after.st_ino, after.st_mtime_ns) == \
        (before.st_ino, before.st_mtime_ns)
    assert fresh(splice)


def test_an_index_whose_spans_lie_is_not_believed(tmp_path):
    """The adversary (a damaged index that is still the text's): echo's
    stanza said to be cat's, or only its first lines, or running on into
    the next.  Read from the text at that span, it is not echo's stanza
    whole and alone: echo has no entry (tsh would refuse it), chtcb cannot
    change it, tcbck -a cannot add it again, and the text is untouched."""
    splice, _ = twin_dirs(tmp_path)
    idx, db = splice / "sysck.cdb", splice / "sysck.cfg"
    recs = records(idx)
    echo_at, echo_len = struct.unpack("<QQ", recs[b"/usr/bin/echo"])
    cat_at, cat_len = struct.unpack("<QQ", recs[b"/usr/bin/cat"])
    before = db.read_bytes()
    stanza = before[echo_at:echo_at + echo_len]
    last = len(stanza) - stanza.rstrip(b"\n").rfind(b"\n") - 1
    assert cat_at > echo_at + echo_len
    for at, n in ((cat_at, cat_len), (echo_at, echo_len - 10),
                  (echo_at, echo_len - last),           # all but its hash
                  (echo_at, cat_at + cat_len - echo_at),  # and cat's too
                  (echo_at + 1, echo_len - 1)):
        recs[b"/usr/bin/echo"] = struct.pack("<QQ", at, n)
        write_cdb(idx, recs)
        assert records(idx)[b"\0meta"] == identity(db)     # the text's
        r = chtcb(splice, "query", "/usr/bin/echo")
        assert r.stdout == "/usr/bin/echo: not in the database\n", (at, n)
        r = chtcb(splice, "off", "/usr/bin/echo")
        assert r.returncode != 0 and "not in the database" in r.stderr
        r = tcbck(splice, "-a", "/usr/bin/echo")
        assert r.returncode != 0 and "does not say it is new" in r.stderr
        assert db.read_bytes() == before


def test_a_stale_index_makes_the_writer_read_the_text(tmp_path):
    """A hand edit: the index is another text's, so the writer reads the
    text whole (the edit kept) and writes both anew."""
    splice, _ = twin_dirs(tmp_path)
    db = splice / "sysck.cfg"
    db.write_text(db.read_text().replace("/usr/bin/cat:\n",
                                         "/usr/bin/cat:\n\t# by hand\n"))
    assert not fresh(splice)
    r, spliced = traced([program("chtcb"), "-C", str(splice), "off",
                         "/usr/bin/cat"])
    assert r.returncode == 0, r.stderr
    assert spliced in (False, None)
    assert "\t# by hand\n" in db.read_text()
    assert fresh(splice)
