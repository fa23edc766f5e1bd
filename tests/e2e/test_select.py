# SPDX-License-Identifier: MIT
"""Node selection through `xform ls`: names, graph operators, tag:, path:,
--exclude, and the output formats. Selecting parses the project only, so
those tests run on the embedded default; `ls` on a Postgres target (it
must not touch the warehouse) and `run --select` run on both."""

import json

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

STAGING = {"stg_customers", "stg_orders", "stg_payments"}
SEEDS = {"raw_customers", "raw_orders", "raw_payments"}
MARTS = {"customers", "orders"}


def ls_json(project, *args):
    """Names of the models and seeds `xform ls --output json` lists (tests
    attached to them are left out: dbt lists those too once they exist)."""
    r = project.xform("ls", "--output", "json", *args, expect=0)
    names = set()
    for line in r.out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        node = json.loads(line)
        if node["resource_type"] in ("model", "seed"):
            assert node["name"] not in names, f"{node['name']} listed twice"
            names.add(node["name"])
    return names


@pytest.mark.feature("select")
@pytest.mark.parametrize("selector,want", [
    ("stg_orders", {"stg_orders"}),
    ("+customers", {"customers"} | STAGING | SEEDS),
    ("+orders", {"orders", "stg_orders", "stg_payments", "raw_orders", "raw_payments"}),
    ("stg_orders+", {"stg_orders", "customers", "orders"}),
    ("raw_payments+", {"raw_payments", "stg_payments", "customers", "orders"}),
    ("1+orders", {"orders", "stg_orders", "stg_payments"}),
    ("path:models/staging", STAGING),
    ("staging", STAGING),
    ("resource_type:seed", SEEDS),
    ("config.materialized:view", STAGING),
    ("stg_*", STAGING),
])
def test_select(jaffle, selector, want):
    assert ls_json(jaffle, "--select", selector) == want


@pytest.mark.feature("select")
def test_select_union_and_intersection(jaffle):
    assert ls_json(jaffle, "--select", "stg_orders stg_payments") == {"stg_orders", "stg_payments"}
    assert ls_json(jaffle, "--select", "stg_orders", "stg_payments") == \
        {"stg_orders", "stg_payments"}
    assert ls_json(jaffle, "--select", "+orders,path:models/staging") == \
        {"stg_orders", "stg_payments"}


@pytest.mark.feature("select")
def test_exclude(jaffle):
    assert ls_json(jaffle, "--select", "+customers", "--exclude", "resource_type:seed") == \
        {"customers"} | STAGING
    assert ls_json(jaffle, "--exclude", "path:models/staging", "raw_orders") == \
        MARTS | {"raw_customers", "raw_payments"}


def tag_staging_folder(project):
    project.edit("dbt_project.yml", "    staging:\n      materialized: view\n",
                 "    staging:\n      materialized: view\n      tags: ['staging']\n")


@pytest.mark.feature("select.tags")
def test_select_tags_from_the_project_file(jaffle):
    tag_staging_folder(jaffle)
    assert ls_json(jaffle, "--select", "tag:staging") == STAGING
    assert ls_json(jaffle, "--select", "tag:staging+", "--exclude", "customers") == \
        STAGING | {"orders"}


@pytest.mark.feature("config_call")
@pytest.mark.feature("select.tags")
def test_select_tags_from_config(jaffle):
    # a tag from the project file (folder level) and one from config() in a model
    tag_staging_folder(jaffle)
    jaffle.write("models/orders.sql",
                 "{{ config(tags=['finance']) }}\n" + jaffle.read("models/orders.sql"))
    assert ls_json(jaffle, "--select", "tag:finance") == {"orders"}
    assert ls_json(jaffle, "--select", "tag:finance+") == {"orders"}
    assert ls_json(jaffle, "--select", "+tag:finance", "--exclude", "tag:staging") == \
        {"orders", "raw_orders", "raw_payments"}


@pytest.mark.feature("ls.output")
def test_ls_default_output(jaffle):
    r = jaffle.xform("ls", "--select", "stg_orders orders raw_orders", expect=0)
    lines = {ln.strip() for ln in r.out.splitlines() if ln.strip()}
    assert {"jaffle_shop.staging.stg_orders", "jaffle_shop.orders",
            "jaffle_shop.raw_orders"} <= lines, r
    r = jaffle.xform("ls", "--select", "stg_orders", "--output", "name", expect=0)
    assert "stg_orders" in {ln.strip() for ln in r.out.splitlines()}
    r = jaffle.xform("ls", "--select", "stg_orders", "--output", "path", expect=0)
    assert "models/staging/stg_orders.sql" in {ln.strip() for ln in r.out.splitlines()}


@pytest.mark.feature("ls.json")
def test_ls_json_fields(jaffle):
    r = jaffle.xform("ls", "--output", "json", "--select", "stg_orders orders", expect=0)
    nodes = {}
    for line in r.out.splitlines():
        if line.strip().startswith("{"):
            n = json.loads(line)
            nodes[n["unique_id"]] = n
    o = nodes["model.jaffle_shop.orders"]
    assert o["name"] == "orders"
    assert o["resource_type"] == "model"
    assert o["package_name"] == "jaffle_shop"
    assert o["original_file_path"] == "models/orders.sql"
    assert o["config"]["materialized"] == "table"
    s = nodes["model.jaffle_shop.stg_orders"]
    assert s["config"]["materialized"] == "view"
    assert set(s["depends_on"]["nodes"]) == {"seed.jaffle_shop.raw_orders"}


@pytest.mark.feature("select")
def test_ls_touches_no_database(wh):
    w = wh("jaffle_shop")
    r = w.xform("ls", expect=0)
    assert "jaffle_shop.staging.stg_orders" in r.out
    assert w.untouched()


@pytest.mark.feature("select")
def test_select_matching_nothing_warns(jaffle):
    r = jaffle.xform("ls", "--select", "no_such_model", expect=0)
    assert "no_such_model" in r.text  # dbt warns that nothing matched
    assert ls_json(jaffle, "--select", "no_such_model") == set()


@pytest.mark.feature("select.run")
def test_run_select_builds_only_selected(wh, expected):
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    r = w.xform("run", "--select", "+stg_payments", expect=0)
    assert r.summary()["TOTAL"] == 1  # seeds are not run by `run`
    assert w.relations() == {**{s: "table" for s in SEEDS}, "stg_payments": "view"}
    assert w.rows("select payment_id, order_id, payment_method, amount from stg_payments "
                  "order by payment_id") == [(i, o, m, cents / 100) for i, o, m, cents in
                                             expected.raw_payments]
