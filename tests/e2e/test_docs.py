# SPDX-License-Identifier: MIT
"""`xform docs generate` and `xform docs serve` on the jaffle shop:
manifest.json, run_results.json and catalog.json valid against dbt's own
schemas (../shared/dbt-schemas beside the clone) with the right nodes,
sources and columns; index.html self-contained; the server on 127.0.0.1
only; and the site in headless Chromium (lineage graph, node pages,
search), through playwright-core installed with npm under the build
folder.

docs generate runs on SQLite and on PostgreSQL from the same code: the
catalog must hold what the warehouse's own catalog says (pragma
table_info on SQLite; on Postgres pg_attribute with format_type, as
dbt-postgres reads it, and the owner from pg_class). docs serve and the
browser run on SQLite only: the server sends the files of target/ as
they are and never opens the profile or the warehouse, and the site is
one page that reads its embedded JSON blocks, whose contents the
generate tests check on both warehouses (test_index_html_is_self_contained
included); Postgres would only change schema names and type strings in
that data."""

import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, xform_path
from warehouse import wh  # noqa: F401  (the fixture)
from wh_util import module_warehouse, state

P = "jaffle_shop"
SEEDS = ["raw_customers", "raw_orders", "raw_payments"]
VIEWS = ["stg_customers", "stg_orders", "stg_payments"]
TABLES = ["customers", "orders"]
CI = os.environ.get("CI") == "true"

SCHEMAS = Path(os.environ.get("XF_DBT_SCHEMAS") or REPO.parent / "shared" / "dbt-schemas")
PLAYWRIGHT = "playwright-core@1.56.1"


def validate(doc, name):
    """Validates against dbt's published schema; says why and skips only
    this check when the schemas are not beside the clone."""
    path = SCHEMAS / name
    if not path.is_file():
        print(f"NOTE: {path} is missing (dbt's schemas belong in ../shared/dbt-schemas "
              f"beside the clone, or set XF_DBT_SCHEMAS): {name} not validated")
        return False
    import jsonschema
    jsonschema.validate(doc, json.loads(path.read_text()))
    return True


def sqlite_columns(project, name):
    """(name, declared type) of a relation's columns, read with Python's sqlite3."""
    con = project.connect()
    try:
        return [(r[1], r[2]) for r in con.execute(f'select * from pragma_table_info("{name}")')]
    finally:
        con.close()


# some column types of the orders table as each warehouse names them
ORDERS_TYPES = {
    "sqlite": {"order_id": "INT", "status": "TEXT"},
    "postgres": {"order_id": "bigint", "order_date": "date", "status": "text",
                 "amount": "numeric"},
}


def warehouse_columns(w, name):
    """(name, type) of a relation's columns in order, as the warehouse's
    own catalog has them: SQLite's declared type; Postgres' format_type()
    (e.g. 'character varying(10)', 'numeric(10,2)'), which dbt-postgres
    puts in catalog.json."""
    if w.kind == "sqlite":
        return sqlite_columns(w.p, name)
    return [tuple(r) for r in w.rows(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        f"where a.attrelid = '{w.rel(name)}'::regclass and a.attnum > 0 "
        "and not a.attisdropped order by a.attnum")]


def value_type(w, name, column):
    """What catalog.json says of a column SQLite declares no type for
    (computed): the widest storage class of its first 100 non-null
    values, ANY when it has none."""
    assert w.kind == "sqlite"
    seen = {r[0] for r in w.rows(f'select typeof("{column}") from "{name}" '
                                 f'where "{column}" is not null limit 100')}
    for t in ("blob", "text", "real", "integer"):
        if t in seen:
            return t.upper()
    return "ANY"


def owner(w, name):
    """The owner of a relation (SQLite has no owners)."""
    if w.kind == "sqlite":
        return None
    return w.scalar(f"select pg_get_userbyid(relowner) from pg_class "
                    f"where oid = '{w.rel(name)}'::regclass")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def documented(request, tmp_path_factory, xform_bin):
    """The jaffle shop seeded, run (.run_results: its run_results.json) and
    documented (.generated: that `docs generate`), once per warehouse; the
    tests only read it. Parametrize it indirectly with ["sqlite"] for the
    tests that are the same on every warehouse."""
    w = module_warehouse(request, tmp_path_factory, "jaffle_shop")
    try:
        w.xform("seed", expect=0)
        w.xform("run", expect=0)
        w.run_results = w.p.json("target/run_results.json")
        w.generated = w.xform("docs", "generate")
        yield w
    finally:
        w.drop()


sqlite_only = pytest.mark.parametrize("documented", ["sqlite"], indirect=True)


# ------------------------------------------------------------------ generate
@pytest.mark.feature("docs_site.generate")
def test_generate_writes_valid_artifacts(documented):
    w = documented
    p = w.p
    validate(w.run_results, "run-results_v6.json")
    r = w.generated
    assert r.rc == 0, str(r)
    assert "Catalog written to" in r.out
    assert re.search(r"8 nodes, 0 sources, \d+ columns", r.out), r.out
    for f in ["manifest.json", "catalog.json", "index.html", "run_results.json"]:
        assert (p.dir / "target" / f).is_file(), f"no target/{f}"

    manifest = p.json("target/manifest.json")
    validate(manifest, "manifest_v12.json")
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert set(models) == set(VIEWS + TABLES)
    # docs generate compiles, as dbt does
    for name, n in models.items():
        assert n.get("compiled_code"), f"{name} has no compiled_code"
        assert "{{" not in n["compiled_code"]

    catalog = p.json("target/catalog.json")
    validate(catalog, "catalog_v1.json")
    validate(p.json("target/run_results.json"), "run-results_v6.json")
    assert catalog["errors"] is None
    assert catalog["sources"] == {}
    assert set(catalog["nodes"]) == {f"model.{P}.{m}" for m in VIEWS + TABLES} | \
        {f"seed.{P}.{s}" for s in SEEDS}
    total = 0
    for uid, entry in catalog["nodes"].items():
        name = uid.split(".")[-1]
        assert entry["unique_id"] == uid
        meta = entry["metadata"]
        assert meta["name"] == name
        assert meta["schema"] == w.schema
        assert meta["type"] == ("VIEW" if name in VIEWS else "BASE TABLE")
        assert meta["owner"] == owner(w, name)
        want = warehouse_columns(w, name)
        assert want, f"{name} has no columns in the warehouse"
        cols = entry["columns"]
        assert [c for c, _ in want] == sorted(cols, key=lambda c: cols[c]["index"])
        assert [cols[c]["index"] for c, _ in want] == list(range(1, len(want) + 1))
        for c, t in want:
            assert cols[c]["name"] == c
            assert cols[c]["type"] == (t or value_type(w, name, c))
        total += len(want)
    assert re.search(rf"8 nodes, 0 sources, {total} columns", r.out), r.out
    assert total == 38
    # the columns the YAML documents are the ones the warehouse has
    assert set(catalog["nodes"][f"model.{P}.customers"]["columns"]) == {
        "customer_id", "first_name", "last_name", "first_order", "most_recent_order",
        "number_of_orders", "customer_lifetime_value"}
    orders = catalog["nodes"][f"model.{P}.orders"]["columns"]
    assert len(orders) == 9
    assert {c: orders[c]["type"] for c in ORDERS_TYPES[w.kind]} == ORDERS_TYPES[w.kind]
    assert w.kind == "sqlite" or p.db_files() == []


@pytest.mark.feature("docs_site.generate")
def test_generate_before_anything_is_built(wh):
    w = wh("jaffle_shop")
    r = w.xform("docs", "generate", expect=0)
    assert "0 nodes, 0 sources, 0 columns" in r.out
    catalog = w.p.json("target/catalog.json")
    validate(catalog, "catalog_v1.json")
    assert catalog["nodes"] == {} and catalog["sources"] == {}
    assert (w.p.dir / "target" / "index.html").is_file()
    # docs generate only reads the warehouse: no relation, no schema made
    assert w.kind == "sqlite" or state(w) == {}
    assert w.kind == "postgres" or not w.p.db_files() or w.relations() == {}


def blocks(html):
    """The embedded JSON blocks of index.html, parsed."""
    out = {}
    for m in re.finditer(r'<script type="application/json" id="([\w-]+)"([^>]*)>(.*?)</script>',
                         html, re.S):
        assert "gzip" not in m.group(2), "the jaffle shop is small: its data is plain JSON"
        out[m.group(1)] = json.loads(m.group(3))
    return out


@pytest.mark.feature("docs_site.generate")
def test_index_html_is_self_contained(documented):
    documented = documented.p
    html = documented.read("target/index.html")
    assert html.startswith("<!DOCTYPE html>")
    # nothing from the network: no external scripts, styles, fonts or images
    assert not re.search(r"<script[^>]+src=|<link\b|@import|url\(\s*['\"]?https?:", html)
    assert not re.search(r"""(src|href)=["']https?://""", html)
    data = blocks(html)
    assert set(data) == {"xf-manifest", "xf-tests", "xf-catalog", "xf-code"}
    assert data["xf-catalog"] == documented.json("target/catalog.json")
    nodes = data["xf-manifest"]["nodes"]
    assert {k for k in nodes if k.startswith("model.")} == {f"model.{P}.{m}" for m in
                                                           VIEWS + TABLES}
    assert set(nodes[f"model.{P}.orders"]["depends_on"]["nodes"]) == {
        f"model.{P}.stg_orders", f"model.{P}.stg_payments"}
    assert nodes[f"model.{P}.customers"]["description"].startswith("One row per customer")
    raw, compiled = data["xf-code"][f"model.{P}.orders"]
    assert raw == documented.read("models/orders.sql")
    assert compiled == documented.json("target/manifest.json")["nodes"][f"model.{P}.orders"][
        "compiled_code"]
    # the tests have a block of their own (read after the first page)
    assert len(data["xf-tests"]) == 20
    assert all(k.startswith("test.") for k in data["xf-tests"])
    tests = {t["name"]: t for t in data["xf-tests"].values()}
    assert tests["unique_orders_order_id"]["attached_node"] == f"model.{P}.orders"
    assert tests["unique_orders_order_id"]["column_name"] == "order_id"
    assert tests["unique_orders_order_id"]["test_metadata"]["name"] == "unique"
    docs = {d["name"]: d for d in data["xf-manifest"]["docs"].values()}
    assert "orders_status" in docs
    # every '<' of the data is escaped: the JSON blocks cannot end early
    for m in re.finditer(r'id="xf-[\w-]+">(.*?)</script>', html, re.S):
        assert "<" not in m.group(1)


# the command line is wrong: nothing reaches a warehouse (SQLite only)
@pytest.mark.feature("docs_site.generate")
def test_generate_bad_subcommand(jaffle):
    r = jaffle.xform("docs", "generat", expect=2)
    assert "unknown subcommand 'xform docs generat' (did you mean 'generate'?)" in r.err
    r = jaffle.xform("docs", expect=2)
    assert "needs a subcommand: generate or serve" in r.err
    r = jaffle.xform("docs", "generate", "--port", "9000", expect=2)
    assert "does not take --port" in r.err


# ------------------------------------------------------------------ serve
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_serve(project, port):
    wrapper = shlex.split(os.environ.get("XFORM_WRAPPER", ""))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "XFORM_", "XF_"))}
    env.update({"HOME": str(project.home), "LC_ALL": "C.UTF-8"})
    cmd = wrapper + [str(xform_path()), "docs", "serve", "--project-dir", str(project.dir),
                     "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=project.cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    deadline = time.time() + (60 if wrapper else 10)
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"docs serve exited with {proc.returncode}:\n{proc.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("docs serve did not listen in time")


def get(port, path, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        c.close()


def stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("docs serve did not stop on Ctrl-C (SIGINT)")
    return proc.returncode, out, err


@pytest.mark.feature("docs_site.serve")
@sqlite_only
def test_serve(documented):
    documented = documented.p
    port = free_port()
    proc = start_serve(documented, port)
    try:
        status, ctype, body = get(port, "/")
        assert status == 200 and ctype.startswith("text/html")
        assert body == (documented.dir / "target" / "index.html").read_bytes()
        status, ctype, body = get(port, "/catalog.json")
        assert status == 200 and ctype == "application/json"
        assert json.loads(body) == documented.json("target/catalog.json")
        status, _, _ = get(port, "/manifest.json", "HEAD")
        assert status == 200
        assert get(port, "/nope.html")[0] == 404
        # nothing outside the target folder
        assert get(port, "/../dbt_project.yml")[0] == 404
        assert get(port, "/%2e%2e/dbt_project.yml")[0] == 404
        assert get(port, "/compiled/../../dbt_project.yml")[0] == 404
        assert get(port, "/index.html", "POST")[0] == 405
        # 127.0.0.1 only: not on the machine's other addresses
        for addr in other_addresses():
            with pytest.raises(OSError):
                socket.create_connection((addr, port), timeout=1).close()
    finally:
        rc, out, err = stop(proc)
    assert rc == 0, err
    assert f"http://127.0.0.1:{port}/" in out
    assert "GET / 200" in out


def other_addresses():
    """This machine's non-loopback IPv4 addresses, if it has any."""
    addrs = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addrs.add(info[4][0])
    except OSError:
        pass
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        addrs.add(s.getsockname()[0])
        s.close()
    except OSError:
        pass
    return sorted(a for a in addrs if not a.startswith("127."))


@pytest.mark.feature("docs_site.serve")
def test_serve_without_generate(jaffle):
    r = jaffle.xform("docs", "serve", "--port", str(free_port()), expect=1)
    assert "run 'xform docs generate' first" in r.err


@pytest.mark.feature("docs_site.serve")
@sqlite_only
def test_serve_port_in_use(documented):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        r = documented.xform("docs", "serve", "--port", str(s.getsockname()[1]), expect=1)
    finally:
        s.close()
    assert "could not serve on 127.0.0.1:" in r.err
    assert "--port" in r.err


@pytest.mark.feature("docs_site.serve")
@sqlite_only
def test_serve_bad_port(documented):
    r = documented.xform("docs", "serve", "--port", "http", expect=2)
    assert "--port needs a port number from 1 to 65535, not 'http'" in r.err


# ------------------------------------------------------------------ browser
def browser_deps():
    """playwright-core under the build folder (npm install once) and
    Chromium. Missing tools skip the test, except in CI where they fail."""
    def missing(why):
        if CI:
            pytest.fail(f"CI=true: {why}")
        pytest.skip(why)

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        missing("no Chromium (Debian package 'chromium'; scripts/test installs it)")
    node = shutil.which("node")
    if not node:
        missing("no Node.js (Debian package 'nodejs') to drive the browser")
    folder = xform_path().parent / "browser"
    module = folder / "node_modules" / "playwright-core" / "package.json"
    if not module.is_file():
        npm = shutil.which("npm")
        if not npm:
            missing("no npm to install playwright-core (Debian package 'npm')")
        folder.mkdir(parents=True, exist_ok=True)
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-save",
                            "--loglevel=error", "--prefix", str(folder), PLAYWRIGHT],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or not module.is_file():
            missing(f"npm install {PLAYWRIGHT} failed:\n{r.stdout}{r.stderr}")
    return node, folder, chromium


def check_in_browser(spec, tmp_path):
    node, folder, chromium = browser_deps()
    spec = dict(spec, modules=str(folder), chromium=chromium)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    r = subprocess.run([node, str(REPO / "tests" / "browser" / "docs_check.js"), str(spec_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"browser check failed:\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.feature("docs_site.browser")
@sqlite_only
def test_site_in_chromium(documented, tmp_path):
    documented = documented.p
    shots = xform_path().parent / "docs-screenshots"
    shots.mkdir(exist_ok=True)
    orders = f"model.{P}.orders"
    spec = {
        "html": str(documented.dir / "target" / "index.html"),
        "out": str(shots),
        "focus": orders,
        "nodes": [orders, f"model.{P}.stg_orders", f"model.{P}.stg_payments",
                  f"seed.{P}.raw_orders", f"seed.{P}.raw_payments"],
        "edges": [[f"seed.{P}.raw_orders", f"model.{P}.stg_orders"],
                  [f"seed.{P}.raw_payments", f"model.{P}.stg_payments"],
                  [f"model.{P}.stg_orders", orders],
                  [f"model.{P}.stg_payments", orders]],
        "click": f"model.{P}.stg_payments",
        "columns": [c for c, _ in sqlite_columns(documented, "stg_payments")],
        "sql": "{{ ref('raw_payments') }}",
        "compiled": "raw_payments",
        "search": {"query": "custo", "expect": f"model.{P}.customers"},
        "full_nodes": 8,
    }
    timings = check_in_browser(spec, tmp_path)
    print("browser timings:", timings)
    assert (shots / "docs-lineage.png").stat().st_size > 1000
    assert (shots / "docs-node.png").stat().st_size > 1000


# ------------------------------------------------------------------ columns: types, drift
# Added to the jaffle shop: a table and a view of computed columns, whose
# YAML documents a column neither has and leaves one undocumented.
FACTS_SQL = """\
{{ config(materialized='%s') }}
-- computed columns: SQLite declares no type for them
select
    order_id,
    order_id * 2 as doubled_id,
    amount / 2.0 as half_amount,
    status || '!' as loud_status,
    null as no_value,
    case when order_id = 1 then 1 else 1.5 end as mixed
from {{ ref('orders') }}
order by order_id
"""
FACTS_YML = """\
version: 2
models:
  - name: order_facts
    description: Computed columns of every order.
    columns:
      - name: order_id
        description: The order.
      - name: doubled_id
        description: Twice the id.
      - name: half_amount
        description: Half the amount.
      - name: no_value
        description: Always null.
      - name: ghost_column
        description: Documented, but the model has no such column.
  - name: order_facts_v
    columns:
      - name: order_id
        description: The order.
"""
COMPUTED = ["doubled_id", "half_amount", "loud_status", "no_value", "mixed"]
# the type each warehouse gives them: on SQLite the widest storage class
# of the first 100 non-null values (typeof: the integer 1, then reals,
# make REAL), ANY for a column with none; on Postgres the column's own
# type (format_type), as for every column
COMPUTED_TYPES = {
    "sqlite": {"doubled_id": "INTEGER", "half_amount": "REAL", "loud_status": "TEXT",
               "no_value": "ANY", "mixed": "REAL"},
    "postgres": {"doubled_id": "bigint", "half_amount": "numeric", "loud_status": "text",
                 "no_value": "text", "mixed": "numeric"},
}


def with_facts(w):
    w.p.write("models/marts/order_facts.sql", FACTS_SQL % "table")
    w.p.write("models/marts/order_facts_v.sql", FACTS_SQL % "view")
    w.p.write("models/marts/facts.yml", FACTS_YML)
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    return w.xform("docs", "generate", expect=0)


@pytest.mark.feature("docs_site.generate")
def test_catalog_types_computed_columns(wh):
    w = wh("jaffle_shop")
    with_facts(w)
    catalog = w.p.json("target/catalog.json")
    validate(catalog, "catalog_v1.json")
    # no column of any relation without a type
    blank = [(uid, c) for uid, e in catalog["nodes"].items() for c, col in e["columns"].items()
             if not col["type"]]
    assert blank == []
    for name, kind in [("order_facts", "BASE TABLE"), ("order_facts_v", "VIEW")]:
        entry = catalog["nodes"][f"model.{P}.{name}"]
        assert entry["metadata"]["type"] == kind
        cols = entry["columns"]
        assert sorted(cols, key=lambda c: cols[c]["index"]) == ["order_id"] + COMPUTED
        assert {c: cols[c]["type"] for c in COMPUTED} == COMPUTED_TYPES[w.kind], name
        # a column the warehouse declares keeps its declared type
        declared = dict(warehouse_columns(w, name))
        if declared["order_id"]:
            assert cols["order_id"]["type"] == declared["order_id"]
        if w.kind == "sqlite":
            # the computed columns really are untyped in SQLite's own catalog
            assert [declared[c] for c in COMPUTED] == [""] * len(COMPUTED), declared
            # order 1 is the first row: its value alone would say INTEGER
            assert w.rows("select typeof(mixed) from order_facts where rowid = 1") == \
                [("integer",)]
        else:
            assert {c: declared[c] for c in COMPUTED} == COMPUTED_TYPES["postgres"]
    # the column the YAML documents is not made up: the catalog has only the relation's
    assert "ghost_column" not in catalog["nodes"][f"model.{P}.order_facts"]["columns"]


@pytest.mark.feature("docs_site.browser")
def test_site_trees_filters_columns_in_chromium(make_project, tmp_path):
    """The folder trees, the lineage filters and legend, the column flags
    and types and the highlighted, copyable code, in headless Chromium on
    the jaffle shop with order_facts added (SQLite; the catalog types the
    page shows are checked on both warehouses above). Screenshots go to
    the test's tmp dir; their paths are printed."""
    from warehouse import Warehouse
    w = Warehouse(make_project("jaffle_shop"), "sqlite")
    with_facts(w)
    catalog = w.p.json("target/catalog.json")
    facts = f"model.{P}.order_facts"
    facts_v = f"model.{P}.order_facts_v"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    spec = {
        "only_extras": True,
        "html": str(w.p.dir / "target" / "index.html"),
        "out": str(shots),
        "tree": {"project": [P, "models", "marts"], "database": ["jaffle_shop.db", "main"],
                 "expect": facts, "relation": "order_facts"},
        "filters": {
            "select": "+order_facts", "exclude": "stg_payments+",
            # stg_payments+ takes orders and everything after it too
            "expect": [f"seed.{P}.raw_payments", f"model.{P}.stg_orders", f"seed.{P}.raw_orders"],
            "hide": "seed", "expect_hidden": [f"model.{P}.stg_orders"],
            "tests": next(uid for uid, n in w.p.json("target/manifest.json")["nodes"].items()
                          if n["name"] == "unique_stg_orders_order_id"),
        },
        "columns": {"uid": facts,
                    "types": {c: v["type"] for c, v in catalog["nodes"][facts]["columns"].items()},
                    "missing": ["ghost_column"], "undocumented": ["loud_status", "mixed"],
                    "relation_type": "table"},
        "code": {"uid": f"model.{P}.orders", "keyword": "select",
                 "jinja": "{{ ref('stg_orders') }}"},
    }
    assert spec["columns"]["types"]["doubled_id"] == "INTEGER"
    check_in_browser(spec, tmp_path)
    for name in ["docs-tree-project.png", "docs-tree-database.png", "docs-filters.png",
                 "docs-filters-tests.png", "docs-columns.png", "docs-code.png"]:
        f = shots / name
        assert f.stat().st_size > 1000, name
        print(f"screenshot: {f}")
    # the view's page: 'view', its computed columns typed too
    spec2 = {"only_extras": True, "html": spec["html"], "out": str(shots / "view"),
             "columns": {"uid": facts_v,
                         "types": {c: v["type"]
                                   for c, v in catalog["nodes"][facts_v]["columns"].items()},
                         "missing": [], "relation_type": "view",
                         "undocumented": ["doubled_id", "half_amount", "loud_status", "no_value",
                                          "mixed"]}}
    (shots / "view").mkdir()
    check_in_browser(spec2, tmp_path)


# SQLite only: what the site shows is the same on both warehouses
@pytest.mark.feature("docs_site.generate")
def test_site_shows_exposures_metrics_semantic_models(make_project, tmp_path):
    """Exposures, metrics and semantic models are in the site's data, drawn
    in the lineage and each has a page with its owner, type, maturity, URL
    (and no relation, which they do not have)."""
    from warehouse import Warehouse
    w = Warehouse(make_project("projects/semantic"), "sqlite")
    w.xform("build", expect=0)
    w.xform("docs", "generate", expect=0)
    data = blocks(w.p.read("target/index.html"))["xf-manifest"]
    exp = data["exposures"]["exposure.sem.weekly_report"]
    assert exp["owner"] == {"email": "data@example.com", "name": "Data team"}
    assert (exp["type"], exp["maturity"], exp["url"]) == ("dashboard", "high",
                                                        "https://bi.example.com/weekly")
    assert set(exp["depends_on"]["nodes"]) == {"model.sem.customers", "model.sem.orders",
                                               "metric.sem.order_total"}
    assert set(data["metrics"]) == {"metric.sem.order_total", "metric.sem.orders_placed",
                                    "metric.sem.amount_per_order"}
    assert data["metrics"]["metric.sem.amount_per_order"]["type"] == "ratio"
    assert set(data["semantic_models"]) == {"semantic_model.sem.orders_sm"}
    assert not any(k.startswith(("exposure.", "metric.")) for k in data["nodes"])
    shots = tmp_path / "screenshots"
    shots.mkdir()
    check_in_browser({
        "only_extras": True, "html": str(w.p.dir / "target" / "index.html"), "out": str(shots),
        "pages": [
            {"uid": "exposure.sem.weekly_report", "type": "exposure",
             "details": {"Label": "Weekly report", "Exposure type": "dashboard",
                         "Maturity": "high", "Owner": "Data team data@example.com",
                         "URL": "https://bi.example.com/weekly"},
             "lineage": ["model.sem.orders", "metric.sem.order_total",
                         "semantic_model.sem.orders_sm"]},
            {"uid": "metric.sem.amount_per_order", "type": "metric",
             "details": {"Label": "Amount per order", "Type": "ratio"},
             "lineage": ["metric.sem.order_total", "metric.sem.orders_placed"]},
        ]}, tmp_path)
    assert (shots / "docs-page-exposure.png").stat().st_size > 1000
