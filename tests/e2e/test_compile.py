# SPDX-License-Identifier: MIT
"""`xform compile` writes the rendered SQL of every model under
target/compiled/<project>/<path>; `xform run` writes what it executed
under target/run/<project>/<path>. On SQLite and on PostgreSQL: the SQL
names relations the target's way ("main"."x" on SQLite,
"<dbname>"."<schema>"."x" on Postgres, as dbt-postgres), so every check
runs on both, with that name expected."""

import json
import re
from pathlib import Path

import pytest

from jaffle import Expected
from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import module_warehouse, pg_schemas, qualified

GOLDEN = Path(__file__).resolve().parent / "golden" / "compiled"
MODEL_PATHS = {
    "stg_customers": "models/staging/stg_customers.sql",
    "stg_orders": "models/staging/stg_orders.sql",
    "stg_payments": "models/staging/stg_payments.sql",
    "customers": "models/customers.sql",
    "orders": "models/orders.sql",
}
BASE = "target/compiled/jaffle_shop/"


def built_nothing(w):
    """compile does not need the seeds loaded and builds nothing: on
    SQLite no relation (at most an empty file), on Postgres not even the
    schema."""
    if w.kind == "sqlite":
        return not w.p.db_path().exists() or w.relations() == {}
    return pg_schemas(w) == []


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def compiled(request, tmp_path_factory, xform_bin):
    """examples/jaffle_shop after one `xform compile` (.result), nothing
    built (each test only reads it)."""
    w = module_warehouse(request, tmp_path_factory, "jaffle_shop")
    try:
        w.result = w.xform("compile", expect=0)
        yield w
    finally:
        w.drop()


@pytest.mark.feature("compile")
def test_compile_renders_every_model(compiled):
    w, r = compiled, compiled.result
    base = w.p.path(BASE)
    for name, rel in MODEL_PATHS.items():
        f = base / rel
        assert f.is_file(), f"no {f.relative_to(w.p.dir)}:\n{r}"
        sql = f.read_text()
        for mark in ("{{", "}}", "{%", "%}", "{#", "#}"):
            assert mark not in sql, f"{rel}: template text left in compiled SQL"
    assert qualified(w, "raw_orders") in (base / MODEL_PATHS["stg_orders"]).read_text()
    assert qualified(w, "raw_payments") in (base / MODEL_PATHS["stg_payments"]).read_text()
    customers = (base / MODEL_PATHS["customers"]).read_text()
    for stg in Expected.STAGING:
        assert qualified(w, stg) in customers
    assert built_nothing(w)


@pytest.mark.feature("compile.golden")
@pytest.mark.parametrize("name", sorted(MODEL_PATHS))
def test_compiled_sql_matches_jinja(compiled, name):
    """Byte for byte what Jinja renders (whitespace control included),
    apart from trailing newlines. The golden files were rendered by
    Jinja2 itself with ref() as "main"."name"; on Postgres ref() is
    "<dbname>"."<schema>"."name" and nothing else differs."""
    got = compiled.p.read(BASE + MODEL_PATHS[name])
    want = (GOLDEN / f"{name}.sql").read_text()
    assert want.count('"main".') >= 1
    want = want.replace('"main".', compiled.rel("")[:-2])
    assert got.rstrip("\n") == want.rstrip("\n")


@pytest.mark.feature("compile")
def test_compile_pivot_loop_with_trim(compiled):
    sql = compiled.p.read(BASE + "models/orders.sql")
    for m in ("credit_card", "coupon", "bank_transfer", "gift_card"):
        line = (f"        sum(case when payment_method = '{m}' then amount else 0 end)"
                f" as {m}_amount,\n")
        assert line in sql
        assert f"        order_payments.{m}_amount,\n" in sql
    assert "payment_methods" not in sql


@pytest.mark.feature("compile.select")
def test_compile_select_one_model(wh):
    w = wh("jaffle_shop")
    w.xform("compile", "--select", "stg_orders", expect=0)
    base = w.p.path(BASE)
    assert qualified(w, "raw_orders") in (base / MODEL_PATHS["stg_orders"]).read_text()
    assert not (base / MODEL_PATHS["orders"]).exists()
    assert built_nothing(w)


@pytest.mark.feature("run.target_run")
def test_run_writes_executed_sql(wh):
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    base = w.p.path("target/run/jaffle_shop")
    for name, rel in MODEL_PATHS.items():
        f = base / rel
        assert f.is_file(), f"no target/run/jaffle_shop/{rel}"
        sql = f.read_text()
        kind = "view" if name in Expected.STAGING else "table"
        # the relation (or the temporary one renamed to it) made in the target's
        # schema; xform's own DDL names it "schema"."name" on both warehouses
        ddl = f'"{w.schema}"."{name}"'
        made = re.escape(ddl)[:-1] + r'(__xform_tmp)?"'
        assert re.search(rf"\bcreate {kind} {made}", sql, re.I), \
            f"{rel}: no 'create {kind} {ddl}' in the executed SQL:\n{sql}"
        assert "{{" not in sql and "{%" not in sql
        # what ran is the compiled model
        body = w.p.read(BASE + rel).strip()
        assert body in sql, f"{rel}: the compiled SQL is not what ran"
        assert w.relations()[name] == kind
    assert qualified(w, "raw_orders") in (base / MODEL_PATHS["stg_orders"]).read_text()
    compiled = w.p.path(BASE + MODEL_PATHS["orders"])
    assert compiled.is_file(), "run must also write the compiled SQL"
    assert w.scalar("select count(*) from orders") == 99
    assert w.scalar("select count(*) from stg_orders") == 99


@pytest.mark.feature("macros.generate_database_name")
def test_generate_database_name_override_names_relations(wh):
    """A project's generate_database_name replaces the built-in one, as in
    dbt: it decides each node's database (manifest `database`,
    `relation_name`) and, on Postgres, the first part of every ref().
    Compiling asks the database nothing, so a database that does not exist
    is fine here."""
    w = wh("jaffle_shop")
    w.p.write("macros/naming.sql",
              "{% macro generate_database_name(custom_database_name=none, node=none) -%}\n"
              "  {{ 'analytics_' ~ node.resource_type }}\n"
              "{%- endmacro %}\n")
    w.xform("compile", expect=0)
    nodes = json.loads(w.p.read("target/manifest.json"))["nodes"]
    assert nodes["model.jaffle_shop.orders"]["database"] == "analytics_model"
    assert nodes["seed.jaffle_shop.raw_orders"]["database"] == "analytics_seed"
    sql = w.p.read(BASE + MODEL_PATHS["stg_orders"])
    if w.kind == "postgres":
        want = f'"analytics_seed"."{w.schema}"."raw_orders"'
        assert nodes["model.jaffle_shop.orders"]["relation_name"] == \
            f'"analytics_model"."{w.schema}"."orders"'
    else:  # SQLite names have no database part: each schema is a file
        want = '"main"."raw_orders"'
        assert nodes["model.jaffle_shop.orders"]["relation_name"] == '"main"."orders"'
    assert want in sql, sql


@pytest.mark.feature("jinja.graph")
def test_graph_nodes_and_sources(wh):
    """dbt's `graph`: graph.nodes and graph.sources by unique id in execute
    mode (names, config, depends_on, relation names as the target makes
    them); empty while parsing, as dbt's templates expect (`if execute`)."""
    w = wh("jaffle_shop")
    w.p.write("models/sources.yml",
              "version: 2\nsources:\n  - name: raw\n    schema: '{{ target.schema }}'\n"
              "    tables:\n      - name: raw_orders\n")
    w.p.write("models/graph_probe.sql", """\
{{- config(tags=['parsed_' ~ (graph.nodes | length)]) -}}
{%- if execute -%}
{%- set models = [] -%}
{%- for node in graph.nodes.values() | selectattr("resource_type", "equalto", "model") -%}
{%- do models.append(node.name) -%}
{%- endfor -%}
{%- set o = graph["nodes"]["model.jaffle_shop.orders"] -%}
{%- set src = graph.sources["source.jaffle_shop.raw.raw_orders"] -%}
select '{{ models | sort | join(",") }}' as models,
       '{{ o.config.materialized }}|{{ o.depends_on.nodes | sort | join(",") }}' as orders,
       '{{ o.relation_name }}' as rel,
       '{{ src.source_name }}.{{ src.name }}' as src,
       {{ graph.nodes.values() | selectattr("resource_type", "equalto", "test") | list | length }}
       as tests, {{ graph.exposures | length }} as exposures
{%- endif %}
""")
    r = w.xform("compile", "-s", "graph_probe", expect=0)
    sql = w.p.read(BASE + "models/graph_probe.sql")
    assert "'customers,graph_probe,orders,stg_customers,stg_orders,stg_payments' as models" \
        in sql, sql
    assert ("'table|model.jaffle_shop.stg_orders,model.jaffle_shop.stg_payments' as orders"
            in sql), sql
    assert f"'{qualified(w, 'orders')}' as rel" in sql, sql
    assert "'raw.raw_orders' as src" in sql, sql
    assert "20\n       as tests, 0 as exposures" in sql, sql
    # config() runs while parsing, when the graph is still empty
    nodes = json.loads(w.p.read("target/manifest.json"))["nodes"]
    assert nodes["model.jaffle_shop.graph_probe"]["tags"] == ["parsed_0"], r


@pytest.mark.feature("jinja.globals")
def test_flags_fromyaml_toyaml_split_part(wh):
    """flags.WHICH / flags.FULL_REFRESH, fromyaml / toyaml (issue 3's
    globals), and dbt.split_part, which renders split_part() on both
    warehouses (SQLite gets the function registered on its connections)."""
    w = wh("jaffle_shop")
    w.p.write("models/globals_probe.sql", """\
{%- set cfg = fromyaml("columns: [id, amount]\\nlimit: 3") -%}
select '{{ flags.WHICH }}' as which, {{ flags.FULL_REFRESH }} as full_refresh_flag,
       '{{ cfg.columns | join("|") }}' as cols, {{ cfg.limit }} as lim,
       '{{ toyaml({"a": 1, "b": [true, none]}) | replace("\\n", " ") | trim }}' as y,
       {{ fromyaml("not: [valid", default=7) }} as fallback,
       {{ dbt.split_part("'a-b-c'", "'-'", 2) }} as part
""")
    w.xform("run", "-s", "globals_probe", expect=0)
    rows = w.rows("select which, cols, lim, y, fallback, part from globals_probe")
    assert rows == [("run", "id|amount", 3, "a: 1 b: - true - null", 7, "b")], rows
    assert w.scalar("select count(*) from globals_probe where "
                    + ("full_refresh_flag = 0" if w.kind == "sqlite"
                       else "full_refresh_flag = false")) == 1
    w.xform("run", "-s", "globals_probe", "--full-refresh", expect=0)
    assert w.scalar("select count(*) from globals_probe where "
                    + ("full_refresh_flag = 1" if w.kind == "sqlite"
                       else "full_refresh_flag = true")) == 1
    sql = w.p.read(BASE + "models/globals_probe.sql")
    assert "'run' as which, True as full_refresh_flag" in sql, sql
