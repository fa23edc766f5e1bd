# SPDX-License-Identifier: MIT
"""jaffle_shop on a real PostgreSQL server (scripts/test starts one and
sets XF_TEST_PG_CONNINFO): the same SQL, the same answers as on SQLite.
Each test uses a schema of its own and drops it afterwards."""

import os
import shutil
import subprocess
import uuid

import pytest

from jaffle import Expected, normalize

PSQL = shutil.which("psql") or "/usr/bin/psql"


def psql(conninfo, sql):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    info = " ".join(f"{k}={v}" for k, v in conninfo.items())
    r = subprocess.run([PSQL, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", info, "-c", sql], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return [tuple(cell for cell in line.split("\t")) for line in r.stdout.splitlines()]


def cell(text):
    if text == "":
        return None  # psql -At prints NULL as an empty string
    for conv in (int, float):
        try:
            return normalize(conv(text))
        except ValueError:
            pass
    return text


@pytest.fixture
def pg_jaffle(jaffle, pg_conninfo):
    schema = "e2e_" + uuid.uuid4().hex[:10]
    jaffle.write("profiles.yml", (
        "jaffle_shop:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
        f"      host: {pg_conninfo['host']}\n      port: {pg_conninfo['port']}\n"
        f"      user: {pg_conninfo.get('user', 'postgres')}\n      password: unused\n"
        f"      dbname: {pg_conninfo.get('dbname', 'postgres')}\n"
        f"      schema: {schema}\n      threads: 2\n"))
    jaffle.pg = pg_conninfo
    jaffle.pg_schema = schema
    yield jaffle
    psql(pg_conninfo, f'drop schema if exists "{schema}" cascade')


@pytest.mark.feature("postgres")
def test_jaffle_on_postgres(pg_jaffle, expected):
    p = pg_jaffle
    dirs = ["--profiles-dir", str(p.dir)]
    assert p.xform("seed", *dirs, expect=0).summary()["PASS"] == 3
    assert p.xform("run", *dirs, expect=0).summary()["PASS"] == 5
    assert p.db_files() == [], "a postgres target must not create SQLite files"

    kinds = dict(psql(p.pg, "select table_name, table_type from information_schema.tables "
                            f"where table_schema = '{p.pg_schema}'"))
    assert kinds == {**{s: "BASE TABLE" for s in Expected.SEEDS},
                     **{s: "VIEW" for s in Expected.STAGING},
                     **{m: "BASE TABLE" for m in Expected.MARTS}}
    for rel in Expected.SEEDS + Expected.MODELS:
        rows = psql(p.pg, f'select * from "{p.pg_schema}"."{rel}" order by 1')
        got = [tuple(cell(c) for c in r) for r in rows]
        want = [tuple(normalize(v) for v in r) for r in expected.rows(rel)]
        assert got == want, rel

    # run again: replaces in place, nothing left behind
    p.xform("run", *dirs, expect=0)
    n = psql(p.pg, "select count(*) from information_schema.tables "
                   f"where table_schema = '{p.pg_schema}'")
    assert n == [("8",)]


@pytest.mark.feature("postgres")
def test_failed_model_keeps_old_table_on_postgres(pg_jaffle, expected):
    p = pg_jaffle
    dirs = ["--profiles-dir", str(p.dir)]
    p.xform("seed", *dirs, expect=0)
    p.xform("run", *dirs, expect=0)
    p.edit("models/orders.sql", "select * from final", "select * from final_nope")
    p.xform("run", *dirs, expect=1)
    rows = psql(p.pg, f'select count(*), sum(amount) from "{p.pg_schema}"."orders"')
    assert int(rows[0][0]) == 99
    cents = sum(r[3] for r in expected.raw_payments)
    assert round(float(rows[0][1]), 2) == round(cents / 100, 2)
