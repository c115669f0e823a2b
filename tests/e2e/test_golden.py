"""Golden-output tests: what each command prints and returns, pinned.

tests/golden/TOOL/CASE/ holds one case, in the util-linux way:
  args      the arguments, one per line (TOOL is build/TOOL)
  stdin     optional: the standard input
  setup     optional: a shell script run first (as root, in @TREE@)
  stdout, stderr, status   what is expected
  check     optional: a shell script run after; check.out its output
            (what a command changed: the database, a file's mode)
In every file @CONF@ stands for a fresh configuration directory (for tsh:
a database of a few trusted programs and a profile), @TREE@ for a scratch
directory, @BUILD@ for the build directory, and in what a command printed
@CONF_SHA256@ for the SHA-256 of @CONF@/sysck.cfg as the test reads it
afterwards (its text names @TREE@, so its digest differs in every run).  A change of output is then a
visible diff.  TPATH_GOLDEN_UPDATE=1 writes what the programs print now
(for a new case; read the diff before committing it)."""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import tcbck_json
from conftest import BUILD
from test_tsh import TRUSTED, register

GOLDEN = Path(__file__).parents[1] / "golden"
CASES = sorted(f"{t.name}/{c.name}" for t in GOLDEN.iterdir() if t.is_dir()
               for c in t.iterdir() if c.is_dir())
# the environment every case runs in, whatever the test's
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8",
       "TERM": "dumb"}


def places():
    conf = Path(tempfile.mkdtemp(prefix="golden-conf.", dir="/tmp"))
    tree = Path(tempfile.mkdtemp(prefix="golden-tree.", dir="/tmp"))
    for d in (conf, tree):
        os.chown(d, 0, 0)
        d.chmod(0o755)
    return {"@CONF@": str(conf), "@TREE@": str(tree), "@BUILD@": str(BUILD)}


def fill(text, subst):
    for k, v in subst.items():
        text = text.replace(k, v)
    return text


def unfill(text, subst):
    for k, v in subst.items():
        text = text.replace(v, k)
    return text


def script(d, name, subst):
    """Run d/name, if there is one; its output, or None."""
    if not (d / name).exists():
        return None
    r = subprocess.run(["sh", "-e", "-c", fill((d / name).read_text(),
                                               subst)],
                       cwd=subst["@TREE@"], env=ENV, capture_output=True,
                       text=True)
    assert r.returncode == 0, (name, r.stderr)
    return unfill(r.stdout, subst)


def prepare(tool, subst):
    if tool == "tsh":
        conf = Path(subst["@CONF@"])
        register(conf, *TRUSTED, os.path.realpath("/bin/sh"))
        (conf / "tsh_profile").write_text("export PATH=/usr/bin:/bin\n")


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    if os.geteuid() != 0:
        pytest.skip("needs root: configuration files must be root-owned")
    tool, _ = case.split("/")
    d = GOLDEN / case
    subst = places()
    try:
        prepare(tool, subst)
        script(d, "setup", subst)
        args = [fill(a, subst) for a in (d / "args").read_text()
                .splitlines()]
        stdin = (d / "stdin").read_text() if (d / "stdin").exists() else ""
        r = subprocess.run([str(BUILD / tool), *args], input=stdin,
                           capture_output=True, text=True, env=ENV,
                           cwd=subst["@TREE@"])
        if tool == "tcbck" and "--json" in args and r.returncode in (0, 1):
            tcbck_json.check(r.stdout, None if "--report" in args else
                             subst["@CONF@"])
        db = Path(subst["@CONF@"]) / "sysck.cfg"
        if db.exists():
            subst["@CONF_SHA256@"] = hashlib.sha256(db.read_bytes()) \
                .hexdigest()
        got = {"stdout": unfill(r.stdout, subst),
               "stderr": unfill(r.stderr, subst),
               "status": f"{r.returncode}\n"}
        after = script(d, "check", subst)
        if after is not None:
            got["check.out"] = after
        if os.environ.get("TPATH_GOLDEN_UPDATE") == "1":
            for name, text in got.items():
                (d / name).write_text(text)
        for name, text in got.items():
            assert text == (d / name).read_text(), f"{case}: {name}"
    finally:
        for k in ("@CONF@", "@TREE@"):
            shutil.rmtree(subst[k], ignore_errors=True)
