# SPDX-License-Identifier: MIT
"""Seeds in their own schema with staging views over them (issue 13), the
layout most dbt projects use, on the embedded default and on PostgreSQL.

SQLite keeps each schema in its own database file and a view cannot read
another file, so xform builds such a view as a table and says so on its
line of the run; PostgreSQL builds views. Either way the tables hold the
answers worked out from the CSVs."""

from jaffle import Expected
from warehouse import wh  # noqa: F401  (the fixture)

RAW = "\nseeds:\n  jaffle_shop:\n    +schema: raw\n"
NOTE = "SELECT (a table: a SQLite view cannot read another schema)"


def test_staging_views_over_seeds_in_another_schema(wh):
    w = wh("jaffle_shop")
    w.p.write("dbt_project.yml", w.p.read("dbt_project.yml") + RAW)
    raw = w.custom_schema("raw")
    r = w.xform("build", expect=0)
    assert "ERROR=0 SKIP=0" in r.out

    exp = Expected(w.p.dir / "seeds")
    assert w.rows("select * from raw_orders order by 1", schema=raw) == exp.raw_orders
    assert w.rows(f"select * from {w.rel('stg_orders')} order by 1") == exp.stg_orders
    assert w.rows(f"select * from {w.rel('orders')} order by 1") == exp.orders
    kinds = {k: v.lower() for k, v in w.relations().items()}
    staging = [line for line in r.out.splitlines() if " OK created sql view model " in line]
    assert len(staging) == 3, r.out
    if w.kind == "sqlite":
        # the three staging views read the raw file: built as tables, said on their lines
        assert all(NOTE in line for line in staging), r.out
        assert all(kinds[f"stg_{t}"] == "table" for t in ("customers", "orders", "payments"))
        rr = w.p.json("target/run_results.json")
        msgs = {x["unique_id"]: x["adapter_response"].get("_message", x.get("message"))
                for x in rr["results"]}
        assert msgs["model.jaffle_shop.stg_orders"] == NOTE, msgs
    else:
        assert not any(NOTE in line for line in staging)
        assert all(kinds[f"stg_{t}"] == "view" for t in ("customers", "orders", "payments"))

    # a second build replaces them in place, the same way
    r2 = w.xform("build", expect=0)
    assert w.rows(f"select count(*) from {w.rel('stg_orders')}") == [(len(exp.stg_orders),)]
    if w.kind == "sqlite":
        assert sum(NOTE in line for line in r2.out.splitlines()) == 3
