# SPDX-License-Identifier: MIT
"""Checks shared by the end-to-end tests that run on both warehouses
through the `wh` fixture (warehouse.py): what a warehouse holds, to prove
that a command changed nothing, and the relation names compiled SQL uses
on each target."""

import os
import shutil

import pytest

from conftest import EXAMPLES, FIXTURES, IGNORE, Project
from warehouse import Warehouse, _norm


def qualified(w, name, schema=None):
    """How compiled SQL names a relation of `w`: "main"."x" on SQLite,
    "<dbname>"."<test schema>"."x" on Postgres (dbt-postgres' three parts)."""
    return w.rel(name, schema)


def pg_schemas(w):
    """The Postgres schemas that belong to `w`: its own and the custom
    ones named after it (<schema>_<custom>), sorted."""
    return [r[0] for r in w.rows(
        "select nspname from pg_namespace where nspname = "
        f"'{w.schema}' or nspname like '{w.schema}\\_%' order by 1")]


def state(w):
    """Everything a command could change in the warehouse of `w`. SQLite:
    the names and sha256 of its database files. Postgres: the schemas of
    `w` and, for every relation in them, its kind, oid, file node and row
    count (a relation dropped and made again, truncated or rewritten gets
    a new oid or file node, a changed row count shows an insert)."""
    if w.kind == "sqlite":
        return w.p.db_digest()
    schemas = pg_schemas(w)
    if not schemas:
        return {}
    names = ", ".join(f"'{s}'" for s in schemas)
    rels = w.rows(
        "select n.nspname, c.relname, c.relkind, c.oid::bigint, c.relfilenode::bigint "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        f"where n.nspname in ({names}) and c.relkind in ('r', 'v', 'm', 'p') order by 1, 2")
    out = {s: {} for s in schemas}
    for schema, rel, kind, oid, node in rels:
        count = w.scalar(f'select count(*) from "{schema}"."{rel}"')
        out[schema][rel] = (kind, oid, node, count)
    return out


def table_rows(w, table, schema):
    """Every row of `table` in another schema than w's own, in the order
    of its first column (SQLite: the file <schema>.db beside the main one)."""
    if w.kind == "sqlite":
        return [tuple(_norm(c) for c in r)
                for r in w.p.rows(f'select * from "{table}" order by 1', schema=schema)]
    return w.rows(f"select * from {qualified(w, table, schema)} order by 1")


def module_warehouse(request, tmp_path_factory, name):
    """A copy of examples/<name> or fixtures/<name> on the warehouse
    request.param, for a module-scoped fixture whose tests only read what
    it built (the caller drops it: w.drop())."""
    pg = None
    if request.param == "postgres":
        info = os.environ.get("XF_TEST_PG_CONNINFO")
        if not info:
            if os.environ.get("CI") == "true":
                pytest.fail("CI=true but XF_TEST_PG_CONNINFO is not set: "
                            "the Postgres tests must run")
            pytest.skip("no XF_TEST_PG_CONNINFO (scripts/test starts a PostgreSQL server)")
        pg = dict(kv.split("=", 1) for kv in info.split())
    src = EXAMPLES / name if (EXAMPLES / name).is_dir() else FIXTURES / name
    tmp = tmp_path_factory.mktemp(f"{src.name}_{request.param}")
    for d in ("home", "elsewhere"):
        (tmp / d).mkdir()
    shutil.copytree(src, tmp / src.name, ignore=IGNORE)
    return Warehouse(Project(tmp / src.name, tmp / "home", tmp / "elsewhere"), request.param, pg)
