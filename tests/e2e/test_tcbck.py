"""tcbck and chtcb on a scratch tree, with a real database and real users."""
import json
import os
import shutil
import stat
import subprocess
import threading
import time

import pytest

import tcbck_json
from conftest import program


def tcbck(confdir, *args):
    """tcbck -C confdir -q args; a --json output is checked against the
    schema (tcbck_json.py), whatever the test then looks at."""
    r = subprocess.run([program("tcbck"), "-C", str(confdir), "-q", *args],
                       capture_output=True, text=True)
    if "--json" in args and r.returncode in (0, 1):
        tcbck_json.check(r.stdout, confdir if "--report" not in args
                         else None)
    return r


def chtcb(confdir, *args):
    return subprocess.run([program("chtcb"), "-C", str(confdir), *args],
                          capture_output=True, text=True)


def lines(r):
    return [line for line in r.stderr.splitlines() if line]


@pytest.fixture
def tree(scratch):
    """A program, a link to it and a symlink to it, all root's."""
    prog = scratch / "bin" / "prog"
    prog.parent.mkdir()
    prog.write_bytes(b"#!/bin/sh\necho trusted\n")
    prog.chmod(0o755)
    os.link(prog, scratch / "bin" / "alias")
    os.symlink(prog, scratch / "bin" / "soft")
    return scratch


def register(confdir, tree, *extra):
    prog = tree / "bin" / "prog"
    r = tcbck(confdir, "-a", str(prog), "class=apps",
              f"links={tree}/bin/alias", f"symlinks={tree}/bin/soft", *extra)
    assert r.returncode == 0, r.stderr
    return str(prog)


def test_record_then_clean_check(confdir, tree):
    prog = register(confdir, tree)
    text = (confdir / "sysck.cfg").read_text()
    assert text.startswith("* tpath sysck.cfg version 1\n")
    assert f"{prog}:\n\ttype = FILE\n\towner = root\n\tgroup = root\n" in text
    assert "\tmode = 755\n" in text
    assert "\thash = sha256:" in text
    for args in (["-n", "ALL"], ["-n", "apps"], ["-n", prog]):
        r = tcbck(confdir, *args)
        assert (r.returncode, lines(r)) == (0, [])


def damage(kind, tree, user):
    prog = tree / "bin" / "prog"
    if kind == "owner":
        os.chown(prog, user.pw_uid, -1)
    elif kind == "group":
        os.chown(prog, -1, user.pw_gid)
    elif kind == "mode":
        prog.chmod(0o775)
    elif kind == "content":
        with open(prog, "ab") as f:
            f.write(b"echo evil\n")
    elif kind == "link":
        (tree / "bin" / "alias").unlink()
    elif kind == "symlink":
        (tree / "bin" / "soft").unlink()
    elif kind == "other-link":
        (tree / "bin" / "alias").unlink()
        (tree / "bin" / "alias").write_text("someone else's\n")
    elif kind == "other-symlink":
        (tree / "bin" / "soft").unlink()
        os.symlink("/bin/sh", tree / "bin" / "soft")


# kind -> (messages from -n, fixed by -y)
CASES = {
    "owner": (["{p}: owner is {u}, should be root"], True),
    "group": (["{p}: group is {u}, should be root"], True),
    "mode": (["{p}: mode is 0775, should be 0755"], True),
    "content": (["{p}: size is 33, should be 23",
                 "{p}: hash is sha256:*, should be sha256:*"], False),
    "link": (["{p}: link {t}/bin/alias is missing"], True),
    "symlink": (["{p}: symlink {t}/bin/soft is missing"], True),
    "other-link": (["{p}: link {t}/bin/alias is another file"], True),
    "other-symlink": (["{p}: symlink {t}/bin/soft does not point to the "
                       "file"], True),
}


def matches(got, want):
    if "*" not in want:
        return got == want
    head, _, rest = want.partition("sha256:*")
    return got.startswith(head) and got.count("sha256:") == 2


@pytest.mark.parametrize("kind", CASES)
def test_each_attribute(confdir, tree, testuser, kind):
    prog = register(confdir, tree)
    damage(kind, tree, testuser)
    want, fixable = CASES[kind]
    want = [w.format(p=prog, u=testuser.pw_name, t=tree) for w in want]
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == 1
    got = lines(r)
    assert len(got) == len(want), got
    for g, w in zip(got, want):
        assert matches(g, w), (g, w)
    r = tcbck(confdir, "-y", "ALL")
    assert r.returncode == (0 if fixable else 1), r.stderr
    fixed = [line.endswith(" (fixed)") for line in lines(r)]
    assert fixed == [fixable] * len(want), r.stderr
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == (0 if fixable else 1), r.stderr
    if kind in ("link", "other-link"):
        assert os.path.samefile(tree / "bin" / "alias", prog)
    if kind in ("symlink", "other-symlink"):
        assert os.readlink(tree / "bin" / "soft") == prog


def test_silent_fix_and_unfixable_hash(confdir, tree):
    prog = register(confdir, tree)
    os.chmod(prog, 0o777)
    r = tcbck(confdir, "-p", "ALL")
    assert (r.returncode, r.stderr) == (0, "")
    assert stat.S_IMODE(os.stat(prog).st_mode) == 0o755
    with open(prog, "ab") as f:
        f.write(b"x")
    r = tcbck(confdir, "-p", "ALL")
    assert r.returncode == 1
    assert "hash is" in r.stderr          # never silent about content
    db = (confdir / "sysck.cfg").read_text()
    r = tcbck(confdir, "-y", "ALL")
    assert (confdir / "sysck.cfg").read_text() == db  # the record stays


def test_restore_from_source(confdir, tree):
    good = tree / "good-copy"
    shutil.copy(tree / "bin" / "prog", good)
    prog = register(confdir, tree, f"source={good}")
    with open(prog, "wb") as f:
        f.write(b"#!/bin/sh\necho trojan\n")
    r = tcbck(confdir, "-y", "ALL")
    assert r.returncode == 0, r.stderr
    assert open(prog, "rb").read() == good.read_bytes()
    os.unlink(prog)
    r = tcbck(confdir, "-n", "ALL")
    assert lines(r)[0] == f"{prog}: not found"
    assert tcbck(confdir, "-y", "ALL").returncode == 0
    assert tcbck(confdir, "-n", "ALL").returncode == 0


def test_tree_reports_what_should_be_registered(confdir, tree):
    register(confdir, tree)
    (tree / "data").mkdir()
    for i in range(20):
        (tree / "data" / f"plain{i}").write_text("ordinary\n")
    setuid = tree / "data" / "sneaky"
    shutil.copy(tree / "bin" / "prog", setuid)
    setuid.chmod(0o4755)
    dev = tree / "data" / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.link(tree / "bin" / "prog", tree / "data" / "hidden-link")
    r = tcbck(confdir, "-n", "tree", str(tree))
    assert r.returncode == 1
    assert sorted(lines(r)) == sorted([
        f"{setuid}: setuid program not in the database",
        f"{dev}: device file outside /dev not in the database",
        f"{tree}/data/hidden-link: extra hard link to {tree}/bin/prog",
        f"{tree}/bin/prog: 1 hard link not recorded (tcbck -n tree "
        "names it)",
    ])
    # -y never touches a file the database does not list
    r = tcbck(confdir, "-y", "tree", str(tree))
    assert r.returncode == 1
    assert os.stat(setuid).st_mode & stat.S_ISUID
    assert os.path.exists(dev)


def test_concurrent_adds_lose_nothing(confdir, scratch):
    files = []
    for i in range(200):
        f = scratch / f"f{i}"
        f.write_text(str(i))
        files.append(str(f))
    for i in range(0, 200, 2):
        ps = [subprocess.Popen([program("tcbck"), "-C", str(confdir), "-a",
                                f]) for f in files[i:i + 2]]
        assert [p.wait() for p in ps] == [0, 0]
    r = tcbck(confdir, "--json", "-n", "ALL")
    report = json.loads(r.stdout)
    assert report["checked"] == 200 and report["problems"] == 0


def test_symlink_swapped_in_is_never_followed(confdir, scratch, testuser):
    """Replace a registered file by a symlink while tcbck -y fixes it."""
    target = scratch / "victim"
    target.write_text("not tcbck's to change\n")
    os.chown(target, testuser.pw_uid, testuser.pw_gid)
    target.chmod(0o600)
    reg = scratch / "registered"
    reg.write_text("registered\n")
    assert tcbck(confdir, "-a", str(reg), "mode=755").returncode == 0
    real, link = scratch / "real", scratch / "link"
    stop = threading.Event()

    def swap():
        # each state held a moment, so a slow (sanitized) tcbck meets both
        while not stop.is_set():
            real.write_text("registered\n")
            real.chmod(0o777)            # a mode tcbck -y wants to fix
            os.symlink(target, link)
            os.rename(real, reg)
            time.sleep(0.002)
            os.rename(link, reg)
            time.sleep(0.002)

    t = threading.Thread(target=swap)
    t.start()
    try:
        outcomes, seen = set(), set()
        for run in range(400):
            if run >= 150 and {"symlink", "file"} <= seen:
                break
            r = tcbck(confdir, "-y", "ALL")
            outcomes.add(r.returncode)
            seen.update("symlink" if "type is SYMLINK" in line else
                        "file" if "mode is 0777" in line else "other"
                        for line in lines(r))
            st = os.stat(target)
            assert (st.st_uid, stat.S_IMODE(st.st_mode)) == \
                (testuser.pw_uid, 0o600), "tcbck followed the symlink"
    finally:
        stop.set()
        t.join()
    assert outcomes <= {0, 1}
    # both sides of the race were met, or the test proved nothing
    assert {"symlink", "file"} <= seen, seen


def test_bad_database_is_refused(confdir, tree):
    db = confdir / "sysck.cfg"
    db.write_text("/usr/bin/x:\n\towner = root\n\tcolour = red\n")
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"tcbck: {db}:3: unknown attribute "
                                "\"colour\" in stanza \"/usr/bin/x\"")
    db.write_text("/usr/bin/x:\n\tmode = TCB\n")
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == 2
    assert "sysck.cfg:2: mode: permissions missing" in r.stderr
    db.write_text("relative:\n\towner = root\n")
    assert tcbck(confdir, "-n", "ALL").returncode == 2
    db.write_text("")
    db.chmod(0o664)
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == 2
    assert "writable by group or others" in r.stderr
    r = tcbck(confdir, "-n")
    assert r.returncode == 2 and r.stderr.startswith("usage:")


def test_delete_by_path_and_class(confdir, tree):
    prog = register(confdir, tree)
    other = tree / "other"
    other.write_text("x")
    assert tcbck(confdir, "-a", str(other)).returncode == 0
    assert tcbck(confdir, "-d", "apps").returncode == 0
    text = (confdir / "sysck.cfg").read_text()
    assert prog not in text and str(other) in text
    assert tcbck(confdir, "-d", str(other)).returncode == 0
    assert tcbck(confdir, "-d", str(other)).returncode == 2


def test_add_and_delete_from_file(confdir, tree):
    stanzas = tree / "extra.cfg"
    stanzas.write_text(f"{tree}/bin/prog:\n\towner = root\n\tmode = TCB,755\n"
                       f"\tlinks = {tree}/bin/alias\n\n{tree}/bin/soft:\n"
                       "\ttype = SYMLINK\n")
    assert tcbck(confdir, "-a", "-f", str(stanzas)).returncode == 0
    assert tcbck(confdir, "-n", "ALL").returncode == 0
    assert chtcb(confdir, "query", f"{tree}/bin/prog").stdout.endswith(": on\n")
    assert tcbck(confdir, "-d", "-f", str(stanzas)).returncode == 0
    assert f"{tree}/bin/prog" not in (confdir / "sysck.cfg").read_text()


def test_chtcb(confdir, tree):
    prog = register(confdir, tree)
    r = chtcb(confdir, "query", prog)
    assert (r.returncode, r.stdout) == (0, f"{prog}: off\n")
    assert chtcb(confdir, "on", prog).returncode == 0
    assert chtcb(confdir, "query", prog).stdout == f"{prog}: on\n"
    assert "\tmode = TCB,755\n" in (confdir / "sysck.cfg").read_text()
    # on for an unknown file records it first
    new = tree / "new"
    new.write_text("y")
    assert chtcb(confdir, "on", str(new)).returncode == 0
    assert chtcb(confdir, "query", str(new)).stdout == f"{new}: on\n"
    assert tcbck(confdir, "-n", str(new)).returncode == 0
    assert chtcb(confdir, "off", prog).returncode == 0
    r = chtcb(confdir, "query", prog, str(tree / "nope"))
    assert r.returncode == 1
    assert r.stdout == f"{prog}: off\n{tree}/nope: not in the database\n"


def test_canonical_lookup(confdir, scratch):
    real = scratch / "real"
    real.mkdir()
    (real / "tool").write_text("t")
    os.symlink(real, scratch / "alias")
    assert tcbck(confdir, "-a", str(scratch / "alias" / "tool")).returncode == 0
    assert f"{real}/tool:" in (confdir / "sysck.cfg").read_text()
    r = chtcb(confdir, "query", str(scratch / "alias" / "tool"))
    assert r.stdout.endswith(": off\n")


def test_hard_links_registered_as_entries_are_not_extra(confdir, tree):
    """bzip2 and bzcat: one inode, each name its own entry."""
    prog, alias = tree / "bin" / "prog", tree / "bin" / "alias"
    assert tcbck(confdir, "-a", str(prog), str(alias)).returncode == 0
    r = tcbck(confdir, "-n", "ALL")
    assert (r.returncode, lines(r)) == (0, [])
    os.link(prog, tree / "third")
    r = tcbck(confdir, "-n", "ALL")
    assert lines(r) == [
        f"{p}: 1 hard link not recorded (tcbck -n tree names it)"
        for p in (prog, alias)]


def test_fixing_the_group_keeps_setuid(confdir, tree, testuser):
    """chown clears set-ID bits: -y must put them back, not report 0."""
    prog = register(confdir, tree, "mode=SUID,755")
    os.chmod(prog, 0o4755)
    os.chown(prog, -1, testuser.pw_gid)
    r = tcbck(confdir, "-y", "ALL")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(prog).st_mode) == 0o4755
    assert tcbck(confdir, "-n", "ALL").returncode == 0


def test_a_tampered_source_is_not_installed(confdir, tree):
    good = tree / "good-copy"
    shutil.copy(tree / "bin" / "prog", good)
    prog = register(confdir, tree, f"source={good}")
    good.write_text("#!/bin/sh\necho the source was tampered with too\n")
    with open(prog, "ab") as f:
        f.write(b"echo evil\n")
    r = tcbck(confdir, "-y", "ALL")
    assert r.returncode == 1
    assert b"evil" in open(prog, "rb").read()  # left for a person to see
    assert not any(".tcbck-" in p.name for p in (tree / "bin").iterdir())


def test_selected_twice_is_checked_once(confdir, tree):
    prog = register(confdir, tree)
    os.chmod(prog, 0o700)
    r = tcbck(confdir, "-n", prog, "apps")
    assert lines(r) == [f"{prog}: mode is 0700, should be 0755"]


def test_aix_bare_attribute_names(confdir, tree):
    prog = tree / "bin" / "prog"
    r = tcbck(confdir, "-a", str(prog), "class=apps", "owner", "group", "mode",
              f"links={tree}/bin/alias")
    assert r.returncode == 0, r.stderr
    assert tcbck(confdir, "-n", "apps").returncode == 0


def test_hash_means_a_regular_file(confdir, tree):
    """No type recorded: a directory in the file's place still fails."""
    prog = tree / "bin" / "prog"
    db = confdir / "sysck.cfg"
    r = tcbck(confdir, "-a", str(prog))
    text = db.read_text().replace("\ttype = FILE\n", "")
    db.write_text(text)
    os.unlink(prog)
    prog.mkdir()
    r = tcbck(confdir, "-n", "ALL")
    assert lines(r) == [f"{prog}: type is DIRECTORY, should be FILE"]


def test_volatile_size_checks_no_content(confdir, tree):
    log = tree / "log"
    log.write_text("one\n")
    assert tcbck(confdir, "-a", str(log), "size=VOLATILE").returncode == 0
    log.write_text("one\ntwo\n")
    assert tcbck(confdir, "-n", "ALL").returncode == 0
    assert tcbck(confdir, "-a", str(log)).returncode == 0  # stays VOLATILE
    assert "\tsize = VOLATILE\n" in (confdir / "sysck.cfg").read_text()


def test_lookup_does_not_follow_a_final_symlink(confdir, tree):
    prog = register(confdir, tree)
    r = chtcb(confdir, "query", str(tree / "bin" / "soft"))
    assert (r.returncode, r.stdout) == \
        (1, f"{tree}/bin/soft: not in the database\n")
    assert tcbck(confdir, "-a", str(tree / "bin" / "soft")).returncode == 0
    # the link is skipped with a note (a glob of a bin directory meets
    # many), the file it points to is untouched, the others are flagged
    r = chtcb(confdir, "on", str(tree / "bin" / "soft"), prog)
    assert r.returncode == 0 and "symbolic link, skipped" in r.stderr
    assert chtcb(confdir, "query", prog).stdout == f"{prog}: on\n"
    r = chtcb(confdir, "query", str(tree / "bin" / "soft"))
    assert r.stdout == f"{tree}/bin/soft: off\n"


def test_checking_programs_must_be_trusted(confdir, tree):
    checker = tree / "checker"
    checker.write_text("#!/bin/sh\necho \"checker ran with $1 $2\"\n"
                       "exit $3\n")
    checker.chmod(0o755)
    prog = register(confdir, tree, f"program={checker},extra,0")
    r = tcbck(confdir, "-n", "ALL")
    assert lines(r) == [f"{prog}: checking program {checker}: not a "
                        "trusted program"]
    assert tcbck(confdir, "-a", str(checker), "mode=TCB,755",
                 "type", "owner").returncode == 0
    r = tcbck(confdir, "-n", prog)      # a script: its interpreter too
    assert lines(r) == [f"{prog}: checking program {checker}: interpreter "
                        "/bin/sh: not a trusted program"]
    assert tcbck(confdir, "-a", os.path.realpath("/bin/sh"),
                 "mode=TCB,755").returncode == 0
    r = tcbck(confdir, "--json", "-n", "ALL")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["problems"] == 0   # stdout is only JSON
    assert "checker ran with -n extra" in r.stderr
    db = confdir / "sysck.cfg"
    db.write_text(db.read_text().replace(f"program = {checker},extra,0",
                                         f"program = {checker},extra,3"))
    r = tcbck(confdir, "-n", prog)
    assert lines(r)[-1] == f"{prog}: checking program {checker} failed " \
        "(status 3)"
    with open(checker, "a") as f:
        f.write("# changed\n")
    r = tcbck(confdir, "-n", prog)
    assert f"checking program {checker}: size is" in r.stderr


def test_a_link_listed_twice_is_refused(confdir, tree):
    prog = tree / "bin" / "prog"
    r = tcbck(confdir, "-a", str(prog),
              f"links={tree}/bin/alias,{tree}/bin/alias")
    assert r.returncode == 2
    assert f'links: "{tree}/bin/alias" is listed twice' in r.stderr


def test_acl_checked_and_fixed(confdir, tree, testuser):
    prog = tree / "bin" / "prog"
    acl = f"u::rwx,u:{testuser.pw_name}:r-x,g::r-x,m::r-x,o::r-x"
    subprocess.run(["setfacl", "-m", f"u:{testuser.pw_name}:r-x", str(prog)],
                   check=True)
    r = tcbck(confdir, "-a", str(prog), f"acl={acl}",
              f"links={tree}/bin/alias")
    assert r.returncode == 0, r.stderr
    assert tcbck(confdir, "-n", "ALL").returncode == 0
    subprocess.run(["setfacl", "-m", f"u:{testuser.pw_name}:rwx", str(prog)],
                   check=True)
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == 1
    # the group bits of the mode are the ACL's mask: both differ now
    assert lines(r) == [
        f"{prog}: mode is 0775, should be 0755",
        f"{prog}: acl is u::rwx,u:{testuser.pw_name}:rwx,g::r-x,m::rwx,"
        f"o::r-x, should be {acl}"]
    assert tcbck(confdir, "-y", "ALL").returncode == 0
    out = subprocess.run(["getfacl", "-cp", str(prog)], capture_output=True,
                         text=True, check=True).stdout
    assert f"user:{testuser.pw_name}:r-x" in out


def test_l_registers_devices_only(confdir, scratch):
    dev = scratch / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.chmod(dev, 0o666)                 # past the umask
    assert tcbck(confdir, "-l", str(dev)).returncode == 0
    assert f"{dev}:\n\ttype = CHAR_DEV\n" in (confdir / "sysck.cfg").read_text()
    assert tcbck(confdir, "-n", str(dev)).returncode == 0
    os.chmod(dev, 0o600)
    r = tcbck(confdir, "-n", str(dev))
    assert lines(r) == [f"{dev}: mode is 0600, should be 0666"]
    plain = scratch / "plain"
    plain.write_text("x")
    r = tcbck(confdir, "-l", str(plain))
    assert r.returncode == 2 and "not a device file" in r.stderr


def test_a_tree_is_recorded_and_flagged_in_one_command(confdir, tree):
    """tcbck -a -R records a directory and everything under it (links as
    themselves); chtcb -R on flags the programs under it, and off and
    query take the entries under it."""
    (tree / "bin" / "data").write_text("not a program\n")
    (tree / "bin" / "sub").mkdir()
    (tree / "bin" / "sub" / "tool").write_bytes(b"#!/bin/sh\n")
    (tree / "bin" / "sub" / "tool").chmod(0o755)
    import socket
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tree / "bin" / "sub" / "sock"))
    r = tcbck(confdir, "-a", "-R", str(tree / "bin"), "class=tree")
    sock.close()
    (tree / "bin" / "sub" / "sock").unlink()
    assert (r.returncode, lines(r)) == \
        (0, [f"tcbck: {tree}/bin/sub/sock: a socket: not recorded"])
    text = (confdir / "sysck.cfg").read_text()
    for name in ("", "/prog", "/alias", "/soft", "/data", "/sub",
                 "/sub/tool"):
        assert f"\n{tree}/bin{name}:\n" in text, name
    assert text.count("class = tree") == 7
    r = tcbck(confdir, "-n", "ALL")
    assert r.returncode == 0, r.stderr
    r = chtcb(confdir, "-R", "on", str(tree / "bin"))
    assert (r.returncode, r.stderr) == (0, "")
    r = chtcb(confdir, "-R", "query", str(tree / "bin"))
    states = dict(line.rsplit(": ", 1) for line in r.stdout.splitlines())
    assert {k[len(str(tree)):]: v for k, v in states.items()
            if v == "on"} == {"/bin/prog": "on", "/bin/alias": "on",
                              "/bin/sub/tool": "on"}
    assert chtcb(confdir, "-R", "off", str(tree / "bin")).returncode == 0
    r = chtcb(confdir, "-R", "query", str(tree / "bin"))
    assert ": on" not in r.stdout
