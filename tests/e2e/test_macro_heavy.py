# SPDX-License-Identifier: MIT
"""The macro-heavy project (fixtures/macro_heavy) compiles to exactly the SQL
we expect: dispatch, call/statement, run_query over a real table, namespace,
block set, nested macros with keyword arguments, a generate_schema_name
override and a var whose value is Jinja. Then it runs, and the tables hold
what that SQL computes."""

PIVOT = """
select
    sum(case when method = 'bank' then round(1.0 * amount / 100, 1) else 0 end) as bank_amount,
    sum(case when method = 'card' then round(1.0 * amount / 100, 1) else 0 end) as card_amount,
    sum(case when method = 'coupon' then round(1.0 * amount / 100, 1) else 0 end) as coupon_amount
from "main"."payments"
"""

STATS = """select 4 as n_payments, 80 as total, 3 as n_big,
    'a' || '-' || 'b' as joined
"""

LABELLED = """
with base as (
        select p.id as ID, p.method as METHOD from "main"."payments" p
    )
    select * from base
-- payments in EU from orders_eu
"""

# generate_schema_name is overridden: the custom schema is used as given
MART = 'select * from "main"."stats"\n'


def test_macro_heavy_project_compiles_to_the_expected_sql(make_project):
    p = make_project("macro_heavy")
    p.xform("seed", expect=0)  # run_query and statement read this table at compile time
    p.xform("compile", expect=0)
    out = "target/compiled/macro_heavy/models/"
    assert p.read(out + "pivot.sql") == PIVOT
    assert p.read(out + "stats.sql") == STATS
    assert p.read(out + "labelled.sql") == LABELLED
    assert p.read(out + "marts/mart.sql") == MART
    m = p.json("target/manifest.json")
    assert m["nodes"]["model.macro_heavy.mart"]["schema"] == "marts"


def test_macro_heavy_project_runs(make_project):
    p = make_project("macro_heavy")
    p.xform("seed", expect=0)
    r = p.xform("run", expect=0)
    assert r.summary() == {"PASS": 4, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 4}
    assert p.rows("select bank_amount, card_amount, coupon_amount from pivot") == [(0.1, 0.5, 0.3)]
    assert p.rows("select * from stats") == [(4, 80, 3, "a-b")]
    assert p.rows("select * from mart", schema="marts") == [(4, 80, 3, "a-b")]
    assert p.rows("select * from labelled order by ID") == [
        (1, "card"), (2, "coupon"), (3, "card"), (4, "bank")]
