"""The stanza writer under SIGKILL and under concurrent writers."""
import random
import subprocess

from conftest import helper


def names(path):
    r = subprocess.run([helper("stztool"), "names", str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"file does not parse: {r.stderr}"
    return r.stdout.split()


def test_sigkill_never_leaves_a_broken_or_short_file(confdir, procs):
    db = confdir / "sysck.cfg"
    tool = helper("stztool")
    # A large file, so that kills land inside writes, not only between them.
    subprocess.run([tool, "add", str(db), "seed", "1"], check=True,
                   capture_output=True)
    db.write_text(db.read_text() + "".join(
        f"/usr/lib/file{i}:\n\towner = root\n\tmode = TCB,444\n\n"
        for i in range(4000)))
    committed = set()
    midwrite = 0
    rng = random.Random(2196)
    for _ in range(200):
        p = procs.popen([tool, "add", str(db), "s", "0"],
                        stdout=subprocess.PIPE, text=True)
        try:
            p.wait(timeout=rng.uniform(0.0, 0.06))
        except subprocess.TimeoutExpired:
            pass
        procs.kill(p)
        out = p.stdout.read().split()
        p.stdout.close()
        committed.update(f"s{i}" for i in out)
        present = set(names(db))
        lost = committed - present
        assert not lost, f"committed stanzas lost: {sorted(lost)[:5]}"
        assert "/usr/lib/file3999" in present
        stale = [f for f in confdir.iterdir() if ".tmp." in f.name]
        assert len(stale) <= 1, stale
        midwrite += len(stale)
    # Kills must have landed both after commits and inside writes (a
    # temporary file left behind), or the test proved nothing.
    assert len(committed) > 20
    assert midwrite >= 5, f"only {midwrite} of 200 kills hit a write"


def test_concurrent_writers_lose_nothing(confdir, procs):
    db = confdir / "user"
    tool = helper("stztool")
    ps = [procs.popen([tool, "add", str(db), prefix, "100"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
          for prefix in ("a", "b")]
    for p in ps:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    got = set(names(db))
    want = {f"{x}{i}" for x in "ab" for i in range(100)}
    assert got == want


def test_unsafe_directory_is_refused(confdir):
    db = confdir / "login.cfg"
    db.write_text("default:\n\tsak_enabled = false\n")
    assert names(db) == ["default"]
    confdir.chmod(0o775)
    r = subprocess.run([helper("stztool"), "names", str(db)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip().endswith(
        f"refusing {db}: directory {confdir} is writable by group or "
        "others (mode 0775)")
