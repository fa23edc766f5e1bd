# SPDX-License-Identifier: MIT
"""Every broken project under fixtures/errors/ makes xform exit 2 before
it runs anything, with `path:line:col: error: message`, the source line
and a caret under the right place, and leaves no database behind."""

import json
import re

import pytest

from conftest import ESC, FIXTURES, parse_diags, path_matches

CASES = sorted(p.name for p in (FIXTURES / "errors").iterdir() if (p / "expect.json").is_file())


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


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.feature(f"errors.{c}")) for c in CASES])
def test_error_fixture(make_project, case):
    exp = json.loads((FIXTURES / "errors" / case / "expect.json").read_text())
    p = make_project(f"errors/{case}")
    args = [a.replace("{project}", str(p.dir)) for a in exp["command"]]
    r = p.xform(args[0], *args[1:], expect=2)

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


@pytest.mark.feature("errors.cli")
def test_unknown_command(run_in_sandbox):
    r = run_in_sandbox("frobnicate", expect=2)
    assert "frobnicate" in r.text


@pytest.mark.feature("errors.cli")
def test_unknown_flag(jaffle):
    r = jaffle.xform("run", "--no-such-flag", expect=2)
    assert "--no-such-flag" in r.text
    assert jaffle.db_files() == []


@pytest.mark.feature("errors.cli")
def test_bad_vars(jaffle):
    r = jaffle.xform("run", "--vars", "{x: [1, 2", expect=2)
    assert "--vars" in r.text
    assert jaffle.db_files() == []


@pytest.mark.feature("errors.project")
def test_missing_project(run_in_sandbox, tmp_path):
    r = run_in_sandbox("run", "--project-dir", str(tmp_path / "nowhere"), expect=2)
    assert "dbt_project.yml" in r.text or "xform_project.yml" in r.text
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.feature("errors.profile")
def test_unknown_target(jaffle):
    jaffle.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
                                 "      type: sqlite\n      schema: main\n"
                                 "      database: jaffle_shop.db\n      threads: 1\n")
    r = jaffle.xform("run", "--profiles-dir", str(jaffle.dir), "--target", "prod", expect=2)
    assert "prod" in r.text
    assert jaffle.db_files() == []
