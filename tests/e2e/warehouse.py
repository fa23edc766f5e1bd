# SPDX-License-Identifier: MIT
"""One test, two warehouses: the `wh` fixture runs a project on SQLite (the
embedded default) or on the test PostgreSQL server, and reads tables back
the same way on both, so every check is written once."""

import glob
import os
import shutil
import subprocess
import uuid

import pytest

# Debian's /usr/bin/psql is a Perl wrapper that costs a quarter second a call:
# use the real binary of the newest installed server when there is one.
_PSQLS = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
PSQL = _PSQLS[-1] if _PSQLS else (shutil.which("psql") or "/usr/bin/psql")


def _norm(v):
    """Cells compared across warehouses: whole floats as ints, strings as is."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


class Warehouse:
    def __init__(self, project, kind, pg=None):
        self.p = project
        self.kind = kind
        self.pg = pg
        self.schema = "main"
        self.extra_schemas = []  # custom schemas to drop with the main one
        if kind == "postgres":
            self.schema = "e2e_" + uuid.uuid4().hex[:10]
            project.write("profiles.yml", (
                f"{project.name}:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
                f"      host: {pg['host']}\n      port: {pg['port']}\n"
                f"      user: {pg.get('user', 'postgres')}\n"
                f"      dbname: {pg.get('dbname', 'postgres')}\n"
                f"      schema: {self.schema}\n      threads: 2\n"))

    def xform(self, command, *args, expect=None, env=None, tty=False):
        extra = ["--profiles-dir", str(self.p.dir)] if self.kind == "postgres" else []
        return self.p.xform(command, *extra, *args, expect=expect, env=env, tty=tty)

    def popen(self, command, *args):
        """Starts xform in the background (for kill and interrupt tests)."""
        from conftest import xform_path
        extra = ["--profiles-dir", str(self.p.dir)] if self.kind == "postgres" else []
        env = dict(os.environ, HOME=str(self.p.home))
        return subprocess.Popen([str(xform_path()), command, "--project-dir", str(self.p.dir),
                                 *extra, *args], cwd=self.p.cwd, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def rel(self, name, schema=None):
        """The relation as xform names it: "main"."x" on SQLite; on Postgres
        with the database too, "<dbname>"."<schema>"."x", as dbt-postgres."""
        if self.kind == "postgres":
            return f'"{self.pg.get("dbname", "postgres")}"."{schema or self.schema}"."{name}"'
        return f'"{schema or self.schema}"."{name}"'

    def rows(self, sql, schema=None):
        """Rows of `sql`, names resolved in the warehouse's schema (or in
        `schema`: on SQLite the attached file of that name)."""
        if self.kind == "sqlite":
            return [tuple(_norm(c) for c in r) for r in self.p.rows(sql, schema=schema or "main")]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        info = " ".join(f"{k}={v}" for k, v in self.pg.items())
        r = subprocess.run([PSQL, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", info, "-c",
                            f'set search_path to "{schema or self.schema}"; {sql}'],
                           capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        out = []
        for line in r.stdout.splitlines():
            cells = []
            for c in line.split("\t"):
                if c == "":
                    cells.append(None)
                    continue
                for conv in (int, float):
                    try:
                        c = _norm(conv(c))
                        break
                    except ValueError:
                        pass
                cells.append(c)
            out.append(tuple(cells))
        return out

    def scalar(self, sql, schema=None):
        r = self.rows(sql, schema)
        assert len(r) == 1 and len(r[0]) == 1, r
        return r[0][0]

    def columns(self, table):
        if self.kind == "sqlite":
            return [r[1] for r in self.p.rows(f"select * from pragma_table_info('{table}')")]
        return [r[0] for r in self.rows(
            "select column_name from information_schema.columns where table_schema = "
            f"'{self.schema}' and table_name = '{table}' order by ordinal_position")]

    def relations(self, schema=None):
        if self.kind == "sqlite":
            return self.p.relations(schema or "main")
        return {n: ("view" if t == "VIEW" else "table") for n, t in self.rows(
            "select table_name, table_type from information_schema.tables "
            f"where table_schema = '{schema or self.schema}'")}

    def custom_schema(self, name):
        """The schema a node with `schema='name'` lands in: dbt's
        generate_schema_name makes it <target schema>_<name> (on SQLite the
        file main_<name>.db beside the main one). Dropped with the main one."""
        full = f"{self.schema}_{name}"
        if full not in self.extra_schemas:
            self.extra_schemas.append(full)
        return full

    def untouched(self):
        """True when xform created nothing in the warehouse: no database
        file on SQLite, not even the schema on Postgres."""
        if self.kind == "sqlite":
            return self.p.db_files() == []
        return self.scalar("select count(*) from pg_namespace where nspname like "
                           f"'{self.schema}%'") == 0

    def digest(self):
        """Something that changes when any relation is created, dropped,
        replaced or written: the bytes of every .db file on SQLite; on
        Postgres each relation's oid, storage file and rows."""
        if self.kind == "sqlite":
            return self.p.db_digest()
        out = {}
        for name, oid, node, kind in self.rows(
                "select c.relname, c.oid, c.relfilenode, c.relkind from pg_class c join "
                "pg_namespace n on n.oid = c.relnamespace where n.nspname = "
                f"'{self.schema}' and c.relkind in ('r', 'v', 'm')"):
            out[name] = (oid, node, kind, sorted(self.rows(f'select * from "{name}"'), key=repr))
        return out

    def drop(self):
        if self.kind == "postgres":
            names = ", ".join(f'"{s}"' for s in [self.schema] + self.extra_schemas)
            self.rows(f"drop schema if exists {names} cascade")


def pg_or_skip():
    """The test server's conninfo as a dict, as the pg_conninfo fixture
    gives it (for module-scoped fixtures, which cannot use that one)."""
    info = os.environ.get("XF_TEST_PG_CONNINFO")
    if not info:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but XF_TEST_PG_CONNINFO is not set: the Postgres tests must run")
        pytest.skip("no XF_TEST_PG_CONNINFO (scripts/test starts a PostgreSQL server)")
    return dict(kv.split("=", 1) for kv in info.split())


def shared_warehouse(request, tmp_path_factory, name):
    """A copy of examples/<name> or fixtures/<name> on the warehouse
    request.param, for a module-scoped fixture whose project is built once
    and shared by tests that only read it. The caller drops it."""
    from conftest import EXAMPLES, FIXTURES, IGNORE, Project
    pg = pg_or_skip() if request.param == "postgres" else None
    src = EXAMPLES / name if (EXAMPLES / name).is_dir() else FIXTURES / name
    assert src.is_dir(), f"no project {name} under examples/ or fixtures/"
    base = src.name
    tmp = tmp_path_factory.mktemp(f"{base}_{request.param}")
    for d in ("home", "elsewhere"):
        (tmp / d).mkdir()
    shutil.copytree(src, tmp / base, ignore=IGNORE)
    return Warehouse(Project(tmp / base, tmp / "home", tmp / "elsewhere"), request.param, pg)


@pytest.fixture(params=["sqlite", "postgres"])
def wh(request, make_project):
    """A factory: wh(project_name) -> Warehouse on this test's warehouse."""
    made = []
    pg = None
    if request.param == "postgres":
        pg = request.getfixturevalue("pg_conninfo")

    def make(name):
        w = Warehouse(make_project(name), request.param, pg)
        made.append(w)
        return w

    yield make
    for w in made:
        w.drop()
