"""tsh's language is a true subset of the POSIX shell's: each command line
below, in the subset tsh(1) documents, prints the same and exits the same
under tsh and under dash (Debian's /bin/sh).  Error messages differ in
their words and are not compared; that there is one is."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import program
from test_tsh import TRUSTED, register

EXTRA = ["/usr/bin/false", "/usr/bin/wc", "/usr/bin/tr", "/usr/bin/sort",
         "/usr/bin/head", "/usr/bin/printenv"]
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"}

LINES = [
    # words and quoting
    "printf '%s|' a 'b c' \"d e\" f\\ g; printf '\\n'",
    "printf '%s|' '' \"\" x''y \"a\"'b'c; printf '\\n'",
    "printf '%s\\n' \"a'b\" 'a\"b' \"a\\\"b\" \"a\\\\b\" 'a\\b'",
    "printf '%s\\n' \"\\$HOME\" '$HOME' \\$HOME",
    "printf '%s\\n' a#b '#c' \"#d\"  # a comment",
    "echo one;echo two ; echo three",
    "printf '%s\\n' \"x\\ny\" 'x\\ny'",
    # parameters
    "export A=1; printf '%s\\n' $A ${A} \"$A\" x${A}y",
    "export A='a  b'; printf '[%s]' $A \"$A\"; printf '\\n'",
    "export A=' lead trail '; printf '[%s]' $A; printf '\\n'",
    "export A=; printf '[%s]' $A \"$A\" x$A; printf '\\n'",
    "printf '[%s]' $NOPE \"$NOPE\"; printf '\\n'",
    "export A=x; export A; printf '%s\\n' \"$A\"",
    "export A='a b'; export B=$A; printf '[%s]\\n' \"$B\"",
    "export A='*'; export B=$A; printf '[%s]\\n' \"$B\"",
    "export A=1 B=2; printf '%s%s\\n' $A $B",
    "export A=1; unset A; printf '[%s]\\n' \"$A\"",
    "true; echo $?; false; echo $?",
    "false; printf '%s\\n' \"$?\" $?",
    "printenv HOME",
    "export X=exported; printenv X",
    # globbing
    "printf '%s\\n' *.txt",
    "printf '%s\\n' ?.txt",
    "printf '%s\\n' [ab].txt",
    "printf '%s\\n' *.none",
    "printf '%s\\n' '*.txt' \"*.txt\" \\*.txt",
    "printf '%s\\n' *",
    "printf '%s\\n' .*i*",
    "export P='*.txt'; printf '%s\\n' $P \"$P\"",
    "printf '%s\\n' d/*",
    # lists
    "true && echo yes; false && echo no; echo end",
    "false || echo yes; true || echo no; echo end",
    "false && echo a || echo b",
    "true || false && echo c",
    "false; echo $?",
    "true; false",
    "false; true",
    # pipelines
    "printf 'b\\na\\nc\\n' | sort",
    "printf 'a b c\\n' | tr ' ' '\\n' | wc -l",
    "false | true; echo $?",
    "true | false; echo $?",
    "printf 'x\\n' | cat | cat | cat",
    # redirections
    "echo hello > out; cat out",
    "echo one > out; echo two >> out; cat out",
    "cat < a.txt",
    "cat < no-such-file || echo failed",   # POSIX: > 0; dash 2, tsh 1
    "cat no-such-file 2> err; echo $?; wc -l < err",
    "cat no-such-file 2>&1 | wc -l",
    "cat a.txt no-such-file > both 2>&1; wc -l < both",
    "echo x >out; echo y >>out; cat <out",
    "printf 'a\\n' > \"sp ace\"; cat 'sp ace'",
    # built-ins
    "cd d; pwd",
    "cd d; cd ..; pwd",
    "cd /; cd -",
    "cd no-such-dir || echo failed",       # the same
    "pwd; cd /tmp; pwd",
    "export 1A=x; echo not reached",       # a special built-in's error
    "unset 1A; echo not reached",
    "umask 027; umask",
    "umask 0; umask",
    "exit 3",
    "exit",
    "false; exit",
]


@pytest.fixture(scope="module")
def place():
    if os.geteuid() != 0:
        pytest.skip("needs root: configuration files must be root-owned")
    if not shutil.which("dash"):
        pytest.skip("no dash (Debian dash)")
    conf = Path(tempfile.mkdtemp(prefix="tpath-conf."))
    conf.chmod(0o755)
    register(conf, *TRUSTED, *EXTRA)
    (conf / "tsh_profile").write_text("export PATH=/usr/bin:/bin\n")
    tree = Path(tempfile.mkdtemp(prefix="tpath-vs-dash."))
    yield conf, tree
    shutil.rmtree(conf)
    shutil.rmtree(tree)


def fresh(tree):
    """The same files for both shells: a.txt b.txt c.log .hidden d/x."""
    for p in tree.iterdir():
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()
    for name in ("a.txt", "b.txt", "c.log", ".hidden"):
        (tree / name).write_text(f"{name}\n")
    (tree / "d").mkdir()
    (tree / "d" / "x").write_text("x\n")


def run(argv, tree):
    fresh(tree)
    r = subprocess.run(argv, capture_output=True, text=True, env=ENV,
                       cwd=tree, timeout=10)
    return r.stdout, r.returncode, bool(r.stderr)


@pytest.mark.parametrize("line", LINES)
def test_tsh_does_what_dash_does(place, line):
    conf, tree = place
    tsh = run([program("tsh"), "-C", str(conf), "-c", line], tree)
    dash = run(["dash", "-c", line], tree)
    assert tsh == dash, (line, tsh, dash)
