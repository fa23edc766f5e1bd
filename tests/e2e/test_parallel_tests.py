# SPDX-License-Identifier: MIT
"""Data tests on read connections beside the one writer (SQLite in WAL
mode) and on several threads (PostgreSQL): the jaffle shop with more
tests (some failing, one warning, one storing its failures) built with
--threads 1 and --threads 4 gives the same statuses and failure counts,
run_results.json lists the nodes in the same order (the one-thread
order), the summary after "Finished running" is the same text, and the
progress lines are the same lines (they print in completion order, as
dbt's do with threads). On SQLite every database file is in WAL mode and
a profile's `journal_mode: delete` keeps a rollback journal (and one
thread)."""

import re
import sqlite3

import pytest

from conftest import run_xform
from warehouse import wh  # noqa: F401  (the fixture)

TIMEOUT = 120

# more tests on the jaffle shop's models (singular ones: the YAML describes
# every model already): two fail (5 and 96 rows), one warns, one stores
# its failures (a write: it runs on the writer); the failing ones test
# leaf models, so that nothing is skipped
SINGULAR = {
    "first_customers": "select customer_id from {{ ref('customers') }} where customer_id <= 5\n",
    "orders_past_three": "select order_id from {{ ref('orders') }} where order_id > 3\n",
    "big_payments": "{{ config(severity='warn') }}\n"
                    "select payment_id from {{ ref('stg_payments') }} where amount > 20\n",
    "stored_nothing": "{{ config(store_failures=true) }}\n"
                      "select order_id from {{ ref('orders') }} where amount < 0\n",
    "orders_have_customers": "select o.order_id from {{ ref('orders') }} o\n"
                             "left join {{ ref('customers') }} c on c.customer_id = o.customer_id\n"
                             "where c.customer_id is null\n",
}


def project(wh):
    w = wh("jaffle_shop")
    for name, sql in SINGULAR.items():
        w.p.write(f"tests/{name}.sql", sql)
    return w


def build(w, *args, expect=1, profiles=False):
    extra = ["--profiles-dir", str(w.p.dir)] if w.kind == "postgres" or profiles else []
    return run_xform(["build", "--project-dir", str(w.p.dir), *extra, *args], cwd=w.p.cwd,
                     home=w.p.home, expect=expect, timeout=TIMEOUT)


def progress(r):
    """The progress lines without time stamps, positions and durations, sorted."""
    out = []
    for ln in r.out.splitlines():
        m = re.match(r"\d\d:\d\d:\d\d  \d+ of \d+ (.*)", ln)
        if m:
            line = re.sub(r" in \d+\.\d\ds\]$", "]", m.group(1))
            out.append(re.sub(r" \.+ ", " ... ", line))  # dots pad to the position's width
    return sorted(out)


def end_summary(r):
    """The text from "Finished running" on, time stamps and durations removed."""
    lines = [re.sub(r"^\d\d:\d\d:\d\d  ", "", ln) for ln in r.out.splitlines()]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Finished running"))
    return "\n".join([re.sub(r" in .*", "", lines[at])] + lines[at + 1:])


def results(w):
    rr = w.p.json("target/run_results.json")
    return [(x["unique_id"], x["status"], x["failures"]) for x in rr["results"]], rr


def journal_mode(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("pragma journal_mode").fetchone()[0]
    finally:
        con.close()


@pytest.mark.feature("sqlite.parallel_tests")
def test_four_threads_give_the_results_and_order_of_one(wh):
    w = project(wh)
    r1 = build(w, "--threads", "1")
    res1, rr1 = results(w)
    r4 = build(w, "--threads", "4")
    res4, rr4 = results(w)

    assert "Concurrency: 1 thread" in r1.out
    assert "Concurrency: 4 threads" in r4.out
    assert "capped" not in r4.err, r4.err  # tests read beside the writer: nothing capped
    # 3 seeds, 5 models, 20 + 5 tests; two fail, one warns
    want = {"PASS": 30, "WARN": 1, "ERROR": 2, "SKIP": 0, "TOTAL": 33}
    assert r1.summary() == r4.summary() == want, (r1, r4)
    # the same nodes, statuses and failure counts, in the same order
    assert res1 == res4
    by_name = {uid.split(".")[2]: (st, f) for uid, st, f in res1}
    assert by_name["first_customers"] == ("fail", 5)
    assert by_name["orders_past_three"] == ("fail", 96)
    assert by_name["big_payments"][0] == "warn" and by_name["big_payments"][1] > 0
    assert by_name["stored_nothing"] == ("pass", 0)
    assert by_name["orders_have_customers"] == ("pass", 0)
    # every parent comes before its tests in that order
    order = [uid for uid, _, _ in res1]
    assert order.index("model.jaffle_shop.customers") < order.index(
        next(u for u in order if u.endswith(".first_customers")))
    # the same lines, whatever order they completed in, and the same summary
    assert progress(r1) == progress(r4)
    assert end_summary(r1) == end_summary(r4)
    assert "Failure in test first_customers (tests/first_customers.sql)" in r4.out
    # the tests ran on more than one connection
    threads4 = {x["thread_id"] for x in rr4["results"]}
    assert {x["thread_id"] for x in rr1["results"]} == {"Thread-1"}
    assert len(threads4) > 1, threads4
    # the tables are whole
    assert w.rows("select count(*) from customers") == [(100,)]
    assert w.rows("select count(*) from orders") == [(99,)]
    if w.kind == "sqlite":
        # WAL: the target's file and the schema store_failures made
        assert journal_mode(w.p.db_path()) == "wal"
        audit = w.p.db_path("main_dbt_test__audit")  # store_failures' schema
        assert audit.exists(), w.p.db_files()
        assert journal_mode(audit) == "wal"


@pytest.mark.feature("sqlite.parallel_tests")
@pytest.mark.parametrize("wh", ["sqlite"], indirect=True)  # a setting of SQLite targets
def test_journal_mode_delete_keeps_a_rollback_journal(wh):
    w = project(wh)
    w.p.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
              "      type: sqlite\n      path: jaffle_shop.db\n      journal_mode: delete\n"
              "      threads: 4\n")
    r = build(w, profiles=True)
    # no readers beside a writer outside WAL: one thread, the same results
    assert "Concurrency: 1 thread" in r.out, r.out
    assert r.summary() == {"PASS": 30, "WARN": 1, "ERROR": 2, "SKIP": 0, "TOTAL": 33}
    assert journal_mode(w.p.db_path()) == "delete"
    assert w.rows("select count(*) from customers") == [(100,)]
    # and back to WAL when the setting goes
    w.p.edit("profiles.yml", "      journal_mode: delete\n", "")
    build(w, profiles=True)
    assert journal_mode(w.p.db_path()) == "wal"


@pytest.mark.feature("sqlite.parallel_tests")
@pytest.mark.parametrize("wh", ["sqlite"], indirect=True)  # a setting of SQLite targets
def test_unknown_journal_mode_is_a_located_error(wh):
    w = project(wh)
    w.p.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
              "      type: sqlite\n      path: jaffle_shop.db\n      journal_mode: wall\n")
    r = build(w, expect=2, profiles=True)
    assert "profiles.yml:7:21: error: unknown sqlite journal_mode 'wall' (did you mean 'wal'?)" \
        in r.err, r.err
    assert not w.p.db_path().exists()


@pytest.mark.feature("freshness")
def test_freshness_on_four_connections_gives_the_results_of_one(wh):
    """source freshness only reads: with --threads 4 each check has its own
    (read) connection; sources.json keeps the project's order and the
    statuses, the summary line and the set of lines are those of one thread."""
    from test_freshness import prepare
    w = wh("freshness")
    prepare(w)
    r1 = w.xform("source", "freshness", "--threads", "1", expect=1)
    doc1 = w.p.json("target/sources.json")
    r4 = w.xform("source", "freshness", "--threads", "4", expect=1)
    doc4 = w.p.json("target/sources.json")
    assert "Concurrency: 1 thread" in r1.out and "Concurrency: 4 threads" in r4.out
    want = {"PASS": 1, "WARN": 1, "ERROR": 2, "SKIP": 0, "TOTAL": 4}
    assert r1.summary() == r4.summary() == want
    one = [(x["unique_id"], x["status"], x["max_loaded_at"]) for x in doc1["results"]]
    four = [(x["unique_id"], x["status"], x["max_loaded_at"]) for x in doc4["results"]]
    assert one == four and len(one) == 4
    assert progress(r1) == progress(r4)
