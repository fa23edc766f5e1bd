# SPDX-License-Identifier: MIT
"""Every broken project under fixtures/errors/ makes xform exit 2 before
it runs anything, with `path:line:col: error: message`, the source line
and a caret under the right place, and leaves the warehouse as it was:
on SQLite no database file appears, on PostgreSQL no schema (xform must
not even connect). A bad command line changes nothing either, also in a
warehouse that holds a built project (every relation keeps its oid, file
node and rows: see wh_util.state)."""

import json
import re

import pytest

from conftest import ESC, FIXTURES, parse_diags, path_matches
from warehouse import Warehouse, wh  # noqa: F401  (the fixture)
from wh_util import state

CASES = sorted(p.name for p in (FIXTURES / "errors").iterdir() if (p / "expect.json").is_file())
# the profile is what these fixtures get wrong: they bring their own, so no
# warehouse of the test's choosing applies (the error comes before any)
OWN_PROFILE = {"bad_profile"}
RUNS = [pytest.param(c, k, marks=pytest.mark.feature(f"errors.{c}"), id=f"{c}-{k}")
        for c in CASES for k in ("sqlite", "postgres")
        if k == "sqlite" or c not in OWN_PROFILE]


@pytest.fixture
def on_warehouse(request, make_project):
    """on_warehouse(kind, project) -> Warehouse (dropped after the test)."""
    made = []

    def make(kind, name):
        pg = request.getfixturevalue("pg_conninfo") if kind == "postgres" else None
        w = Warehouse(make_project(name), kind, pg)
        made.append(w)
        return w

    yield make
    for w in made:
        w.drop()


def unchanged(w, *args):
    """Runs xform `args` (it must exit 2); asserts the warehouse is as
    it was before, byte for byte on SQLite; returns the result."""
    before = state(w)
    r = w.xform(*args, expect=2)
    assert state(w) == before, f"a failed command changed the warehouse:\n{r}"
    return r


def span_columns(line_text, exp):
    """1-based [first, last] columns that the caret may point at: inside
    the span, or just past its end."""
    if "span_re" in exp:
        m = re.search(exp["span_re"], line_text)
        assert m, f"expect.json span_re does not match the line {line_text!r}"
        start, end = m.start(), m.end()
    else:
        start = line_text.find(exp["span"])
        assert start >= 0, f"expect.json span {exp['span']!r} is not on the line {line_text!r}"
        end = start + len(exp["span"])
    return start + 1, end + 1


@pytest.mark.parametrize("case, kind", RUNS)
def test_error_fixture(on_warehouse, case, kind):
    exp = json.loads((FIXTURES / "errors" / case / "expect.json").read_text())
    w = on_warehouse(kind, f"errors/{case}")
    p = w.p
    args = [a.replace("{project}", str(p.dir)) for a in exp["command"]]
    assert state(w) == {}
    r = unchanged(w, *args)

    files = exp["file"] if isinstance(exp["file"], list) else [exp["file"]]
    diags = [d for d in parse_diags(r.text) if any(path_matches(d.path, f) for f in files)]
    assert diags, f"no 'path:line:col: error:' for {files}:\n{r}"
    d = diags[0]
    rel = next(f for f in files if path_matches(d.path, f))
    source_lines = p.read(rel).splitlines()

    assert d.line == exp["line"], f"wrong line: {d}\n{r}"
    line_text = source_lines[d.line - 1]
    first, last = span_columns(line_text, exp)
    assert first <= d.col <= last, f"column {d.col} is outside {first}..{last}: {d}\n{r}"

    assert d.src_line is not None, f"no ' N | source' and caret lines after the error:\n{r}"
    assert d.src_line == line_text, "the quoted source line differs from the file"
    assert d.caret_col == d.col, f"the caret is under column {d.caret_col}, not {d.col}:\n{r}"

    assert d.msg == d.msg.strip() and d.msg[:1] == d.msg[:1].lower(), \
        f"messages start lower case: {d.msg!r}"
    for word in exp.get("message", []):
        assert word.lower() in d.msg.lower(), f"message lacks {word!r}: {d.msg!r}"
    for text in exp.get("output", []):
        assert text in r.text, f"output lacks {text!r}:\n{r}"

    assert ESC not in r.text, "colour codes on a pipe"
    assert "Done. PASS=" not in r.text, "a project error must stop before running anything"
    assert p.db_files() == [], f"a database file was created: {p.db_files()}"
    assert not p.path("target/run_results.json").exists()


# warehouse independent: no project, so no warehouse to run on
@pytest.mark.feature("errors.cli")
def test_unknown_command(run_in_sandbox):
    r = run_in_sandbox("frobnicate", expect=2)
    assert "frobnicate" in r.text


@pytest.mark.feature("errors.cli")
def test_unknown_flag(wh):
    w = wh("jaffle_shop")
    r = unchanged(w, "run", "--no-such-flag")
    assert "--no-such-flag" in r.text
    assert state(w) == {}
    assert w.p.db_files() == []


@pytest.mark.feature("errors.cli")
@pytest.mark.parametrize("command", ["run", "seed", "build"])
def test_bad_vars_on_a_built_project(wh, command):
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    rows = w.rows("select order_id, status from orders order by 1")
    assert len(rows) == 99
    r = unchanged(w, command, "--vars", "{x: [1, 2", "--full-refresh")
    assert "--vars" in r.text
    assert w.rows("select order_id, status from orders order by 1") == rows


# warehouse independent: no project, so no profile and no warehouse
@pytest.mark.feature("errors.project")
def test_missing_project(run_in_sandbox, tmp_path):
    r = run_in_sandbox("run", "--project-dir", str(tmp_path / "nowhere"), expect=2)
    assert "dbt_project.yml" in r.text or "xform_project.yml" in r.text
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.feature("errors.profile")
def test_unknown_target(wh):
    w = wh("jaffle_shop")
    args = ["--target", "prod"]
    if w.kind == "sqlite":  # the Postgres warehouse brings a profiles.yml already
        w.p.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
                                  "      type: sqlite\n      schema: main\n"
                                  "      database: jaffle_shop.db\n      threads: 1\n")
        args += ["--profiles-dir", str(w.p.dir)]
    r = unchanged(w, "run", *args)
    assert "prod" in r.text
    assert state(w) == {}
    assert w.p.db_files() == []
