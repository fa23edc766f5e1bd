# SPDX-License-Identifier: MIT
"""The 20 data tests of jaffle_shop through `xform test` and `xform build`,
on SQLite and on PostgreSQL from the same code: all pass on good data; a
bad status makes the accepted_values tests fail (exit 1) and, under
build, skips what depends on the failing model. The tables are read back
each time: the tests judged the data the models really hold."""

import pytest

from jaffle import STATUSES, Expected
from warehouse import wh  # noqa: F401  (the fixture)

NAMES = {"raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders",
         "stg_payments", "customers", "orders"}
STATUS_TESTS = {
    "accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
    "accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned",
}


def status_counts(w, rel):
    return w.rows(f"select status, count(*) from {rel} group by status order by status")


def expected_status_counts(expected):
    counts = {}
    for _, _, _, status in expected.raw_orders:
        counts[status] = counts.get(status, 0) + 1
    return sorted(counts.items())


def jaffle_kinds():
    return {n: "view" if n in Expected.STAGING else "table" for n in NAMES}


@pytest.mark.feature("data_tests")
def test_all_tests_pass(wh, expected):
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    r = w.xform("test", expect=0)
    assert r.summary() == {"PASS": 20, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 20}
    rr = w.p.json("target/run_results.json")
    assert len(rr["results"]) == 20
    assert {x["status"] for x in rr["results"]} == {"pass"}
    assert all(x["failures"] == 0 for x in rr["results"])
    # what the tests judged: every status accepted, every key unique and set
    assert status_counts(w, "orders") == expected_status_counts(expected)
    assert {s for s, _ in status_counts(w, "stg_orders")} <= set(STATUSES)
    assert w.rows("select count(*), count(distinct order_id), count(customer_id) "
                  "from orders") == [(99, 99, 99)]
    assert w.rows("select count(*), count(distinct customer_id) from customers") == [(100, 100)]
    # test never builds anything
    assert w.relations() == jaffle_kinds()


@pytest.mark.feature("data_tests")
def test_build_runs_seeds_models_and_tests(wh, expected):
    w = wh("jaffle_shop")
    r = w.xform("build", expect=0)
    assert r.summary() == {"PASS": 28, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 28}
    assert w.relations() == jaffle_kinds()
    assert w.scalar("select count(*) from orders") == 99
    assert w.rows("select order_id, customer_id, order_date, status from orders "
                  "order by order_id") == expected.raw_orders
    assert status_counts(w, "stg_orders") == expected_status_counts(expected)


def break_a_status(p):
    """Sets the first completed order to 'lost'; returns its id."""
    lines = p.read("seeds/raw_orders.csv").splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.endswith(",completed"))
    lines[i] = lines[i][: -len("completed")] + "lost"
    p.write("seeds/raw_orders.csv", "\n".join(lines) + "\n")
    return int(lines[i].split(",")[0])


@pytest.mark.feature("data_tests")
def test_failing_tests_exit_1(wh):
    w = wh("jaffle_shop")
    lost = break_a_status(w.p)
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    r = w.xform("test", expect=1)
    assert r.summary() == {"PASS": 18, "WARN": 0, "ERROR": 2, "SKIP": 0, "TOTAL": 20}
    rr = w.p.json("target/run_results.json")
    failed = {x["unique_id"].split(".")[2]: x for x in rr["results"] if x["status"] == "fail"}
    assert set(failed) == STATUS_TESTS
    assert all(x["failures"] == 1 for x in failed.values())
    # the one failing row is the one the seed broke, in both models tested
    for rel in ("stg_orders", "orders"):
        assert w.rows(f"select order_id, status from {rel} where status not in "
                      "('placed', 'shipped', 'completed', 'return_pending', 'returned')") == \
            [(lost, "lost")]


@pytest.mark.feature("data_tests.build_order")
def test_build_skips_what_follows_a_failing_test(wh):
    w = wh("jaffle_shop")
    lost = break_a_status(w.p)
    r = w.xform("build", "--threads", "1", expect=1)
    assert r.summary() == {"PASS": 13, "WARN": 0, "ERROR": 1, "SKIP": 14, "TOTAL": 28}
    rr = w.p.json("target/run_results.json")
    status = {x["unique_id"].split(".")[2]: x["status"] for x in rr["results"]}
    assert status["stg_orders"] == "success"
    assert status["customers"] == status["orders"] == "skipped"
    # what was built before the failing test stays; nothing after it is built
    assert w.relations() == {n: k for n, k in jaffle_kinds().items()
                             if n not in ("customers", "orders")}
    assert w.scalar(f"select status from stg_orders where order_id = {lost}") == "lost"
    assert w.scalar("select count(*) from stg_orders") == 99


COMPILE_ERROR_MACROS = """\
{% test boom(model, column_name) %}
{% if execute %}{{ exceptions.raise_compiler_error("boom went the test") }}{% endif %}
select 1 as x where 1 = 0
{% endtest %}
{% test badcall(model, column_name) %}
{% if execute %}{{ helper(nope=1) }}{% endif %}
select * from {{ model }} where 1 = 0
{% endtest %}
{% macro helper(x) %}{{ x }}{% endmacro %}
"""
BOOM = """\
macros/failing_tests.sql:2:20: error: boom went the test
 2 | {% if execute %}{{ exceptions.raise_compiler_error("boom went the test") }}{% endif %}
   |                    ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  in macro 'test_boom' called from models/failing_tests.yml:6:22
"""
BADCALL = """\
macros/failing_tests.sql:6:20: error: macro 'helper' takes no keyword argument 'nope'
 6 | {% if execute %}{{ helper(nope=1) }}{% endif %}
   |                    ^~~~~~~~~~~~~~
  hint: 'helper' is defined at macros/failing_tests.sql:9:1 as 'helper(x)'
  in macro 'test_badcall' called from models/failing_tests.yml:6:28
"""


def with_failing_tests(w):
    w.p.write("macros/failing_tests.sql", COMPILE_ERROR_MACROS)
    w.p.write("models/failing_tests.yml", "version: 2\nmodels:\n  - name: x_only\n"
              "    columns:\n      - name: id\n        data_tests: [boom, badcall]\n")
    return w


@pytest.mark.feature("data_tests")
def test_a_test_that_fails_to_compile_says_why_in_results_and_summary(wh):
    w = with_failing_tests(wh("scheduler"))
    w.xform("run", "-s", "x", expect=0)
    r = w.xform("build", "-s", "x_only", expect=1)
    rr = {x["unique_id"].split(".")[2]: x for x in w.p.json("target/run_results.json")["results"]}
    assert {k: v["status"] for k, v in rr.items()} == {
        "x_only": "success", "boom_x_only_id": "error", "badcall_x_only_id": "error"}
    assert rr["boom_x_only_id"]["message"] == BOOM
    assert rr["badcall_x_only_id"]["message"] == BADCALL
    assert r.summary()["ERROR"] == 2
    # the end of the run lists both, as dbt's "Compilation Error in test ..."
    lines = [ln[10:] for ln in r.out.splitlines()]
    for name, msg in (("boom_x_only_id", BOOM), ("badcall_x_only_id", BADCALL)):
        head = f"Compilation Error in test {name} (models/failing_tests.yml)"
        at = lines.index(head)
        n = len(msg.splitlines())
        assert lines[at + 1:at + 1 + n] == ["  " + m for m in msg.splitlines()], lines[at:]
        assert lines[at + 1 + n] == (f"  compiled code at target/compiled/scheduler/"
                                     f"models/failing_tests.yml/{name}.sql")
    # shown once, in the summary, not also as a diagnostic before it
    assert r.text.count("error: boom went the test") == 1, r.text
    assert r.text.count("takes no keyword argument 'nope'") == 1, r.text


@pytest.mark.feature("data_tests")
def test_compile_prints_each_render_error_once(wh):
    w = with_failing_tests(wh("scheduler"))
    r = w.xform("compile", "-s", "x_only+", expect=1)
    assert r.err.count(BOOM) == 1, r.err
    assert r.err.count(BADCALL) == 1, r.err
    assert r.text.count("error: boom went the test") == 1, r.text
