# SPDX-License-Identifier: MIT
"""`xform source freshness` (issue 4), on SQLite and on PostgreSQL. A seed
cannot compute its values at seed time, so each test writes the seeds of
fixtures/freshness with loaded_at values relative to the current UTC time:
10 minutes old (pass: warn_after 1 hour), 2 hours old (warn: error_after
1 day), 3 days old (error), and a table whose newest row only counts
without the freshness filter. Checked: the dbt-style lines, the exit code,
target/sources.json (against dbt's sources v3 schema), --select."""

import json
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest

from conftest import REPO
from test_seeds_csv import drop_schemas, loaded_project
from warehouse import wh  # noqa: F401  (the fixture)

CHECKED = ["fresh", "late", "stale", "filtered"]  # src.unchecked: freshness: null


def find_schema(name):
    """../shared/dbt-schemas/<name> beside the repository clone (a
    worktree may sit deeper: every ancestor is tried)."""
    for d in REPO.parents:
        p = d / "shared" / "dbt-schemas" / name
        if p.is_file():
            return p
    return None


def write_loads(p, now):
    """The four seeds, with loaded_at relative to `now` (the newest row
    is never the last one, so the check must take the max)."""
    def ts(delta):
        return (now - delta).strftime("%Y-%m-%d %H:%M:%S")

    def csv(rows):
        return "id,loaded_at,region\n" + "".join(
            f"{i},{ts(d)},{region}\n" for i, (d, region) in enumerate(rows, 1))

    m, h, d = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
    p.write("seeds/fresh_loads.csv", csv([(10 * m, "prod"), (3 * h, "prod")]))
    p.write("seeds/late_loads.csv", csv([(2 * h, "prod"), (5 * h, "prod")]))
    p.write("seeds/stale_loads.csv", csv([(3 * d, "prod"), (10 * d, "prod")]))
    p.write("seeds/mixed_loads.csv", csv([(5 * m, "test"), (3 * d, "prod"), (4 * d, "prod")]))
    return {"fresh": now - 10 * m, "late": now - 2 * h, "stale": now - 3 * d,
            "filtered": now - 3 * d, "unfiltered": now - 5 * m}


def prepare(w):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    w.newest = write_loads(w.p, now)
    w.xform("seed", expect=0)
    return w


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fresh(request, tmp_path_factory, xform_bin):
    """fixtures/freshness seeded once per warehouse (.newest: the newest
    loaded_at of each source table), for the tests that only read it."""
    w = loaded_project(request, tmp_path_factory, "freshness")
    try:
        yield prepare(w)
    finally:
        drop_schemas(w)


def results(w):
    doc = w.p.json("target/sources.json")
    return {r["unique_id"].split(".", 2)[2]: r for r in doc["results"]}


def line(text, word, table):
    """The `N of M <word> freshness of src.<table>` line, or None."""
    for ln in text.splitlines():
        if f" {word} freshness of src.{table} " in ln:
            return ln
    return None


def iso(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


# ---------------------------------------------------------------- tests
@pytest.mark.feature("freshness")
def test_pass_warn_error_lines_exit_and_sources_json(fresh):
    w = fresh
    r = w.xform("source", "freshness", expect=1)  # one stale source: exit 1
    # dbt's lines: START, then PASS / WARN / ERROR STALE with the same word in brackets
    for table, word in [("fresh", "PASS"), ("late", "WARN"), ("stale", "ERROR STALE"),
                        ("filtered", "ERROR STALE")]:
        ln = line(r.text, word, table)
        assert ln and f"[{word} in " in ln, f"no {word} line for src.{table}:\n{r}"
        assert line(r.text, "START", table), r.text
    assert " freshness of src.unchecked " not in r.text  # freshness: null
    assert " freshness of other." not in r.text           # no loaded_at_field
    assert r.summary() == {"PASS": 1, "WARN": 1, "ERROR": 2, "SKIP": 0, "TOTAL": 4}

    res = results(w)
    assert sorted(res) == sorted(f"src.{t}" for t in CHECKED)
    want = {"fresh": "pass", "late": "warn", "stale": "error", "filtered": "error"}
    assert {k[4:]: v["status"] for k, v in res.items()} == want
    for t in CHECKED:
        x = res[f"src.{t}"]
        assert iso(x["max_loaded_at"]) == w.newest[t], (t, x["max_loaded_at"])
        # the age is snapshotted_at - max_loaded_at, taken when the check ran
        age = (iso(x["snapshotted_at"]) - w.newest[t]).total_seconds()
        assert abs(x["max_loaded_at_time_ago_in_s"] - age) < 1, x
        expected = (datetime.now(timezone.utc) - w.newest[t]).total_seconds()
        assert expected - 120 <= x["max_loaded_at_time_ago_in_s"] <= expected + 1, (t, x)
        assert x["criteria"]["warn_after"] == {"count": 1, "period": "hour"}
        assert x["criteria"]["error_after"] == {"count": 1, "period": "day"}
    assert res["src.filtered"]["criteria"]["filter"] == "region = 'prod'"
    assert res["src.fresh"]["criteria"]["filter"] is None


@pytest.mark.feature("freshness.artifact")
def test_sources_json_validates(fresh):
    w = fresh
    w.xform("source", "freshness", expect=1)
    schema_path = find_schema("sources_v3.json")
    if schema_path is None:
        print("skipping the schema check: no shared/dbt-schemas/sources_v3.json beside "
              f"{REPO}")
        return
    doc = w.p.json("target/sources.json")
    jsonschema.Draft202012Validator(json.loads(schema_path.read_text())).validate(doc)
    assert doc["metadata"]["dbt_schema_version"] == \
        "https://schemas.getdbt.com/dbt/sources/v3.json"


@pytest.mark.feature("freshness.select")
def test_select_limits_the_check(fresh):
    w = fresh
    r = w.xform("source", "freshness", "--select", "source:src.fresh", expect=0)
    assert line(r.text, "PASS", "fresh"), r.text
    assert r.summary() == {"PASS": 1, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 1}
    assert list(results(w)) == ["src.fresh"]

    r = w.xform("source", "freshness", "-s", "source:src.late", expect=0)  # warn: exit 0
    assert line(r.text, "WARN", "late"), r.text
    assert {k: v["status"] for k, v in results(w).items()} == {"src.late": "warn"}

    r = w.xform("source", "freshness", "-s", "source:src.stale", expect=1)
    assert {k: v["status"] for k, v in results(w).items()} == {"src.stale": "error"}

    r = w.xform("source", "freshness", "-s", "source:src.fresh", "source:src.late", expect=0)
    assert sorted(results(w)) == ["src.fresh", "src.late"]


@pytest.mark.feature("freshness.filter")
def test_filter_and_runtime_errors(wh):
    w = wh("freshness")
    prepare(w)
    # without its filter, the newest (test) row makes the table fresh
    w.p.edit("models/sources.yml", "          filter: \"region = 'prod'\"\n", "")
    # a table that does not exist: a runtime error, exit 1
    w.p.edit("models/sources.yml", "      - name: unchecked\n",
             "      - name: ghost\n        identifier: no_such_table\n"
             "      - name: unchecked\n")
    r = w.xform("source", "freshness", "-s", "source:src.filtered", expect=0)
    assert line(r.text, "PASS", "filtered"), r.text
    x = results(w)["src.filtered"]
    assert x["status"] == "pass" and x["criteria"]["filter"] is None
    assert iso(x["max_loaded_at"]) == w.newest["unfiltered"]

    r = w.xform("source", "freshness", "-s", "source:src.ghost", expect=1)
    assert r.summary()["ERROR"] == 1
    x = results(w)["src.ghost"]
    assert x["status"] == "runtime error" and x["error"], x
    schema_path = find_schema("sources_v3.json")
    if schema_path:
        jsonschema.Draft202012Validator(json.loads(schema_path.read_text())).validate(
            w.p.json("target/sources.json"))
