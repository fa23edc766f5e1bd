# SPDX-License-Identifier: MIT
"""fixtures/projects/features: source(), an ephemeral model, an
incremental model with a unique key (and --full-refresh), a singular
test, on SQLite and on PostgreSQL from the same code. Expectations come
from the seed CSV, read here."""

import csv
import io
from collections import Counter

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

CHANGED_EVENTS = """\
id,user_id,kind,updated_at
1,10,purchase,2024-01-01 10:00:00
2,10,purchase,2024-01-04 10:00:00
3,20,click,2024-01-02 09:30:00
4,30,test,2024-01-02 12:00:00
5,20,view,2024-01-03 08:15:00
6,30,click,2024-01-05 07:00:00
"""


def events(text):
    return [(int(r["id"]), int(r["user_id"]), r["kind"], r["updated_at"])
            for r in csv.DictReader(io.StringIO(text))]


@pytest.fixture
def feat(wh):
    w = wh("projects/features")
    w.xform("seed", expect=0)
    return w


@pytest.mark.feature("ephemeral")
@pytest.mark.feature("config_call")
def test_ephemeral_and_source(feat):
    r = feat.xform("run", expect=0)
    assert r.summary()["TOTAL"] == 2  # the ephemeral model is not run on its own
    rels = feat.relations()
    assert "ev_base" not in rels, "an ephemeral model must not be built"
    rows = events(feat.p.read("seeds/events.csv"))
    want = sorted(Counter(u for _, u, kind, _ in rows if kind != "test").items())
    assert feat.rows("select user_id, n from ev_counts order by user_id") == want
    compiled = feat.p.read("target/compiled/features/models/ev_counts.sql")
    # the source in the target's schema, the ephemeral model inlined as a CTE
    assert feat.rel("events") in compiled and "ev_base" in compiled


@pytest.mark.feature("incremental")
@pytest.mark.feature("config_call")
def test_incremental_merges_only_new_rows(feat):
    feat.xform("run", expect=0)
    first = events(feat.p.read("seeds/events.csv"))
    assert feat.rows("select id, user_id, kind, updated_at from ev_incr order by id") == first

    feat.p.write("seeds/events.csv", CHANGED_EVENTS)
    feat.xform("seed", expect=0)
    feat.xform("run", "--select", "ev_incr", expect=0)
    changed = events(CHANGED_EVENTS)
    latest = max(r[3] for r in first)
    # rows newer than the table's max(updated_at) replace (by id) or add;
    # row 1 changed without a newer timestamp, so it keeps its old value
    want = {r[0]: r for r in first}
    want.update({r[0]: r for r in changed if r[3] > latest})
    got = feat.rows("select id, user_id, kind, updated_at from ev_incr order by id")
    assert got == [want[k] for k in sorted(want)]
    assert got[0][2] == "click" and got[1][2] == "purchase" and len(got) == 6

    feat.xform("run", "--select", "ev_incr", "--full-refresh", expect=0)
    assert feat.rows("select id, user_id, kind, updated_at from ev_incr order by id") == changed


@pytest.mark.feature("data_tests.singular")
@pytest.mark.feature("config_call")
def test_singular_test(feat):
    feat.xform("run", expect=0)
    users = {u for _, u, kind, _ in events(feat.p.read("seeds/events.csv")) if kind != "test"}
    r = feat.xform("test", expect=0)
    assert r.summary() == {"PASS": 1, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 1}
    feat.p.write("tests/assert_counts_positive.sql",
               "select * from {{ ref('ev_counts') }} where n >= 1\n")
    r = feat.xform("test", expect=1)
    assert r.summary()["ERROR"] == 1
    rr = feat.p.json("target/run_results.json")
    assert [x["failures"] for x in rr["results"]] == [len(users)]
