"""tcbck --json against its schema (doc/tcbck.schema.json): documents
made here with every kind of finding, fixed and not, each valid; the
summary is the database's (its entries, the digest of its bytes); and
broken documents refused, so that the check of every --json output of
the suite (tcbck_json.py) can fail."""
import copy
import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import jsonschema
import pytest

import tcbck_json
from conftest import program
from test_tcbck import tcbck

SRC = Path(__file__).parents[2]


def run(confdir, *args):
    """tcbck --json ARGS (checked by tcbck()): the document."""
    r = tcbck(confdir, "--json", *args)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def every_kind(confdir, scratch, testuser):
    """Entries with one of each finding a check makes, and, in a system
    directory (writable by others is looked for only there), files of
    each kind the tree walk reports.  Yields (confdir, entry tree,
    walked tree)."""
    if not os.path.isdir("/usr/local/lib"):
        pytest.skip("no /usr/local/lib")
    s = scratch
    for name in ("type", "owner", "group", "mode", "content", "acl",
                 "gone", "linked", "prog", "tpath-test-esc"):
        (s / name).write_bytes(b"#!/bin/sh\n")
        (s / name).chmod(0o755)
    os.symlink("type", s / "target")
    (s / "dir").mkdir()
    (s / "dir" / "inner").write_text("x\n")
    os.link(s / "linked", s / "alias")
    os.symlink(s / "linked", s / "soft")
    text = (SRC / "conf" / "escapes").read_text()
    (confdir / "escapes").write_text(
        text + '\ntpath-test-esc:\n\tkind = runner\n\treason = "a test '
        'runner"\n')

    def add(*args):
        r = tcbck(confdir, "-a", *args)
        assert r.returncode == 0, r.stderr

    add(*(str(s / n) for n in ("type", "owner", "group", "mode", "content",
                               "gone", "target", "dir/inner")))
    add(str(s / "acl"), "acl=u::rwx,u:bin:r-x,g::r-x,m::r-x,o::r-x")
    add(str(s / "linked"), f"links={s}/alias", f"symlinks={s}/soft")
    add(str(s / "prog"), "program=/usr/bin/true")
    add(str(s / "tpath-test-esc"), "mode=TCB,755")
    # now every entry differs from its file in one way
    (s / "type").unlink()
    (s / "type").mkdir()
    os.chown(s / "owner", testuser.pw_uid, -1)
    os.chown(s / "group", -1, testuser.pw_gid)
    (s / "mode").chmod(0o700)
    with open(s / "content", "ab") as f:
        f.write(b"echo changed\n")
    (s / "gone").unlink()
    (s / "target").unlink()
    os.symlink("elsewhere", s / "target")
    shutil.rmtree(s / "dir")
    (s / "dir").write_text("a file where the directory was\n")
    (s / "alias").unlink()
    (s / "soft").unlink()
    # the tree walk's: unrecorded set-ID programs, a device, links to a
    # recorded file that its entry does not list, a file others may write
    w = Path(f"/usr/local/lib/tpath-test-json.{os.getpid()}")
    shutil.rmtree(w, ignore_errors=True)
    w.mkdir()
    for name, mode in (("suid", 0o4755), ("sgid", 0o2755),
                       ("open", 0o666)):
        (w / name).write_text("x\n")
        (w / name).chmod(mode)
    os.mknod(w / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    (w / "rec").write_text("recorded\n")
    add(str(w / "rec"))
    os.link(w / "rec", w / "hard")
    os.symlink(w / "rec", w / "sym")
    try:
        yield confdir, s, w
    finally:
        shutil.rmtree(w)


def kinds_of(docs, fixed):
    return {x["what"] for d in docs for x in d["findings"]
            if x["fixed"] == fixed}


def test_every_kind_of_finding_is_valid(every_kind):
    conf, s, w = every_kind
    docs = [run(conf, "-n", "ALL"),
            run(conf, "-n", "tree", str(w), "/nonexistent-tpath-test")]
    # (tcbck() validated each; what they hold is each kind of finding)
    assert kinds_of(docs, False) == set(tcbck_json.kinds())
    walked = {x["what"] for x in docs[1]["findings"]
              if not x["registered"]}
    assert walked == {"setuid", "setgid", "device", "links", "symlinks",
                      "writable", "error"}
    n = docs[0]
    assert n["summary"]["entries"] == 13 == n["checked"]
    assert n["summary"]["problems"]["hash"] == 1
    assert n["summary"]["fixed"] == dict.fromkeys(tcbck_json.kinds(), 0)
    # fixing: counted as fixed, and a check after it as well
    y = run(conf, "-y", "ALL")
    assert {"owner", "group", "mode", "links", "symlinks", "acl"} <= \
        kinds_of([y], True)
    assert sum(y["summary"]["fixed"].values()) == y["fixed"] > 0
    after = run(conf, "-n", "ALL")
    assert after["problems"] == y["problems"]
    assert run(conf, "-p", "ALL")["summary"]["fixed"] == \
        dict.fromkeys(tcbck_json.kinds(), 0)


def test_the_summary_is_the_databases(confdir, scratch):
    """entries: the stanzas but default:; digest: of the bytes as read,
    a comment included; the same for -n of paths alone (read whole)."""
    f = scratch / "f"
    f.write_text("one\n")
    assert tcbck(confdir, "-a", str(f), "/usr/bin/true").returncode == 0
    db = confdir / "sysck.cfg"
    db.write_bytes(db.read_bytes().replace(
        b"\n", b"\ndefault:\n\tclass = all\n\n* a comment\n", 1))
    for args in (["-n", "ALL"], ["-n", str(f)], ["-p", "ALL"]):
        doc = run(confdir, *args)
        assert doc["summary"]["entries"] == 2, args
        assert doc["summary"]["digest"] == \
            "sha256:" + hashlib.sha256(db.read_bytes()).hexdigest()
    before = doc["summary"]["digest"]
    db.write_bytes(db.read_bytes() + b"* another comment\n")
    assert run(confdir, "-n", "ALL")["summary"]["digest"] != before


def test_the_report_is_valid(confdir):
    r = tcbck(confdir, "--json", "--report")
    assert r.returncode in (0, 1), r.stderr
    assert tcbck_json.check(r.stdout)["schema"] == \
        tcbck_json.schema()["$id"]


def broken(doc):
    """Documents the schema must refuse, each one change from doc."""
    def change(f):
        d = copy.deepcopy(doc)
        f(d)
        return d
    x0 = lambda d: d["findings"][0]  # noqa: E731
    return {
        "no schema": change(lambda d: d.pop("schema")),
        "another version": change(lambda d: d.update(schema="urn:tpath:"
                                                     "tcbck:2")),
        "no summary": change(lambda d: d.pop("summary")),
        "a count as text": change(lambda d: d.update(checked="2")),
        "a negative count": change(lambda d: d.update(problems=-1)),
        "a member not in the schema": change(lambda d: d.update(extra=1)),
        "a kind not counted": change(
            lambda d: d["summary"]["problems"].pop("owner")),
        "a kind unknown": change(lambda d: x0(d).update(what="colour")),
        "is without should": change(lambda d: x0(d).pop("should")),
        "origin of no hash": change(lambda d: x0(d).update(
            origin="package")),
        "a short digest": change(lambda d: d["summary"].update(
            digest="sha256:00")),
        "a mode unknown": change(lambda d: d.update(mode="x")),
    }


def test_a_broken_document_is_refused(confdir, scratch):
    f = scratch / "f"
    f.write_text("one\n")
    assert tcbck(confdir, "-a", str(f)).returncode == 0
    f.chmod(0o600)
    r = tcbck(confdir, "--json", "-n", "ALL")
    good = json.loads(r.stdout)
    assert good["findings"][0]["what"] == "mode"
    for why, doc in broken(good).items():
        with pytest.raises(jsonschema.ValidationError):
            tcbck_json.validator().validate(doc)
            pytest.fail(f"{why}: passed the schema")
    # what the schema cannot say, the consistency check does
    for d in (dict(good, problems=0), dict(good, summary=dict(
            good["summary"], problems=dict(good["summary"]["problems"],
                                           mode=0, owner=1)))):
        tcbck_json.validator().validate(d)
        with pytest.raises(AssertionError):
            tcbck_json.consistent(d)
    # a digest that is not the file's; text that is not one JSON document
    with pytest.raises(AssertionError):
        tcbck_json.check(r.stdout.replace(good["summary"]["digest"],
                                          "sha256:" + "0" * 64), confdir)
    for text in (r.stdout + "{}", r.stdout.replace('"fixed": 0',
                 '"fixed": 0, "fixed": 0', 1), "NaN"):
        with pytest.raises(ValueError):
            tcbck_json.check(text)
    # and the real output passes
    tcbck_json.check(r.stdout, confdir)


def test_the_schema_file_is_the_man_pages():
    """A valid draft 2020-12 schema (checked when loaded), whose kinds of
    finding are those tcbck(8) names."""
    s = tcbck_json.schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    page = (SRC / "doc" / "tcbck.8").read_text()
    for k in tcbck_json.kinds():
        assert f"Cm {k}" in page, k


def test_what_cannot_be_known_is_null_and_said(confdir, scratch):
    """An entry of a package, on a machine whose dpkg status cannot be
    read (an empty /var/lib/dpkg, in a mount namespace of its own): behind
    is null, standard error says why, and the document is still valid."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare")
    f = scratch / "f"
    f.write_text("one\n")
    assert tcbck(confdir, "-a", str(f), "package=tpath-test-none",
                 "version=1").returncode == 0
    empty = scratch / "dpkg"
    empty.mkdir()
    r = subprocess.run(["unshare", "--mount", "--propagation", "private",
                        "sh", "-c", 'mount --bind "$1" /var/lib/dpkg && '
                        'shift && exec "$@"', "sh", str(empty),
                        program("tcbck"), "-C", str(confdir), "-q", "--json",
                        "-n", "ALL"], capture_output=True, text=True)
    if r.returncode not in (0, 1) and "unshare" in r.stderr:
        pytest.skip(f"no mount namespace here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    doc = tcbck_json.check(r.stdout, confdir)
    assert doc["summary"]["behind"] is None
    assert r.stderr == "tcbck: /var/lib/dpkg/status: missing\n"
    # where dpkg can be read, not installed is not behind
    assert run(confdir, "-n", "ALL")["summary"]["behind"] == 0
