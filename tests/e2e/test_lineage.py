# SPDX-License-Identifier: MIT
"""`xform lineage` on the jaffle shop: the whole graph and selections as
a text tree, Graphviz dot (rendered by `dot -Tsvg`), Mermaid and JSON,
with exactly the project's nodes and edges. Lineage only reads the
project: it never opens or creates the warehouse. So its output cannot
depend on the target: test_same_output_on_every_warehouse proves that
on SQLite and on PostgreSQL (also with the server unreachable), and the
other tests check the output itself once, on the default target."""

import json
import re
import shutil
import socket
import subprocess

import pytest

from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import state

P = "jaffle_shop"
SEEDS = ["raw_customers", "raw_orders", "raw_payments"]
MODELS = ["stg_customers", "stg_orders", "stg_payments", "customers", "orders"]
EDGES = {
    (f"seed.{P}.raw_customers", f"model.{P}.stg_customers"),
    (f"seed.{P}.raw_orders", f"model.{P}.stg_orders"),
    (f"seed.{P}.raw_payments", f"model.{P}.stg_payments"),
    (f"model.{P}.stg_customers", f"model.{P}.customers"),
    (f"model.{P}.stg_orders", f"model.{P}.customers"),
    (f"model.{P}.stg_payments", f"model.{P}.customers"),
    (f"model.{P}.stg_orders", f"model.{P}.orders"),
    (f"model.{P}.stg_payments", f"model.{P}.orders"),
}
ALL = {f"seed.{P}.{s}" for s in SEEDS} | {f"model.{P}.{m}" for m in MODELS}


def lineage(project, *args, expect=0):
    return project.xform("lineage", *args, expect=expect)


@pytest.mark.feature("lineage")
def test_json_is_the_whole_project(jaffle):
    r = lineage(jaffle, "--format", "json")
    doc = json.loads(r.out)
    nodes = {n["unique_id"]: n for n in doc["nodes"]}
    assert set(nodes) == ALL  # tests are not lineage
    assert {tuple(e) for e in doc["edges"]} == EDGES
    assert len(doc["edges"]) == len(EDGES)
    assert nodes[f"model.{P}.orders"]["materialized"] == "table"
    assert nodes[f"model.{P}.stg_orders"]["materialized"] == "view"
    assert nodes[f"seed.{P}.raw_orders"]["resource_type"] == "seed"
    assert nodes[f"model.{P}.orders"]["original_file_path"] == "models/orders.sql"
    # parents before children
    pos = {n["unique_id"]: i for i, n in enumerate(doc["nodes"])}
    assert all(pos[a] < pos[b] for a, b in EDGES)
    assert jaffle.db_files() == [], "lineage must not open or create the warehouse"


FORMATS = ["text", "json", "dot", "mermaid"]


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.feature("lineage")
def test_same_output_on_every_warehouse(wh):
    w = wh("jaffle_shop")
    got = {f: w.xform("lineage", "--format", f, "-s", "+orders+", expect=0).out for f in FORMATS}
    assert json.loads(got["json"])["edges"], got["json"]
    assert state(w) == {}, "lineage must not open or create the warehouse"
    assert w.p.db_files() == []
    if w.kind == "postgres":
        # the server cannot even be reached: lineage does not try
        profile = w.p.read("profiles.yml")
        port = f"port: {w.pg['port']}\n"
        assert port in profile
        w.p.write("profiles.yml", profile.replace(port, f"port: {closed_port()}\n"))
        assert w.xform("lineage", "--format", "json", "-s", "+orders+",
                       expect=0).out == got["json"]
        # and the embedded default target (no profile) gives the same output
        w.p.path("profiles.yml").unlink()
    want = {f: w.p.xform("lineage", "--format", f, "-s", "+orders+", expect=0).out
            for f in FORMATS}
    assert got == want
    assert state(w) == {} and w.p.db_files() == []


@pytest.mark.feature("lineage")
def test_select_ancestors(jaffle):
    doc = json.loads(lineage(jaffle, "--select", "+orders", "--format", "json").out)
    assert {n["name"] for n in doc["nodes"]} == {"orders", "stg_orders", "stg_payments",
                                                "raw_orders", "raw_payments"}
    assert {tuple(e) for e in doc["edges"]} == {e for e in EDGES if e[1] != f"model.{P}.customers"
                                                and e[0] != f"seed.{P}.raw_customers"
                                                and e[1] != f"model.{P}.stg_customers"}


@pytest.mark.feature("lineage")
def test_select_descendants_and_exclude(jaffle):
    doc = json.loads(lineage(jaffle, "-s", "stg_payments+", "--exclude", "customers",
                             "--format", "json").out)
    assert {n["name"] for n in doc["nodes"]} == {"stg_payments", "orders"}
    assert doc["edges"] == [[f"model.{P}.stg_payments", f"model.{P}.orders"]]


@pytest.mark.feature("lineage")
def test_text_tree(jaffle):
    out = lineage(jaffle).out
    lines = out.splitlines()
    # one root per seed, each staging model under its seed, marts under staging
    roots = [ln for ln in lines if not ln.startswith((" ", "\u2502", "\u251c", "\u2514"))]
    assert sorted(r.split(" ")[0] for r in roots) == SEEDS
    assert "raw_orders (seed)" in lines
    assert any(re.fullmatch(r"\u2514\u2500\u2500 stg_orders \(model, view\)", ln) for ln in lines)
    assert any(re.search(r"[\u251c\u2514]\u2500\u2500 orders \(model, table\)$", ln)
               for ln in lines)
    # a node reached again is not expanded again
    assert sum("customers (model, table)" in ln and "[see above]" not in ln
               for ln in lines) == 1
    assert any("customers (model, table) [see above]" in ln for ln in lines)
    for name in MODELS + SEEDS:
        assert re.search(rf"\b{name} \(", out), f"{name} missing from:\n{out}"
    assert "not_null" not in out and "unique_" not in out


@pytest.mark.feature("lineage")
def test_dot_renders_with_graphviz(jaffle, tmp_path):
    r = lineage(jaffle, "--format", "dot")
    dot = r.out
    assert dot.startswith("digraph lineage {")
    assert "rankdir=LR" in dot
    edges = set(re.findall(r'^\s*"([^"]+)" -> "([^"]+)";$', dot, re.M))
    assert edges == EDGES
    labels = dict(re.findall(r'^\s*"([^"]+)" \[label="([^"]+)"', dot, re.M))
    assert labels[f"model.{P}.orders"] == "orders"
    assert labels[f"seed.{P}.raw_orders"] == "raw_orders"
    assert re.search(rf'"seed\.{P}\.raw_orders" \[[^]]*shape=note', dot)
    assert re.search(rf'"model\.{P}\.orders" \[[^]]*shape=box', dot)
    exe = shutil.which("dot")
    if not exe:
        import os
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Graphviz 'dot' is not installed (scripts/test installs it)")
        pytest.skip("Graphviz 'dot' is not installed: cannot check the output renders")
    p = subprocess.run([exe, "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", p.stderr
    svg = p.stdout
    assert "<svg" in svg
    for name in MODELS + SEEDS:
        assert f">{name}</text>" in svg, f"{name} is not drawn"
    assert svg.count('class="edge"') == len(EDGES)
    (tmp_path / "lineage.svg").write_text(svg)


@pytest.mark.feature("lineage")
def test_mermaid(jaffle):
    out = lineage(jaffle, "--format", "mermaid").out
    lines = out.splitlines()
    assert lines[0] == "graph LR"
    ids = {}
    for m in re.finditer(r'^\s+(n\d+)\S*?"([^"]+)"\S*:::(\w+)$', out, re.M):
        ids[m.group(1)] = (m.group(2), m.group(3))
    assert sorted(v[0] for v in ids.values()) == sorted(MODELS + SEEDS)
    assert {v[1] for v in ids.values()} == {"model", "seed"}
    edges = {(ids[a][0], ids[b][0]) for a, b in re.findall(r"^\s+(n\d+) --> (n\d+)$", out, re.M)}
    assert edges == {(a.split(".")[-1], b.split(".")[-1]) for a, b in EDGES}


@pytest.mark.feature("lineage")
def test_bad_format(jaffle):
    r = lineage(jaffle, "--format", "dott", expect=2)
    assert "unknown --format 'dott' (did you mean 'dot'?)" in r.err
    assert r.out == ""


@pytest.mark.feature("lineage")
def test_select_nothing(jaffle):
    r = lineage(jaffle, "--select", "tag:no_such_tag", "--format", "json", expect=0)
    assert json.loads(r.out) == {"nodes": [], "edges": []}
