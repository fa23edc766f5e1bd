# SPDX-License-Identifier: MIT
"""The macro-heavy project (fixtures/macro_heavy) compiles to exactly the SQL
we expect, on SQLite and on PostgreSQL: dispatch (the postgres__ variant
on Postgres, default__ elsewhere), call/statement, run_query over a real
table, namespace, block set, nested macros with keyword arguments, a
generate_schema_name override and a var whose value is Jinja. Then it
runs, and the tables hold what that SQL computes.

The relation names in the SQL are the target's: "main"."x" on SQLite,
"<test schema>"."x" on Postgres. The mart's custom schema comes from the
var marts_schema ('marts' on SQLite; on Postgres one per test run, as
the server is shared), and the override uses it as given."""

import pytest

from test_seeds_csv import drop_schemas, loaded_project
from wh_util import qualified, table_rows

OUT = "target/compiled/macro_heavy/models/"


def pivot(w):
    return f"""
select
    sum(case when method = 'bank' then round(1.0 * amount / 100, 1) else 0 end) as bank_amount,
    sum(case when method = 'card' then round(1.0 * amount / 100, 1) else 0 end) as card_amount,
    sum(case when method = 'coupon' then round(1.0 * amount / 100, 1) else 0 end) as coupon_amount
from {qualified(w, "payments")}
"""


# dispatch: Postgres has a variant of its own, SQLite takes default__
JOINED = {"sqlite": "'a' || '-' || 'b'", "postgres": "concat_ws('-', 'a', 'b')"}


def stats(w):
    return f"""select 4 as n_payments, 80 as total, 3 as n_big,
    {JOINED[w.kind]} as joined
"""


def labelled(w):
    return f"""
with base as (
        select p.id as ID, p.method as METHOD from {qualified(w, "payments")} p
    )
    select * from base
-- payments in EU from orders_eu
"""


LABELLED_COLUMNS = {"sqlite": ["ID", "METHOD"], "postgres": ["id", "method"]}


def marts_schema(w):
    return "marts" if w.kind == "sqlite" else f"{w.schema}_marts"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def macro_heavy(request, tmp_path_factory, xform_bin):
    """fixtures/macro_heavy seeded (run_query and statement read the table
    at compile time), compiled (.compiled: {model: SQL}, .compile_manifest)
    and run (.run: that result)."""
    w = loaded_project(request, tmp_path_factory, "macro_heavy")
    try:
        vars_ = ["--vars", f"{{marts_schema: {marts_schema(w)}}}"]
        w.xform("seed", *vars_, expect=0)
        w.xform("compile", *vars_, expect=0)
        w.compiled = {m: w.p.read(OUT + m + ".sql")
                      for m in ("pivot", "stats", "labelled", "marts/mart")}
        w.compile_manifest = w.p.json("target/manifest.json")
        w.run = w.xform("run", *vars_)
        yield w
    finally:
        drop_schemas(w, "_marts")


def test_macro_heavy_project_compiles_to_the_expected_sql(macro_heavy):
    w = macro_heavy
    assert w.compiled["pivot"] == pivot(w)
    assert w.compiled["stats"] == stats(w)
    assert w.compiled["labelled"] == labelled(w)
    # generate_schema_name is overridden: the custom schema is used as given
    assert w.compiled["marts/mart"] == f"select * from {qualified(w, 'stats')}\n"
    mart = w.compile_manifest["nodes"]["model.macro_heavy.mart"]
    assert mart["schema"] == marts_schema(w)
    assert mart["relation_name"] == qualified(w, "mart", marts_schema(w))


def test_macro_heavy_run_compiles_the_same_sql(macro_heavy):
    w = macro_heavy
    assert w.run.rc == 0, str(w.run)
    for m, sql in w.compiled.items():
        assert w.p.read(OUT + m + ".sql") == sql, m


def test_macro_heavy_project_runs(macro_heavy):
    w = macro_heavy
    assert w.run.rc == 0, str(w.run)
    assert w.run.summary() == {"PASS": 4, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 4}
    assert w.rows("select bank_amount, card_amount, coupon_amount from pivot") == \
        [(0.1, 0.5, 0.3)]
    assert w.rows("select * from stats") == [(4, 80, 3, "a-b")]
    assert table_rows(w, "mart", marts_schema(w)) == [(4, 80, 3, "a-b")]
    # the column aliases are upper case in the SQL: Postgres folds them
    assert w.columns("labelled") == LABELLED_COLUMNS[w.kind]
    assert w.rows("select * from labelled order by 1") == [
        (1, "card"), (2, "coupon"), (3, "card"), (4, "bank")]
    assert w.relations() == {"payments": "table", "pivot": "table", "stats": "view",
                             "labelled": "view"}
