# SPDX-License-Identifier: MIT
"""target/manifest.json and target/run_results.json after seed and run:
dbt's layouts (checked with JSON schemas for the keys readers use), the
right nodes, statuses, dependencies and checksums."""

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from jaffle import Expected

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def validate(doc, schema_name):
    schema = json.loads((SCHEMAS / schema_name).read_text())
    jsonschema.validate(doc, schema)


def by_type(manifest, rtype):
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == rtype}


@pytest.mark.feature("artifacts.run_results")
def test_run_results_after_run(jaffle_built):
    rr = jaffle_built.json("target/run_results.json")
    validate(rr, "run_results.json")
    results = {r["unique_id"]: r for r in rr["results"]}
    assert set(results) == {f"model.jaffle_shop.{m}" for m in Expected.MODELS}
    assert all(r["status"] == "success" for r in results.values())
    assert rr["args"].get("which", "run") == "run"


@pytest.mark.feature("artifacts.run_results")
def test_run_results_after_seed(jaffle):
    jaffle.xform("seed", expect=0)
    rr = jaffle.json("target/run_results.json")
    validate(rr, "run_results.json")
    assert {r["unique_id"] for r in rr["results"]} == \
        {f"seed.jaffle_shop.{s}" for s in Expected.SEEDS}
    assert {r["status"] for r in rr["results"]} == {"success"}


@pytest.mark.feature("artifacts.run_results")
def test_run_results_select_only_selected(jaffle):
    jaffle.xform("seed", expect=0)
    jaffle.xform("run", "--select", "stg_orders", expect=0)
    rr = jaffle.json("target/run_results.json")
    assert [r["unique_id"] for r in rr["results"]] == ["model.jaffle_shop.stg_orders"]


@pytest.mark.feature("artifacts.manifest")
def test_manifest_nodes(jaffle_built):
    m = jaffle_built.json("target/manifest.json")
    validate(m, "manifest.json")
    assert m["metadata"].get("project_name", "jaffle_shop") == "jaffle_shop"
    models, seeds = by_type(m, "model"), by_type(m, "seed")
    assert set(models) == set(Expected.MODELS)
    assert set(seeds) == set(Expected.SEEDS)

    o = models["orders"]
    assert o["unique_id"] == "model.jaffle_shop.orders"
    assert o["original_file_path"] == "models/orders.sql"
    assert o["path"] == "orders.sql"
    assert o["fqn"] == ["jaffle_shop", "orders"]
    assert o["config"]["materialized"] == "table"
    assert o["schema"] == "main"
    assert set(o["depends_on"]["nodes"]) == {"model.jaffle_shop.stg_orders",
                                            "model.jaffle_shop.stg_payments"}
    s = models["stg_orders"]
    assert s["path"] == "staging/stg_orders.sql"
    assert s["fqn"] == ["jaffle_shop", "staging", "stg_orders"]
    assert s["config"]["materialized"] == "view"
    assert s["depends_on"]["nodes"] == ["seed.jaffle_shop.raw_orders"]
    assert seeds["raw_orders"]["original_file_path"] == "seeds/raw_orders.csv"
    assert seeds["raw_orders"]["config"]["materialized"] == "seed"

    # checksums are sha256 of the file bytes, as dbt computes them
    for name, node in models.items():
        data = jaffle_built.path(node["original_file_path"]).read_bytes()
        assert node["checksum"] == {"name": "sha256",
                                    "checksum": hashlib.sha256(data).hexdigest()}, name

    # descriptions from schema.yml
    assert models["customers"]["description"].startswith("One row per customer")
    assert "customer_id" in models["customers"]["columns"]


@pytest.mark.feature("artifacts.manifest")
def test_manifest_maps(jaffle_built):
    m = jaffle_built.json("target/manifest.json")
    pm, cm = m["parent_map"], m["child_map"]
    assert set(pm["model.jaffle_shop.customers"]) == \
        {f"model.jaffle_shop.{s}" for s in Expected.STAGING}
    assert pm["seed.jaffle_shop.raw_customers"] == []
    models_of = {c for c in cm["model.jaffle_shop.stg_payments"] if c.startswith("model.")}
    assert models_of == {"model.jaffle_shop.customers", "model.jaffle_shop.orders"}


@pytest.mark.feature("artifacts.manifest")
def test_manifest_has_compiled_code_after_compile(jaffle):
    jaffle.xform("compile", expect=0)
    m = jaffle.json("target/manifest.json")
    node = m["nodes"]["model.jaffle_shop.stg_orders"]
    assert '"main"."raw_orders"' in node.get("compiled_code", "")
    assert node.get("compiled") is True


@pytest.mark.feature("artifacts.manifest")
def test_parse_writes_manifest_only(jaffle):
    jaffle.xform("parse", expect=0)
    m = jaffle.json("target/manifest.json")
    validate(m, "manifest.json")
    assert set(by_type(m, "model")) == set(Expected.MODELS)
    assert not jaffle.path("jaffle_shop.db").exists() or jaffle.relations() == {}


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
