# SPDX-License-Identifier: MIT
"""target/manifest.json, target/run_results.json and target/catalog.json
after seed, run and docs generate, on SQLite and on PostgreSQL from the
same code: dbt's layouts (checked with JSON schemas), the right nodes,
statuses, dependencies, checksums and each warehouse's column types.
The tests at the end only parse, so they need no warehouse."""

import hashlib
import json
import os
import warnings
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO
from jaffle import Expected
from warehouse import shared_warehouse, wh  # noqa: F401  (wh: the fixture)

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# dbt's own published schemas (reference data beside the clone, see its README)
DBT_SCHEMAS = Path(os.environ.get("XF_DBT_SCHEMAS") or REPO.parent / "shared" / "dbt-schemas")


def validate(doc, schema_name):
    schema = json.loads((SCHEMAS / schema_name).read_text())
    jsonschema.validate(doc, schema)


def validate_dbt(doc, schema_name):
    """Validates against dbt's published schema; when it is not beside the
    clone, says so and skips only this check."""
    path = DBT_SCHEMAS / schema_name
    if not path.is_file():
        warnings.warn(f"{path} is missing (dbt's schemas belong in ../shared/dbt-schemas beside "
                      f"the clone, or set XF_DBT_SCHEMAS): {schema_name} not validated")
        return
    schema = json.loads(path.read_text())
    # dbt's schema is trusted: no check_schema() (seconds for the manifest's)
    jsonschema.validators.validator_for(schema)(schema).validate(doc)


def by_type(manifest, rtype):
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == rtype}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def built(request, tmp_path_factory, xform_bin):
    """jaffle_shop after seed, run and docs generate, once per warehouse;
    each command's artifacts kept as it wrote them (.seed_results,
    .run_results, .manifest, .catalog; .docs_result: the docs output)."""
    w = shared_warehouse(request, tmp_path_factory, "jaffle_shop")
    try:
        w.xform("seed", expect=0)
        w.seed_results = w.p.json("target/run_results.json")
        w.xform("run", expect=0)
        w.run_results = w.p.json("target/run_results.json")
        w.manifest = w.p.json("target/manifest.json")
        w.docs_result = w.xform("docs", "generate", expect=0)
        w.catalog = w.p.json("target/catalog.json")
        yield w
    finally:
        w.drop()


@pytest.mark.feature("artifacts.run_results")
def test_run_results_after_run(built):
    rr = built.run_results
    validate(rr, "run_results.json")
    results = {r["unique_id"]: r for r in rr["results"]}
    assert set(results) == {f"model.jaffle_shop.{m}" for m in Expected.MODELS}
    assert all(r["status"] == "success" for r in results.values())
    assert rr["args"].get("which", "run") == "run"
    for m in Expected.MODELS:
        assert results[f"model.jaffle_shop.{m}"]["relation_name"] == built.rel(m)


@pytest.mark.feature("artifacts.run_results")
def test_run_results_after_seed(built):
    rr = built.seed_results
    validate(rr, "run_results.json")
    assert {r["unique_id"] for r in rr["results"]} == \
        {f"seed.jaffle_shop.{s}" for s in Expected.SEEDS}
    assert {r["status"] for r in rr["results"]} == {"success"}


@pytest.mark.feature("artifacts.run_results")
def test_run_results_select_only_selected(built):
    built.xform("run", "--select", "stg_orders", expect=0)
    rr = built.p.json("target/run_results.json")
    validate(rr, "run_results.json")
    assert [r["unique_id"] for r in rr["results"]] == ["model.jaffle_shop.stg_orders"]
    assert rr["results"][0]["status"] == "success"


@pytest.mark.feature("artifacts.manifest")
def test_manifest_nodes(built):
    m = built.manifest
    validate(m, "manifest.json")
    validate_dbt(m, "manifest_v12.json")
    assert m["metadata"].get("project_name", "jaffle_shop") == "jaffle_shop"
    assert m["metadata"]["adapter_type"] == built.kind
    models, seeds = by_type(m, "model"), by_type(m, "seed")
    assert set(models) == set(Expected.MODELS)
    assert set(seeds) == set(Expected.SEEDS)

    o = models["orders"]
    assert o["unique_id"] == "model.jaffle_shop.orders"
    assert o["original_file_path"] == "models/orders.sql"
    assert o["path"] == "orders.sql"
    assert o["fqn"] == ["jaffle_shop", "orders"]
    assert o["config"]["materialized"] == "table"
    assert o["schema"] == built.schema
    assert set(o["depends_on"]["nodes"]) == {"model.jaffle_shop.stg_orders",
                                            "model.jaffle_shop.stg_payments"}
    s = models["stg_orders"]
    assert s["path"] == "staging/stg_orders.sql"
    assert s["fqn"] == ["jaffle_shop", "staging", "stg_orders"]
    assert s["config"]["materialized"] == "view"
    assert s["depends_on"]["nodes"] == ["seed.jaffle_shop.raw_orders"]
    assert seeds["raw_orders"]["original_file_path"] == "seeds/raw_orders.csv"
    assert seeds["raw_orders"]["config"]["materialized"] == "seed"
    assert {n["schema"] for n in [*models.values(), *seeds.values()]} == {built.schema}

    # checksums are sha256 of the file bytes, as dbt computes them
    for name, node in models.items():
        data = built.p.path(node["original_file_path"]).read_bytes()
        assert node["checksum"] == {"name": "sha256",
                                    "checksum": hashlib.sha256(data).hexdigest()}, name

    # descriptions from schema.yml
    assert models["customers"]["description"].startswith("One row per customer")
    assert "customer_id" in models["customers"]["columns"]


@pytest.mark.feature("artifacts.manifest")
def test_manifest_maps(built):
    m = built.manifest
    pm, cm = m["parent_map"], m["child_map"]
    assert set(pm["model.jaffle_shop.customers"]) == \
        {f"model.jaffle_shop.{s}" for s in Expected.STAGING}
    assert pm["seed.jaffle_shop.raw_customers"] == []
    models_of = {c for c in cm["model.jaffle_shop.stg_payments"] if c.startswith("model.")}
    assert models_of == {"model.jaffle_shop.customers", "model.jaffle_shop.orders"}


# The column types docs generate reads back from each warehouse: SQLite's
# declared types (a CREATE TABLE AS column computed by an expression has
# none), Postgres's format_type(), as dbt-postgres's catalog query gives them.
CATALOG_TYPES = {
    "sqlite": {
        "raw_customers": ["INTEGER", "TEXT", "TEXT"],
        "raw_orders": ["INTEGER", "INTEGER", "TEXT", "TEXT"],
        "raw_payments": ["INTEGER", "INTEGER", "TEXT", "INTEGER"],
        "stg_customers": ["INTEGER", "TEXT", "TEXT"],
        "stg_orders": ["INTEGER", "INTEGER", "TEXT", "TEXT"],
        # computed columns (SQLite declares no type): the widest storage
        # class of their first 100 non-null values (docs/docs_site.md)
        "stg_payments": ["INTEGER", "INTEGER", "TEXT", "REAL"],
        "customers": ["INT", "TEXT", "TEXT", "TEXT", "TEXT", "INTEGER", "REAL"],
        "orders": ["INT", "INT", "TEXT", "TEXT"] + ["REAL"] * 5,
    },
    "postgres": {
        "raw_customers": ["bigint", "text", "text"],
        "raw_orders": ["bigint", "bigint", "date", "text"],
        "raw_payments": ["bigint", "bigint", "text", "bigint"],
        "stg_customers": ["bigint", "text", "text"],
        "stg_orders": ["bigint", "bigint", "date", "text"],
        "stg_payments": ["bigint", "bigint", "text", "numeric"],
        "customers": ["bigint", "text", "text", "date", "date", "bigint", "numeric"],
        "orders": ["bigint", "bigint", "date", "text"] + ["numeric"] * 5,
    },
}


@pytest.mark.feature("artifacts.catalog")
def test_catalog_has_every_relation_with_its_column_types(built):
    c = built.catalog
    validate_dbt(c, "catalog_v1.json")
    assert "8 nodes, 0 sources, 38 columns" in built.docs_result.out, built.docs_result
    assert c["metadata"]["dbt_schema_version"] == "https://schemas.getdbt.com/dbt/catalog/v1.json"
    assert c["errors"] is None and c["sources"] == {}
    uid = {**{f"seed.jaffle_shop.{s}": s for s in Expected.SEEDS},
           **{f"model.jaffle_shop.{m}": m for m in Expected.MODELS}}
    assert set(c["nodes"]) == set(uid)
    owner = built.pg.get("user", "postgres") if built.kind == "postgres" else None
    for node_id, name in uid.items():
        entry = c["nodes"][node_id]
        assert entry["unique_id"] == node_id
        kind = "VIEW" if name in Expected.STAGING else "BASE TABLE"
        assert {k: entry["metadata"][k] for k in ("type", "schema", "name", "owner")} == \
            {"type": kind, "schema": built.schema, "name": name, "owner": owner}, node_id
        cols = entry["columns"]
        assert sorted(cols, key=lambda k: cols[k]["index"]) == Expected.COLUMNS[name], name
        assert [cols[k]["index"] for k in Expected.COLUMNS[name]] == \
            list(range(1, len(cols) + 1)), name
        assert all(cols[k]["name"] == k for k in cols), name
        assert [cols[k]["type"] for k in Expected.COLUMNS[name]] == \
            CATALOG_TYPES[built.kind][name], name


@pytest.mark.feature("artifacts.manifest")
def test_manifest_has_compiled_code_after_compile(built):
    built.xform("compile", expect=0)
    m = built.p.json("target/manifest.json")
    validate(m, "manifest.json")
    node = m["nodes"]["model.jaffle_shop.stg_orders"]
    assert built.rel("raw_orders") in node.get("compiled_code", "")
    assert node.get("compiled") is True


@pytest.mark.feature("artifacts.manifest")
def test_parse_writes_manifest_only(wh):
    w = wh("jaffle_shop")
    w.xform("parse", expect=0)
    m = w.p.json("target/manifest.json")
    validate(m, "manifest.json")
    assert set(by_type(m, "model")) == set(Expected.MODELS)
    assert m["metadata"]["adapter_type"] == w.kind
    assert w.untouched()


@pytest.mark.feature("data_tests")
def test_manifest_has_the_20_tests(jaffle):
    jaffle.xform("parse", expect=0)
    tests = by_type(jaffle.json("target/manifest.json"), "test")
    assert len(tests) == 20, sorted(tests)
    names = set(tests)
    for n in ("unique_customers_customer_id", "not_null_orders_amount",
              "relationships_orders_customer_id__customer_id__ref_customers_"):
        assert n in names, f"no test {n} (dbt's generic test naming)"


@pytest.mark.feature("data_tests.long_names")
def test_long_test_names_as_dbt(jaffle):
    """dbt keeps the full name as `name` and uses a hashed alias (and file
    name) when the full name is 64 characters or more."""
    jaffle.xform("parse", expect=0)
    tests = by_type(jaffle.json("target/manifest.json"), "test")
    full = "accepted_values_orders_status__placed__shipped__completed__return_pending__returned"
    assert full in tests, sorted(tests)
    t = tests[full]
    assert t["alias"] == "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758"
    assert t["path"] == "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758.sql"
    assert t["unique_id"].startswith(f"test.jaffle_shop.{full}.")
    assert t["column_name"] == "status"


@pytest.mark.feature("docs")
def test_doc_block_renders_into_description(jaffle):
    jaffle.xform("parse", expect=0)
    m = jaffle.json("target/manifest.json")
    assert "doc.jaffle_shop.orders_status" in m["docs"]
    status = m["nodes"]["model.jaffle_shop.orders"]["columns"]["status"]
    assert "return_pending" in status["description"]
    assert "{{" not in status["description"]
