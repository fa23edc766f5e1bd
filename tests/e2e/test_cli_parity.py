# SPDX-License-Identifier: MIT
"""Command-line parity with dbt-core 1.10 (issue 18 item 5, docs/cli.md):
run-operation, compile --inline and `compile -s one_node`, --empty,
--warn-error and --warn-error-options, --resource-type and
--exclude-resource-type on build and ls, ls --output-keys,
--indirect-selection (and DBT_INDIRECT_SELECTION), --profile. What builds
or reads relations runs on SQLite and PostgreSQL from the same code."""

import json
import re
import shutil

import pytest

from test_artifacts import validate_dbt
from warehouse import wh  # noqa: F401  (the fixture)

SEEDS = ["raw_customers", "raw_orders", "raw_payments"]
MODELS = ["stg_customers", "stg_orders", "stg_payments", "customers", "orders"]


def stamped(out):
    """stdout without the "HH:MM:SS  " stamps."""
    return re.sub(r"^\d\d:\d\d:\d\d  ", "", out, flags=re.M)


def run_results(w):
    return {x["unique_id"].split(".")[2]: x["status"]
            for x in w.p.json("target/run_results.json")["results"]}


# ---------------------------------------------------------------- run-operation
OPS = """
{% macro make_table(name, n=1) %}
  {% do run_query("create table " ~ target.schema ~ "." ~ name ~ " as select " ~ n ~ " as x") %}
  {% do log("made " ~ name ~ " with " ~ n, info=True) %}
  {% do print("printed " ~ (n * 2)) %}
  {% call statement('c', fetch_result=True) %}
    select count(*) from {{ ref('raw_customers') }}
  {% endcall %}
  {% do log("customers: " ~ load_result('c')['data'][0][0], info=True) %}
  {% do log("execute is " ~ execute, info=True) %}
{% endmacro %}
{% macro boom(why) %}{{ exceptions.raise_compiler_error("kaboom: " ~ why) }}{% endmacro %}
"""


def test_run_operation_runs_the_macro_with_kwargs(wh):
    w = wh("jaffle_shop")
    w.p.write("macros/ops.sql", OPS)
    w.xform("seed", expect=0)
    r = w.xform("run-operation", "make_table", "--args", '{"name": "op_made", "n": 7}', expect=0)
    out = stamped(r.out)
    assert "made op_made with 7\n" in out, r
    assert "printed 14\n" in out, r
    assert "customers: 100\n" in out, r
    assert "execute is True\n" in out, r
    assert w.rows("select x from op_made") == [(7,)]
    # run_results.json as dbt 1.6+ writes it for run-operation: one result
    rr = w.p.json("target/run_results.json")
    validate_dbt(rr, "run-results_v6.json")
    assert [(x["unique_id"], x["status"]) for x in rr["results"]] == \
        [("operation.jaffle_shop.make_table", "success")], rr
    assert rr["args"]["which"] == "run-operation"
    # YAML args too, and the default of a keyword left out
    w.xform("run-operation", "make_table", "--args", "{name: op_yaml}", expect=0)
    assert w.rows("select x from op_yaml") == [(1,)]
    # the project's name as the package
    w.xform("run-operation", "jaffle_shop.make_table", "--args", "name: op_pkg", expect=0)
    assert w.rows("select x from op_pkg") == [(1,)]


def test_run_operation_package_macro(wh):
    w = wh("pkg_loading")
    shutil.copytree(w.p.dir / "mypkg", w.p.dir / "dbt_packages" / "mypkg")
    shutil.rmtree(w.p.dir / "mypkg")
    w.p.write("dbt_packages/mypkg/macros/ops.sql",
              "{% macro pkg_make(name) %}{% do run_query('create table ' ~ target.schema ~ '.' ~ "
              "name ~ ' as select 42 as answer') %}{% do log('package made ' ~ name, info=True) %}"
              "{% endmacro %}\n")
    w.xform("seed", expect=0)  # the schema exists on Postgres
    r = w.xform("run-operation", "mypkg.pkg_make", "--args", "{name: from_pkg}", expect=0)
    assert "package made from_pkg" in r.out, r
    assert w.rows("select answer from from_pkg") == [(42,)]
    # unqualified, a package's macro is found too (after the root project's)
    w.xform("run-operation", "pkg_make", "--args", "{name: from_pkg2}", expect=0)
    assert w.rows("select answer from from_pkg2") == [(42,)]
    r = w.xform("run-operation", "nopkg.pkg_make", expect=2)
    assert "no macro named 'nopkg.pkg_make' (did you mean 'mypkg.pkg_make'?)" in r.err, r


def test_run_operation_bad_input(jaffle):
    jaffle.write("macros/ops.sql", OPS)
    r = jaffle.xform("run-operation", "make_tabel", "--args", "{name: x}", expect=2)
    assert "no macro named 'make_tabel' (did you mean 'make_table'?)" in r.err, r
    r = jaffle.xform("run-operation", "make_table", "--args", "[1, 2]", expect=2)
    assert "--args:1:1: error: --args must be a YAML or JSON mapping" in r.err, r
    r = jaffle.xform("run-operation", "make_table", "--args", "{name: [", expect=2)
    assert "--args" in r.err, r
    r = jaffle.xform("run-operation", expect=2)
    assert "usage: xform run-operation MACRO" in r.err, r
    assert jaffle.db_files() == []  # nothing ran: not even a connection made the file
    # a macro that raises: exit 1, dbt's line, the located message
    r = jaffle.xform("run-operation", "boom", "--args", "{why: on purpose}", expect=1)
    assert "kaboom: on purpose" in r.err, r
    assert "macros/ops.sql:12:25: error: kaboom" in r.err, r
    assert "Encountered an error while running operation" in r.out, r
    rr = jaffle.json("target/run_results.json")
    validate_dbt(rr, "run-results_v6.json")
    [res] = rr["results"]
    assert (res["unique_id"], res["status"]) == ("operation.jaffle_shop.boom", "error"), rr
    assert "kaboom: on purpose" in res["message"], rr
    # --no-write-json: no run_results.json written
    (jaffle.dir / "target" / "run_results.json").unlink()
    jaffle.xform("run-operation", "boom", "--args", "{why: x}", "--no-write-json", expect=1)
    assert not (jaffle.dir / "target" / "run_results.json").exists()


# ---------------------------------------------------------------- compile
def test_compile_inline(wh):
    w = wh("jaffle_shop")
    r = w.xform("compile", "--inline", "select count(*) from {{ ref('raw_customers') }}",
                expect=0)
    out = stamped(r.out)
    assert f"Compiled inline node is:\nselect count(*) from {w.rel('raw_customers')}\n" in out, r
    assert "Compiled 1 node" not in out
    r = w.xform("compile", "--inline", "select {{ 1 + 2 }} as x", "--output", "json", expect=0)
    body = stamped(r.out)
    doc = json.loads(body[body.index("{"):])
    assert doc == {"compiled": "select 3 as x"}
    # an ephemeral model inlines as its CTE, as in a model
    w.p.write("models/eph.sql", "{{ config(materialized='ephemeral') }} select 1 as one")
    r = w.xform("compile", "--inline", "select * from {{ ref('eph') }}", expect=0)
    assert "__xform__cte__eph as (" in r.out and "select * from __xform__cte__eph" in r.out, r
    # a render error: located, exit 1
    r = w.xform("compile", "--inline", "select * from {{ ref('nope') }}", expect=1)
    assert "'nope' was not found" in r.err, r
    r = w.xform("compile", "--inline", "select 1", "-s", "orders", expect=2)
    assert "not both" in r.err
    r = w.xform("compile", "--inline", "select 1", "--output", "yaml", expect=2)
    assert "text or json" in r.err


def test_compile_one_node_prints_its_sql(wh):
    w = wh("jaffle_shop")
    r = w.xform("compile", "-s", "stg_orders", expect=0)
    out = stamped(r.out)
    compiled = w.p.read("target/compiled/jaffle_shop/models/staging/stg_orders.sql")
    assert f"Compiled node 'stg_orders' is:\n{compiled}" in out, r
    assert f"select * from {w.rel('raw_orders')}" in compiled
    # the node the term names, not the others the graph operator adds
    r = w.xform("compile", "-s", "stg_orders+", expect=0)
    assert "Compiled node 'stg_orders' is:" in r.out
    assert "Compiled node 'orders' is:" not in r.out, r
    # two names: both printed; no selection: none
    r = w.xform("compile", "-s", "stg_orders", "customers", expect=0)
    assert r.out.count("Compiled node '") == 2, r
    r = w.xform("compile", expect=0)
    assert "Compiled node '" not in r.out, r
    r = w.xform("compile", "-s", "stg_orders", "--output", "json", expect=0)
    body = stamped(r.out)
    doc = json.loads(body[body.index("{\n"):])
    assert doc == {"node": "stg_orders", "compiled": compiled}


# ---------------------------------------------------------------- --empty
def test_empty_builds_shapes_without_rows(wh):
    w = wh("jaffle_shop")
    w.p.write("models/staging/src.yml",
              "version: 2\nsources:\n  - name: raw\n    schema: " + w.schema +
              "\n    tables:\n      - name: raw_orders\n")
    w.p.write("models/from_source.sql", "select id, status from {{ source('raw', 'raw_orders') }}")
    w.xform("seed", expect=0)
    r = w.xform("run", "--empty", expect=0)
    assert r.summary()["PASS"] == 6, r
    full_cols = {}
    for m in MODELS + ["from_source"]:
        assert w.scalar(f"select count(*) from {m}") == 0, m
        full_cols[m] = w.columns(m)
        assert full_cols[m], m
    assert w.scalar("select count(*) from raw_orders") == 99  # seeds are read, not emptied
    run_sql = w.p.read("target/run/jaffle_shop/models/staging/stg_orders.sql")
    assert (f"(select * from {w.rel('raw_orders')} where false limit 0) "
            "_dbt_limit_subq_raw_orders") in run_sql, run_sql
    src_sql = w.p.read("target/run/jaffle_shop/models/from_source.sql")
    assert f"(select * from {w.rel('raw_orders')} where false limit 0)" in src_sql, src_sql
    # without --empty the same models get rows and the same columns
    w.xform("run", expect=0)
    for m in MODELS + ["from_source"]:
        assert w.scalar(f"select count(*) from {m}") > 0, m
        assert w.columns(m) == full_cols[m], m
    # build --empty: models empty again, tests pass on zero rows
    r = w.xform("build", "--empty", "--exclude-resource-type", "seed", expect=0)
    assert r.summary()["ERROR"] == 0, r
    assert w.scalar("select count(*) from customers") == 0
    # compile --empty shows the limited relation; plain compile does not
    r = w.xform("compile", "--empty", "-s", "stg_orders", expect=0)
    assert "_dbt_limit_subq_raw_orders" in r.out, r
    r = w.xform("compile", "-s", "stg_orders", expect=0)
    assert "_dbt_limit_subq" not in r.out, r
    # {{ this }} and relation.render() stay the plain name; flags.EMPTY is true
    w.p.write("models/probe.sql", "select '{{ ref('raw_orders').render() }}' as r, "
              "'{{ flags.EMPTY }}' as e, '{{ this.identifier }}' as t")
    r = w.xform("compile", "--empty", "-s", "probe", expect=0)
    assert f"select '{w.rel('raw_orders')}' as r, 'True' as e, 'probe' as t" in r.out, r
    r = w.xform("seed", "--empty", expect=2)
    assert "does not take --empty" in r.err


# ---------------------------------------------------------------- --warn-error
WARN_TEST = "{{ config(severity='warn') }}\nselect * from {{ ref('raw_customers') }} where id <= 2\n"


def test_warn_error_makes_a_warning_test_fail(wh):
    w = wh("jaffle_shop")
    w.p.write("tests/two_rows.sql", WARN_TEST)
    w.xform("seed", expect=0)
    r = w.xform("test", "-s", "two_rows", expect=0)
    assert r.summary() == {"PASS": 0, "WARN": 1, "ERROR": 0, "SKIP": 0, "TOTAL": 1}, r
    r = w.xform("test", "-s", "two_rows", "--warn-error", expect=1)
    assert r.summary() == {"PASS": 0, "WARN": 0, "ERROR": 1, "SKIP": 0, "TOTAL": 1}, r
    assert "FAIL 2 two_rows" in r.out, r
    assert "Got 2 results, configured to warn if != 0" in r.out, r
    assert run_results(w) == {"two_rows": "fail"}
    for opts, code in [('{"error": ["LogTestResult"]}', 1), ('{"include": "all"}', 1),
                       ('{"error": "all", "warn": ["LogTestResult"]}', 0),
                       ("{include: all, exclude: [LogTestResult]}", 0),
                       ('{"error": ["NoNodesForSelectionCriteria"]}', 0)]:
        r = w.xform("test", "-s", "two_rows", "--warn-error-options", opts, expect=code)
        assert r.summary()["WARN" if code == 0 else "ERROR"] == 1, (opts, r)
    # in build too: the failing test skips nothing here, but the exit is 1
    r = w.xform("build", "-s", "raw_customers", "two_rows", "--warn-error", expect=1)
    assert r.summary()["ERROR"] == 1, r


def test_warn_error_load_and_selection_warnings(wh):
    w = wh("jaffle_shop")
    r = w.xform("run", "-s", "no_such_model", expect=0)
    assert "the selection criterion 'no_such_model' does not match any enabled nodes" in r.err
    r = w.xform("run", "-s", "no_such_model", "--warn-error", expect=2)
    assert "error: the selection criterion 'no_such_model' does not match" in r.err, r
    r = w.xform("run", "-s", "no_such_model", "--warn-error-options",
                '{"error": ["NoNodesForSelectionCriteria"]}', expect=2)
    r = w.xform("run", "-s", "no_such_model", "--warn-error-options", '{"error": ["Note"]}',
                expect=0)
    r = w.xform("ls", "-s", "no_such_model", "--warn-error", expect=2)
    # a load warning (a project key xform does not act on yet: a Note in its JSON log)
    w.p.write("dbt_project.yml", w.p.read("dbt_project.yml") + "asset-paths: [assets]\n")
    r = w.xform("seed", expect=0)
    assert re.search(r"warning: .*asset-paths", r.err), r
    before = w.digest()
    r = w.xform("seed", "--full-refresh", "--warn-error", expect=2)
    assert re.search(r"error: .*asset-paths", r.err), r
    assert "nothing was run" in r.err, r
    assert w.digest() == before
    r = w.xform("seed", "--warn-error-options", '{"error": "all", "warn": ["Note"]}', expect=0)
    assert re.search(r"warning: .*asset-paths", r.err), r


def test_warn_error_makes_a_template_warning_fail_its_node(wh):
    w = wh("jaffle_shop")
    w.p.write("models/warny.sql", "{% if execute %}{% do exceptions.warn('careful') %}{% endif %}"
              "\nselect 1 as x\n")
    r = w.xform("run", "-s", "warny", expect=0)
    assert "models/warny.sql:1:23: warning: careful" in r.err, r
    assert w.rows("select x from warny") == [(1,)]
    w.p.edit("models/warny.sql", "select 1", "select 2")
    r = w.xform("run", "-s", "warny", "--warn-error", expect=1)
    assert r.summary()["ERROR"] == 1, r
    assert "careful" in r.out, r
    assert w.rows("select x from warny") == [(1,)]  # the node failed: the old table stays
    r = w.xform("run", "-s", "warny", "--warn-error-options", '{"error": ["LogTestResult"]}',
                expect=0)
    assert w.rows("select x from warny") == [(2,)]


def test_warn_error_options_bad_input(jaffle):
    for opts, msg in [
        ('{"eror": "all"}', "unknown key 'eror' (did you mean 'error'?)"),
        ('{"error": ["LogTestResults"]}', "'LogTestResults' is not a warning xform emits "
                                          "(did you mean 'LogTestResult'?)"),
        ('["all"]', "must be a mapping"),
        ('{"error": "all", "include": "all"}', "not both"),
        ('{"warn": "all"}', "'warn' must be  a list of event names"),
        ('{"silence": ["Note"]}', "'silence' is not supported yet"),
    ]:
        r = jaffle.xform("ls", "--warn-error-options", opts, expect=2)
        assert msg in r.err, (opts, r)
    r = jaffle.xform("ls", "--warn-error", "--warn-error-options", '{"error": "all"}', expect=2)
    assert "give --warn-error or --warn-error-options, not both" in r.err


# ---------------------------------------------------------------- resource types
def test_resource_type_on_build(wh):
    w = wh("jaffle_shop")
    r = w.xform("build", "--resource-type", "seed", expect=0)
    assert r.summary()["TOTAL"] == 3, r
    assert set(w.relations()) == set(SEEDS)
    r = w.xform("build", "--resource-type", "model", "seed", expect=0)
    assert r.summary()["TOTAL"] == 8, r
    assert set(run_results(w)) == set(SEEDS + MODELS)
    assert set(w.relations()) == set(SEEDS + MODELS)
    r = w.xform("build", "--resource-type", "data_test", expect=0)
    assert r.summary()["TOTAL"] == 20, r
    assert set(run_results(w).values()) == {"pass"}
    r = w.xform("build", "--exclude-resource-type", "test", "seed", expect=0)
    assert set(run_results(w)) == set(MODELS)
    r = w.xform("build", "--resource-type", "all", "--exclude-resource-type", "model", expect=0)
    assert r.summary()["TOTAL"] == 23, r
    r = w.xform("build", "--resource-type", "unit_test", expect=0)  # xform has none
    assert "Nothing to do" in r.out, r
    r = w.xform("build", "--resource-type", "modle", expect=2)
    assert "unknown resource type 'modle' (did you mean 'model'?)" in r.err
    r = w.xform("run", "--resource-type", "model", expect=2)
    assert "'xform run' does not take --resource-type" in r.err


def test_resource_type_on_ls(jaffle):
    names = jaffle.xform("ls", "--exclude-resource-type", "test", "--output", "name",
                         expect=0).out.split()
    assert sorted(names) == sorted(SEEDS + MODELS)
    names = jaffle.xform("ls", "--resource-type", "seed", "model", "--exclude-resource-type",
                         "model", "--output", "name", expect=0).out.split()
    assert sorted(names) == sorted(SEEDS)


# ---------------------------------------------------------------- ls --output-keys
def test_ls_output_keys(jaffle):
    r = jaffle.xform("ls", "-s", "stg_orders", "--resource-type", "model", "--output", "json",
                     "--output-keys", "name resource_type", expect=0)
    lines = [json.loads(x) for x in r.out.splitlines() if x.startswith("{")]
    assert lines == [{"name": "stg_orders", "resource_type": "model"}]
    assert list(lines[0]) == ["name", "resource_type"]
    r = jaffle.xform("ls", "-s", "orders", "--resource-type", "model", "--output", "json",
                     "--output-keys", "unique_id,alias", "fqn", "schema", expect=0)
    lines = [json.loads(x) for x in r.out.splitlines() if x.startswith("{")]
    assert lines == [{"unique_id": "model.jaffle_shop.orders", "alias": "orders",
                      "schema": "main", "fqn": ["jaffle_shop", "orders"]}]
    # without --output-keys: dbt's default keys
    r = jaffle.xform("ls", "-s", "orders", "--resource-type", "model", "--output", "json",
                     expect=0)
    doc = json.loads(r.out.splitlines()[0])
    assert list(doc) == ["name", "resource_type", "package_name", "original_file_path",
                         "unique_id", "alias", "config", "tags", "depends_on"]
    r = jaffle.xform("ls", "--output", "json", "--output-keys", "nmae", expect=2)
    assert "unknown key 'nmae' (did you mean 'name'?)" in r.err
    r = jaffle.xform("ls", "--output-keys", "name", expect=2)
    assert "--output-keys needs --output json" in r.err


# ---------------------------------------------------------------- --indirect-selection
STG_A, M_AB = "shop.staging.stg_a", "shop.marts.m_ab"
UNIQUE_A, NOT_NULL_AB = "shop.unique_stg_a_id", "shop.not_null_m_ab_id"
REL = "shop.relationships_m_ab_id__id__ref_stg_b_"


def test_indirect_selection_modes_in_ls(make_project):
    shop = make_project("selectors")
    shop.path("selectors.yml").unlink()

    def ls(*args, env=None):
        r = shop.xform("ls", "-s", "m_ab", *args, env=env, expect=0)
        return sorted(x for x in r.out.splitlines() if x.strip())

    assert ls() == sorted([M_AB, NOT_NULL_AB, REL])
    assert ls("--indirect-selection", "eager") == sorted([M_AB, NOT_NULL_AB, REL])
    assert ls("--indirect-selection", "cautious") == sorted([M_AB, NOT_NULL_AB])
    assert ls("--indirect-selection", "buildable") == sorted([M_AB, NOT_NULL_AB, REL])
    assert ls("--indirect-selection", "empty") == [M_AB]
    assert ls(env={"DBT_INDIRECT_SELECTION": "cautious"}) == sorted([M_AB, NOT_NULL_AB])
    # the flag beats the environment
    assert ls("--indirect-selection", "empty", env={"DBT_INDIRECT_SELECTION": "cautious"}) == [
        M_AB]
    # buildable differs from cautious when a parent is only upstream: m_c's test
    # would need m_ab and stg_b; selecting m_ab+ makes stg_b upstream only
    r = shop.xform("ls", "-s", "m_ab", "--indirect-selection", "eagre", expect=2)
    assert "--indirect-selection must be eager, cautious, buildable or empty, not 'eagre' " \
           "(did you mean 'eager'?)" in r.err
    r = shop.xform("ls", env={"DBT_INDIRECT_SELECTION": "all"}, expect=2)
    assert "DBT_INDIRECT_SELECTION must be" in r.err


def test_indirect_selection_in_test_and_build(wh):
    w = wh("selectors")
    w.p.path("selectors.yml").unlink()
    w.xform("run", expect=0)
    w.xform("test", "-s", "m_ab", expect=1)  # the fixture's relationships test fails
    assert set(run_results(w)) == {"not_null_m_ab_id", "relationships_m_ab_id__id__ref_stg_b_"}
    w.xform("test", "-s", "m_ab", "--indirect-selection", "cautious", expect=0)
    assert set(run_results(w)) == {"not_null_m_ab_id"}
    r = w.xform("test", "-s", "m_ab", env={"DBT_INDIRECT_SELECTION": "empty"}, expect=0)
    assert "Nothing to do" in r.out, r
    r = w.xform("build", "-s", "m_ab", "--indirect-selection", "empty", expect=0)
    assert set(run_results(w)) == {"m_ab"}
    r = w.xform("build", "-s", "stg_a", "m_ab", "--indirect-selection", "buildable", expect=1)
    assert set(run_results(w)) == {"stg_a", "m_ab", "unique_stg_a_id", "not_null_m_ab_id",
                                   "relationships_m_ab_id__id__ref_stg_b_"}
    r = w.xform("build", "-s", "stg_a", "m_ab", "--indirect-selection", "cautious", expect=0)
    assert set(run_results(w)) == {"stg_a", "m_ab", "unique_stg_a_id", "not_null_m_ab_id"}
    assert w.scalar("select count(*) from m_ab") > 0


# ---------------------------------------------------------------- --profile
def test_profile_overrides_the_projects(wh):
    w = wh("jaffle_shop")
    broken = ("jaffle_shop:\n  target: nowhere\n  outputs:\n    nowhere:\n      type: postgres\n"
              "      host: 127.0.0.1\n      port: 1\n      user: nobody\n      dbname: none\n"
              "      schema: none\n")
    if w.kind == "postgres":
        good = w.p.read("profiles.yml").replace("jaffle_shop:", "ci:", 1)
    else:
        good = ("ci:\n  target: dev\n  outputs:\n    dev:\n      type: sqlite\n"
                "      path: jaffle_shop.db\n      schema: main\n")
    w.p.write("profiles.yml", broken + good)
    r = w.xform("seed", "--profiles-dir", w.p.dir, "--profile", "ci", "-s", "raw_customers",
                expect=0)
    assert w.scalar("select count(*) from raw_customers") == 100
    r = w.xform("debug", "--profiles-dir", w.p.dir, "--profile", "ci")
    assert "ci" in r.out, r
    r = w.xform("seed", "--profiles-dir", w.p.dir, "-s", "raw_customers")
    assert r.rc != 0, r  # the project's own profile points nowhere
    r = w.xform("seed", "--profiles-dir", w.p.dir, "--profile", "cj", expect=2)
    assert "profile 'cj' (from --profile) is not in" in r.err and "did you mean 'ci'" in r.err, r


def test_profile_without_profiles_yml(jaffle):
    r = jaffle.xform("run", "--profile", "ci", expect=2)
    assert "profile 'ci' (from --profile) needs a profiles.yml" in r.err, r
    assert jaffle.db_files() == []


# ---------------------------------------------------------------- help
def test_help_lists_the_flags(run_in_sandbox):
    top = run_in_sandbox("--help", expect=0).out
    assert "run-operation" in top
    want = {
        "build": ["--empty", "--resource-type", "--exclude-resource-type", "--indirect-selection",
                  "--warn-error", "--warn-error-options", "--profile"],
        "run": ["--empty", "--indirect-selection", "--warn-error"],
        "test": ["--indirect-selection"],
        "compile": ["--inline", "--output", "--empty"],
        "ls": ["--output-keys", "--resource-type", "--exclude-resource-type",
               "--indirect-selection"],
        "run-operation": ["--args", "--profile", "--vars", "--target"],
    }
    for cmd, flags in want.items():
        out = run_in_sandbox(cmd, "--help", expect=0).out
        for f in flags:
            assert re.search(rf"\s{re.escape(f)}\b", out), (cmd, f, out)
