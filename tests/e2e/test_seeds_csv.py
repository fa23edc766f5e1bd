# SPDX-License-Identifier: MIT
"""Seeds in full (issue 4), on SQLite and on PostgreSQL: every CSV edge
case loads exactly (each cell and each NULL checked), column types are
inferred per column, and the seed configs from dbt_project.yml and from
the properties file (column_types, delimiter, schema, alias, enabled,
quote_columns) do what they do in dbt. A broken CSV stops `xform seed`
before anything is loaded.

fixtures/seeds_csv keeps its CSV files byte-exact (.gitattributes): the
edge-case file has a UTF-8 BOM and CRLF line endings. The helpers here
(exact_rows, psql, loaded_project) serve test_freshness.py and
test_dbt_utils.py too."""

import glob
import json
import os
import shutil
import subprocess

import pytest

import warehouse
from conftest import FIXTURES, IGNORE, Project, parse_diags, path_matches
from warehouse import Warehouse, pg_or_skip, wh  # noqa: F401  (the fixture)

ENABLED_SEEDS = 7  # disabled_seed.csv is enabled: false


# ---------------------------------------------------------------- helpers
def _psql_binary():
    """psql itself rather than Debian's wrapper script, which costs 0.2 s
    a call (the newest server version's, as scripts/test picks)."""
    found = glob.glob("/usr/lib/postgresql/*/bin/psql")
    found.sort(key=lambda p: [int(x) for x in p.split("/")[4].split(".") if x.isdigit()])
    return found[-1] if found else warehouse.PSQL


PSQL_BIN = _psql_binary()


def psql(w, sql):
    """Runs sql on the Postgres warehouse (search_path: its schema); stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    info = " ".join(f"{k}={v}" for k, v in w.pg.items())
    r = subprocess.run([PSQL_BIN, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", info,
                        "-c", f'set search_path to "{w.schema}"; {sql}'],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def exact_rows(w, sql):
    """Rows of `sql` on either warehouse with NULL as None and text exact
    (embedded newlines, '' vs NULL), which psql's -At output cannot show.
    Postgres values come through JSON: booleans as True/False, dates and
    timestamps as ISO text, numbers as int/float."""
    if w.kind == "sqlite":
        return [tuple(r) for r in w.p.rows(sql)]
    out = psql(w, f"select coalesce(json_agg(t), '[]') from ({sql}) t")
    return [tuple(obj.values()) for obj in json.loads(out)]


def column_types(w, table, schema=None):
    """{column: declared type} (SQLite: as declared; Postgres: data_type)."""
    if w.kind == "sqlite":
        return {r[1]: r[2].lower() for r in w.p.rows(
            f"select * from pragma_table_info('{table}')", schema=schema or "main")}
    return {r[0]: r[1] for r in exact_rows(w, (
        "select column_name::text, data_type::text from information_schema.columns "
        f"where table_schema = '{schema or w.schema}' and table_name = '{table}' "
        "order by ordinal_position"))}


def columns(w, table, schema=None):
    return list(column_types(w, table, schema))


def relations(w, schema=None):
    """{name: 'table' | 'view'} in the warehouse's schema."""
    if w.kind == "sqlite":
        return w.p.relations(schema or "main")
    return {n: ("view" if t == "VIEW" else "table") for n, t in exact_rows(w, (
        "select table_name::text, table_type::text from information_schema.tables "
        f"where table_schema = '{schema or w.schema}'"))}


def scalar(w, sql):
    rows = exact_rows(w, sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def cell_types(w, table, column):
    """SQLite's typeof() of each cell of a column, by id."""
    return [r[0] for r in w.p.rows(f'select typeof("{column}") from "{table}" order by id')]


def custom_schema(w, name):
    """The schema a `+schema: name` node lands in: generate_schema_name
    makes it <target schema>_<name> (on SQLite the file main_<name>.db)."""
    return f"{w.schema}_{name}"


def drop_schemas(w, *suffixes):
    """Drops the Postgres schema of `w` and the <schema><suffix> ones."""
    if w.kind == "postgres":
        names = ", ".join(f'"{w.schema}{s}"' for s in ("",) + suffixes)
        psql(w, f"drop schema if exists {names} cascade")


def loaded_project(request, tmp_path_factory, fixture):
    """A copy of fixtures/<fixture> on the warehouse request.param, for a
    module-scoped fixture shared by tests that only read it (a fresh
    project, seed run and schema drop per test is slow on Postgres)."""
    pg = pg_or_skip() if request.param == "postgres" else None
    name = fixture.split("/")[-1]
    tmp = tmp_path_factory.mktemp(f"{name}_{request.param}")
    for d in ("home", "elsewhere"):
        (tmp / d).mkdir()
    shutil.copytree(FIXTURES / fixture, tmp / name, ignore=IGNORE)
    return Warehouse(Project(tmp / name, tmp / "home", tmp / "elsewhere"), request.param, pg)


def seeded(w):
    r = w.xform("seed", expect=0)
    assert r.summary() == {"PASS": ENABLED_SEEDS, "WARN": 0, "ERROR": 0, "SKIP": 0,
                           "TOTAL": ENABLED_SEEDS}
    return r


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def loaded(request, tmp_path_factory, xform_bin):
    """fixtures/seeds_csv seeded once per warehouse (.seed_result: that
    `xform seed`), for the tests that only read it."""
    w = loaded_project(request, tmp_path_factory, "seeds_csv")
    try:
        w.seed_result = seeded(w)
        yield w
    finally:
        drop_schemas(w, "_staging")


@pytest.fixture
def seeds(wh):
    """A fresh copy of fixtures/seeds_csv, for the tests that change it."""
    w = wh("seeds_csv")
    yield w
    drop_schemas(w, "_staging")


# ---------------------------------------------------------------- the CSV
def test_fixture_keeps_its_bytes():
    """The edge-case file really has a BOM, CRLF and a bare LF in quotes."""
    raw = (FIXTURES / "seeds_csv" / "seeds" / "edge_cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,")
    assert raw.count(b"\r\n") == 6 and b"one\nline" in raw
    # and one file ends without a newline
    assert (FIXTURES / "seeds_csv" / "seeds" / "custom_schema_seed.csv").read_bytes().endswith(
        b"2,Lima")


@pytest.mark.feature("seeds.csv")
def test_csv_edge_cases_load_exactly(loaded):
    w = loaded
    # the BOM is not part of the first column's name
    assert columns(w, "edge_cases") == ["id", "label", "note", "amount"]
    got = exact_rows(w, "select id, label, note, amount from edge_cases order by id")
    assert got == [
        (1, "plain, with comma", None, 1.25),      # quoted delimiter; empty unquoted = NULL
        (2, 'she said "hi"', "", -3),              # doubled quotes; "" = empty string
        (3, "line one\nline two", "x", None),      # newline inside quotes; NULL real
        (4, "Zo\u00eb \u2603 \u65e5\u672c", "  padded  ", 0.5),  # UTF-8, spaces kept
        (5, "unquoted text", '"', 1000),           # a lone quote; 1e3
    ]
    types = column_types(w, "edge_cases")
    if w.kind == "sqlite":
        assert types == {"id": "integer", "label": "text", "note": "text", "amount": "real"}
        assert cell_types(w, "edge_cases", "note") == ["null", "text", "text", "text", "text"]
        assert cell_types(w, "edge_cases", "amount") == ["real", "real", "null", "real", "real"]
    else:
        assert types["id"] in ("integer", "bigint")
        assert types["amount"] == "double precision"
        assert types["label"] == types["note"] == "text"


@pytest.mark.feature("seeds.types")
def test_column_types_are_inferred_per_column(loaded):
    w = loaded
    rows = exact_rows(w, "select * from typed order by id")
    types = column_types(w, "typed")
    # zip and ratio_as_text: column_types from the properties file keep the text
    text_cols = [(r[0], r[5], r[6], r[7], r[8]) for r in rows]
    assert text_cols == [
        (-4, "Cy", "7", "90210", "0.010"),
        (1, "Ann", "1", "00501", "1.50"),
        (2, "Bob", "x", "02134", "2"),
        (3, None, "2.5", None, None),
    ]
    assert [r[1] for r in rows] == [0.01, 1.5, 2, None]
    if w.kind == "sqlite":
        assert types == {"id": "integer", "ratio": "real", "flag": "boolean", "day": "text",
                         "at": "text", "name": "text", "mixed": "text", "zip": "text",
                         "ratio_as_text": "text"}
        # booleans are 1/0; dates and timestamps are their ISO text
        assert [r[2:5] for r in rows] == [
            (1, "1999-12-31", "1999-12-31 00:00:01.5"),
            (1, "2024-01-31", "2024-01-31 08:00:00"),
            (0, "2024-02-29", "2024-02-29T23:59:59"),
            (None, None, None),
        ]
        assert cell_types(w, "typed", "id") == ["integer"] * 4
        assert cell_types(w, "typed", "ratio") == ["real", "real", "real", "null"]
        assert cell_types(w, "typed", "flag") == ["integer", "integer", "integer", "null"]
        assert cell_types(w, "typed", "mixed") == ["text"] * 4
        assert cell_types(w, "typed", "zip") == ["text", "text", "text", "null"]
    else:
        assert types["id"] in ("integer", "bigint")
        assert types["ratio"] == "double precision"
        assert types["flag"] == "boolean"
        assert types["day"] == "date"
        assert types["at"] == "timestamp without time zone"
        for c in ("name", "mixed", "zip", "ratio_as_text"):
            assert types[c] == "text", (c, types)
        assert [r[2:5] for r in rows] == [
            (True, "1999-12-31", "1999-12-31T00:00:01.5"),
            (True, "2024-01-31", "2024-01-31T08:00:00"),
            (False, "2024-02-29", "2024-02-29T23:59:59"),
            (None, None, None),
        ]


# ---------------------------------------------------------------- configs
@pytest.mark.feature("seeds.config")
def test_delimiter_from_the_properties_file(loaded):
    w = loaded
    assert columns(w, "semi") == ["id", "name", "price"]
    assert exact_rows(w, "select id, name, price from semi order by id") == [
        (1, "a,b", 2.5), (2, "semi;colon", 3)]


@pytest.mark.feature("seeds.config")
def test_custom_schema_alias_and_disabled(loaded):
    w = loaded
    r = w.seed_result
    rels = relations(w)
    # alias: the table is renamed_seed, never aliased
    assert rels.get("renamed_seed") == "table" and "aliased" not in rels
    assert exact_rows(w, "select id, word from renamed_seed order by id") == [
        (1, "alpha"), (2, "beta"), (3, "gamma")]
    # enabled: false: not loaded, not run
    assert "disabled_seed" not in rels
    assert "disabled_seed" not in r.text
    rr = w.p.json("target/run_results.json")
    assert sorted(x["unique_id"] for x in rr["results"]) == sorted(
        f"seed.seeds_csv.{n}" for n in ("aliased", "custom_schema_seed", "edge_cases",
                                         "quoted_cols", "semi", "typed", "unquoted_cols"))
    # schema: generate_schema_name puts it in <target schema>_staging
    assert "custom_schema_seed" not in rels
    staging = custom_schema(w, "staging")
    if w.kind == "sqlite":
        assert staging == "main_staging"
        assert w.p.db_files() == ["main_staging.db", "seeds_csv.db"]
        assert w.p.rows("select id, city from custom_schema_seed order by id",
                        schema=staging) == [(1, "Oslo"), (2, "Lima")]
    else:
        assert exact_rows(w, f'select id, city from "{staging}".custom_schema_seed '
                             "order by id") == [(1, "Oslo"), (2, "Lima")]
    node = w.p.json("target/manifest.json")["nodes"]["seed.seeds_csv.custom_schema_seed"]
    assert node["schema"] == staging


@pytest.mark.feature("seeds.found_count")
def test_found_line_does_not_count_disabled_seeds(loaded):
    r = loaded.seed_result
    assert f"{ENABLED_SEEDS} seeds" in r.text, r.text


@pytest.mark.feature("seeds.quote_columns")
def test_quote_columns(loaded):
    w = loaded
    # quote_columns: true (from the project): names kept exactly, a space allowed
    assert columns(w, "quoted_cols") == ["UserId", "Display Name"]
    assert exact_rows(w, 'select "UserId", "Display Name" from quoted_cols') == [(1, "Ann")]
    # quote_columns: false: the names go unquoted into create table, so
    # Postgres folds them to lower case (SQLite keeps the case it is given)
    want = ["UserId", "Score"] if w.kind == "sqlite" else ["userid", "score"]
    assert columns(w, "unquoted_cols") == want
    assert exact_rows(w, "select userid, score from unquoted_cols order by userid") == [
        (1, 10), (2, 20)]


@pytest.mark.feature("seeds.reload")
def test_seeding_twice_replaces_the_rows(seeds):
    w = seeds
    seeded(w)
    first = exact_rows(w, "select * from edge_cases order by id")
    seeded(w)
    assert exact_rows(w, "select * from edge_cases order by id") == first
    assert scalar(w, "select count(*) from renamed_seed") == 3
    # a changed file: the new rows replace the old ones
    w.p.write("seeds/aliased.csv", "id,word\n7,delta\n")
    w.xform("seed", "-s", "aliased", expect=0)
    assert exact_rows(w, "select id, word from renamed_seed") == [(7, "delta")]


@pytest.mark.feature("seeds.full_refresh")
def test_full_refresh_after_a_column_change(seeds):
    w = seeds
    seeded(w)
    w.p.write("seeds/aliased.csv", "id,word,weight\n1,alpha,0.5\n2,beta,\n")
    r = w.xform("seed", "--full-refresh", "-s", "aliased", expect=0)
    assert r.summary()["PASS"] == 1
    assert columns(w, "renamed_seed") == ["id", "word", "weight"]
    assert exact_rows(w, "select id, word, weight from renamed_seed order by id") == [
        (1, "alpha", 0.5), (2, "beta", None)]
    # a column dropped, another renamed
    w.p.write("seeds/aliased.csv", "key,label\nk,v\n")
    w.xform("seed", "--full-refresh", "-s", "aliased", expect=0)
    assert columns(w, "renamed_seed") == ["key", "label"]
    assert exact_rows(w, "select key, label from renamed_seed") == [("k", "v")]


# ---------------------------------------------------------------- errors
def break_edge_cases(p):
    """Appends a ragged row: physical line 8 (row 3 spans lines 4-5)."""
    raw = p.path("seeds/edge_cases.csv").read_bytes()
    p.path("seeds/edge_cases.csv").write_bytes(raw + b"6,only two\r\n")


def assert_ragged_row_error(r):
    diags = parse_diags(r.text)
    assert diags, f"no path:line:col diagnostic:\n{r}"
    d = diags[0]
    assert path_matches(d.path, "seeds/edge_cases.csv"), d
    assert (d.line, d.col) == (8, 1), d
    assert d.src_line == "6,only two", (d, r.text)
    assert d.caret_col == 1, d
    assert "field" in d.msg and "header has 4" in d.msg, d


@pytest.mark.feature("seeds.errors")
def test_broken_csv_loads_nothing_first_time(seeds):
    w = seeds
    break_edge_cases(w.p)
    r = w.xform("seed", expect=2)
    assert_ragged_row_error(r)
    assert "START seed" not in r.text
    r = w.xform("build", expect=2)  # build parses the seeds the same way
    assert_ragged_row_error(r)
    if w.kind == "sqlite":
        assert w.p.db_files() == []
    else:
        assert relations(w) == {}


@pytest.mark.feature("seeds.errors")
def test_broken_csv_loads_nothing_not_even_valid_seeds(seeds):
    w = seeds
    seeded(w)
    digest = w.p.db_digest()
    # a valid change in one seed, a ragged row in another: neither is loaded
    w.p.write("seeds/aliased.csv", "id,word\n9,changed\n")
    break_edge_cases(w.p)
    r = w.xform("seed", expect=2)
    assert_ragged_row_error(r)
    assert "START seed" not in r.text
    assert w.p.db_digest() == digest
    assert exact_rows(w, "select id, word from renamed_seed order by id") == [
        (1, "alpha"), (2, "beta"), (3, "gamma")]
    assert scalar(w, "select count(*) from edge_cases") == 5
