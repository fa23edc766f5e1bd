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


# Every other definition error, each located in models/bad.yml (only parsed:
# no warehouse is touched, so SQLite alone).
BAD_DEFS = [
    ("exposures: {a: 1}", "'exposures' must be a list"),
    ("exposures: [x]", "an entry of 'exposures' must be a mapping"),
    ("exposures: [{type: dashboard}]", "an exposure needs a 'name'"),
    ("exposures: [{name: e, type: dashboard}]", "an exposure needs an 'owner' (name or email)"),
    ("exposures: [{name: e, type: dashboard, owner: x}]", "'owner' must be a mapping"),
    ("exposures: [{name: e, type: dashboard, owner: {email: a}, depends_on: x}]",
     "'depends_on' must be a list"),
    ("exposures: [{name: e, type: dashboard, owner: {email: a}, depends_on: [orders]}]",
     "'depends_on' entries are ref(...), source(...) or metric(...)"),
    ("exposures: [{name: e, type: dashboard, owner: {email: a}, url: [x]}]",
     "'url' must be a string"),
    ("exposures: [{name: e, type: dashboard, owner: {email: a}}, "
     "{name: e, type: dashboard, owner: {email: a}}]", "duplicate exposure name 'e'"),
    ("metrics: [{name: m, type: simple, type_params: {measure: amount_sum}}]",
     "metric 'm' needs a 'label'"),
    ("metrics: [{name: m, label: M, type: simple}]", "simple metric 'm' needs type_params.measure"),
    ("metrics: [{name: m, label: M, type: simple, type_params: {measure: {alias: x}}}]",
     "a measure needs a 'name'"),
    ("metrics: [{name: m, label: M, type: simple, type_params: {measure: [x]}}]",
     "a measure must be a name"),
    ("metrics: [{name: m, label: M, type: ratio, type_params: {numerator: {alias: x}}}]",
     "a metric input needs a 'name'"),
    ("metrics: [{name: m, label: M, type: derived, type_params: {metrics: x}}]",
     "'metrics' must be a list"),
    ("metrics: [{name: m, label: M, type: cumulative, type_params: {measure: amount_sum, "
     "window: soon}}]", "a window must be a count and a granularity"),
    ("metrics: [{name: m, label: M, type: simple, filter: [[x]], type_params: "
     "{measure: amount_sum}}]", "a filter must be a string"),
    ("metrics: [{name: m, label: M, type: simple, type_params: {mesure: amount_sum}}]",
     "unknown key 'mesure' in type_params (did you mean 'measure'?)"),
    ("semantic_models: [{name: s}]", "semantic model 's' needs a 'model' (ref(...))"),
    ("semantic_models: [{name: s, model: orders}]", "'model' of a semantic model must be ref(...)"),
    ("semantic_models: [{name: s, model: \"ref('orders')\", measures: x}]",
     "'measures' must be a list"),
    ("semantic_models: [{name: s, model: \"ref('orders')\", measures: [{agg: sum}]}]",
     "an entry of 'measures' needs a 'name'"),
    ("semantic_models: [{name: s, model: \"ref('orders')\", entities: [{name: e, type: pk}]}]",
     "'type' cannot be 'pk'"),
    ("semantic_models: [{name: s, model: \"ref('orders')\", dimensions: [{name: d, type: time, "
     "type_params: {granularity: day}}]}]",
     "unknown key 'granularity' in type_params"),
    ("saved_queries: [{name: q}]", "saved query 'q' needs 'query_params'"),
    ("saved_queries: [{name: q, query_params: {metrics: x}}]",
     "'metrics' must be a list of metric names"),
    ("saved_queries: [{name: q, query_params: {metrics: []}, exports: x}]",
     "'exports' must be a list"),
    ("saved_queries: [{name: q, query_params: {metrics: []}, exports: [{name: x, config: "
     "{export_as: cte}}]}]", "'export_as' cannot be 'cte'"),
    ("unit_tests: x", "'unit_tests' must be a list"),
    ("unit_tests: [x]", "an entry of 'unit_tests' must be a mapping"),
    ("unit_tests: [{model: orders}]", "a unit test needs a 'name'"),
    ("unit_tests: [{name: t}]", "unit test 't' needs a 'model'"),
    ("unit_tests: [{name: t, model: orders, given: []}]",
     "unit test 't' needs 'expect' (the rows it expects)"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: x}]",
     "'expect' must be a mapping with 'rows'"),
    ("unit_tests: [{name: t, model: orders, given: x, expect: {rows: []}}]",
     "'given' must be a list of inputs"),
    ("unit_tests: [{name: t, model: orders, given: [x], expect: {rows: []}}]",
     "a given input must be a mapping with 'input'"),
    ("unit_tests: [{name: t, model: orders, given: [{rows: []}], expect: {rows: []}}]",
     "a given input needs 'input' (ref(...) or source(...))"),
    ("unit_tests: [{name: t, model: orders, config: x, given: [], expect: {rows: []}}]",
     "'config' must be a mapping"),
    ("unit_tests: [{name: t, model: orders, config: {tag: x}, given: [], expect: {rows: []}}]",
     "unknown key 'tag' in a unit test's config (did you mean 'tags'?)"),
    ("unit_tests: [{name: t, model: orders, overrides: x, given: [], expect: {rows: []}}]",
     "'overrides' must be a mapping"),
    ("unit_tests: [{name: t, model: orders, overrides: {var: {}}, given: [], expect: {rows: []}}]",
     "unknown key 'var' in overrides (did you mean 'vars'?)"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: {rows: x}}]",
     "rows in format dict must be a list of mappings (column: value)"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: {rows: [x]}}]",
     "a row must be a mapping of column to value"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: {format: csv, rows: [x]}}]",
     "rows in format csv must be a string"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: {format: csv, rows: a, "
     "fixture: f}}]", "give either 'rows' or 'fixture', not both"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: {fixture: f}}]",
     "a fixture file is csv or sql: add 'format: csv' or 'format: sql'"),
    ("unit_tests: [{name: t, model: orders, given: [], expect: {rows: []}}, "
     "{name: t, model: orders, given: [], expect: {rows: []}}]",
     "duplicate unit test 't' of model 'orders'"),
]


@pytest.mark.feature("exposures")
@pytest.mark.parametrize("yaml,want", BAD_DEFS, ids=[w[:40] for _, w in BAD_DEFS])
def test_definition_errors(make_project, yaml, want):
    p = make_project("projects/semantic")
    p.write("models/bad.yml", "version: 2\n" + yaml + "\n")
    r = p.xform("parse", expect=2)
    diags = parse_diags(r.text)
    assert any(d.msg.startswith(want) and d.path == "models/bad.yml" for d in diags), r.text


@pytest.mark.feature("exposures")
def test_graph_context_has_them(make_project):
    """dbt's `graph` in templates: graph.exposures, graph.metrics ... by
    unique id with their manifest members; graph.nodes keeps only nodes."""
    p = make_project("projects/semantic")
    p.write("models/probe.sql", """\
{%- if execute -%}
{%- set e = graph.exposures["exposure.sem.weekly_report"] -%}
select '{{ e.owner.email }}|{{ e.depends_on.nodes | join(",") }}|{{ graph.metrics | length }}|\
{{ graph.semantic_models | length }}|{{ graph.saved_queries | length }}|\
{{ graph.nodes.values() | selectattr("resource_type", "equalto", "exposure") | list | length }}|\
{{ graph.metrics["metric.sem.order_total"].type_params.measure.name }}' as x
{%- else -%}
select 1 as x
{%- endif %}
""")
    p.xform("compile", "-s", "probe", expect=0)
    sql = p.read("target/compiled/sem/models/probe.sql")
    assert ("'data@example.com|model.sem.customers,model.sem.orders,metric.sem.order_total|3|1|1|0|"
            "amount_sum' as x") in sql, sql


@pytest.mark.feature("exposures")
def test_project_file_configs_apply(make_project):
    """exposures:, metrics:, semantic-models:, saved-queries: trees in the
    project file configure them as models: are applied to models (by fqn,
    the YAML's own config on top); a path that matches nothing warns."""
    p = make_project("projects/semantic")
    p.edit("dbt_project.yml", "models:", """exposures:
  sem:
    +tags: ['from_project']
    +meta: {team: bi}
metrics:
  sem:
    amount_per_order:
      +enabled: false
    no_such_metric:
      +enabled: true
semantic-models:
  sem:
    +meta: {area: sales}
saved-queries:
  sem:
    +enabled: false
models:""")
    r = p.xform("parse", expect=0)
    assert "not supported by xform yet" not in r.err, r
    assert "the config path 'metrics.sem.no_such_metric' matches no resource" in r.err, r
    m = p.json("target/manifest.json")
    e = m["exposures"][EXPOSURE]
    assert e["config"]["tags"] == ["from_project", "finance"] and e["tags"] == e["config"]["tags"]
    assert e["config"]["meta"] == {"team": "bi"}
    assert "metric.sem.amount_per_order" in m["disabled"]
    assert "metric.sem.amount_per_order" not in m["metrics"]
    assert m["semantic_models"][SM]["config"]["meta"] == {"area": "sales"}
    assert SQ in m["disabled"] and SQ not in m["saved_queries"]
    listed = p.xform("ls", "--resource-type", "metric", expect=0).out
    assert "order_total" in listed and "amount_per_order" not in listed, listed
    # what others depend on, disabled there: a located error that says so
    p.edit("dbt_project.yml", "    amount_per_order:\n", "    order_total:\n")
    r = p.xform("parse", expect=2)
    assert ("exposure 'weekly_report' depends on a metric named 'order_total' which is disabled"
            in r.err), r
    assert "enable 'order_total' (config enabled=true)" in r.err, r
