# SPDX-License-Identifier: MIT
"""The SQL of the built-in materializations comes from macros with dbt's
names (get_create_table_as_sql, get_incremental_merge_sql ...): a project,
a package (through dispatch's search order) or one adapter's prefixed macro
replaces it, and the statement log shows what ran. On SQLite and PostgreSQL
from the same code (fixtures/projects/strategy_macros)."""

from warehouse import wh  # noqa: F401  (the fixture)

# A merge of the project's own: the staged rows replace the target's, but
# rows named 'B' are dropped, so the table shows which SQL ran.
PROJECT_MERGE = """
{% macro NAME(arg_dict) -%}
{%- set t = arg_dict['target_relation'] -%}
{%- set s = arg_dict['temp_relation'] -%}
{%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
delete from {{ t }} where id in (select id from {{ s }}) /* MARK */;
insert into {{ t }} ({{ cols }}) select {{ cols }} from {{ s }} where name <> 'B'
{%- endmacro %}
"""


def merge_macro(name, mark):
    return PROJECT_MERGE.replace("NAME", name).replace("MARK", mark)


def two_batches(w):
    w.xform("run", "-s", "incr", expect=0)
    w.xform("run", "-s", "incr", "--vars", "{batch: 2}", expect=0)
    return w.rows("select id, name from incr order by id")


def run_log(w):
    return w.p.read("target/run/strategy_macros/models/incr.sql")


DEFAULT_ROWS = [(1, "a"), (2, "B"), (3, "c")]
OVERRIDDEN_ROWS = [(1, "a"), (3, "c")]


def test_default_merge_updates_and_inserts_through_the_builtin_macros(wh):
    w = wh("projects/strategy_macros")
    assert two_batches(w) == DEFAULT_ROWS
    sql = run_log(w)
    # the built-in get_merge_sql: update the matches, insert the others
    assert "update " in sql and "where not exists" in sql, sql
    # the staging table is created by get_create_table_as_sql, beside the target
    assert "incr__xform_incr" in sql, sql


def test_project_get_incremental_merge_sql_replaces_the_builtin(wh):
    w = wh("projects/strategy_macros")
    w.p.write("macros/merge.sql", merge_macro("get_incremental_merge_sql", "project merge"))
    assert two_batches(w) == OVERRIDDEN_ROWS
    assert "/* project merge */" in run_log(w)
    # the debug log file has the statement too
    assert "/* project merge */" in w.p.read("logs/xform.log")


def test_adapter_prefixed_macro_overrides_for_that_adapter_only(wh):
    w = wh("projects/strategy_macros")
    # one macro for SQLite only: PostgreSQL keeps the built-in merge
    w.p.write("macros/merge.sql", merge_macro("sqlite__get_incremental_merge_sql", "sqlite merge"))
    rows = two_batches(w)
    if wh_kind(w) == "sqlite":
        assert rows == OVERRIDDEN_ROWS
        assert "/* sqlite merge */" in run_log(w)
    else:
        assert rows == DEFAULT_ROWS
        assert "sqlite merge" not in run_log(w)


def test_adapter_prefixed_macro_for_the_running_adapter(wh):
    w = wh("projects/strategy_macros")
    kind = wh_kind(w)
    w.p.write("macros/merge.sql",
              merge_macro(f"{kind}__get_incremental_merge_sql", f"{kind} merge"))
    assert two_batches(w) == OVERRIDDEN_ROWS
    assert f"/* {kind} merge */" in run_log(w)


def test_package_macro_overrides_through_the_dispatch_search_order(wh):
    w = wh("projects/strategy_macros")
    w.p.write("dbt_packages/merge_pkg/dbt_project.yml",
              "name: 'merge_pkg'\nversion: '1.0'\nconfig-version: 2\n")
    w.p.write("dbt_packages/merge_pkg/macros/merge.sql",
              merge_macro("default__get_incremental_merge_sql", "package merge"))
    w.p.write("packages.yml", "packages:\n  - local: merge_pkg\n")
    # without a search order the package's default__ is not the dbt one: built-in behaviour
    assert two_batches(w) == DEFAULT_ROWS
    w.p.edit("dbt_project.yml", "profile: 'strategy_macros'\n",
             "profile: 'strategy_macros'\ndispatch:\n  - macro_namespace: dbt\n"
             "    search_order: ['strategy_macros', 'merge_pkg', 'dbt']\n")
    w.xform("run", "-s", "incr", "--full-refresh", expect=0)
    w.xform("run", "-s", "incr", "--vars", "{batch: 2}", expect=0)
    assert w.rows("select id, name from incr order by id") == OVERRIDDEN_ROWS
    assert "/* package merge */" in run_log(w)


def test_project_get_create_table_as_sql_changes_the_ddl(wh):
    w = wh("projects/strategy_macros")
    w.p.write("macros/ctas.sql", """
{% macro get_create_table_as_sql(temporary, relation, sql) -%}
create table {{ relation }} as
select inner_q.*, 'custom' as built_by from (
{{ sql }}
) as inner_q /* custom ctas */
{%- endmacro %}
""")
    w.xform("run", "-s", "tbl", "vw", expect=0)
    assert w.rows("select id, name, built_by from tbl") == [(1, "x", "custom")]
    assert "/* custom ctas */" in w.p.read("target/run/strategy_macros/models/tbl.sql")
    # a view is not a table: get_create_view_as_sql is left alone
    assert w.rows("select id, name from vw") == [(1, "x")]
    assert "custom ctas" not in w.p.read("target/run/strategy_macros/models/vw.sql")
    # so does a test's store_failures table
    audit = w.custom_schema("dbt_test__audit")
    w.p.write("tests/one_failure.sql", "{{ config(store_failures=true) }}\nselect 7 as id\n")
    w.xform("test", "-s", "one_failure", expect=1)
    assert w.rows("select id, built_by from one_failure", schema=audit) == [(7, "custom")]
    # the incremental model's first build and its staging table use it too
    w.xform("run", "-s", "incr", expect=0)
    w.xform("run", "-s", "incr", "--vars", "{batch: 2}", expect=0)
    assert w.rows("select id, name, built_by from incr order by id") == \
        [(1, "a", "custom"), (2, "B", "custom"), (3, "c", "custom")]


def test_project_create_view_as_changes_the_view_ddl(wh):
    w = wh("projects/strategy_macros")
    w.p.write("macros/view.sql", """
{% macro create_view_as(relation, sql) -%}
create view {{ relation }} as
select inner_q.*, 'viewed' as how from (
{{ sql }}
) as inner_q
{%- endmacro %}
""")
    w.xform("run", "-s", "tbl", "vw", expect=0)
    assert w.rows("select id, name, how from vw") == [(1, "x", "viewed")]


def test_custom_strategy_is_a_macro_named_after_it(wh):
    w = wh("projects/strategy_macros")
    w.p.write("macros/strategy.sql", merge_macro("get_incremental_keep_b_out_sql", "mine"))
    w.p.edit("models/incr.sql", "incremental_strategy='merge'", "incremental_strategy='keep_b_out'")
    assert two_batches(w) == OVERRIDDEN_ROWS
    assert "/* mine */" in run_log(w)


def test_failing_strategy_macro_is_located_and_leaves_the_table(wh):
    w = wh("projects/strategy_macros")
    w.xform("run", "-s", "incr", expect=0)
    w.p.write("macros/merge.sql", """
{% macro get_incremental_merge_sql(arg_dict) -%}
{{ exceptions.raise_compiler_error('no merge today') }}
{%- endmacro %}
""")
    r = w.xform("run", "-s", "incr", "--vars", "{batch: 2}", expect=1)
    assert "no merge today" in r.out, r.out
    assert "macros/merge.sql:3" in r.out, r.out
    assert w.rows("select id, name from incr order by id") == [(1, "a"), (2, "b")]


def test_on_schema_change_alters_through_alter_relation_add_remove_columns(wh):
    w = wh("projects/strategy_macros")
    cfg = "{{ config(materialized='incremental', unique_key='id', " \
          "on_schema_change='sync_all_columns') }}\n"
    w.p.write("models/osc.sql", cfg + "select 1 as id, 'a' as name\n")
    w.xform("run", "-s", "osc", expect=0)
    w.p.write("models/osc.sql", cfg + "select 2 as id, 'x' as extra\n")
    w.p.write("macros/alter.sql", """
{% macro alter_relation_add_remove_columns(relation, add_columns=none, remove_columns=none) -%}
{{ return('/* my alter */ ' ~ dbt.default__alter_relation_add_remove_columns(relation,
          add_columns, remove_columns)) }}
{%- endmacro %}
""")
    w.xform("run", "-s", "osc", expect=0)
    assert [c.lower() for c in w.columns("osc")] == ["id", "extra"]
    assert w.rows("select id, extra from osc order by id") == [(1, None), (2, "x")]
    sql = w.p.read("target/run/strategy_macros/models/osc.sql")
    assert "/* my alter */" in sql and "add column" in sql and "drop column" in sql, sql


def wh_kind(w):
    return w.kind
