# SPDX-License-Identifier: MIT
"""Exposures, metrics, semantic models and saved queries on SQLite and
PostgreSQL from the same code: parsed with dbt's keys (a wrong key is a
located error with "did you mean"), written to manifest.json in dbt's
manifest v12 shape (validated against dbt's own schema), selectable by
name and with graph operators, listed by `ls` and drawn by `lineage`
(an exposure is a leaf downstream of its models).

fixtures/projects/semantic (project `sem`): seed raw_orders; models
orders (from it), customers (from orders) and unrelated; models/semantic.yml
has the exposure weekly_report (on customers, orders and the metric
order_total), the semantic model orders_sm (on orders, measures amount_sum
and order_count), metrics order_total, orders_placed and amount_per_order
(a ratio of the two), and the saved query daily_totals."""

import pytest

from conftest import parse_diags
from test_artifacts import validate_dbt
from warehouse import wh  # noqa: F401  (the fixture)

EXPOSURE = "exposure.sem.weekly_report"
SM = "semantic_model.sem.orders_sm"
METRICS = ["metric.sem.order_total", "metric.sem.orders_placed", "metric.sem.amount_per_order"]
SQ = "saved_query.sem.daily_totals"


@pytest.fixture
def sem(wh):
    return wh("projects/semantic")


def ls(w, *args):
    return w.p.xform("ls", *args, expect=0).out.split()


@pytest.mark.feature("exposures")
def test_manifest_has_semantic_resources(sem):
    sem.xform("build", expect=0)
    m = sem.p.json("target/manifest.json")
    validate_dbt(m, "manifest_v12.json")
    assert list(m["exposures"]) == [EXPOSURE]
    assert list(m["semantic_models"]) == [SM]
    assert list(m["metrics"]) == METRICS
    assert list(m["saved_queries"]) == [SQ]
    e = m["exposures"][EXPOSURE]
    assert e["type"] == "dashboard" and e["maturity"] == "high"
    assert e["owner"] == {"email": "data@example.com", "name": "Data team"}
    assert e["depends_on"]["nodes"] == ["model.sem.customers", "model.sem.orders",
                                        "metric.sem.order_total"]
    assert e["metrics"] == [["order_total"]] and e["tags"] == ["finance"]
    s = m["semantic_models"][SM]
    assert s["depends_on"]["nodes"] == ["model.sem.orders"]
    assert s["node_relation"]["alias"] == "orders"
    assert s["node_relation"]["schema_name"] == sem.schema
    assert [x["name"] for x in s["measures"]] == ["amount_sum", "order_count"]
    assert s["measures"][1]["expr"] == "1"
    total = m["metrics"]["metric.sem.order_total"]
    assert total["type_params"]["measure"]["name"] == "amount_sum"
    assert total["depends_on"]["nodes"] == [SM]
    ratio = m["metrics"]["metric.sem.amount_per_order"]
    assert ratio["type_params"]["numerator"]["name"] == "order_total"
    assert ratio["depends_on"]["nodes"] == ["metric.sem.order_total", "metric.sem.orders_placed"]
    placed = m["metrics"]["metric.sem.orders_placed"]
    assert placed["filter"] == {"where_filters": [
        {"where_sql_template": "{{ Dimension('order__ordered_at') }} is not null"}]}
    q = m["saved_queries"][SQ]
    assert q["query_params"]["metrics"] == ["order_total", "orders_placed"]
    assert q["exports"][0]["config"]["schema_name"] == "exports"
    assert sorted(q["depends_on"]["nodes"]) == METRICS[:2]
    assert EXPOSURE in m["child_map"]["model.sem.orders"]
    assert m["parent_map"][EXPOSURE] == sorted(e["depends_on"]["nodes"])


@pytest.mark.feature("exposures")
def test_select_semantic_resources(sem):
    assert ls(sem, "--select", "exposure:weekly_report") == ["exposure:sem.weekly_report"]
    assert ls(sem, "--select", "metric:order_*", "--output", "name") == ["order_total"]
    assert ls(sem, "--select", "semantic_model:orders_sm") == ["semantic_model:sem.orders_sm"]
    assert ls(sem, "--select", "saved_query:daily_totals") == ["saved_query:sem.daily_totals"]
    assert ls(sem, "--select", "+exposure:weekly_report", "--output", "name") == [
        "customers", "orders", "raw_orders", "weekly_report", "orders_sm", "order_total"]
    assert ls(sem, "--resource-type", "metric", "--output", "name") == [
        "order_total", "orders_placed", "amount_per_order"]
    # run builds what an exposure needs, and nothing else
    sem.xform("seed", expect=0)
    r = sem.xform("run", "--select", "+exposure:weekly_report", expect=0)
    assert r.summary()["TOTAL"] == 2
    rels = sem.relations()
    assert "unrelated" not in rels and {"orders", "customers"} <= set(rels)


@pytest.mark.feature("exposures")
def test_lineage_shows_exposure_as_leaf(sem):
    out = sem.p.xform("lineage", "--select", "+exposure:weekly_report", expect=0).out
    assert "weekly_report (exposure)" in out
    assert "orders_sm (semantic_model)" in out and "order_total (metric)" in out
    dot = sem.p.xform("lineage", "--format", "mermaid", expect=0).out
    assert ":::exposure" in dot and ":::metric" in dot


@pytest.mark.feature("exposures")
@pytest.mark.parametrize("old,new,want,line", [
    ("    type: dashboard", "    typ: dashboard",
     "unknown key 'typ' in an exposure (did you mean 'type'?)", 6),
    ("      - ref('customers')", "      - ref('custmers')",
     "exposure 'weekly_report' depends on a node named 'custmers' which was not found "
     "(did you mean 'customers'?)", 14),
    ("      - metric('order_total')", "      - metric('order_totl')",
     "exposure 'weekly_report' depends on a metric named 'order_totl' which was not found "
     "(did you mean 'order_total'?)", 16),
    ("    maturity: high", "    maturity: hihg",
     "'maturity' cannot be 'hihg' (did you mean 'high'?)", 7),
    ("        agg: sum", "        agg: summ", "'agg' cannot be 'summ' (did you mean 'sum'?)", 39),
    ("      measure: amount_sum", "      measure: amount_summ",
     "metric 'order_total' depends on a measure named 'amount_summ' which was not found", 51),
    ("    model: ref('orders')", "    model: ref('ordrs')",
     "semantic model 'orders_sm' depends on a node named 'ordrs' which was not found "
     "(did you mean 'orders'?)", 22),
    ("      metrics: [order_total, orders_placed]", "      metrics: [order_total, orders_plcd]",
     "saved query 'daily_totals' depends on a metric named 'orders_plcd' which was not found "
     "(did you mean 'orders_placed'?)", 69),
])
def test_bad_semantic_yaml_is_located_error(sem, old, new, want, line):
    sem.p.edit("models/semantic.yml", old, new)
    r = sem.xform("build", expect=2)
    diags = parse_diags(r.text)
    hit = [d for d in diags if d.msg.startswith(want)]
    assert hit, r.text
    assert (hit[0].path, hit[0].line) == ("models/semantic.yml", line)
    assert sem.untouched()
