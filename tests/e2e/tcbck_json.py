"""Every document tcbck --json writes, checked against its schema,
doc/tcbck.schema.json (JSON Schema draft 2020-12, with Debian 12's
python3-jsonschema), and against itself: the summary's counts are the
findings'.  test_tcbck.tcbck() passes every --json output of the suite
through check(); test_json.py covers every kind of finding and shows a
broken document refused."""
import hashlib
import json
from collections import Counter
from pathlib import Path

import jsonschema

SCHEMA_FILE = Path(__file__).parents[2] / "doc" / "tcbck.schema.json"
_validator = None


def validator():
    global _validator
    if _validator is None:
        schema = json.loads(SCHEMA_FILE.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        _validator = jsonschema.Draft202012Validator(schema)
    return _validator


def schema():
    return validator().schema


def kinds():
    """Every kind of finding the schema names."""
    return schema()["$defs"]["kind"]["enum"]


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = [k for k, n in Counter(keys).items() if n > 1]
    if dup:
        raise ValueError(f"member named twice: {dup}")
    return dict(pairs)


def parse(text):
    """The one JSON document of text, strictly: no NaN, no member twice."""
    def constant(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, object_pairs_hook=_no_duplicates,
                      parse_constant=constant)


def consistent(doc):
    """What the schema cannot say: the counts are those of the findings.
    Raises AssertionError."""
    if "report" in doc:
        found = Counter(x["check"] for x in doc["findings"])
        assert doc["counts"] == {c: found[c] for c in doc["counts"]}, doc
        return
    left = [x for x in doc["findings"] if not x["fixed"]]
    fixed = [x for x in doc["findings"] if x["fixed"]]
    assert (doc["problems"], doc["fixed"]) == (len(left), len(fixed)), doc
    s = doc["summary"]
    for name, xs in (("problems", left), ("fixed", fixed)):
        by = Counter(x["what"] for x in xs)
        assert s[name] == {k: by[k] for k in s[name]}, (name, s[name], by)


def check(text, confdir=None):
    """text validated (schema, then consistency): the document.  With
    confdir, a check's digest must be that of confdir/sysck.cfg as it is
    now (a check never writes the database)."""
    doc = parse(text)
    validator().validate(doc)
    consistent(doc)
    if confdir is not None and "summary" in doc:
        data = (Path(confdir) / "sysck.cfg").read_bytes()
        assert doc["summary"]["digest"] == \
            "sha256:" + hashlib.sha256(data).hexdigest(), doc["summary"]
    return doc
