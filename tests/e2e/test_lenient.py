# SPDX-License-Identifier: MIT
"""Lenient where dbt is (issue 11.6), on SQLite and on PostgreSQL.

A properties entry for a model, seed or snapshot that does not exist is a
located warning (dbt: "Did not find matching node for patch"), and the
rest of the project builds. `xform debug`, like dbt debug, does not judge
the models: template and project errors are shown as warnings and the
connection is still tested."""

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

STALE = """
  - name: orders_v0
    description: a model that was deleted long ago
    columns:
      - name: id
        tests: [unique]

seeds:
  - name: raw_refunds
    description: a seed that is gone

snapshots:
  - name: customers_snapshot
    description: a snapshot that is gone
"""


def warning_block(text, path, line, col, msg, src):
    """The exact warning, its source line and its caret column."""
    head = f"{path}:{line}:{col}: warning: {msg}\n {line} | {src}\n"
    assert head in text, f"missing warning {head!r} in:\n{text}"
    after = text[text.index(head) + len(head):].splitlines()[0]
    assert after.index("^") - after.index("|") - 2 == col - 1, after


@pytest.mark.feature("lenient.stale_entries")
def test_stale_properties_entries_warn_and_the_build_goes_on(wh):
    w = wh("jaffle_shop")
    w.p.write("models/stale.yml", "version: 2\n\nmodels:" + STALE)
    r = w.xform("build", expect=0)
    warning_block(r.text, "models/stale.yml", 4, 11,
                  "'models' describes unknown model 'orders_v0', ignored (did you mean "
                  "'orders'?)", "  - name: orders_v0")
    assert "hint: a model's name is its .sql file name without '.sql'" in r.text, r
    warning_block(r.text, "models/stale.yml", 11, 11,
                  "'seeds' describes unknown seed 'raw_refunds', ignored", "  - name: raw_refunds")
    warning_block(r.text, "models/stale.yml", 15, 11,
                  "'snapshots' describes unknown snapshot 'customers_snapshot', ignored",
                  "  - name: customers_snapshot")
    assert " error" not in r.text.replace("ERROR=0", ""), r
    # everything else was built and tested; the stale entry's test was never made
    assert w.scalar("select count(*) from customers") == 100
    assert w.scalar("select count(*) from orders") == 99
    assert "orders_v0" not in w.p.read("target/manifest.json")


@pytest.mark.feature("lenient.debug")
def test_debug_shows_project_errors_as_warnings_and_tests_the_connection(wh):
    w = wh("jaffle_shop")
    w.p.write("models/broken.sql", "select *\nfrom {{ ref('orders') ) }}\n")
    w.p.write("models/stale.yml", "version: 2\nmodels:\n  - name: gone\n")
    r = w.xform("debug", expect=0)
    warning_block(r.text, "models/broken.sql", 2, 23, "expected '}}', got ')'",
                  "from {{ ref('orders') ) }}")
    warning_block(r.text, "models/stale.yml", 3, 11,
                  "'models' describes unknown model 'gone', ignored", "  - name: gone")
    assert "connection test: OK" in r.out, r
    assert ("The connection works; the project has 1 problem (the warnings above: "
            "`xform parse` reports them as errors)") in r.out, r
    assert "All checks passed" not in r.out, r
    # the same project is an error everywhere else
    r = w.xform("parse", expect=2)
    assert "models/broken.sql:2:23: error: expected '}}', got ')'" in r.text, r


@pytest.mark.feature("lenient.debug")
def test_debug_with_an_unreadable_target_is_still_an_error(jaffle):
    jaffle.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
                 "      type: postgress\n")
    r = jaffle.xform("debug", "--profiles-dir", str(jaffle.dir), expect=2)
    assert "profiles.yml:5:13: error: unknown adapter type 'postgress'" in r.text, r
    assert "1 error: the target could not be read" in r.err, r
    assert "connection test" not in r.out, r


@pytest.mark.feature("lenient.missing_column")
def test_a_test_on_a_missing_column_fails_at_run_time(wh):
    """As dbt: a data test on a column the model does not have is that
    test's error when it runs (the database says so); everything else
    builds and passes."""
    w = wh("jaffle_shop")
    w.p.edit("models/schema.yml", "      - name: customer_id\n",
             "      - name: customer_idd\n        tests: [not_null]\n"
             "      - name: customer_id\n")
    r = w.xform("build", expect=1)
    rr = {x["unique_id"].split(".")[2]: x for x in w.p.json("target/run_results.json")["results"]}
    bad = {k: v["status"] for k, v in rr.items() if v["status"] not in ("success", "pass")}
    assert bad == {"not_null_customers_customer_idd": "error"}, bad
    assert "customer_idd" in rr["not_null_customers_customer_idd"]["message"]
    assert "Error in test not_null_customers_customer_idd (models/schema.yml)" in r.out
    assert w.scalar(f"select count(*) from {w.rel('customers')}") == 100
