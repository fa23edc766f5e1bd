# SPDX-License-Identifier: MIT
"""dbt 1.8 unit tests (`unit_tests:` in YAML) on SQLite and PostgreSQL from
the same code: each given input becomes a CTE (no real table is read or
written), rows as dict, csv or sql (inline or a tests/fixtures file), the
overrides (is_incremental, vars, env_vars) and `this`; expected vs actual
is a multiset over the expected columns. A failure prints the differing
rows; in `build` a failing unit test skips its model and what is built
from it. Every broken definition is a located error, exit 2.

fixtures/projects/unit (project `unit`): seeds raw_orders and regions;
stg_orders (from raw_orders), customer_totals (from stg_orders, leaves
cancelled orders out), region_totals (customer_totals joined to the seed
regions), orders_incr (incremental), labelled (a var and an env_var);
models/unit_tests.yml holds six passing unit tests."""

import textwrap

import pytest

from conftest import parse_diags
from test_artifacts import validate_dbt
from warehouse import wh  # noqa: F401  (the fixture)

PASSING = ["totals_dict", "totals_csv", "totals_sql", "regions_seed_default",
           "incremental_new_rows", "overrides_vars_env"]

FAILING = """\
version: 2
unit_tests:
  - name: totals_wrong
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 10, amount: 5, status: placed}
          - {id: 2, customer_id: 10, amount: 7, status: shipped}
          - {id: 3, customer_id: 20, amount: 4, status: cancelled}
    expect:
      rows:
        - {customer_id: 10, n_orders: 2, total: 13}
        - {customer_id: 20, n_orders: 1, total: 4}
"""


@pytest.fixture
def unit(wh):
    return wh("projects/unit")


def statuses(project):
    rr = project.json("target/run_results.json")
    return {r["unique_id"]: r["status"] for r in rr["results"]}


@pytest.mark.feature("unit_tests")
def test_unit_tests_pass_without_touching_tables(unit):
    r = unit.xform("test", "--select", "test_type:unit", expect=0)
    assert "Found 5 models, 2 seeds, 0 data tests, 0 snapshots, 0 sources, 0 macros, " \
        "6 unit tests" in r.out
    assert r.summary()["PASS"] == len(PASSING) and r.summary()["TOTAL"] == len(PASSING)
    for name in PASSING:
        assert f"PASS {name} " in r.out
    # inputs are CTEs: nothing was read from or written to the warehouse
    assert unit.relations() == {}
    st = statuses(unit.p)
    assert st == {f"unit_test.unit.{m}.{n}": "pass" for m, n in [
        ("customer_totals", "totals_dict"), ("customer_totals", "totals_csv"),
        ("customer_totals", "totals_sql"), ("region_totals", "regions_seed_default"),
        ("orders_incr", "incremental_new_rows"), ("labelled", "overrides_vars_env")]}
    sql = unit.p.read("target/compiled/unit/models/unit_tests.yml/totals_dict.sql")
    assert "__xform__unit__0_stg_orders" in sql and unit.rel("stg_orders") not in sql


@pytest.mark.feature("unit_tests")
def test_unit_tests_typed_by_existing_inputs(unit):
    """Once the inputs exist their column types are used (a CAST on
    Postgres, numbers for numeric columns on SQLite): the same tests pass."""
    unit.xform("build", "--exclude", "test_type:unit", expect=0)
    r = unit.xform("test", "--select", "test_type:unit", expect=0)
    assert r.summary()["PASS"] == len(PASSING)
    sql = unit.p.read("target/compiled/unit/models/unit_tests.yml/totals_csv.sql")
    # csv cells are text: cast to the input's types (numbers on SQLite, whose
    # CAST to a declared type could change a value)
    if unit.kind == "postgres":
        assert 'CAST(\'1\' AS bigint) as "id"' in sql and 'CAST(\'placed\' AS text)' in sql
    else:
        assert 'select 1 as "id", 10 as "customer_id"' in sql and "'placed'" in sql


@pytest.mark.feature("unit_tests")
def test_failing_unit_test_shows_diff(unit):
    unit.p.write("models/failing.yml", FAILING)
    r = unit.xform("test", "--select", "unit_test:totals_wrong", expect=1)
    assert r.summary() == {"PASS": 0, "WARN": 0, "ERROR": 1, "SKIP": 0, "TOTAL": 1}
    assert "Failure in unit_test totals_wrong (models/failing.yml)" in r.out
    assert "2 expected rows missing, 1 unexpected row returned" in r.out
    lines = [ln.split("  ", 1)[1] if "  " in ln else ln for ln in r.out.splitlines()]
    body = "\n".join(lines)
    assert "customer_id | n_orders | total" in body
    assert "- 10          | 2        | 13" in body
    assert "+ 10          | 2        | 12" in body
    assert "- 20          | 1        | 4" in body
    assert statuses(unit.p) == {"unit_test.unit.customer_totals.totals_wrong": "fail"}


@pytest.mark.feature("unit_tests")
def test_build_skips_model_of_failing_unit_test(unit):
    unit.p.write("models/failing.yml", FAILING)
    r = unit.xform("build", expect=1)
    st = statuses(unit.p)
    assert st["unit_test.unit.customer_totals.totals_wrong"] == "fail"
    assert st["unit_test.unit.customer_totals.totals_dict"] == "pass"
    # the model waits for its unit tests: a failing one skips it and its children
    assert st["model.unit.customer_totals"] == "skipped"
    assert st["model.unit.region_totals"] == "skipped"
    assert st["unit_test.unit.region_totals.regions_seed_default"] == "skipped"
    assert st["model.unit.stg_orders"] == "success"
    assert st["model.unit.orders_incr"] == "success"
    rels = unit.relations()
    assert "customer_totals" not in rels and "region_totals" not in rels
    assert {"stg_orders", "orders_incr", "labelled", "raw_orders"} <= set(rels)
    # unit tests ran before their model
    order = [ln for ln in r.out.splitlines() if " START " in ln]
    ut = next(i for i, ln in enumerate(order) if "labelled::overrides_vars_env" in ln)
    model = next(i for i, ln in enumerate(order) if "model" in ln and ".labelled" in ln)
    assert ut < model

    unit.p.path("models/failing.yml").unlink()
    unit.xform("build", expect=0)
    assert unit.rows("select customer_id, n_orders, total from customer_totals "
                     "order by customer_id") == [(10, 2, 12), (30, 1, 9)]


@pytest.mark.feature("unit_tests")
def test_unit_test_selection(unit):
    def ls(*args):
        return unit.p.xform("ls", *args, expect=0).out.split()

    assert ls("--select", "unit_test:totals_csv") == ["unit_test:unit.customer_totals.totals_csv"]
    assert ls("--select", "test_type:unit", "--output", "name") == PASSING
    assert ls("--select", "tag:unit_smoke", "--output", "name") == ["totals_dict"]
    assert ls("--select", "resource_type:unit_test", "--output", "name") == PASSING
    # a model selects its unit tests in test (as dbt's indirect selection)
    r = unit.xform("test", "--select", "labelled", expect=0)
    assert r.summary()["TOTAL"] == 1 and "PASS overrides_vars_env" in r.out
    m = unit.p.json("target/manifest.json")
    validate_dbt(m, "manifest_v12.json")
    validate_dbt(unit.p.json("target/run_results.json"), "run-results_v6.json")
    ut = m["unit_tests"]["unit_test.unit.customer_totals.totals_dict"]
    assert ut["model"] == "customer_totals" and ut["resource_type"] == "unit_test"
    assert ut["depends_on"]["nodes"] == ["model.unit.customer_totals"]
    assert ut["config"]["tags"] == ["unit_smoke"]
    assert ut["given"][0]["input"] == "ref('stg_orders')"
    assert "unit_test.unit.customer_totals.totals_dict" in m["child_map"]["model.unit.customer_totals"]


BAD = """\
version: 2
unit_tests:
  - name: bad_model
    model: custmer_totals
    given: []
    expect: {rows: []}
  - name: bad_input
    model: labelled
    given:
      - input: ref('stg_order')
        rows: []
      - input: ref('stg_orders')
        rows: []
    expect: {rows: []}
  - name: bad_seed_col
    model: region_totals
    given:
      - input: ref('customer_totals')
        rows: []
      - input: ref('regions')
        rows:
          - {customer_id: 1, regon: x}
    expect: {rows: []}
"""


@pytest.mark.feature("unit_tests")
def test_bad_unit_tests_are_located_errors(unit):
    unit.p.write("models/bad.yml", BAD)
    r = unit.xform("build", expect=2)
    d = {x.msg: x for x in parse_diags(r.text)}
    msg = ("unit test 'bad_model' depends on a node named 'custmer_totals' which was not found "
           "(did you mean 'customer_totals'?)")
    assert msg in d and (d[msg].path, d[msg].line, d[msg].col) == ("models/bad.yml", 4, 12)
    msg = ("unit test 'bad_input' gives rows for ref('stg_order'), which model 'labelled' does "
           "not read (did you mean ref('stg_orders')?)")
    assert msg in d and (d[msg].line, d[msg].col) == (10, 16)
    msg = ("unit test 'bad_seed_col' gives column 'regon' for ref('regions'), which has no "
           "such column (did you mean 'region'?)")
    assert msg in d and d[msg].line == 22
    assert unit.untouched()


@pytest.mark.feature("unit_tests")
@pytest.mark.parametrize("yaml,want", [
    ("  - name: t\n    model: labelled\n    givn: []\n    expect: {rows: []}\n",
     "unknown key 'givn' in a unit test (did you mean 'given'?)"),
    ("  - name: t\n    model: labelled\n    given:\n      - input: stg_orders\n"
     "    expect: {rows: []}\n",
     "input 'stg_orders' is not ref(...), source(...) or this"),
    ("  - name: t\n    model: labelled\n    given: []\n    expect: {format: json, rows: []}\n",
     "unknown rows format 'json'"),
    ("  - name: t\n    model: labelled\n    given:\n      - input: ref('stg_orders')\n"
     "        format: csv\n        fixture: nope\n    expect: {rows: []}\n",
     "fixture 'nope' was not found"),
    ("  - name: t\n    model: labelled\n    given: []\n    expect: {rows: []}\n",
     "unit test 't' gives no rows for ref('stg_orders'), which model 'labelled' reads"),
])
def test_unit_test_definition_errors(unit, yaml, want):
    unit.p.write("models/bad.yml", "version: 2\nunit_tests:\n" + yaml)
    r = unit.xform("test", expect=2)
    diags = parse_diags(r.text)
    assert any(x.msg.startswith(want) and x.path == "models/bad.yml" for x in diags), r.text
    assert unit.untouched()


@pytest.mark.feature("unit_tests")
def test_unit_test_on_source_and_runtime_column_check(unit):
    """A source input is a CTE too; once an input exists, rows naming a
    column it does not have fail that unit test (its columns are known)."""
    unit.p.write("models/src.yml", textwrap.dedent("""\
        version: 2
        sources:
          - name: raw
            schema: "{{ target.schema }}"
            tables:
              - name: raw_orders
        unit_tests:
          - name: from_source
            model: src_amounts
            given:
              - input: source('raw', 'raw_orders')
                rows:
                  - {id: 1, amount: 3}
                  - {id: 2, amount: 4}
            expect:
              rows:
                - {total: 7}
          - name: bad_column
            model: src_amounts
            given:
              - input: source('raw', 'raw_orders')
                rows:
                  - {id: 1, amont: 3}
            expect:
              rows: []
        """))
    unit.p.write("models/src_amounts.sql",
                 "select sum(amount) as total from {{ source('raw', 'raw_orders') }}\n")
    r = unit.xform("test", "--select", "unit_test:from_source", expect=0)
    assert "PASS from_source" in r.out
    unit.xform("seed", expect=0)
    r = unit.xform("test", "--select", "src_amounts", expect=1)
    assert "PASS from_source" in r.out
    assert ("unit test 'bad_column' gives column 'amont' for source('raw', 'raw_orders'), "
            "which has no such column (did you mean 'amount'?)") in r.out


@pytest.mark.feature("unit_tests")
def test_unit_tests_of_disabled_model_or_config_are_disabled(unit):
    unit.p.write("models/labelled.sql",
                 "{{ config(enabled=false) }}\nselect id from {{ ref('stg_orders') }}\n")
    unit.p.edit("models/unit_tests.yml", "  - name: totals_csv\n",
                "  - name: totals_csv\n    config:\n      enabled: false\n")
    r = unit.xform("test", "--select", "test_type:unit", expect=0)
    assert r.summary()["PASS"] == len(PASSING) - 2
    assert "overrides_vars_env" not in r.out and "totals_csv" not in r.out
    m = unit.p.json("target/manifest.json")
    validate_dbt(m, "manifest_v12.json")
    assert "unit_test.unit.labelled.overrides_vars_env" in m["disabled"]
    assert "unit_test.unit.customer_totals.totals_csv" in m["disabled"]
    assert "unit_test.unit.customer_totals.totals_csv" not in m["unit_tests"]


@pytest.mark.feature("unit_tests")
def test_unit_tests_project_file_config(unit):
    """unit_tests: in the project file, by fqn [project, model, test]: a
    model's unit tests disabled there are not run; tags select."""
    unit.p.edit("dbt_project.yml", "models:", """unit_tests:
  unit:
    +tags: ['from_project']
    customer_totals:
      +enabled: false
models:""")
    r = unit.xform("test", "--select", "tag:from_project", expect=0)
    assert "totals_dict" not in r.out and "totals_csv" not in r.out, r
    assert "PASS regions_seed_default" in r.out, r
    m = unit.p.json("target/manifest.json")
    assert "unit_test.unit.customer_totals.totals_dict" in m["disabled"]
    assert m["unit_tests"]["unit_test.unit.region_totals.regions_seed_default"]["config"][
        "tags"] == ["from_project"]
